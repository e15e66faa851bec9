// clock.hpp - the times omero writes: Python's time.ctime() ("Wed Nov 25
// 16:08:26 2026", day padded with a space; omero-py puts it in config.xml's
// comment and `db script`'s header), and file-name stamps.
#pragma once

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

}  // namespace omero
