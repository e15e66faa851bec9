// The OMERO5.0__0 -> OMERO5.1__1 hop (OMERO 5.0 -> 5.1: units, map annotations, UTF8 required). Only this release's
// knowledge: notes for the sysadmin, and what the release's script needs on today's PostgreSQL.
#include <omero/plugin.hpp>

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
    // Speed, same result. planeinfo is the biggest table of a real server (a
    // row per plane). The script first changes three of its column types,
    // which rewrites every row inside the hop's transaction, then creates
    // five indexes, then UPDATEs every row. Because the rows were just
    // rewritten by this transaction, PostgreSQL must re-check all five
    // foreign keys of every updated row (it skips that only for rows older
    // than the transaction), and it maintains the five new indexes row by
    // row: two thirds of the hop's time on a large database. Run in the
    // order UPDATE, then the type change, then the indexes, the same schema
    // and data result without either cost.
    const char* why_speed = "speed: planeinfo's units filled in before its type change and new indexes (no foreign-key "
                      "re-check of every row, indexes built once)";
    const std::string types = "ALTER TABLE planeinfo ALTER COLUMN theC TYPE nonnegative_int;\n"
                              "ALTER TABLE planeinfo ALTER COLUMN theT TYPE nonnegative_int;\n"
                              "ALTER TABLE planeinfo ALTER COLUMN theZ TYPE nonnegative_int;\n";
    h.shims.push_back({.why = why_speed, .find = types, .replace = ""});
    std::string moved = "ALTER TABLE planeinfo ALTER COLUMN theC TYPE nonnegative_int,\n"
                        "    ALTER COLUMN theT TYPE nonnegative_int,\n"
                        "    ALTER COLUMN theZ TYPE nonnegative_int;\n";
    for (const char* column : {"deltat", "exposuretime", "positionx", "positiony", "positionz"}) {
        std::string index = std::string("CREATE INDEX i_planeinfo_") + column + " ON planeinfo USING btree (" +
                            column + ");\n";
        h.shims.push_back({.why = why_speed, .find = index, .replace = ""});
        moved += index;
    }
    // The UPDATE rewrites every row: planeinfo's older indexes (whatever their
    // names) are set aside for it and rebuilt after, exactly as they were.
    const std::string update_start = "update planeinfo\n  set deltatunit = ";
    h.shims.push_back(
        {.why = why_speed,
         .find = update_start,
         .replace = "SET LOCAL maintenance_work_mem = '256MB';\n"
                    "CREATE TEMP TABLE omero_hop_planeinfo_indexes ON COMMIT DROP AS\n"
                    "  SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def\n"
                    "    FROM pg_index i WHERE i.indrelid = 'planeinfo'::regclass\n"
                    "     AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);\n"
                    "DO $omero$ DECLARE r record; BEGIN\n"
                    "  FOR r IN SELECT name FROM omero_hop_planeinfo_indexes LOOP EXECUTE 'DROP INDEX ' || r.name; "
                    "END LOOP;\nEND $omero$;\n\n" +
                    update_start});
    const std::string update_end =
        "  where deltat is not null or exposuretime is not null or positionx is not null or positiony is not null "
        "or positionz is not null;\n";
    const std::string restore =
        "DO $omero$ DECLARE r record; BEGIN\n"
        "  FOR r IN SELECT def FROM omero_hop_planeinfo_indexes LOOP EXECUTE r.def; END LOOP;\nEND $omero$;\n"
        "DROP TABLE omero_hop_planeinfo_indexes;\n";
    h.shims.push_back({.why = why_speed, .find = update_end, .replace = update_end + "\n" + moved + restore});
    p.hop(std::move(h));
    return p;
}

}  // namespace

OMERO_PLUGIN(make)
