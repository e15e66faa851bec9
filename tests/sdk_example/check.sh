#!/usr/bin/env bash
# A third party's view: install omero, build sdk/examples/hello against the
# installed SDK only, install it into a plugin dir, run it through the
# installed host.
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/sdk/examples/hello" -B "$tmp/hello" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/hello" >/dev/null
cmake --install "$tmp/hello" --prefix "$tmp/drop" >/dev/null
plugdir="$tmp/drop/lib/omero/plugins/abi1"
test -f "$plugdir/hello.omero-plugin.json"
out=$(OMERO_PLUGIN_PATH="$plugdir" "$tmp/prefix/bin/omero" hello --name tester --shout)
[ "$out" = "HELLO, TESTER!" ] || { echo "unexpected output: $out"; exit 1; }
# The installed host finds its own plugins relative to itself.
"$tmp/prefix/bin/omero" plugin list | grep -Eq '^config +[^ ]+ +ok '
# And a --path dir adds to them.
"$tmp/prefix/bin/omero" --path "$plugdir" help | grep -q '^  hello '
# pkg-config describes the SDK.
PKG_CONFIG_PATH="$tmp/prefix/share/pkgconfig" pkg-config --variable=plugindir omero-sdk | grep -q 'lib/omero/plugins/abi1$'
echo "sdk example: ok"
