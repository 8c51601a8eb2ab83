#!/bin/sh
# Regenerate the reference curves of data/ (run from the repository root after a
# deliberate, reviewed change of the mathematics; CI only checks them).
# Usage: data/make_references.sh [path/to/deqnn]
set -eu
deqnn=${1:-build/src/deqnn}
cd data
run() { out=$1; shift; "../$deqnn" "$@" --out "$out"; echo "wrote data/$out"; }
run mp_2.385.csv        mp --ratio 2.385 --x 0:7:141
run mp_0.37_stats.csv   mp --ratio 0.37 --stats 0.1,0.5,2
run ck_relu_L1.csv      ck --act relu --ratios 1.5,2.3847 --x 0:6.5:131
run ck_tanh_L2.csv      ck --act tanh --ratios 0.6,0.8,1.7142857142857142 --x 0:9:181
run ck_erf_L3.csv       ck --act erf --ratios 0.76923076923076927,1.25,0.90909090909090906,0.66666666666666663 --x 0:8:161
run ck_erf_L3_log.csv   ck --act erf --ratios 0.76923076923076927,1.25,0.90909090909090906,0.66666666666666663 --x 0.001:1:60:log
run ck_sigmoid_L2_orth.csv ck --act sigmoid --input orthonormal --ratios 0.5,1.3,0.7 --x 0:5:101
run ck_tanh_L3_stats.csv ck --act tanh --ratios 0.5,0.8,1.2,1.71 --stats 0.05,0.5,5
run ntk_relu_L1.csv     ntk --act relu --ratios 0.8,2.3856858846918487 --x 0:12:121
run ntk_tanh_L2.csv     ntk --act tanh --ratios 1.25,0.83333333333333337,1.4285714285714286 --x 1:16:151
run ntk_erf_L1.csv      ntk --act erf --ratios 0.6,1.9 --x 0:9:91
run ntk_relu_L2_stats.csv ntk --act relu --ratios 0.8,1.2,2.4 --stats 0.1,0.5,2
run rf_double_descent.csv rf --act relu --teacher poly:0,1 --noise 0.2 --sample-ratio 1.9 --lambda 0 --width-ratio 0.05:8:160
run rf_lambda_sweep.csv rf --act tanh --teacher poly:0,1,0.5 --noise 0.09 --lambda 1e-4:10:60:log
run rf_mm_linear.csv    rf --act linear --teacher poly:0,1.2,0.4 --noise 0.1 --width-ratio 0.618 --sample-ratio 1.93 --lambda 0.01
run onestep_eta_sweep.csv onestep --act tanh --teacher poly:0,1,0.5 --noise 0.09 --eta 0:5:51
run onestep_erf_width.csv onestep --act erf --teacher tanh --noise 0.04 --sample-ratio 0.83 --lambda 0.1 --eta 3 --width-ratio 0.2:6:59
run onestep_large.csv onestep --large --act tanh --teacher poly:0,1,0,-0.4 --noise 0.04 --width-ratio 1.2 --sample-ratio 8 --batch-ratio 8 --lambda 0.01 --eta 0:4:17
run spiked_risk_spike_sweep.csv spiked --act tanh --spike 0:3:31
run spiked_density.csv  spiked --act relu --spike 2 --x 0:3.85:150
run spiked_stats.csv    spiked --act tanh --spike 1.3 --stats 0.01,0.1,1,10
run train_gd_summary.csv train --n 400 --steps 20 --record 0,1,20 --summary
run train_large_step_summary.csv train --n 800 --centred --lr 2 --steps 1 --record 0,1 --summary
run spiked_support_relu.csv spiked --act relu --teacher poly:0,1,0.70710678118654752 --spike 0:3:31 --spike-support 0,1
# --input FILE (docs/data.md): the CK on the expected kernel of a fixed data set (made by
# data/make_blobs.py), run from the repository root so that the recorded path data/... resolves
# where `deqnn check` is run (the check suite runs them from the root too).
run_root() { out=$1; shift; (cd .. && "$deqnn" "$@" --out "data/$out"); echo "wrote data/$out"; }
run_root ck_relu_data.csv ck --act relu --input data/blobs_200.csv --ratios 1.5 --x 0:5:101
run_root ck_tanh_data_L2_stats.csv ck --act tanh --input data/blobs_200.csv --input-samples 150 --input-seed 3 --ratios 1.2,0.8 --stats 0.05,0.5,2
# real images: 400 of the 1500 pooled Fashion-MNIST test images (data/make_fashion_1500.py)
run_root ck_relu_fashion_stats.csv ck --act relu --input data/fashion_1500_14x14.idx.gz --input-samples 400 --ratios 1.5 --stats 0.05,0.5,2
