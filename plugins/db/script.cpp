// `omero db script`: write the SQL that creates a fresh OMERO database.
#include "db.hpp"
#include "db_script.hpp"

#include <fstream>

namespace fs = std::filesystem;

namespace omero::db {

namespace {

int run(Context& c) {
    // The deprecated positional form: db script VERSION PATCH PASSWORD.
    if (c.arg_count() > 0) c.err("WARNING: Positional arguments are deprecated\n");
    auto positional = [&](size_t i, const char* flag) -> std::optional<std::string> {
        if (c.arg_count() <= i) return std::nullopt;
        if (c.value(flag))
            throw Error(OMERO_EXIT_FAILURE, std::string("ERROR: Flag and positional argument given for ") + flag);
        return std::string(c.arg(i));
    };
    auto pv = positional(0, "version"), pp = positional(1, "patch"), ppw = positional(2, "password");
    std::string v, patch;
    if (pv) {
        v = *pv;
        patch = pp.value_or(c.config_or("omero.db.patch", "0"));
    } else {
        std::tie(v, patch) = script_version(c);
    }
    std::string pw;
    if (ppw) {
        pw = *ppw;
    } else if (c.value("password")) {
        pw = std::string(*c.value("password"));
        c.err("Using password from commandline\n");
    } else {
        pw = root_password(c);
    }
    std::string file = c.value("file") ? std::string(*c.value("file")) : v + "__" + patch + ".sql";
    std::string text = generate_script({sql_root(c) / (v + "__" + patch), v, patch,
                                        password_hash(pw, 0, !c.flag("no-salt")), ctime_text(),
                                        c.value("file") ? "<filename here>" : file});
    if (file == "-") {
        c.out(text);
        return 0;
    }
    fs::path out = fs::absolute(file);
    c.err("Saving to " + out.string() + "\n");
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    f << text;
    f.close();
    if (!f) throw Error(OMERO_EXIT_FAILURE, "cannot write " + out.string());
    return 0;
}

}  // namespace

Command script_command() {
    return {.path = "db script",
            .summary = "Write the SQL that creates a fresh OMERO database",
            .options = {
                {.name = "file", .short_name = 'f', .value_name = "FILE", .help = "where to write ('-': stdout; default <V>__<P>.sql)",
                 .type = OMERO_VALUE_PATH},
                {.name = "version", .value_name = "V", .help = "database version (default omero.db.version)"},
                {.name = "patch", .value_name = "P", .help = "database patch (default omero.db.patch)"},
                {.name = "password", .value_name = "PW", .help = "the OMERO root password"},
                {.name = "no-salt", .help = "hash the root password without salt"},
            },
            .args = {{"VERSION", "deprecated: use --version", OMERO_ARG_OPTIONAL},
                     {"PATCH", "deprecated: use --patch", OMERO_ARG_OPTIONAL},
                     {"PASSWORD", "deprecated: use --password", OMERO_ARG_OPTIONAL}},
            .flags = OMERO_CMD_NEEDS_SERVER_DIR,
            .run = run};
}

}  // namespace omero::db
