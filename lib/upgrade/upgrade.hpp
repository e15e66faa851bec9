// upgrade.hpp - the upgrade engine: applying OMERO's SQL scripts and the
// plugins' hop steps safely. `db upgrade`, `db status` and `upgrade` all
// go through it, so the machinery exists once.
//
// One connection for the whole run; a session advisory lock held
// throughout; each hop in one transaction we own, in the order that
// <omero/plugin_abi.h> documents (pre-check, plugin checks, plugin `before`
// steps, the release's script, plugin `run` steps, dbpatch, history,
// COMMIT), so a failure or a kill leaves the database at the previous
// complete version; every attempt recorded in omero_cli_history.
#pragma once

#include "pg/pg.hpp"
#include "upgrade/reporter.hpp"
#include "upgrade/sql_script.hpp"
#include "upgrade/versions.hpp"

#include <omero/plugin_abi.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace omero::db {

inline constexpr long long kUpgradeLockKey = 0x6f6d65726f5f7570LL;  // "omero_up"

// The newest dbpatch row, e.g. "OMERO5.4__0"; nullopt when there is no
// dbpatch. Throws Error(26) naming the database when its dbpatch is not OMERO's.
std::optional<Version> current_version(Pg& db);
// Tables in the database's own schemas (an empty database has none).
size_t user_table_count(Pg& db);

// Takes the upgrade lock, waiting up to `timeout`; throws Error(21)
// naming the holder (pid, host, since) when it cannot.
void take_upgrade_lock(Pg& db, std::chrono::milliseconds timeout);

// Creates omero_cli_history when missing and marks the hops of runs that
// died as 'interrupted'. Call it holding the upgrade lock.
void ensure_history_table(Pg& db);

// What a hop plugin declares for the engine to run itself (the C structs
// of <omero/plugin_abi.h>, copied).
struct DeclaredCheck {
    std::string name, summary, sql, fixed_by;
};
struct DeclaredFix {
    std::string name, summary;
    std::vector<std::string> params;
    std::string script, sql;
};
struct DeclaredShim {
    std::string why, find, replace;
    unsigned min_count = 1, max_count = 1;
};

// A hop step a plugin contributes. `call` runs one phase (omero_hop_phase)
// with the context the engine built and returns the callback's status (0
// when the plugin has nothing for that phase).
struct PluginHop {
    std::string plugin, version, summary, notes;
    uint32_t flags = 0;  // omero_hop_flags
    std::function<int(int phase, const omero_hop_context& ctx)> call;
    std::vector<DeclaredCheck> checks;
    std::vector<DeclaredFix> fixes;
    std::vector<DeclaredShim> shims;
    std::string shipped_in;
};
// Copies what a loaded hop declares (checks, fixes, shims, shipped_in),
// reading only the fields its struct_size says it has.
void read_declarations(const omero_upgrade_hop* hop, PluginHop& p);

// `--fix NAME[:K=V,...]`, e.g. "move-to-group:GRP=3,USR=20". Throws Error(2).
struct FixRequest {
    std::string text, name;
    std::map<std::string, std::string> values;
};
FixRequest parse_fix(const std::string& text);

struct AppliedShim {
    std::string plugin, why;
    size_t count = 0;
};
struct PlannedFix {
    std::string plugin, name, text, source;  // source: the file, or "plugin <name>"
    std::vector<Statement> statements;
};

struct PlannedHop {
    Hop hop;
    std::vector<Statement> statements;  // of the script with the shims applied (empty for a plugin-only hop)
    std::vector<Statement> precheck;
    std::string sha256;                 // of the distribution's script, as read (once)
    std::vector<PluginHop> plugins;     // in plugin-name order
    std::vector<AppliedShim> shims;     // applied to the script's text before it was split
    std::vector<PlannedFix> fixes;      // asked for with --fix, in the order given
    // Set by preflight() for the first hop when its declared checks ran on
    // today's data and passed: the hop then does not run them again (the
    // upgrade lock is held from before the pre-flight; no fix runs before it).
    mutable bool checks_passed = false;

    // The script's path, or "plugin hop A -> B (p1, p2)" when no script serves it.
    std::string name() const;
    // True when nobody else writes the hop's dbpatch row.
    bool engine_writes_dbpatch() const;
};

// Reads each hop's files once, applies the plugins' shims to the script's
// text and splits it (errors name file:line); the plugins serving a hop come
// from `plugins_for`. Each requested fix must be declared by a plugin of a
// hop on the path, with every parameter it names (integers). A hop whose
// plugin says which release ships its script, but whose script this
// distribution lacks, is refused (exit 25) naming that release.
std::vector<PlannedHop> plan_hops(const std::vector<Hop>& path,
                                  const std::function<std::vector<PluginHop>(const Hop&)>& plugins_for,
                                  const std::vector<FixRequest>& fixes = {});

// Runs the plan; returns the exit code. Throws Error with the code of the
// first failure (the failed hop rolled back and recorded).
int apply_plan(Reporter& r, Pg& db, const std::vector<PlannedHop>& plan, const std::string& tool_version);

// Runs every hop's pre-check and plugin checks read-only (READ ONLY
// transaction, dry_run set, always rolled back). Returns one line of result
// per hop and whether all passed.
// What one declared check found.
struct Finding {
    std::string plugin, check, summary, fixed_by;
    std::vector<std::vector<std::string>> rows;  // what, id, group_id, owner_id, detail
    bool deferred = false;  // it could not run on today's schema: it runs at its hop
    bool will_fix = false;  // rows, but the fix that resolves them was asked for
    std::string error;      // why deferred
};
struct CheckReport {
    std::string from, to;
    bool ok = true;
    std::string message;  // why not, when !ok: the refusing findings, then `error`
    std::string error;    // a failure other than findings (pre-check, a plugin's check callback)
    std::vector<Finding> findings;
};
std::vector<CheckReport> check_plan(Reporter& r, Pg& db, const std::vector<PlannedHop>& plan,
                                    const std::vector<FixRequest>& fixes = {});

// Before anything changes: every declared check of every hop, read-only,
// against today's database (a check that cannot run yet is deferred to its
// hop). A hop is !ok when a check found rows that no requested fix resolves.
std::vector<CheckReport> preflight(Reporter& r, Pg& db, const std::vector<PlannedHop>& plan,
                                   const std::vector<FixRequest>& fixes);
// A finding as text: `head` before its first line, each row indented by `row_indent`.
std::string describe(const Finding& f, std::string_view head, size_t row_indent);

// Runs the statements of a whole-database script in one transaction (db init).
void run_in_transaction(Reporter& r, Pg& db, const std::vector<Statement>& statements, const std::string& name);

// ANALYZE every user table that holds data, in one statement.
void analyze_user_tables(Pg& db);

}  // namespace omero::db
