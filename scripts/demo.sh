#!/usr/bin/env bash
# The README's first command: install, build, then upgrade a database on a
# throwaway PostgreSQL: create an old (OMERO1.0) database, `db status`,
# `db upgrade` (verified backup first, progress per statement), `db status`.
# Uses the SQL tree shipped in sql/psql; nothing outside a temp dir is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null
omero=$PWD/build/bin/omero
tmp=$(mktemp -d)
cleanup() { scripts/pg-cluster.sh stop "$tmp/pg"; rm -rf "$tmp"; }
trap cleanup EXIT

port=$(scripts/pg-cluster.sh start "$tmp/pg")
export OMERODIR=$tmp/OMERO.server
mkdir -p "$OMERODIR/sql"
cp -r sql/psql "$OMERODIR/sql/"
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@" || echo "(exit $?)"; }

run "$omero" config set omero.db.host 127.0.0.1
run "$omero" config set omero.db.port "$port"
run "$omero" config set omero.db.name omero_demo
"$omero" config set omero.db.pass "$(cat "$tmp/pg/password")"
run "$omero" config get
OMERO_ROOT_PASSWORD=demo-root run "$omero" db init --version OMERO1.0 --patch 0
run "$omero" db status
run "$omero" db upgrade --dry-run
run "$omero" db upgrade
run "$omero" db status
run "$omero" db optimize -j 2
say "$omero db status --json"; "$omero" db status --json
