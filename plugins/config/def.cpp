// `omero config def`: print the active profile, or make NAME the active one.
#include "config.hpp"

namespace omero::config {

namespace {

int run(Context& c) {
    Store store = open_store(c);
    std::string name = c.arg_count() ? std::string(c.arg(0)) : "";
    if (name.empty()) {
        c.out(store.read().active() + "\n");
        return 0;
    }
    store.update([&](Document& d) {
        d.set_explicit_profile(name);
        return true;
    });
    c.out(name + "\n");
    return 0;
}

}  // namespace

Command def_command() {
    return {.path = "config def",
            .summary = "Print the active profile, or make NAME the active one",
            .options = with_file_options({}),
            .args = {{"NAME", "profile to activate", OMERO_ARG_OPTIONAL}},
            .run = run};
}

}  // namespace omero::config
