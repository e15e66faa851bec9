#include "cli_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <system_error>

namespace omero::host {

void append_cli_log(const std::filesystem::path& server_dir, const std::string& command, int exit_code,
                    double seconds) {
    const std::filesystem::path dir = server_dir / "var/log", file = dir / "cli.log";
    int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT) {
        // No var/log yet: made inside an existing server directory only.
        std::error_code ec;
        if (!std::filesystem::is_directory(server_dir, ec)) return;
        std::filesystem::create_directories(dir, ec);
        fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    }
    if (fd < 0) return;  // a log we cannot write must not fail the command
    // The date from the clock by calendar arithmetic: gmtime() and strftime()
    // read the time zone database first (UTC needs none), and %f pulls in
    // printf's floating-point code, on every command.
    using namespace std::chrono;
    const auto now = system_clock::now();
    const auto day = floor<days>(now);
    const year_month_day ymd{day};
    const hh_mm_ss hms{floor<std::chrono::seconds>(now - day)};
    const long ms = seconds > 0 ? static_cast<long>(seconds * 1000 + 0.5) : 0;
    char line[512];
    int n = std::snprintf(line, sizeof line,
                          "%04d-%02u-%02uT%02d:%02d:%02dZ pid=%d uid=%d command=\"%s\" exit=%d duration=%ld.%03lds\n",
                          int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                          int(hms.minutes().count()), int(hms.seconds().count()), int(getpid()), int(getuid()),
                          command.c_str(), exit_code, ms / 1000, ms % 1000);
    if (n > 0) (void)!::write(fd, line, static_cast<size_t>(n) < sizeof line ? n : sizeof line - 1);
    ::close(fd);
}

}  // namespace omero::host
