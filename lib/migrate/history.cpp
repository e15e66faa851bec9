#include "migrate/history.hpp"

#include "migrate/plan.hpp"

#include <omero/exit_codes.h>

#include <unistd.h>

#include <thread>

namespace omero::migrate {

namespace {

std::string hostname() {
    char buf[256] = {0};
    gethostname(buf, sizeof buf - 1);
    return buf;
}

}  // namespace

const char* const kHistoryColumns =
    "script, sha256, from_version, to_version, started, finished, duration_ms, outcome, error, tool_version, host, "
    "plugins, shims, fixes";

// A hop's history row exists before its transaction begins, as 'running':
// a run killed in the middle leaves it so, and the next run (holding the
// upgrade lock, so nobody else can be running) marks it 'interrupted'. The
// row of hop k+1 is inserted by hop k's commit message, so this costs no
// round trip. While we hold the lock, ours is the only 'running' row.
std::string running_row(Pg& db, const PlannedHop& h, const std::string& tool) {
    auto opt = [&](const std::string& v) { return v.empty() ? std::string("NULL") : db.literal(v); };
    return std::string("INSERT INTO omero_cli_history (") + kHistoryColumns + ") VALUES (" + db.literal(h.name()) +
           ", " + db.literal(h.sha256) + ", " + db.literal(h.hop.from.name) + ", " + db.literal(h.hop.to.name) +
           ", clock_timestamp(), NULL, NULL, 'running', NULL, " + db.literal(tool) + ", " + db.literal(hostname()) +
           ", " + opt(plugin_list(h)) + ", " + opt(shim_list(h)) + ", " + opt(fix_list(h)) + ")";
}

const char* const kFinishRunning =
    "UPDATE omero_cli_history SET finished = clock_timestamp(), "
    "duration_ms = (extract(epoch from clock_timestamp() - started) * 1000)::bigint, ";

// Records a failed or cancelled hop (after its rollback).
void record_failure(Pg& db, const std::string& outcome, const std::string& error) {
    db.query(std::string(kFinishRunning) + "outcome = $1, error = nullif($2, '') WHERE outcome = 'running'",
             {outcome, error});
}

// Writes the dbpatch row of a hop that no script serves, as the scripts do.
void write_dbpatch(Pg& db, const PlannedHop& h, const std::function<bool()>& cancelled) {
    auto v = [](const Version& x) { return std::optional<std::string>(x.version()); };
    auto p = [](const Version& x) { return std::optional<std::string>(std::to_string(x.patch)); };
    db.exec_params(
        "INSERT INTO dbpatch (currentVersion, currentPatch, previousVersion, previousPatch) "
        "VALUES ($1, $2::int, $3, $4::int)",
        {v(h.hop.to), p(h.hop.to), v(h.hop.from), p(h.hop.from)}, cancelled);
    db.exec_params(
        "UPDATE dbpatch SET message = $1, finished = clock_timestamp() "
        "WHERE id IN (SELECT id FROM dbpatch ORDER BY id DESC LIMIT 1)",
        {"Database updated by " + plugin_list(h)}, cancelled);
}

// Records the success and commits, in one message. The check that dbpatch
// says the hop's target raises first (so COMMIT never runs) if it does not;
// it is a session-temporary function, compiled once per run.
void commit_hop(Pg& db, const PlannedHop& h, const PlannedHop* next, const std::string& tool) {
    if (db.session_objects().insert("omero_cli_expect").second) {
        db.exec(
            "CREATE OR REPLACE FUNCTION pg_temp.omero_cli_expect(expected text, script text) RETURNS void AS $f$ "
            "BEGIN IF (SELECT currentversion || '__' || currentpatch FROM dbpatch ORDER BY id DESC LIMIT 1) "
            "IS DISTINCT FROM expected THEN RAISE EXCEPTION '% did not record version % in dbpatch', script, "
            "expected; END IF; END $f$ LANGUAGE plpgsql");
    }
    db.exec("SELECT pg_temp.omero_cli_expect(" + db.literal(h.hop.to.name) + ", " + db.literal(h.name()) + ");\n" +
            kFinishRunning + "outcome = 'success' WHERE outcome = 'running';\n" +
            (next ? running_row(db, *next, tool) + ";\n" : std::string()) + "COMMIT");
}

void analyze_user_tables(Pg& db) {
    // Empty tables gain nothing from statistics, and the catalogs are not ours.
    auto rows = db.query(
        "SELECT string_agg(c.oid::regclass::text, ', ') FROM pg_class c "
        "JOIN pg_namespace s ON s.oid = c.relnamespace WHERE c.relkind IN ('r', 'm') "
        "AND s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg_toast%' "
        "AND pg_relation_size(c.oid) > 0");
    if (!rows.empty() && !rows[0].empty() && rows[0][0]) db.exec("ANALYZE " + *rows[0][0]);
}

size_t user_table_count(Pg& db) {
    auto n = db.scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND s.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND s.nspname NOT LIKE 'pg_toast%' AND s.nspname NOT LIKE 'pg_temp%'");
    return n ? std::stoul(*n) : 0;
}

std::optional<Version> current_version(Pg& db) {
    if (!db.scalar("SELECT to_regclass('dbpatch')::text")) return std::nullopt;
    std::vector<Row> rows;
    try {
        rows = db.query("SELECT currentversion, currentpatch FROM dbpatch ORDER BY id DESC LIMIT 1");
    } catch (const Error& e) {
        throw Error(OMERO_EXIT_DB_NOT_EMPTY, "database " + db.params().dbname +
                                                 " has a table dbpatch that is not OMERO's (" + e.what() +
                                                 "); point omero.db.name at the OMERO database");
    }
    if (rows.empty()) return std::nullopt;
    std::string name = rows[0][0].value_or("") + "__" + rows[0][1].value_or("");
    auto v = parse_version(name);
    if (!v) throw Error(OMERO_EXIT_FAILURE, "dbpatch holds a version this tool cannot read: " + name);
    return v;
}

void take_upgrade_lock(Pg& db, std::chrono::milliseconds timeout) {
    const std::string key = std::to_string(kUpgradeLockKey);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        // Polling (not pg_advisory_lock) so a waiter never queues behind DDL.
        if (db.scalar("SELECT pg_try_advisory_lock(" + key + ")") == "t") return;
        if (std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    auto rows = db.query(
        "SELECT a.pid::text, coalesce(a.client_hostname, host(a.client_addr), 'a local socket'), "
        "to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), coalesce(a.application_name, ''), a.usename "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
        "AND l.classid = ($1::bigint >> 32)::oid AND l.objid = ($1::bigint & 4294967295)::oid AND l.objsubid = 1",
        {key});
    std::string who = "another session";
    if (!rows.empty()) {
        // Our connections name the omero process: "omero pid 123 on host".
        const std::string app = rows[0][3].value_or("");
        who = app.rfind("omero pid ", 0) == 0
                  ? app.substr(6) + " (omero)"
                  : "PostgreSQL backend " + rows[0][0].value_or("?") + (app.empty() ? "" : " (" + app + ")");
        who += " as user " + rows[0][4].value_or("?") + " from " + rows[0][1].value_or("?") + ", started " +
               rows[0][2].value_or("?");
    }
    throw Error(OMERO_EXIT_DB_LOCKED, "another upgrade of " + db.params().dbname + " is running: " + who + "; waited " +
                                          std::to_string(timeout.count() / 1000) + " s (--lock-timeout)");
}

void ensure_history_table(Pg& db) {
    db.exec(
        "CREATE TABLE IF NOT EXISTS omero_cli_history ("
        "id bigserial PRIMARY KEY, script text NOT NULL, sha256 text NOT NULL, from_version text, "
        "to_version text, started timestamptz NOT NULL, finished timestamptz, duration_ms bigint, "
        "outcome text NOT NULL, error text, tool_version text NOT NULL, host text, "
        "db_user text NOT NULL DEFAULT current_user);\n"
        "ALTER TABLE omero_cli_history ADD COLUMN IF NOT EXISTS plugins text;\n"
        "ALTER TABLE omero_cli_history ADD COLUMN IF NOT EXISTS shims text;\n"
        "ALTER TABLE omero_cli_history ADD COLUMN IF NOT EXISTS fixes text;\n"
        // The caller holds the upgrade lock: a hop still 'running' belongs to a run that died.
        "UPDATE omero_cli_history SET outcome = 'interrupted', "
        "error = 'the run stopped (killed, or the machine went down) before this hop finished; it was rolled back' "
        "WHERE outcome = 'running'");
}

}  // namespace omero::migrate
