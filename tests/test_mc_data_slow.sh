#!/bin/sh
# Monte Carlo validation of deqnn ck --input FILE --simulate (suite 'slow'): the exact L = 1 CK
# on real images (data/fashion_1500_14x14.idx.gz, Fashion-MNIST 2x2-pooled) against the
# network on those images with only the weights random: n = 500 (tanh, a random subset) and
# n = 1500 (relu, every sample), 10 seeds; verdicts 4 SE + B/n with B measured by the
# two-size scan (docs/data.md "Verdicts").  Every moment and resolvent must pass; KS is
# reported without a verdict.  Then the approximate matrix pencils (docs/data.md "The matrix
# pencil"), n = 500 relu, 8 seeds: the CK with two layers (C3b) must pass its verdicts against
# real_data R23's allowance; the NTK (N2, no verdict) must reproduce its measured error within
# 4 combined SE (a regression check: -7.81% +- 0.32, -1.47% +- 0.11, -0.25% +- 0.04 at
# lambda = 0.05, 0.5, 2).  Usage: test_mc_data_slow.sh DEQNN
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
runs=$((runs + 1))
if ! "$1" ck --input "$data" --act relu --ratios 1.2,0.8 --input-samples 500 --simulate --seeds 8 \
    --seed 1 --stats 0.05,0.5,2 --out "$out" 2>"$out.err" ||
   [ "$(grep -c '^\(trK2/n\|res([0-9.]*)\),.*,pass-approximate$' "$out")" -ne 4 ] ||
   ! grep -q '^trK/n,.*,pass$' "$out"; then
  failed=$((failed + 1)); echo "FAIL: deqnn ck --input $data (relu, L = 2, C3b)"; cat "$out.err"
fi
runs=$((runs + 1))
"$1" ntk --input "$data" --act relu --ratios 1.2 --input-samples 500 --simulate --seeds 8 \
  --seed 1 --stats 0.05,0.5,2 --out "$out" 2>"$out.err"
rc=$?
if [ "$rc" -ne 0 ] || ! grep -q '^trK/n,.*,pass$' "$out" ||
   ! awk -F'[=%]' '
       /approximate theory, measured error: res\(/ {
         split($0, a, "res\\("); split(a[2], b, ")"); lam = b[1]
         rel = $2 + 0; split($3, c, "[+][-] "); se = c[2] + 0
         ref = lam == 0.05 ? -7.81 : lam == 0.5 ? -1.47 : -0.25
         rse = lam == 0.05 ? 0.32 : lam == 0.5 ? 0.11 : 0.04
         d = rel - ref; if (d < 0) d = -d
         print "N2 res(" lam "): " rel "% +- " se " against " ref "% +- " rse
         if (d > 4 * sqrt(se * se + rse * rse)) bad = 1; n++ }
       END { exit !(n == 3 && !bad) }' "$out"; then
  failed=$((failed + 1)); echo "FAIL: deqnn ntk --input $data (relu, N2)"; cat "$out.err"
fi
rm -f "$out" "$out.err"
echo "$((runs - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
