// The OMERO5.0__0 -> OMERO5.1__1 hop (OMERO 5.0 -> 5.1: units, map annotations, UTF8 required). Only this release's
// knowledge: notes for the sysadmin, and what the release's script needs on today's PostgreSQL.
#include <omero/plugin.hpp>

namespace {

omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"hop-5-0", HOP_VERSION, "omero developers",
                         "The OMERO 5.0 -> 5.1 database upgrade: notes, checks and PostgreSQL shims"};
    omero::sdk::Hop h{.from = "OMERO5.0__0",
                      .to = "OMERO5.1__1",
                      .summary = "OMERO 5.0 -> 5.1: units, map annotations, UTF8 required",
                      .notes =
                          "5.1 gives lengths, times, powers and other quantities their units, and adds map annotations "
                          "and more annotation links. The database must be encoded in UTF8 (checked before anything runs; if not, "
                          "dump it and restore it into a UTF8 database first)."};
    h.shipped_in = "OMERO.server 5.1.2 to 5.5.1 (sql/psql/OMERO5.1__1/OMERO5.0__0.sql)";
    h.checks = {{.name = "utf8-encoding",
                 .summary = "the database is not encoded in UTF8, which the 5.1 script requires (dump and restore "
                            "it into a UTF8 database)",
                 .sql = "SELECT 'database', oid, NULL, NULL, datname || ' is encoded in ' || "
                        "pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database() "
                        "AND encoding <> pg_char_to_encoding('UTF8')"}};
    // The 5.1.x releases ship this script with "%%" slips (5.1.2 and 5.1.3 with two); 5.2.0 and
    // later ship it fixed, so each shim applies only where its slip is.
    const char* why = "PostgreSQL >= 9.5 rejects RAISE '%%' with a parameter (a literal percent sign): use '%'";
    h.shims = {{.why = why,
                .find = "must be UTF8, not %%', char_encoding",
                .replace = "must be UTF8, not %', char_encoding",
                .min_count = 0,
                .max_count = 1},
               {.why = why,
                .find = "RAISE EXCEPTION '%%', 'Directory('",
                .replace = "RAISE EXCEPTION '%', 'Directory('",
                .min_count = 0,
                .max_count = 1}};
    p.hop(std::move(h));
    return p;
}

}  // namespace

OMERO_PLUGIN(make)
