#!/usr/bin/env bash
# The README's first command: install, build, then the job omero exists for,
# on a toy server made from this repository alone (no ../shared):
#
#   two releases of a small OMERO.server-shaped distribution (1.0.0 and
#   1.2.0: scripts/demo/make-dist.sh), the old one running for real - its
#   database on a throwaway PostgreSQL, the server on IceGrid with a real
#   glacier2router (stand-ins for Blitz and the Python servers), OMERO.web
#   (a stand-in Django project) under gunicorn, nginx in front with its site
#   file in Debian's layout (sites-enabled/omero -> sites-available/omero) -
#   then: upgrade plan, upgrade run, a request through nginx answered by the
#   new release, upgrade rollback, and the old release answering again.
#
# Every command is printed as typed, with its output. Everything lives in one
# temp dir, on free loopback ports, and everything started is stopped on any
# exit (the trap). DEMO_KEEP=1 leaves the temp dir for a look.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
if [ "${DEMO_NO_BUILD:-}" != 1 ]; then
  scripts/install-deps.sh
  scripts/build.sh >/dev/null
fi
omero=${OMERO_BUILD_DIR:-$src/${BUILD_DIR:-build}}/bin/omero
py=/usr/bin/python3

tmp=$(mktemp -d /tmp/omero-demo.XXXXXX)
# IceGrid runs the servers as nobody when we are root, and nginx's workers
# are nobody too: they must reach the distributions and the data dir.
chmod 755 "$tmp"
opt=$tmp/opt
export OMERODIR=$opt/OMERO.server
export HOME=$tmp       # nothing of the caller's ~/.pgpass or ~/omero
unset OMERO_CONFIG PGPASSWORD

cleanup() {
  set +e
  if [ -n "${OMERODIR:-}" ] && [ -e "$OMERODIR/etc/internal.cfg" ]; then
    "$omero" web stop >/dev/null 2>&1
    "$omero" admin stop --wait 20 >/dev/null 2>&1
  fi
  for d in "$opt"/OMERO.server-*; do  # a node the trap could not stop politely
    pid=$(cat "$d/var/master/master.pid" 2>/dev/null) && kill -KILL "$pid" 2>/dev/null
    pid=$(cat "$d/var/django.pid" 2>/dev/null) && kill -TERM "$pid" 2>/dev/null
  done
  [ -f "$tmp/nginx/nginx.pid" ] && kill -QUIT "$(cat "$tmp/nginx/nginx.pid")" 2>/dev/null
  scripts/pg-cluster.sh stop "$tmp/pg"
  if [ "${DEMO_KEEP:-}" = 1 ]; then echo "kept: $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
# Runs a command as typed: OMERODIR is set, so `omero` is what a sysadmin types.
run() { say "omero $*"; "$omero" "$@"; }
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
request() {  # GET through nginx, as typed; the answer must be 200 from release $1
  say "curl -si http://127.0.0.1:$http/webclient/"
  local out; out=$(curl -si --max-time 10 "http://127.0.0.1:$http/webclient/" | tr -d '\r')
  printf '%s\n' "$out"
  case $out in
    "HTTP/1.1 200 "*"release=$1"*) ;;
    *) echo "demo: expected 200 from release $1 through nginx" >&2; exit 1 ;;
  esac
}

started=$(date +%s)
bold "== A toy OMERO server: release 1.0.0 running, 1.2.0 unpacked beside it (in $tmp)"
port=$(scripts/pg-cluster.sh start "$tmp/pg")
mkdir -p "$opt"
chmod 755 "$opt"
scripts/demo/make-dist.sh 1.0.0 "$opt/OMERO.server-1.0.0"
scripts/demo/make-dist.sh 1.2.0 "$opt/OMERO.server-1.2.0"
ln -s OMERO.server-1.0.0 "$OMERODIR"
mkdir -p "$tmp/data"
chmod 777 "$tmp/data" "$opt"/OMERO.server-*/var/log
for kv in "omero.db.host=127.0.0.1" "omero.db.port=$port" "omero.db.name=omero_demo" \
          "omero.data.dir=$tmp/data" "omero.ports.registry=$(free_port)" "omero.ports.ssl=$(free_port)" \
          "omero.ports.tcp=$(free_port)" "omero.client.icetransports=tcp" "omero.db.poolsize=10" \
          "omero.glacier2.IceSSL.Protocols=tls1_2" "omero.web.python=$py" \
          "omero.web.application_server.port=$(free_port)" "omero.upgrades.url="; do
  "$omero" config set "${kv%%=*}" "${kv#*=}"
done
"$omero" config set omero.db.pass -f "$tmp/pg/password"   # never on a command line
OMERO_ROOT_PASSWORD=demo-root "$omero" db init >/dev/null

# nginx in Debian's layout, the site file generated for the versioned
# directory the server was installed in (as the guide's sysadmin did).
http=$(free_port)
scripts/demo/nginx.sh "$omero" "$tmp/nginx" "$http" "$opt/OMERO.server-1.0.0"

run admin start
run web start
request 1.0.0
site=$tmp/nginx/sites-enabled/omero

bold "== The upgrade: preview, run, check"
run upgrade plan --to "$opt/OMERO.server-1.2.0" --web-conf "$site"
up=$(date +%s)
run upgrade run --to "$opt/OMERO.server-1.2.0" --web-conf "$site" --yes
request 1.2.0
say "ls -l ${site%/*}"; ls -l "${site%/*}"

bold "== And back: rollback"
run upgrade rollback
request 1.0.0
run db status
end=$(date +%s)
bold "== Done: upgraded and rolled back in $((end - up)) s ($((end - started)) s with the set-up); stopping everything"
