// `omero admin start` and `startasync`: the reference's sequence (service
// manager check, access checks, rewrite, already-running 876, lock and
// production warnings, icegridnode --daemon --deploy), then for `start` a
// bounded wait — and when the server does not come up, why: each server's
// state and log tail, and the causes we can test (database, ports, data dir).
#include "admin.hpp"
#include "grid.hpp"

#include "util/file.hpp"
#include "util/ports.hpp"
#include "util/process.hpp"

#include <nlohmann/json.hpp>
#include <pwd.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace omero::admin {

namespace {

void check_access(const fs::path& p, bool create) {
    std::error_code ec;
    if (!fs::exists(p, ec)) {
        if (!create)
            throw Error(OMERO_EXIT_SERVER_DIR_MISSING,
                        "FATAL: OMERO directory does not exist: " + p.string() + " (create it, or set omero.data.dir)");
        fs::create_directories(p, ec);
        if (ec) throw Error(OMERO_EXIT_ADMIN_CANNOT_ACCESS, "FATAL: Cannot create " + p.string() + ": " + ec.message());
        return;
    }
    if (::access(p.c_str(), R_OK | W_OK | X_OK) != 0)
        throw Error(OMERO_EXIT_ADMIN_CANNOT_ACCESS, "FATAL: Cannot access " + p.string() +
                                                        ", a required file/directory for OMERO (it must be readable "
                                                        "and writable by " +
                                                        std::to_string(::geteuid()) + ")");
}

// var/master/master.pid naming a process that is gone (or is not icegridnode).
void remove_stale_pid(Context& c, const Server& s) {
    auto text = read_file_if_exists(s.pid_file(), 4096);
    if (!text || live_node_pid(s)) return;
    long pid = std::atol(text->c_str());
    auto cmd = process_command(pid);
    std::error_code ec;
    fs::remove(s.pid_file(), ec);
    c.err("WARNING: Removed stale " + s.pid_file().string() + " (process " + std::to_string(pid) +
          (cmd ? " is not icegridnode" : " is gone") + ")\n");
}

void warnings(Context& c, const Props& p) {
    if (p.get("omero.db.poolsize").empty())
        c.out(
            "WARNING: Your server has not been configured for production use.\n"
            "See https://omero.readthedocs.io/en/stable/sysadmins/server-performance.html for more information.\n");
    std::string protocols = p.get("omero.glacier2.IceSSL.Protocols");
    std::string up;
    for (char ch : protocols) up += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (protocols.empty() || up.find("TLS1_0") != std::string::npos || up.find("TLS1_1") != std::string::npos)
        c.out(
            "WARNING: Your server is configured to allow a deprecated TLS protocol (omero.glacier2.IceSSL.Protocols=" +
            protocols + "); set it to tls1_2,tls1_3.\n");
}

void lock_warnings(Context& c, const Props& p) {
    fs::path repo = fs::path(p.get("omero.data.dir", "/OMERO")) / ".omero" / "repository";
    std::error_code ec;
    std::vector<std::string> locks;
    for (const auto& d : fs::directory_iterator(repo, ec))
        if (fs::exists(d.path() / ".lock", ec)) locks.push_back((d.path() / ".lock").string());
    if (locks.empty()) return;
    std::string msg =
        "WARNING: The following repository lock files exist; if no other OMERO server uses this data "
        "directory, remove them:\n";
    for (auto& l : locks) msg += "  " + l + "\n";
    c.err(msg);
}

// What we can test ourselves when the server did not come up.
std::string explain(Context& c, const Server& s, const Props& p) {
    std::string out;
    try {
        Grid g(s.internal_cfg(), std::chrono::seconds(3));
        for (const ServerStatus& st : g.servers()) {
            if ((st.state == "active" && st.enabled) || st.node != s.node) continue;
            if (st.activation != "always" && st.state == "inactive" && st.enabled) continue;  // started on demand
            out += "  " + st.id + ": " + st.state + (st.enabled ? "" : ", disabled by IceGrid after failing") +
                   (st.pid ? " (pid " + std::to_string(st.pid) + ")" : "") + "\n";
            std::string t = tail_file(s.log_dir() / (st.id + ".log"), 8);
            if (!t.empty())
                out += "    last lines of var/log/" + st.id + ".log:\n      " + [&] {
                    std::string r;
                    for (char ch : t) r += ch == '\n' ? std::string("\n      ") : std::string(1, ch);
                    return r;
                }() + "\n";
        }
    } catch (const std::exception& e) {
        out += "  the registry does not answer: " + std::string(e.what()) + "\n";
    }
    if (std::string t = tail_file(s.log_dir() / "master.err", 8); !t.empty())
        out += "  last lines of var/log/master.err:\n    " + t + "\n";
    // The database, through the db plugin's own status (never its code).
    DbStatus db = db_status(c);
    int rc = db.code;
    if (rc == OMERO_EXIT_PLUGIN_UNAVAILABLE) {
        out += "  database: not checked (" + db.why + ")\n";
    } else if (rc != 0) {
        std::string state = db.state.value("state", ""), cur = db.state.value("current", ""),
                    target = db.state.value("target", "");
        if (rc == OMERO_EXIT_DB_CONNECT)
            out += "  database: cannot connect (" + db.why.substr(0, db.why.find('\n')) + ")\n";
        else if (rc == OMERO_EXIT_DB_NOT_INITIALISED)
            out += "  database: not initialised; run: omero db init\n";
        else if (rc == OMERO_EXIT_DB_UPGRADE_NEEDED)
            out += "  database: at " + cur + ", this server needs " + target + "; run: omero db upgrade\n";
        else
            out += "  database: " + (state.empty() ? db.why : state) + " (omero db status exits " + std::to_string(rc) +
                   ")\n";
    }
    // Ports the server listens on, held by something that is not ours.
    for (const char* k : {"ssl", "tcp"}) {
        int n = port(p, k);
        if (auto who = port_listener(n); who && who->find("glacier2router") == std::string::npos)
            out += "  port " + std::to_string(n) + " (" + k + ") is in use by " + *who + "\n";
    }
    fs::path data = p.get("omero.data.dir", "/OMERO");
    auto [uid, gid, who] = server_account(s);
    if (!fs::exists(data))
        out += "  omero.data.dir " + data.string() + " does not exist\n";
    else if (!writable_by(data, uid, gid))
        out += "  omero.data.dir " + data.string() + " is not writable by " + who +
               ", the account the node runs the servers as\n";
    return out;
}

}  // namespace

std::tuple<uid_t, gid_t, std::string> server_account(const Server& s) {
    // A node run by root starts its servers as nobody, unless
    // IceGrid.Node.AllowRunningServersAsRoot is set.
    uid_t uid = ::geteuid();
    gid_t gid = ::getegid();
    auto cfg = read_file_if_exists(s.master_cfg(), 1 << 20);
    bool as_root = cfg && cfg->find("IceGrid.Node.AllowRunningServersAsRoot=1") != std::string::npos;
    if (uid == 0 && !as_root) {
        if (const passwd* pw = ::getpwnam("nobody")) return {pw->pw_uid, pw->pw_gid, "nobody"};
    }
    const passwd* pw = ::getpwuid(uid);
    return {uid, gid, pw ? pw->pw_name : "uid " + std::to_string(uid)};
}

bool writable_by(const fs::path& p, uid_t uid, gid_t gid) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return false;
    if (uid == 0) return true;
    if (st.st_uid == uid) return (st.st_mode & S_IWUSR) && (st.st_mode & S_IXUSR);
    if (st.st_gid == gid) return (st.st_mode & S_IWGRP) && (st.st_mode & S_IXGRP);
    return (st.st_mode & S_IWOTH) && (st.st_mode & S_IXOTH);
}

namespace {

struct StartArgs {
    bool force_rewrite = false, foreground = false;
    std::vector<std::string> rest;  // [descriptor] [targets...]
};

StartArgs start_args(Context& c) {
    StartArgs a;
    a.force_rewrite = c.flag("force-rewrite");
    a.foreground = c.flag("foreground");
    for (auto x : c.args()) a.rest.emplace_back(x);
    return a;
}

}  // namespace

// Everything up to the node answering; 0 once icegridnode runs.
int start_async(Context& c, const Server& s, const StartArgs& a) {
    check_service_env(c);
    check_access(s.var(), true);
    // Two starts at once: the second waits for nothing and says what runs.
    int lock = ::open((s.var() / ".admin-start.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0 || ::flock(lock, LOCK_EX | LOCK_NB) != 0) {
        if (lock >= 0) ::close(lock);
        throw Error(OMERO_EXIT_ADMIN_RUNNING, "Server already running (another 'omero admin start' is starting it)");
    }
    struct Unlock {
        int fd;
        ~Unlock() { ::close(fd); }
    } unlock{lock};
    Props p = read_props(s.dir);
    check_access(p.get("omero.data.dir", "/OMERO"), false);
    bool rewritten = a.force_rewrite || !fs::exists(s.internal_cfg());
    if (rewritten) rewrite(c, s);
    if (is_up(s, true)) throw Error(OMERO_EXIT_ADMIN_RUNNING, "Server already running");
    if (!rewritten) rewrite(c, s);
    lock_warnings(c, p);
    warnings(c, p);
    for (const char* d : {"log", "registry", "master", "tmp"}) {
        std::error_code ec;
        fs::create_directories(s.var() / d, ec);
    }
    remove_stale_pid(c, s);
    // Nothing of ours runs (is_up said no): a holder of our ports would make
    // Glacier2 or the registry fail to bind after a long wait. Name it now -
    // often the servers a node killed with -9 left running.
    {
        std::string held;
        for (auto& [name, n] : listen_ports(p))
            if (auto who = port_listener(n))
                held += "\n  port " + std::to_string(n) + " (" + name + ") is in use by " + *who;
        if (!held.empty())
            throw Error(OMERO_EXIT_ADMIN_START_FAILED,
                        "the server cannot start: its ports are taken:" + held +
                            "\n(a glacier2router or icegridnode here was left by a node that was killed: end it with "
                            "kill PID; else set omero.ports.* to free ports)");
    }
    fs::path descriptor = s.descriptor();
    std::vector<std::string> targets = a.rest;
    if (!targets.empty() && fs::is_regular_file(targets[0])) {
        descriptor = fs::absolute(targets[0]);
        targets.erase(targets.begin());
    } else {
        c.err("No descriptor given. Using " + fs::relative(descriptor, s.dir).string() + "\n");
    }
    std::vector<std::string> argv = {"icegridnode"};
    if (!a.foreground) argv.insert(argv.end(), {"--daemon", "--pidfile", s.pid_file().string()});
    argv.insert(argv.end(), {"--nochdir", "--Ice.Config=" + s.internal_cfg().string() + "," + s.master_cfg().string(),
                             "--deploy", descriptor.string()});
    argv.insert(argv.end(), targets.begin(), targets.end());
    ChildOptions o;
    o.cwd = s.dir;
    o.cancelled = [&] { return c.cancelled(); };
    o.unset_env = {"PGPASSWORD", "OMERO_ROOT_PASSWORD"};
    if (a.foreground)
        o.capture_stderr = false;
    else
        o.timeout = std::chrono::seconds(120);
    c.debug("admin start: icegridnode " + descriptor.string());
    ChildResult r = run_child(argv, o);
    if (r.status == 127 && r.err.find("cannot run") != std::string::npos)
        throw Error(1, "icegridnode is not installed (Debian: apt install zeroc-icegrid)");
    if (r.status != 0)
        throw Error(r.status, "icegridnode exited with " + std::to_string(r.status) + ":\n" + r.err +
                                  (r.err.empty() ? "see " + (s.log_dir() / "master.err").string() : std::string()));
    return 0;
}

namespace {

int run_startasync(Context& c) { return start_async(c, server(c), start_args(c)); }

int run_start(Context& c) {
    Server s = server(c);
    StartArgs a = start_args(c);
    if (int rc = start_async(c, s, a); rc != 0 || a.foreground) return rc;
    double wait = wait_seconds(c);
    c.out("Waiting on startup. Use CTRL-C to exit\n");
    if (wait_for(c, s, true, wait, false, true)) return 0;
    if (live_node_pid(s) == 0)
        throw Error(OMERO_EXIT_ADMIN_START_FAILED,
                    "icegridnode stopped while the server was starting (an 'omero admin stop' meanwhile, or it "
                    "failed: see " +
                        (s.log_dir() / "master.err").string() + ")");
    std::string why = explain(c, s, read_props(s.dir));
    c.err("Failed to startup some components after " + std::to_string(static_cast<long>(wait)) + " seconds\n" + why);
    c.out("Calling \"stop\" on remaining components\n");
    try {
        Grid(s.internal_cfg(), std::chrono::seconds(5)).shutdown_node(s.node);
        wait_for(c, s, false, 60, true, false);
    } catch (const std::exception& e) {
        c.err(std::string("could not stop the node: ") + e.what() + "\n");
    }
    return OMERO_EXIT_ADMIN_START_FAILED;
}

std::vector<Option> options(bool with_wait) {
    std::vector<Option> o;
    if (with_wait) o.push_back(wait_option());
    o.push_back({.name = "force-rewrite", .help = "regenerate the live files from the templates first"});
    o.push_back({.name = "foreground", .help = "run icegridnode in the foreground (Ctrl-C stops it)"});
    return o;
}

}  // namespace

std::vector<Command> start_commands() {
    std::vector<omero::sdk::Arg> args = {{.name = "TARGETS",
                                          .help = "[DESCRIPTOR] then IceGrid targets (e.g. debug)",
                                          .flags = OMERO_ARG_OPTIONAL | OMERO_ARG_VARIADIC}};
    return {{.path = "admin start",
             .summary = "Start the server and wait until it answers",
             .help = "Rewrites the live files, runs icegridnode --daemon with etc/grid/default.xml (or\n"
                     "DESCRIPTOR), then waits (--wait) until Blitz answers through Glacier2. When it does\n"
                     "not, prints each failing server's state and log, and what we found (database,\n"
                     "ports, data directory), stops what is left and exits 43.",
             .options = options(true),
             .args = args,
             .run = run_start},
            {.path = "admin startasync",
             .summary = "Start the server without waiting",
             .options = options(false),
             .args = args,
             .run = run_startasync}};
}

}  // namespace omero::admin
