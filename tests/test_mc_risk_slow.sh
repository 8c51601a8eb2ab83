#!/bin/sh
# Monte Carlo validation of the risk curves (suite 'slow'): rf and onestep theory against
# the simulated two-layer network with the verdict rule of rf_onestep §10 (>= 20 seeds:
# |mean - theory| <= 4 SE + allowance, allowance 3% R for eta > 0, 10% R near the
# interpolation threshold, 0 otherwise; overlaps 4 SE + 12/d).  Usage: test_mc_risk_slow.sh DEQNN
set -u
deqnn=$1
pass=0
fail=0
log=${TMPDIR:-/tmp}/deqnn_mcr.$$
run() {
  if "$deqnn" "$@" --simulate --seeds 20 --seed 5 >/dev/null 2>"$log"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "FAIL: deqnn $*"; cat "$log"
  fi
}
run rf --d 600                                                    # the default rf job
run onestep --d 600 --eta 0,2.5                                   # default onestep, eta > 0, paired
run rf --act relu --teacher poly:0,1 --noise 0.2 --width-ratio 0.75 --sample-ratio 1.9 --lambda 0 --d 400
run rf --act relu --teacher poly:0,1 --noise 0.2 --width-ratio 3 --sample-ratio 1.9 --lambda 0 --d 400
run rf --act relu --teacher poly:0,0.8,0,0.35 --noise 0.25 --width-ratio 0.637 --sample-ratio 2.911 --lambda 0.05 --d 600
run onestep --act erf --teacher tanh --noise 0.04 --width-ratio 1.73 --sample-ratio 0.83 --lambda 0.1 --eta 3 --d 600
rm -f "$log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
