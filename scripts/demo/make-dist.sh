#!/usr/bin/env bash
# Lays out a small OMERO.server-shaped distribution from this repository's
# own files, for the demo (scripts/demo.sh) and the tests that must run
# without ../shared:
#
#   scripts/demo/make-dist.sh RELEASE DIR
#
# RELEASE is 1.0.0, 1.1.0 or 1.2.0 (database OMERO1.0__0, 1.1__0, 1.2__0 of
# the made-up SQL tree in sql/psql). DIR gets:
#   sql/psql/          every release folder up to RELEASE's database version
#   etc/templates/     scripts/demo/etc/templates, with default.xml naming the
#                      admin tests' stand-ins for OMERO's Java and Python servers
#   etc/omero.properties  the defaults, and omero.version=RELEASE
#   lib/python/omeroweb   the web tests' stand-in OMERO.web (shipped with the
#                      server, as OMERO.web was up to 5.5)
#   var/log/
set -euo pipefail
release=$1 dir=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
case $release in
  1.0.*) db=OMERO1.0__0 ;; 1.1.*) db=OMERO1.1__0 ;; 1.2.*) db=OMERO1.2__0 ;;
  *) echo "make-dist: unknown release $release (1.0.0, 1.1.0 or 1.2.0)" >&2; exit 2 ;;
esac
[ ! -e "$dir" ] || { echo "make-dist: $dir exists" >&2; exit 1; }
mkdir -p "$dir/sql/psql" "$dir/etc/grid" "$dir/var/log" "$dir/lib/python"
for v in "$src"/sql/psql/OMERO*; do
  name=$(basename "$v")
  if [ "$(printf '%s\n%s\n' "$name" "$db" | sort -V | tail -n1)" = "$db" ]; then
    cp -r "$v" "$dir/sql/psql/$name"
  fi
done
cp -r "$src/scripts/demo/etc/templates" "$dir/etc/"
sed -e "s#@STANDIN@#$src/tests/admin#g" "$src/tests/admin/default.xml" > "$dir/etc/templates/grid/default.xml"
{ cat "$src/scripts/demo/etc/omero.properties"; printf 'omero.version=%s\n' "$release"; } > "$dir/etc/omero.properties"
cp -r "$src/tests/web/omeroweb" "$dir/lib/python/"
find "$dir/lib/python" -name __pycache__ -prune -exec rm -rf {} +
