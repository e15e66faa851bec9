#!/usr/bin/env bash
# bench/web: `omero web start` and `omero web status` against the reference's
# sequence, in the same run, on Debian's gunicorn + Django serving the
# stand-in OMERO.web (tests/web) behind a real nginx. Prints medians and ratios.
#
#   bench/web.sh [BUILD_DIR]          (RUNS=7)
#
# 1. start -> first 200 through nginx. Reference: what omero-web's `web start`
#    runs — `manage.py collectstatic --noinput`, `manage.py clearsessions`
#    (each its own Python + Django start), `gunicorn -D -p var/django.pid
#    --bind ... omeroweb.wsgi:application` — then nginx polled until it
#    answers 200. Ours: `omero web start` (one Python for collectstatic and
#    clearsessions, gunicorn, waits for HTTP itself), then the same poll.
# 2. status. Reference: omero-web's check in Python (read the pid file,
#    kill(pid, 0)) — a floor, since omero-py's CLI imports far more before it;
#    ours: `omero web status`, which also asks the server over HTTP.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
omero=$build/bin/omero
py=/usr/bin/python3
tmp=$(mktemp -d)
chmod 755 "$tmp"
export OMERODIR=$tmp/srv PYTHONPATH=$tmp/py DJANGO_SETTINGS_MODULE=omeroweb.settings
export OMERO_PLUGIN_PATH=$build/lib/omero/plugins/abi1
cp -r "$root/tests/web" "$tmp/py"
mkdir -p "$OMERODIR/etc/grid" "$OMERODIR/var/log" "$OMERODIR/var/nginx_tmp" "$OMERODIR/etc/templates/error"
cp /etc/nginx/mime.types "$OMERODIR/etc/"
free_port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
app=$(free_port); http=$(free_port)
"$omero" config set omero.web.python $py
"$omero" config set omero.web.application_server.port "$app"
"$omero" web config nginx-development --http "$http" -o "$OMERODIR/etc/nginx.conf" 2>/dev/null
ngx="/usr/sbin/nginx -e $OMERODIR/var/log/nginx_start.log -c $OMERODIR/etc/nginx.conf"
$ngx >/dev/null 2>&1
trap '$ngx -s stop >/dev/null 2>&1 || true; "$omero" web stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
poll200() { until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http/")" = 200 ]; do sleep 0.02; done; }
stop_gunicorn() {
  local pid; pid=$(cat "$OMERODIR/var/django.pid" 2>/dev/null) || return 0
  kill "$pid"; while kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" != Z ]; do sleep 0.02; done
  rm -f "$OMERODIR/var/django.pid"
}

echo "== 1. start -> first 200 through nginx"
ours=() theirs=()
for i in $(seq 1 "${RUNS:-7}"); do
  t0=$(now)
  (cd "$tmp/py" && $py -m django collectstatic --noinput >/dev/null && $py -m django clearsessions >/dev/null &&
     $py -m gunicorn -D -p "$OMERODIR/var/django.pid" --bind "127.0.0.1:$app" --workers 5 --threads 1 \
       --timeout 60 --max-requests 0 omeroweb.wsgi:application)
  poll200; t1=$(now); theirs+=("$(echo "$t1 - $t0" | bc)")
  stop_gunicorn
  t0=$(now); "$omero" -q web start >/dev/null; poll200; t1=$(now); ours+=("$(echo "$t1 - $t0" | bc)")
  "$omero" -q web stop >/dev/null
done
r=$(printf '%s\n' "${theirs[@]}" | median); o=$(printf '%s\n' "${ours[@]}" | median)
printf 'reference sequence   median %.3f s\nomero web start      median %.3f s\nratio omero/ref      %.3f\n' "$r" "$o" "$(echo "$o / $r" | bc -l)"

echo "== 2. status (running)"
"$omero" -q web start >/dev/null
n=${STATUS_RUNS:-200}
t0=$(now); for i in $(seq 1 "$n"); do $py -c "import os; os.kill(int(open('$OMERODIR/var/django.pid').read()), 0)"; done; t1=$(now)
r=$(echo "($t1 - $t0) / $n * 1000" | bc -l)
t0=$(now); for i in $(seq 1 "$n"); do "$omero" -q web status >/dev/null; done; t1=$(now)
o=$(echo "($t1 - $t0) / $n * 1000" | bc -l)
printf 'python pid check     %.2f ms\nomero web status     %.2f ms (with an HTTP probe)\nratio omero/python   %.3f\n' "$r" "$o" "$(echo "$o / $r" | bc -l)"
