// wallclock: run a command N times and print its median and p90 wall time.
//   wallclock [-n RUNS] [--label NAME] -- COMMAND [ARGS...]
// Output: "<label> median_ms=<x> p90_ms=<y> runs=<n>". stdout/stderr of the
// command go to /dev/null. Used by the bench/ scripts to compare a command
// with an anchor (/bin/true, python3, psql) in the same run.
//
// Several commands separated by ":::" run interleaved (A B A B ...), so a
// drift in the machine's speed (a virtual machine's neighbours) hits them
// alike; each gets a line, and each after the first its median's ratio to
// the first's. --label then takes the labels separated by commas.
//   wallclock -n 300 --label "version,config get" -- omero version ::: omero config get K
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
    std::string labels;
    int i = 1;
    for (; i < argc; ++i) {
        if (!std::strcmp(argv[i], "-n") && i + 1 < argc)
            runs = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--label") && i + 1 < argc)
            labels = argv[++i];
        else if (!std::strcmp(argv[i], "--")) {
            ++i;
            break;
        } else
            break;
    }
    if (i >= argc || runs < 1) {
        std::fprintf(stderr,
                     "usage: wallclock [-n RUNS] [--label NAME[,NAME...]] -- COMMAND [ARGS...] [::: COMMAND ...]\n");
        return 2;
    }
    struct Command {
        std::vector<char*> argv;
        std::string label;
        std::vector<double> ms;
    };
    std::vector<Command> cmds(1);
    for (; i < argc; ++i) {
        if (!std::strcmp(argv[i], ":::")) {
            cmds.emplace_back();
            continue;
        }
        cmds.back().argv.push_back(argv[i]);
    }
    for (size_t c = 0, start = 0; c < cmds.size(); ++c) {
        if (cmds[c].argv.empty()) {
            std::fprintf(stderr, "wallclock: an empty command around ':::'\n");
            return 2;
        }
        cmds[c].argv.push_back(nullptr);
        size_t comma = labels.find(',', start);
        cmds[c].label = start < labels.size()
                            ? labels.substr(start, comma == std::string::npos ? std::string::npos : comma - start)
                            : std::string(cmds[c].argv[0]);
        start = comma == std::string::npos ? labels.size() : comma + 1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    for (int r = 0; r < runs + 2; ++r)
        for (Command& c : cmds) {
            auto t0 = std::chrono::steady_clock::now();
            pid_t pid;
            if (posix_spawnp(&pid, c.argv[0], &fa, nullptr, c.argv.data(), environ) != 0) {
                std::perror("spawn");
                return 1;
            }
            int status;
            waitpid(pid, &status, 0);
            double d = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            if (r >= 2) c.ms.push_back(d);  // two warm-up runs
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                std::fprintf(stderr, "%s: command failed (status %d)\n", c.label.c_str(), status);
                return 1;
            }
        }
    double first = 0;
    for (Command& c : cmds) {
        std::sort(c.ms.begin(), c.ms.end());
        double median = c.ms[c.ms.size() / 2];
        std::printf("%-28s median_ms=%.3f p90_ms=%.3f runs=%d", c.label.c_str(), median, c.ms[c.ms.size() * 9 / 10],
                    runs);
        if (&c == &cmds.front())
            first = median;
        else
            std::printf(" ratio=%.2f", median / first);
        std::printf("\n");
    }
    return 0;
}
