// `omero web start`: collect the static files, clear expired sessions, start
// gunicorn as omero-web does, and wait until it answers HTTP (bounded) —
// a failure says why, with the tail of the logs.
#include "web.hpp"

#include "util/process.hpp"

#include <signal.h>

#include <chrono>
#include <thread>

namespace omero::web {

namespace {

using nlohmann::json;
using clock_type = std::chrono::steady_clock;

std::vector<std::string> gunicorn_argv(const Settings& s, const StartOptions& o) {
    std::vector<std::string> a = {s.python, "-m", "gunicorn"};
    if (!o.foreground) a.push_back("-D");
    a.insert(a.end(), {"-p", s.pid_file().string(), "--bind", s.upstream(), "--workers",
                       std::to_string(o.workers.value_or(s.workers))});
    if (s.worker_class == "gevent")
        a.insert(a.end(), {"--worker-connections", std::to_string(s.worker_connections), "--worker-class", "gevent"});
    else
        a.insert(a.end(), {"--threads", std::to_string(s.threads)});
    a.insert(a.end(), {"--timeout", std::to_string(s.timeout), "--max-requests", std::to_string(s.max_requests)});
    bool own_log = false;
    for (const std::string& x : s.wsgi_args)
        own_log = own_log || x.rfind("--error-logfile", 0) == 0 || x.rfind("--log-file", 0) == 0;
    if (!own_log && !o.foreground) a.insert(a.end(), {"--error-logfile", s.gunicorn_log().string()});
    a.insert(a.end(), s.wsgi_args.begin(), s.wsgi_args.end());
    a.push_back("omeroweb.wsgi:application");
    return a;
}

std::string logs(const Settings& s) {
    std::string out;
    for (const fs::path& p : {s.gunicorn_log(), s.app_log()}) {
        std::string t = tail_file(p, 15);
        if (!t.empty()) out += "--- last lines of " + p.string() + ":\n" + t + "\n";
    }
    return out.empty() ? "(no log lines in " + s.log_dir().string() + ")\n" : out;
}

}  // namespace

std::vector<Option> start_options() {
    return {{.name = "foreground", .help = "run gunicorn in the foreground (Ctrl-C stops it)"},
            {.name = "keep-sessions", .help = "do not clear expired sessions first"},
            {.name = "workers",
             .value_name = "N",
             .help = "gunicorn workers (default omero.web.wsgi_workers, 5)",
             .type = OMERO_VALUE_INTEGER,
             .min = 1,
             .max = 1024},
            {.name = "wait",
             .value_name = "SECONDS",
             .help = "how long to wait for OMERO.web to answer HTTP",
             .default_value = "60",
             .type = OMERO_VALUE_INTEGER,
             .min = 1,
             .max = 3600}};
}

StartOptions start_options_from(Context& c) {
    StartOptions o;
    o.foreground = c.flag("foreground");
    o.keep_sessions = c.flag("keep-sessions");
    if (auto w = c.integer("workers"); w && c.count("workers")) o.workers = static_cast<int>(*w);
    o.wait_s = static_cast<int>(c.integer("wait").value_or(60));
    return o;
}

int start_web(Context& c, const Settings& s, const StartOptions& o) {
    if (s.server_type != "wsgi-tcp")
        throw Error(OMERO_EXIT_WEB_SERVER_TYPE, "omero.web.application_server is '" + s.server_type +
                                                    "': this omero starts OMERO.web with gunicorn (wsgi-tcp); run: "
                                                    "omero config set omero.web.application_server wsgi-tcp");
    if (s.worker_class != "sync" && s.worker_class != "gevent")
        throw Error(OMERO_EXIT_WEB_WORKER_CLASS, "omero.web.wsgi_worker_class is '" + s.worker_class +
                                                     "': it must be sync or gevent (omero config set "
                                                     "omero.web.wsgi_worker_class sync)");
    PidState p = read_pid(s);
    if (p.alive)
        throw Error(OMERO_EXIT_WEB_ALREADY_STARTED, "[FAILED] OMERO.web already started. " + s.pid_file().string() +
                                                        " exists (PID: " + std::to_string(*p.pid) +
                                                        ")! Use 'web stop or restart' first.");
    remove_stale(c, s, p);
    if (auto who = port_listener(s.port))
        throw Error(OMERO_EXIT_FAILURE, "port " + std::to_string(s.port) +
                                            " (omero.web.application_server.port) is "
                                            "already in use by " +
                                            *who +
                                            ", and no OMERO.web of this OMERODIR runs; stop that process or move "
                                            "OMERO.web: omero config set omero.web.application_server.port PORT");
    std::error_code ec;
    fs::create_directories(s.log_dir(), ec);
    if (ec) throw Error(OMERO_EXIT_FAILURE, "cannot create " + s.log_dir().string() + ": " + ec.message());

    // One Python process: versions, then (only when all is installed) the
    // static files and the sessions.
    std::vector<std::string> actions = {"probe", "require-gunicorn", "collect"};
    if (!o.keep_sessions) actions.push_back("clearsessions");
    json j = run_helper(c, s, actions);
    require(s, j["probe"], true);
    const json& col = j["collect"];
    c.debug("web start: static files " + std::to_string(col.value("copied", 0)) + " copied, " +
            std::to_string(col.value("unmodified", 0)) + " unchanged");

    std::vector<std::string> argv = gunicorn_argv(s, o);
    PyEnv env = python_env(s);
    if (!s.prefix.empty()) env.set.push_back("SCRIPT_NAME=" + s.script_name());
    ChildOptions co;
    co.extra_env = env.set;
    co.unset_env = env.unset;
    co.cwd = j["probe"].value("omeroweb_dir", std::string());
    co.cancelled = [&] { return c.cancelled(); };
    if (o.foreground) {
        c.out("Starting OMERO.web in the foreground (Ctrl-C stops it)...\n");
        co.capture_stderr = false;  // gunicorn's log, as it happens
        ChildResult r = run_child(argv, co);
        return r.cancelled ? OMERO_EXIT_OK : r.status;
    }
    c.out("Starting OMERO.web... ");
    co.timeout = std::chrono::seconds(60);
    ChildResult r = run_child(argv, co);
    if (r.status != 0) {
        c.out("[FAILED]\n");
        throw Error(OMERO_EXIT_FAILURE, "gunicorn exited with " + std::to_string(r.status) + ":\n" +
                                            tail_lines(r.err, 15) + "\n" + logs(s));
    }
    // gunicorn has forked; it is up when it answers HTTP, not when it forks.
    auto begin = clock_type::now(), deadline = begin + std::chrono::seconds(o.wait_s);
    std::string last;
    bool seen = false;  // the daemon wrote its pid file
    for (;;) {
        if (c.cancelled()) throw Error(OMERO_EXIT_CANCELLED, "interrupted while waiting for OMERO.web");
        PidState now = read_pid(s);
        if (auto code = http_status(s.host, s.port, s.probe_path(), 1000, &last); code && now.alive) {
            c.out("[OK]\n");
            c.debug("web start: " + s.probe_path() + " answered " + std::to_string(*code));
            return 0;
        }
        seen = seen || now.alive;
        // Gone: its pid file came and went (a worker failed to boot), or
        // never came in 10 s.
        bool gone = seen ? !now.alive : clock_type::now() - begin > std::chrono::seconds(10);
        if (gone || clock_type::now() >= deadline) {
            c.out("[FAILED]\n");
            std::string msg = gone ? "gunicorn exited during start-up"
                                   : "OMERO.web did not answer http://" + s.upstream() + s.probe_path() + " within " +
                                         std::to_string(o.wait_s) + " s (" + last + ")";
            if (now.alive) {
                ::kill(static_cast<pid_t>(*now.pid), SIGTERM);
                msg += "; stopped it (PID " + std::to_string(*now.pid) + ")";
            }
            throw Error(OMERO_EXIT_FAILURE,
                        msg + "\n" + logs(s) + "Then: omero web diagnostics; a slow start needs a longer --wait");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

namespace {

int run(Context& c) { return start_web(c, load_settings(c), start_options_from(c)); }

}  // namespace

Command start_command() {
    return {.path = "web start",
            .summary = "Start OMERO.web (gunicorn) and wait until it answers",
            .help =
                "Collects the static files (as syncmedia), clears expired sessions, then runs\n"
                "  python -m gunicorn -D -p $OMERODIR/var/django.pid --bind HOST:PORT --workers N ...\n"
                "    omeroweb.wsgi:application\n"
                "with the interpreter omero.web.python (else python3 on PATH), SCRIPT_NAME set to\n"
                "omero.web.prefix. Waits (--wait) until it answers HTTP; on failure prints the tail of\n"
                "var/log/OMEROweb.log and var/log/OMEROweb-gunicorn.log.",
            .options = start_options(),
            .run = run};
}

}  // namespace omero::web
