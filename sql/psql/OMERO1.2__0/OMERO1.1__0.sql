-- Upgrades OMERO1.1__0 to OMERO1.2__0: tags become annotations.
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

SELECT omero_assert_db_version('OMERO1.1', 0);
DROP FUNCTION omero_assert_db_version(VARCHAR, INTEGER);
SELECT assert_db_server_prerequisites(90300);

INSERT INTO dbpatch (currentVersion, currentPatch, previousVersion, previousPatch)
    VALUES ('OMERO1.2', 0, 'OMERO1.1', 0);

CREATE SEQUENCE seq_annotation;
CREATE TABLE annotation (
    id INT8 PRIMARY KEY DEFAULT nextval('seq_annotation'),
    image_id INT8 NOT NULL REFERENCES image ON DELETE CASCADE,
    ns VARCHAR(255) NOT NULL,
    value TEXT NOT NULL);
INSERT INTO annotation (image_id, ns, value)
    SELECT id, 'openmicroscopy.org/demo/year', extract(year FROM acquired)::text FROM image;
CREATE INDEX annotation_image ON annotation (image_id);

CREATE OR REPLACE VIEW count_image_by_owner AS
    SELECT owner_id, count(*) AS images FROM image GROUP BY owner_id;

UPDATE dbpatch SET message = 'Database updated.', finished = clock_timestamp()
    WHERE id IN (SELECT id FROM dbpatch ORDER BY id DESC LIMIT 1);

SELECT E'\n\nYOU HAVE SUCCESSFULLY UPGRADED YOUR DATABASE TO VERSION ' || currentversion || '__' || currentpatch
    AS status FROM dbpatch ORDER BY id DESC LIMIT 1;

COMMIT;
