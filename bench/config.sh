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
for i in $(seq 1 1000); do echo "omero.bench.key$i=value number $i"; done > "$tmp/props"
"$omero" config load "$tmp/props"
file=$OMERODIR/etc/grid/config.xml
echo "config.xml: $(wc -c < "$file") bytes, $("$omero" config keys | wc -l) properties"
runs=${RUNS:-200}
# The system python, not a version-manager shim (which adds its own start-up).
python=$(command -v /usr/bin/python3 || command -v python3)
"$wall" -n "$runs" --label "/bin/true" -- /bin/true
"$wall" -n "$runs" --label "omero config get" -- "$omero" config get omero.bench.key500
"$wall" -n "$runs" --label "omero config set" -- "$omero" config set omero.bench.key500 changed
"$wall" -n "$((runs / 4))" --label "python3 ElementTree get" -- "$python" "$here/config_floor.py" "$file" omero.bench.key500
