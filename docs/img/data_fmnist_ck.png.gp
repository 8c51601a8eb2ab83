# Fashion-MNIST worked example (docs/data.md): CK of a one-hidden-layer relu network on 1500
# training images (width 1000), the expected-kernel theory against the Gaussian-data theory.
# Made from docs/img/data_fmnist_ck.csv, data_fmnist_ck_linearised.csv and
# data_fmnist_ck_gaussian.csv (their '# command' lines).
set terminal pngcairo size 900,560 font ',11'
set output 'data_fmnist_ck.png'
set datafile separator ','
set logscale xy
set xrange [0.005:10]
set yrange [1e-3:20]
set xlabel 'eigenvalue x'
set ylabel 'density'
set title 'CK spectrum, relu, 1 hidden layer (n = 1500 Fashion-MNIST images, d1 = 1000)'
set key top right
plot 'data_fmnist_ck.csv' every ::1 using 1:($2 > 0 ? $2 : NaN) with lines lw 2 lc rgb '#1f4e9e' \
       title 'expected kernel of the data (exact for L = 1)', \
     'data_fmnist_ck_linearised.csv' every ::1 using 1:($2 > 0 ? $2 : NaN) with lines lw 2 dt 3 lc rgb '#1b9e77' \
       title 'linearised (1 - b) + b spec(X^T X) of the data (--input-kernel linearised)', \
     'data_fmnist_ck_gaussian.csv' every ::1 using 1:($2 > 0 ? $2 : NaN) with lines lw 2 dt 2 lc rgb '#d95f02' \
       title 'iid Gaussian inputs with the same n/d0 (Fan-Wang)'
