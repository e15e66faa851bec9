// clock.hpp - the times omero writes: Python's time.ctime() ("Wed Nov 25
// 16:08:26 2026", day padded with a space; omero-py puts it in config.xml's
// comment and `db script`'s header), and file-name stamps.
#pragma once

#include <chrono>
#include <ctime>
#include <string>

namespace omero {

// Now, in local time, formatted with strftime's `format`.
inline std::string local_time_text(const char* format) {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

inline std::string ctime_text() { return local_time_text("%a %b %e %H:%M:%S %Y"); }

// For backup and journal names: 20261125-182752.
inline std::string file_stamp() { return local_time_text("%Y%m%d-%H%M%S"); }

// A bound in seconds for a message: "10", "2.5" (whole numbers, without
// printf's floating-point code, which a plugin's start-up would pay for).
inline std::string seconds_text(std::chrono::milliseconds d) {
    const long long ms = d.count();
    std::string s = std::to_string(ms / 1000);
    if (ms % 1000) s += "." + std::to_string(ms % 1000 / 100);
    return s;
}

}  // namespace omero
