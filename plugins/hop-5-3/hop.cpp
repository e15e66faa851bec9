// The OMERO5.3__0 -> OMERO5.4__0 hop (OMERO 5.3 -> 5.4: light administrators, protected system users, 2017-SV5). Only
// this release's knowledge: notes for the sysadmin.
#include <omero/plugin.hpp>

namespace {

omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"hop-5-3", HOP_VERSION, "omero developers", "The OMERO 5.3 -> 5.4 database upgrade: notes"};
    omero::sdk::Hop h{.from = "OMERO5.3__0",
                      .to = "OMERO5.4__0",
                      .summary = "OMERO 5.3 -> 5.4: light administrators, protected system users, 2017-SV5",
                      .notes =
                          "5.4 adds light administrators (adminprivilege), stops SQL from renaming or removing root, "
                          "guest and the system groups, and applies the 2017-SV5 security fix to originalfile.repo. "
                          "The script checks the PostgreSQL version and the database encoding itself."};
    h.shipped_in = "OMERO.server 5.4.x (sql/psql/OMERO5.4__0/OMERO5.3__0.sql)";

    p.hop(std::move(h));
    return p;
}

}  // namespace

OMERO_PLUGIN(make)
