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
std::vector<Statement> split_text(const fs::path& p, const std::string& text,
                                  std::map<std::string, std::string> vars = {}) {
    try {
        return split_sql(text, std::move(vars));
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
    "plugins, shims, fixes";

std::string shim_list(const PlannedHop& h) {
    std::string s;
    for (const AppliedShim& x : h.shims)
        if (x.count) s += (s.empty() ? "" : "; ") + x.plugin + ": " + x.why + " (x" + std::to_string(x.count) + ")";
    return s;
}

std::string fix_list(const PlannedHop& h) {
    std::string s;
    for (const PlannedFix& f : h.fixes) s += (s.empty() ? "" : "; ") + f.plugin + ": " + f.text;
    return s;
}

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

bool asked_for(const std::vector<FixRequest>& fixes, const std::string& name) {
    return std::any_of(fixes.begin(), fixes.end(), [&](const FixRequest& f) { return f.name == name; });
}

// Runs the hop's declared checks, each in a savepoint that is rolled back.
// `tolerant`: a check that fails (its tables do not exist yet) is deferred
// instead of failing the caller.
std::vector<Finding> run_declared_checks(Reporter& r, Pg& db, const PlannedHop& h, bool tolerant,
                                         const std::vector<FixRequest>& fixes) {
    std::vector<Finding> out;
    auto cancelled = [&] { return r.cancelled(); };
    for (const PluginHop& p : h.plugins)
        for (const DeclaredCheck& c : p.checks) {
            Finding f{p.plugin, c.name, c.summary, c.fixed_by, {}, false, false, {}};
            db.exec("SAVEPOINT omero_check");
            try {
                for (const Row& row : db.exec_params(c.sql, {}, cancelled)) {
                    std::vector<std::string> cells;
                    for (size_t i = 0; i < 5; ++i) cells.push_back(i < row.size() && row[i] ? *row[i] : "");
                    f.rows.push_back(std::move(cells));
                }
                db.exec("ROLLBACK TO SAVEPOINT omero_check");
            } catch (const Error& e) {
                if (e.code() == OMERO_EXIT_CANCELLED || !tolerant)
                    throw Error(e.code() == OMERO_EXIT_CANCELLED ? e.code() : OMERO_EXIT_DB_PRECHECK_FAILED,
                                "check '" + c.name + "' of plugin '" + p.plugin + "' failed: " + e.what());
                db.exec("ROLLBACK TO SAVEPOINT omero_check");
                f.deferred = true;
                f.error = e.what();
            }
            f.will_fix = !f.rows.empty() && !c.fixed_by.empty() && asked_for(fixes, c.fixed_by);
            out.push_back(std::move(f));
        }
    return out;
}

bool refuses(const Finding& f) { return !f.rows.empty() && !f.will_fix; }

std::string refusal(const PlannedHop& h, const std::vector<Finding>& found) {
    std::string msg;
    size_t n = 0;
    for (const Finding& f : found)
        if (refuses(f)) {
            n += f.rows.size();
            msg += describe(f, "  ", 4);
        }
    return "the checks of " + h.hop.from.name + " -> " + h.hop.to.name + " found " + std::to_string(n) +
           " offending row" + (n == 1 ? "" : "s") + ":\n" + msg;
}

void report_findings(Reporter& r, const PlannedHop& h, const std::vector<Finding>& found) {
    for (const Finding& f : found) {
        if (!r.json()) continue;
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& row : f.rows)
            rows.push_back({{"what", row[0]}, {"id", row[1]}, {"group_id", row[2]}, {"owner_id", row[3]},
                            {"detail", row[4]}});
        r.event({{"event", "check"}, {"from", h.hop.from.name}, {"to", h.hop.to.name}, {"plugin", f.plugin},
                 {"check", f.check}, {"summary", f.summary}, {"fixed_by", f.fixed_by}, {"rows", rows},
                 {"deferred", f.deferred}, {"will_fix", f.will_fix}});
    }
}

}  // namespace

std::string describe(const Finding& f, std::string_view head, size_t row_indent) {
    const std::string first = std::string(head) + f.check + " (" + f.plugin + "): ";
    if (f.deferred) return first + "runs when the database reaches its hop\n";
    if (f.rows.empty()) return first + "passed\n";
    const std::string indent(row_indent, ' ');
    std::string s = first + f.summary + ": " + std::to_string(f.rows.size()) + " row" +
                    (f.rows.size() == 1 ? "" : "s") +
        (f.will_fix ? " (fixed by --fix " + f.fixed_by + ")"
                    : f.fixed_by.empty() ? std::string() : " (fix: --fix " + f.fixed_by + ")") +
        "\n";
    for (const auto& row : f.rows)
        s += indent + row[0] + "(id=" + row[1] + ", group=" + row[2] + ", owner=" + row[3] + ")" +
             (row[4].empty() ? "" : " " + row[4]) + "\n";
    return s;
}

void read_declarations(const omero_upgrade_hop* hop, PluginHop& p) {
    if (!hop) return;
    auto str = [](const char* c) { return c ? std::string(c) : std::string(); };
    if (OMERO_HAS_FIELD(hop, omero_upgrade_hop, n_checks) && hop->checks)
        for (size_t i = 0; i < hop->n_checks; ++i) {
            const omero_hop_check* c = hop->checks[i];
            if (!c || !OMERO_HAS_FIELD(c, omero_hop_check, fixed_by) || !c->name || !c->sql) continue;
            p.checks.push_back({c->name, str(c->summary), c->sql, str(c->fixed_by)});
        }
    if (OMERO_HAS_FIELD(hop, omero_upgrade_hop, n_fixes) && hop->fixes)
        for (size_t i = 0; i < hop->n_fixes; ++i) {
            const omero_hop_fix* f = hop->fixes[i];
            if (!f || !OMERO_HAS_FIELD(f, omero_hop_fix, sql) || !f->name || (!f->script && !f->sql)) continue;
            DeclaredFix d{f->name, str(f->summary), {}, str(f->script), str(f->sql)};
            std::string params = str(f->params);
            for (size_t a = params.find_first_not_of(' '); a != std::string::npos;) {
                size_t b = params.find(' ', a);
                d.params.push_back(params.substr(a, b == std::string::npos ? b : b - a));
                a = b == std::string::npos ? b : params.find_first_not_of(' ', b);
            }
            p.fixes.push_back(std::move(d));
        }
    if (OMERO_HAS_FIELD(hop, omero_upgrade_hop, n_shims) && hop->shims)
        for (size_t i = 0; i < hop->n_shims; ++i) {
            const omero_hop_shim* x = hop->shims[i];
            if (!x || !OMERO_HAS_FIELD(x, omero_hop_shim, max_count) || !x->find || !*x->find || !x->replace) continue;
            p.shims.push_back({str(x->why), x->find, x->replace, x->min_count, x->max_count});
        }
    if (OMERO_HAS_FIELD(hop, omero_upgrade_hop, shipped_in) && hop->shipped_in) p.shipped_in = hop->shipped_in;
}

FixRequest parse_fix(const std::string& text) {
    auto bad = [&](const std::string& why) {
        return Error(OMERO_EXIT_USAGE, "--fix '" + text + "': " + why + " (expected NAME or NAME:KEY=ID,KEY=ID)");
    };
    FixRequest f{text, text.substr(0, text.find(':')), {}};
    if (f.name.empty() || f.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string::npos)
        throw bad("not a fix name");
    if (f.name.size() == text.size()) return f;
    std::string rest = text.substr(f.name.size() + 1);
    for (size_t a = 0; a <= rest.size();) {
        size_t b = rest.find(',', a);
        std::string kv = rest.substr(a, b == std::string::npos ? std::string::npos : b - a);
        size_t eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) throw bad("'" + kv + "' is not KEY=ID");
        std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
        size_t digits = v.size() > 1 && v[0] == '-' ? 1 : 0;
        if (v.size() == digits || v.find_first_not_of("0123456789", digits) != std::string::npos || v.size() > 19)
            throw bad("the value of " + k + " must be an integer id, not '" + v + "'");
        if (!f.values.emplace(k, v).second) throw bad(k + " is given twice");
        if (b == std::string::npos) break;
        a = b + 1;
    }
    return f;
}

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
        "ALTER TABLE omero_cli_history ADD COLUMN IF NOT EXISTS shims text;\n"
        "ALTER TABLE omero_cli_history ADD COLUMN IF NOT EXISTS fixes text;\n"
        // The caller holds the upgrade lock: a hop still 'running' belongs to a run that died.
        "UPDATE omero_cli_history SET outcome = 'interrupted', "
        "error = 'the run stopped (killed, or the machine went down) before this hop finished; it was rolled back' "
        "WHERE outcome = 'running'");
}

namespace {

size_t count_occurrences(const std::string& text, const std::string& find) {
    size_t n = 0;
    for (size_t at = text.find(find); at != std::string::npos; at = text.find(find, at + find.size())) ++n;
    return n;
}

void replace_all(std::string& text, const std::string& find, const std::string& replace) {
    std::string out;
    out.reserve(text.size());
    size_t from = 0;
    for (size_t at = text.find(find); at != std::string::npos; at = text.find(find, from)) {
        out.append(text, from, at - from).append(replace);
        from = at + find.size();
    }
    out.append(text, from, std::string::npos);
    text = std::move(out);
}

// The plugins' shims, applied in plugin order to the script's text in memory.
void apply_shims(PlannedHop& p, std::string& text) {
    for (const PluginHop& ph : p.plugins)
        for (const DeclaredShim& x : ph.shims) {
            size_t n = count_occurrences(text, x.find);
            if (n < x.min_count || n > x.max_count)
                throw Error(OMERO_EXIT_FAILURE,
                            p.hop.script.string() + ": plugin '" + ph.plugin + "' expects its shim \"" + x.why +
                                "\" to apply " + std::to_string(x.min_count) +
                                (x.min_count == x.max_count ? "" : "-" + std::to_string(x.max_count)) +
                                " time(s), but its text occurs " + std::to_string(n) +
                                " time(s): this is not the script the plugin knows. Check that the distribution "
                                "and the plugin (" + ph.plugin + " " + ph.version + ") belong to the same release");
            if (n) replace_all(text, x.find, x.replace);
            // Shims that share their reason are one line of the plan ("applied 24x").
            auto same = std::find_if(p.shims.begin(), p.shims.end(), [&](const AppliedShim& a) {
                return a.plugin == ph.plugin && a.why == x.why;
            });
            if (same != p.shims.end()) same->count += n;
            else p.shims.push_back({ph.plugin, x.why, n});
        }
}

// Finds the hop and plugin declaring each requested fix and splits its SQL.
void plan_fixes(std::vector<PlannedHop>& plan, const std::vector<FixRequest>& fixes) {
    for (const FixRequest& req : fixes) {
        bool found = false;
        for (PlannedHop& h : plan)
            for (const PluginHop& ph : h.plugins)
                for (const DeclaredFix& f : ph.fixes) {
                    if (f.name != req.name) continue;
                    if (found)
                        throw Error(OMERO_EXIT_USAGE, "--fix " + req.name + " is declared by more than one hop on the "
                                                      "path; name it once per hop plugin");
                    found = true;
                    std::map<std::string, std::string> vars;
                    for (const std::string& k : f.params) {
                        auto v = req.values.find(k);
                        if (v == req.values.end())
                            throw Error(OMERO_EXIT_USAGE, "--fix " + req.name + " needs " + k + "=ID (its parameters: " +
                                                              [&] {
                                                                  std::string all;
                                                                  for (const auto& x : f.params) all += (all.empty() ? "" : ", ") + x;
                                                                  return all;
                                                              }() + ")");
                        vars[k] = v->second;
                    }
                    for (const auto& [k, v] : req.values)
                        if (std::find(f.params.begin(), f.params.end(), k) == f.params.end())
                            throw Error(OMERO_EXIT_USAGE, "--fix " + req.name + " has no parameter " + k);
                    fs::path file = f.script.empty() ? fs::path() : h.hop.to_dir / f.script;
                    if (!f.script.empty() && !fs::exists(file))
                        throw Error(OMERO_EXIT_DB_NO_PATH, "--fix " + req.name + " runs " + file.string() +
                                                               ", which this distribution lacks");
                    std::string text = f.script.empty() ? f.sql : read_file(file);
                    std::string source = f.script.empty() ? "plugin " + ph.plugin + " fix " + f.name : file.string();
                    h.fixes.push_back({ph.plugin, f.name, req.text, source, split_text(source, text, vars)});
                }
        if (!found) {
            std::string avail;
            for (const PlannedHop& h : plan)
                for (const PluginHop& ph : h.plugins)
                    for (const DeclaredFix& f : ph.fixes) avail += (avail.empty() ? "" : ", ") + f.name;
            throw Error(OMERO_EXIT_USAGE, "--fix " + req.name + ": no hop on this upgrade path declares that fix" +
                                              (avail.empty() ? std::string(" (none declares any)")
                                                             : " (available: " + avail + ")"));
        }
    }
}

}  // namespace

std::vector<PlannedHop> plan_hops(const std::vector<Hop>& path,
                                  const std::function<std::vector<PluginHop>(const Hop&)>& plugins_for,
                                  const std::vector<FixRequest>& fixes) {
    std::vector<PlannedHop> plan;
    for (const Hop& h : path) {
        PlannedHop p{h, {}, {}, "", plugins_for ? plugins_for(h) : std::vector<PluginHop>{}, {}, {}};
        std::sort(p.plugins.begin(), p.plugins.end(),
                  [](const PluginHop& a, const PluginHop& b) { return a.plugin < b.plugin; });
        if (!h.script.empty()) {
            // Read once: the digest is of the distribution's bytes; the shims
            // then change the text in memory, and that text is what runs.
            std::string text = read_file(h.script);
            p.sha256 = sha256_hex(text);
            apply_shims(p, text);
            p.statements = split_text(h.script, text);
            for (const Statement& s : p.statements)
                if (s.non_transactional)
                    throw Error(OMERO_EXIT_FAILURE, h.script.string() + ":" + std::to_string(s.line) +
                                                        ": cannot run inside a transaction: " + s.first_line());
        } else {
            for (const PluginHop& ph : p.plugins)
                if (!ph.shipped_in.empty())
                    throw Error(OMERO_EXIT_DB_NO_PATH,
                                "the hop " + h.from.name + " -> " + h.to.name + " needs the release's script " +
                                    (h.to_dir / (h.from.name + ".sql")).string() +
                                    ", which this distribution lacks; it ships with " + ph.shipped_in +
                                    " (plugin '" + ph.plugin + "' only adapts it). Upgrade through that release, "
                                    "or copy the script from it");
            p.sha256 = "(no script)";
        }
        if (!h.precheck.empty()) p.precheck = split_text(h.precheck, read_file(h.precheck));
        plan.push_back(std::move(p));
    }
    plan_fixes(plan, fixes);
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

std::vector<CheckReport> check_plan(Reporter& outer, Pg& db, const std::vector<PlannedHop>& plan,
                                    const std::vector<FixRequest>& fixes) {
    WithoutProgress r(outer);
    std::vector<CheckReport> out;
    for (size_t i = 0; i < plan.size(); ++i) {
        const PlannedHop& h = plan[i];
        CheckReport c{h.hop.from.name, h.hop.to.name, true, {}, {}};
        if (!h.precheck.empty() || !h.plugins.empty()) {
            try {
                // The distribution's pre-checks create helper functions (rolled
                // back with their savepoint); the plugins' checks then run read-only.
                db.exec("BEGIN");
                run_precheck(r, db, h);
                db.exec("SET TRANSACTION READ ONLY");
                // Only the first hop sees its own schema: a later hop's check
                // that cannot run on today's is deferred to that hop.
                c.findings = run_declared_checks(r, db, h, /*tolerant=*/i > 0, fixes);
                if (std::any_of(c.findings.begin(), c.findings.end(), refuses)) {
                    c.ok = false;
                    c.message = refusal(h, c.findings);
                }
                run_plugins(r, db, h, OMERO_HOP_CHECK, /*dry_run=*/true);
            } catch (const Error& e) {
                c.ok = false;
                c.error = e.what();
                c.message += e.what();
            }
            rollback(db);
            r.progress_done();
        }
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<CheckReport> preflight(Reporter& outer, Pg& db, const std::vector<PlannedHop>& plan,
                                   const std::vector<FixRequest>& fixes) {
    WithoutProgress r(outer);
    std::vector<CheckReport> out;
    for (const PlannedHop& h : plan) {
        CheckReport c{h.hop.from.name, h.hop.to.name, true, {}, {}};
        bool any = std::any_of(h.plugins.begin(), h.plugins.end(), [](const PluginHop& p) { return !p.checks.empty(); });
        if (any) {
            try {
                db.exec("BEGIN READ ONLY");
                c.findings = run_declared_checks(r, db, h, /*tolerant=*/true, fixes);
            } catch (...) {
                rollback(db);
                throw;
            }
            rollback(db);
            report_findings(r, h, c.findings);
            h.checks_passed = &h == &plan.front() && h.fixes.empty() &&
                              std::none_of(c.findings.begin(), c.findings.end(),
                                           [](const Finding& f) { return f.deferred || !f.rows.empty(); });
            if (std::any_of(c.findings.begin(), c.findings.end(), refuses)) {
                c.ok = false;
                c.message = refusal(h, c.findings);
            }
        }
        out.push_back(std::move(c));
    }
    return out;
}

int apply_plan(Reporter& r, Pg& db, const std::vector<PlannedHop>& plan, const std::string& tool) {
    size_t total = 0, done = 0;
    for (const PlannedHop& h : plan) {
        total += count_work(h.statements);
        for (const PlannedFix& f : h.fixes) total += count_work(f.statements);
    }
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
            for (const PlannedFix& f : h.fixes) {
                r.info("fix " + f.text + " (" + f.plugin + "): " + f.source);
                run_statements(r, db, f.statements, f.source, done, total);
            }
            if (!h.checks_passed &&
                std::any_of(h.plugins.begin(), h.plugins.end(), [](const PluginHop& p) { return !p.checks.empty(); })) {
                // The fixes asked for have run: whatever a check still finds refuses the hop.
                std::vector<Finding> found = run_declared_checks(r, db, h, /*tolerant=*/false, {});
                if (std::any_of(found.begin(), found.end(), refuses)) {
                    report_findings(r, h, found);
                    throw Error(OMERO_EXIT_DB_PRECHECK_FAILED, refusal(h, found));
                }
            }
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
                     {"sha256", h.sha256}, {"plugins", plugin_list(h)}, {"shims", shim_list(h)},
                     {"fixes", fix_list(h)}});
        else
            r.info("upgraded " + h.hop.from.name + " -> " + h.hop.to.name);
    }
    return OMERO_EXIT_OK;
}

}  // namespace omero::db
