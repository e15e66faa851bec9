// checks.hpp - what would make a later step of the run fail, found from the
// survey's facts before anything changes (as pg_upgrade's check.c does).
// Each check has a name and adds a problem saying what to do, or a note.
#pragma once

#include "survey.hpp"

namespace omero::upgrade {

struct Check {
    const char* name;  // "database", "backup-space", ...
    const char* what;  // what it makes sure of
    void (*run)(Context& c, Survey& s);
};
// Every check, in the order they run and report.
const std::vector<Check>& checks();
// Runs them all on a survey whose facts are gathered.
void preflight(Context& c, Survey& s);

}  // namespace omero::upgrade
