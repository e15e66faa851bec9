#include "admin.hpp"

#include "grid.hpp"

#include "config/config_store.hpp"
#include "util/file.hpp"
#include "util/ports.hpp"
#include "util/process.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

namespace omero::admin {

Server server(Context& c) {
    Server s;
    s.dir = c.server_dir();
    if (const char* m = std::getenv("OMERO_MASTER"); m && *m) s.node = m;
    return s;
}

std::vector<fs::path> rewrite(Context& c, const Server& s) {
    Props p = read_props(s.dir);
    auto files = generate(s.dir, p);
    std::vector<fs::path> changed;
    fs::create_directories(s.etc() / "grid");
    // templates.xml under the lock omero-py's ConfigXml takes on it.
    config::WriteLock lock(s.etc() / "grid" / "templates.xml", std::chrono::seconds(5));
    for (const auto& [path, text] : files) {
        auto old = read_file_if_exists(path, size_t(64) << 20);
        if (old && *old == text) continue;
        write_file_atomic(path, text, false);
        changed.push_back(path);
    }
    for (const fs::path& f : changed) c.debug("admin rewrite: wrote " + f.string());
    return changed;
}

long live_node_pid(const Server& s) {
    auto text = read_file_if_exists(s.pid_file(), 64);
    long pid = text ? std::atol(text->c_str()) : 0;
    auto cmd = pid > 1 ? process_command(pid) : std::nullopt;
    return cmd && cmd->find("icegridnode") != std::string::npos ? pid : 0;
}

bool is_up(const Server& s, bool node_only, std::string* why, std::chrono::milliseconds timeout) {
    if (!fs::exists(s.internal_cfg()))
        throw Error(OMERO_EXIT_ADMIN_NO_INTERNAL_CFG,
                    "Missing internal configuration " + s.internal_cfg().string() + ". Run `omero admin rewrite`.");
    Grid g(s.internal_cfg(), timeout);
    if (!g.node_up(s.node, why)) return false;
    return node_only || g.sessions_up(why);
}

namespace {

// Every server that should always run is active, and Glacier2 (not another
// process) listens on the client ports.
bool clients_can_connect(const Server& s, const std::vector<int>& ports, std::chrono::milliseconds t) {
    try {
        for (const ServerStatus& st : Grid(s.internal_cfg(), t).servers())
            if (st.node == s.node && st.enabled && st.activation == "always" && st.state != "active") return false;
    } catch (const std::exception&) {
        return false;
    }
    for (int port : ports) {
        auto who = port_listener(port);
        if (!who || (who->find("glacier2") == std::string::npos && who->find("another user") == std::string::npos))
            return false;
    }
    return true;
}

}  // namespace

bool wait_for(Context& c, const Server& s, bool up, double wait_s, bool node_only, bool dots) {
    using clock = std::chrono::steady_clock;
    auto deadline = clock::now() + std::chrono::milliseconds(static_cast<long long>(wait_s * 1000));
    // A poll a second at most (the reference's --wait below 30 s busy-loops).
    std::vector<int> ports = up && !node_only ? client_ports(read_props(s.dir)) : std::vector<int>{};
    auto step = std::chrono::milliseconds(std::clamp<long long>(static_cast<long long>(wait_s * 1000 / 30), 200, 1000));
    for (;;) {
        if (c.cancelled()) throw Error(OMERO_EXIT_CANCELLED, "interrupted");
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        auto t = std::clamp(left, std::chrono::milliseconds(500), std::chrono::milliseconds(3000));
        bool now = is_up(s, node_only, nullptr, t);
        // Up means every server that should always run is active too (a
        // Glacier2 that cannot bind its port leaves Blitz answering but no
        // client able to reach it).
        if (now && up && !node_only) now = clients_can_connect(s, ports, t);
        if (now == up) {
            if (dots) c.out("\n");
            return true;
        }
        // Waiting for a start whose node is gone (an `admin stop` meanwhile,
        // or it died): nothing will come up.
        if (up && !now && live_node_pid(s) == 0) {
            if (dots) c.out("\n");
            return false;
        }
        if (clock::now() >= deadline) {
            if (dots) c.out("\n");
            return false;
        }
        if (dots) c.out(".");
        std::this_thread::sleep_for(std::min(step, std::max(std::chrono::milliseconds(0), left)));
    }
}

Option wait_option() {
    return {.name = "wait",
            .value_name = "SECONDS",
            .help = "how long to wait for the server (300)",
            .default_value = "300",
            .type = OMERO_VALUE_INTEGER,
            .min = 1,
            .max = 86400};
}

double wait_seconds(Context& c) { return static_cast<double>(c.integer("wait").value_or(300)); }

void check_service_env(Context& c) {
    std::string var = c.config_or("omero.server.servicemanager.checkenv", "");
    if (var.empty()) return;
    const char* v = std::getenv(var.c_str());
    if (!v || !*v)
        throw Error(OMERO_EXIT_ADMIN_SERVICE_ENV,
                    "ERROR: OMERO is configured to run under a service manager which "
                    "should also set " +
                        var + " (omero.server.servicemanager.checkenv)");
}

DbStatus db_status(Context& c) {
    DbStatus d;
    std::string out;
    d.code = c.run({"db", "status", "--json"}, &out, &d.why);
    for (size_t at = 0, nl; (nl = out.find('\n', at)) != std::string::npos; at = nl + 1) {
        auto j = nlohmann::json::parse(out.substr(at, nl - at), nullptr, false);
        if (j.is_object() && j.contains("state")) d.state = std::move(j);
    }
    return d;
}

int run_icegridadmin(Context& c, const Server& s, const std::vector<std::string>& commands, bool interactive) {
    if (!fs::exists(s.internal_cfg()))
        throw Error(OMERO_EXIT_ADMIN_NO_INTERNAL_CFG,
                    "Missing internal configuration " + s.internal_cfg().string() + ". Run `omero admin rewrite`.");
    std::vector<std::string> argv = {"icegridadmin", "--Ice.Config=" + s.internal_cfg().string()};
    for (const std::string& cmd : commands) argv.insert(argv.end(), {"-e", cmd});
    if (interactive) {
        // The sysadmin's own session: the terminal is theirs.
        pid_t pid = fork();
        if (pid == 0) {
            std::vector<char*> a;
            for (auto& x : argv) a.push_back(x.data());
            a.push_back(nullptr);
            execvp(a[0], a.data());
            _exit(127);
        }
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    ChildOptions o;
    o.capture_stdout = true;
    o.timeout = std::chrono::seconds(120);
    o.cancelled = [&] { return c.cancelled(); };
    ChildResult r = run_child(argv, o);
    c.out(r.out);
    if (!r.err.empty()) c.err(r.err);
    if (r.status == 127) throw Error(1, "icegridadmin is not installed (Debian: apt install zeroc-ice-utils)");
    return r.status;
}

}  // namespace omero::admin
