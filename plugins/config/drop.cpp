// `omero config drop`: remove a whole profile.
#include "config.hpp"

namespace omero::config {

namespace {

int run(Context& c) {
    std::string name(c.arg(0));
    bool found = true;
    open_store(c).update([&](Document& d) { return found = d.drop(name); });
    if (!found) throw Error(OMERO_EXIT_FAILURE, "Unknown configuration: " + name);
    return 0;
}

}  // namespace

Command drop_command() {
    return {.path = "config drop",
            .summary = "Remove a whole profile",
            .options = with_file_options({}),
            .args = {{"NAME", "profile"}},
            .run = run};
}

}  // namespace omero::config
