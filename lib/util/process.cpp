#include "util/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

extern char** environ;

namespace omero {

namespace {

bool named(const std::string& kv, const std::string& name) {
    return kv.size() > name.size() && kv.compare(0, name.size(), name) == 0 && kv[name.size()] == '=';
}

}  // namespace

std::string find_program(const std::string& name) {
    const char* env = std::getenv("PATH");
    std::string path = std::string(env ? env : "/usr/bin:/bin") + ":/usr/sbin:/sbin";
    for (size_t i = 0; i <= path.size();) {
        size_t j = path.find(':', i);
        if (j == std::string::npos) j = path.size();
        std::string f = path.substr(i, j - i) + "/" + name;
        if (j > i && ::access(f.c_str(), X_OK) == 0) return f;
        i = j + 1;
    }
    return "";
}

std::optional<std::string> process_command(long pid) {
    if (pid <= 0) return std::nullopt;
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!cmd.empty() && cmd.back() == '\0') cmd.pop_back();
    if (cmd.empty()) return std::nullopt;
    for (char& ch : cmd)
        if (ch == '\0') ch = ' ';
    return cmd;
}

long parent_pid(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t close = stat.rfind(')');  // the command name may hold blanks and parentheses
    return close == std::string::npos || close + 4 > stat.size() ? 0 : std::atol(stat.c_str() + close + 4);
}

std::vector<long> child_pids(long pid) {
    std::vector<long> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
        std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        if (long p = std::atol(name.c_str()); parent_pid(p) == pid) out.push_back(p);
    }
    return out;
}

ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& o) {
    ChildResult r;
    if (argv.empty()) return r;
    int errpipe[2], outpipe[2] = {-1, -1};
    if (pipe2(errpipe, O_CLOEXEC) != 0 || (o.capture_stdout && pipe2(outpipe, O_CLOEXEC) != 0)) {
        r.err = std::string("cannot create a pipe: ") + std::strerror(errno);
        return r;
    }
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e) {
        std::string kv = *e;
        bool drop = false;
        for (const std::string& x : o.extra_env) drop = drop || named(kv, x.substr(0, x.find('=')));
        for (const std::string& x : o.unset_env) drop = drop || named(kv, x);
        if (!drop) envs.push_back(kv);
    }
    envs.insert(envs.end(), o.extra_env.begin(), o.extra_env.end());
    std::vector<char*> envp, args;
    for (auto& s : envs) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> copy = argv;
    for (auto& s : copy) args.push_back(s.data());
    args.push_back(nullptr);
    std::string cwd = o.cwd.string();
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(128 + SIGTERM);  // the parent died before prctl
        if (o.capture_stderr) dup2(errpipe[1], 2);
        if (outpipe[1] >= 0) dup2(outpipe[1], 1);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        if (!cwd.empty() && chdir(cwd.c_str()) != 0) {
            std::fprintf(stderr, "cannot enter %s: %s\n", cwd.c_str(), std::strerror(errno));
            _exit(127);
        }
        execvpe(args[0], args.data(), envp.data());
        std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
        _exit(127);
    }
    close(errpipe[1]);
    if (pid > 0 && o.started) o.started(pid);
    if (outpipe[1] >= 0) close(outpipe[1]);
    if (pid < 0) {
        close(errpipe[0]);
        if (outpipe[0] >= 0) close(outpipe[0]);
        r.err = std::string("cannot fork: ") + std::strerror(errno);
        return r;
    }
    char buf[4096];
    using clock = std::chrono::steady_clock;
    auto deadline = o.timeout.count() > 0 ? clock::now() + o.timeout : clock::time_point::max();
    auto kill_at = clock::time_point::max();
    int fds[2] = {errpipe[0], outpipe[0]};
    int status = 0;
    bool reaped = false;
    std::string* sinks[2] = {&r.err, &r.out};
    for (;;) {
        bool stopping = r.cancelled || r.timed_out;
        if (!stopping && o.cancelled && o.cancelled()) r.cancelled = true;
        if (!stopping && clock::now() >= deadline) r.timed_out = true;
        if (!stopping && (r.cancelled || r.timed_out)) {
            kill(pid, SIGTERM);
            kill_at = clock::now() + std::chrono::seconds(5);
        }
        if (clock::now() >= kill_at) kill(pid, SIGKILL);
        // Stopped, and gone: a daemon it left may still hold the pipes.
        if ((r.cancelled || r.timed_out) && waitpid(pid, &status, WNOHANG) == pid) {
            reaped = true;
            break;
        }
        pollfd pfd[2];
        nfds_t n = 0;
        int which[2];
        for (int i = 0; i < 2; ++i)
            if (fds[i] >= 0) {
                pfd[n] = {fds[i], POLLIN, 0};
                which[n++] = i;
            }
        if (n == 0) break;
        int ready = poll(pfd, n, 200);
        if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
        for (nfds_t k = 0; k < n; ++k) {
            if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            int i = which[k];
            ssize_t got = read(fds[i], buf, sizeof buf);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) {
                close(fds[i]);
                fds[i] = -1;
            } else {
                sinks[i]->append(buf, static_cast<size_t>(got));
            }
        }
    }
    for (int& fd : fds)
        if (fd >= 0) close(fd);
    while (!reaped && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

ChildResult run_child(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                      const std::function<bool()>& cancelled) {
    ChildOptions o;
    o.extra_env = extra_env;
    o.cancelled = cancelled;
    return run_child(argv, o);
}

uint64_t process_bytes_read(long pid) {
    std::ifstream io("/proc/" + std::to_string(pid) + "/io");
    std::string key;
    uint64_t value = 0;
    while (io >> key >> value)
        if (key == "rchar:") return value;
    return 0;
}

}  // namespace omero
