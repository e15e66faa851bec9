#include "upgrade.hpp"

#include "db_script.hpp"

#include <omero/exit_codes.h>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <unistd.h>

#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using omero::sdk::Context;

namespace omero::db {

namespace {

std::vector<Statement> split_file(const fs::path& p) {
    try {
        return split_sql(read_text_file(p));
    } catch (const ScriptError& e) {
        throw DbError(OMERO_EXIT_FAILURE, p.string() + ":" + std::to_string(e.line) + ": " + e.what());
    }
}

std::string hostname() {
    char buf[256] = {0};
    gethostname(buf, sizeof buf - 1);
    return buf;
}

// The client's clock, so recording a hop's start costs no round trip.
std::string now_utc() {
    auto now = std::chrono::system_clock::now();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    long us = static_cast<long>(std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000);
    return std::string(buf) + "." + std::to_string(1000000 + us).substr(1) + "+00";
}

// Records a failed or cancelled hop (after its rollback).
std::string record(Pg& db, const PlannedHop& h, const std::string& started, const std::string& outcome,
                   const std::string& error) {
    auto rows = db.query(
        "INSERT INTO omero_cli_history (script, sha256, from_version, to_version, started, finished, duration_ms, "
        "outcome, error, tool_version, host) SELECT $1, $2, $3, $4, $5::timestamptz, clock_timestamp(), "
        "(extract(epoch from clock_timestamp() - $5::timestamptz) * 1000)::bigint, $6, nullif($7, ''), $8, $9 "
        "RETURNING (SELECT currentversion || '__' || currentpatch FROM dbpatch ORDER BY id DESC LIMIT 1)",
        {h.hop.script.empty() ? "(plugin)" : h.hop.script.string(), h.sha256, h.hop.from.name, h.hop.to.name, started,
         outcome, error, "omero " OMERO_DB_PLUGIN_VERSION, hostname()});
    return rows.empty() || rows[0].empty() ? "" : rows[0][0].value_or("");
}

// Records the success and commits, in one message. The check that dbpatch
// says the hop's target raises first (so COMMIT never runs) if it does not;
// it is a session-temporary function, compiled once per run.
void commit_hop(Pg& db, const PlannedHop& h, const std::string& name, const std::string& started) {
    if (db.session_objects().insert("omero_cli_expect").second) {
        db.exec("CREATE OR REPLACE FUNCTION pg_temp.omero_cli_expect(expected text, script text) RETURNS void AS $f$ "
                "BEGIN IF (SELECT currentversion || '__' || currentpatch FROM dbpatch ORDER BY id DESC LIMIT 1) "
                "IS DISTINCT FROM expected THEN RAISE EXCEPTION '% did not record version % in dbpatch', script, "
                "expected; END IF; END $f$ LANGUAGE plpgsql");
    }
    const std::string to = db.literal(h.hop.to.name), at = db.literal(started) + "::timestamptz";
    db.exec("SELECT pg_temp.omero_cli_expect(" + to + ", " + db.literal(name) + ");\n"
            "INSERT INTO omero_cli_history (script, sha256, from_version, to_version, started, finished, duration_ms, "
            "outcome, tool_version, host) VALUES (" +
            db.literal(h.hop.script.empty() ? "(plugin)" : h.hop.script.string()) + ", " + db.literal(h.sha256) + ", " +
            db.literal(h.hop.from.name) + ", " + to + ", " + at + ", clock_timestamp(), (extract(epoch from " +
            "clock_timestamp() - " + at + ") * 1000)::bigint, 'success', " +
            db.literal("omero " OMERO_DB_PLUGIN_VERSION) + ", " + db.literal(hostname()) + ");\nCOMMIT");
}

// The hop context a plugin hop gets: our connection, in our transaction.
struct HopDb {
    Pg* db;
    std::string error;
};

omero_hop_context hop_context(HopDb& h, bool dry_run) {
    omero_hop_context ctx{};
    ctx.struct_size = sizeof ctx;
    ctx.db = &h;
    ctx.exec_sql = [](void* p, const char* sql, size_t n) {
        auto* h = static_cast<HopDb*>(p);
        try {
            h->db->exec(std::string(sql, n));
            return 0;
        } catch (const DbError& e) {
            h->error = e.what();
            return 1;
        }
    };
    ctx.query_column = [](void* p, const char* sql, size_t n, omero_sink sink, void* user) {
        auto* h = static_cast<HopDb*>(p);
        try {
            for (const Row& r : h->db->query(std::string(sql, n)))
                if (!r.empty() && r[0]) sink(user, r[0]->data(), r[0]->size());
            return 0;
        } catch (const DbError& e) {
            h->error = e.what();
            return 1;
        }
    };
    ctx.db_error = [](void* p, omero_sink sink, void* user) {
        auto* h = static_cast<HopDb*>(p);
        sink(user, h->error.data(), h->error.size());
    };
    ctx.dry_run = dry_run ? 1 : 0;
    return ctx;
}

}  // namespace

void analyze_user_tables(Pg& db) {
    // Empty tables gain nothing from statistics, and the catalogs are not ours.
    auto rows = db.query(
        "SELECT string_agg(c.oid::regclass::text, ', ') FROM pg_class c "
        "JOIN pg_namespace s ON s.oid = c.relnamespace WHERE c.relkind IN ('r', 'm') "
        "AND s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg_toast%' "
        "AND pg_relation_size(c.oid) > 0");
    if (!rows.empty() && !rows[0].empty() && rows[0][0]) db.exec("ANALYZE " + *rows[0][0]);
}

std::string sha256_file(const fs::path& p) {
    std::string data = read_text_file(p);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

std::optional<Version> current_version(Pg& db) {
    if (!db.scalar("SELECT to_regclass('dbpatch')::text")) return std::nullopt;
    auto rows = db.query("SELECT currentversion, currentpatch FROM dbpatch ORDER BY id DESC LIMIT 1");
    if (rows.empty()) return std::nullopt;
    std::string name = rows[0][0].value_or("") + "__" + rows[0][1].value_or("");
    auto v = parse_version(name);
    if (!v) throw DbError(OMERO_EXIT_FAILURE, "dbpatch holds a version this tool cannot read: " + name);
    return v;
}

void take_upgrade_lock(Pg& db, std::chrono::seconds timeout) {
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
    if (!rows.empty())
        who = "pid " + rows[0][0].value_or("?") + " (" + rows[0][3].value_or("") + ", user " +
              rows[0][4].value_or("?") + ") from " + rows[0][1].value_or("?") + ", connected since " +
              rows[0][2].value_or("?");
    throw DbError(OMERO_EXIT_DB_LOCKED, "another upgrade of " + db.params().dbname + " is running: " + who +
                                            "; waited " + std::to_string(timeout.count()) +
                                            " s (--lock-timeout)");
}

void ensure_history_table(Pg& db) {
    db.exec(
        "CREATE TABLE IF NOT EXISTS omero_cli_history ("
        "id bigserial PRIMARY KEY, script text NOT NULL, sha256 text NOT NULL, from_version text, "
        "to_version text, started timestamptz NOT NULL, finished timestamptz, duration_ms bigint, "
        "outcome text NOT NULL, error text, tool_version text NOT NULL, host text, "
        "db_user text NOT NULL DEFAULT current_user)");
}

std::vector<PlannedHop> plan_hops(const std::vector<Hop>& path, const std::vector<Context::HopRef>& plugin_hops) {
    std::vector<PlannedHop> plan;
    for (const Hop& h : path) {
        PlannedHop p{h, {}, {}, "", {}};
        if (!h.script.empty()) {
            p.statements = split_file(h.script);
            p.sha256 = sha256_file(h.script);
            for (const Statement& s : p.statements)
                if (s.non_transactional)
                    throw DbError(OMERO_EXIT_FAILURE, h.script.string() + ":" + std::to_string(s.line) +
                                                          ": cannot run inside a transaction: " + s.first_line());
        } else {
            p.sha256 = "(plugin)";
        }
        if (!h.precheck.empty()) p.precheck = split_file(h.precheck);
        for (const auto& ph : plugin_hops)
            if (ph.from == h.from.name && ph.to == h.to.name) p.plugin_hops.push_back(ph);
        plan.push_back(std::move(p));
    }
    return plan;
}

static size_t count_work(const std::vector<Statement>& s) {
    size_t n = 0;
    for (const Statement& st : s) n += st.transaction_control ? 0 : 1;
    return n;
}

// Runs statements (skipping the script's own BEGIN/COMMIT) in the current
// transaction; throws DbError naming file:line.
// `prefix` (e.g. "BEGIN;") goes in the same message as the first statement:
// one round trip less per hop.
static void run_statements(Context& c, Pg& db, const std::vector<Statement>& statements, const std::string& name,
                           size_t& done, size_t total, std::string prefix = {}) {
    auto cancelled = [&] { return c.cancelled(); };
    for (const Statement& s : statements) {
        if (s.transaction_control) continue;
        if (!s.echo.empty()) {
            if (!c.json()) c.err(s.echo + "\n");
            continue;
        }
        // "OMERO5.4__0/OMERO5.3__0.sql:42 ALTER TABLE ...": the hop's folder says where it goes.
        const fs::path file(name);
        c.progress(++done, total, (file.parent_path().filename() / file.filename()).string() + ":" +
                                      std::to_string(s.line) + " " + s.first_line());
        try {
            db.exec(prefix.empty() ? s.sql : prefix + "\n" + s.sql, cancelled);
            prefix.clear();
        } catch (const DbError& e) {
            if (e.code == OMERO_EXIT_CANCELLED) throw;
            throw DbError(OMERO_EXIT_DB_SCRIPT_FAILED, name + ":" + std::to_string(s.line) + ": " + e.what() +
                                                           "\nstatement: " + s.first_line());
        }
    }
    if (!prefix.empty()) db.exec(prefix);  // nothing was sent: still open the transaction
}

void run_in_transaction(Context& c, Pg& db, const std::vector<Statement>& statements, const std::string& name) {
    size_t done = 0, total = count_work(statements);
    db.exec("BEGIN");
    try {
        run_statements(c, db, statements, name, done, total);
        db.exec("COMMIT");
    } catch (...) {
        PQexec(db.raw(), "ROLLBACK");
        c.progress_done();
        throw;
    }
    c.progress_done();
}

int apply_plan(Context& c, Pg& db, const std::vector<PlannedHop>& plan) {
    size_t total = 0, done = 0;
    for (const PlannedHop& h : plan) total += count_work(h.statements);
    for (const PlannedHop& h : plan) {
        std::string name = h.hop.script.empty() ? "plugin hop " + h.hop.from.name + " -> " + h.hop.to.name
                                                : h.hop.script.string();
        for (const auto& ph : h.plugin_hops)
            if (!ph.notes.empty() && !c.json()) c.err("note (" + ph.plugin + "): " + ph.notes + "\n");
        std::string started = now_utc();
        auto fail = [&](int code, const std::string& msg) {
            PQclear(PQexec(db.raw(), "ROLLBACK"));
            c.progress_done();
            try {
                record(db, h, started,
                       code == OMERO_EXIT_CANCELLED           ? "cancelled"
                       : code == OMERO_EXIT_DB_PRECHECK_FAILED ? "precheck-failed"
                                                               : "failed",
                       msg);
            } catch (const DbError&) {
            }
            if (c.json())
                c.emit_json(nlohmann::json{{"event", "hop-failed"}, {"from", h.hop.from.name}, {"to", h.hop.to.name},
                                           {"error", msg}}.dump());
            return code;
        };
        // Pre-checks change nothing: they run in a transaction that is rolled back.
        if (!h.precheck.empty()) {
            try {
                size_t pd = 0;
                db.exec("BEGIN");
                run_statements(c, db, h.precheck, h.hop.precheck.string(), pd, count_work(h.precheck));
                db.exec("ROLLBACK");
            } catch (const DbError& e) {
                int code = e.code == OMERO_EXIT_CANCELLED ? e.code : OMERO_EXIT_DB_PRECHECK_FAILED;
                fail(code, e.what());
                throw DbError(code, std::string("pre-check failed, nothing was changed: ") + e.what());
            }
        }
        HopDb hdb{&db, {}};
        omero_hop_context ctx = hop_context(hdb, false);
        for (const auto& ph : h.plugin_hops)
            if (int rc = c.check_hop(ph, ctx); rc != 0)
                throw DbError(fail(OMERO_EXIT_DB_PRECHECK_FAILED, "refused by plugin " + ph.plugin),
                              "plugin '" + ph.plugin + "' refused the hop " + h.hop.from.name + " -> " + h.hop.to.name +
                                  " (its check returned " + std::to_string(rc) + "); nothing was changed");
        try {
            run_statements(c, db, h.statements, name, done, total, "BEGIN;");
            for (const auto& ph : h.plugin_hops)
                if (int rc = c.run_hop(ph, ctx); rc != 0)
                    throw DbError(OMERO_EXIT_DB_SCRIPT_FAILED, "plugin '" + ph.plugin + "' failed its hop steps (" +
                                                                   std::to_string(rc) + ")" +
                                                                   (hdb.error.empty() ? "" : ": " + hdb.error));
            commit_hop(db, h, name, started);
        } catch (const DbError& e) {
            throw DbError(fail(e.code == OMERO_EXIT_CANCELLED ? e.code : OMERO_EXIT_DB_SCRIPT_FAILED, e.what()),
                          std::string(e.what()) + "\nthe hop " + h.hop.from.name + " -> " + h.hop.to.name +
                              " was rolled back; the database is at " + h.hop.from.name);
        }
        c.progress_done();
        if (c.json())
            c.emit_json(nlohmann::json{{"event", "hop-done"}, {"from", h.hop.from.name}, {"to", h.hop.to.name},
                                       {"script", h.hop.script.string()}, {"sha256", h.sha256}}.dump());
        else
            c.err("upgraded " + h.hop.from.name + " -> " + h.hop.to.name + "\n");
    }
    return OMERO_EXIT_OK;
}

}  // namespace omero::db
