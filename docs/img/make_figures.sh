#!/bin/sh
# Remake the documentation's figures that the CLI draws, with the commands the docs show.
# Usage (from the repository root, after building): sh docs/img/make_figures.sh [DEQNN]
# Takes about 10 minutes on 2 cores (the simulations).  The figures drawn by a hand-written
# gnuplot script (onestep_eta, spiked_support, data_fmnist_ck) are remade by running their
# scripts; their data and commands are beside them.
set -eu
deqnn=$(realpath "${1:-build/src/deqnn}")
img=$(realpath docs/img)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fig() {   # fig NAME.png deqnn-arguments...: run, then copy the figure (and its CSV if asked)
  name=$1
  shift
  echo "== $name: deqnn $*" >&2
  "$deqnn" "$@" --plot "$name" >/dev/null || [ $? -eq 1 ]
  cp "$name" "$img/$name"
}
fig guide_mp.png mp --ratio 2.385 --x 0:7:71 --simulate --n 600 --seeds 10 --out mp.csv
fig guide_ck3.png ck --act tanh --ratios 0.5,0.8,1.2,1.71 --x 0:12:121 --simulate --n 600 --seeds 10 --out ck3.csv
fig guide_ck3_log.png ck --act tanh --ratios 0.5,0.8,1.2,1.71 --x 0.005:15:120:log --simulate --n 600 --seeds 10 --out ck3log.csv
fig guide_ntk_rademacher.png ntk --act relu --ratios 0.8,2.385 --readout rademacher --x 0:12:121 --simulate --n 600 --seeds 10 --out ntk_rad.csv
fig guide_ntk_gaussian.png ntk --act relu --ratios 0.8,2.385 --readout gaussian --x 0:12:121 --simulate --n 600 --seeds 10 --out ntk_gauss.csv
fig spiked_spike_sweep.png spiked --act tanh --spike 0:3:31 --out spiked_risk_spike_sweep.csv
fig spiked_density.png spiked --act relu --spike 2 --x 0:3.85:150 --out spiked_density.csv
fig double_descent.png rf --act relu --teacher poly:0,1 --noise 0.2 --sample-ratio 1.9 --lambda 0 --width-ratio 0.1:8:40 --simulate --d 400 --seeds 20 --out double_descent.csv
cp double_descent.csv "$img/double_descent.csv"
fig onestep_large.png onestep --large --act tanh --teacher poly:0,1,0,-0.4 --width-ratio 1.2 --sample-ratio 8 --batch-ratio 8 --lambda 0.01 --noise 0.04 --eta 0:4:17 --simulate --d 400 --seeds 10 --out onestep_large.csv
cp onestep_large.csv "$img/onestep_large.csv"
for t in "train_gd --steps 60 --record 0,1,5,20,60 --seeds 3" \
         "train_large --centred --lr 2 --steps 1 --record 0,1 --seeds 3" \
         "train_adam --opt adam --lr 0.1 --steps 100 --record 0,20,100 --seeds 2"; do
  set -- $t
  name=$1
  shift
  fig "$name.png" train --n 800 "$@" --out "$name.csv"
done
# the main job's figures (README, guide section 11)
sh "$OLDPWD/validation/main_job.sh" "$deqnn" main >/dev/null 2>&1 || true
for k in mp ck ntk; do cp "main/$k.png" "$img/main_$k.png"; done
cd "$OLDPWD"
gnuplot docs/img/onestep_eta/plot.gp   # run from the root (its paths)
for gp in docs/img/spiked_support.gp docs/img/data_fmnist_ck.png.gp; do
  (cd docs/img && gnuplot "$(basename "$gp")")
done
