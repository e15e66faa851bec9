#include "migrate/checks.hpp"

#include "migrate/statements.hpp"

#include <omero/exit_codes.h>

#include <algorithm>

namespace omero::migrate {

namespace {

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

bool asked_for(const std::vector<FixRequest>& fixes, const std::string& name) {
    return std::any_of(fixes.begin(), fixes.end(), [&](const FixRequest& f) { return f.name == name; });
}

}  // namespace

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
            bool malformed = false;  // the plugin's mistake, not today's schema: never deferred
            try {
                for (const Row& row : db.exec_params(c.sql, {}, cancelled)) {
                    if (row.size() != 5) {
                        malformed = true;
                        throw Error(OMERO_EXIT_DB_PRECHECK_FAILED,
                                    "its rows have " + std::to_string(row.size()) +
                                        " columns; a check returns 5 (what, id, group_id, owner_id, detail)");
                    }
                    std::vector<std::string> cells;
                    for (size_t i = 0; i < 5; ++i) cells.push_back(row[i] ? *row[i] : "");
                    f.rows.push_back(std::move(cells));
                }
                db.exec("ROLLBACK TO SAVEPOINT omero_check");
            } catch (const Error& e) {
                if (e.code() == OMERO_EXIT_CANCELLED || !tolerant || malformed)
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
            rows.push_back(
                {{"what", row[0]}, {"id", row[1]}, {"group_id", row[2]}, {"owner_id", row[3]}, {"detail", row[4]}});
        r.event({{"event", "check"},
                 {"from", h.hop.from.name},
                 {"to", h.hop.to.name},
                 {"plugin", f.plugin},
                 {"check", f.check},
                 {"summary", f.summary},
                 {"fixed_by", f.fixed_by},
                 {"rows", rows},
                 {"deferred", f.deferred},
                 {"will_fix", f.will_fix}});
    }
}

std::string describe(const Finding& f, std::string_view head, size_t row_indent) {
    const std::string first = std::string(head) + f.check + " (" + f.plugin + "): ";
    if (f.deferred) return first + "runs when the database reaches its hop\n";
    if (f.rows.empty()) return first + "passed\n";
    const std::string indent(row_indent, ' ');
    std::string s = first + f.summary + ": " + std::to_string(f.rows.size()) + " row" +
                    (f.rows.size() == 1 ? "" : "s") +
                    (f.will_fix           ? " (fixed by --fix " + f.fixed_by + ")"
                     : f.fixed_by.empty() ? std::string()
                                          : " (fix: --fix " + f.fixed_by + ")") +
                    "\n";
    for (const auto& row : f.rows)
        s += indent + row[0] + "(id=" + row[1] + ", group=" + row[2] + ", owner=" + row[3] + ")" +
             (row[4].empty() ? "" : " " + row[4]) + "\n";
    return s;
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
                run_plugins(r, db, h.plugins, h.hop, OMERO_HOP_CHECK, /*dry_run=*/true);
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
        bool any =
            std::any_of(h.plugins.begin(), h.plugins.end(), [](const PluginHop& p) { return !p.checks.empty(); });
        if (any) {
            try {
                db.exec("BEGIN READ ONLY");
                // As check_plan (db status, --dry-run): the first hop's checks
                // run on their own schema, so one that fails is the plugin's
                // error now, not a surprise after the backup.
                c.findings = run_declared_checks(r, db, h, /*tolerant=*/&h != &plan.front(), fixes);
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

}  // namespace omero::migrate
