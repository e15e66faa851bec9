#include "migrate/apply.hpp"

#include "migrate/checks.hpp"
#include "migrate/history.hpp"
#include "migrate/statements.hpp"

#include <omero/exit_codes.h>

#include <algorithm>

namespace omero::migrate {

int apply_plan(Reporter& r, Pg& db, const std::vector<PlannedHop>& plan, const std::string& tool) {
    size_t total = 0, done = 0;
    for (const PlannedHop& h : plan) {
        total += count_work(h.statements);
        for (const PlannedFix& f : h.fixes) total += count_work(f.statements);
    }
    auto cancelled = [&] { return r.cancelled(); };
    // The scripts build indexes on the biggest tables: sorted in memory (and
    // with parallel workers, which need 32 MB each) rather than on disk. The
    // server is down; a cluster set higher keeps its own value.
    db.exec(
        "SELECT set_config('maintenance_work_mem', '512MB', false) "
        "WHERE pg_size_bytes(current_setting('maintenance_work_mem')) < 512 * 1024 * 1024");
    if (!plan.empty()) db.exec(running_row(db, plan.front(), tool));
    for (size_t i = 0; i < plan.size(); ++i) {
        const PlannedHop& h = plan[i];
        const PlannedHop* next = i + 1 < plan.size() ? &plan[i + 1] : nullptr;
        const std::string name = h.name();
        for (const PluginHop& p : h.plugins)
            if (!p.notes.empty()) {
                if (r.json())
                    r.event({{"event", "note"},
                             {"plugin", p.plugin},
                             {"from", h.hop.from.name},
                             {"to", h.hop.to.name},
                             {"text", p.notes}});
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
            run_plugins(r, db, h.plugins, h.hop, OMERO_HOP_CHECK, false);
            run_plugins(r, db, h.plugins, h.hop, OMERO_HOP_BEFORE, false);
            run_statements(r, db, h.statements, name, done, total, plain ? "BEGIN;" : "");
            run_plugins(r, db, h.plugins, h.hop, OMERO_HOP_AFTER, false);
            if (h.engine_writes_dbpatch()) write_dbpatch(db, h, cancelled);
            commit_hop(db, h, next, tool);
        } catch (const Error& e) {
            rollback(db);
            r.progress_done();
            const int kept[] = {OMERO_EXIT_CANCELLED, OMERO_EXIT_DB_PRECHECK_FAILED, OMERO_EXIT_PLUGIN_UNAVAILABLE};
            int code = std::find(std::begin(kept), std::end(kept), e.code()) != std::end(kept)
                           ? e.code()
                           : OMERO_EXIT_DB_SCRIPT_FAILED;
            const char* outcome = code == OMERO_EXIT_CANCELLED            ? "cancelled"
                                  : code == OMERO_EXIT_DB_PRECHECK_FAILED ? "precheck-failed"
                                                                          : "failed";
            try {
                record_failure(db, outcome, e.what());
            } catch (const Error&) {
                // The history is a record, not a reason to hide the real error.
            }
            if (r.json())
                r.event({{"event", "hop-failed"},
                         {"from", h.hop.from.name},
                         {"to", h.hop.to.name},
                         {"outcome", outcome},
                         {"error", e.what()}});
            throw Error(code, std::string(e.what()) + "\nthe hop " + h.hop.from.name + " -> " + h.hop.to.name +
                                  (code == OMERO_EXIT_DB_PRECHECK_FAILED ? " changed nothing" : " was rolled back") +
                                  "; the database is at " + h.hop.from.name);
        }
        r.progress_done();
        if (r.json())
            r.event({{"event", "hop-done"},
                     {"from", h.hop.from.name},
                     {"to", h.hop.to.name},
                     {"script", name},
                     {"sha256", h.sha256},
                     {"plugins", plugin_list(h)},
                     {"shims", shim_list(h)},
                     {"fixes", fix_list(h)}});
        else
            r.info("upgraded " + h.hop.from.name + " -> " + h.hop.to.name);
    }
    return OMERO_EXIT_OK;
}

}  // namespace omero::migrate
