CREATE SEQUENCE seq_dbpatch;
CREATE TABLE dbpatch (
    id INT8 PRIMARY KEY DEFAULT nextval('seq_dbpatch'),
    currentVersion VARCHAR(255) NOT NULL,
    currentPatch INT4 NOT NULL,
    previousVersion VARCHAR(255) NOT NULL,
    previousPatch INT4 NOT NULL,
    finished TIMESTAMP WITHOUT TIME ZONE,
    message VARCHAR(255) DEFAULT 'Updating');;

CREATE TABLE experimentergroup (id INT8 PRIMARY KEY, name VARCHAR(255) NOT NULL UNIQUE);
CREATE TABLE experimenter (
    id INT8 PRIMARY KEY,
    omename VARCHAR(255) NOT NULL UNIQUE,
    firstname VARCHAR(255) NOT NULL,
    lastname VARCHAR(255) NOT NULL);
CREATE TABLE password (experimenter_id INT8 PRIMARY KEY REFERENCES experimenter, hash VARCHAR(255));
CREATE TABLE image (
    id INT8 PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    owner_id INT8 NOT NULL REFERENCES experimenter,
    group_id INT8 NOT NULL REFERENCES experimentergroup,
    acquired TIMESTAMP WITHOUT TIME ZONE);
