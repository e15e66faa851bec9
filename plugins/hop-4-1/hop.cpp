// The OMERO4.1__0 -> OMERO4.2__0 hop (OMERO 4.2, 2010: the permissions
// rework). Only this release's knowledge, as data: what the release's own
// inline report (omero_41_check1) refuses, found read-only and row by row;
// the fixes the 4.2 upgrade guide names; and the shims its script needs on
// a PostgreSQL newer than the 8.x it was written for.
#include <omero/plugin.hpp>
#include <string>
#include <vector>

namespace {

// Links that 4.2 forbids across groups (the script's omero_41_lockchecks):
// a row of `table` whose `column` points at a row of `target`.
struct Link {
    const char *target, *table, *column;
};
const Link kLinks[] = {
    {"Dataset", "DatasetImageLink", "parent"},
    {"Dataset", "ProjectDatasetLink", "child"},
    {"Dataset", "DatasetAnnotationLink", "parent"},
    {"Plate", "Well", "plate"},
    {"Plate", "PlateAnnotationLink", "parent"},
    {"Plate", "ScreenPlateLink", "child"},
    {"Channel", "ChannelAnnotationLink", "parent"},
    {"Microscope", "Instrument", "microscope"},
    {"WellSample", "WellSampleAnnotationLink", "parent"},
    {"WellSample", "ScreenAcquisitionWellSampleLink", "child"},
    {"PlaneInfo", "PlaneInfoAnnotationLink", "parent"},
    {"TransmittanceRange", "Filter", "transmittanceRange"},
    {"QuantumDef", "RenderingDef", "quantization"},
    {"Image", "ImageAnnotationLink", "parent"},
    {"Image", "WellSample", "image"},
    {"Image", "DatasetImageLink", "child"},
    {"Image", "Pixels", "image"},
    {"Image", "Roi", "image"},
    {"MicrobeamManipulation", "LightSettings", "microbeamManipulation"},
    {"RenderingDef", "CodomainMapContext", "renderingDef"},
    {"RenderingDef", "ChannelBinding", "renderingDef"},
    {"Project", "ProjectAnnotationLink", "parent"},
    {"Project", "ProjectDatasetLink", "parent"},
    {"StageLabel", "Image", "stageLabel"},
    {"Pixels", "Channel", "pixels"},
    {"Pixels", "PlaneInfo", "pixels"},
    {"Pixels", "Pixels", "relatedTo"},
    {"Pixels", "Shape", "pixels"},
    {"Pixels", "PixelsAnnotationLink", "parent"},
    {"Pixels", "PixelsOriginalFileMap", "child"},
    {"Roi", "RoiAnnotationLink", "parent"},
    {"Roi", "Shape", "roi"},
    {"ObjectiveSettings", "Image", "objectiveSettings"},
    {"Instrument", "Image", "instrument"},
    {"Instrument", "Detector", "instrument"},
    {"Instrument", "OTF", "instrument"},
    {"Instrument", "FilterSet", "instrument"},
    {"Instrument", "LightSource", "instrument"},
    {"Instrument", "Dichroic", "instrument"},
    {"Instrument", "Objective", "instrument"},
    {"Instrument", "Filter", "instrument"},
    {"ScreenAcquisition", "ScreenAcquisitionAnnotationLink", "parent"},
    {"ScreenAcquisition", "ScreenAcquisitionWellSampleLink", "parent"},
    {"Well", "WellAnnotationLink", "parent"},
    {"Well", "WellSample", "well"},
    {"Well", "WellReagentLink", "parent"},
    {"ImagingEnvironment", "Image", "imagingEnvironment"},
    {"Reagent", "WellReagentLink", "child"},
    {"Reagent", "ReagentAnnotationLink", "parent"},
    {"Detector", "DetectorSettings", "detector"},
    {"OTF", "LogicalChannel", "otf"},
    {"LightSettings", "LogicalChannel", "lightSourceSettings"},
    {"LightSource", "LightSettings", "lightSource"},
    {"OriginalFile", "OriginalFileAnnotationLink", "parent"},
    {"OriginalFile", "JobOriginalFileLink", "child"},
    {"OriginalFile", "Roi", "source"},
    {"OriginalFile", "PixelsOriginalFileMap", "parent"},
    {"Job", "JobOriginalFileLink", "parent"},
    {"Annotation", "WellSampleAnnotationLink", "child"},
    {"Annotation", "WellAnnotationLink", "child"},
    {"Annotation", "ImageAnnotationLink", "child"},
    {"Annotation", "OriginalFileAnnotationLink", "child"},
    {"Annotation", "PlaneInfoAnnotationLink", "child"},
    {"Annotation", "ChannelAnnotationLink", "child"},
    {"Annotation", "ExperimenterGroupAnnotationLink", "child"},
    {"Annotation", "RoiAnnotationLink", "child"},
    {"Annotation", "AnnotationAnnotationLink", "child"},
    {"Annotation", "AnnotationAnnotationLink", "parent"},
    {"Annotation", "NodeAnnotationLink", "child"},
    {"Annotation", "ProjectAnnotationLink", "child"},
    {"Annotation", "ReagentAnnotationLink", "child"},
    {"Annotation", "PlateAnnotationLink", "child"},
    {"Annotation", "ExperimenterAnnotationLink", "child"},
    {"Annotation", "ScreenAcquisitionAnnotationLink", "child"},
    {"Annotation", "ScreenAnnotationLink", "child"},
    {"Annotation", "PixelsAnnotationLink", "child"},
    {"Annotation", "DatasetAnnotationLink", "child"},
    {"Annotation", "SessionAnnotationLink", "child"},
    {"FilterSet", "OTF", "filterSet"},
    {"FilterSet", "LogicalChannel", "filterSet"},
    {"StatsInfo", "Channel", "statsInfo"},
    {"Screen", "ScreenAcquisition", "screen"},
    {"Screen", "Reagent", "screen"},
    {"Screen", "ScreenAnnotationLink", "parent"},
    {"Screen", "ScreenPlateLink", "parent"},
    {"Dichroic", "FilterSet", "dichroic"},
    {"Objective", "ObjectiveSettings", "objective"},
    {"Objective", "OTF", "objective"},
    {"Experiment", "Image", "experiment"},
    {"Experiment", "MicrobeamManipulation", "experiment"},
    {"DetectorSettings", "LogicalChannel", "detectorSettings"},
    {"Filter", "FilterSet", "emFilter"},
    {"Filter", "FilterSet", "exFilter"},
    {"Filter", "LogicalChannel", "secondaryEmissionFilter"},
    {"Filter", "LogicalChannel", "secondaryExcitationFilter"},
    {"LogicalChannel", "Channel", "logicalChannel"},
    {"Shape", "LogicalChannel", "shapes"},
};

// The tables the script's report checks for world-readable rows.
const char* const kTables =
    "acquisitionmode annotation annotationannotationlink arc arctype binning channel "
    "channelannotationlink channelbinding codomainmapcontext contrastmethod "
    "contraststretchingcontext correction dataset datasetannotationlink datasetimagelink dbpatch "
    "detector detectorsettings detectortype dichroic dimensionorder event eventlog eventtype "
    "experiment experimenter experimenterannotationlink experimentergroup "
    "experimentergroupannotationlink experimenttype externalinfo family filament filamenttype "
    "filter filterset filtertype format groupexperimentermap illumination image "
    "imageannotationlink imagingenvironment immersion importjob instrument job "
    "joboriginalfilelink jobstatus laser lasermedium lasertype lightemittingdiode lightsettings "
    "lightsource link logicalchannel medium microbeammanipulation microbeammanipulationtype "
    "microscope microscopetype node nodeannotationlink objective objectivesettings originalfile "
    "originalfileannotationlink otf photometricinterpretation pixels pixelsannotationlink "
    "pixelsoriginalfilemap pixelstype planeinfo planeinfoannotationlink planeslicingcontext plate "
    "plateannotationlink project projectannotationlink projectdatasetlink pulse quantumdef "
    "reagent reagentannotationlink renderingdef renderingmodel reverseintensitycontext roi "
    "roiannotationlink screen screenacquisition screenacquisitionannotationlink "
    "screenacquisitionwellsamplelink screenannotationlink screenplatelink scriptjob session "
    "sessionannotationlink shape share sharemember stagelabel statsinfo thumbnail "
    "transmittancerange well ";

// Rows 4.2 treats as system data (the script's omero_41_perms skips them).
const char* const kSystemTables =
    "'experimenter', 'experimentergroup', 'groupexperimentermap', 'sharemember', 'eventtype', 'immersion', "
    "'arctype', 'renderingmodel', 'acquisitionmode', 'binning', 'family', 'medium', 'pixelstype', 'format', "
    "'pulse', 'lasertype', 'jobstatus', 'detectortype', 'microbeammanipulationtype', 'illumination', "
    "'photometricinterpretation', 'correction', 'lasermedium', 'microscopetype', 'dimensionorder', "
    "'experimenttype', 'contrastmethod', 'filamenttype', 'filtertype'";

// The (parent, child) UNIQUE constraints the script drops by their 8.x names.
const char* const kUniqueParentChild[] = {"annotationannotationlink",
                                          "channelannotationlink",
                                          "datasetannotationlink",
                                          "datasetimagelink",
                                          "projectdatasetlink",
                                          "imageannotationlink",
                                          "joboriginalfilelink",
                                          "originalfileannotationlink",
                                          "pixelsoriginalfilemap",
                                          "pixelsannotationlink",
                                          "planeinfoannotationlink",
                                          "plateannotationlink",
                                          "screenplatelink",
                                          "projectannotationlink",
                                          "reagentannotationlink",
                                          "wellreagentlink",
                                          "roiannotationlink",
                                          "screenannotationlink",
                                          "wellannotationlink",
                                          "wellsampleannotationlink",
                                          "experimenterannotationlink",
                                          "experimentergroupannotationlink",
                                          "nodeannotationlink",
                                          "sessionannotationlink"};

// Ordered-collection triggers and functions only a 3A-era upgrade created.
const char* const kOldTriggers[][2] = {
    {"channel_pixels_index_trigger", "channel"},
    {"channelbinding_renderingdef_index_trigger", "channelbinding"},
    {"codomainmapcontext_renderingdef_index_trigger", "codomainmapcontext"},
    {"lightpathexcitationfilterlink_parent_index_trigger", "lightpathexcitationfilterlink"},
    {"groupexperimentermap_child_index_trigger", "groupexperimentermap"},
    {"pixels_image_index_trigger", "pixels"},
    {"shape_roi_index_trigger", "shape"},
    {"wellsample_well_index_trigger", "wellsample"}};

// The count views a database created at 4.1 has (the release's views.sql):
// count_<type>_<field>_by_owner counts `link` rows by `column` and owner.
// A database created before 4.0 has them as tables (README of the legacy
// SQL, "Schema at 4.1"); the 4.2 script drops some as views.
struct CountView {
    const char *type, *field, *link, *column;
};
const CountView kCountViews[] = {
    {"Dataset", "projectLinks", "projectdatasetlink", "child"},
    {"Dataset", "imageLinks", "datasetimagelink", "parent"},
    {"Dataset", "annotationLinks", "datasetannotationlink", "parent"},
    {"Plate", "screenLinks", "screenplatelink", "child"},
    {"Plate", "annotationLinks", "plateannotationlink", "parent"},
    {"Channel", "annotationLinks", "channelannotationlink", "parent"},
    {"WellSample", "screenAcquisitionLinks", "screenacquisitionwellsamplelink", "child"},
    {"WellSample", "annotationLinks", "wellsampleannotationlink", "parent"},
    {"PlaneInfo", "annotationLinks", "planeinfoannotationlink", "parent"},
    {"Image", "datasetLinks", "datasetimagelink", "child"},
    {"Image", "annotationLinks", "imageannotationlink", "parent"},
    {"ExperimenterGroup", "groupExperimenterMap", "groupexperimentermap", "parent"},
    {"ExperimenterGroup", "annotationLinks", "experimentergroupannotationlink", "parent"},
    {"Project", "datasetLinks", "projectdatasetlink", "parent"},
    {"Project", "annotationLinks", "projectannotationlink", "parent"},
    {"Pixels", "pixelsFileMaps", "pixelsoriginalfilemap", "child"},
    {"Pixels", "annotationLinks", "pixelsannotationlink", "parent"},
    {"Roi", "annotationLinks", "roiannotationlink", "parent"},
    {"ScreenAcquisition", "wellSampleLinks", "screenacquisitionwellsamplelink", "parent"},
    {"ScreenAcquisition", "annotationLinks", "screenacquisitionannotationlink", "parent"},
    {"Well", "reagentLinks", "wellreagentlink", "parent"},
    {"Well", "annotationLinks", "wellannotationlink", "parent"},
    {"Reagent", "wellLinks", "wellreagentlink", "child"},
    {"Reagent", "annotationLinks", "reagentannotationlink", "parent"},
    {"OriginalFile", "pixelsFileMaps", "pixelsoriginalfilemap", "parent"},
    {"OriginalFile", "annotationLinks", "originalfileannotationlink", "parent"},
    {"Annotation", "annotationLinks", "annotationannotationlink", "parent"},
    {"Job", "originalFileLinks", "joboriginalfilelink", "parent"},
    {"Screen", "plateLinks", "screenplatelink", "parent"},
    {"Screen", "annotationLinks", "screenannotationlink", "parent"},
    {"Session", "annotationLinks", "sessionannotationlink", "parent"},
    {"Node", "annotationLinks", "nodeannotationlink", "parent"},
    {"Experimenter", "groupExperimenterMap", "groupexperimentermap", "child"},
    {"Experimenter", "annotationLinks", "experimenterannotationlink", "parent"},
};

// What a database created before 4.0 has at 4.1 that one created at 4.1
// has not (or names otherwise), made the same before the 4.2 script needs
// it. Each part acts only where the difference is there: on a database
// created at 4.1 the block changes nothing.
std::string reconcile_pre40_sql() {
    std::string views;
    for (const CountView& v : kCountViews)
        views += std::string(views.empty() ? "" : ", ") + "('" + v.type + "', '" + v.field + "', '" + v.link + "', '" +
                 v.column + "')";
    return "DO $reconcile$ DECLARE v record; name text; BEGIN "
           // The count tables of 3.x become the views 4.1 creates.
           "FOR v IN SELECT * FROM (VALUES " +
           views +
           ") AS d(type, field, link, col) LOOP "
           "name := lower('count_' || v.type || '_' || v.field || '_by_owner'); "
           "IF (SELECT relkind FROM pg_class WHERE oid = to_regclass(name)) = 'r' THEN "
           "EXECUTE format('DROP TABLE %I', name); END IF; "
           "IF to_regclass(name) IS NULL THEN EXECUTE format('CREATE VIEW %I (%I, owner_id, count) AS select %I, "
           "owner_id, count(*) FROM %I GROUP BY %I, owner_id ORDER BY %I', name, lower(v.type) || '_id', v.col, "
           "v.link, v.col, v.col); END IF; END LOOP; "
           // Count tables of types 4.0 removed (categories, 3.x ROI links).
           "DROP TABLE IF EXISTS count_category_categorygrouplinks_by_owner, count_category_imagelinks_by_owner, "
           "count_categorygroup_categorylinks_by_owner, count_image_categorylinks_by_owner, "
           "count_roilink_annotationlinks_by_owner; "
           // A second key beside 4.1's primary key; a 3.x foreign key beside the one 4.0 added.
           "ALTER TABLE password DROP CONSTRAINT IF EXISTS password_experimenter_id_key; "
           "ALTER TABLE laser DROP CONSTRAINT IF EXISTS fklaser_pump_laser; "
           // The 4.0 script points sharemember.parent at session; 4.1 creates it pointing at share.
           "IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fksharemember_parent_session' "
           "AND conrelid = 'sharemember'::regclass) THEN ALTER TABLE sharemember DROP CONSTRAINT "
           "fksharemember_parent_session, ADD CONSTRAINT fksharemember_parent_share FOREIGN KEY (parent) "
           "REFERENCES share(session_id); END IF; "
           // The name the 4.0 script gave; PostgreSQL's own name when 4.1 creates it.
           "IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'wellsample_well_key' "
           "AND conrelid = 'wellsample'::regclass) THEN ALTER TABLE wellsample RENAME CONSTRAINT "
           "wellsample_well_key TO wellsample_well_well_index_key; END IF; "
           "END $reconcile$;\n";
}

std::string cross_group_sql() {
    std::string values;
    for (const Link& l : kLinks)
        values +=
            std::string(values.empty() ? "" : ", ") + "('" + l.target + "', '" + l.table + "', '" + l.column + "')";
    // One read-only query: query_to_xml runs the per-link query that the
    // script's plpgsql loop would EXECUTE, with the script's own conditions
    // (group 1, "user", and root, id 0, are exempt).
    return "WITH links(target, tbl, col) AS (VALUES " + values +
           ") "
           "SELECT l.tbl AS what, x.id, x.group_id, x.owner_id, "
           "  lower(l.col) || ' -> ' || l.target || '(id=' || x.target_id || ', group=' || x.target_group || "
           "  ', owner=' || x.target_owner || '): ' || CASE WHEN x.group_id <> x.target_group "
           "  THEN 'different groups' ELSE 'an owner is not a member of the other group' END AS detail "
           "FROM links l, LATERAL xmltable('/table/row' PASSING query_to_xml(format("
           "  'SELECT t.id, t.group_id, t.owner_id, g.id AS target_id, g.group_id AS target_group, "
           "g.owner_id AS target_owner FROM %I t JOIN %I g ON g.id = t.%I "
           // Membership as hash joins, not a sub-select per row: the link tables are the big ones.
           "LEFT JOIN (SELECT DISTINCT parent, child FROM groupexperimentermap) m1 "
           "ON m1.parent = t.group_id AND m1.child = g.owner_id "
           "LEFT JOIN (SELECT DISTINCT parent, child FROM groupexperimentermap) m2 "
           "ON m2.parent = g.group_id AND m2.child = t.owner_id "
           "WHERE (g.group_id <> 1 AND g.group_id <> t.group_id) "
           "OR (g.owner_id <> 0 AND m1.child IS NULL) OR (t.owner_id <> 0 AND m2.child IS NULL)', "
           "  lower(l.tbl), lower(l.target), lower(l.col)), true, false, '') "
           "  COLUMNS id bigint, group_id bigint, owner_id bigint, target_id bigint, target_group bigint, "
           "  target_owner bigint) x "
           // The script's irregular ones: a laser's pump, a file or thumbnail annotation.
           "UNION ALL SELECT 'Laser', t.id, t.group_id, t.owner_id, 'pump -> LightSource(id=' || g.id || "
           "  ', group=' || g.group_id || ', owner=' || g.owner_id || '): different groups' "
           "FROM lightsource g JOIN laser l2 ON l2.pump = g.id JOIN lightsource t ON t.id = l2.lightsource_id "
           "WHERE g.group_id <> t.group_id "
           "UNION ALL SELECT 'FileAnnotation', t.id, t.group_id, t.owner_id, 'file -> OriginalFile(id=' || g.id || "
           "  ', group=' || g.group_id || ', owner=' || g.owner_id || '): different groups' "
           "FROM annotation t JOIN originalfile g ON g.id = t.file WHERE g.group_id <> t.group_id "
           "UNION ALL SELECT 'ThumbnailAnnotation', t.id, t.group_id, t.owner_id, 'thumbnail -> Thumbnail(id=' || "
           "  g.id || ', group=' || g.group_id || ', owner=' || g.owner_id || '): different groups' "
           "FROM annotation t JOIN thumbnail g ON g.id = t.thumbnail WHERE g.group_id <> t.group_id "
           "ORDER BY 1, 2";
}

// The tables of the list that really have the two columns (the script's
// loop skips the others by catching the error).
std::string checked_tables() {
    return std::string(
               "SELECT c.table_name::text AS tbl FROM information_schema.columns c "
               "WHERE c.table_schema = current_schema() AND c.column_name = 'permissions' "
               "AND c.table_name = ANY (string_to_array('") +
           kTables +
           "', ' ')) "
           "AND c.table_name NOT IN (" +
           kSystemTables +
           ") "
           "AND EXISTS (SELECT 1 FROM information_schema.columns g WHERE g.table_schema = c.table_schema "
           "AND g.table_name = c.table_name AND g.column_name = 'group_id')";
}

std::string world_readable_sql() {
    // Script files the 4.2 upgrade moves to the "user" group itself are not reported.
    return "SELECT t.tbl AS what, x.id, x.group_id, x.owner_id, 'readable by everyone (' || x.perms || ')' "
           "FROM (" +
           checked_tables() +
           ") t, LATERAL xmltable('/table/row' PASSING query_to_xml(format("
           "  'SELECT id, group_id, owner_id, permissions AS perms FROM %I WHERE group_id <> 1 "
           "AND (permissions & 4) = 4 %s', t.tbl, CASE WHEN t.tbl = 'originalfile' THEN "
           "'AND NOT (group_id = 0 AND (name IN (''makemovie.py'', ''populateroi.py'') OR format IN "
           "(SELECT id FROM format WHERE value = ''Directory'')))' ELSE '' END), true, false, '') "
           "  COLUMNS id bigint, group_id bigint, owner_id bigint, perms bigint) x ORDER BY 1, 2";
}

std::string private_rows_sql() {
    return "DO $fix$ DECLARE r record; BEGIN FOR r IN " + checked_tables() +
           " LOOP EXECUTE format('UPDATE %I SET permissions = permissions & ~6::bigint WHERE group_id <> 1 "
           "AND (permissions & 4) = 4', r.tbl); END LOOP; END $fix$;";
}

omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"hop-4-1", HOP_VERSION, "omero developers",
                         "The OMERO 4.1 -> 4.2 database upgrade: checks, fixes and PostgreSQL shims"};
    omero::sdk::Hop h{.from = "OMERO4.1__0",
                      .to = "OMERO4.2__0",
                      .summary = "OMERO 4.2: groups become private; data linked across groups must move first",
                      .notes =
                          "4.2 makes every group private (rw----) and refuses data linked across groups or "
                          "readable by everyone outside the 'user' group. Its checks list every such "
                          "row; move a user's data into one group with --fix move-to-group:GRP=<group "
                          "id>,USR=<user id> (the release's omero-4.1-move-to-group.sql), and make rows "
                          "private with --fix private-rows. OMERO.server 4.2 needs Java 6 and Ice 3.3."};
    h.shipped_in = "OMERO.server 4.2.x (sql/psql/OMERO4.2__0/OMERO4.1__0.sql)";
    h.checks = {
        {.name = "cross-group-links",
         .summary = "links between objects of different groups (or to an owner outside the group), which 4.2 forbids",
         .sql = cross_group_sql(),
         .fixed_by = "move-to-group"},
        {.name = "world-readable",
         .summary = "rows readable by everyone outside the 'user' group, which 4.2 forbids",
         .sql = world_readable_sql(),
         .fixed_by = "private-rows"},
    };
    h.fixes = {
        {.name = "move-to-group",
         .summary = "move all of user USR's rows into group GRP (the release's script)",
         .params = "GRP USR",
         .script = "omero-4.1-move-to-group.sql"},
        {.name = "private-rows",
         .summary = "take away the world read/write bits of the rows 'world-readable' lists",
         .sql = private_rows_sql()},
    };
    for (const char* t : kUniqueParentChild)
        h.shims.push_back({.why = "PostgreSQL >= 9.0 names a UNIQUE (parent, child) constraint "
                                  "<table>_parent_child_key, 8.x named it <table>_parent_key: drop either",
                           .find = std::string("DROP CONSTRAINT ") + t + "_parent_key;",
                           .replace = std::string("DROP CONSTRAINT IF EXISTS ") + t +
                                      "_parent_key, DROP CONSTRAINT IF EXISTS " + t + "_parent_child_key;"});
    // Before the first statement that assumes count views (the 4.2 script's
    // first DROP VIEW): a database created before 4.0 is brought to 4.1's form.
    const std::string first_view_drop = "DROP VIEW count_screenacquisition_annotationlinks_by_owner;";
    h.shims.push_back({.why = "a database created before 4.0 (OMERO 3.x) has count tables where 4.1 has views, and "
                              "other keys and names: made the same as a 4.1 one first (no change to a database "
                              "created at 4.1)",
                       .find = first_view_drop,
                       .replace = reconcile_pre40_sql() + first_view_drop});
    // The script's own report reads every checked table a second time (over
    // a third of the hop on a large database) and can only abort: the two
    // checks above are the same report, run in this hop's transaction (or
    // in the pre-flight of a locked database), and refuse the hop on any row.
    h.shims.push_back({.why = "the script's report (omero_41_check1) is the checks cross-group-links and "
                              "world-readable, which have already passed: not read a second time",
                       .find = "select * from omero_41_check1(cast(:ACTION as text));",
                       .replace = "-- omero_41_check1: the checks cross-group-links and world-readable passed\n"});
    for (const auto& [trigger, table] : kOldTriggers) {
        std::string fn =
            std::string(trigger).substr(0, std::string(trigger).size() - 8) + "_move";  // _trigger -> _move
        const char* why = "drops ordered-collection triggers that only a 3A-era upgrade created: skip them when absent";
        h.shims.push_back({.why = why,
                           .find = std::string("DROP TRIGGER ") + trigger + " ON " + table + ";",
                           .replace = std::string("DROP TRIGGER IF EXISTS ") + trigger + " ON " + table + ";"});
        h.shims.push_back(
            {.why = why, .find = "DROP FUNCTION " + fn + "();", .replace = "DROP FUNCTION IF EXISTS " + fn + "();"});
    }
    p.hop(std::move(h));
    return p;
}

}  // namespace

OMERO_PLUGIN(make)
