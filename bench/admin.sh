#!/usr/bin/env bash
# bench/admin: `omero admin status` and `omero admin diagnostics --no-logs`
# against the reference's icegridadmin processes, in the same run, on a real
# IceGrid 3.7 node serving OMERO's templates with the tests' stand-in servers.
#
#   bench/admin.sh [BUILD_DIR]          (RUNS=20)
#
# 1. status. Reference: `icegridadmin -e "node ping master"` (one process;
#    omero-py then also starts Python + IcePy for the Glacier2 probe, not
#    counted here). Ours: `omero admin status` (node ping and the Glacier2
#    session-manager probe, in-process).
# 2. diagnostics. Reference: the icegridadmin processes its diagnostics runs:
#    node ping, server list, one `server state` per server, application list,
#    application describe. Ours: `omero admin diagnostics --no-logs`, which
#    also runs the six `--version` probes, `db status` and the port checks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
omero=$build/bin/omero
shared=${OMERO_SHARED_DIR:-$root/../shared}
tmp=$(mktemp -d)
chmod 755 "$tmp"
export OMERODIR=$tmp/srv OMERO_PLUGIN_PATH=$build/lib/omero/plugins/abi1
# A Debian server's PATH (a developer's pyenv shims would dominate `python3 -V`).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
etc=$shared/omero-etc/etc
mkdir -p "$OMERODIR/etc/templates/grid" "$OMERODIR/var/log" "$tmp/data"
chmod 777 "$OMERODIR/var/log" "$tmp/data"
cp "$etc"/templates/*.cfg "$etc/templates/ice.config" "$OMERODIR/etc/templates/"
cp "$etc/templates/grid/templates.xml" "$OMERODIR/etc/templates/grid/"
cp "$etc/omero.properties" "$OMERODIR/etc/"
sed "s|@STANDIN@|$root/tests/admin|" "$root/tests/admin/default.xml" > "$OMERODIR/etc/templates/grid/default.xml"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
for k in registry ssl tcp; do "$omero" config set "omero.ports.$k" "$(port)"; done
"$omero" config set omero.client.icetransports tcp
"$omero" config set omero.data.dir "$tmp/data"
"$omero" config set omero.db.poolsize 10
"$omero" config set omero.upgrades.url ""
trap '"$omero" admin stop --wait 30 >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
"$omero" -q admin start --wait 60 >/dev/null 2>&1
ice() { icegridadmin --Ice.Config="$OMERODIR/etc/internal.cfg" -e "$1" >/dev/null; }
now() { date +%s.%N; }
n=${RUNS:-20}

echo "== 1. status (running server)"
t0=$(now); for i in $(seq 1 "$n"); do ice "node ping master"; done; t1=$(now)
r=$(echo "($t1 - $t0) / $n * 1000" | bc -l)
t0=$(now); for i in $(seq 1 "$n"); do "$omero" admin status; done; t1=$(now)
o=$(echo "($t1 - $t0) / $n * 1000" | bc -l)
printf 'icegridadmin node ping   %.1f ms\nomero admin status       %.1f ms (ping + Glacier2 probe)\nratio omero/reference    %.3f\n' "$r" "$o" "$(echo "$o / $r" | bc -l)"

echo "== 2. diagnostics --no-logs"
servers=$(icegridadmin --Ice.Config="$OMERODIR/etc/internal.cfg" -e "server list")
m=$(( n / 4 > 0 ? n / 4 : 1 ))
t0=$(now)
for i in $(seq 1 "$m"); do
  ice "node ping master"; ice "server list"
  for s in $servers; do ice "server state $s"; done
  ice "application list"; ice "application describe OMERO"
done
t1=$(now)
r=$(echo "($t1 - $t0) / $m * 1000" | bc -l)
t0=$(now); for i in $(seq 1 "$m"); do "$omero" admin diagnostics --no-logs >/dev/null 2>&1 || true; done; t1=$(now)
o=$(echo "($t1 - $t0) / $m * 1000" | bc -l)
printf 'icegridadmin sequence    %.1f ms (%d processes)\nomero admin diagnostics  %.1f ms (all sections)\nratio omero/reference    %.3f\n' "$r" "$(( 4 + $(echo $servers | wc -w) ))" "$o" "$(echo "$o / $r" | bc -l)"
