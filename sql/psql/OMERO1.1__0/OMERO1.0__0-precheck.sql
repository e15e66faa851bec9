-- Checks that OMERO1.0__0 can be upgraded to OMERO1.1__0. Changes nothing.
BEGIN;

CREATE OR REPLACE FUNCTION omero_assert_db_version(expected_version VARCHAR, expected_patch INTEGER) RETURNS void AS $$
DECLARE
    current_version VARCHAR;
    current_patch INTEGER;
BEGIN
    SELECT currentversion, currentpatch INTO STRICT current_version, current_patch
        FROM dbpatch ORDER BY id DESC LIMIT 1;
    IF current_version <> expected_version OR current_patch <> expected_patch THEN
        RAISE EXCEPTION 'wrong OMERO database version for this upgrade script';
    END IF;
END;$$ LANGUAGE plpgsql;

SELECT omero_assert_db_version('OMERO1.0', 0);
DROP FUNCTION omero_assert_db_version(VARCHAR, INTEGER);

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM image WHERE name = '') THEN
        RAISE EXCEPTION 'images without a name: fix them before upgrading';
    END IF;
END $$;

SELECT 'YOUR DATABASE IS READY FOR UPGRADE TO VERSION OMERO1.1__0' AS status;
COMMIT;
