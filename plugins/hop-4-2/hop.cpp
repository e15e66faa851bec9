// The OMERO4.2__0 -> OMERO4.3__0 hop (OMERO 4.3, 2011). Its script adds the
// #4822 CHECK constraints on numeric columns; a row that breaks one stops
// the script at its ALTER TABLE with no row named. The checks below are
// those constraints, negated: every offending row, before anything runs.
#include <omero/plugin.hpp>

namespace {

// One CHECK the release's script adds (its lines 88-96), split where the
// release's data fix resolves part of it.
struct Rule {
    const char *name, *table, *condition, *fixed_by, *columns;
};
const Rule kRules[] = {
    {"imagingenvironment-ranges", "imagingenvironment",
     "humidity >= 0 and humidity <= 1 and co2percent >= 0 and co2percent <= 1", "", "humidity, co2percent"},
    {"laser-positive", "laser", "frequencyMultiplication > 0 and wavelength > 0", "",
     "frequencymultiplication, wavelength"},
    {"lightsettings-ranges", "lightsettings", "attenuation >= 0 and attenuation <= 1 and wavelength > 0", "",
     "attenuation, wavelength"},
    {"channel-wavelengths", "logicalchannel", "excitationWave > 0 and emissionWave > 0", "4.2-data-fix",
     "excitationwave, emissionwave"},
    {"channel-samples-per-pixel", "logicalchannel", "samplesPerPixel > 0", "samples-per-pixel", "samplesperpixel"},
    {"objective-magnification", "objective", "nominalMagnification > 0", "", "nominalmagnification"},
    {"otf-size", "otf", "sizeX > 0 and sizeY > 0", "", "sizex, sizey"},
    {"pixels-size-z", "pixels", "sizeZ <> 0", "4.2-data-fix", "sizez"},
    {"pixels-sizes", "pixels", "sizeX > 0 and sizeY > 0 and sizeZ >= 0 and sizeC > 0 and sizeT > 0", "",
     "sizex, sizey, sizez, sizec, sizet"},
    {"planeinfo-indexes", "planeinfo", "theZ >= 0 and theC >= 0 and theT >= 0", "", "thez, thec, thet"},
    {"transmittancerange-ranges", "transmittancerange",
     "cutIn > 0 and cutOut > 0 and cutInTolerance >= 0 and cutOutTolerance >= 0 and transmittance >= 0 and "
     "transmittance <= 1",
     "", "cutin, cutout, cutintolerance, cutouttolerance, transmittance"},
};

// Ids, group and owner of every row that breaks `r`, with the values that break it.
std::string violations(const Rule& r) {
    // laser and lightsource share ids (joined subclasses): group and owner live in lightsource.
    bool laser = std::string(r.table) == "laser";
    std::string from = laser ? "laser x JOIN lightsource o ON o.id = x.lightsource_id" : std::string(r.table) + " x";
    std::string id = laser ? "x.lightsource_id" : "x.id";
    std::string owner = laser ? "o" : "x";
    std::string values;
    std::string cols = r.columns;
    for (size_t a = 0; a < cols.size();) {
        size_t b = cols.find(", ", a);
        std::string c = cols.substr(a, b == std::string::npos ? std::string::npos : b - a);
        values +=
            std::string(values.empty() ? "" : " || ', ' || ") + "'" + c + "=' || coalesce(x." + c + "::text, 'NULL')";
        a = b == std::string::npos ? cols.size() : b + 2;
    }
    return "SELECT '" + std::string(r.table) + "', " + id + ", " + owner + ".group_id, " + owner +
           ".owner_id, 'breaks CHECK (" + r.condition + "): ' || " + values + " FROM " + from + " WHERE NOT (" +
           r.condition + ") ORDER BY 2";
}

omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"hop-4-2", HOP_VERSION, "omero developers",
                         "The OMERO 4.2 -> 4.3 database upgrade: checks, fixes and PostgreSQL shims"};
    omero::sdk::Hop h{
        .from = "OMERO4.2__0",
        .to = "OMERO4.3__0",
        .summary = "OMERO 4.3: range checks on numeric columns (#4822)",
        .notes =
            "4.3 adds CHECK constraints to numeric columns (#4822). Its checks list every row that breaks them; "
            "--fix 4.2-data-fix runs the release's omero-4.2-data-fix.sql (sizeZ 0 -> 1, wavelengths <= 0 -> "
            "NULL), --fix samples-per-pixel sets samplesPerPixel <= 0 to NULL (the release's fix misses it). "
            "Other values must be corrected by hand. OMERO.server 4.3 needs PostgreSQL 8.2 or later."};
    h.shipped_in = "OMERO.server 4.3.x (sql/psql/OMERO4.3__0/OMERO4.2__0.sql)";
    for (const Rule& r : kRules)
        h.checks.push_back(
            {.name = r.name,
             .summary = std::string("rows of ") + r.table + " that the new CHECK (" + r.condition + ") refuses",
             .sql = violations(r),
             .fixed_by = r.fixed_by});
    h.fixes = {
        {.name = "4.2-data-fix",
         .summary = "the release's omero-4.2-data-fix.sql: sizeZ 0 -> 1, wavelengths <= 0 -> NULL",
         .script = "omero-4.2-data-fix.sql"},
        {.name = "samples-per-pixel",
         .summary = "set logicalchannel.samplesPerPixel <= 0 to NULL (unknown)",
         .sql = "UPDATE logicalchannel SET samplesPerPixel = NULL WHERE samplesPerPixel <= 0;"},
    };
    h.shims = {{.why = "PostgreSQL >= 9.5 rejects RAISE '%%' with a parameter (a literal percent sign): use '%'",
                .find = "RAISE EXCEPTION ''%%'', txt;",
                .replace = "RAISE EXCEPTION ''%'', txt;",
                .min_count = 0,
                .max_count = 1}};
    // Speed: the script drops 4.2's index on planeinfo(pixels) and builds the
    // same index again under 4.3's name (a read and sort of the biggest
    // table): the one it has is renamed instead (built anew when absent).
    const char* why = "speed: planeinfo's index on pixels renamed to 4.3's name, not dropped and built again";
    h.shims.push_back({.why = why,
                       .find = "DROP INDEX planeinfo_pixels;\n",
                       .replace = "DO $index$ BEGIN\n"
                                  "  IF to_regclass('planeinfo_pixels') IS NOT NULL THEN\n"
                                  "    ALTER INDEX planeinfo_pixels RENAME TO i_planeinfo_pixels;\n"
                                  "  ELSE\n"
                                  "    CREATE INDEX i_planeinfo_pixels ON planeinfo (pixels);\n"
                                  "  END IF;\n"
                                  "END $index$;\n"});
    h.shims.push_back({.why = why, .find = "CREATE INDEX i_PlaneInfo_pixels ON planeinfo(pixels);\n", .replace = ""});
    p.hop(std::move(h));
    return p;
}

}  // namespace

OMERO_PLUGIN(make)
