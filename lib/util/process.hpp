// process.hpp - running a helper program (pg_dump, pg_restore, nginx -t, ...)
// without a shell: its stdin is /dev/null (it can never prompt), its stderr
// (and on request its stdout) is collected, and it dies with us
// (PR_SET_PDEATHSIG) instead of running on as an orphan.
#pragma once

#include <cstdint>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace omero {

struct ChildResult {
    int status = -1;         // exit status, 128 + signal when killed, 127 when it could not run
    std::string err;         // what it wrote on stderr
    std::string out;         // what it wrote on stdout, when ChildOptions::capture_stdout
    bool cancelled = false;  // `cancelled` turned true: the child was stopped
    bool timed_out = false;  // ChildOptions::timeout passed: the child was stopped
};

struct ChildOptions {
    std::vector<std::string> extra_env;     // "NAME=value": replaces an inherited NAME
    std::vector<std::string> unset_env;     // names not passed on (secrets)
    std::filesystem::path cwd;              // empty: ours
    bool capture_stdout = false;            // else the child writes to our stdout
    bool capture_stderr = true;             // else the child writes to our stderr (a foreground server)
    std::chrono::milliseconds timeout{0};   // 0: none; then SIGTERM, SIGKILL 5 s later
    std::function<bool()> cancelled;        // polled 5 times a second; true stops the child
    std::function<void(long pid)> started;  // the child's pid, once forked (to watch it)
};

// Bytes a running process has read so far (/proc/<pid>/io rchar; 0 when unknown).
uint64_t process_bytes_read(long pid);

// The full path of an executable named `name` in PATH, then /usr/sbin and
// /sbin (a non-root PATH on Debian lacks them); "" when there is none.
std::string find_program(const std::string& name);

// The command line of a running process, its arguments joined by blanks;
// nullopt when no such process runs or it is a zombie (which has none). A
// pid file outlives its process and pids are reused: check the program
// before trusting or signalling a pid.
std::optional<std::string> process_command(long pid);

// The parent of a running process (from /proc/<pid>/stat), 0 when unknown.
long parent_pid(long pid);
// The running processes whose parent is `pid` (a node's servers, gunicorn's
// workers).
std::vector<long> child_pids(long pid);

// Runs argv[0] (looked up in PATH). A child that daemonizes returns when its
// first process exits and the daemon has closed the output it inherited.
ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& opts);

// The same with the environment plus extra_env, stdout inherited.
ChildResult run_child(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {},
                      const std::function<bool()>& cancelled = {});

}  // namespace omero
