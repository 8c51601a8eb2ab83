# Written by deqnn; edit and rerun with: gnuplot 'docs/validation/ntk_tanh_L2.png.gp'
set terminal pngcairo size 960,640 enhanced font 'DejaVu Sans,11'
set output 'docs/validation/ntk_tanh_L2.png'
set datafile separator ','
set datafile missing 'nan'
set title 'ntk spectrum, tanh, 2 layer(s), vs simulated network' noenhanced
set xlabel 'eigenvalue x'
set ylabel 'density'
set key top right box opaque
set grid
plot 'docs/validation/ntk_tanh_L2.csv' using 'x':'density' with lines lw 2 lc rgb '#1f4e9e' title 'theory (deterministic equivalent)', \
     'docs/validation/ntk_tanh_L2.csv' using 'x':'sim_density' with histeps lw 1.2 lc rgb '#d95f02' title 'simulation (mean over seeds)'
