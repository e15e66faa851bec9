// `omero config list`: deprecated: use 'config get'.
#include "config.hpp"

namespace omero::config {

namespace {

int run(Context& c) {
    c.err("WARNING: \"config list\" is deprecated, use \"config get\" instead\n");
    return print_properties(c, {});
}

}  // namespace

Command list_command() {
    return {.path = "config list",
            .summary = "Deprecated: use 'config get'",
            .options = with_file_options({
                {.name = "show-password", .help = "print passwords in clear"},
                {.name = "hide-password", .help = "mask passwords (the default)", .flags = OMERO_OPT_HIDDEN},
                {.name = "defaults", .help = "include the defaults", .flags = OMERO_OPT_HIDDEN},
            }),
            .flags = OMERO_CMD_HIDDEN,
            .run = run};
}

}  // namespace omero::config
