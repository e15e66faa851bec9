#!/usr/bin/env bash
# Installs the packages, builds, and runs every test. Tests start their own
# services (a throwaway PostgreSQL cluster on a free loopback port) and stop them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j2
