// `omero config all`: list the profiles.
#include "config.hpp"

namespace omero::config {

namespace {

int run(Context& c) {
    for (const std::string& id : open_store(c).read().profile_ids()) c.out(id + "\n");
    return 0;
}

}  // namespace

Command all_command() {
    return {.path = "config all", .summary = "List the profiles", .options = with_file_options({}), .run = run};
}

}  // namespace omero::config
