// The OMERO5.0__0 -> OMERO5.1__1 hop (OMERO 5.0 -> 5.1: units, map annotations, UTF8 required). Only this release's
// knowledge: notes for the sysadmin, and what the release's script needs on today's PostgreSQL.
#include <omero/plugin.hpp>

#include <iterator>
#include <string>

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
    // Speed, same result, no bloat. planeinfo is the biggest table of a real
    // server (a row per plane). The script changes three of its column types
    // (a rewrite of every row), creates five indexes, then UPDATEs every row
    // to fill the new unit columns: a second copy of every row, foreign keys
    // re-checked for each (the rows are this transaction's), the indexes
    // maintained row by row, and half the table left dead for a VACUUM FULL.
    // One ALTER TABLE does it all in one rewrite: the type changes, and each
    // unit column computed from its row (USING may read the other columns),
    // the existing indexes rebuilt once after it; then the new indexes.
    const char* why_speed = "speed: planeinfo rewritten once (its type changes and units in one ALTER TABLE, not a "
                            "rewrite then an UPDATE of every row), indexes built after it; no dead rows left";
    const std::string types = "ALTER TABLE planeinfo ALTER COLUMN theC TYPE nonnegative_int;\n"
                              "ALTER TABLE planeinfo ALTER COLUMN theT TYPE nonnegative_int;\n"
                              "ALTER TABLE planeinfo ALTER COLUMN theZ TYPE nonnegative_int;\n";
    h.shims.push_back({.why = why_speed, .find = types, .replace = ""});
    std::string indexes;
    for (const char* column : {"deltat", "exposuretime", "positionx", "positiony", "positionz"}) {
        std::string index = std::string("CREATE INDEX i_planeinfo_") + column + " ON planeinfo USING btree (" +
                            column + ");\n";
        h.shims.push_back({.why = why_speed, .find = index, .replace = ""});
        indexes += index;
    }
    // The release's UPDATE, whole: its CASEs become the USING of each unit column.
    struct Unit {
        const char *column, *type, *value;
    };
    const Unit units[] = {{"deltat", "unitstime", "s"},
                          {"exposuretime", "unitstime", "s"},
                          {"positionx", "unitslength", "reference frame"},
                          {"positiony", "unitslength", "reference frame"},
                          {"positionz", "unitslength", "reference frame"}};
    std::string update = "update planeinfo\n", rewrite =
        "SET LOCAL maintenance_work_mem = '512MB';\n"
        "ALTER TABLE planeinfo ALTER COLUMN theC TYPE nonnegative_int,\n"
        "    ALTER COLUMN theT TYPE nonnegative_int,\n"
        "    ALTER COLUMN theZ TYPE nonnegative_int";
    for (size_t i = 0; i < std::size(units); ++i) {
        const Unit& u = units[i];
        std::string expr = std::string("case when ") + u.column + " is null then null else '" + u.value + "'::" +
                           u.type + " end";
        update += std::string(i ? "      " : "  set ") + u.column + "unit = " + expr + (i + 1 < std::size(units) ? ",\n" : "\n");
        rewrite += std::string(",\n    ALTER COLUMN ") + u.column + "unit TYPE " + u.type + " USING (" + expr + ")";
    }
    update += "  where deltat is not null or exposuretime is not null or positionx is not null or positiony is not null "
              "or positionz is not null;\n";
    h.shims.push_back({.why = why_speed, .find = update, .replace = rewrite + ";\n" + indexes});
    p.hop(std::move(h));
    return p;
}

}  // namespace

OMERO_PLUGIN(make)
