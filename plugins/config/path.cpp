// `omero config path`: print the path of the configuration file.
#include "config.hpp"

namespace omero::config {

namespace {

int run(Context& c) {
    if (auto src = c.value("source")) {
        config_path(c);  // 124 when it does not exist, as the other commands
        c.out(std::string(*src) + "\n");
    } else {
        c.out((c.server_dir() / "etc/grid/config.xml").string() + "\n");
    }
    return 0;
}

}  // namespace

Command path_command() {
    return {.path = "config path",
            .summary = "Print the path of the configuration file",
            .options = with_file_options({}),
            .run = run};
}

}  // namespace omero::config
