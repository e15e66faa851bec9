// `omero db dump`: back up the database with pg_dump, verified by reading it back.
#include "db.hpp"

#include "pg/backup.hpp"
#include "util/clock.hpp"

namespace omero::db {

namespace {

int run(Context& c) {
    ConnParams p = conn_params(c);
    DumpOptions o;
    o.format = std::string(c.value("format").value_or("custom"));
    o.jobs = static_cast<int>(c.integer("jobs").value_or(1));
    if (o.jobs > 1 && o.format != "directory") throw Error(OMERO_EXIT_USAGE, "-j needs --format directory");
    o.compress = static_cast<int>(*c.integer("compress"));
    if (auto f = c.value("file"))
        o.path = std::string(*f);
    else
        o.path = c.server_dir() / "var/backups" /
                 (p.dbname + "-" + file_stamp() + (o.format == "directory" ? ".dumpdir" : ".pgdump"));
    // Fail early, and clearly, if the database cannot be reached.
    { Pg::connect(p, true); }
    o.parents = c.flag("parents") || !c.value("file");  // var/backups is ours to create
    c.cancelled();  // Ctrl-C, SIGTERM and SIGHUP now stop pg_dump and remove the partial dump
    o.progress = progress_in_mib(c);
    DumpResult r = dump_database(p, o, [&] { return c.cancelled(); });
    c.progress_done();
    if (c.json())
        c.emit_json(nlohmann::json{
            {"path", r.path.string()},
            {"bytes", r.bytes},
            {"toc_entries", r.toc_entries},
            {"seconds", r.seconds},
            {"verified",
             true}}.dump());
    else
        c.out(r.path.string() + "\n");
    return 0;
}

}  // namespace

Command dump_command() {
    return {.path = "db dump",
            .summary = "Back up the database with pg_dump, verified by reading it back",
            .options = with_conn({
                {.name = "file",
                 .short_name = 'f',
                 .value_name = "PATH",
                 .help = "where (default $OMERODIR/var/backups/<db>-<time>.pgdump)",
                 .type = OMERO_VALUE_PATH},
                {.name = "format",
                 .value_name = "FORMAT",
                 .help = "pg_dump's custom or directory format",
                 .default_value = "custom",
                 .type = OMERO_VALUE_CHOICE,
                 .choices = "custom|directory"},
                jobs_option("parallel jobs (directory format)"),
                {.name = "parents", .help = "create the directories of --file that do not exist"},
                {.name = "compress",
                 .value_name = "LEVEL",
                 .help = "gzip level",
                 .default_value = "1",
                 .type = OMERO_VALUE_INTEGER,
                 .min = 0,
                 .max = 9},
                omero::sdk::json_option(),
            }),
            .flags = OMERO_CMD_NEEDS_SERVER_DIR,
            .run = run};
}

}  // namespace omero::db
