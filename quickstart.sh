#!/bin/sh
# deqnn quick start on Debian 12 (run as root, or with sudo available):
#   ./quickstart.sh main   install what is missing, build, install deqnn into /usr/local (the
#                          program on PATH, the library, headers, deqnn.pc, deqnn(1)), run the
#                          main job -> out/
#   ./quickstart.sh test   install what is missing, build, run every test suite
#                          (unit, cli, check, docs, slow Monte Carlo; the unit suite under valgrind;
#                          the unit and cli suites under AddressSanitizer + UBSan)
set -eu
cd "$(dirname "$0")"
what=${1:-main}

PKGS="build-essential meson ninja-build pkg-config libgsl-dev liblapacke-dev libopenblas-dev libcmocka-dev zlib1g-dev gnuplot-nox valgrind python3 python3-numpy python3-pytest python3-pandas python3-matplotlib libopenmpi-dev openmpi-bin"

install_missing() {
  missing=""
  for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "quickstart: installing$missing"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
}

build() {
  dir=$1
  shift
  [ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null
  ninja -C "$dir" >/dev/null
}

# meson install into /usr/local, then ldconfig: deqnn on PATH, libdeqnn found by programs.
install_deqnn() {
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO meson install -C build --no-rebuild --quiet >/dev/null
  $SUDO ldconfig
  echo "quickstart: installed $(command -v deqnn || echo /usr/local/bin/deqnn) ($(deqnn version 2>/dev/null || echo 'not on PATH'))"
}

install_missing
case "$what" in
main)
  build build
  install_deqnn
  sh validation/main_job.sh build/src/deqnn out
  ;;
test)
  build build
  meson test -C build --suite unit --suite cli --suite check --suite python --suite docs --print-errorlogs
  meson test -C build --suite slow --print-errorlogs
  # under valgrind (about 50x slower) the property sweep runs a twentieth of its points and
  # the data-kernel tests one reference point per route (DEQNN_TEST_LIGHT: memory, not values)
  SWEEP_DIV=20 DEQNN_TEST_LIGHT=1 meson test -C build --suite unit --print-errorlogs --timeout-multiplier 10 \
    --wrap='valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --quiet'
  build build-asan -Db_sanitize=address,undefined -Dbuildtype=debug -Db_lundef=false
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --suite unit --suite cli --print-errorlogs
  ;;
*)
  echo "usage: $0 main|test" >&2
  exit 2
  ;;
esac
