// `omero admin restart` and `restartasync`: stop, then start (through the
// host, so each keeps its own options, output and exit status).
#include "admin.hpp"

namespace omero::admin {

namespace {

int restart(Context& c, bool wait) {
    Server s = server(c);
    std::vector<std::string> forwarded;
    if (c.flag("force-rewrite")) forwarded.push_back("--force-rewrite");
    if (wait && c.flag("foreground")) forwarded.push_back("--foreground");
    for (auto a : c.args()) forwarded.emplace_back(a);
    std::string w = std::to_string(c.integer("wait").value_or(300));
    if (is_up(s, true)) {
        int rc = c.run({"admin", "stop", "--wait", w});
        if (rc != 0) {
            c.err("Failed to shutdown\n");
            return OMERO_EXIT_ADMIN_RESTART_FAILED;
        }
    }
    std::vector<std::string> start = {"admin", wait ? "start" : "startasync"};
    if (wait) start.insert(start.end(), {"--wait", w});
    start.insert(start.end(), forwarded.begin(), forwarded.end());
    return c.run(start);
}

}  // namespace

std::vector<Command> restart_commands() {
    std::vector<omero::sdk::Arg> args = {{.name = "TARGETS",
                                          .help = "[DESCRIPTOR] then IceGrid targets",
                                          .flags = OMERO_ARG_OPTIONAL | OMERO_ARG_VARIADIC}};
    Option rewrite{.name = "force-rewrite", .help = "regenerate the live files from the templates first"};
    return {{.path = "admin restart",
             .summary = "Stop the server (when it runs), then start it",
             .help = "Exit 54 when the stop fails; otherwise start's exit status.",
             .options = {wait_option(), rewrite, {.name = "foreground", .help = "run icegridnode in the foreground"}},
             .args = args,
             .run = [](Context& c) { return restart(c, true); }},
            {.path = "admin restartasync",
             .summary = "Stop the server, then start it without waiting",
             .options = {wait_option(), rewrite},
             .args = args,
             .run = [](Context& c) { return restart(c, false); }}};
}

}  // namespace omero::admin
