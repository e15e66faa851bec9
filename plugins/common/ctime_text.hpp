// ctime_text.hpp - Python's time.ctime() for now, in local time
// ("Wed Nov 25 16:08:26 2026", day padded with a space). omero-py writes it
// into config.xml's comment and into `db script`'s header.
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

}  // namespace omero
