// `omero config get`: print properties of the active profile.
#include "config.hpp"

namespace omero::config {

namespace {

int run(Context& c) {
    std::vector<std::string> keys;
    for (auto k : c.args()) keys.emplace_back(k);
    return print_properties(c, keys);
}

}  // namespace

Command get_command() {
    return {.path = "config get",
            .summary = "Print properties of the active profile",
            .help =
                "No KEY: every property as key=value, sorted, passwords masked. One KEY: its raw value\n"
                "(nothing, and exit 0, when it is not set). Several KEYs: key=value lines, sorted.",
            .options = with_file_options({
                {.name = "show-password", .help = "print passwords in clear"},
                {.name = "hide-password", .help = "mask passwords (the default)", .flags = OMERO_OPT_HIDDEN},
                {.name = "defaults", .help = "include the defaults from $OMERODIR/etc/omero.properties"},
            }),
            .args = {{"KEY", "property names", OMERO_ARG_VARIADIC}},
            .run = run};
}

}  // namespace omero::config
