# Double descent of ridgeless random-features regression (docs/rf.md).
# Data: theory.csv = deqnn rf --act relu --teacher poly:0,1 --noise 0.2 --sample-ratio 1.9 \
#         --lambda 0 --width-ratio 0.02:8:400
#       sim.csv = the same at 8 widths with --simulate --d 400 --seeds 20
# Rerun from the repository root: gnuplot docs/img/double_descent/plot.gp
set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,11'
set output 'docs/img/double_descent.png'
set datafile separator ','
set title 'Ridgeless random features: relu student, linear teacher, n/d = 1.9, noise tau^2 = 0.2' noenhanced
set xlabel 'width ratio N/d'
set ylabel 'excess test risk'
set yrange [0:4]
set grid
set key top right box opaque
set arrow from 1.9, graph 0 to 1.9, graph 1 nohead dt 2 lc rgb '#999999'
plot 'docs/img/double_descent/theory.csv' using 'width_ratio':'risk' with lines lw 2 lc rgb '#1f4e9e' title 'theory (deterministic equivalent)', \
     '' using 'width_ratio':'train_error' with lines lw 1.5 dt 2 lc rgb '#1f4e9e' title 'training error (theory)', \
     'docs/img/double_descent/sim.csv' using 'width_ratio':'sim_risk':'sim_risk_se' with yerrorbars pt 7 ps 0.8 lc rgb '#d95f02' title 'simulation, d = 400, 20 seeds (+- SE)'
