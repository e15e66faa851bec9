// Fuzz target for the SQL splitter (lib/migrate/sql_script.cpp), which reads
// every release script the engine runs. Whatever the input, split_sql either
// throws ScriptError naming a line of the input, or gives statements in
// order, each on a line of the input, with SQL unless it is an \echo.
#include "migrate/sql_script.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

[[noreturn]] void fail(const char* why, size_t line, const std::string& text) {
    std::fprintf(stderr, "sql_split_fuzz: %s (line %zu) for input:\n%s\n", why, line, text.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    const size_t lines = 1 + static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
    try {
        auto statements = omero::migrate::split_sql(text, {{"ACTION", "'ABORT'"}});
        size_t last = 1;
        for (const auto& s : statements) {
            if (s.line < last || s.line > lines) fail("statement out of order or off the input", s.line, text);
            last = s.line;
            if (s.sql.empty() && s.echo.empty()) fail("empty statement", s.line, text);
            (void)s.first_line();
        }
    } catch (const omero::migrate::ScriptError& e) {
        if (e.line < 1 || e.line > lines) fail("error line off the input", e.line, text);
    }
    return 0;
}
