// The OMERO3A__11 -> OMERO4__0 hop (OMERO 3.2 -> 4.0, 2009). The release's
// script asserts that 32 tables are empty (omero_assert_empty) and stops at
// the first non-empty one with only its name. The checks below are those
// assertions, one per table, naming every row before anything runs.
#include <omero/plugin.hpp>

#include <string>

namespace {

// Tables whose 3.x rows 4.0 cannot convert: instrument parts it reshapes.
const char* const kConverted[] = {"dichroic",      "filter",    "filterset",
                                  "lightsettings", "objective", "transmittancerange"};

// Tables 4.0 drops, in an order in which their rows can be deleted (links
// and the 3.x count tables before what they point at).
const char* const kDropped[] = {"categoryimagelink",
                                "categorygroupcategorylink",
                                "category",
                                "categorygroup",
                                "cellarea",
                                "celleccentricity",
                                "cellextent",
                                "cellmajoraxislength",
                                "cellminoraxislength",
                                "cellperimeter",
                                "cellposition",
                                "cellsolidity",
                                "imagecellcount",
                                "imagenucleascount",
                                "nucleusarea",
                                "nucleuseccentricity",
                                "nucleusextent",
                                "nucleusmajoraxislength",
                                "nucleusminoraxislength",
                                "nucleusperimeter",
                                "nucleusposition",
                                "nucleussolidity",
                                "roi",
                                "customizedfilterset",
                                "emissionfilter",
                                "excitationfilter"};

// Rows that point at a dropped table's rows and go with them (the script's
// DROP TABLE ... CASCADE would drop their tables' constraints, not the rows).
const char* const kDependents[] = {"count_category_categorygrouplinks_by_owner",
                                   "count_category_imagelinks_by_owner",
                                   "count_categorygroup_categorylinks_by_owner",
                                   "count_image_categorylinks_by_owner",
                                   "count_roilink_annotationlinks_by_owner",
                                   "roilinkannotationlink",
                                   "roilink"};

std::string rows_of(const std::string& table, const std::string& detail) {
    return "SELECT '" + table + "', id, group_id, owner_id, '" + detail + "' FROM " + table + " ORDER BY id";
}

std::string discard_sql() {
    // Tables are named only when they exist, so the fix also runs on a
    // database whose 3.x schema lacks one of them.
    std::string list;
    auto add = [&](const char* t) { list += std::string(list.empty() ? "'" : ", '") + t + "'"; };
    for (const char* t : kDependents) add(t);
    for (const char* t : kDropped) add(t);
    return "DO $discard$ DECLARE t text; BEGIN FOREACH t IN ARRAY ARRAY[" + list +
           "] LOOP IF to_regclass(t) IS NOT NULL THEN EXECUTE format('DELETE FROM %I', t); END IF; END LOOP; "
           "END $discard$;";
}

omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"hop-3-2", HOP_VERSION, "omero developers",
                         "The OMERO 3.2 -> 4.0 database upgrade: checks, fixes and notes"};
    omero::sdk::Hop h{
        .from = "OMERO3A__11",
        .to = "OMERO4__0",
        .summary = "OMERO 4.0: categories, 3.x ROIs and cell measurements removed; filters reshaped",
        .notes =
            "4.0 is a new installation that reuses the 3.2 database and data directory: install OMERO.server 4.0 "
            "beside 3.2 (not over it), and give the new server the old omero.data.dir and omero.db.* settings "
            "('omero upgrade run' carries them from the 3.2 distribution's properties files or --set). The "
            "release converts sequences to seq_table, shifts every permissions value (#1191) and refuses to run "
            "while 32 tables hold rows it would drop (categories, 3.x ROIs, cell and nucleus measurements) or "
            "cannot convert (dichroics, filters, filter sets, light settings, objectives, transmittance ranges). "
            "Its checks list every such row; --fix discard-3x-data deletes the rows of the dropped kinds (the "
            "verified backup keeps them); rows of the converted kinds must be removed by hand."};
    h.shipped_in = "OMERO.server 4.0.x (sql/psql/OMERO4__0/OMERO3A__11.sql)";
    for (const char* t : kConverted)
        h.checks.push_back({.name = std::string("empty-") + t,
                            .summary = std::string("rows of ") + t +
                                       ", which 4.0 cannot convert (remove them by hand, keeping a copy)",
                            .sql = rows_of(t, "4.0 cannot convert this row"),
                            .fixed_by = ""});
    for (const char* t : kDropped)
        h.checks.push_back({.name = std::string("empty-") + t,
                            .summary = std::string("rows of ") + t + ", a table 4.0 drops",
                            .sql = rows_of(t, "4.0 drops this table"),
                            .fixed_by = "discard-3x-data"});
    h.fixes = {{.name = "discard-3x-data",
                .summary = "delete the rows of the tables 4.0 drops (categories, 3.x ROIs, cell and nucleus "
                           "measurements, customized filter sets) and of their links",
                .sql = discard_sql()}};
    p.hop(std::move(h));
    return p;
}

}  // namespace

OMERO_PLUGIN(make)
