// The OMERO4.4__0 -> OMERO5.0__0 hop (OMERO 4.4 -> 5.0: OMERO.FS filesets and checksums). Only this release's
// knowledge: notes for the sysadmin.
#include <omero/plugin.hpp>

namespace {

omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"hop-4-4", HOP_VERSION, "omero developers", "The OMERO 4.4 -> 5.0 database upgrade: notes"};
    omero::sdk::Hop h{
        .from = "OMERO4.4__0",
        .to = "OMERO5.0__0",
        .summary = "OMERO 4.4 -> 5.0: OMERO.FS filesets and checksums",
        .notes =
            "5.0 (OMERO.FS) keeps imported files as filesets in the managed repository (omero.managed.dir) and records "
            "checksum algorithms; images imported before 5.0 stay where they are. After the upgrade run 'omero admin "
            "start' and let the server finish its own post-upgrade work before imports."};
    h.shipped_in = "OMERO.server 5.0.x (sql/psql/OMERO5.0__0/OMERO4.4__0.sql)";

    p.hop(std::move(h));
    return p;
}

}  // namespace

OMERO_PLUGIN(make)
