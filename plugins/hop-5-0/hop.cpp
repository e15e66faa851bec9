// The OMERO5.0__0 -> OMERO5.1__1 hop (OMERO 5.0 -> 5.1: units, map annotations, UTF8 required). Only this release's
// knowledge: notes for the sysadmin, and what the release's script needs on today's PostgreSQL.
#include <omero/plugin.hpp>

#include <string>
#include <utility>
#include <vector>

namespace {

// Speed, same result, no bloat. The script changes column types of the tables
// that grow with the data (planeinfo a row per plane, pixels a row per image,
// logicalchannel a row per channel) one ALTER TABLE at a time, each a rewrite
// of every row with every index rebuilt (a column changed to a domain with a
// CHECK is rewritten even when the base type is the same); it builds the new
// indexes; then it UPDATEs every row to fill the new unit columns: another
// copy of every row, foreign keys re-checked for each (the rows are this
// transaction's), the indexes maintained row by row, half the table left dead
// for a VACUUM FULL; then one scan per new CHECK. Instead:
//  - the domains are created bare and given their CHECK when the script ends
//    (ALTER DOMAIN checks every column using them, one scan per table), so a
//    change to a domain over the same base type rewrites nothing;
//  - planeinfo and pixels: each unit column added with its unit as a default
//    (PostgreSQL >= 11 stores it once, not in every row) that is dropped at
//    once, so only the rows whose quantity is NULL need an UPDATE; where those
//    are more than a tenth of the table, one ALTER TABLE rewrites it instead;
//    their CHECKs are one ALTER TABLE (one scan);
//  - logicalchannel, rewritten anyway (int -> float), is rewritten once, its
//    units and CHECKs in the same ALTER TABLE;
//  - a table's type changes and the drop of its old CHECK are one ALTER
//    TABLE (the CHECK is dropped first, not re-validated per column);
// then the new indexes, built once on the final data.
struct Unit {
    const char *column, *type, *value;
};
struct Rewrite {
    const char* table;
    std::vector<std::pair<const char*, const char*>> types;  // column (as spelt by the script), type
    std::vector<std::string> earlier;                        // statements the rewrite makes redundant
    std::vector<Unit> units;                                 // in the order of the script's UPDATE
    std::vector<const char*> indexed;                        // columns given an index i_<table>_<column>
};
const Rewrite kRewrites[] = {
    {"logicalchannel",
     {{"emissionWave", "positive_float"}, {"excitationWave", "positive_float"}, {"samplesPerPixel", "positive_int"}},
     // int -> FLOAT8 early in the script, then -> positive_float: one change here.
     {"ALTER TABLE logicalchannel ALTER COLUMN emissionWave TYPE FLOAT8;\n",
      "ALTER TABLE logicalchannel ALTER COLUMN excitationWave TYPE FLOAT8;\n"},
     {{"emissionwave", "unitslength", "nm"},
      {"excitationwave", "unitslength", "nm"},
      {"pinholesize", "unitslength", "µm"}},
     {"emissionwave", "excitationwave", "pinholesize"}},
};

// A table whose unit columns get their unit as a dropped default.
struct DefaultUnits {
    const char* table;
    std::vector<std::vector<Unit>> added;  // each of the script's ALTER TABLE ... ADD COLUMN statements
    std::vector<Unit> units;               // in the order of the script's UPDATE
};
const DefaultUnits kDefaultUnits[] = {
    {"pixels",
     {{{"timeincrement", "unitstime", "s"}},
      {{"physicalsizex", "unitslength", "µm"},
       {"physicalsizey", "unitslength", "µm"},
       {"physicalsizez", "unitslength", "µm"}}},
     {{"physicalsizex", "unitslength", "µm"},
      {"physicalsizey", "unitslength", "µm"},
      {"physicalsizez", "unitslength", "µm"},
      {"timeincrement", "unitstime", "s"}}},
    {"planeinfo",
     {{{"deltat", "unitstime", "s"}, {"exposuretime", "unitstime", "s"}},
      {{"positionx", "unitslength", "reference frame"},
       {"positiony", "unitslength", "reference frame"},
       {"positionz", "unitslength", "reference frame"}}},
     {{"deltat", "unitstime", "s"},
      {"exposuretime", "unitstime", "s"},
      {"positionx", "unitslength", "reference frame"},
      {"positiony", "unitslength", "reference frame"},
      {"positionz", "unitslength", "reference frame"}}},
};

// The domains the script creates before its type changes.
struct Domain {
    const char *name, *base, *check;
};
const Domain kDomains[] = {{"nonnegative_int", "INTEGER", "VALUE >= 0"},
                           {"positive_int", "INTEGER", "VALUE > 0"},
                           {"positive_float", "DOUBLE PRECISION", "VALUE > 0"},
                           {"percent_fraction", "DOUBLE PRECISION", "VALUE >= 0 AND VALUE <= 1"}};

const char* const kWhy =
    "speed: each table that grows with the data rewritten at most once (domains checked when "
    "the script ends, units stored as dropped defaults, or types, units and checks in one "
    "ALTER TABLE), indexes built after it; no dead rows left";

std::string unit_case(const Unit& u) {
    return std::string("case when ") + u.column + " is null then null else '" + u.value + "'::" + u.type + " end";
}

// The script's UPDATE of a table's unit columns, as it spells it.
std::string units_update(const std::string& t, const std::vector<Unit>& units) {
    std::string update = "update " + t + "\n", where = "  where ";
    for (size_t i = 0; i < units.size(); ++i) {
        const std::string c = units[i].column;
        update += std::string(i ? "      " : "  set ") + c + "unit = " + unit_case(units[i]) +
                  (i + 1 < units.size() ? ",\n" : "\n");
        where += (i ? " or " : "") + c + " is not null";
    }
    return update + where + ";\n";
}

std::string unit_check(const Unit& u) {
    const std::string c = u.column, unit = c + "unit";
    return "CHECK (" + c + " IS NULL AND " + unit + " IS NULL\n        OR " + c + " IS NOT NULL AND " + unit +
           " IS NOT NULL)";
}

// The script's ALTER TABLE ... ADD CONSTRAINT <column>_unitpair, as it spells it.
std::string unit_check_statement(const std::string& t, const Unit& u) {
    return "ALTER TABLE " + t + " ADD CONSTRAINT " + u.column + "_unitpair\n    " + unit_check(u) + ";\n";
}

// The script changes each column's type, then drops the table's old CHECK on
// those columns: every change re-validates that CHECK (a scan of the table).
// One ALTER TABLE drops it first (PostgreSQL runs drops before type changes).
struct TypeChanges {
    const char* table;
    std::vector<std::pair<const char*, const char*>> columns;  // as the script spells them, type
};
const TypeChanges kTypeChanges[] = {
    {"pixels",
     {{"physicalSizeX", "positive_float"},
      {"physicalSizeY", "positive_float"},
      {"physicalSizeZ", "positive_float"},
      {"significantBits", "positive_int"},
      {"sizeC", "positive_int"},
      {"sizeT", "positive_int"},
      {"sizeX", "positive_int"},
      {"sizeY", "positive_int"},
      {"sizeZ", "positive_int"}}},
    {"planeinfo", {{"theC", "nonnegative_int"}, {"theT", "nonnegative_int"}, {"theZ", "nonnegative_int"}}},
};

void add_type_changes(omero::sdk::Hop& h, const TypeChanges& t) {
    const std::string table = t.table;
    std::string find, replace = "ALTER TABLE " + table + " DROP CONSTRAINT " + table + "_check";
    for (const auto& [column, type] : t.columns) {
        find += "ALTER TABLE " + table + " ALTER COLUMN " + column + " TYPE " + type + ";\n";
        replace += std::string(",\n    ALTER COLUMN ") + column + " TYPE " + type;
    }
    find += "ALTER TABLE " + table + " DROP CONSTRAINT " + table + "_check;\n";
    h.shims.push_back({.why = kWhy, .find = find, .replace = replace + ";\n"});
}

void add_domains(omero::sdk::Hop& h) {
    std::string checks;
    for (const Domain& d : kDomains) {
        const std::string head = std::string("CREATE DOMAIN ") + d.name + " AS " + d.base;
        h.shims.push_back({.why = kWhy, .find = head + " CHECK (" + d.check + ");\n", .replace = head + ";\n"});
        checks +=
            std::string("ALTER DOMAIN ") + d.name + " ADD CONSTRAINT " + d.name + "_check CHECK (" + d.check + ");\n";
    }
    const std::string end = "--\n-- FINISHED\n--\n";
    h.shims.push_back({.why = kWhy, .find = end, .replace = checks + "\n" + end});
}

void add_default_units(omero::sdk::Hop& h, const DefaultUnits& d) {
    const std::string t = d.table;
    for (const auto& added : d.added) {
        std::string find = "ALTER TABLE " + t, replace = find, drop = "ALTER TABLE " + t;
        for (size_t i = 0; i < added.size(); ++i) {
            const Unit& u = added[i];
            const std::string column = std::string("\n\tADD COLUMN ") + u.column + "unit " + u.type;
            const char* end = i + 1 < added.size() ? "," : ";\n";
            find += column + end;
            replace += column + " DEFAULT '" + u.value + "'::" + u.type + end;
            drop += std::string(i ? "," : "") + "\n\tALTER COLUMN " + u.column + "unit DROP DEFAULT" +
                    (i + 1 < added.size() ? "" : ";\n");
        }
        h.shims.push_back({.why = kWhy, .find = find, .replace = replace + drop});
    }
    // Rows whose quantity is NULL must have no unit. Few: an UPDATE of those.
    // Many: one rewrite of the table computes every unit column from its row.
    std::string nulls, update = "UPDATE " + t + " SET ", rewrite = "ALTER TABLE " + t, checks = "ALTER TABLE " + t;
    for (size_t i = 0; i < d.units.size(); ++i) {
        const Unit& u = d.units[i];
        const std::string c = u.column;
        nulls += std::string(i ? " OR " : "") + c + " IS NULL";
        update +=
            std::string(i ? ", " : "") + c + "unit = CASE WHEN " + c + " IS NULL THEN NULL ELSE " + c + "unit END";
        rewrite +=
            std::string(i ? "," : "") + " ALTER COLUMN " + c + "unit TYPE " + u.type + " USING (" + unit_case(u) + ")";
        checks += std::string(i ? "," : "") + "\n    ADD CONSTRAINT " + c + "_unitpair " + unit_check(u);
        h.shims.push_back({.why = kWhy, .find = unit_check_statement(t, u), .replace = ""});
    }
    auto quoted = [](const std::string& sql) {
        std::string q;
        for (char ch : sql) q += ch == '\'' ? std::string("''") : std::string(1, ch);
        return "'" + q + "'";
    };
    const std::string block =
        "DO $units$ BEGIN\n"
        "  IF (SELECT count(*) FILTER (WHERE " +
        nulls + ") * 10 > count(*) FROM " + t +
        ") THEN\n"
        "    EXECUTE " +
        quoted(rewrite) +
        ";\n"
        "  ELSE\n"
        "    EXECUTE " +
        quoted(update + " WHERE " + nulls) +
        ";\n"
        "  END IF;\n"
        "END $units$;\n" +
        checks + ";\n";
    h.shims.push_back({.why = kWhy, .find = units_update(t, d.units), .replace = block});
}

void add_rewrite(omero::sdk::Hop& h, const Rewrite& w) {
    const std::string t = w.table;
    auto drop = [&](const std::string& statement) {
        h.shims.push_back({.why = kWhy, .find = statement, .replace = ""});
    };
    for (const std::string& s : w.earlier) drop(s);
    std::string alter = "ALTER TABLE " + t;
    const char* sep = "\n    ";
    for (const auto& [column, type] : w.types) {
        drop("ALTER TABLE " + t + " ALTER COLUMN " + column + " TYPE " + type + ";\n");
        alter += std::string(sep) + "ALTER COLUMN " + column + " TYPE " + type;
        sep = ",\n    ";
    }
    // The script's UPDATE, whole: its CASEs become the USING of each unit column.
    for (const Unit& u : w.units) {
        alter +=
            std::string(sep) + "ALTER COLUMN " + u.column + "unit TYPE " + u.type + " USING (" + unit_case(u) + ")";
        drop(unit_check_statement(t, u));
        alter += std::string(sep) + "ADD CONSTRAINT " + u.column + "_unitpair " + unit_check(u);
    }
    std::string indexes;
    for (const char* column : w.indexed) {
        std::string index = "CREATE INDEX i_" + t + "_" + column + " ON " + t + " USING btree (" + column + ");\n";
        drop(index);
        indexes += index;
    }
    h.shims.push_back({.why = kWhy, .find = units_update(t, w.units), .replace = alter + ";\n" + indexes});
}

omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"hop-5-0", HOP_VERSION, "omero developers",
                         "The OMERO 5.0 -> 5.1 database upgrade: notes, checks and PostgreSQL shims"};
    omero::sdk::Hop h{
        .from = "OMERO5.0__0",
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
    add_domains(h);
    for (const TypeChanges& t : kTypeChanges) add_type_changes(h, t);
    for (const Rewrite& w : kRewrites) add_rewrite(h, w);
    for (const DefaultUnits& d : kDefaultUnits) add_default_units(h, d);
    p.hop(std::move(h));
    return p;
}

}  // namespace

OMERO_PLUGIN(make)
