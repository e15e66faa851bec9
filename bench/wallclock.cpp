// wallclock: run a command N times and print its median and p90 wall time.
//   wallclock [-n RUNS] [--label NAME] -- COMMAND [ARGS...]
// Output: "<label> median_ms=<x> p90_ms=<y> runs=<n>". stdout/stderr of the
// command go to /dev/null. Used by the bench/ scripts to compare a command
// with an anchor (/bin/true, python3, psql) in the same run.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

int main(int argc, char** argv) {
    int runs = 50;
    std::string label;
    int i = 1;
    for (; i < argc; ++i) {
        if (!std::strcmp(argv[i], "-n") && i + 1 < argc) runs = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--label") && i + 1 < argc) label = argv[++i];
        else if (!std::strcmp(argv[i], "--")) { ++i; break; }
        else break;
    }
    if (i >= argc) {
        std::fprintf(stderr, "usage: wallclock [-n RUNS] [--label NAME] -- COMMAND [ARGS...]\n");
        return 2;
    }
    if (label.empty()) label = argv[i];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    std::vector<double> ms;
    for (int r = 0; r < runs + 2; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        pid_t pid;
        if (posix_spawnp(&pid, argv[i], &fa, nullptr, argv + i, environ) != 0) {
            std::perror("spawn");
            return 1;
        }
        int status;
        waitpid(pid, &status, 0);
        double d = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (r >= 2) ms.push_back(d);  // two warm-up runs
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::fprintf(stderr, "%s: command failed (status %d)\n", label.c_str(), status);
            return 1;
        }
    }
    std::sort(ms.begin(), ms.end());
    std::printf("%-28s median_ms=%.3f p90_ms=%.3f runs=%d\n", label.c_str(), ms[ms.size() / 2],
                ms[ms.size() * 9 / 10], runs);
    return 0;
}
