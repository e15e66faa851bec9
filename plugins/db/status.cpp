// `omero db status`: the database version, the target, the pending hops
// with the plugins that serve them and their checks run read-only.
#include "db.hpp"

#include <algorithm>

namespace omero::db {

namespace {

using nlohmann::json;

// The plan, or nullopt with `why` when a hop plugin it needs cannot be used.
std::optional<std::vector<PlannedHop>> try_plan(Context& c, const HopSources& s, const std::vector<Hop>& path,
                                                std::string& why, int& code) {
    try {
        require_plugins(s, path);
        return plan_hops(path, [&](const Hop& h) { return plugin_steps(c, s, h); });
    } catch (const Error& e) {
        // A plugin that cannot be used, or a release script the distribution
        // lacks: reported as the state. Anything else (a script that cannot
        // be read) is its own error.
        if (e.code() != OMERO_EXIT_PLUGIN_UNAVAILABLE && e.code() != OMERO_EXIT_DB_NO_PATH) throw;
        why = e.what();
        code = e.code();
        return std::nullopt;
    }
}

int run(Context& c) {
    ConnParams p = conn_params(c);
    Pg db = Pg::connect(p, true);
    auto cur = current_version(db);
    // The fields and their meaning are a contract (sdk/README.md, "JSON between
    // plugins"): `upgrade` and `admin` read them; a change bumps "schema".
    json j = {{"schema", 1}, {"database", p.dbname}, {"host", p.host}, {"port", p.port}, {"user", p.user}};
    // Where the cluster keeps its files (for `admin diagnostics`' free
    // space); only roles that may read the setting see it.
    try {
        if (c.json())
            if (auto dir = db.scalar("SELECT CASE WHEN pg_has_role('pg_read_all_settings', 'MEMBER') "
                                     "THEN current_setting('data_directory') END"))
                j["data_directory"] = *dir;
    } catch (const Error&) {
    }
    // Its size on disk (what a backup may need) and the other clients
    // connected to it (a server still running): for upgrade plan.
    if (c.json()) {
        if (auto n = db.scalar("SELECT pg_database_size(current_database())")) j["bytes"] = std::stoull(*n);
        // (Another role's row hides backend_type from us; autovacuum workers have no role.)
        if (auto n = db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND pid <> pg_backend_pid() AND usesysid IS NOT NULL"))
            j["sessions"] = std::stoull(*n);
    }
    if (!cur) {
        if (size_t tables = user_table_count(db); tables > 0) {
            // Not empty, not OMERO: another application's database, or a restore
            // still running (or killed) before its dbpatch table arrived.
            j["state"] = "not-omero";
            j["tables"] = tables;
            std::string msg = "database " + p.dbname + " (" + p.describe() + ") holds " + std::to_string(tables) +
                              " tables but no dbpatch table: it is not an OMERO database, or a restore into it is "
                              "still running or was interrupted";
            if (c.json())
                c.emit_json(j.dump());
            else
                c.out(msg + "\n");
            return OMERO_EXIT_DB_NOT_EMPTY;
        }
        j["state"] = "not-initialised";
        if (c.json())
            c.emit_json(j.dump());
        else
            c.out("database " + p.dbname + " (" + p.describe() + ") is not initialised: run 'omero db init'\n");
        return OMERO_EXIT_DB_NOT_INITIALISED;
    }
    HopSources sources = hop_sources(c);
    auto tgt = target_version(c, sources.hops);
    auto path = find_path(sources.hops, *cur, tgt);
    j["current"] = cur->name;
    j["target"] = tgt ? tgt->name : (path && !path->empty() ? path->back().to.name : cur->name);

    int rc = OMERO_EXIT_OK;
    std::string state = "up-to-date", problem;
    std::optional<std::vector<PlannedHop>> plan;
    std::vector<CheckReport> checks;
    if (!path || (path->empty() && tgt && *cur < *tgt)) {
        state = "no-path";
        rc = OMERO_EXIT_DB_NO_PATH;
        problem = missing_path_message(c, *cur, tgt);
    } else if (!path->empty()) {
        state = "upgrade-needed";
        rc = OMERO_EXIT_DB_UPGRADE_NEEDED;
        int code = 0;
        plan = try_plan(c, sources, *path, problem, code);
        if (!plan) {
            state = code == OMERO_EXIT_DB_NO_PATH ? "no-path" : "plugin-missing";
            rc = code;
        } else {
            HostReporter r(c);
            checks = check_plan(r, db, *plan);
            // A check that refuses blocks the upgrade: say so, not "run it".
            if (std::any_of(checks.begin(), checks.end(), [](const CheckReport& k) { return !k.ok; })) {
                state = "blocked";
                rc = OMERO_EXIT_DB_PRECHECK_FAILED;
            }
        }
    }
    j["state"] = state;
    if (!problem.empty()) j["problem"] = problem;
    json pending = json::array();
    if (path)
        for (size_t i = 0; i < path->size(); ++i) {
            const Hop& h = (*path)[i];
            json hj = {{"from", h.from.name},
                       {"to", h.to.name},
                       {"script", h.script.string()},
                       {"precheck", h.precheck.string()}};
            if (plan) {
                hj["plugins"] = plugins_json((*plan)[i]);
                hj["shims"] = shims_json((*plan)[i]);
                hj["fixes"] = fixes_json((*plan)[i]);
            }
            if (i < checks.size()) hj["check"] = check_json(checks[i]);
            pending.push_back(hj);
        }
    j["pending"] = pending;
    if (c.json()) {
        c.emit_json(j.dump());
        return rc;
    }
    std::string out = "database: " + p.dbname + " (" + p.describe() + ")\ncurrent:  " + cur->name +
                      "\ntarget:   " + j["target"].get<std::string>() + (tgt ? "" : " (newest reachable)") + "\n";
    if (state == "up-to-date") out += "up to date\n";
    if (!problem.empty()) out += problem + "\n";
    if (path && !path->empty()) {
        out += "pending:  " + std::to_string(path->size()) + " hop(s)\n";
        for (size_t i = 0; i < path->size(); ++i) {
            const Hop& h = (*path)[i];
            out += "  " + h.from.name + " -> " + h.to.name + "  " +
                   (h.script.empty() ? std::string("(no script: plugins only)") : h.script.string()) + "\n";
            if (plan)
                for (const PluginHop& ph : (*plan)[i].plugins) {
                    out += "    plugin " + ph.plugin + " " + ph.version +
                           (ph.summary.empty() ? "" : ": " + ph.summary) + "\n";
                    if (!ph.notes.empty()) out += "    note: " + ph.notes + "\n";
                }
            if (plan && i < checks.size()) out += hop_details((*plan)[i], checks[i]);
            if (i < checks.size() && !checks[i].error.empty()) out += "    check: " + checks[i].error + "\n";
        }
        if (state == "upgrade-needed") out += "run 'omero db upgrade' (it backs the database up first)\n";
        if (state == "blocked")
            out +=
                "a check refuses the rows named above: correct them, or run 'omero db upgrade' with the --fix "
                "named\n";
    }
    c.out(out);
    return rc;
}

}  // namespace

Command status_command() {
    return {
        .path = "db status",
        .summary = "Show the database version, the target and the pending hops with their checks",
        .help =
            "Each pending hop's pre-checks (its precheck.sql and the hop plugins' checks) run read-only.\n"
            "Exit 0: up to date; 2: upgrade needed; 24: a hop's check refuses rows (it names them);\n"
            "3: not initialised (empty); 26: tables but no dbpatch (not OMERO's, or a restore\n"
            "still running); 25: no upgrade path;\n"
            "126: a hop plugin the path needs is not usable (its package named).",
        .options = with_conn(
            {omero::sdk::json_option(),
             {.name = "to", .value_name = "VERSION", .help = "target (default: omero.db.version, else the newest)"}}),
        .flags = OMERO_CMD_NEEDS_SERVER_DIR,
        .run = run};
}

}  // namespace omero::db
