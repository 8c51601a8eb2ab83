# Risk after one gradient step against the learning rate (docs/guide.md section 11).
# theory.csv = deqnn onestep --eta 0:4:41 ; sim.csv = deqnn onestep --eta 0,1,2,3,4 --simulate --d 600 --seeds 20
# Rerun from the repository root: gnuplot docs/img/onestep_eta/plot.gp
set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,11'
set output 'docs/img/onestep_eta.png'
set datafile separator ','
set title 'One gradient step: tanh student, teacher poly:0,1,0.5, N/d = 2.385, n/d = 1.7, lambda = 0.02' noenhanced
set xlabel 'learning rate eta'
set ylabel 'excess test risk'
set grid
set key bmargin center horizontal box noopaque
set bmargin 7
set offsets graph 0.02, graph 0.02, 0, 0
set xlabel 'learning rate eta' noenhanced
set yrange [0.2:0.85]
plot 'docs/img/onestep_eta/theory.csv' using 'eta':'risk' with lines lw 2 lc rgb '#1f4e9e' title 'after the step (theory)', \
     '' using 'eta':'rf_risk' with lines lw 1 lc rgb '#7f7f7f' title 'random features, eta = 0', \
     '' using 'eta':'linear_ridge_opt' with lines lw 1 dt 2 lc rgb '#2ca02c' title 'optimally tuned linear ridge', \
     '' using 'eta':'best_linear' with lines lw 1 dt 3 lc rgb '#000000' title 'best linear predictor', \
     'docs/img/onestep_eta/sim.csv' using 'eta':'sim_risk':'sim_risk_se' with yerrorbars pt 7 ps 0.8 lc rgb '#d95f02' title 'simulation, d = 600, 20 seeds (+- SE)'
