#!/bin/sh
# Monte Carlo validation of deqnn ck --input FILE --simulate (suite 'slow'): the exact L = 1 CK
# on real images (data/fashion_1500_14x14.idx.gz, Fashion-MNIST 2x2-pooled) against the
# network on those images with only the weights random: n = 500 (tanh, a random subset) and
# n = 1500 (relu, every sample), 10 seeds; verdicts 4 SE + B/n with B measured by the
# two-size scan (docs/data.md "Verdicts").  Every moment and resolvent must pass; KS is
# reported without a verdict.  Usage: test_mc_data_slow.sh DEQNN
set -u
root=$(dirname "$0")/..
data=$root/data/fashion_1500_14x14.idx.gz
out=${TMPDIR:-/tmp}/deqnn_mcd.$$
runs=0 failed=0
for job in "--act tanh --ratios 0.75 --input-samples 500" "--act relu --ratios 1.2"; do
  runs=$((runs + 1))
  # shellcheck disable=SC2086
  if ! "$1" ck --input "$data" $job --simulate --seeds 10 --seed 1 --stats 0.05,0.5,2 \
      --out "$out" 2>"$out.err" ||
     [ "$(grep -c '^\(trK/n\|trK2/n\|res([0-9.]*)\),.*,pass$' "$out")" -ne 5 ] ||
     ! grep -q '^KS,.*,n/a-unvalidated$' "$out"; then
    failed=$((failed + 1)); echo "FAIL: deqnn ck --input $data $job"; cat "$out.err"
  fi
done
rm -f "$out" "$out.err"
echo "$((runs - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
