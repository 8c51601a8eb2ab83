# The figure of guide section 15 (issue: spikes with finite support): test error against the
# spike r for relu with the spike laws {1} (constant), {-1, 1} and {0, 1}, theory lines
# (spiked_rf S20 / spiked_finite_support F12-F18) over the simulated model (d = 1000, 10 seeds,
# +- SE).  Made from the three CSVs beside it, each written by
#   deqnn spiked --act relu --teacher poly:0,1,0.70710678118654752 --spike 0:3:7
#     --spike-support=LAW --simulate --d 1000 --seeds 10 --out spiked_support_LAW.csv
# Rerun with: gnuplot spiked_support.gp
set terminal pngcairo size 960,600 font 'DejaVu Sans,11'
set output 'spiked_support.png'
set datafile separator ','
set title "relu features after one large step, three spike laws\np/d = 1.2, n/d = 1.5, lambda = 0.05, teacher He1 + He2/sqrt(2); lines: theory; points: simulation, d = 1000, 10 seeds" noenhanced
set xlabel 'spike r'
set ylabel 'test error (noiseless labels)'
set logscale y
set grid
set key below box noenhanced horizontal
set bmargin 6
set yrange [0.05:2]
plot 'spiked_support_1.csv' using 'spike':'test_error' with lines lw 2 lc rgb '#1f4e9e' title 'constant spike {1}', \
     '' using 'spike':'sim_test_error':'sim_test_error_se' with yerrorbars pt 7 ps 0.7 lc rgb '#1f4e9e' notitle, \
     'spiked_support_m11.csv' using 'spike':'test_error' with lines lw 2 dt 2 lc rgb '#d95f02' title 'symmetric {-1, 1}', \
     '' using 'spike':'sim_test_error':'sim_test_error_se' with yerrorbars pt 5 ps 0.7 lc rgb '#d95f02' notitle, \
     'spiked_support_01.csv' using 'spike':'test_error' with lines lw 2 dt 4 lc rgb '#1b9e77' title 'sparse {0, 1}', \
     '' using 'spike':'sim_test_error':'sim_test_error_se' with yerrorbars pt 9 ps 0.8 lc rgb '#1b9e77' notitle
