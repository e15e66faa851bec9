-- an OMERO-shaped upgrade script
\set ON_ERROR_STOP on
\set ACTION '''ABORT'''
BEGIN;
SELECT omero_assert_db_version('OMERO5.3', 0);
CREATE OR REPLACE FUNCTION f(x text) RETURNS void AS $$
BEGIN
    RAISE NOTICE 'a ; b %', x;
END;$$ LANGUAGE plpgsql;
create function g() returns int as 'select 1; -- no split' language sql;
/* a /* nested */ comment ; */
SELECT E'it''s \' ; ', "quoted ; id", $tag$ ; $tag$, :ACTION, :'ACTION';
\echo done
INSERT INTO dbpatch (currentVersion) VALUES ('OMERO5.4');
COMMIT;
