# Written by deqnn; edit and rerun with: gnuplot 'onestep_large.png.gp'
if (!exists('deqnn_output')) deqnn_output = 'onestep_large.png'
set terminal pngcairo size 960,640 enhanced font 'DejaVu Sans,11'
set output deqnn_output
set datafile separator ','
set datafile missing 'nan'
set title "one large step: student tanh, teacher poly:0,1,0,-0.4\nwidth_ratio = 1.2, sample_ratio = 8, batch_ratio = 8, lambda = 0.01, noise = 0.04" noenhanced
set xlabel 'eta' noenhanced
set ylabel 'excess risk' noenhanced
set autoscale xfix
set key bmargin center horizontal box noopaque noenhanced
set bmargin 10
set grid
set offsets graph 0.02, graph 0.02, 0, 0

plot 'onestep_large.csv' using 'eta':'risk' with lines lw 2 lc rgb '#1f4e9e' title 'test risk (theory: spiked RF, S21)' noenhanced, \
     'onestep_large.csv' using 'eta':'train_error' with lines lw 1.5 dt 2 lc rgb '#1f4e9e' title 'training error (theory)' noenhanced, \
     'onestep_large.csv' using 'eta':'rf_risk' with lines lw 1 lc rgb '#7f7f7f' title 'random features (eta = 0)' noenhanced, \
     'onestep_large.csv' using 'eta':'kernel_limit' with lines lw 1 dt 4 lc rgb '#2ca02c' title 'rotation-invariant kernel' noenhanced, \
     'onestep_large.csv' using 'eta':'best_linear' with lines lw 1 dt 3 lc rgb '#000000' title 'best linear' noenhanced, \
     'onestep_large.csv' using 'eta':'sim_risk':'sim_risk_se' with yerrorbars pt 7 ps 0.6 lc rgb '#d95f02' title 'test risk (simulation, d = 400, 10 seeds, +- SE)' noenhanced
