// `omero config version`: print the file format version of the active profile.
#include "config.hpp"

namespace omero::config {

namespace {

int run(Context& c) {
    Document d = open_store(c).read();
    auto v = d.version(d.active());
    if (!v) throw Error(OMERO_EXIT_FAILURE, "profile '" + d.active() + "' has no " + kVersionKey);
    c.out(*v + "\n");
    return 0;
}

}  // namespace

Command version_command() {
    return {.path = "config version",
            .summary = "Print the file format version of the active profile",
            .options = with_file_options({}),
            .run = run};
}

}  // namespace omero::config
