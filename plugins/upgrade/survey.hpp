// survey.hpp - everything `upgrade plan` and `upgrade run` find out,
// read-only, before anything changes: the two distributions, the database
// and its hops (`db upgrade --dry-run` against the new release's scripts),
// the rollback point and the room for it, what runs, the local edits, the
// web server's site files. The survey gathers facts and decides the plan;
// the named checks (checks.hpp) then say what would stop the run.
#pragma once

#include "journal.hpp"

#include "dist/dist.hpp"
#include "dist/edits.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace omero::upgrade {

struct Survey {
    Plan plan;
    Dist old_dist, new_dist;
    Edits edits;
    json db_status;          // `db status --json`'s result (database, current, bytes, sessions, data_directory)
    std::string db_why;      // why `db status` or the dry run failed, when one did
    json db_plan;            // `db upgrade --dry-run --json`'s plan event (or its result)
    int db_rc = 0;           // its exit status: 0 up to date, 2 ready, 24 refused
    std::string backup_how;  // --backup: auto, clone or dump
    std::string no_clone;    // why no clone can be the rollback point ("" when one can, or none was asked)
    fs::path backup_dir;     // where the dump goes
    uintmax_t db_bytes = 0, free = 0;
    uintmax_t unpacked = 0;             // what unpacking --to's archive takes beside the old distribution
    bool backup_beside_new = false;     // the backup and the unpacked release share a file system
    std::vector<std::string> problems;  // why it is not ready
    json checks = json::array();        // each named check run: name, what, ok, problems (checks.hpp)
    std::vector<std::string> skipped;   // steps skipped, with the package to install
    std::vector<std::string> notes;     // what the checks found that is worth knowing, not a problem
    fs::path scratch;                   // temporary unpacked trees, removed with the survey
    ~Survey();
    bool ready() const { return problems.empty(); }
};
// Gathers the facts, decides the plan, and runs every check (checks.hpp).
// Throws Error when the run cannot even be planned (no such distribution,
// a plugin missing that the plan needs); `ready` false with reasons when a
// check refuses.
std::unique_ptr<Survey> survey(Context& c);
// Removes the scratch trees (var/upgrade/scratch.<pid>) of surveys whose
// process is gone.
void clean_scratch(const fs::path& dist);
// The options plan and run share.
std::vector<Option> survey_options(std::vector<Option> extra);
// The survey as text and as the plan event's fields (plan.cpp).
std::string describe(const Survey& s);
json describe_json(const Survey& s);

// The connection options of `db` commands run while $OMERODIR is a 3.x
// distribution (no config.xml to read them from); empty otherwise. The
// password then comes from libpq's own sources (PGPASSWORD, ~/.pgpass).
std::vector<std::string> db_connection(const Plan& p);
// A 3.x distribution's setting (etc/local.properties over etc/omero.properties).
std::optional<std::string> legacy_setting(const fs::path& dist, const std::string& key, fs::path* from = nullptr);

}  // namespace omero::upgrade
