#include "run.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;
namespace fs = std::filesystem;

namespace omero::test {

Result run(const fs::path& program, const std::vector<std::string>& args, const RunOptions& opts) {
    int in[2], out[2], err[2];
    if (pipe(in) || pipe(out) || pipe(err)) throw std::runtime_error("pipe");
    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string kv = *e;
        size_t eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (auto& [k, v] : opts.env) {
        if (v)
            env[k] = *v;
        else
            env.erase(k);
    }
    std::vector<std::string> envs;
    for (auto& [k, v] : env) envs.push_back(k + "=" + v);
    std::vector<char*> envp, argv;
    for (auto& s : envs) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string a0 = opts.argv0.empty() ? program.string() : opts.argv0;
    std::vector<std::string> all = {a0};
    all.insert(all.end(), args.begin(), args.end());
    for (auto& s : all) argv.push_back(s.data());
    argv.push_back(nullptr);

    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
        if (!opts.cwd.empty() && chdir(opts.cwd.c_str()) != 0) _exit(126);
        execve(program.c_str(), argv.data(), envp.data());
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    signal(SIGPIPE, SIG_IGN);
    size_t written = 0;
    if (opts.input.empty()) {
        close(in[1]);
        in[1] = -1;
    }
    Result r;
    pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0) {
        int nfds = in[1] >= 0 ? 3 : 2;
        if (poll(fds, nfds, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
            }
        }
        if (in[1] >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = write(in[1], opts.input.data() + written, opts.input.size() - written);
            if (n > 0) written += static_cast<size_t>(n);
            if (n <= 0 || written == opts.input.size()) {
                close(in[1]);
                in[1] = -1;
                fds[2].fd = -1;
            }
        }
    }
    if (in[1] >= 0) close(in[1]);
    int status = 0;
    waitpid(pid, &status, 0);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

fs::path omero_exe() { return fs::path(OMERO_TEST_BUILD_DIR) / "bin/omero"; }
fs::path build_dir() { return OMERO_TEST_BUILD_DIR; }
fs::path source_dir() { return OMERO_TEST_SOURCE_DIR; }

fs::path shared_dir() {
    if (const char* s = std::getenv("OMERO_SHARED_DIR")) return s;
    fs::path p = source_dir().parent_path() / "shared";
    std::error_code ec;
    return fs::is_directory(p, ec) ? p : fs::path();
}

TempDir::TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "omero-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
}

}  // namespace omero::test

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace omero::test {

int free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
}

unsigned test_seed() {
    const char* env = std::getenv("OMERO_TEST_SEED");
    unsigned seed = env && *env ? static_cast<unsigned>(std::stoul(env)) : std::random_device{}();
    std::printf("seed %u (replay: OMERO_TEST_SEED=%u)\n", seed, seed);
    std::fflush(stdout);
    ::testing::Test::RecordProperty("seed", std::to_string(seed));
    return seed;
}

}  // namespace omero::test
