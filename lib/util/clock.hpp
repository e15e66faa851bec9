// clock.hpp - the times omero writes: Python's time.ctime() ("Wed Nov 25
// 16:08:26 2026", day padded with a space; omero-py puts it in config.xml's
// comment and `db script`'s header), file-name stamps, and UTC timestamps
// PostgreSQL reads.
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

// Now in UTC with microseconds, as a timestamptz literal: "2026-11-25 18:27:52.123456+00".
inline std::string utc_timestamp() {
    auto now = std::chrono::system_clock::now();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    long us = static_cast<long>(
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000);
    return std::string(buf) + "." + std::to_string(1000000 + us).substr(1) + "+00";
}

}  // namespace omero
