// `omero web stop`: SIGTERM to gunicorn's master (it stops its workers),
// a bounded wait, then what is still running if anything is.
#include "web.hpp"

#include "util/file.hpp"
#include "util/process.hpp"

#include <signal.h>

#include <cerrno>
#include <cstring>

#include <chrono>
#include <thread>

namespace omero::web {

namespace {

// A live gunicorn process (a zombie is not: once gunicorn's master is gone
// its parent is init, which on some machines never reaps it).
bool running(long pid) {
    auto cmd = process_command(pid);
    return cmd && cmd->find("gunicorn") != std::string::npos;
}

int run(Context& c) { return stop_web(c, load_settings(c), static_cast<int>(c.integer("wait").value_or(30))); }

}  // namespace

int stop_web(Context& c, const Settings& s, int wait_s) {
    PidState p = read_pid(s);
    c.out("Stopping OMERO.web... ");
    if (!p.alive) {
        c.out("[NOT STARTED]\n");
        remove_stale(c, s, p);
        return 0;
    }
    long pid = *p.pid;
    std::vector<long> workers = child_pids(pid);
    if (::kill(static_cast<pid_t>(pid), SIGTERM) != 0) {
        c.out("[FAILED]\n");
        throw Error(OMERO_EXIT_FAILURE, "cannot signal gunicorn (PID " + std::to_string(pid) +
                                            "): " + std::strerror(errno) + "; run omero as the user OMERO.web runs as");
    }
    // The master stops its workers (gracefully, up to gunicorn's
    // graceful_timeout) and then exits; wait for all of them.
    std::vector<long> procs = {pid};
    procs.insert(procs.end(), workers.begin(), workers.end());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
    std::vector<std::string> left;
    for (;;) {
        left.clear();
        for (long x : procs)
            if (running(x)) left.push_back(std::to_string(x) + (x == pid ? " (master)" : ""));
        if (left.empty() || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!left.empty()) {
        c.out("[FAILED]\n");
        std::string l;
        for (auto& x : left) l += (l.empty() ? "" : ", ") + x;
        throw Error(OMERO_EXIT_FAILURE, "OMERO.web is still running " + std::to_string(wait_s) +
                                            " s after SIGTERM: PID " + l +
                                            "; wait longer (--wait) or end them with kill -KILL");
    }
    std::error_code ec;
    fs::remove(s.pid_file(), ec);
    c.out("[OK]\nOMERO.web WSGI workers (PID " + std::to_string(pid) + ") killed.\n");
    return 0;
}

Command stop_command() {
    return {.path = "web stop",
            .summary = "Stop OMERO.web",
            .help =
                "Sends SIGTERM to the gunicorn named by $OMERODIR/var/django.pid and waits until it and\n"
                "its workers are gone. Not running is not an error.",
            .options = {{.name = "wait",
                         .value_name = "SECONDS",
                         .help = "how long to wait for gunicorn to exit",
                         .default_value = "30",
                         .type = OMERO_VALUE_INTEGER,
                         .min = 1,
                         .max = 3600}},
            .run = run};
}

}  // namespace omero::web
