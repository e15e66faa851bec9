#!/usr/bin/env bash
# bench/upgrade: a whole `omero upgrade run` against the upgrade guide's
# manual sequence, same machine, same run, same database each round.
#
#   bench/upgrade.sh [BUILD_DIR]          (RUNS=3, ROWS=200000)
#
# A 5.2 server (symlinked OMERODIR, test distribution from ../shared) with
# a 5.2 database holding ROWS extra rows (tables the 5.3 and 5.4 scripts
# rewrite) is carried to 5.4, the server not started (no IceGrid in either).
#   anchor: pg_dump -Fc; ln -sfn (the swap); cp config.xml; psql -f each
#           release script, as the guide says.
#   ours:   omero upgrade run --to NEW --no-start --backup dump (the same work
#           as the guide; bench/downtime.sh measures the default clone): the plan with every check,
#           a verified directory-format dump (-j), the journaled swap, the hops
#           through the hop plugins, ANALYZE.
# Prints the median wall time of each and the ratio, and the peak RSS of the
# largest process of each (python3's RUSAGE_CHILDREN).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
omero=$build/bin/omero
shared=$(cd "${OMERO_SHARED_DIR:-$root/../shared}" && pwd)
runs=${RUNS:-3}
rows=${ROWS:-200000}
tmp=$(mktemp -d)
chmod 755 "$tmp"
pg=$tmp/pg
trap '"$root/scripts/pg-cluster.sh" stop "$pg" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
port=$("$root/scripts/pg-cluster.sh" start "$pg")
pass=$(cat "$pg/password")
export OMERO_PLUGIN_PATH=$build/lib/omero/plugins/abi1 PATH=/usr/sbin:/usr/bin:/sbin:/bin
su() { PGOPTIONS="-c client_min_messages=warning" "$root/scripts/pg-cluster.sh" psql "$pg" -q -v ON_ERROR_STOP=1 "$@"; }
as_omero() { PGPASSWORD=$pass psql -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U omero "$@"; }

# The 5.2 database once, with data; each round clones it.
su -c "CREATE DATABASE base OWNER omero ENCODING 'UTF8' TEMPLATE template0"
as_omero -d base -f "$shared/omero-sql/generated-by-omero-db-script/V5_2_0__OMERO5.2_0.sql" >/dev/null 2>&1
as_omero -d base -c "INSERT INTO session (id, permissions, closed, defaulteventtype, message, started, timetoidle,
                       timetolive, useragent, uuid, owner, node)
                     SELECT 1000 + g, -52, NULL, 'User', NULL, now(), 600000, 0, 'bench', md5(g::text), 0, 0
                       FROM generate_series(1, $rows) g" >/dev/null
as_omero -d base -c "INSERT INTO event (id, permissions, status, time, containingevent, experimenter, experimentergroup,
                       session, type)
                     SELECT 1000 + g, -52, NULL, now(), NULL, 0, 0, 1000 + g, 1
                       FROM generate_series(1, $rows) g" >/dev/null
size=$(as_omero -d base -Atc "SELECT pg_size_pretty(pg_database_size('base'))")

now() { date +%s.%N; }
peak() { python3 -c 'import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(r.returncode)' "$@"; }

# A fresh round: distributions, link, config, the database cloned.
setup() {
  local d=$tmp/r$1
  rm -rf "$d"; mkdir -p "$d"
  "$root/tests/upgrade/make-dist.sh" 5.2.8 "$d/OMERO.server-5.2.8" "$shared" >/dev/null
  "$root/tests/upgrade/make-dist.sh" 5.4.10 "$d/OMERO.server-5.4.10" "$shared" >/dev/null
  ln -s OMERO.server-5.2.8 "$d/OMERO.server"
  export OMERODIR=$d/OMERO.server
  su -c "DROP DATABASE IF EXISTS r$1" -c "CREATE DATABASE r$1 TEMPLATE base OWNER omero"
  for kv in "omero.db.host 127.0.0.1" "omero.db.port $port" "omero.db.name r$1" "omero.db.pass $pass"; do
    "$omero" config set $kv
  done
}

manual() {
  local d=$tmp/r$1 new=$tmp/r$1/OMERO.server-5.4.10
  PGPASSWORD=$pass pg_dump -h 127.0.0.1 -p "$port" -U omero -Fc -f "$d/before_upgrade.db.dump" "r$1"
  ln -sfn OMERO.server-5.4.10 "$d/OMERO.server"
  cp "$d/OMERO.server-5.2.8/etc/grid/config.xml" "$new/etc/grid/"
  as_omero -d "r$1" -f "$new/sql/psql/OMERO5.3__0/OMERO5.2__0.sql"
  as_omero -d "r$1" -f "$new/sql/psql/OMERO5.4__0/OMERO5.3__0.sql"
}

declare -a a_times o_times
a_rss=0 o_rss=0
for i in $(seq 1 "$runs"); do
  setup "a$i"
  t0=$(now); rss=$(peak bash -c "$(declare -f manual as_omero); pass='$pass' port='$port' tmp='$tmp' manual a$i"); t1=$(now)
  a_times+=("$(echo "$t1 - $t0" | bc -l)"); (( rss > a_rss )) && a_rss=$rss
  [ "$(as_omero -d "ra$i" -Atc "SELECT currentversion FROM dbpatch ORDER BY id DESC LIMIT 1")" = OMERO5.4 ]
  setup "o$i"
  t0=$(now); rss=$(peak "$omero" upgrade run --to "$tmp/ro$i/OMERO.server-5.4.10" --no-start --backup dump); t1=$(now)
  o_times+=("$(echo "$t1 - $t0" | bc -l)"); (( rss > o_rss )) && o_rss=$rss
  [ "$(as_omero -d "ro$i" -Atc "SELECT currentversion FROM dbpatch ORDER BY id DESC LIMIT 1")" = OMERO5.4 ]
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
a=$(median "${a_times[@]}") o=$(median "${o_times[@]}")
echo "== upgrade 5.2 -> 5.4, database $size ($rows sessions + events), median of $runs"
printf 'guide (pg_dump -Fc, swap, cp, psql x2)  %.2f s   peak RSS %d KiB\n' "$a" "$a_rss"
printf 'omero upgrade run --no-start           %.2f s   peak RSS %d KiB\n' "$o" "$o_rss"
printf 'ratio omero/guide                      %.2f\n' "$(echo "$o / $a" | bc -l)"
