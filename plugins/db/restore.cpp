// `omero db restore`: restore a dump into a new database (and point
// omero.db.name at it): the upgrade guide's recovery recipe.
#include "db.hpp"

#include "pg/backup.hpp"
#include "util/process.hpp"

namespace fs = std::filesystem;

namespace omero::db {

namespace {

int run(Context& c) {
    ConnParams p = conn_params(c);
    fs::path dump = std::string(c.arg(0));
    std::string target(*c.value("to"));
    std::error_code ec;
    if (!fs::exists(dump, ec)) throw Error(OMERO_EXIT_FILE_NOT_FOUND, "no such dump: " + dump.string());
    ChildResult toc = run_child({"pg_restore", "-l", "-f", "/dev/null", dump.string()});
    if (toc.status != 0) throw Error(OMERO_EXIT_FAILURE, dump.string() + " is not a readable dump: " + toc.err);
    ConnParams maint = p;
    maint.dbname = "postgres";
    Pg m = Pg::connect(maint, true);
    ConnParams tp = p;
    tp.dbname = target;
    if (m.scalar("SELECT 1 FROM pg_database WHERE datname = $1", {target})) {
        Pg t = Pg::connect(tp, true);
        auto n = t.scalar(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND s.nspname NOT IN ('pg_catalog', 'information_schema')");
        if (n != "0" && !c.flag("force"))
            throw Error(OMERO_EXIT_DB_NOT_EMPTY, "database " + target + " exists and has " + n.value_or("?") +
                                                     " tables; restore into a new name, or --force to add to it");
    } else {
        m.exec("CREATE DATABASE " + quote_ident(target) + " OWNER " + quote_ident(p.user) +
               " ENCODING 'UTF8' TEMPLATE template0");
    }
    c.cancelled();  // Ctrl-C, SIGTERM and SIGHUP now stop pg_restore
    restore_database(
        tp, dump, target, static_cast<int>(c.integer("jobs").value_or(1)), [&] { return c.cancelled(); },
        progress_in_mib(c));
    c.progress_done();
    Pg t = Pg::connect(tp, true);
    auto v = current_version(t);
    if (!v) throw Error(OMERO_EXIT_FAILURE, "restored " + target + ", but it has no dbpatch: is this an OMERO dump?");
    analyze_user_tables(t);
    if (c.flag("switch")) c.set_config("omero.db.name", target);
    if (c.json())
        c.emit_json(nlohmann::json{{"database", target}, {"version", v->name}, {"switched", c.flag("switch")}}.dump());
    else
        c.out("restored " + dump.string() + " into " + target + " (" + v->name + ")" +
              (c.flag("switch") ? "; omero.db.name is now " + target : "") + "\n");
    return 0;
}

}  // namespace

Command restore_command() {
    return {.path = "db restore",
            .summary = "Restore a dump into a new database (and point omero.db.name at it)",
            .help = "Restores never overwrite the live database: --to names the new one.",
            .options = with_conn({
                {.name = "to",
                 .value_name = "NEWDB",
                 .help = "the database to create and fill",
                 .flags = OMERO_OPT_REQUIRED},
                {.name = "switch", .help = "then set omero.db.name to NEWDB"},
                jobs_option("parallel restore jobs"),
                {.name = "force", .help = "restore into an existing, non-empty database"},
                omero::sdk::json_option(),
            }),
            .args = {{"PATH", "a dump from 'omero db dump' or pg_dump -Fc / -Fd"}},
            .flags = OMERO_CMD_NEEDS_SERVER_DIR,
            .run = run};
}

}  // namespace omero::db
