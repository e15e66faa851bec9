#!/usr/bin/env bash
# bench/config: `omero config get KEY` and `omero config set KEY VALUE` on a
# config.xml with 1,000 properties, median wall time, against /bin/true and
# against python3 + ElementTree reading the same file (the floor under
# omero-py), in the same run.   bench/config.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
omero=$(cd "$build" && pwd)/bin/omero wall=$(cd "$build" && pwd)/bin/wallclock
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMERODIR=$tmp/srv OMERO_PLUGIN_PATH=$(cd "$build" && pwd)/lib/omero/plugins/abi1
mkdir -p "$OMERODIR"
for i in $(seq 1 1000); do echo "omero.bench.key$i=value number $i"; done > "$tmp/props"
"$omero" config load "$tmp/props"
file=$OMERODIR/etc/grid/config.xml
echo "config.xml: $(wc -c < "$file") bytes, $("$omero" config keys | wc -l) properties"
runs=${RUNS:-200}
# The system python, not a version-manager shim (which adds its own start-up).
python=$(command -v /usr/bin/python3 || command -v python3)
"$wall" -n "$runs" --label "/bin/true" -- /bin/true
"$wall" -n "$runs" --label "omero version" -- "$omero" version
"$wall" -n "$runs" --label "omero config path" -- "$omero" config path
"$wall" -n "$runs" --label "omero config get" -- "$omero" config get omero.bench.key500
"$wall" -n "$runs" --label "omero config set" -- "$omero" config set omero.bench.key500 changed
"$wall" -n "$((runs / 4))" --label "python3 ElementTree get" -- "$python" "$here/config_floor.py" "$file" omero.bench.key500
# Many keys at once must stay linear: `get` of 10k and 20k keys, `load` of
# 5k and 10k properties, and 30k more into a 10k file (seconds, one run each).
for n in 10000 20000; do
  seq -f "omero.bench.key%g" 1 $n > "$tmp/keys$n"
  "$wall" -n 3 --label "config get ($n keys)" -- sh -c "xargs \"$omero\" config get < \"$tmp/keys$n\" > /dev/null"
done
for n in 5000 10000; do
  seq -f "omero.load.k%g=v" 1 $n > "$tmp/load$n"
  "$wall" -n 3 --label "config load ($n into 1k)" -- sh -c "cp \"$file\" \"$tmp/c.xml\" && \"$omero\" config --source \"$tmp/c.xml\" load -q \"$tmp/load$n\""
done
seq -f "omero.more.k%g=v" 1 30000 > "$tmp/load30k"
cp "$file" "$tmp/base.xml" && "$omero" config --source "$tmp/base.xml" load -q "$tmp/load10000"
"$wall" -n 3 --label "config load (30k into 11k)" -- sh -c "cp \"$tmp/base.xml\" \"$tmp/c.xml\" && \"$omero\" config --source \"$tmp/c.xml\" load -q \"$tmp/load30k\""
