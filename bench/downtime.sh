#!/usr/bin/env bash
# bench/downtime: the downtime of a whole upgrade - server stopped -> OMERO.web
# answering through nginx again - of `omero upgrade run` against the upgrade
# guide's manual sequence, on the demo's distributions (1.0.0 -> 1.2.0, from
# the repository alone), a running server (IceGrid + Glacier2), OMERO.web
# under gunicorn and nginx in front, same machine, same run, the same
# database (IMAGES rows, which both hops rewrite) cloned for every round.
#
#   bench/downtime.sh [BUILD_DIR]            (RUNS=3, IMAGES=2000000)
#
#   guide: web stop; admin stop; pg_dump -Fc; ln -sfn (swap); cp config.xml;
#          psql -f each release script; admin start; web syncmedia; the
#          nginx file re-pointed with sed, nginx -t, nginx -s reload;
#          web start - the fastest form a careful sysadmin types (the same
#          omero admin/web commands on both sides: omero-py is not here).
#   ours:  omero upgrade run --yes: the plan and every pre-flight check
#          (before the stop: not downtime), then stop, verified -Fd -j dump,
#          swap, hops, start, syncmedia, the site file, web start; its
#          downtime from the journal (the summary's downtime_seconds).
#   floor: the release scripts alone + admin start + web start, timed in the
#          guide's rounds: what no upgrade of this database can go below
#          without a faster backup.
# Prints medians and the ratio guide / ours.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
omero=$build/bin/omero
runs=${RUNS:-3}
images=${IMAGES:-2000000}
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/omero-bench-downtime.XXXXXX)
chmod 755 "$tmp"
pg=$tmp/pg
export HOME=$tmp OMERO_PLUGIN_PATH=$build/lib/omero/plugins/abi1
unset OMERO_CONFIG PGPASSWORD
cleanup() {
  set +e
  for o in "$tmp"/r*/opt/OMERO.server; do  # politely first: a killed node leaves its servers running
    OMERODIR=$o "$omero" web stop >/dev/null 2>&1
    OMERODIR=$o "$omero" admin stop --wait 20 >/dev/null 2>&1
  done
  for d in "$tmp"/r*/opt/OMERO.server-*; do
    pid=$(cat "$d/var/master/master.pid" 2>/dev/null) && kill -KILL "$pid" 2>/dev/null
    pid=$(cat "$d/var/django.pid" 2>/dev/null) && kill -TERM "$pid" 2>/dev/null
  done
  for p in "$tmp"/r*/nginx/nginx.pid; do [ -f "$p" ] && kill -QUIT "$(cat "$p")" 2>/dev/null; done
  "$root/scripts/pg-cluster.sh" stop "$pg" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
port=$("$root/scripts/pg-cluster.sh" start "$pg")
pass=$(cat "$pg/password")
su() { PGOPTIONS="-c client_min_messages=warning" "$root/scripts/pg-cluster.sh" psql "$pg" -q -v ON_ERROR_STOP=1 "$@"; }
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
answers() {  # 200 through nginx
  "$py" - "$1" <<'EOF'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("GET", "/webclient/")
sys.exit(0 if c.getresponse().status == 200 else 1)
EOF
}

# The 1.0 database once, with IMAGES rows; each round clones it.
base=$tmp/base
"$root/scripts/demo/make-dist.sh" 1.0.0 "$base" >/dev/null
cat > "$tmp/cfg.sh" <<EOF
"$omero" config set omero.db.host 127.0.0.1
"$omero" config set omero.db.port $port
"$omero" config set omero.db.pass -f "$pg/password"
EOF
OMERODIR=$base bash "$tmp/cfg.sh"
OMERODIR=$base "$omero" config set omero.db.name base
OMERODIR=$base OMERO_ROOT_PASSWORD=x "$omero" db init >/dev/null 2>&1
su -d base -c "INSERT INTO image (id, name, owner_id, group_id, acquired)
               SELECT 100000 + g, 'Image_' || g || '.TIF', 2, 2, timestamp '2010-01-01' + g * interval '1 minute'
               FROM generate_series(1, $images) g"
su -d base -c "VACUUM ANALYZE image"
size=$(su -d base -Atc "SELECT pg_size_pretty(pg_database_size('base'))")
echo "database: $images images, $size; $runs rounds each, interleaved"

# A round's server: both distributions, the database cloned, the server,
# OMERO.web and nginx (Debian's layout) running 1.0.0.
setup() {  # $1 = round dir
  local r=$1 opt=$1/opt
  mkdir -p "$opt" "$r/data"
  chmod 755 "$r" "$opt"
  chmod 777 "$r/data"
  "$root/scripts/demo/make-dist.sh" 1.0.0 "$opt/OMERO.server-1.0.0" >/dev/null
  "$root/scripts/demo/make-dist.sh" 1.2.0 "$opt/OMERO.server-1.2.0" >/dev/null
  chmod 777 "$opt"/OMERO.server-*/var/log
  ln -s OMERO.server-1.0.0 "$opt/OMERO.server"
  local db; db=$(basename "$r")
  su -c "CREATE DATABASE $db OWNER omero TEMPLATE base"
  export OMERODIR=$opt/OMERO.server
  bash "$tmp/cfg.sh"
  for kv in "omero.db.name=$db" "omero.data.dir=$r/data" "omero.ports.registry=$(free_port)" \
            "omero.ports.ssl=$(free_port)" "omero.ports.tcp=$(free_port)" "omero.client.icetransports=tcp" \
            "omero.db.poolsize=10" "omero.glacier2.IceSSL.Protocols=tls1_2" "omero.web.python=$py" \
            "omero.web.application_server.port=$(free_port)" "omero.upgrades.url="; do
    "$omero" config set "${kv%%=*}" "${kv#*=}"
  done
  http=$(free_port)
  "$root/scripts/demo/nginx.sh" "$omero" "$r/nginx" "$http" "$opt/OMERO.server-1.0.0"
  "$omero" admin start >/dev/null
  "$omero" web start >/dev/null
  answers "$http"
  echo "$http" > "$r/http"
}
teardown() {
  local r=$1
  export OMERODIR=$r/opt/OMERO.server
  "$omero" web stop >/dev/null 2>&1 || true
  "$omero" admin stop >/dev/null 2>&1 || true
  kill -QUIT "$(cat "$r/nginx/nginx.pid")" 2>/dev/null || true
  su -c "DROP DATABASE IF EXISTS $(basename "$r")" || true
  rm -rf "$r"
}

guide() {  # $1 = round dir; prints "downtime floor"
  local r=$1 opt=$1/opt db; db=$(basename "$1")
  local old=$opt/OMERO.server-1.0.0 new=$opt/OMERO.server-1.2.0 http; http=$(cat "$r/http")
  export OMERODIR=$opt/OMERO.server
  local t0; t0=$(now)
  "$omero" web stop >/dev/null
  "$omero" admin stop >/dev/null
  PGPASSWORD=$pass pg_dump -h 127.0.0.1 -p "$port" -U omero -Fc -f "$r/omero.pgdump" "$db"
  ln -sfn OMERO.server-1.2.0 "$opt/OMERO.server.new" && mv -T "$opt/OMERO.server.new" "$opt/OMERO.server"
  cp "$old/etc/grid/config.xml" "$new/etc/grid/config.xml"
  local s0; s0=$(now)
  for script in "$new/sql/psql/OMERO1.1__0/OMERO1.0__0.sql" "$new/sql/psql/OMERO1.2__0/OMERO1.1__0.sql"; do
    PGPASSWORD=$pass psql -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U omero -d "$db" -f "$script" >/dev/null
  done
  local s1; s1=$(now)
  "$omero" admin start >/dev/null
  local a1; a1=$(now)
  "$omero" web syncmedia >/dev/null
  sed -i "s#$old/#$opt/OMERO.server/#g" "$r/nginx/sites-available/omero"
  nginx -t -q -c "$r/nginx/nginx.conf" -p "$r/nginx" -e "$r/nginx/error.log"
  nginx -s reload -c "$r/nginx/nginx.conf" -p "$r/nginx" -e "$r/nginx/error.log"
  local w0; w0=$(now)
  "$omero" web start >/dev/null
  answers "$http"
  local t1; t1=$(now)
  echo "$(echo "$t1 - $t0" | bc) $(echo "($s1 - $s0) + ($a1 - $s1) + ($t1 - $w0)" | bc)"
}

ours() {  # $1 = round dir; prints "downtime wall"
  local r=$1 opt=$1/opt http; http=$(cat "$r/http")
  export OMERODIR=$opt/OMERO.server
  local t0; t0=$(now)
  "$omero" upgrade run --to "$opt/OMERO.server-1.2.0" --web-conf "$r/nginx/sites-enabled/omero" --yes --json \
    > "$r/run.json" 2> "$r/run.err" || { cat "$r/run.err" >&2; exit 1; }
  answers "$http"
  local t1; t1=$(now)
  local down; down=$("$py" -c 'import json,sys
for l in open(sys.argv[1]):
    j = json.loads(l)
    if j.get("event") == "result" and "downtime_seconds" in j: d = j["downtime_seconds"]
print(d)' "$r/run.json")
  echo "$down $(echo "$t1 - $t0" | bc)"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
: > "$tmp/guide" ; : > "$tmp/floor"; : > "$tmp/ours"; : > "$tmp/wall"
for i in $(seq "$runs"); do
  setup "$tmp/rg$i"; read -r d f < <(guide "$tmp/rg$i"); teardown "$tmp/rg$i"
  echo "$d" >> "$tmp/guide"; echo "$f" >> "$tmp/floor"
  setup "$tmp/ro$i"; read -r d w < <(ours "$tmp/ro$i"); teardown "$tmp/ro$i"
  echo "$d" >> "$tmp/ours"; echo "$w" >> "$tmp/wall"
  echo "round $i: guide $(tail -1 "$tmp/guide") s (floor $(tail -1 "$tmp/floor") s), ours $d s (whole run $w s)"
done
g=$(median < "$tmp/guide"); o=$(median < "$tmp/ours"); f=$(median < "$tmp/floor"); w=$(median < "$tmp/wall")
printf 'downtime (server stopped -> OMERO.web answering through nginx), medians of %d:\n' "$runs"
printf '  guide (manual sequence)   %6.2f s\n  ours (upgrade run)        %6.2f s   (the whole command, plan included: %.2f s)\n' "$g" "$o" "$w"
printf '  floor (scripts + starts)  %6.2f s\n  ratio guide/ours          %6.2fx; ours is %.2fx the floor\n' "$f" \
  "$(echo "$g / $o" | bc -l)" "$(echo "$o / $f" | bc -l)"
