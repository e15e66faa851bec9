-- Upgrades OMERO1.0__0 to OMERO1.1__0: image descriptions and a data fix.
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
SELECT assert_db_server_prerequisites(90300);

INSERT INTO dbpatch (currentVersion, currentPatch, previousVersion, previousPatch)
    VALUES ('OMERO1.1', 0, 'OMERO1.0', 0);

ALTER TABLE image ADD COLUMN description TEXT;
UPDATE image SET description = E'imported\tfrom ' || split_part(name, '.', 2) || ' file';
CREATE INDEX image_owner ON image (owner_id);
CREATE INDEX image_acquired ON image (acquired);

-- Data fix: names were stored with their extension in capitals by 1.0 clients.
UPDATE image SET name = lower(name) WHERE name <> lower(name);

UPDATE dbpatch SET message = 'Database updated.', finished = clock_timestamp()
    WHERE id IN (SELECT id FROM dbpatch ORDER BY id DESC LIMIT 1);

SELECT E'\n\nYOU HAVE SUCCESSFULLY UPGRADED YOUR DATABASE TO VERSION ' || currentversion || '__' || currentpatch
    AS status FROM dbpatch ORDER BY id DESC LIMIT 1;

COMMIT;
