// `omero db script`: write the SQL that creates a fresh OMERO database.
#include "db.hpp"
#include "migrate/create_script.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
    std::string text =
        generate_script({sql_root(c) / (v + "__" + patch), v, patch, password_hash(pw, 0, !c.flag("no-salt")),
                         ctime_text(), c.value("file") ? "<filename here>" : file});
    if (file == "-") {
        c.out(text);
        return 0;
    }
    fs::path out = fs::absolute(file);
    c.err("Saving to " + out.string() + "\n");
    // 0600: the script holds the root password's hash.
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw Error(OMERO_EXIT_FAILURE, "cannot write " + out.string() + ": " + std::strerror(errno));
    ::fchmod(fd, 0600);  // an existing file keeps its mode otherwise
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = errno;
            ::close(fd);
            throw Error(OMERO_EXIT_FAILURE, "cannot write " + out.string() + ": " + std::strerror(e));
        }
        done += static_cast<size_t>(n);
    }
    if (::close(fd) != 0) throw Error(OMERO_EXIT_FAILURE, "cannot write " + out.string() + ": " + std::strerror(errno));
    return 0;
}

}  // namespace

Command script_command() {
    return {.path = "db script",
            .summary = "Write the SQL that creates a fresh OMERO database",
            .options =
                {
                    {.name = "file",
                     .short_name = 'f',
                     .value_name = "FILE",
                     .help = "where to write ('-': stdout; default <V>__<P>.sql)",
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
