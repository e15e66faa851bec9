// `omero config parse`: print the server's default properties (etc/omero.properties).
#include "config.hpp"

namespace omero::config {

namespace {

int run(Context& c) {
    if (c.flag("rst") || c.flag("headers"))
        throw Error(OMERO_EXIT_USAGE,
                    "--rst and --headers need the property documentation, which this tool does "
                    "not carry; use --defaults or --keys");
    fs::path dir;
    if (auto f = c.value("file")) {
        dir = fs::path{std::string(*f)};
    } else {
        dir = c.server_dir() / "etc/omero.properties";
    }
    std::error_code ec;
    if (!fs::exists(dir, ec)) throw Error(OMERO_EXIT_FILE_NOT_FOUND, "File not found: " + dir.string());
    std::string out;
    for (auto& [k, v] : read_properties_file(dir)) out += c.flag("keys") ? k + "\n" : k + "=" + v + "\n";
    c.out(out);
    return 0;
}

}  // namespace

Command parse_command() {
    return {.path = "config parse",
            .summary = "Print the server's default properties (etc/omero.properties)",
            .options =
                {
                    {.name = "file", .short_name = 'f', .value_name = "FILE", .help = "read FILE instead"},
                    {.name = "defaults", .help = "key=value lines (the default)"},
                    {.name = "keys", .help = "names only"},
                    {.name = "rst", .help = "not supported", .flags = OMERO_OPT_HIDDEN},
                    {.name = "headers", .help = "not supported", .flags = OMERO_OPT_HIDDEN},
                    {.name = "no-web", .help = "accepted for compatibility (web defaults are never read)"},
                },
            .run = run};
}

}  // namespace omero::config
