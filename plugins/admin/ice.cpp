// `omero admin ice`: icegridadmin with the server's etc/internal.cfg.
#include "admin.hpp"

namespace omero::admin {

namespace {

int run(Context& c) {
    Server s = server(c);
    std::string cmd;
    for (auto a : c.args()) cmd += (cmd.empty() ? "" : " ") + std::string(a);
    if (cmd.empty()) return run_icegridadmin(c, s, {}, true);
    return run_icegridadmin(c, s, {cmd}, false);
}

}  // namespace

Command ice_command() {
    return {
        .path = "admin ice",
        .summary = "Run icegridadmin against the server (interactive without arguments)",
        .help =
            "With arguments they are one icegridadmin command, run non-interactively with stdin\n"
            "closed: omero admin ice server list",
        .args = {{.name = "ARGS", .help = "an icegridadmin command", .flags = OMERO_ARG_OPTIONAL | OMERO_ARG_VARIADIC}},
        .run = run};
}

}  // namespace omero::admin
