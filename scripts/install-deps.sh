#!/usr/bin/env bash
# Installs what omero needs to build, test and benchmark, from Debian 12's
# packages. Safe to run again: it only calls apt-get when something is missing.
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-program-options-dev libpugixml-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libpq-dev libssl-dev libgtest-dev
  postgresql postgresql-client          # the server the db tests and the demo start
  nginx apache2 gunicorn python3-django # the web tests' real front ends and application server
  libzeroc-ice-dev zeroc-icegrid zeroc-glacier2 zeroc-ice-utils python3-zeroc-ice  # admin: IceGrid 3.7
  libcurl4-openssl-dev libarchive-dev   # admin checkupgrade (libcurl), diagnostics' jar manifests (libarchive)
  clang libclang-rt-14-dev clang-format # libFuzzer; the format check
  python3 util-linux procps bc curl
  lintian file                          # checking the Debian packages
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # Servers (postgresql, nginx, apache2) are installed, never started: the
  # tests start their own on free loopback ports. policy-rc.d tells the
  # packages' scripts not to start them (and nothing can prompt: stdin is closed).
  added_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null || rc=$?
  [ -z "$added_policy" ] || $sudo rm -f /usr/sbin/policy-rc.d
  [ "${rc:-0}" -eq 0 ] || exit "$rc"
fi
