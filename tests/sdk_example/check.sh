#!/usr/bin/env bash
# A third party's view, following the README only: install omero, build the
# C++ and the C example against the installed SDK alone, install each into
# the user's plugin directory, run them through the installed host.
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/.local/share"
unset OMERO_PLUGIN_PATH
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
userdir="$XDG_DATA_HOME/omero/plugins/abi1"
for ex in hello hello-c; do
  cmake -S "$src/sdk/examples/$ex" -B "$tmp/$ex" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
        -DOMERO_PLUGIN_INSTALL_DIR="$userdir" >/dev/null
  cmake --build "$tmp/$ex" >/dev/null
  cmake --install "$tmp/$ex" >/dev/null
done
test -f "$userdir/hello.omero-plugin.json"
out=$("$tmp/prefix/bin/omero" hello --name tester --shout)
[ "$out" = "HELLO, TESTER!" ] || { echo "unexpected output: $out"; exit 1; }
out=$("$tmp/prefix/bin/omero" hello-c --times 2)
[ "$out" = $'Hello from C!\nHello from C!' ] || { echo "unexpected output: $out"; exit 1; }
# The C plugin's table is checked by the host like any other.
if "$tmp/prefix/bin/omero" hello-c --times 9 2>"$tmp/err"; then echo "--times 9 accepted"; exit 1; fi
grep -q "must be from 1 to 5" "$tmp/err"
# Plugins export their entry point and nothing else.
syms=$(nm -D --defined-only "$userdir/libomero-hello.so" | awk '{print $3}')
[ "$syms" = "omero_plugin_negotiate" ] || { echo "hello exports: $syms"; exit 1; }
# The installed host finds its own plugins relative to itself.
"$tmp/prefix/bin/omero" plugin list | grep -Eq '^config +[^ ]+ +ok '
# pkg-config describes the SDK, relative to where it was installed.
PKG_CONFIG_PATH="$tmp/prefix/share/pkgconfig" pkg-config --variable=plugindir omero-sdk | grep -q "^$tmp/prefix/share/pkgconfig/../../lib/omero/plugins/abi1$"
PKG_CONFIG_PATH="$tmp/prefix/share/pkgconfig" pkg-config --variable=manifest_tool omero-sdk | grep -q 'bin/omero --no-plugins plugin manifest$'
echo "sdk example: ok"
