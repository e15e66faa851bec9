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
# The examples, and one of our own hop plugins: it is built exactly as a third party's is.
for ex in sdk/examples/hello sdk/examples/hello-c sdk/examples/hop plugins/hop-5-3; do
  name=$(basename "$ex")
  # As a careful third party builds: every warning on, and none allowed.
  cmake -S "$src/$ex" -B "$tmp/$name" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
        -DOMERO_PLUGIN_INSTALL_DIR="$userdir" -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" \
        -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" >/dev/null
  cmake --build "$tmp/$name" >/dev/null
  cmake --install "$tmp/$name" >/dev/null
done
# Hop plugins are listed from their manifests, with their hops.
grep -q '"from":"OMERO5.4__0"' "$userdir/hop-example.omero-plugin.json"
grep -q '"to":"OMERO5.4__0"' "$userdir/hop-5-3.omero-plugin.json"
"$tmp/prefix/bin/omero" plugin list | grep -Eq '^hop-example +1.0.0 +ok '
syms=$(nm -D --defined-only "$userdir/libomero-hop-example.so" | awk '{print $3}')
[ "$syms" = "omero_plugin_negotiate" ] || { echo "hop-example exports: $syms"; exit 1; }
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
