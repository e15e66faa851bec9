// The OMERO5.2__0 -> OMERO5.3__0 hop (OMERO 5.2 -> 5.3: fourteen schema patches, wells reindexed). Only this release's
// knowledge: notes for the sysadmin.
#include <omero/plugin.hpp>

namespace {

omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"hop-5-2", HOP_VERSION, "omero developers", "The OMERO 5.2 -> 5.3 database upgrade: notes"};
    omero::sdk::Hop h{
        .from = "OMERO5.2__0",
        .to = "OMERO5.3__0",
        .summary = "OMERO 5.2 -> 5.3: fourteen schema patches, wells reindexed",
        .notes =
            "5.3 applies fourteen schema patches and reindexes wells; on a large screen database this hop is the long "
            "one. The script checks the PostgreSQL version and the database encoding itself."};
    h.shipped_in = "OMERO.server 5.3.x (sql/psql/OMERO5.3__0/OMERO5.2__0.sql)";

    p.hop(std::move(h));
    return p;
}

}  // namespace

OMERO_PLUGIN(make)
