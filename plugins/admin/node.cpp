// `omero node [NAME] [sync] start|stop|status|restart`: a worker node of a
// multi-node server (omero.server.nodedescriptors) — icegridnode with
// etc/internal.cfg (the master's registry) and etc/<NAME>.cfg, which
// `admin rewrite` generates.
#include "admin.hpp"
#include "grid.hpp"

#include "util/file.hpp"
#include "util/process.hpp"

#include <signal.h>

#include <cstdlib>
#include <thread>

namespace omero::admin {

namespace {

struct NodeArgs {
    std::string name;
    bool sync = false;
    std::vector<std::string> actions;
};

NodeArgs parse(Context& c) {
    NodeArgs a;
    const char* env = std::getenv("OMERO_NODE");
    a.name = env && *env ? env : "master";
    std::vector<std::string> words;
    for (auto w : c.args()) words.emplace_back(w);
    auto action = [](const std::string& w) { return w == "start" || w == "stop" || w == "status" || w == "restart"; };
    size_t i = 0;
    if (i < words.size() && !action(words[i]) && words[i] != "sync") a.name = words[i++];
    if (i < words.size() && words[i] == "sync") a.sync = true, ++i;
    for (; i < words.size(); ++i) {
        if (!action(words[i]))
            throw Error(OMERO_EXIT_USAGE, "node: '" + words[i] +
                                              "' is not start, stop, status or restart "
                                              "(usage: omero node [NAME] [sync] start|stop|status|restart)");
        a.actions.push_back(words[i]);
    }
    if (a.actions.empty()) throw Error(OMERO_EXIT_USAGE, "node: say start, stop, status or restart");
    return a;
}

fs::path pid_file(const Server& s, const std::string& node) { return s.var() / node / (node + ".pid"); }

bool node_up(const Server& s, const std::string& node) {
    if (!fs::exists(s.internal_cfg())) return false;
    return Grid(s.internal_cfg(), std::chrono::seconds(3)).node_up(node);
}

bool wait_node(Context& c, const Server& s, const std::string& node, bool up, int seconds) {
    for (int i = 0; i < seconds * 5; ++i) {
        if (c.cancelled()) throw Error(OMERO_EXIT_CANCELLED, "interrupted");
        if (node_up(s, node) == up) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
}

int start(Context& c, const Server& s, const NodeArgs& a) {
    if (a.name == "master") return c.run({"admin", a.sync ? "start" : "startasync"});
    rewrite(c, s);
    fs::path cfg = s.etc() / (a.name + ".cfg");
    if (!fs::exists(cfg))
        throw Error(1, "no " + cfg.string() + ": name node " + a.name +
                           " in omero.server.nodedescriptors (e.g. master:Blitz-0 " + a.name +
                           ":Processor-0), then omero admin rewrite");
    if (node_up(s, a.name)) throw Error(OMERO_EXIT_ADMIN_RUNNING, "Node " + a.name + " already running");
    for (const char* d : {"log", ""}) fs::create_directories(s.var() / (*d ? d : a.name));
    ChildOptions o;
    o.cwd = s.dir;
    o.timeout = std::chrono::seconds(120);
    o.unset_env = {"PGPASSWORD", "OMERO_ROOT_PASSWORD"};
    ChildResult r = run_child({"icegridnode", "--daemon", "--pidfile", pid_file(s, a.name).string(), "--nochdir",
                               "--Ice.Config=" + s.internal_cfg().string() + "," + cfg.string()},
                              o);
    if (r.status != 0)
        throw Error(r.status, "icegridnode (node " + a.name + ") exited with " + std::to_string(r.status) + ": " +
                                  r.err + "see " + (s.log_dir() / (a.name + ".err")).string());
    if (a.sync && !wait_node(c, s, a.name, true, 60))
        throw Error(OMERO_EXIT_ADMIN_START_FAILED, "Node " + a.name + " did not come up");
    return 0;
}

int stop(Context& c, const Server& s, const NodeArgs& a) {
    if (a.name == "master") return c.run({"admin", a.sync ? "stop" : "stopasync"});
    if (!node_up(s, a.name)) {
        c.err("Node " + a.name + " not running\n");
        return 1;
    }
    try {
        Grid(s.internal_cfg(), std::chrono::seconds(10)).shutdown_node(a.name);
    } catch (const std::exception& e) {
        // The registry may be gone already: the pid file, as the reference does.
        // Only an icegridnode is signalled: a pid file may outlive its process.
        long pid = std::atol(read_file_if_exists(pid_file(s, a.name), 64).value_or("0").c_str());
        auto cmd = process_command(pid);
        if (!cmd || cmd->find("icegridnode") == std::string::npos || ::kill(static_cast<pid_t>(pid), SIGTERM) != 0)
            throw Error(1, e.what());
    }
    if (a.sync && !wait_node(c, s, a.name, false, 60))
        throw Error(OMERO_EXIT_ADMIN_STOP_FAILED, "Node " + a.name + " did not stop");
    return 0;
}

int run(Context& c) {
    Server s = server(c);
    NodeArgs a = parse(c);
    int rc = 0;
    for (const std::string& act : a.actions) {
        if (act == "start")
            rc = start(c, s, a);
        else if (act == "stop")
            rc = stop(c, s, a);
        else if (act == "status")
            rc = node_up(s, a.name) ? 0 : 1;
        else if (act == "restart") {
            NodeArgs sync = a;
            sync.sync = true;
            if (node_up(s, a.name)) stop(c, s, sync);
            rc = start(c, s, a);
        }
        if (rc != 0) return rc;
    }
    return rc;
}

}  // namespace

Command node_command() {
    return {
        .path = "node",
        .summary = "Start, stop or check one IceGrid node of a multi-node server",
        .help =
            "omero node [NAME] [sync] start|stop|status|restart. NAME defaults to $OMERO_NODE, else\n"
            "master (the same as admin start/stop). A worker runs icegridnode with etc/internal.cfg\n"
            "and etc/NAME.cfg, which admin rewrite writes for each node omero.server.nodedescriptors\n"
            "names (e.g. \"master:Blitz-0,Indexer-0 worker1:Processor-0\"). With sync, waits.",
        .args = {{.name = "WORDS", .help = "[NAME] [sync] start|stop|status|restart...", .flags = OMERO_ARG_VARIADIC}},
        .run = run};
}

}  // namespace omero::admin
