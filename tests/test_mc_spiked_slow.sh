#!/bin/sh
# Monte Carlo validation of deqnn spiked --simulate (suite 'slow'): the spiked random-feature
# theory against srfsim at d = 400, 10 seeds, with the tolerances of spiked_rf section 10
# (docs/compare.md): test error 4 SE + 2 %, training error 4 SE + 2 % + 1/sqrt(n); m(z)
# 4 SE + 2e-3 |m|; lambda_2 in [0.94, 1.02] edge; lambda_1 4 SE.  The default jobs for tanh
# and erf in both modes, and a spike sweep.  Usage: test_mc_spiked_slow.sh DEQNN
set -u
deqnn=$1
pass=0
fail=0
log=${TMPDIR:-/tmp}/deqnn_mcs.$$
run() {
  if "$deqnn" spiked "$@" --simulate --d 400 --seeds 10 --seed 1 >/dev/null 2>"$log"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "FAIL: deqnn spiked $*"; cat "$log"
  fi
}
for act in tanh erf; do
  run --act "$act" --spike 0:2:3                       # the default job (spike 1) and r = 0, 2
  run --act "$act" --x 0:3:31                          # the default spectrum
  run --act "$act" --spike 2 --x 0:4:41
done
rm -f "$log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
