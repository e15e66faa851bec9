#!/usr/bin/env bash
# Writes the OMERO 4.1 creation script from the shared 4.1 files, the way
# `bin/omero db script` of that era did: a comment header, BEGIN, schema.sql,
# data.sql with @ROOTPASS@ replaced, views.sql, COMMIT.
#
#   scripts/legacy-41.sh SHARED_LEGACY_DIR [ROOT_PASSWORD_HASH] > OMERO4.1__0.sql
#
# The one change (../shared/omero-sql-legacy/README.md, "Results"): data.sql
# adds seq_table's primary key a second time, which fails inside the single
# transaction on every PostgreSQL; the duplicate clause is dropped.
set -euo pipefail
src=$1
hash=${2:-LSjpGNDDKH/7iZyIwB8OTA==}   # base64(md5("omero"))
for f in schema.sql data.sql views.sql; do
  [ -r "$src/OMERO4.1__0/$f" ] || { echo "legacy-41: $src/OMERO4.1__0/$f is missing" >&2; exit 1; }
done
printf -- '--\n-- GENERATED %s from %s\n--\n-- To create your database: createdb omero; psql omero < this file\n--\n\nBEGIN;\n' \
  "$(date -u '+%Y-%m-%d %H:%M:%S')" "$src/OMERO4.1__0"
cat "$src/OMERO4.1__0/schema.sql"
python3 - "$src/OMERO4.1__0/data.sql" "$hash" <<'PY'
import sys
text = open(sys.argv[1], encoding="ascii").read()
dup = "    alter column sequence_name set not null,\n    add primary key (sequence_name);"
assert text.count(dup) == 1, "data.sql is not the file this script knows"
text = text.replace(dup, "    alter column sequence_name set not null;")
sys.stdout.write(text.replace("@ROOTPASS@", sys.argv[2]))
PY
cat "$src/OMERO4.1__0/views.sql"
printf '\nCOMMIT;\n'
