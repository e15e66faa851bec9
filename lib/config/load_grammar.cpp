#include "config/load_grammar.hpp"

#include <cstdio>

namespace omero::config {

static std::string_view strip(std::string_view s) {
    const char* ws = " \t\r\n\f\v";
    size_t a = s.find_first_not_of(ws);
    if (a == std::string_view::npos) return {};
    size_t b = s.find_last_not_of(ws);
    return s.substr(a, b - a + 1);
}

std::vector<std::pair<std::string, std::string>> parse_load_lines(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> out;
    std::string pending;  // a continued line, waiting for the next one
    bool continuing = false;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;

        std::string line = continuing ? pending + std::string(raw) : std::string(raw);
        continuing = false;
        std::string_view s = strip(line);
        if (!s.empty() && s.back() == '\\') {
            pending = std::string(s.substr(0, s.size() - 1));
            continuing = true;
            continue;
        }
        if (s.empty() || s.front() == '#') continue;
        size_t eq = s.find('=');
        std::string key(eq == std::string_view::npos ? s : s.substr(0, eq));
        std::string value(eq == std::string_view::npos ? std::string_view() : s.substr(eq + 1));
        if (key.empty()) continue;
        out.emplace_back(std::move(key), std::move(value));
    }
    return out;  // a '\' on the last line drops that line
}

std::string utf8_problem(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80                        ? 1
                   : (c >> 5) == 0x6 && c >= 0xC2  ? 2
                   : (c >> 4) == 0xE               ? 3
                   : (c >> 3) == 0x1E && c <= 0xF4 ? 4
                                                   : 0;
        bool ok = n > 0 && i + n <= s.size();
        for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 0x2;
        if (!ok) {
            char buf[128];
            std::snprintf(buf, sizeof buf, "'utf-8' codec can't decode byte 0x%02x in position %zu: %s", c, i,
                          n == 0             ? "invalid start byte"
                          : i + n > s.size() ? "unexpected end of data"
                                             : "invalid continuation byte");
            return buf;
        }
        i += n;
    }
    return {};
}

}  // namespace omero::config
