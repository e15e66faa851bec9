#!/usr/bin/env bash
# bench/db: `omero db` against the commands it replaces, on one throwaway
# cluster, in the same run. Prints medians and ratios.
#
#   bench/db.sh [BUILD_DIR]            (BENCH_GB=2 sets the size of part 3; 0 skips it)
#
# 1. The real scripts 5.1__1 -> 5.4__0 (../shared/omero-sql): `omero db upgrade
#    --no-backup` vs one `psql -v ON_ERROR_STOP=1` session running the same files,
#    on a fresh copy of the same 5.1__1 database each time (target: <= 1.03x).
# 2. 1,000 tiny generated hops: scripts per second of our bookkeeping (lock,
#    plan, transaction per hop, history rows), and one psql session for scale.
# 3. A database of BENCH_GB GB: our verified backup + upgrade + optimize --full
#    vs the upgrade guide's pg_dump -Fc + psql + REINDEX + VACUUM FULL ANALYZE.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
omero=$build/bin/omero
shared=${OMERO_SHARED_DIR:-$root/../shared}
tmp=$(mktemp -d)
trap '"$root/scripts/pg-cluster.sh" stop "$tmp/pg"; rm -rf "$tmp"' EXIT
port=$("$root/scripts/pg-cluster.sh" start "$tmp/pg")
export PGPASSWORD=$(cat "$tmp/pg/password") OMERODIR=$tmp/srv
export OMERO_PLUGIN_PATH=$build/lib/omero/plugins/abi1
mkdir -p "$OMERODIR/sql/psql"
"$omero" config set omero.db.host 127.0.0.1
"$omero" config set omero.db.port "$port"
psql_() { PGOPTIONS="-c client_min_messages=warning" psql -q -X -h 127.0.0.1 -p "$port" -U omero -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== 1. real scripts 5.1__1 -> 5.4__0: omero db upgrade vs one psql session"
if [ -d "$shared/omero-sql" ]; then
  for v in OMERO5.2__0 OMERO5.3__0 OMERO5.4__0; do cp -r "$shared/omero-sql/$v" "$OMERODIR/sql/psql/"; done
  psql_ -d postgres -c "CREATE DATABASE tmpl51 ENCODING 'UTF8' TEMPLATE template0"
  psql_ -d tmpl51 -f "$shared/omero-sql/generated-by-omero-db-script/V5_1_1__OMERO5.1_1.sql" >/dev/null
  files=("$OMERODIR/sql/psql/OMERO5.2__0/OMERO5.1__1.sql" "$OMERODIR/sql/psql/OMERO5.3__0/OMERO5.2__0.sql"
         "$OMERODIR/sql/psql/OMERO5.4__0/OMERO5.3__0.sql")
  ours=() theirs=()
  for i in $(seq 1 ${RUNS:-7}); do
    psql_ -d postgres -c "CREATE DATABASE a$i TEMPLATE tmpl51" -c "CREATE DATABASE b$i TEMPLATE tmpl51"
    t0=$(now); psql_ -d "b$i" "${files[@]/#/-f}" >/dev/null; t1=$(now)
    theirs+=("$(echo "$t1 - $t0" | bc)")
    t0=$(now); "$omero" -q db upgrade --no-backup --name "a$i" >/dev/null 2>&1; t1=$(now)
    ours+=("$(echo "$t1 - $t0" | bc)")
  done
  p=$(printf '%s\n' "${theirs[@]}" | median); o=$(printf '%s\n' "${ours[@]}" | median)
  printf 'psql (one session)   median %.3f s\nomero db upgrade     median %.3f s\nratio omero/psql     %.3f\n' "$p" "$o" "$(echo "$o / $p" | bc -l)"
  rm -rf "$OMERODIR/sql/psql/"*
else
  echo "skipped: $shared/omero-sql is absent"
fi

echo "== 2. 1,000 tiny hops"
cp -r "$root/sql/psql/OMERO1.0__0" "$OMERODIR/sql/psql/"
for i in $(seq 1 1000); do
  d="$OMERODIR/sql/psql/OMERO1.0__$i"; mkdir -p "$d"
  printf "BEGIN;\nINSERT INTO dbpatch (currentVersion, currentPatch, previousVersion, previousPatch) VALUES ('OMERO1.0', %d, 'OMERO1.0', %d);\nUPDATE dbpatch SET message = 'Database updated.', finished = clock_timestamp() WHERE id IN (SELECT id FROM dbpatch ORDER BY id DESC LIMIT 1);\nCOMMIT;\n" "$i" "$((i-1))" > "$d/OMERO1.0__$((i-1)).sql"
done
OMERO_ROOT_PASSWORD=x "$omero" -q db init --name tiny1 --version OMERO1.0 --patch 0 >/dev/null 2>&1
OMERO_ROOT_PASSWORD=x "$omero" -q db init --name tiny2 --version OMERO1.0 --patch 0 >/dev/null 2>&1
t0=$(now); "$omero" -q db upgrade --no-backup --name tiny1 >/dev/null 2>&1; t1=$(now)
o=$(echo "$t1 - $t0" | bc)
args=(); for i in $(seq 1 1000); do args+=(-f "$OMERODIR/sql/psql/OMERO1.0__$i/OMERO1.0__$((i-1)).sql"); done
t0=$(now); psql_ -d tiny2 "${args[@]}" >/dev/null; t1=$(now)
p=$(echo "$t1 - $t0" | bc)
printf 'omero db upgrade     %.3f s = %.0f scripts/s\npsql (one session)   %.3f s = %.0f scripts/s (no lock, no history, no checks)\n' \
  "$o" "$(echo "1000 / $o" | bc -l)" "$p" "$(echo "1000 / $p" | bc -l)"
rm -rf "$OMERODIR/sql/psql/"*

gb=${BENCH_GB:-2}
if [ "$gb" != 0 ]; then
  echo "== 3. ${gb} GB database: backup + upgrade + optimize"
  cp -r "$root/sql/psql/"* "$OMERODIR/sql/psql/"
  OMERO_ROOT_PASSWORD=x "$omero" -q db init --name big --version OMERO1.0 --patch 0 >/dev/null 2>&1
  rows=$((gb * 7000000))
  psql_ -d big -c "CREATE TABLE bulk (id int8 PRIMARY KEY, image_id int8, value text, at timestamp)" \
        -c "INSERT INTO bulk SELECT n, n % 5000 + 1, md5(n::text) || md5((n+1)::text), now() FROM generate_series(1, $rows) n" \
        -c "CREATE INDEX bulk_image ON bulk (image_id)" -c "ANALYZE bulk"
  size=$(psql_ -d big -Atc "SELECT pg_size_pretty(pg_database_size('big'))")
  psql_ -d postgres -c "CREATE DATABASE big2 TEMPLATE big"
  echo "database size: $size"
  # The upgrade guide, by hand.
  t0=$(now)
  pg_dump -h 127.0.0.1 -p "$port" -U omero -Fc -f "$tmp/before_upgrade.db.dump" big2
  t1=$(now)
  psql_ -d big2 -f "$OMERODIR/sql/psql/OMERO1.1__0/OMERO1.0__0-precheck.sql" -f "$OMERODIR/sql/psql/OMERO1.1__0/OMERO1.0__0.sql" \
        -f "$OMERODIR/sql/psql/OMERO1.2__0/OMERO1.1__0.sql" >/dev/null
  t2=$(now)
  psql_ -d big2 -c "REINDEX DATABASE big2" -c "VACUUM FULL ANALYZE" 2>/dev/null
  t3=$(now)
  # Ours.
  "$omero" -q db upgrade --name big --backup-dir "$tmp/backups" >/dev/null 2>&1
  t4=$(now)
  "$omero" -q db optimize -j 2 --name big >/dev/null 2>&1
  t4a=$(now)
  "$omero" -q db optimize --full -j 2 --name big >/dev/null 2>&1
  t5=$(now)
  guide=$(echo "$t3 - $t0" | bc); ours=$(echo "$t4 - $t3 + $t5 - $t4a" | bc); ours_default=$(echo "$t4a - $t3" | bc)
  printf 'guide: pg_dump -Fc %.1f s + psql %.1f s + REINDEX/VACUUM FULL %.1f s = %.1f s (dump %s, not verified)\n' \
    "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$t3 - $t2" | bc)" "$guide" \
    "$(du -sh "$tmp/before_upgrade.db.dump" | cut -f1)"
  printf 'omero: verified backup + upgrade %.1f s + optimize --full -j 2 %.1f s = %.1f s (dump %s)\n' \
    "$(echo "$t4 - $t3" | bc)" "$(echo "$t5 - $t4a" | bc)" "$ours" "$(du -sh "$tmp/backups" | cut -f1)"
  printf 'speed-up guide/omero (optimize --full): %.2fx\n' "$(echo "$guide / $ours" | bc -l)"
  printf 'omero with the default optimize (ANALYZE, -j 2: %.1f s) = %.1f s: speed-up %.2fx\n' \
    "$(echo "$t4a - $t4" | bc)" "$ours_default" "$(echo "$guide / $ours_default" | bc -l)"
fi
