# Written by deqnn; edit and rerun with: gnuplot 'double_descent.png.gp'
if (!exists('deqnn_output')) deqnn_output = 'double_descent.png'
set terminal pngcairo size 960,640 enhanced font 'DejaVu Sans,11'
set output deqnn_output
set datafile separator ','
set datafile missing 'nan'
set title "random features: student relu, teacher poly:0,1\nsample_ratio = 1.9, lambda = 0, noise = 0.2" noenhanced
set xlabel 'width_ratio' noenhanced
set ylabel 'excess risk' noenhanced
set key bmargin center horizontal box noopaque noenhanced
set bmargin 7
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set logscale y
set arrow from 1.8999999999999999, graph 0 to 1.8999999999999999, graph 1 nohead dt 2 lc rgb '#7f7f7f'
set label 'interpolation threshold N = n' at 1.8999999999999999, graph 0.04 left offset 0.5,0 tc rgb '#7f7f7f' noenhanced

plot 'double_descent.csv' using 'width_ratio':'risk' with lines lw 2 lc rgb '#1f4e9e' title 'test risk (theory)' noenhanced, \
     'double_descent.csv' using 'width_ratio':'train_error' with lines lw 1.5 dt 2 lc rgb '#1f4e9e' title 'training error (theory)' noenhanced, \
     'double_descent.csv' using 'width_ratio':'sim_risk':'sim_risk_se' with yerrorbars pt 7 ps 0.6 lc rgb '#d95f02' title 'test risk (simulation, d = 400, 20 seeds, +- SE)' noenhanced
