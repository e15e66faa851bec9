// checks.hpp - before a hop changes anything: the distribution's pre-check
// and the plugins' declared checks, whose rows name what must be fixed.
#pragma once

#include "migrate/plan.hpp"
#include "migrate/reporter.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace omero::migrate {

// What one declared check found.
struct Finding {
    std::string plugin, check, summary, fixed_by;
    std::vector<std::vector<std::string>> rows;  // what, id, group_id, owner_id, detail
    bool deferred = false;                       // it could not run on today's schema: it runs at its hop
    bool will_fix = false;                       // rows, but the fix that resolves them was asked for
    std::string error;                           // why deferred
};
struct CheckReport {
    std::string from, to;
    bool ok = true;
    std::string message;  // why not, when !ok: the refusing findings, then `error`
    std::string error;    // a failure other than findings (pre-check, a plugin's check callback)
    std::vector<Finding> findings;
};
// Runs every hop's pre-check and plugin checks without changing anything
// (each hop in a transaction that is always rolled back; the plugins' checks
// read-only, their callbacks with dry_run set): one report per hop.
std::vector<CheckReport> check_plan(Reporter& r, Pg& db, const std::vector<PlannedHop>& plan,
                                    const std::vector<FixRequest>& fixes = {});

// Before anything changes: every declared check of every hop, read-only,
// against today's database. A later hop's check that cannot run on today's
// schema is deferred to its hop; a first hop's check that fails is an error
// (24), as check_plan reports it. A hop is !ok when a check found rows that
// no requested fix resolves.
std::vector<CheckReport> preflight(Reporter& r, Pg& db, const std::vector<PlannedHop>& plan,
                                   const std::vector<FixRequest>& fixes);
// A finding as text: `head` before its first line, each row indented by `row_indent`.
std::string describe(const Finding& f, std::string_view head, size_t row_indent);

// For apply.cpp, inside a hop's transaction:
// the distribution's pre-check, in a savepoint always rolled back;
void run_precheck(Reporter& r, Pg& db, const PlannedHop& h);
// the declared checks, each in a savepoint rolled back (`tolerant`: a check
// that cannot run yet is deferred instead of thrown);
std::vector<Finding> run_declared_checks(Reporter& r, Pg& db, const PlannedHop& h, bool tolerant,
                                         const std::vector<FixRequest>& fixes);
// rows no requested fix resolves;
bool refuses(const Finding& f);
// the message naming every refusing row, and the --json events of the findings.
std::string refusal(const PlannedHop& h, const std::vector<Finding>& found);
void report_findings(Reporter& r, const PlannedHop& h, const std::vector<Finding>& found);

}  // namespace omero::migrate
