// The OMERO4__0 -> OMERO4.1__0 hop (OMERO 4.0 -> 4.1, 2009). Its script adds
// keys (password's primary key, UNIQUE node.uuid and session.uuid) that a
// duplicate stops with no row named; the checks below name every such row.
#include <omero/plugin.hpp>

namespace {

// Rows sharing a value that 4.1 makes unique (a node has no owner, a
// session's owner is its `owner`; neither has a group).
std::string duplicates(const char* table, const char* column, bool owned) {
    std::string t(table), c(column);
    std::string who = owned ? "'-', owner::text" : "'-', '-'";
    return "SELECT '" + t + "', id, " + who + ", '" + c + " ' || coalesce(" + c +
           "::text, 'NULL') || ' is shared by ' || n || ' rows' FROM (SELECT *, count(*) OVER (PARTITION BY " + c +
           ") AS n FROM " + t + ") x WHERE n > 1 ORDER BY " + c + ", id";
}

omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"hop-4-0", HOP_VERSION, "omero developers",
                         "The OMERO 4.0 -> 4.1 database upgrade: checks and notes"};
    omero::sdk::Hop h{
        .from = "OMERO4__0",
        .to = "OMERO4.1__0",
        .summary = "OMERO 4.1: ROIs and shapes, unique node and session ids, OMERO.web",
        .notes =
            "4.1 adds ROIs (roi, shape), a primary key on password and unique node and session UUIDs (duplicates are "
            "listed by its checks), and ships OMERO.web. Going from 4.1.0 to 4.1.1 or later, keep OMERO.web's "
            "lib/python/omeroweb/settings.py ('omero upgrade run' copies it); copying it into 4.1.0 is not "
            "recommended. A database created before 4.0 keeps 3.x count tables and names here; the 4.1 -> 4.2 "
            "hop (hop-4-1) reconciles them with a database created at 4.1."};
    h.shipped_in = "OMERO.server 4.1.x (sql/psql/OMERO4.1__0/OMERO4__0.sql)";
    h.checks = {
        {.name = "password-per-experimenter",
         .summary = "password rows sharing an experimenter (or with none), which 4.1's primary key refuses; keep "
                    "one per experimenter",
         .sql = "SELECT 'password', experimenter_id, '-', '-', 'experimenter_id ' || coalesce(experimenter_id::text, "
                "'NULL') || ' has ' || n || ' password rows' FROM (SELECT experimenter_id, count(*) AS n FROM "
                "password GROUP BY experimenter_id) x WHERE n > 1 OR experimenter_id IS NULL ORDER BY 2"},
        {.name = "unique-node-uuid",
         .summary = "nodes sharing a UUID, which 4.1 makes unique; remove the stale ones",
         .sql = duplicates("node", "uuid", false)},
        {.name = "unique-session-uuid",
         .summary = "sessions sharing a UUID, which 4.1 makes unique; remove the stale ones",
         .sql = duplicates("session", "uuid", true)},
    };
    p.hop(std::move(h));
    return p;
}

}  // namespace

OMERO_PLUGIN(make)
