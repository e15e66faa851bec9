// `omero admin stop` and `stopasync`: ask the IceGrid node to shut down
// (in-process, through the admin session), then for `stop` wait until it
// no longer answers.
#include "admin.hpp"
#include "grid.hpp"

#include "util/ports.hpp"
#include "util/process.hpp"

#include <signal.h>

#include <algorithm>
#include <thread>

namespace omero::admin {

namespace {

bool alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 && process_command(pid).has_value(); }

// The registry does not answer but its icegridnode runs (stopped with
// SIGSTOP, or hung): SIGTERM (after SIGCONT, so a stopped node can act on
// it), then, unless it is gone within `wait_s`, SIGKILL to the node and the
// servers it started. Returns 0 once they are gone.
int end_hung_node(Context& c, long node, const std::string& why, double wait_s) {
    std::vector<long> servers = child_pids(node);
    c.err("The registry does not answer (" + why + "), but icegridnode (pid " + std::to_string(node) +
          ") runs: it is stopped or hung. Sending it SIGTERM\n");
    ::kill(static_cast<pid_t>(node), SIGCONT);
    ::kill(static_cast<pid_t>(node), SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_s);
    while (alive(node) && std::chrono::steady_clock::now() < deadline && !c.cancelled())
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::vector<long> left;
    for (long p : servers)
        if (alive(p)) left.push_back(p);
    if (alive(node)) left.insert(left.begin(), node);
    if (left.empty()) return 0;
    std::string names;
    for (long p : left) {
        names += (names.empty() ? "" : ", ") + std::to_string(p);
        ::kill(static_cast<pid_t>(p), SIGKILL);
    }
    c.err("Still running after " + std::to_string(static_cast<long>(wait_s)) + " s: sent SIGKILL to pid " + names +
          "\n");
    for (int i = 0; i < 50; ++i) {
        bool any = false;
        for (long p : left) any = any || alive(p);
        if (!any) return 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw Error(OMERO_EXIT_ADMIN_STOP_FAILED, "pid " + names + " did not end after SIGKILL");
}

// 0 once asked (or a hung node ended: *ended_hung says so, and there is
// nothing left to wait for); the reference's "Server not running" (1) when
// it is not.
int stop_async(Context& c, const Server& s, double hung_wait, bool* ended_hung = nullptr) {
    check_service_env(c);
    std::string why;
    if (!is_up(s, true, &why)) {
        if (long node = live_node_pid(s)) {
            if (ended_hung) *ended_hung = true;
            return end_hung_node(c, node, why, hung_wait);
        }
        c.err("Server not running\n");
        // Servers a node killed with -9 left behind still hold its ports: named, never guessed at and killed.
        for (auto& [name, n] : listen_ports(read_props(s.dir)))
            if (auto who = port_listener(n))
                c.err("note: port " + std::to_string(n) + " (" + name + ") is still held by " + *who +
                      ", left by a node that was killed? End it with kill PID before 'omero admin start'\n");
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
    double wait = wait_seconds(c);
    bool hung = false;
    if (int rc = stop_async(c, s, std::min(wait, 30.0), &hung); rc != 0 || hung) return rc;
    c.out("Waiting on shutdown. Use CTRL-C to exit\n");
    if (wait_for(c, s, false, wait, true, true)) return 0;
    c.err("Failed to shutdown some components after " + std::to_string(static_cast<long>(wait)) + " seconds; see " +
          (s.log_dir() / "master.err").string() + "\n");
    return OMERO_EXIT_ADMIN_STOP_FAILED;
}

}  // namespace

std::vector<Command> stop_commands() {
    return {
        {.path = "admin stop",
         .summary = "Stop the server and wait until it is down",
         .help = "Asks the IceGrid node to stop its servers and exit, then waits (--wait). A server that\n"
                 "is not running prints 'Server not running' and exits 1, as the reference does. A node\n"
                 "that runs but whose registry does not answer (stopped, hung) is sent SIGTERM, then after\n"
                 "--wait (at most 30 s) SIGKILL with the servers it started.",
         .options = {wait_option(), {.name = "force-rewrite", .help = "accepted for the reference's scripts; ignored"}},
         .run = run_stop},
        {.path = "admin stopasync",
         .summary = "Ask the server to stop, without waiting",
         .options = {{.name = "force-rewrite", .help = "accepted for the reference's scripts; ignored"}},
         .run = [](Context& c) { return stop_async(c, server(c), 30); }}};
}

}  // namespace omero::admin
