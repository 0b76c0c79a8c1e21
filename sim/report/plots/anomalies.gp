# Faults injected and evidence recorded by kind, per time bucket over sim time.
# gnuplot -c anomalies.gp TERM OUT DATA XLABEL TITLES TITLE YLABEL
#   DATA columns: t then one per word of TITLES ("fault:lost_order evidence:lost_order_found ...")
if (ARG1 eq "svg") { set terminal svg size 960,540 dynamic enhanced font "sans,11" background rgb "white" } \
else { if (ARG1 eq "pngcairo") { set terminal pngcairo size 960,540 enhanced font "sans,10" } \
else { set terminal png size 960,540 } }
set output ARG2
set datafile missing "NaN"
set title "Anomalies: faults injected (solid) and evidence recorded (dashed): ".ARG6 noenhanced
set xlabel ARG4
set ylabel ARG7
set yrange [0:*]
set grid
set key outside right top noenhanced
T = ARG5
plot for [i=1:words(T)] ARG3 u 1:(column(i+1)) w steps lw 2 \
     dt 1 + (strstrt(word(T, i), "evidence:") == 1) t word(T, i)
