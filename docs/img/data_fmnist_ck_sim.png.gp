# Fashion-MNIST worked example (docs/data.md): the CK spectrum of a relu network with 1 and 2
# hidden layers (width 1000 each) on 1500 training images, over the network simulated on the
# same images (4 seeds, only the weights random), with the linearised theory beside it.
# Made from data_fmnist_ck1_sim.csv, data_fmnist_ck_linearised.csv (1 layer) and
# data_fmnist_ck2_sim.csv, data_fmnist_ck2_linearised.csv (2 layers): their '# command' lines.
set terminal pngcairo size 1200,520 font ',10'
set output 'data_fmnist_ck_sim.png'
set datafile separator ','
set logscale xy
set xrange [0.005:10]
set yrange [1e-3:20]
set xlabel 'eigenvalue x'
set ylabel 'density'
set key bottom left
set multiplot layout 1,2
set title '1 hidden layer (exact): expected-kernel theory over the simulated network'
plot 'data_fmnist_ck1_sim.csv' every ::1 using 1:($5 > 0 ? $5 : NaN) with histeps lw 1.2 lc rgb '#d95f02' \
       title 'simulated network on the images (4 seeds)', \
     'data_fmnist_ck1_sim.csv' every ::1 using 1:($2 > 0 ? $2 : NaN) with lines lw 2 lc rgb '#1f4e9e' \
       title 'expected kernel of the data (exact, L = 1)', \
     'data_fmnist_ck_linearised.csv' every ::1 using 1:($2 > 0 ? $2 : NaN) with lines lw 2 dt 3 lc rgb '#1b9e77' \
       title 'linearised (1 - b) + b spec(X^T X)'
set title '2 hidden layers (approximate: res(0.5) -8.8%)'
plot 'data_fmnist_ck2_sim.csv' every ::1 using 1:($5 > 0 ? $5 : NaN) with histeps lw 1.2 lc rgb '#d95f02' \
       title 'simulated network on the images (4 seeds)', \
     'data_fmnist_ck2_sim.csv' every ::1 using 1:($2 > 0 ? $2 : NaN) with lines lw 2 lc rgb '#1f4e9e' \
       title 'expected kernel, then iterated MP (approximate)', \
     'data_fmnist_ck2_linearised.csv' every ::1 using 1:($2 > 0 ? $2 : NaN) with lines lw 2 dt 3 lc rgb '#1b9e77' \
       title 'linearised, then iterated MP'
unset multiplot
