#include "cli_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <system_error>

namespace omero::host {

void append_cli_log(const std::filesystem::path& server_dir, const std::string& command, int exit_code,
                    double seconds) {
    std::error_code ec;
    if (!std::filesystem::is_directory(server_dir, ec)) return;
    const std::filesystem::path dir = server_dir / "var/log";
    std::filesystem::create_directories(dir, ec);
    int fd = ::open((dir / "cli.log").c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;  // a log we cannot write must not fail the command
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char line[512];
    int n = std::snprintf(line, sizeof line, "%s pid=%d uid=%d command=\"%s\" exit=%d duration=%.3fs\n", when,
                          int(getpid()), int(getuid()), command.c_str(), exit_code, seconds);
    if (n > 0) (void)!::write(fd, line, static_cast<size_t>(n) < sizeof line ? n : sizeof line - 1);
    ::close(fd);
}

}  // namespace omero::host
