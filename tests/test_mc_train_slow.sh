#!/bin/sh
# Monte Carlo validation of deqnn train (suite 'slow'), training_spectra section 9 with its
# tolerances (the summary's verdicts; docs/train.md):
#  1. small-lr GD (tanh, lr 0.3, 30 steps): the bulks of M^T M, CK and NTK stay at their
#     limits at init (KS <= 6/N + 0.003, moments 4 SE + 1 %, NTK W1 <= 0.1, top of M^T M within
#     4 TW sd/sqrt(seeds)) while the train loss falls; S12 is asserted on every record;
#  2. one large centred GD step (lr 2, the spec's P1): the outlier of M^T M within 4 SE + 3 %
#     of S14, its overlaps with beta, v and r_hat within 4 SE + 0.05 of S15;
#  3. the same for erf and relu students (the spec's P3 and P2 shapes, smaller).
# Usage: test_mc_train_slow.sh DEQNN
set -u
dir=${TMPDIR:-/tmp}/deqnn_mct.$$
mkdir -p "$dir"
runs=0 failed=0
run() {
  name=$1
  shift
  runs=$((runs + 1))
  if ! "$deqnn" train "$@" --seed 1 --out "$dir/$name.csv" >/dev/null 2>"$dir/$name.log"; then
    failed=$((failed + 1)); echo "FAIL: deqnn train $*"; cat "$dir/$name.log"
  fi
}
deqnn=$1
run gd    --n 500 --steps 30 --record 0,1,30 --lr 0.3 --seeds 3
# the train loss falls (mean over seeds, step 30 against step 0)
awk -F, '/^#/ || /^step/ { next } { s[$1] += $3; c[$1]++ }
         END { exit !(s[30] / c[30] < 0.5 * s[0] / c[0]) }' "$dir/gd.csv" ||
  { failed=$((failed + 1)); echo "FAIL: the train loss did not fall under GD"; }
run large --n 800 --centred --lr 2 --steps 1 --record 0,1 --seeds 3
run erf   --act erf --n 600 --sample-ratio 2.389 --width-ratio 2.048 --noise 0.04 --centred --lr 3 --steps 1 --record 0,1 --seeds 3 --readout rademacher
run relu  --act relu --teacher relu --n 600 --sample-ratio 1.5 --width-ratio 0.628 --noise 0.01 --centred --lr 2.5 --steps 1 --record 0,1 --seeds 3 --readout rademacher
rm -rf "$dir"
echo "$((runs - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
