#!/bin/sh
# meson install into a staging directory: the program runs, every file is in its place, a
# program compiles against the installed headers as C and as C++ with pkg-config's flags (shared
# and static), the pkg-config file sits in the prefix's default search path, and the manual
# page documents every option that --help lists (both come from the same tables).
# usage: test_install.sh MESON BUILD_DIR PREFIX BINDIR LIBDIR INCLUDEDIR MANDIR
set -u
meson=$1 build=$2 prefix=$3 bindir=$4 libdir=$5 includedir=$6 mandir=$7 sanitize=${8:-none}
# a sanitized build's library needs its runtime in the program that links it
san=""
[ "$sanitize" != none ] && san="-fsanitize=$sanitize"
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
case $bindir in /*) ;; *) bindir=$prefix/$bindir ;; esac
case $includedir in /*) ;; *) includedir=$prefix/$includedir ;; esac
case $mandir in /*) ;; *) mandir=$prefix/$mandir ;; esac
command -v pkg-config >/dev/null || { echo "SKIP: no pkg-config"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage
fail=0
bad() { echo "FAIL: $*"; fail=1; }

"$meson" install -C "$build" --destdir "$stage" --no-rebuild --quiet >"$tmp/install.log" 2>&1 \
  || { cat "$tmp/install.log"; echo "FAIL: meson install"; exit 1; }

for f in "$bindir/deqnn" "$libdir/libdeqnn.so" "$libdir/libdeqnn.a" "$libdir/pkgconfig/deqnn.pc" \
         "$includedir/deqnn/status.h" "$includedir/deqnn/version.h" "$includedir/deqnn/command.h" \
         "$mandir/man1/deqnn.1"; do
  [ -e "$stage$f" ] || bad "not installed: $f"
done

# The installed program runs (LD_LIBRARY_PATH: the staged libraries stand for the prefix's).
export LD_LIBRARY_PATH="$stage$libdir"
"$stage$bindir/deqnn" version | grep -q '^deqnn ' || bad "installed deqnn does not run"
"$stage$bindir/deqnn" mp --ratio 2 --x 1:2:3 --out - | grep -q '^x,' || bad "installed deqnn mp"
if command -v readelf >/dev/null; then
  readelf -d "$stage$bindir/deqnn" | grep -E 'R(UN)?PATH' | grep -q "$libdir" \
    || bad "the installed program has no rpath to $libdir"
fi

# pkg-config finds deqnn.pc in its default path for this prefix (no PKG_CONFIG_PATH needed).
pkg-config --variable pc_path pkg-config | tr ':' '\n' | grep -qx "$libdir/pkgconfig" \
  || bad "$libdir/pkgconfig is not in pkg-config's default path: set PKG_CONFIG_PATH"

cat >"$tmp/prog.c" <<'EOF'
#include <stdio.h>
#include "deqnn/mp.h"
#include "deqnn/version.h"
int main(void)
{
  deq_complex m;
  if (deq_mp_stieltjes(DEQ_COMPLEX(1.3, 0.2), 2.385, &m) != DEQ_SUCCESS)
    return 1;
  printf("m = %.6f%+.6fi, deqnn %s\n", deq_creal(m), deq_cimag(m), DEQ_VERSION);
  return deq_cimag(m) > 0 ? 0 : 1;
}
EOF
export PKG_CONFIG_SYSROOT_DIR="$stage" PKG_CONFIG_PATH="$stage$libdir/pkgconfig"
flags=$(pkg-config --cflags --libs deqnn) || bad "pkg-config --cflags --libs deqnn"
cc=${CC:-cc}
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Werror $san -o "$tmp/prog" "$tmp/prog.c" $flags 2>"$tmp/cc.log" \
  && "$tmp/prog" >"$tmp/out" && grep -q '^m = ' "$tmp/out" \
  || { cat "$tmp/cc.log"; bad "C program against the installed library (pkg-config flags)"; }
# static: libdeqnn.a with pkg-config --static's private flags (OpenMP, LAPACKE, OpenBLAS, GSL)
static=$(pkg-config --static --libs deqnn | sed 's/-ldeqnn//')
# shellcheck disable=SC2086
$cc -std=c11 $san -o "$tmp/prog_static" "$tmp/prog.c" $(pkg-config --cflags deqnn) \
  "$stage$libdir/libdeqnn.a" $static 2>"$tmp/ccs.log" && "$tmp/prog_static" >/dev/null \
  || { tail -5 "$tmp/ccs.log"; bad "static link with pkg-config --static flags"; }
if command -v c++ >/dev/null; then
  # shellcheck disable=SC2086
  c++ -x c++ -Wall -Werror $san -o "$tmp/progxx" "$tmp/prog.c" $flags 2>"$tmp/cxx.log" \
    && "$tmp/progxx" >/dev/null \
    || { cat "$tmp/cxx.log"; bad "the same program as C++"; }
fi

# The manual page: well-formed roff, and every option of every command's --help in it.
man1=$stage$mandir/man1/deqnn.1
head -1 "$man1" | grep -q '^\.TH DEQNN 1' || bad "deqnn.1 has no .TH DEQNN 1 header"
if command -v man >/dev/null; then
  MANWIDTH=80 man -l "$man1" >"$tmp/man.txt" 2>"$tmp/man.err" && [ ! -s "$tmp/man.err" ] \
    || { cat "$tmp/man.err"; bad "man -l deqnn.1 warns"; }
fi
for c in mp ck ntk rf onestep spiked train; do
  awk -v s=".SS deqnn $c" '$0 == s { on = 1; next } /^\.S[SH]/ { on = 0 } on' "$man1" \
    >"$tmp/sec"
  [ -s "$tmp/sec" ] || bad "deqnn.1: no section for $c"
  opts=$("$stage$bindir/deqnn" "$c" --help | sed -n '/^common options/q; s/^  \(--[a-z0-9-]*\).*/\1/p')
  for o in $opts; do
    esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
    grep -q "^\.B $esc\( \|\$\)" "$tmp/sec" || bad "deqnn.1 does not document $c $o"
  done
  [ "$(grep -c '^\.TP' "$tmp/sec")" -eq "$(echo "$opts" | wc -w)" ] \
    || bad "deqnn.1 documents other options of $c than its --help lists"
done
[ $fail -eq 0 ] && echo "install: ok ($stage$prefix)"
exit $fail
