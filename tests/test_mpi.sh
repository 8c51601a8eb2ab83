#!/bin/sh
# MPI (suite 'cli'): `mpirun -n 2 --oversubscribe deqnn ck|ntk|mp|rf|onestep|spiked --simulate`
# and `deqnn train` (and -n 3 with a rank that has no replicate) give the same
# tables and summary, digit for digit, as one process with the same seed, rank 0 alone writes
# them, and they record the number of ranks; a failure on one rank only ends every rank with
# a non-zero exit instead of hanging.  Skipped (exit 77) when the build has no MPI or
# there is no mpirun.  Usage: test_mpi.sh DEQNN MPIRUN|none
set -u
deqnn=$1
mpirun=$2
[ "$mpirun" = none ] && { echo "no MPI in this build: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Open MPI refuses root unless told; a CI container often runs as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
fail=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
data() { grep -v '^#' "$1"; }
compare() {   # name, then the deqnn arguments
  name=$1
  shift
  "$deqnn" "$@" --out "$tmp/$name.1.csv" 2>/dev/null
  rc1=$?
  # Open MPI does not free all it allocates by MPI_Finalize: no leak check for the ranks under
  # AddressSanitizer (the one-process run above checks deqnn's own paths, which are the same)
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    "$mpirun" -n "$np" --oversubscribe "$deqnn" "$@" --out "$tmp/$name.2.csv" 2>/dev/null
  rc2=$?
  [ "$rc1" = "$rc2" ] || bad "$name: exit $rc1 with one process, $rc2 with $np ranks"
  for f in "" .summary; do
    [ -z "$f" ] || [ -f "$tmp/$name.1.csv$f.csv" ] || continue   # rf, onestep, spiked: none
    [ -z "$f" ] || [ -f "$tmp/$name.2.csv$f.csv" ] || { bad "$name: no summary"; continue; }
    cmp -s "$tmp/$name.1.csv${f:+$f.csv}" "$tmp/$name.2.csv${f:+$f.csv}" 2>/dev/null && continue
    data "$tmp/$name.1.csv${f:+$f.csv}" > "$tmp/a"
    data "$tmp/$name.2.csv${f:+$f.csv}" > "$tmp/b"
    cmp -s "$tmp/a" "$tmp/b" || bad "$name$f: one process and $np ranks differ"
  done
  grep -q "^# simulation: .*, ranks = $np\(;.*\)\?\$" "$tmp/$name.2.csv" || bad "$name: ranks not recorded"
  grep -q '^# simulation: .*, ranks = 1\(;.*\)\?$' "$tmp/$name.1.csv" || bad "$name: ranks = 1 not recorded"
}
np=2
compare ck ck --simulate --n 200 --seeds 5 --seed 3
compare ntk ntk --act relu --ratios 0.8,1.6 --simulate --n 150 --seeds 3 --seed 7
compare mp mp --ratio 2.385 --simulate --n 160 --seeds 4 --seed 2
compare three ck --act erf --ratios 0.5,1.2 --simulate --n 120 --seeds 3 --seed 9   # 2 + 1 replicates
# the other simulating commands: paired rows (one draw per replicate), grid points with their
# own sizes (replicates counted over the rows), the spiked model's risk and spectrum, training
compare onestep onestep --eta 0,2 --simulate --d 60 --seeds 3 --n-test 200 --seed 5
compare large onestep --large --eta 0,1 --simulate --d 50 --seeds 3 --n-test 200
compare spiked spiked --simulate --d 80 --seeds 3 --spike 0.5,1 --n-test 500
compare spikedx spiked --simulate --d 80 --seeds 2 --x 0:3:7 --n-test 500
compare train train --n 100 --steps 2 --seeds 3
np=3
compare idle ntk --act tanh --ratios 0.7,1.3 --simulate --n 100 --seeds 2 --seed 4   # rank 2 idle
compare rows rf --width-ratio 0.5,1,1.5 --simulate --d 40 --seeds 2 --n-test 200   # 6 items
ls "$tmp"/*.2.csv.* 2>/dev/null | grep -v summary.csv && bad "a rank other than 0 wrote a file"
# A failure on one rank only (its --input is missing, as on a node without the file): rank 0
# waits in a collective that rank 1 never enters; rank 1 waits DEQNN_MPI_GRACE seconds at its
# end, reports and aborts them all.  No hang (timeout's 124), a non-zero exit, no table.
awk 'BEGIN { for (i = 0; i < 60; i++) { s = ""; for (j = 0; j < 12; j++)
  s = s (j ? "," : "") sin(1.7 * i + 0.3 * j + 0.1 * i * j); print s } }' > "$tmp/in.csv"
one="ck --act relu --ratios 1.5 --simulate --seeds 2"
DEQNN_MPI_GRACE=2 ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 120 \
  "$mpirun" -n 1 --oversubscribe "$deqnn" $one --input "$tmp/in.csv" --out "$tmp/onefail.csv" \
  : -n 1 "$deqnn" $one --input "$tmp/missing.csv" --out "$tmp/onefail.csv" 2> "$tmp/onefail.err"
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || bad "one rank failing: exit $rc (124: it hung)"
grep -q "cannot open" "$tmp/onefail.err" || bad "one rank failing: its reason is not reported"
grep -q "rank 1 of 2 failed.*aborting every rank" "$tmp/onefail.err" || bad "one rank failing: no abort report"
[ -f "$tmp/onefail.csv" ] && bad "one rank failing: a table was written"
echo "mpi: $fail failure(s)"
[ "$fail" -eq 0 ]
