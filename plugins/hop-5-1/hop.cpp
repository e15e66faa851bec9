// The OMERO5.1__1 -> OMERO5.2__0 hop (OMERO 5.1 -> 5.2: Directory files protected from deletion). Only this release's
// knowledge: notes for the sysadmin.
#include <omero/plugin.hpp>

namespace {

omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"hop-5-1", HOP_VERSION, "omero developers", "The OMERO 5.1 -> 5.2 database upgrade: notes"};
    omero::sdk::Hop h{.from = "OMERO5.1__1",
                      .to = "OMERO5.2__0",
                      .summary = "OMERO 5.1 -> 5.2: Directory files protected from deletion",
                      .notes =
                          "5.2 stops SQL from deleting original files whose mimetype is Directory. The script checks "
                          "the PostgreSQL version and the database encoding itself."};
    h.shipped_in = "OMERO.server 5.2.x (sql/psql/OMERO5.2__0/OMERO5.1__1.sql)";

    p.hop(std::move(h));
    return p;
}

}  // namespace

OMERO_PLUGIN(make)
