#!/bin/sh
# The main job: default theory curves with their simulation check, as CSV and plots.
#   MP law (gamma = 2.385), CK of a 3-layer tanh network (log grid: its mass sits near 0), NTK of a 2-layer tanh network,
#   each against the simulated finite network (n = 2000 / 1200, 10 seeds, seed 1).
# Usage: main_job.sh DEQNN OUTDIR.  Exit 0 when every verdict passes.
set -u
deqnn=$1
out=$2
mkdir -p "$out"
status=0
job() {
  name=$1
  shift
  echo "== $name: deqnn $*" >&2
  "$deqnn" "$@" --simulate --seeds 10 --seed 1 --out "$out/$name.csv" --plot "$out/$name.png" || status=1
}
job mp  mp --ratio 2.385 --n 2000
job ck  ck --act tanh --ratios 0.5,0.8,1.2,1.71 --x 0.005:15:300:log --n 2000
job ntk ntk --act tanh --ratios 0.8,1.2,1.71 --readout rademacher --n 1200
echo "wrote $out/{mp,ck,ntk}.csv (+ .summary.csv, .png, .png.gp)" >&2
[ $status -eq 0 ] && echo "main job: all verdicts pass" >&2 || echo "main job: some verdicts FAILED (see above)" >&2
exit $status
