#!/usr/bin/env bash
# bench/startup: median wall time of `omero version`, `omero help`, and
# `omero help` with 50 extra plugins installed, against /bin/true in the same run.
#   bench/startup.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
omero=$build/bin/omero wall=$build/bin/wallclock
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# 50 extra plugins: copies of the test plugin under 50 names (help reads only manifests).
mkdir -p "$tmp/plugins"
src=$build/tests/plugins/probe
for i in $(seq -w 1 50); do
  cp "$src/libomero-probe.so" "$tmp/plugins/libomero-p$i.so"
  sed -e "s/\"probe/\"p$i/g" -e "s/libomero-probe/libomero-p$i/" "$src/probe.omero-plugin.json" \
    > "$tmp/plugins/p$i.omero-plugin.json"
done
runs=${RUNS:-200}
"$wall" -n "$runs" --label "/bin/true" -- /bin/true
"$wall" -n "$runs" --label "omero version" -- "$omero" version
"$wall" -n "$runs" --label "omero help" -- "$omero" help
"$wall" -n "$runs" --label "omero help (+50 plugins)" -- "$omero" --path "$tmp/plugins" help
n=$("$omero" --path "$tmp/plugins" plugin list | grep -c ' ok ')
echo "plugins visible with --path: $n"
