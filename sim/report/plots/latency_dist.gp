# Latency percentile distribution per stage on the log 1/(1-percentile) axis, as HdrHistogram's
# plotter draws it. gnuplot -c latency_dist.gp TERM OUT FILES YLABEL TITLE
#   FILES "file1 title1 file2 title2 ..." each file with columns: 1/(1-percentile) value
if (ARG1 eq "svg") { set terminal svg size 960,540 dynamic enhanced font "sans,11" background rgb "white" } \
else { if (ARG1 eq "pngcairo") { set terminal pngcairo size 960,540 enhanced font "sans,10" } \
else { set terminal png size 960,540 } }
set output ARG2
set title "Latency by percentile, per stage (from payment): ".ARG5 noenhanced
set xlabel "percentile"
set ylabel ARG4
set logscale x
set xrange [1:*]
set logscale y
set xtics ("0%%" 1, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000, "99.999%%" 100000, \
           "99.9999%%" 1000000)
set grid
set key top left noenhanced
F = ARG3
plot for [i=1:words(F)/2] word(F, 2*i-1) u 1:2 w l lw 2 t word(F, 2*i)
