// `omero admin stop` and `stopasync`: ask the IceGrid node to shut down
// (in-process, through the admin session), then for `stop` wait until it
// no longer answers.
#include "admin.hpp"
#include "grid.hpp"

namespace omero::admin {

namespace {

// 0 once asked; the reference's "Server not running" (1) when it is not.
int stop_async(Context& c, const Server& s) {
    check_service_env(c);
    std::string why;
    if (!is_up(s, true, &why)) {
        c.err("Server not running\n");
        c.debug("admin stop: " + why);
        return 1;
    }
    try {
        Grid(s.internal_cfg(), std::chrono::seconds(10)).shutdown_node(s.node);
    } catch (const std::exception& e) {
        c.err(std::string(e.what()) + "\nWas the server already stopped?\n");
        return 1;
    }
    return 0;
}

int run_stop(Context& c) {
    Server s = server(c);
    if (int rc = stop_async(c, s); rc != 0) return rc;
    double wait = wait_seconds(c);
    c.out("Waiting on shutdown. Use CTRL-C to exit\n");
    if (wait_for(c, s, false, wait, true, true)) return 0;
    c.err("Failed to shutdown some components after " + std::to_string(static_cast<long>(wait)) +
          " seconds; see " + (s.log_dir() / "master.err").string() + "\n");
    return OMERO_EXIT_ADMIN_STOP_FAILED;
}

}  // namespace

std::vector<Command> stop_commands() {
    return {{.path = "admin stop",
             .summary = "Stop the server and wait until it is down",
             .help = "Asks the IceGrid node to stop its servers and exit, then waits (--wait). A server that\n"
                     "is not running prints 'Server not running' and exits 1, as the reference does.",
             .options = {wait_option(), {.name = "force-rewrite", .help = "accepted for the reference's scripts; ignored"}},
             .run = run_stop},
            {.path = "admin stopasync",
             .summary = "Ask the server to stop, without waiting",
             .options = {{.name = "force-rewrite", .help = "accepted for the reference's scripts; ignored"}},
             .run = [](Context& c) { return stop_async(c, server(c)); }}};
}

}  // namespace omero::admin
