--
-- GENERATED %(TIME)s from %(DIR)s
--
-- This file was created by the `omero db script` command
-- and contains an MD5 version of your OMERO root user's password.
--
-- To create your database:
--
--     createdb omero
--     psql omero < %(SCRIPT)s
--
BEGIN;

CREATE OR REPLACE FUNCTION assert_db_server_prerequisites(version_prereq INTEGER) RETURNS void AS $$
BEGIN
    IF current_setting('server_version_num')::INTEGER < version_prereq THEN
        RAISE EXCEPTION 'PostgreSQL server version %% is less than the prerequisite %%',
            current_setting('server_version'), version_prereq;
    END IF;
    IF (SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()) <> 'UTF8' THEN
        RAISE EXCEPTION 'OMERO database character encoding must be UTF8';
    END IF;
END;$$ LANGUAGE plpgsql;

SELECT assert_db_server_prerequisites(90300);
