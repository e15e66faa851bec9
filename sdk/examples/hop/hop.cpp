// An upgrade hop for a release after 5.4, as its release engineer would ship
// it: the release's script comes with the distribution
// (sql/psql/OMERO5.5__0/OMERO5.4__0.sql); this plugin adds what the script
// cannot say for itself. The engine runs all of it inside the hop's one
// transaction (the order is in <omero/plugin_abi.h>); nothing here needs code.
#include <omero/plugin.hpp>

static omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"hop-example", "1.0.0", "Example Org", "An example upgrade hop: OMERO5.4__0 -> OMERO5.5__0"};
    omero::sdk::Hop h{.from = "OMERO5.4__0",
                      .to = "OMERO5.5__0",
                      .summary = "5.5: pixels need a positive size in every dimension",
                      .notes = "Shown in the plan and before the hop runs: what the sysadmin should know."};
    // Named when a distribution lacks the script: the engine then refuses the hop.
    h.shipped_in = "OMERO.server 5.5.x (sql/psql/OMERO5.5__0/OMERO5.4__0.sql)";
    // Read-only, before anything changes: every row is one offending item,
    // as (what, id, group_id, owner_id, detail). No rows: the check passes.
    h.checks.push_back({.name = "pixels-sizes",
                        .summary = "pixels with a size of 0 or less, which the 5.5 CHECK refuses",
                        .sql = "SELECT 'Pixels', id, group_id, owner_id, 'sizeZ=' || sizez "
                               "FROM pixels WHERE sizez <= 0 ORDER BY id",
                        .fixed_by = "size-z"});
    // Run only when asked: omero db upgrade --fix size-z:Z=1
    h.fixes.push_back({.name = "size-z",
                       .summary = "set sizeZ <= 0 to Z",
                       .params = "Z",
                       .sql = "UPDATE pixels SET sizez = :Z WHERE sizez <= 0;"});
    // The script as shipped fails on today's PostgreSQL: change its text in
    // memory (exactly once here; the file is never edited).
    h.shims.push_back({.why = "PostgreSQL >= 9.5 rejects RAISE '%%' with a parameter",
                       .find = "RAISE EXCEPTION '%%', msg;",
                       .replace = "RAISE EXCEPTION '%', msg;",
                       .min_count = 0,
                       .max_count = 1});
    p.hop(std::move(h));
    return p;
}

OMERO_PLUGIN(make)
