// `omero db upgrade`: back up, then carry the database hop by hop to the
// target with the shared migration engine (lib/migrate), each hop one
// transaction: pre-checks, plugin checks and fixes, the release's script.
#include "db.hpp"

#include "pg/backup.hpp"
#include "util/clock.hpp"

#include <algorithm>
#include <thread>

namespace fs = std::filesystem;

namespace omero::db {

namespace {

using nlohmann::json;

int print_plan(Context& c, Pg& db, const ConnParams& p, const Version& cur, const std::vector<PlannedHop>& plan,
               const std::vector<FixRequest>& fixes) {
    HostReporter r(c);
    std::vector<CheckReport> checks = check_plan(r, db, plan, fixes);
    bool all_ok = std::all_of(checks.begin(), checks.end(), [](const CheckReport& x) { return x.ok; });
    json hops = json::array();
    std::string out =
        "plan for " + p.dbname + " (" + p.describe() + "): " + cur.name + " -> " + plan.back().hop.to.name + "\n";
    for (size_t i = 0; i < plan.size(); ++i) {
        const PlannedHop& h = plan[i];
        size_t n = 0;
        for (const Statement& s : h.statements) n += s.transaction_control || !s.echo.empty() ? 0 : 1;
        hops.push_back({{"from", h.hop.from.name},
                        {"to", h.hop.to.name},
                        {"script", h.hop.script.string()},
                        {"sha256", h.sha256},
                        {"statements", n},
                        {"precheck", h.hop.precheck.string()},
                        {"plugins", plugins_json(h)},
                        {"shims", shims_json(h)},
                        {"fixes", fixes_json(h)},
                        {"check", check_json(checks[i])}});
        out += "  " + h.hop.from.name + " -> " + h.hop.to.name + "\n    script:   " +
               (h.hop.script.empty() ? std::string("(none: plugins only)") : h.hop.script.string()) +
               "\n    sha256:   " + h.sha256 + "\n    statements: " + std::to_string(n) + "\n";
        if (!h.hop.precheck.empty()) out += "    precheck: " + h.hop.precheck.string() + "\n";
        for (const PluginHop& ph : h.plugins) {
            out += "    plugin:   " + ph.plugin + " " + ph.version + " (" + ph.summary + ")\n";
            if (!ph.notes.empty()) out += "    note:     " + ph.notes + "\n";
        }
        out += hop_details(h, checks[i]);
        if (!checks[i].error.empty())
            out += "    check:    " + checks[i].error + "\n";
        else if (checks[i].findings.empty())
            out += "    check:    passed\n";
    }
    // A contract (sdk/README.md, "JSON between plugins"): `upgrade plan` reads it.
    if (c.json())
        c.emit_json(
            json{{"event", "plan"}, {"schema", 1}, {"current", cur.name}, {"hops", hops}, {"ready", all_ok}}.dump());
    else
        c.out(out + "nothing was changed (--dry-run)\n");
    return all_ok ? OMERO_EXIT_DB_UPGRADE_NEEDED : OMERO_EXIT_DB_PRECHECK_FAILED;
}

void backup(Context& c, const ConnParams& p, const Version& cur) {
    fs::path dir =
        c.value("backup-dir") ? fs::path(std::string(*c.value("backup-dir"))) : c.server_dir() / "var/backups";
    // A directory dump, one job per core: pg_dump -Fc is single-threaded.
    DumpOptions o;
    o.format = "directory";
    o.jobs = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 4);
    o.path = dir / (p.dbname + "-" + cur.name + "-" + file_stamp() + ".dumpdir");
    if (!c.json()) c.err("backing up " + p.dbname + " to " + o.path.string() + " ...\n");
    o.parents = true;  // var/backups is ours to create
    o.progress = progress_in_mib(c);
    DumpResult r = dump_database(p, o, [&] { return c.cancelled(); });
    c.progress_done();
    if (c.json())
        c.emit_json(json{
            {"event", "backup"},
            {"path", r.path.string()},
            {"bytes", r.bytes},
            {"toc_entries", r.toc_entries},
            {"seconds",
             r.seconds}}.dump());
    else
        c.err("backup verified: " + r.path.string() + " (" + std::to_string(r.bytes) + " bytes, " +
              std::to_string(r.toc_entries) + " entries)\n");
}

int run(Context& c) {
    ConnParams p = conn_params(c);
    Pg db = Pg::connect(p, true);
    auto cur = current_version(db);
    if (!cur)
        throw Error(OMERO_EXIT_DB_NOT_INITIALISED,
                    "database " + p.dbname + " is not initialised; create it with 'omero db init'");
    const std::vector<FixRequest> fixes = fix_requests(c);
    HopSources sources = hop_sources(c);
    auto tgt = target_version(c, sources.hops);
    auto plan_from = [&](const Version& from) -> std::optional<std::vector<PlannedHop>> {
        auto path = find_path(sources.hops, from, tgt);
        if (!path) throw Error(OMERO_EXIT_DB_NO_PATH, missing_path_message(c, from, tgt));
        if (path->empty()) return std::nullopt;
        require_plugins(sources, *path);
        return plan_hops(
            *path, [&](const Hop& h) { return plugin_steps(c, sources, h); }, fixes);
    };
    auto up_to_date = [&](const Version& v) {
        if (c.json())
            c.emit_json(json{{"event", "result"}, {"schema", 1}, {"state", "up-to-date"}, {"current", v.name}}.dump());
        else
            c.out("database " + p.dbname + " is already at " + v.name + "\n");
        return 0;
    };
    auto plan = plan_from(*cur);
    if (!plan) return up_to_date(*cur);
    if (c.flag("dry-run")) return print_plan(c, db, p, *cur, *plan, fixes);

    take_upgrade_lock(db, std::chrono::milliseconds(*c.integer("lock-timeout")));
    // Someone may have upgraded while we waited: plan again from what is there now.
    if (auto now = current_version(db); !(*now == *cur)) {
        cur = now;
        plan = plan_from(*cur);
        if (!plan) return up_to_date(*cur);
    }
    c.cancelled();  // from here on, Ctrl-C, SIGTERM and SIGHUP stop cleanly (exit 130)
    // Every hop's declared checks against today's data, before the backup:
    // a problem three hops ahead stops the run before anything changes.
    HostReporter r(c);
    std::string refused;
    for (const CheckReport& cr : preflight(r, db, *plan, fixes))
        if (!cr.ok) refused += cr.message;
    if (!refused.empty())
        throw Error(OMERO_EXIT_DB_PRECHECK_FAILED,
                    refused + "nothing was changed; fix the data, or run again with the --fix named above");
    if (!c.flag("no-backup")) backup(c, p, *cur);
    ensure_history_table(db);
    int rc = apply_plan(r, db, *plan, kToolVersion);
    analyze_user_tables(db);
    auto final_version = current_version(db);
    if (c.json())
        c.emit_json(json{{"event", "result"}, {"state", "upgraded"}, {"current", final_version->name}}.dump());
    else
        c.out("database " + p.dbname + " is now at " + final_version->name + "\n");
    return rc;
}

}  // namespace

Command upgrade_command() {
    return {.path = "db upgrade",
            .summary = "Back up the database, then apply the upgrade hops, each all-or-nothing",
            .help =
                "Each hop is one transaction: its <SOURCE>-precheck.sql and the hop plugins' checks, the\n"
                "plugins' fixes, the release's script, the plugins' later steps. A failure rolls that hop\n"
                "back and is named by file:line; earlier hops stay. Every attempt is recorded in\n"
                "omero_cli_history. --dry-run runs the checks read-only and prints the plan\n"
                "(exit 2: ready; 24: a check refused).",
            .options = with_conn({
                {.name = "dry-run",
                 .help = "print the plan with SHA-256s, plugins, notes and check results; change nothing"},
                {.name = "to", .value_name = "VERSION", .help = "stop at VERSION (e.g. OMERO5.3__0)"},
                {.name = "no-backup", .help = "skip the verified backup taken before anything changes"},
                {.name = "fix",
                 .value_name = "NAME[:K=ID,...]",
                 .help = "run a hop plugin's data fix in its hop (see the plan); may be repeated",
                 .flags = OMERO_OPT_REPEATABLE},
                {.name = "backup-dir",
                 .value_name = "DIR",
                 .help = "where the backup goes (default $OMERODIR/var/backups)",
                 .type = OMERO_VALUE_PATH},
                {.name = "sql-dir",
                 .value_name = "DIR",
                 .help = "read the release scripts from DIR, not $OMERODIR/sql/psql (a distribution not yet in place)",
                 .type = OMERO_VALUE_PATH},
                {.name = "lock-timeout",
                 .value_name = "DURATION",
                 .help = "wait this long for another upgrade",
                 .default_value = "60s",
                 .type = OMERO_VALUE_DURATION,
                 .min = 0,
                 .max = 86400000},
                omero::sdk::json_option(),
            }),
            .flags = OMERO_CMD_NEEDS_SERVER_DIR,
            .run = run};
}

}  // namespace omero::db
