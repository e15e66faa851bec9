#!/usr/bin/env bash
# Lays out a test OMERO.server distribution from ../shared, for the upgrade
# tests and bench/upgrade.sh:
#
#   tests/upgrade/make-dist.sh RELEASE DIR SHARED [STANDIN]
#
# RELEASE is 3.2.x, 4.0.x, 4.1.2, 4.4.12, 5.2.8, 5.3.5 or 5.4.10. DIR gets sql/psql/ with
# every release folder up to RELEASE's database version (4.x from
# omero-sql-legacy, 5.x from omero-sql), etc/ from omero-etc in the layout of
# that release (5.2+: etc/templates/ and a generated etc/grid/; before:
# the live etc/grid/templates.xml with literal -Xmx options and a
# default.xml with literal ports), and etc/omero.properties naming the
# release. STANDIN is tests/admin: its default.xml (OMERO's servers
# replaced by stand-ins) becomes the application, so the real IceGrid can
# run the new release.
set -euo pipefail
release=$1 dir=$2 shared=$3 standin=${4:-}
case $release in
  3.2.*) db=OMERO3A__11 ;; 4.0.*) db=OMERO4__0 ;;
  4.1.*) db=OMERO4.1__0 ;; 4.2.*) db=OMERO4.2__0 ;; 4.3.*) db=OMERO4.3__0 ;; 4.4.*) db=OMERO4.4__0 ;;
  5.0.*) db=OMERO5.0__0 ;; 5.1.*) db=OMERO5.1__1 ;; 5.2.*) db=OMERO5.2__0 ;; 5.3.*) db=OMERO5.3__0 ;;
  5.4.*) db=OMERO5.4__0 ;; *) echo "make-dist: unknown release $release" >&2; exit 2 ;;
esac
[ ! -e "$dir" ] || { echo "make-dist: $dir exists" >&2; exit 1; }
mkdir -p "$dir/sql/psql" "$dir/etc/grid" "$dir/var/log" "$dir/lib/server"
for src in "$shared/omero-sql-legacy" "$shared/omero-sql"; do
  for v in "$src"/OMERO*; do
    name=$(basename "$v")
    # Release folders sort by version (OMERO4__0 is 4.0: sort -V alone puts
    # it after OMERO4.1__0); every one up to ours ships.
    key() { echo "$1" | sed 's/^OMERO4__/OMERO4.0__/'; }
    if [ "$(printf '%s\n%s\n' "$(key "$name")" "$(key "$db")" | sort -V | tail -n1)" = "$(key "$db")" ]; then
      cp -r "$v" "$dir/sql/psql/$name"
    fi
  done
done
etc=$shared/omero-etc/etc
cp "$etc/omero.properties" "$dir/etc/omero.properties"
printf '\nomero.version=%s\n' "$release" >> "$dir/etc/omero.properties"
app=${standin:+$standin/default.xml}
app=${app:-$etc/templates/grid/default.xml}
case $release in
  3.*)
    # A JBoss-era server: no IceGrid files, its settings in etc/local.properties.
    rmdir "$dir/etc/grid" ;;
  4.*|5.0.*|5.1.*)
    # The live files were the templates: literal memory and ports.
    sed -e 's/MEMORY:blitz/-Xmx512M/; s/MEMORY:indexer/-Xmx256M/; s/MEMORY:pixeldata/-Xmx256M/; s/MEMORY:repository/-Xmx256M/' \
      "$etc/templates/grid/templates.xml" > "$dir/etc/grid/templates.xml"
    sed -e 's/@omero.ports.prefix@//g; s/@omero.ports.ssl@/4064/g; s/@omero.ports.tcp@/4063/g' \
        -e 's/@omero.client.endpoints@/ssl -p 4064:tcp -p 4063/g; s/@omero.master.host@/127.0.0.1/g' \
        -e 's/@omero.tables.module@/runTables/g' -e "s#@STANDIN@#${standin}#g" "$app" > "$dir/etc/grid/default.xml"
    case $release in 4.1.*)
      mkdir -p "$dir/lib/python/omeroweb"
      printf '# OMERO.web settings (4.1)\nDEBUG = False\nADMINS = ()\n' > "$dir/lib/python/omeroweb/settings.py" ;;
    esac ;;
  *)
    mkdir -p "$dir/etc/templates/grid"
    cp "$etc/templates/master.cfg" "$etc/templates/internal.cfg" "$etc/templates/ice.config" "$dir/etc/templates/"
    cp "$etc/templates/grid/templates.xml" "$dir/etc/templates/grid/templates.xml"
    sed -e "s#@STANDIN@#${standin}#g" "$app" > "$dir/etc/templates/grid/default.xml" ;;
esac
