// apply.hpp - running a plan.
// One connection for the whole run; a session advisory lock held
// throughout; each hop in one transaction we own, in the order that
// <omero/plugin_abi.h> documents (pre-check, plugin checks, plugin `before`
// steps, the release's script, plugin `run` steps, dbpatch, history,
// COMMIT), so a failure or a kill leaves the database at the previous
// complete version; every attempt recorded in omero_cli_history.
#pragma once

#include "migrate/plan.hpp"
#include "migrate/reporter.hpp"

#include <string>
#include <vector>

namespace omero::migrate {

// Runs the plan; returns the exit code. Throws Error with the code of the
// first failure (the failed hop rolled back and recorded).
int apply_plan(Reporter& r, Pg& db, const std::vector<PlannedHop>& plan, const std::string& tool_version);

}  // namespace omero::migrate
