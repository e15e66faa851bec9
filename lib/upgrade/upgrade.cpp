#include "upgrade/upgrade.hpp"

#include "upgrade/sha256.hpp"
#include "util/file.hpp"

#include <omero/exit_codes.h>

#include <unistd.h>

#include <algorithm>
#include <thread>

namespace fs = std::filesystem;

namespace omero::db {

namespace {

// Splits text read once; errors name file:line.
std::vector<Statement> split_text(const fs::path& p, const std::string& text) {
    try {
        return split_sql(text);
    } catch (const ScriptError& e) {
        throw Error(OMERO_EXIT_FAILURE, p.string() + ":" + std::to_string(e.line) + ": " + e.what());
    }
}

std::string hostname() {
    char buf[256] = {0};
    gethostname(buf, sizeof buf - 1);
    return buf;
}

std::string plugin_list(const PlannedHop& h) {
    std::string s;
    for (const PluginHop& p : h.plugins) s += (s.empty() ? "" : ", ") + p.plugin + " " + p.version;
    return s;
}

const char* const kHistoryColumns =
    "script, sha256, from_version, to_version, started, finished, duration_ms, outcome, error, tool_version, host, "
    "plugins";

// A hop's history row exists before its transaction begins, as 'running':
// a run killed in the middle leaves it so, and the next run (holding the
// upgrade lock, so nobody else can be running) marks it 'interrupted'. The
// row of hop k+1 is inserted by hop k's commit message, so this costs no
// round trip. While we hold the lock, ours is the only 'running' row.
std::string running_row(Pg& db, const PlannedHop& h, const std::string& tool) {
    const std::string plugins = plugin_list(h);
    return std::string("INSERT INTO omero_cli_history (") + kHistoryColumns + ") VALUES (" + db.literal(h.name()) +
           ", " + db.literal(h.sha256) + ", " + db.literal(h.hop.from.name) + ", " + db.literal(h.hop.to.name) +
           ", clock_timestamp(), NULL, NULL, 'running', NULL, " + db.literal(tool) + ", " + db.literal(hostname()) +
           ", " + (plugins.empty() ? std::string("NULL") : db.literal(plugins)) + ")";
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
    db.exec_params("INSERT INTO dbpatch (currentVersion, currentPatch, previousVersion, previousPatch) "
                   "VALUES ($1, $2::int, $3, $4::int)",
                   {v(h.hop.to), p(h.hop.to), v(h.hop.from), p(h.hop.from)}, cancelled);
    db.exec_params("UPDATE dbpatch SET message = $1, finished = clock_timestamp() "
                   "WHERE id IN (SELECT id FROM dbpatch ORDER BY id DESC LIMIT 1)",
                   {"Database updated by " + plugin_list(h)}, cancelled);
}

// Records the success and commits, in one message. The check that dbpatch
// says the hop's target raises first (so COMMIT never runs) if it does not;
// it is a session-temporary function, compiled once per run.
void commit_hop(Pg& db, const PlannedHop& h, const PlannedHop* next, const std::string& tool) {
    if (db.session_objects().insert("omero_cli_expect").second) {
        db.exec("CREATE OR REPLACE FUNCTION pg_temp.omero_cli_expect(expected text, script text) RETURNS void AS $f$ "
                "BEGIN IF (SELECT currentversion || '__' || currentpatch FROM dbpatch ORDER BY id DESC LIMIT 1) "
                "IS DISTINCT FROM expected THEN RAISE EXCEPTION '% did not record version % in dbpatch', script, "
                "expected; END IF; END $f$ LANGUAGE plpgsql");
    }
    db.exec("SELECT pg_temp.omero_cli_expect(" + db.literal(h.hop.to.name) + ", " + db.literal(h.name()) + ");\n" +
            kFinishRunning + "outcome = 'success' WHERE outcome = 'running';\n" +
            (next ? running_row(db, *next, tool) + ";\n" : std::string()) + "COMMIT");
}

// The context a plugin's hop callback gets: our connection, in our transaction.
struct HopDb {
    Pg* db;
    Reporter* r;
    std::string error;
};

omero_hop_context hop_context(HopDb& h, bool dry_run, int phase) {
    omero_hop_context ctx{};
    ctx.struct_size = sizeof ctx;
    ctx.db = &h;
    ctx.dry_run = dry_run ? 1 : 0;
    ctx.phase = phase;
    ctx.exec_sql = [](void* p, const char* sql, size_t n) {
        auto* h = static_cast<HopDb*>(p);
        try {
            h->db->exec(std::string(sql, n), [h] { return h->r->cancelled(); });
            return 0;
        } catch (const std::exception& e) {
            h->error = e.what();
            return 1;
        }
    };
    ctx.query_column = [](void* p, const char* sql, size_t n, omero_sink sink, void* user) {
        auto* h = static_cast<HopDb*>(p);
        try {
            for (const Row& r : h->db->exec_params(std::string(sql, n), {}, [h] { return h->r->cancelled(); }))
                if (!r.empty() && r[0]) sink(user, r[0]->data(), r[0]->size());
            return 0;
        } catch (const std::exception& e) {
            h->error = e.what();
            return 1;
        }
    };
    ctx.exec_params = [](void* p, const char* sql, size_t n, size_t np, const omero_str* params,
                         omero_row_sink sink, void* user) {
        auto* h = static_cast<HopDb*>(p);
        try {
            std::vector<std::optional<std::string>> values;
            for (size_t i = 0; i < np; ++i)
                values.push_back(params[i].ptr ? std::optional<std::string>(std::string(params[i].ptr, params[i].len))
                                               : std::nullopt);
            auto rows = h->db->exec_params(std::string(sql, n), values, [h] { return h->r->cancelled(); });
            if (sink)
                for (const Row& row : rows) {
                    std::vector<omero_str> cells;
                    for (const auto& c : row)
                        cells.push_back(c ? omero_str{c->data(), c->size()} : omero_str{nullptr, 0});
                    sink(user, cells.size(), cells.data());
                }
            return 0;
        } catch (const std::exception& e) {
            h->error = e.what();
            return 1;
        }
    };
    ctx.db_error = [](void* p, omero_sink sink, void* user) {
        auto* h = static_cast<HopDb*>(p);
        sink(user, h->error.data(), h->error.size());
    };
    return ctx;
}

const char* phase_name(int phase) {
    return phase == OMERO_HOP_CHECK ? "check" : phase == OMERO_HOP_BEFORE ? "before" : "run";
}

// Calls every plugin's callback for `phase`; throws Error(code) naming the
// plugin when one fails or refuses.
void run_plugins(Reporter& r, Pg& db, const PlannedHop& h, int phase, bool dry_run) {
    for (const PluginHop& p : h.plugins) {
        if (!p.call) continue;
        HopDb hdb{&db, &r, {}};
        omero_hop_context ctx = hop_context(hdb, dry_run, phase);
        int rc = p.call(phase, ctx);
        if (r.cancelled()) throw Error(OMERO_EXIT_CANCELLED, "cancelled in plugin '" + p.plugin + "'");
        if (rc == 0) continue;
        std::string why = "plugin '" + p.plugin + "' " +
                          (phase == OMERO_HOP_CHECK ? "refused the hop " : std::string("failed its ") +
                                                                               phase_name(phase) + " steps of ") +
                          h.hop.from.name + " -> " + h.hop.to.name + " (status " + std::to_string(rc) + ")" +
                          (hdb.error.empty() ? "" : ": " + hdb.error);
        throw Error(phase == OMERO_HOP_CHECK ? OMERO_EXIT_DB_PRECHECK_FAILED : OMERO_EXIT_DB_SCRIPT_FAILED, why);
    }
}

size_t count_work(const std::vector<Statement>& s) {
    size_t n = 0;
    for (const Statement& st : s) n += st.transaction_control || !st.echo.empty() ? 0 : 1;
    return n;
}

// Runs statements (skipping the script's own BEGIN/COMMIT) in the current
// transaction; throws Error naming file:line. `prefix` (e.g. "BEGIN;") goes
// in the same message as the first statement: one round trip less per hop.
void run_statements(Reporter& r, Pg& db, const std::vector<Statement>& statements, const std::string& name,
                    size_t& done, size_t total, std::string prefix = {}) {
    auto cancelled = [&] { return r.cancelled(); };
    const fs::path file(name);
    const std::string where = (file.parent_path().filename() / file.filename()).string();
    for (const Statement& s : statements) {
        if (s.transaction_control) continue;
        if (!s.echo.empty()) {
            r.info(s.echo);
            continue;
        }
        // "OMERO5.4__0/OMERO5.3__0.sql:42 ALTER TABLE ...": the hop's folder says where it goes.
        r.progress(++done, total, where + ":" + std::to_string(s.line) + " " + s.first_line());
        try {
            db.exec(prefix.empty() ? s.sql : prefix + "\n" + s.sql, cancelled);
            prefix.clear();
        } catch (const Error& e) {
            if (e.code() == OMERO_EXIT_CANCELLED) throw;
            throw Error(OMERO_EXIT_DB_SCRIPT_FAILED,
                        name + ":" + std::to_string(s.line) + ": " + e.what() + "\nstatement: " + s.first_line());
        }
    }
    if (!prefix.empty()) db.exec(prefix);  // nothing was sent: still open the transaction
}

// Checks are quick and their result is what gets reported: no progress
// (which would count their statements against the hop's own).
class WithoutProgress : public Reporter {
public:
    explicit WithoutProgress(Reporter& r) : r_(r) {}
    bool json() const override { return r_.json(); }
    void info(std::string_view line) override { r_.info(line); }
    void event(const nlohmann::json& e) override { r_.event(e); }
    void progress(uint64_t, uint64_t, std::string_view) override {}
    void progress_done() override {}
    bool cancelled() override { return r_.cancelled(); }

private:
    Reporter& r_;
};

// The distribution's pre-check, inside a savepoint that is always rolled back.
void run_precheck(Reporter& outer, Pg& db, const PlannedHop& h) {
    if (h.precheck.empty()) return;
    WithoutProgress r(outer);
    db.exec("SAVEPOINT omero_precheck");
    try {
        size_t pd = 0;
        run_statements(r, db, h.precheck, h.hop.precheck.string(), pd, count_work(h.precheck));
    } catch (const Error& e) {
        int code = e.code() == OMERO_EXIT_CANCELLED ? e.code() : OMERO_EXIT_DB_PRECHECK_FAILED;
        throw Error(code, std::string("pre-check failed: ") + e.what());
    }
    db.exec("ROLLBACK TO SAVEPOINT omero_precheck");
}

void rollback(Pg& db) { PQclear(PQexec(db.raw(), "ROLLBACK")); }

}  // namespace

std::string PlannedHop::name() const {
    if (!hop.script.empty()) return hop.script.string();
    std::string s = "plugin hop " + hop.from.name + " -> " + hop.to.name;
    std::string names;
    for (const PluginHop& p : plugins) names += (names.empty() ? "" : ", ") + p.plugin;
    return names.empty() ? s : s + " (" + names + ")";
}

bool PlannedHop::engine_writes_dbpatch() const {
    if (!hop.script.empty()) return false;
    return std::none_of(plugins.begin(), plugins.end(),
                        [](const PluginHop& p) { return p.flags & OMERO_HOP_WRITES_DBPATCH; });
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
    auto n = db.scalar("SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
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
        who = app.rfind("omero pid ", 0) == 0 ? app.substr(6) + " (omero)"
                                               : "PostgreSQL backend " + rows[0][0].value_or("?") +
                                                     (app.empty() ? "" : " (" + app + ")");
        who += " as user " + rows[0][4].value_or("?") + " from " + rows[0][1].value_or("?") + ", started " +
               rows[0][2].value_or("?");
    }
    throw Error(OMERO_EXIT_DB_LOCKED, "another upgrade of " + db.params().dbname + " is running: " + who +
                                          "; waited " + std::to_string(timeout.count() / 1000) +
                                          " s (--lock-timeout)");
}

void ensure_history_table(Pg& db) {
    db.exec(
        "CREATE TABLE IF NOT EXISTS omero_cli_history ("
        "id bigserial PRIMARY KEY, script text NOT NULL, sha256 text NOT NULL, from_version text, "
        "to_version text, started timestamptz NOT NULL, finished timestamptz, duration_ms bigint, "
        "outcome text NOT NULL, error text, tool_version text NOT NULL, host text, "
        "db_user text NOT NULL DEFAULT current_user);\n"
        "ALTER TABLE omero_cli_history ADD COLUMN IF NOT EXISTS plugins text;\n"
        // The caller holds the upgrade lock: a hop still 'running' belongs to a run that died.
        "UPDATE omero_cli_history SET outcome = 'interrupted', "
        "error = 'the run stopped (killed, or the machine went down) before this hop finished; it was rolled back' "
        "WHERE outcome = 'running'");
}

std::vector<PlannedHop> plan_hops(const std::vector<Hop>& path,
                                  const std::function<std::vector<PluginHop>(const Hop&)>& plugins_for) {
    std::vector<PlannedHop> plan;
    for (const Hop& h : path) {
        PlannedHop p{h, {}, {}, "", plugins_for ? plugins_for(h) : std::vector<PluginHop>{}};
        if (!h.script.empty()) {
            // Read once: the digest is of the bytes that are split and run.
            std::string text = read_file(h.script);
            p.sha256 = sha256_hex(text);
            p.statements = split_text(h.script, text);
            for (const Statement& s : p.statements)
                if (s.non_transactional)
                    throw Error(OMERO_EXIT_FAILURE, h.script.string() + ":" + std::to_string(s.line) +
                                                        ": cannot run inside a transaction: " + s.first_line());
        } else {
            p.sha256 = "(no script)";
        }
        if (!h.precheck.empty()) p.precheck = split_text(h.precheck, read_file(h.precheck));
        std::sort(p.plugins.begin(), p.plugins.end(),
                  [](const PluginHop& a, const PluginHop& b) { return a.plugin < b.plugin; });
        plan.push_back(std::move(p));
    }
    return plan;
}

void run_in_transaction(Reporter& r, Pg& db, const std::vector<Statement>& statements, const std::string& name) {
    size_t done = 0, total = count_work(statements);
    db.exec("BEGIN");
    try {
        run_statements(r, db, statements, name, done, total);
        db.exec("COMMIT");
    } catch (...) {
        rollback(db);
        r.progress_done();
        throw;
    }
    r.progress_done();
}

std::vector<CheckReport> check_plan(Reporter& outer, Pg& db, const std::vector<PlannedHop>& plan) {
    WithoutProgress r(outer);
    std::vector<CheckReport> out;
    for (const PlannedHop& h : plan) {
        CheckReport c{h.hop.from.name, h.hop.to.name, true, {}};
        if (!h.precheck.empty() || !h.plugins.empty()) {
            try {
                // The distribution's pre-checks create helper functions (rolled
                // back with their savepoint); the plugins' checks then run read-only.
                db.exec("BEGIN");
                run_precheck(r, db, h);
                db.exec("SET TRANSACTION READ ONLY");
                run_plugins(r, db, h, OMERO_HOP_CHECK, /*dry_run=*/true);
            } catch (const Error& e) {
                c.ok = false;
                c.message = e.what();
            }
            rollback(db);
            r.progress_done();
        }
        out.push_back(std::move(c));
    }
    return out;
}

int apply_plan(Reporter& r, Pg& db, const std::vector<PlannedHop>& plan, const std::string& tool) {
    size_t total = 0, done = 0;
    for (const PlannedHop& h : plan) total += count_work(h.statements);
    auto cancelled = [&] { return r.cancelled(); };
    if (!plan.empty()) db.exec(running_row(db, plan.front(), tool));
    for (size_t i = 0; i < plan.size(); ++i) {
        const PlannedHop& h = plan[i];
        const PlannedHop* next = i + 1 < plan.size() ? &plan[i + 1] : nullptr;
        const std::string name = h.name();
        for (const PluginHop& p : h.plugins)
            if (!p.notes.empty()) {
                if (r.json())
                    r.event({{"event", "note"}, {"plugin", p.plugin}, {"from", h.hop.from.name},
                             {"to", h.hop.to.name}, {"text", p.notes}});
                else
                    r.info("note (" + p.plugin + "): " + p.notes);
            }
        try {
            // A plain hop opens its transaction in the message of its first
            // statement: one round trip less per hop.
            const bool plain = h.precheck.empty() && h.plugins.empty();
            if (!plain) db.exec("BEGIN");
            run_precheck(r, db, h);
            run_plugins(r, db, h, OMERO_HOP_CHECK, false);
            run_plugins(r, db, h, OMERO_HOP_BEFORE, false);
            run_statements(r, db, h.statements, name, done, total, plain ? "BEGIN;" : "");
            run_plugins(r, db, h, OMERO_HOP_AFTER, false);
            if (h.engine_writes_dbpatch()) write_dbpatch(db, h, cancelled);
            commit_hop(db, h, next, tool);
        } catch (const Error& e) {
            rollback(db);
            r.progress_done();
            const int kept[] = {OMERO_EXIT_CANCELLED, OMERO_EXIT_DB_PRECHECK_FAILED, OMERO_EXIT_PLUGIN_UNAVAILABLE};
            int code = std::find(std::begin(kept), std::end(kept), e.code()) != std::end(kept)
                           ? e.code()
                           : OMERO_EXIT_DB_SCRIPT_FAILED;
            const char* outcome = code == OMERO_EXIT_CANCELLED           ? "cancelled"
                                  : code == OMERO_EXIT_DB_PRECHECK_FAILED ? "precheck-failed"
                                                                          : "failed";
            try {
                record_failure(db, outcome, e.what());
            } catch (const Error&) {
                // The history is a record, not a reason to hide the real error.
            }
            if (r.json())
                r.event({{"event", "hop-failed"}, {"from", h.hop.from.name}, {"to", h.hop.to.name},
                         {"outcome", outcome}, {"error", e.what()}});
            throw Error(code, std::string(e.what()) + "\nthe hop " + h.hop.from.name + " -> " + h.hop.to.name +
                                  (code == OMERO_EXIT_DB_PRECHECK_FAILED ? " changed nothing"
                                                                         : " was rolled back") +
                                  "; the database is at " + h.hop.from.name);
        }
        r.progress_done();
        if (r.json())
            r.event({{"event", "hop-done"}, {"from", h.hop.from.name}, {"to", h.hop.to.name}, {"script", name},
                     {"sha256", h.sha256}, {"plugins", plugin_list(h)}});
        else
            r.info("upgraded " + h.hop.from.name + " -> " + h.hop.to.name);
    }
    return OMERO_EXIT_OK;
}

}  // namespace omero::db
