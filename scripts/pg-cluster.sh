#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the demo, the tests and the benchmarks.
#
#   scripts/pg-cluster.sh start DIR   # initdb in DIR, start on a free 127.0.0.1 port;
#                                     # prints the port. Role "omero" (password in
#                                     # DIR/password, CREATEDB) connects over TCP with
#                                     # scram-sha-256; the superuser only through DIR's socket.
#   scripts/pg-cluster.sh stop DIR
#   scripts/pg-cluster.sh psql DIR [psql args]   # as the superuser, over the socket
#
# As root it runs the server as the "postgres" user (PostgreSQL refuses root).
set -euo pipefail
cmd=$1 dir=$2
shift 2
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "pg-cluster: PostgreSQL server binaries not found (install postgresql)" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
free_port() {
  local py; py=$(command -v /usr/bin/python3 || command -v python3)
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
case $cmd in
  start)
    mkdir -p "$dir"
    # The server's own files live in a dir it owns (the caller's may not be
    # reachable by the postgres user); DIR records where.
    run=$(mktemp -d /tmp/omero-pg.XXXXXX)
    [ "$(id -u)" -ne 0 ] || chown postgres: "$run"
    echo "$run" > "$dir/run"
    port=$(free_port)
    head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$dir/password"
    chmod 644 "$dir/password"
    as_owner "$bindir/initdb" -D "$run/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$run/initdb.log" 2>&1 \
      || { cat "$run/initdb.log" >&2; exit 1; }
    # Durability off: these clusters are thrown away (the same for every side of a benchmark).
    as_owner "$bindir/pg_ctl" -D "$run/data" -l "$run/server.log" -w -t 60 start \
      -o "-p $port -k $run -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      >/dev/null || { cat "$run/server.log" >&2; exit 1; }
    echo "$port" > "$dir/port"
    as_owner "$bindir/psql" -q -h "$run" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
      -c "CREATE ROLE omero LOGIN CREATEDB PASSWORD '$(cat "$dir/password")'" >/dev/null
    echo "$port"
    ;;
  stop)
    run=$(cat "$dir/run" 2>/dev/null) || exit 0
    [ -f "$run/data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$run/data" -m fast -w stop >/dev/null || true
    rm -rf "$run"
    ;;
  psql)
    as_owner "$bindir/psql" -h "$(cat "$dir/run")" -p "$(cat "$dir/port")" -U postgres "$@"
    ;;
  *) echo "usage: pg-cluster.sh start|stop|psql DIR" >&2; exit 2 ;;
esac
