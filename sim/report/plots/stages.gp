# Stage breakdown of sync lag: for p50/p90/p99, the time from payment to waybill, then to marked
# shipped, then to the first tracking line, stacked. gnuplot -c stages.gp TERM OUT DATA YLABEL TITLE
#   DATA rows: percentile-label waybill ship track (increments, in the YLABEL unit)
if (ARG1 eq "svg") { set terminal svg size 960,540 dynamic enhanced font "sans,11" background rgb "white" } \
else { if (ARG1 eq "pngcairo") { set terminal pngcairo size 960,540 enhanced font "sans,10" } \
else { set terminal png size 960,540 } }
set output ARG2
set title "Sync lag by stage (payment to tracking visible): ".ARG5 noenhanced
set xlabel "percentile of each stage's latency"
set ylabel ARG4
set yrange [0:*]
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border -1
set boxwidth 0.6
set grid y
set key outside right top
plot ARG3 u 2:xtic(1) t "payment to waybill", \
     '' u 3 t "waybill to marked shipped", \
     '' u 4 t "marked shipped to first tracking"
