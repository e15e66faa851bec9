#!/usr/bin/env bash
# bench/legacy: a generated OMERO 4.1 database of realistic shape carried to
# 5.4 by `omero db upgrade` vs the upgrade guide's manual sequence, on one
# throwaway cluster, in the same run, from two copies of the same database.
#
#   bench/legacy.sh [BUILD_DIR]        (BENCH_GB=2: size of the 4.1 database)
#
# The guide, as a sysadmin runs it for the whole jump: one pg_dump -Fc, each
# release script with psql -v ON_ERROR_STOP=1 -f (the PostgreSQL shims applied
# by hand), REINDEX DATABASE + VACUUM FULL ANALYZE; and (BENCH_PER_HOP=1, the
# default) the older reading with a pg_dump -Fc before each hop. The limit: a
# VACUUM FULL of the whole 4.1 database. Ours: db clone (the rollback point),
# db upgrade, db optimize (ANALYZE). The end sizes are compared: ours must not
# leave bloat for a later VACUUM FULL.
#
# BENCH_GUIDE=0 skips the guide and the limit (ours alone, to iterate on a hop);
# BENCH_PROFILE=1 lists our slowest statements (from the server log) at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
omero=$build/bin/omero
shared=${OMERO_SHARED_DIR:-$root/../shared}
gb=${BENCH_GB:-2}
[ -d "$shared/omero-sql-legacy" ] || { echo "bench/legacy: $shared/omero-sql-legacy is absent" >&2; exit 1; }
tmp=$(mktemp -d)
trap '"$root/scripts/pg-cluster.sh" stop "$tmp/pg"; rm -rf "$tmp"' EXIT
port=$("$root/scripts/pg-cluster.sh" start "$tmp/pg")
export PGPASSWORD=$(cat "$tmp/pg/password") OMERODIR=$tmp/srv
export OMERO_PLUGIN_PATH=$build/lib/omero/plugins/abi1
mkdir -p "$OMERODIR/sql/psql"
for v in OMERO4.2__0 OMERO4.3__0 OMERO4.4__0 OMERO5.0__0 OMERO5.1__1; do cp -r "$shared/omero-sql-legacy/$v" "$OMERODIR/sql/psql/"; done
for v in OMERO5.2__0 OMERO5.3__0 OMERO5.4__0; do cp -r "$shared/omero-sql/$v" "$OMERODIR/sql/psql/"; done
"$omero" config set omero.db.host 127.0.0.1
"$omero" config set omero.db.port "$port"
psql_() { PGOPTIONS="-c client_min_messages=warning" psql -q -X -h 127.0.0.1 -p "$port" -U omero -v ON_ERROR_STOP=1 "$@"; }
super() { "$root/scripts/pg-cluster.sh" psql "$tmp/pg" -q -X -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }

echo "== generating a ${gb} GB OMERO 4.1 database"
"$root/scripts/legacy-41.sh" "$shared/omero-sql-legacy" > "$tmp/41.sql"
psql_ -d postgres -c "CREATE DATABASE seed ENCODING 'UTF8' TEMPLATE template0"
psql_ -d seed -f "$tmp/41.sql" >/dev/null
# The shape of a real 4.1 server: users in a lab group, datasets of images,
# one pixels set per image with 3 channels x 10 Z x 5 T planes (planeinfo
# dominates, as it does in production), stats, comments linked to images.
# 150 planes per image: ~180 bytes per plane with its share of the rest (measured).
images=$(python3 -c "print(int(float(\"$gb\") * 1024**3 / (150 * 180)))")
t0=$(now)
super -d seed <<SQL
SET session_replication_role = replica;  -- the generator knows its rows are consistent
INSERT INTO experimentergroup (id, permissions, version, name, creation_id, group_id, owner_id, update_id)
     VALUES (100, -103, 0, 'lab', 0, 0, 0, 0);
INSERT INTO experimenter (id, permissions, version, omename, firstname, lastname)
     SELECT 100 + u, 0, 0, 'user' || u, 'User', 'U' || u FROM generate_series(0, 9) u;
INSERT INTO groupexperimentermap (id, permissions, version, parent, child, child_index, creation_id, group_id, owner_id, update_id)
     SELECT 100 + u, -35, 0, 100, 100 + u, 0, 0, 0, 0, 0 FROM generate_series(0, 9) u
     UNION ALL SELECT 200 + u, -35, 0, 1, 100 + u, 1, 0, 0, 0, 0 FROM generate_series(0, 9) u;
INSERT INTO dataset (id, permissions, name, creation_id, group_id, owner_id, update_id)
     SELECT d, -103, 'dataset ' || d, 0, 100, 100 + d % 10, 0 FROM generate_series(1, $images / 100 + 1) d;
INSERT INTO image (id, permissions, name, acquisitiondate, creation_id, group_id, owner_id, update_id)
     SELECT i, -103, 'image ' || i || '.dv', timestamp '2009-01-01' + i * interval '1 minute', 0, 100, 100 + i % 10, 0
       FROM generate_series(1, $images) i;
INSERT INTO datasetimagelink (id, permissions, parent, child, creation_id, group_id, owner_id, update_id)
     SELECT i, -103, i / 100 + 1, i, 0, 100, 100 + i % 10, 0 FROM generate_series(1, $images) i;
INSERT INTO pixels (id, permissions, sha1, sizec, sizet, sizex, sizey, sizez, creation_id, group_id, owner_id,
                    update_id, dimensionorder, image, pixelstype, image_index)
     SELECT i, -103, md5(i::text), 3, 5, 512, 512, 10, 0, 100, 100 + i % 10, 0,
            (SELECT min(id) FROM dimensionorder), i, (SELECT min(id) FROM pixelstype), 0
       FROM generate_series(1, $images) i;
INSERT INTO statsinfo (id, permissions, globalmax, globalmin, creation_id, group_id, owner_id, update_id)
     SELECT n, -103, 4095, 0, 0, 100, 100 + n % 10, 0 FROM generate_series(1, $images * 3) n;
INSERT INTO logicalchannel (id, permissions, name, excitationwave, emissionwave, samplesperpixel, creation_id,
                            group_id, owner_id, update_id)
     SELECT n, -103, 'channel ' || n % 3, 488 + 100 * (n % 3), 520 + 100 * (n % 3), 1, 0, 100, 100 + n % 10, 0
       FROM generate_series(1, $images * 3) n;
INSERT INTO channel (id, permissions, creation_id, group_id, owner_id, update_id, logicalchannel, pixels,
                     pixels_index, statsinfo)
     SELECT n, -103, 0, 100, 100 + n % 10, 0, n, (n - 1) / 3 + 1, (n - 1) % 3, n FROM generate_series(1, $images * 3) n;
INSERT INTO planeinfo (id, permissions, thec, thet, thez, creation_id, group_id, owner_id, update_id, pixels,
                       deltat, exposuretime, positionx, positiony, positionz)
     SELECT n, -103, (n - 1) % 3, ((n - 1) / 30) % 5, ((n - 1) / 3) % 10, 0, 100, 100 + n % 10, 0, (n - 1) / 150 + 1,
            ((n - 1) / 30) % 5 * 2.5, 0.05, 10.5, 20.5, ((n - 1) / 3) % 10 * 0.2
       FROM generate_series(1, $images * 150) n;
INSERT INTO annotation (id, discriminator, permissions, textvalue, creation_id, group_id, owner_id, update_id)
     SELECT i, '/basic/text/comment/', -103, 'comment on image ' || i, 0, 100, 100 + i % 10, 0
       FROM generate_series(1, $images) i;
INSERT INTO imageannotationlink (id, permissions, parent, child, creation_id, group_id, owner_id, update_id)
     SELECT i, -103, i, i, 0, 100, 100 + i % 10, 0 FROM generate_series(1, $images) i;
SET session_replication_role = origin;
ANALYZE;
SQL
t1=$(now)
size=$(psql_ -d seed -Atc "SELECT pg_size_pretty(pg_database_size('seed'))")
printf 'generated %s images, %s planes: %s in %.1f s\n' "$images" "$((images * 150))" "$size" "$(echo "$t1 - $t0" | bc)"
psql_ -d postgres -c "CREATE DATABASE guide TEMPLATE seed" -c "CREATE DATABASE ours TEMPLATE seed"

psql_ -d postgres -c "CREATE DATABASE guide1 TEMPLATE seed" -c "CREATE DATABASE floor TEMPLATE seed"

# The sysadmin's hand edits: the same replacements our hop plugins make in memory.
mkdir -p "$tmp/guide"
python3 - "$OMERODIR/sql/psql" "$tmp/guide" <<'PY'
import os, re, sys
src, dst = sys.argv[1], sys.argv[2]
hops = ["OMERO4.2__0/OMERO4.1__0.sql", "OMERO4.3__0/OMERO4.2__0.sql", "OMERO4.4__0/OMERO4.3__0.sql",
        "OMERO5.0__0/OMERO4.4__0.sql", "OMERO5.1__1/OMERO5.0__0.sql", "OMERO5.2__0/OMERO5.1__1.sql",
        "OMERO5.3__0/OMERO5.2__0.sql", "OMERO5.4__0/OMERO5.3__0.sql"]
for i, h in enumerate(hops):
    text = open(os.path.join(src, h), encoding="utf-8").read()
    text = re.sub(r"DROP CONSTRAINT (\w+)_parent_key;",
                  r"DROP CONSTRAINT IF EXISTS \1_parent_key, DROP CONSTRAINT IF EXISTS \1_parent_child_key;", text)
    text = re.sub(r"DROP TRIGGER (\w+_index_trigger) ON", r"DROP TRIGGER IF EXISTS \1 ON", text)
    text = re.sub(r"DROP FUNCTION (\w+_index_move)\(\);", r"DROP FUNCTION IF EXISTS \1();", text)
    text = text.replace("RAISE EXCEPTION ''%%'', txt;", "RAISE EXCEPTION ''%'', txt;")
    text = text.replace("must be UTF8, not %%', char_encoding", "must be UTF8, not %', char_encoding")
    text = text.replace("RAISE EXCEPTION '%%', 'Directory('", "RAISE EXCEPTION '%', 'Directory('")
    open(os.path.join(dst, "%d.sql" % i), "w", encoding="utf-8").write(text)
PY
# The guide's scripts, timed each; $1 the database, $2 1 for a pg_dump before each.
guide_run() {
  local i a b
  hop_times=""
  for i in 0 1 2 3 4 5 6 7; do
    [ "$2" = 1 ] && pg_dump -Fc -h 127.0.0.1 -p "$port" -U omero -f "$tmp/guide/backup-$i.dump" "$1"
    a=$(now)
    (cd "$OMERODIR/sql/psql" && psql_ -d "$1" -f "$tmp/guide/$i.sql" >/dev/null)
    b=$(now)
    hop_times="$hop_times $(printf '%.1f' "$(echo "$b - $a" | bc)")"
  done
  rm -f "$tmp"/guide/backup-*.dump
}

if [ "${BENCH_GUIDE:-1}" = 1 ]; then
echo "== the limit: VACUUM FULL of the whole 4.1 database (every table read and written once, every index built once)"
t0=$(now)
psql_ -d floor -c "VACUUM FULL" 2>/dev/null
t1=$(now)
floor_all=$(echo "$t1 - $t0" | bc)
t0=$(now)
psql_ -d floor -c "VACUUM FULL planeinfo" 2>/dev/null
t1=$(now)
floor_planeinfo=$(echo "$t1 - $t0" | bc)
psql_ -d postgres -c "DROP DATABASE floor"

echo "== the guide, one dump: pg_dump -Fc, the 8 scripts (shims by hand), REINDEX DATABASE + VACUUM FULL ANALYZE"
t0=$(now)
pg_dump -Fc -h 127.0.0.1 -p "$port" -U omero -f "$tmp/guide/backup.dump" guide1
t1=$(now)
guide_run guide1 0
t2=$(now)
psql_ -d guide1 -c "REINDEX DATABASE guide1" -c "VACUUM FULL ANALYZE" 2>/dev/null
t3=$(now)
rm -f "$tmp/guide/backup.dump"
g1_dump=$(echo "$t1 - $t0" | bc); g1_scripts=$(echo "$t2 - $t1" | bc); g1_vac=$(echo "$t3 - $t2" | bc)
guide1=$(echo "$t3 - $t0" | bc); guide1_hops=$hop_times

if [ "${BENCH_PER_HOP:-1}" = 1 ]; then
  echo "== the guide, a dump per hop (as bench/legacy.sh measured before)"
  t0=$(now)
  guide_run guide 1
  psql_ -d guide -c "REINDEX DATABASE guide" -c "VACUUM FULL ANALYZE" 2>/dev/null
  t1=$(now)
  guide=$(echo "$t1 - $t0" | bc)
fi
fi
[ "${BENCH_PROFILE:-0}" = 1 ] && super -d postgres -c "ALTER DATABASE ours SET log_min_duration_statement = 200"

echo "== ours: omero db clone (the rollback point) + omero db upgrade (pre-flight, 8 hops) + omero db optimize (ANALYZE)"
t0=$(now)
"$omero" -q db clone --name ours --to ours_before >/dev/null 2>&1
t1=$(now)
"$omero" -q db upgrade --name ours --no-backup >/dev/null 2>&1
t2=$(now)
"$omero" -q db optimize --name ours -j 2 >/dev/null
t3=$(now)
ours_hops=$(psql_ -d ours -Atc "SELECT round(duration_ms / 1000.0, 1) FROM omero_cli_history ORDER BY id" | tr "\n" " ")
clone=$(echo "$t1 - $t0" | bc); up=$(echo "$t2 - $t1" | bc); opt=$(echo "$t3 - $t2" | bc)
ours=$(echo "$t3 - $t0" | bc)
if [ "${BENCH_PROFILE:-0}" = 1 ]; then
  echo "== our slowest statements"
  python3 - "$(cat "$tmp/pg/run")/server.log" <<'PY'
import re, sys
rows = []
for m in re.finditer(r"duration: ([0-9.]+) ms  (?:statement|execute [^:]*): (.*?)(?=\n\S+ \S+ \S+ \[|\Z)", open(sys.argv[1]).read(), re.S):
    rows.append((float(m.group(1)), " ".join(m.group(2).split())[:150]))
for ms, text in sorted(rows, reverse=True)[:20]:
    print("%8.2f s  %s" % (ms / 1000, text))
PY
fi
if [ "${BENCH_GUIDE:-1}" = 0 ]; then
  printf 'omero               %8.1f s  (clone %.1f, db upgrade %.1f, optimize %.1f); hops: %s\n' "$ours" "$clone" "$up" "$opt" "$ours_hops"
  exit 0
fi
for d in guide1 ours ${guide:+guide}; do
  [ "$(psql_ -d $d -Atc "SELECT currentversion || '__' || currentpatch FROM dbpatch ORDER BY id DESC LIMIT 1")" = OMERO5.4__0 ] \
    || { echo "bench/legacy: $d did not reach OMERO5.4__0" >&2; exit 1; }
done
size_g=$(psql_ -d postgres -Atc "SELECT pg_database_size('guide1')")
size_o=$(psql_ -d postgres -Atc "SELECT pg_database_size('ours')")
mib() { echo "scale=0; $1 / 1048576" | bc; }
printf 'database            %s (4.1), %s images, %s planes\n' "$size" "$images" "$((images * 150))"
printf 'limit               %8.1f s  VACUUM FULL of the whole database (planeinfo alone %.1f s)\n' "$floor_all" "$floor_planeinfo"
printf 'guide, one dump     %8.1f s  (dump %.1f, scripts %.1f, REINDEX + VACUUM FULL ANALYZE %.1f); hops:%s\n' \
  "$guide1" "$g1_dump" "$g1_scripts" "$g1_vac" "$guide1_hops"
[ -z "${guide:-}" ] || printf 'guide, dump per hop %8.1f s\n' "$guide"
printf 'omero               %8.1f s  (clone %.1f, db upgrade %.1f, optimize %.1f); hops: %s\n' "$ours" "$clone" "$up" "$opt" "$ours_hops"
printf 'ratio guide/omero   %8.2fx (one dump)%s\n' "$(echo "$guide1 / $ours" | bc -l)" \
  "${guide:+, $(printf '%.2f' "$(echo "$guide / $ours" | bc -l)")x (dump per hop)}"
printf 'omero vs the limit  %8.2fx the whole-database VACUUM FULL\n' "$(echo "$ours / $floor_all" | bc -l)"
printf 'end size            guide %s MiB, omero %s MiB (%.2fx)\n' "$(mib "$size_g")" "$(mib "$size_o")" \
  "$(echo "$size_o / $size_g" | bc -l)"
