#!/usr/bin/env bash
# bench/runtime: start-up with OMERO_STATIC_RUNTIME=ON (the upstream default)
# against OFF (a distribution's build on the system's shared libraries), same
# machine, same run: `omero version`, `omero help`, `omero config path` (a
# plugin command that reads nothing) and `omero config get` on 1,000 properties,
# with /bin/true as the floor. Page faults are counted too when perf is there:
# on a virtual machine each one costs microseconds, and they are most of start-up.
#   bench/runtime.sh [STATIC_BUILD_DIR] [SHARED_BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
static=$(cd "${1:-build}" && pwd)
shared=${2:-$here/build-shared}
if [ ! -x "$shared/bin/omero" ]; then
  cmake -S "$here" -B "$shared" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOMERO_STATIC_RUNTIME=OFF \
        -DOMERO_BUILD_TESTS=OFF >/dev/null
  ninja -C "$shared" omero omero-plugin-config >/dev/null
fi
wall=$static/bin/wallclock
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMERODIR=$tmp/srv
mkdir -p "$OMERODIR"
for i in $(seq 1 1000); do echo "omero.bench.key$i=value number $i"; done > "$tmp/props"
OMERO_PLUGIN_PATH=$static/lib/omero/plugins/abi1 "$static/bin/omero" config load "$tmp/props"
runs=${RUNS:-400}
"$wall" -n "$runs" --label "/bin/true" -- /bin/true
for kind in static shared; do
  dir=$static
  [ "$kind" = shared ] && dir=$(cd "$shared" && pwd)
  export OMERO_PLUGIN_PATH=$dir/lib/omero/plugins/abi1
  o=$dir/bin/omero
  # Interleaved (version, help, path, get, version, ...): a drift in the
  # VM's speed hits all alike; each line's ratio is to `omero version`.
  "$wall" -n "$runs" --label "$kind: version,$kind: help,$kind: config path,$kind: config get" -- \
    "$o" version ::: "$o" help ::: "$o" config path ::: "$o" config get omero.bench.key500
  if command -v perf >/dev/null 2>&1; then
    for cmd in "version" "help" "config path" "config get omero.bench.key500"; do
      # shellcheck disable=SC2086
      perf stat -x, -e page-faults -r 20 "$o" $cmd 2>&1 >/dev/null | awk -F, -v l="$kind: $cmd" '/page-faults/ {printf "%-28s page_faults=%s\n", l, $1}'
    done
  fi
done
