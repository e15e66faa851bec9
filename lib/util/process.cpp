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
#include <cstring>

extern char** environ;

namespace omero {

ChildResult run_child(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                      const std::function<bool()>& cancelled) {
    ChildResult r;
    if (argv.empty()) return r;
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0) {
        r.err = std::string("cannot create a pipe: ") + std::strerror(errno);
        return r;
    }
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e) {
        std::string kv = *e;
        bool replaced = false;
        for (const std::string& x : extra_env)
            if (kv.compare(0, x.find('=') + 1, x.substr(0, x.find('=') + 1)) == 0) replaced = true;
        if (!replaced) envs.push_back(kv);
    }
    envs.insert(envs.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> envp, args;
    for (auto& s : envs) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> copy = argv;
    for (auto& s : copy) args.push_back(s.data());
    args.push_back(nullptr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(128 + SIGTERM);  // the parent died before prctl
        dup2(errpipe[1], 2);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        execvpe(args[0], args.data(), envp.data());
        std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
        _exit(127);
    }
    close(errpipe[1]);
    if (pid < 0) {
        close(errpipe[0]);
        r.err = std::string("cannot fork: ") + std::strerror(errno);
        return r;
    }
    char buf[4096];
    auto stop_at = std::chrono::steady_clock::time_point::max();
    for (;;) {
        if (cancelled && !r.cancelled && cancelled()) {
            r.cancelled = true;
            kill(pid, SIGTERM);
            stop_at = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        }
        if (r.cancelled && std::chrono::steady_clock::now() >= stop_at) kill(pid, SIGKILL);
        pollfd pfd{errpipe[0], POLLIN, 0};
        int ready = poll(&pfd, 1, 200);
        if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
        ssize_t n = read(errpipe[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        r.err.append(buf, static_cast<size_t>(n));
    }
    close(errpipe[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

}  // namespace omero
