# Written by deqnn; edit and rerun with: gnuplot 'train_adam.png.gp'
if (!exists('deqnn_output')) deqnn_output = 'train_adam.png'
set terminal pngcairo size 960,640 enhanced font 'DejaVu Sans,11'
set output deqnn_output
set datafile separator ','
set datafile missing 'nan'
set grid
set multiplot layout 2,2 title 'tanh student, tanh teacher, n = 800, d0 = 500, d1 = 1000, 2 seeds' noenhanced
set title 'weights M^T M (theory: MP)' noenhanced
set xlabel 'eigenvalue'
set ylabel 'density'
unset y2tics
set key top right box opaque noenhanced
plot 'train_adam.png.data.csv' using 'x_w':'first_w' with steps lw 1.5 lc rgb '#d95f02' title 'step 0', '' using 'x_w':'last_w' with steps lw 1.5 lc rgb '#7570b3' title 'step 100', '' using 'x_w':'theory_w' with lines lw 2 lc rgb '#1f4e9e' title 'limit at init'
set title 'conjugate kernel (theory: S8)' noenhanced
set xlabel 'eigenvalue'
set ylabel 'density'
unset y2tics
set key top right box opaque noenhanced
plot 'train_adam.png.data.csv' using 'x_ck':'first_ck' with steps lw 1.5 lc rgb '#d95f02' title 'step 0', '' using 'x_ck':'last_ck' with steps lw 1.5 lc rgb '#7570b3' title 'step 100', '' using 'x_ck':'theory_ck' with lines lw 2 lc rgb '#1f4e9e' title 'limit at init'
set title 'NTK (theory: S9)' noenhanced
set xlabel 'eigenvalue'
set ylabel 'density'
unset y2tics
set key top right box opaque noenhanced
plot 'train_adam.png.data.csv' using 'x_ntk':'first_ntk' with steps lw 1.5 lc rgb '#d95f02' title 'step 0', '' using 'x_ntk':'last_ntk' with steps lw 1.5 lc rgb '#7570b3' title 'step 100', '' using 'x_ntk':'theory_ntk' with lines lw 2 lc rgb '#1f4e9e' title 'limit at init'
set title 'statistics against the step' noenhanced
set xlabel 'step'
set ylabel 'top eigenvalue of M^T M'
set y2label 'KS distance'
set y2tics
set key top left box opaque noenhanced
plot 'train_adam.png.data.csv' using 'step':'top_w':'top_w_se' with yerrorbars pt 7 lc rgb '#d95f02' title 'top of M^T M', 2.884876341 with lines dt 2 lc rgb '#1f4e9e' title 'edge + TW shift', '' using 'step':'ks_w' axes x1y2 with linespoints lc rgb '#7570b3' title 'KS M^T M', '' using 'step':'ks_ck' axes x1y2 with linespoints lc rgb '#1b9e77' title 'KS CK'
unset multiplot
