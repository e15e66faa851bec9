// `omero config load`: set properties from key=value files, all or nothing.
#include "config.hpp"

namespace omero::config {

namespace {

int run(Context& c) {
    std::vector<std::string> files;
    for (auto f : c.args()) files.emplace_back(f);
    if (files.empty()) files.push_back("-");
    std::vector<std::pair<std::string, std::string>> lines;
    for (const std::string& f : files) {
        std::string text = read_input(f);
        if (std::string why = utf8_problem(text); !why.empty())
            throw Error(OMERO_EXIT_CONFIG_CANNOT_READ, "Cannot read " + f + ": " + why);
        auto parsed = parse_load_lines(text);
        lines.insert(lines.end(), parsed.begin(), parsed.end());
    }
    open_store(c).update([&](Document& d) {
        apply_lines(d, lines, c.flag("quiet"));
        return true;
    });
    return 0;
}

}  // namespace

Command load_command() {
    return {.path = "config load",
            .summary = "Set properties from key=value files, all or nothing",
            .help =
                "Lines: '#' comments, a trailing '\\' joins the next line, split on the first '='.\n"
                "A property that is already set to another value is an error unless -q.",
            .options = with_file_options(
                {{.name = "quiet", .short_name = 'q', .help = "let the files override existing values"}}),
            .args = {{"FILE", "files to read ('-' or none: standard input)", OMERO_ARG_VARIADIC}},
            .run = run};
}

}  // namespace omero::config
