// db_plugin.cpp - `omero db`: the OMERO database in PostgreSQL.
//
// status / init / upgrade / dump / restore / optimize / script / password.
// Connection settings come from omero.db.host, .port, .name, .user, .pass
// (overridable per command); the password never reaches argv, logs or JSON.
#include "backup.hpp"
#include "db_script.hpp"
#include "pg.hpp"
#include "upgrade.hpp"

#include <omero/plugin.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <atomic>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

namespace fs = std::filesystem;
using namespace omero::db;
using omero::sdk::Context;
using omero::sdk::Error;
using nlohmann::json;

namespace {

const std::vector<omero::sdk::Option> kConnOptions = {
    {.name = "host", .value_name = "HOST", .help = "database host (omero.db.host)", .default_value = "localhost"},
    {.name = "port", .value_name = "PORT", .help = "database port (omero.db.port)", .default_value = "5432"},
    {.name = "name", .value_name = "DB", .help = "database name (omero.db.name)", .default_value = "omero"},
    {.name = "user", .value_name = "USER", .help = "database user (omero.db.user)", .default_value = "omero"},
};

std::vector<omero::sdk::Option> with_conn(std::vector<omero::sdk::Option> opts) {
    opts.insert(opts.end(), kConnOptions.begin(), kConnOptions.end());
    return opts;
}

// Errors from this plugin's layers become command errors with their code.
template <class F>
int guarded(F&& f) {
    try {
        return f();
    } catch (const DbError& e) {
        throw Error(e.code, e.what());
    }
}

ConnParams conn_params(Context& c) {
    ConnParams p;
    auto pick = [&](const char* opt, const char* key, std::string& out) {
        if (auto v = c.value(opt)) out = std::string(*v);
        else if (auto cfg = c.config(key); cfg && !cfg->empty()) out = *cfg;
    };
    pick("host", "omero.db.host", p.host);
    pick("port", "omero.db.port", p.port);
    pick("name", "omero.db.name", p.dbname);
    pick("user", "omero.db.user", p.user);
    if (auto pass = c.config("omero.db.pass"); pass && !pass->empty()) p.password = *pass;
    return p;
}

fs::path sql_root(Context& c) { return c.server_dir() / "sql/psql"; }

// Hops from the server's SQL files, plus hops that only plugins provide.
std::vector<Hop> all_hops(Context& c, const std::vector<Context::HopRef>& plugin_hops) {
    std::vector<Hop> hops = scan_hops(sql_root(c));
    for (const auto& ph : plugin_hops) {
        auto from = parse_version(ph.from), to = parse_version(ph.to);
        if (!from || !to) continue;
        bool have = false;
        for (const Hop& h : hops) have |= h.from == *from && h.to == *to;
        if (!have) hops.push_back({*from, *to, {}, {}});
    }
    return hops;
}

// --to, else omero.db.version + omero.db.patch, else the highest reachable.
std::optional<Version> target_version(Context& c, const std::vector<Hop>& hops) {
    std::string v;
    std::string patch = c.config_or("omero.db.patch", "0");
    if (auto to = c.value("to")) v = std::string(*to);
    else if (auto cfg = c.config("omero.db.version"); cfg && !cfg->empty()) v = *cfg;
    if (v.empty()) return std::nullopt;
    if (v.find("__") == std::string::npos) {
        // "OMERO5.4": the configured patch, else the newest patch the scripts reach.
        if (!c.value("to")) return parse_version(v + "__" + patch);
        std::optional<Version> best;
        for (const Hop& h : hops)
            if (h.to.version() == v && (!best || *best < h.to)) best = h.to;
        if (best) return best;
        v += "__" + patch;
    }
    auto parsed = parse_version(v);
    if (!parsed) throw Error(OMERO_EXIT_USAGE, "'" + v + "' is not an OMERO database version (e.g. OMERO5.4__0)");
    return parsed;
}

std::string missing_path_message(Context& c, const Version& from, const std::optional<Version>& to) {
    std::string msg = "no upgrade path from " + from.name + (to ? " to " + to->name : "");
    if (to)
        msg += ": expected " + (sql_root(c) / to->name / (from.name + ".sql")).string() +
               " (or a chain of scripts leading there)";
    return msg;
}

// For backup names: 20261125-182752.
std::string timestamp() { return omero::local_time_text("%Y%m%d-%H%M%S"); }

int jobs_option(Context& c) {
    int jobs = 1;
    if (auto j = c.value("jobs")) {
        try {
            jobs = std::stoi(std::string(*j));
        } catch (const std::exception&) {
            jobs = 0;
        }
        if (jobs < 1 || jobs > 64) throw Error(OMERO_EXIT_USAGE, "-j takes a number of jobs from 1 to 64");
    }
    return jobs;
}

// ---- status ------------------------------------------------------------------

int cmd_status(Context& c) {
    return guarded([&] {
        ConnParams p = conn_params(c);
        Pg db = Pg::connect(p, true);
        auto cur = current_version(db);
        json j = {{"database", p.dbname}, {"host", p.host}, {"port", p.port}, {"user", p.user}};
        if (!cur) {
            j["state"] = "not-initialised";
            if (c.json()) c.emit_json(j.dump());
            else c.out("database " + p.dbname + " (" + p.describe() + ") is not initialised: run 'omero db init'\n");
            return static_cast<int>(OMERO_EXIT_DB_NOT_INITIALISED);
        }
        auto hops = all_hops(c, c.hops());
        auto tgt = target_version(c, hops);
        auto path = find_path(hops, *cur, tgt);
        j["current"] = cur->name;
        j["target"] = tgt ? tgt->name : (path && !path->empty() ? path->back().to.name : cur->name);
        json pending = json::array();
        if (path)
            for (const Hop& h : *path)
                pending.push_back({{"from", h.from.name}, {"to", h.to.name}, {"script", h.script.string()},
                                   {"precheck", h.precheck.string()}});
        j["pending"] = pending;
        int rc = OMERO_EXIT_OK;
        std::string state = "up-to-date";
        if (!path) {
            state = "no-path";
            rc = OMERO_EXIT_DB_NO_PATH;
        } else if (!path->empty()) {
            state = "upgrade-needed";
            rc = OMERO_EXIT_DB_UPGRADE_NEEDED;
        } else if (tgt && *cur < *tgt) {
            state = "no-path";
            rc = OMERO_EXIT_DB_NO_PATH;
        }
        j["state"] = state;
        if (c.json()) {
            c.emit_json(j.dump());
            return rc;
        }
        std::string out = "database: " + p.dbname + " (" + p.describe() + ")\ncurrent:  " + cur->name +
                          "\ntarget:   " + j["target"].get<std::string>() + (tgt ? "" : " (newest reachable)") + "\n";
        if (state == "up-to-date") out += "up to date\n";
        if (state == "no-path") out += missing_path_message(c, *cur, tgt) + "\n";
        if (state == "upgrade-needed") {
            out += "pending:  " + std::to_string(path->size()) + " hop(s)\n";
            for (const Hop& h : *path)
                out += "  " + h.from.name + " -> " + h.to.name + "  " +
                       (h.script.empty() ? std::string("(plugin)") : h.script.string()) + "\n";
            out += "run 'omero db upgrade' (it backs the database up first)\n";
        }
        c.out(out);
        return rc;
    });
}

// ---- upgrade -------------------------------------------------------------------

int cmd_upgrade(Context& c) {
    return guarded([&] {
        ConnParams p = conn_params(c);
        Pg db = Pg::connect(p, true);
        auto cur = current_version(db);
        if (!cur)
            throw Error(OMERO_EXIT_DB_NOT_INITIALISED,
                        "database " + p.dbname + " is not initialised; create it with 'omero db init'");
        auto plugin_hops = c.hops();
        auto hops = all_hops(c, plugin_hops);
        auto tgt = target_version(c, hops);
        auto path = find_path(hops, *cur, tgt);
        if (!path) throw Error(OMERO_EXIT_DB_NO_PATH, missing_path_message(c, *cur, tgt));
        if (path->empty()) {
            if (c.json()) c.emit_json(json{{"event", "result"}, {"state", "up-to-date"}, {"current", cur->name}}.dump());
            else c.out("database " + p.dbname + " is already at " + cur->name + "\n");
            return 0;
        }
        auto plan = plan_hops(*path, plugin_hops);

        if (c.flag("dry-run")) {
            json j = json::array();
            std::string out = "plan for " + p.dbname + " (" + p.describe() + "): " + cur->name + " -> " +
                              path->back().to.name + "\n";
            for (const PlannedHop& h : plan) {
                size_t n = 0;
                for (const Statement& s : h.statements) n += s.transaction_control ? 0 : 1;
                j.push_back({{"from", h.hop.from.name}, {"to", h.hop.to.name}, {"script", h.hop.script.string()},
                             {"sha256", h.sha256}, {"statements", n}, {"precheck", h.hop.precheck.string()}});
                out += "  " + h.hop.from.name + " -> " + h.hop.to.name + "\n    script:   " +
                       (h.hop.script.empty() ? std::string("(plugin)") : h.hop.script.string()) +
                       "\n    sha256:   " + h.sha256 + "\n    statements: " + std::to_string(n) + "\n";
                if (!h.hop.precheck.empty()) out += "    precheck: " + h.hop.precheck.string() + "\n";
                for (const auto& ph : h.plugin_hops) out += "    plugin:   " + ph.plugin + " (" + ph.summary + ")\n";
            }
            if (c.json()) c.emit_json(json{{"event", "plan"}, {"current", cur->name}, {"hops", j}}.dump());
            else c.out(out + "nothing was changed (--dry-run)\n");
            return static_cast<int>(OMERO_EXIT_DB_UPGRADE_NEEDED);
        }

        int timeout = 60;
        if (auto t = c.value("lock-timeout")) timeout = std::max(0, std::atoi(std::string(*t).c_str()));
        take_upgrade_lock(db, std::chrono::seconds(timeout));
        // Someone may have upgraded while we waited: plan again from what is there now.
        auto now = current_version(db);
        if (!(*now == *cur)) {
            cur = now;
            path = find_path(hops, *cur, tgt);
            if (!path) throw Error(OMERO_EXIT_DB_NO_PATH, missing_path_message(c, *cur, tgt));
            if (path->empty()) {
                c.out("database " + p.dbname + " is already at " + cur->name + "\n");
                return 0;
            }
            plan = plan_hops(*path, plugin_hops);
        }

        if (!c.flag("no-backup")) {
            fs::path dir = c.value("backup-dir") ? fs::path(std::string(*c.value("backup-dir")))
                                                  : c.server_dir() / "var/backups";
            // A directory dump, one job per core: pg_dump -Fc is single-threaded.
            DumpOptions o;
            o.format = "directory";
            o.jobs = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 4);
            o.path = dir / (p.dbname + "-" + cur->name + "-" + timestamp() + ".dumpdir");
            if (!c.json()) c.err("backing up " + p.dbname + " to " + o.path.string() + " ...\n");
            DumpResult r = dump_database(p, o);
            if (c.json())
                c.emit_json(json{{"event", "backup"}, {"path", r.path.string()}, {"bytes", r.bytes},
                                 {"toc_entries", r.toc_entries}, {"seconds", r.seconds}}.dump());
            else
                c.err("backup verified: " + r.path.string() + " (" + std::to_string(r.bytes) + " bytes, " +
                      std::to_string(r.toc_entries) + " entries)\n");
        }
        ensure_history_table(db);
        int rc = apply_plan(c, db, plan);
        analyze_user_tables(db);
        auto final_version = current_version(db);
        if (c.json())
            c.emit_json(json{{"event", "result"}, {"state", "upgraded"}, {"current", final_version->name}}.dump());
        else
            c.out("database " + p.dbname + " is now at " + final_version->name + "\n");
        return rc;
    });
}

// ---- init ------------------------------------------------------------------------

std::string root_password(Context& c) {
    if (auto pw = c.value("password")) return std::string(*pw);
    if (const char* env = std::getenv("OMERO_ROOT_PASSWORD")) return env;
    if (!isatty(0))
        throw Error(OMERO_EXIT_USAGE, "no root password: give --password PW, set OMERO_ROOT_PASSWORD, or run on a terminal");
    std::string a, b;
    c.err("Please enter password for OMERO root user: ");
    std::getline(std::cin, a);
    c.err("Please re-enter password for OMERO root user: ");
    std::getline(std::cin, b);
    if (a != b) throw Error(OMERO_EXIT_FAILURE, "the passwords do not match");
    return a;
}

// Version and patch for script/init: flags, else config, else the newest the server can create.
std::pair<std::string, std::string> script_version(Context& c) {
    std::string v, patch;
    if (auto f = c.value("version")) v = std::string(*f);
    if (auto f = c.value("patch")) patch = std::string(*f);
    if (v.empty()) v = c.config_or("omero.db.version", "");
    if (patch.empty()) patch = c.config_or("omero.db.patch", "");
    if (v.empty()) {
        auto versions = init_versions(sql_root(c));
        if (versions.empty()) throw Error(OMERO_EXIT_USAGE, "no database version to create under " + sql_root(c).string());
        v = versions.back().version();
        if (patch.empty()) patch = std::to_string(versions.back().patch);
        c.err("Using " + v + " for version\n");
    }
    if (patch.empty()) {
        patch = "0";
        c.err("Using " + patch + " for patch\n");
    }
    return {v, patch};
}

int cmd_init(Context& c) {
    return guarded([&] {
        ConnParams p = conn_params(c);
        auto [v, patch] = script_version(c);
        std::string hash = password_hash(root_password(c), 0, !c.flag("no-salt"));
        std::string text = generate_script({sql_root(c) / (v + "__" + patch), v, patch, hash, ctime_text(), "omero db init"});
        std::vector<Statement> statements;
        try {
            statements = split_sql(text);
        } catch (const ScriptError& e) {
            throw Error(OMERO_EXIT_FAILURE, "generated script line " + std::to_string(e.line) + ": " + e.what());
        }
        std::optional<Pg> db;
        try {
            db.emplace(Pg::connect(p, true));
        } catch (const DbError& e) {
            if (std::string(e.what()).find("does not exist") == std::string::npos) throw;
            // Create the database, owned by the OMERO user, as the upgrade guide does.
            ConnParams maint = p;
            maint.dbname = "postgres";
            Pg m = Pg::connect(maint, true);
            m.exec("CREATE DATABASE " + quote_ident(p.dbname) + " OWNER " + quote_ident(p.user) +
                   " ENCODING 'UTF8' TEMPLATE template0");
            c.err("created database " + p.dbname + "\n");
            db.emplace(Pg::connect(p, true));
        }
        if (auto cur = current_version(*db))
            throw Error(OMERO_EXIT_DB_NOT_EMPTY, "database " + p.dbname + " is already initialised (at " + cur->name +
                                                     "); use 'omero db upgrade', or init another --name");
        run_in_transaction(c, *db, statements, (sql_root(c) / (v + "__" + patch)).string());
        analyze_user_tables(*db);
        c.out("database " + p.dbname + " initialised at " + v + "__" + patch + "\n");
        return 0;
    });
}

// ---- script / password -----------------------------------------------------------------

int cmd_script(Context& c) {
    return guarded([&] {
        // The deprecated positional form: db script VERSION PATCH PASSWORD.
        if (c.arg_count() > 0) c.err("WARNING: Positional arguments are deprecated\n");
        auto positional = [&](size_t i, const char* flag) -> std::optional<std::string> {
            if (c.arg_count() <= i) return std::nullopt;
            if (c.value(flag)) throw Error(OMERO_EXIT_FAILURE, std::string("ERROR: Flag and positional argument given for ") + flag);
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
        if (ppw) pw = *ppw;
        else if (c.value("password")) {
            pw = std::string(*c.value("password"));
            c.err("Using password from commandline\n");
        } else pw = root_password(c);
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
        if (!f) throw Error(OMERO_EXIT_FAILURE, "cannot write " + out.string());
        return 0;
    });
}

int cmd_password(Context& c) {
    long long id = 0;
    if (auto u = c.value("user-id")) {
        try {
            id = std::stoll(std::string(*u));
        } catch (const std::exception&) {
            throw Error(OMERO_EXIT_USAGE, "--user-id takes a number");
        }
    }
    std::string hash;
    if (!c.flag("empty")) {
        std::string pw;
        if (c.arg_count()) pw = std::string(c.arg(0));
        else pw = root_password(c);
        hash = password_hash(pw, id, !c.flag("no-salt"));
    }
    c.out("UPDATE password SET hash = '" + hash + "' WHERE experimenter_id = " + std::to_string(id) + ";\n");
    return 0;
}

// ---- dump / restore / optimize -----------------------------------------------------------

int cmd_dump(Context& c) {
    return guarded([&] {
        ConnParams p = conn_params(c);
        DumpOptions o;
        if (auto f = c.value("format")) o.format = std::string(*f);
        o.jobs = jobs_option(c);
        if (o.jobs > 1 && o.format != "directory") throw Error(OMERO_EXIT_USAGE, "-j needs --format directory");
        if (auto z = c.value("compress")) o.compress = std::atoi(std::string(*z).c_str());
        if (auto f = c.value("file")) o.path = std::string(*f);
        else o.path = c.server_dir() / "var/backups" / (p.dbname + "-" + timestamp() + (o.format == "directory" ? ".dumpdir" : ".pgdump"));
        // Fail early, and clearly, if the database cannot be reached.
        { Pg::connect(p, true); }
        DumpResult r = dump_database(p, o);
        if (c.json())
            c.emit_json(json{{"path", r.path.string()}, {"bytes", r.bytes}, {"toc_entries", r.toc_entries},
                             {"seconds", r.seconds}, {"verified", true}}.dump());
        else
            c.out(r.path.string() + "\n");
        return 0;
    });
}

int cmd_restore(Context& c) {
    return guarded([&] {
        ConnParams p = conn_params(c);
        fs::path dump = std::string(c.arg(0));
        std::string target(*c.value("to"));
        std::error_code ec;
        if (!fs::exists(dump, ec)) throw Error(OMERO_EXIT_FILE_NOT_FOUND, "no such dump: " + dump.string());
        ChildResult toc = run_child({"pg_restore", "-l", "-f", "/dev/null", dump.string()}, {});
        if (toc.status != 0) throw Error(OMERO_EXIT_FAILURE, dump.string() + " is not a readable dump: " + toc.err);
        ConnParams maint = p;
        maint.dbname = "postgres";
        Pg m = Pg::connect(maint, true);
        if (m.scalar("SELECT 1 FROM pg_database WHERE datname = $1", {target})) {
            ConnParams tp = p;
            tp.dbname = target;
            Pg t = Pg::connect(tp, true);
            auto n = t.scalar("SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
                              "WHERE c.relkind = 'r' AND s.nspname NOT IN ('pg_catalog', 'information_schema')");
            if (n != "0" && !c.flag("force"))
                throw Error(OMERO_EXIT_DB_NOT_EMPTY, "database " + target + " exists and has " + n.value_or("?") +
                                                         " tables; restore into a new name, or --force to add to it");
        } else {
            m.exec("CREATE DATABASE " + quote_ident(target) + " OWNER " + quote_ident(p.user) +
                   " ENCODING 'UTF8' TEMPLATE template0");
        }
        ConnParams tp = p;
        tp.dbname = target;
        restore_database(tp, dump, target, jobs_option(c));
        Pg t = Pg::connect(tp, true);
        auto v = current_version(t);
        if (!v) throw Error(OMERO_EXIT_FAILURE, "restored " + target + ", but it has no dbpatch: is this an OMERO dump?");
        analyze_user_tables(t);
        if (c.flag("switch")) c.set_config("omero.db.name", target);
        if (c.json())
            c.emit_json(json{{"database", target}, {"version", v->name}, {"switched", c.flag("switch")}}.dump());
        else
            c.out("restored " + dump.string() + " into " + target + " (" + v->name + ")" +
                  (c.flag("switch") ? "; omero.db.name is now " + target : "") + "\n");
        return 0;
    });
}

int cmd_optimize(Context& c) {
    return guarded([&] {
        ConnParams p = conn_params(c);
        Pg db = Pg::connect(p, true);
        auto rows = db.query(
            "SELECT quote_ident(s.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
            "JOIN pg_namespace s ON s.oid = c.relnamespace WHERE c.relkind IN ('r', 'm') "
            "AND s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg_toast%' "
            "ORDER BY pg_total_relation_size(c.oid) DESC");
        std::vector<std::string> tables;
        for (auto& r : rows) tables.push_back(*r[0]);
        // VACUUM FULL rewrites each table and rebuilds all of its indexes, so
        // it covers the upgrade guide's separate REINDEX.
        const std::string verb = c.flag("full") ? "VACUUM (FULL, ANALYZE) " : "ANALYZE ";
        int jobs = std::min<int>(jobs_option(c), std::max<size_t>(1, tables.size()));
        std::atomic<size_t> next{0}, done{0};
        std::atomic<int> running{jobs};
        std::mutex err_mu;
        std::string error;
        auto work = [&] {
            try {
                Pg w = Pg::connect(p, false);
                for (size_t i; (i = next++) < tables.size() && !c.cancelled();) {
                    w.exec(verb + tables[i]);
                    ++done;
                }
            } catch (const DbError& e) {
                std::lock_guard<std::mutex> g(err_mu);
                if (error.empty()) error = e.what();
                next = tables.size();
            }
            --running;
        };
        std::vector<std::thread> workers;
        for (int i = 0; i < jobs; ++i) workers.emplace_back(work);
        // Progress from this thread only (the host's services are not thread-safe),
        // with what the server reports for our workers' statements.
        std::optional<Pg> monitor;
        try {
            monitor.emplace(Pg::connect(p, false));
        } catch (const DbError&) {
        }
        const std::string progress_sql =
            "SELECT x.relid::regclass::text || ': ' || x.phase || coalesce(' ' || "
            "round(100.0 * x.done / nullif(x.total, 0)) || '%', '') FROM ("
            "SELECT pid, relid, phase, heap_blks_scanned AS done, heap_blks_total AS total FROM pg_stat_progress_cluster "
            "UNION ALL SELECT pid, relid, phase, sample_blks_scanned, sample_blks_total FROM pg_stat_progress_analyze) x "
            "JOIN pg_stat_activity a ON a.pid = x.pid WHERE a.application_name = 'omero-cli' "
            "AND a.datname = current_database() ORDER BY x.total DESC NULLS LAST LIMIT 1";
        while (running > 0) {
            std::string what = verb + "(" + std::to_string(jobs) + " jobs)";
            if (monitor) try {
                    if (auto now = monitor->scalar(progress_sql)) what = verb + *now;
                } catch (const DbError&) {
                    monitor.reset();
                }
            c.progress(done, tables.size(), what);
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        for (auto& t : workers) t.join();
        c.progress(done, tables.size(), verb);
        c.progress_done();
        if (!error.empty()) throw Error(OMERO_EXIT_FAILURE, error);
        if (c.cancelled()) throw Error(OMERO_EXIT_CANCELLED, "cancelled after " + std::to_string(done) + " tables");
        if (c.json())
            c.emit_json(json{{"event", "result"}, {"database", p.dbname}, {"tables", done.load()},
                             {"full", c.flag("full")}}.dump());
        else
            c.out(std::string(c.flag("full") ? "vacuumed (full) and analysed " : "analysed ") + std::to_string(done) +
                  " tables of " + p.dbname + "\n");
        return 0;
    });
}

omero::sdk::Plugin make_plugin() {
    const unsigned need_dir = OMERO_CMD_NEEDS_SERVER_DIR, optional = OMERO_ARG_OPTIONAL;
    const omero::sdk::Option json_opt{.name = "json", .help = "print JSON"};
    omero::sdk::Plugin p{"db", OMERO_DB_PLUGIN_VERSION, "omero developers",
                         "The OMERO database: status, init, upgrade, dump, restore, optimize"};
    p.command({.path = "db",
               .summary = "Create, upgrade, back up, restore and optimize the OMERO database",
               .help = "Connection: omero.db.host, omero.db.port, omero.db.name, omero.db.user and omero.db.pass\n"
                       "(the password may also come from PGPASSWORD or ~/.pgpass, or a prompt on a terminal).\n"
                       "Scripts: $OMERODIR/sql/psql/<VERSION>__<PATCH>/."});
    p.command({.path = "db status",
               .summary = "Show the database version, the target and the pending scripts",
               .help = "Exit 0: up to date; 2: upgrade needed; 3: not initialised; 25: no upgrade path.",
               .options = with_conn({json_opt,
                                     {.name = "to", .value_name = "VERSION", .help = "target (default: omero.db.version, else the newest)"}}),
               .flags = need_dir,
               .run = cmd_status});
    p.command({.path = "db upgrade",
               .summary = "Back up the database, then apply the upgrade scripts, each hop all-or-nothing",
               .help = "Each hop's <SOURCE>-precheck.sql runs first. A failing statement rolls its hop back and\n"
                       "is named by file:line; earlier hops stay. Every attempt is recorded in omero_cli_history.",
               .options = with_conn({
                   {.name = "dry-run", .help = "print the plan, the scripts and their SHA-256; change nothing"},
                   {.name = "to", .value_name = "VERSION", .help = "stop at VERSION (e.g. OMERO5.3__0)"},
                   {.name = "no-backup", .help = "skip the verified backup taken before anything changes"},
                   {.name = "backup-dir", .value_name = "DIR", .help = "where the backup goes (default $OMERODIR/var/backups)"},
                   {.name = "lock-timeout", .value_name = "SECONDS", .help = "wait this long for another upgrade", .default_value = "60"},
                   json_opt,
               }),
               .flags = need_dir,
               .run = cmd_upgrade});
    p.command({.path = "db init",
               .summary = "Create the OMERO schema in a new database, in one transaction",
               .help = "Creates the database (owned by omero.db.user) when it does not exist. The root password\n"
                       "comes from --password, OMERO_ROOT_PASSWORD or a prompt.",
               .options = with_conn({
                   {.name = "version", .value_name = "V", .help = "e.g. OMERO5.4 (default: omero.db.version, else the newest)"},
                   {.name = "patch", .value_name = "P", .help = "e.g. 0"},
                   {.name = "password", .value_name = "PW", .help = "the OMERO root password"},
                   {.name = "no-salt", .help = "hash the root password without salt"},
               }),
               .flags = need_dir,
               .run = cmd_init});
    p.command({.path = "db script",
               .summary = "Write the SQL that creates a fresh OMERO database",
               .options = {
                   {.name = "file", .short_name = 'f', .value_name = "FILE", .help = "where to write ('-': stdout; default <V>__<P>.sql)"},
                   {.name = "version", .value_name = "V", .help = "database version (default omero.db.version)"},
                   {.name = "patch", .value_name = "P", .help = "database patch (default omero.db.patch)"},
                   {.name = "password", .value_name = "PW", .help = "the OMERO root password"},
                   {.name = "no-salt", .help = "hash the root password without salt"},
               },
               .args = {{"VERSION", "deprecated: use --version", optional},
                        {"PATCH", "deprecated: use --patch", optional},
                        {"PASSWORD", "deprecated: use --password", optional}},
               .flags = need_dir,
               .run = cmd_script});
    p.command({.path = "db password",
               .summary = "Print the SQL that sets a user's password",
               .options = {
                   {.name = "user-id", .value_name = "ID", .help = "the experimenter id", .default_value = "0"},
                   {.name = "no-salt", .help = "hash without salt"},
                   {.name = "empty", .help = "an empty password"},
               },
               .args = {{"PASSWORD", "the password (prompted when absent)", optional}},
               .run = cmd_password});
    p.command({.path = "db dump",
               .summary = "Back up the database with pg_dump, verified by reading it back",
               .options = with_conn({
                   {.name = "file", .short_name = 'f', .value_name = "PATH", .help = "where (default $OMERODIR/var/backups/<db>-<time>.pgdump)"},
                   {.name = "format", .value_name = "FORMAT", .help = "custom or directory", .default_value = "custom"},
                   {.name = "jobs", .short_name = 'j', .value_name = "N", .help = "parallel jobs (directory format)"},
                   {.name = "compress", .value_name = "0-9", .help = "gzip level", .default_value = "1"},
                   json_opt,
               }),
               .flags = need_dir,
               .run = cmd_dump});
    p.command({.path = "db restore",
               .summary = "Restore a dump into a new database (and point omero.db.name at it)",
               .options = with_conn({
                   {.name = "to", .value_name = "NEWDB", .help = "the database to create and fill (required)"},
                   {.name = "switch", .help = "then set omero.db.name to NEWDB"},
                   {.name = "jobs", .short_name = 'j', .value_name = "N", .help = "parallel restore jobs"},
                   {.name = "force", .help = "restore into an existing, non-empty database"},
                   json_opt,
               }),
               .args = {{"PATH", "a dump from 'omero db dump' or pg_dump -Fc / -Fd"}},
               .flags = need_dir,
               .run = [](Context& c) {
                   if (!c.value("to")) throw Error(OMERO_EXIT_USAGE, "--to NEWDB is required: restores never overwrite the live database");
                   return cmd_restore(c);
               }});
    p.command({.path = "db optimize",
               .summary = "ANALYZE every table in parallel; --full: VACUUM FULL ANALYZE (rebuilds indexes)",
               .options = with_conn({
                   {.name = "full", .help = "the upgrade guide's REINDEX + VACUUM FULL ANALYZE (locks each table)"},
                   {.name = "jobs", .short_name = 'j', .value_name = "N", .help = "parallel connections", .default_value = "1"},
                   json_opt,
               }),
               .flags = need_dir,
               .run = cmd_optimize});
    return p;
}

}  // namespace

OMERO_PLUGIN(make_plugin)
