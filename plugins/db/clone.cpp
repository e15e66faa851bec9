// `omero db clone --to NEWDB`: a copy of the database on the same cluster
// (CREATE DATABASE ... TEMPLATE, STRATEGY FILE_COPY on PostgreSQL >= 15: the
// files copied, no WAL per row), the rollback point `upgrade run` takes while
// the server is stopped - seconds where a pg_dump and its read-back take
// minutes. PostgreSQL refuses to copy a database anyone is connected to, so
// this refuses first, naming how many are; --check only says whether a clone
// can be taken (the role may create databases; nobody else is connected).
#include "db.hpp"

#include "util/clock.hpp"

namespace omero::db {

namespace {

using nlohmann::json;

struct CloneCheck {
    bool ok = true;
    std::string why;
    uint64_t bytes = 0;
};

CloneCheck check(Pg& m, const ConnParams& p, const std::string& target, bool need_idle) {
    CloneCheck k;
    auto may = m.scalar("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user");
    if (may != "t")
        return {false, "the role " + p.user + " may not create databases (ALTER ROLE " + p.user + " CREATEDB)"};
    auto size = m.scalar("SELECT pg_database_size($1)", {p.dbname});
    k.bytes = size ? std::stoull(*size) : 0;
    if (!target.empty() && m.scalar("SELECT 1 FROM pg_database WHERE datname = $1", {target}))
        return {false, "a database " + target + " exists already", k.bytes};
    auto others =
        m.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", {p.dbname});
    if (need_idle && others && *others != "0")
        return {false,
                *others + " client(s) are connected to " + p.dbname +
                    " (the server?): PostgreSQL copies a database nobody uses; stop them first",
                k.bytes};
    return k;
}

int run(Context& c) {
    ConnParams p = conn_params(c);
    std::string target(c.value("to").value_or(""));
    bool only_check = c.flag("check");
    if (target.empty() && !only_check) throw Error(OMERO_EXIT_USAGE, "--to NEWDB names the copy");
    ConnParams maint = p;
    maint.dbname = "postgres";
    Pg m = Pg::connect(maint, true);
    CloneCheck k = check(m, p, target, !only_check);
    if (only_check) {
        if (c.json())
            c.emit_json(json{{"schema", 1}, {"ok", k.ok}, {"why", k.why}, {"bytes", k.bytes}}.dump());
        else
            c.out(k.ok ? "a clone of " + p.dbname + " can be taken\n" : "no clone: " + k.why + "\n");
        return k.ok ? 0 : OMERO_EXIT_FAILURE;
    }
    if (!k.ok) throw Error(OMERO_EXIT_FAILURE, "cannot clone " + p.dbname + ": " + k.why);
    int server = std::atoi(m.scalar("SHOW server_version_num").value_or("0").c_str());
    auto t0 = std::chrono::steady_clock::now();
    c.cancelled();  // Ctrl-C cancels the statement on the server: nothing is left
    m.exec("CREATE DATABASE " + quote_ident(target) + " TEMPLATE " + quote_ident(p.dbname) + " OWNER " +
               quote_ident(p.user) + (server >= 150000 ? " STRATEGY FILE_COPY" : ""),
           [&] { return c.cancelled(); });
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    double secs = static_cast<double>(ms.count()) / 1000;
    if (c.json())
        c.emit_json(json{{"schema", 1}, {"database", target}, {"from", p.dbname}, {"bytes", k.bytes}, {"seconds", secs}}
                        .dump());
    else
        c.out("cloned " + p.dbname + " into " + target + " (" + std::to_string(k.bytes >> 20) + " MiB, " +
              seconds_text(ms) + " s)\n");
    return 0;
}

}  // namespace

Command clone_command() {
    return {.path = "db clone",
            .summary = "Copy the database to a new one on the same cluster (a rollback point in seconds)",
            .help =
                "CREATE DATABASE NEWDB TEMPLATE <db> (STRATEGY FILE_COPY on PostgreSQL 15+). Needs a role\n"
                "that may create databases and nobody else connected to the database (stop the server\n"
                "first); room for a second copy on the cluster's disk. --check says whether it can.",
            .options = with_conn({
                {.name = "to", .value_name = "NEWDB", .help = "the database to create"},
                {.name = "check", .help = "only say whether a clone can be taken (exit 0 or 1)"},
                omero::sdk::json_option(),
            }),
            .flags = OMERO_CMD_NEEDS_SERVER_DIR,
            .run = run};
}

}  // namespace omero::db
