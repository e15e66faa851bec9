// The OMERO4.3__0 -> OMERO4.4__0 hop (OMERO 4.3 -> 4.4: read-annotate groups, annotation-link delete triggers). Only
// this release's knowledge: notes for the sysadmin.
#include <omero/plugin.hpp>

namespace {

omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"hop-4-3", HOP_VERSION, "omero developers", "The OMERO 4.3 -> 4.4 database upgrade: notes"};
    omero::sdk::Hop h{
        .from = "OMERO4.3__0",
        .to = "OMERO4.4__0",
        .summary = "OMERO 4.3 -> 4.4: read-annotate groups, annotation-link delete triggers",
        .notes =
            "4.4 splits the group permission levels (read-only, read-annotate, read-write) and adds triggers that "
            "delete annotation links with their annotations (#9337). Nothing to check beforehand."};
    h.shipped_in = "OMERO.server 4.4.x (sql/psql/OMERO4.4__0/OMERO4.3__0.sql)";

    p.hop(std::move(h));
    return p;
}

}  // namespace

OMERO_PLUGIN(make)
