#!/bin/sh
# Monte Carlo validation of deqnn spiked --simulate (suite 'slow'): the spiked random-feature
# theory against srfsim at d = 400, 10 seeds, with the tolerances of spiked_rf section 10
# (docs/compare.md): test error 4 SE + 2 %, training error 4 SE + 2 % + 1/sqrt(n); m(z)
# 4 SE + 2e-3 |m|; lambda_2 in [0.94, 1.02] edge; lambda_1 4 SE.  The default jobs for tanh
# and erf in both modes, and a spike sweep.  Usage: test_mc_spiked_slow.sh DEQNN
set -u
log=${TMPDIR:-/tmp}/deqnn_mcs.$$
runs=0 failed=0
for act in tanh erf; do
  # the default job (spike 1) with r = 0 and 2; the default spectrum; a larger spike
  for job in "--spike 0:2:3" "--x 0:3:31" "--spike 2 --x 0:4:41"; do
    runs=$((runs + 1))
    # shellcheck disable=SC2086
    if ! "$1" spiked --act "$act" $job --simulate --d 400 --seeds 10 --seed 1 >/dev/null 2>"$log"; then
      failed=$((failed + 1)); echo "FAIL: deqnn spiked --act $act $job"; cat "$log"
    fi
  done
done
rm -f "$log"
echo "$((runs - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
