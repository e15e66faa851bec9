
CREATE FUNCTION dbpatch_versions_trigger_function() RETURNS TRIGGER AS $$
BEGIN
    IF NEW.id <> (SELECT min(id) FROM dbpatch WHERE currentversion = NEW.currentversion
                  AND currentpatch = NEW.currentpatch AND previousversion = NEW.previousversion
                  AND previouspatch = NEW.previouspatch) THEN
        RAISE EXCEPTION 'upgrades cannot be repeated';
    END IF;
    RETURN NEW;
END;$$ LANGUAGE plpgsql;

CREATE TRIGGER dbpatch_versions_trigger AFTER INSERT ON dbpatch
    FOR EACH ROW EXECUTE PROCEDURE dbpatch_versions_trigger_function();

INSERT INTO dbpatch (currentVersion, currentPatch, previousVersion, previousPatch, message)
    VALUES ('@DBVERSION@', @DBPATCH@, '@DBVERSION@', @DBPATCH@, 'Initializing');

INSERT INTO experimentergroup VALUES (0, 'system'), (1, 'user'), (2, 'demo lab');
INSERT INTO experimenter VALUES (0, 'root', 'root', 'root'), (1, 'guest', 'Guest', 'Account'),
                                (2, 'jdoe', 'Jane', 'Doe');
INSERT INTO password VALUES (0, '@ROOTPASS@'), (1, '');
-- Some data for the upgrades to carry over (100%% of it must survive).
INSERT INTO image (id, name, owner_id, group_id, acquired)
    SELECT n, 'image_' || n || '.tif', 2, 2, timestamp '2020-01-01' + n * interval '1 hour'
    FROM generate_series(1, 5000) AS n;

UPDATE dbpatch SET message = 'Database ready.', finished = clock_timestamp()
    WHERE currentVersion = '@DBVERSION@' AND currentPatch = @DBPATCH@;

COMMIT;
