#!/usr/bin/env bash
# Builds the Debian packages from a build tree and checks them with lintian:
# omero, omero-plugin-<name>, omero-sdk, and the -dbgsym packages with the
# debug symbols. Exits non-zero on any lintian error or warning.
#   scripts/package.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
out=${2:-$build/packages}
mkdir -p "$out"
out=$(cd "$out" && pwd)
(cd "$build" && cpack -G DEB -B "$out" >/dev/null)
rm -rf "$out/_CPack_Packages"
# CPack 3.25 writes the .ddeb md5sums with absolute build paths and no doc
# directory: repack each with relative sums and the doc link Debian's dbgsym
# packages carry (usr/share/doc/<pkg>-dbgsym -> <pkg>).
for ddeb in "$out"/*.ddeb; do
  [ -e "$ddeb" ] || continue
  tmp=$(mktemp -d)
  dpkg-deb -R "$ddeb" "$tmp/pkg"
  pkg=$(sed -n 's/^Package: //p' "$tmp/pkg/DEBIAN/control")
  mkdir -p "$tmp/pkg/usr/share/doc"
  ln -s "${pkg%-dbgsym}" "$tmp/pkg/usr/share/doc/$pkg"
  (cd "$tmp/pkg" && find usr -type f -print0 | sort -z | xargs -0 md5sum > DEBIAN/md5sums)
  chmod 0644 "$tmp/pkg/DEBIAN/md5sums"
  dpkg-deb --root-owner-group -Zxz -b "$tmp/pkg" "$ddeb" >/dev/null
  rm -rf "$tmp"
done
ls -1 "$out"
# Root is how CI runs; lintian's own warning about it is not about the packages.
report=$(lintian --tag-display-limit 0 "$out"/*.deb "$out"/*.ddeb 2>&1 | grep -v 'running with root privileges' || true)
if [ -n "$report" ]; then
  echo "$report"
  echo "lintian: the packages are not clean" >&2
  exit 1
fi
echo "lintian: clean"
