// `omero admin status`, `waitup`, `waitdown`: is the server up, asked of
// IceGrid in-process (node ping, then Glacier2's session manager).
#include "admin.hpp"
#include "grid.hpp"

#include <nlohmann/json.hpp>

namespace omero::admin {

namespace {

int run_status(Context& c) {
    Server s = server(c);
    std::string why;
    bool up = is_up(s, c.flag("nodeonly"), &why);
    c.debug("admin status: " + std::string(up ? "up" : "down: " + why));
    long hung = up ? 0 : live_node_pid(s);  // runs, but its registry does not answer
    if (hung) {
        why = "the registry does not answer (" + why + "), but icegridnode (pid " + std::to_string(hung) +
              ") runs: it is stopped or hung; 'omero admin stop' ends it";
        if (!c.json()) c.err(why + "\n");
    }
    if (c.json()) {
        nlohmann::json j = {{"up", up}, {"node", s.node}, {"detail", up ? "" : why}};
        if (hung) j["hung_pid"] = hung;
        // Every node the registry knows, when it answers (multi-node servers).
        if (up || c.flag("nodeonly")) {
            try {
                Grid g(s.internal_cfg(), std::chrono::seconds(3));
                for (const std::string& n : g.nodes()) j["nodes"][n] = g.node_up(n);
            } catch (const std::exception&) {
            }
        }
        c.emit_json(j.dump());
    }
    return up ? 0 : 1;
}

int run_wait(Context& c, bool up) {
    Server s = server(c);
    double wait = wait_seconds(c);
    c.out(up ? "Waiting on startup. Use CTRL-C to exit\n" : "Waiting on shutdown. Use CTRL-C to exit\n");
    if (wait_for(c, s, up, wait, !up, true)) return 0;
    c.err(std::string(up ? "Failed to startup" : "Failed to shutdown") + " some components after " +
          std::to_string(static_cast<long>(wait)) + " seconds\n");
    return up ? OMERO_EXIT_ADMIN_START_FAILED : OMERO_EXIT_ADMIN_STOP_FAILED;
}

}  // namespace

std::vector<Command> status_commands() {
    return {{.path = "admin status",
             .summary = "Exit 0 when the server is up, 1 when it is not",
             .help = "Silent (the exit status is the answer; -d debug says why). Pings the IceGrid node,\n"
                     "then (unless --nodeonly) asks Glacier2's session manager for a session, which Blitz\n"
                     "refuses when it is up. Exit 62 without etc/internal.cfg (run omero admin rewrite).",
             .options = {{.name = "nodeonly", .help = "only ping the IceGrid node"}, omero::sdk::json_option()},
             .args = {{.name = "NODE",
                       .help = "ignored (the reference's; the node is $OMERO_MASTER or master)",
                       .flags = OMERO_ARG_OPTIONAL}},
             .run = run_status},
            {.path = "admin waitup",
             .summary = "Wait until the server is up (43 after --wait)",
             .options = {wait_option()},
             .run = [](Context& c) { return run_wait(c, true); }},
            {.path = "admin waitdown",
             .summary = "Wait until the server is down (44 after --wait)",
             .options = {wait_option()},
             .run = [](Context& c) { return run_wait(c, false); }}};
}

}  // namespace omero::admin
