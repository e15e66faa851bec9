// The output services: a command's stdout (the real one, or its caller's
// capture; JSON events under --json), the log, progress (one line updated
// in place on a terminal, plain lines otherwise, events under --json), and
// the errors a command reports.
#include "service_calls.hpp"

#include <omero/exit_codes.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace omero::host {

namespace {

std::atomic<int> g_stdout_errno{0};

// Stdout of the running command: the real one, or a caller's capture.
void to_stdout(omero_host* h, const char* p, size_t n) {
    if (h->capture) {
        h->capture(h->capture_user, p, n);
        return;
    }
    std::fflush(stdout);
    write_all(1, p, n);
}

}  // namespace

void h_write(omero_host* h, int stream, const char* p, size_t n) {
    if (stream == OMERO_STDERR) {
        write_all(2, p, n);
        return;
    }
    if (h->json) {
        // Under --json stdout carries JSON only: text becomes an output event.
        std::string line =
            nlohmann::json{{"event", "output"}, {"command", h->command}, {"text", std::string_view(p, n)}}.dump(
                -1, ' ', false, nlohmann::json::error_handler_t::replace) +
            "\n";
        to_stdout(h, line.data(), line.size());
        return;
    }
    to_stdout(h, p, n);
}

void h_log(omero_host*, int level, const char* p, size_t n) {
    static const spdlog::level::level_enum map[] = {spdlog::level::trace, spdlog::level::debug, spdlog::level::info,
                                                    spdlog::level::warn, spdlog::level::err};
    int i = level < 0 ? 0 : level > 4 ? 4 : level;
    host_logger().log(map[i], "{}", std::string_view(p, n));
}

int h_json_mode(omero_host* h) { return h->json ? 1 : 0; }

void h_emit_json(omero_host* h, const char* p, size_t n) {
    std::string line(p, n);
    line += '\n';
    to_stdout(h, line.data(), line.size());
}

omero_host* terminal(omero_host* h) {
    while (h->parent) h = h->parent;
    return h;
}

void h_progress(omero_host* frame, uint64_t done, uint64_t total, const char* label, size_t len) {
    const bool json = frame->json, quiet = frame->quiet;
    omero_host* h = terminal(frame);
    using clock = std::chrono::steady_clock;
    auto now = clock::now();
    if (!h->progress_shown) {
        h->progress_start = now;
        h->progress_last = now - std::chrono::hours(1);
    }
    bool last = total > 0 && done >= total;
    double elapsed = std::chrono::duration<double>(now - h->progress_start).count();
    std::string_view what(label, len);
    std::string_view first_line = what.substr(0, what.find('\n'));  // for text output
    if (json) {
        if (!last && now - h->progress_last < std::chrono::milliseconds(100)) return;
        nlohmann::json j = {{"event", "progress"}, {"command", frame->command}, {"done", done},
                            {"total", total},      {"elapsed", elapsed},        {"label", what}};
        std::string s = j.dump() + "\n";
        to_stdout(frame, s.data(), s.size());
    } else if (isatty(2)) {
        if (!last && now - h->progress_last < std::chrono::milliseconds(50)) return;
        const int width = 30;
        int filled = total ? static_cast<int>(width * done / total) : 0;
        // The label gets what the terminal has left after the bar and counts.
        winsize ws{};
        size_t cols = ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
        size_t room = cols > 70 ? std::min<size_t>(cols - 55, 180) : 15;
        std::string first(first_line.size() > room ? std::string(first_line.substr(0, room - 3)) + "..."
                                                   : std::string(first_line));
        char buf[320];
        std::snprintf(buf, sizeof buf, "\r\033[K[%s%s] %llu/%llu %.1fs %s", std::string(filled, '#').c_str(),
                      std::string(width - filled, ' ').c_str(), (unsigned long long)done, (unsigned long long)total,
                      elapsed, first.c_str());
        write_all(2, buf, std::strlen(buf));
    } else if (!quiet) {
        // Plain lines for logs: at most one a second when the step changes,
        // one every ten seconds while a long one runs, and the last one.
        std::string first(first_line);
        // The step without its numbers (percentages, times): a new phase is
        // a new step, a running count is not.
        std::string step;
        for (char c : first)
            if (!std::isdigit(static_cast<unsigned char>(c))) step += c;
        auto quiet_for = step == h->progress_label ? std::chrono::seconds(10) : std::chrono::seconds(1);
        if (!last && now - h->progress_last < quiet_for) return;
        h->progress_label = step;
        char buf[512];
        std::snprintf(buf, sizeof buf, "%llu/%llu %.1fs %s\n", (unsigned long long)done, (unsigned long long)total,
                      elapsed, first.c_str());
        write_all(2, buf, std::strlen(buf));
    }
    h->progress_shown = true;
    h->progress_last = now;
}

void h_progress_done(omero_host* frame) {
    omero_host* h = terminal(frame);
    if (h->progress_shown && !frame->json && isatty(2)) write_all(2, "\n", 1);
    h->progress_shown = false;
}

int h_is_tty(omero_host*, int stream) { return isatty(stream == OMERO_STDERR ? 2 : 1); }

void h_report_error(omero_host* h, const char* p, size_t n) {
    h->reported_error.assign(p, n);
    if (h->errors_to_caller) return;
    std::string msg = "omero " + h->command + ": error: " + std::string(p, n);
    if (msg.back() != '\n') msg += '\n';
    if (terminal(h)->progress_shown && !h->json && isatty(2)) msg = "\n" + msg;
    write_all(2, msg.data(), msg.size());
}

int stdout_write_error() { return g_stdout_errno.load(); }

void write_all(int fd, const char* p, size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            // A reader that went away (EPIPE) is not a failure; a full disk is.
            if (fd == 1 && errno != EPIPE) g_stdout_errno = errno;
            return;
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
}

}  // namespace omero::host
