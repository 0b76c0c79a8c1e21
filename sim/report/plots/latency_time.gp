# Ship latency percentiles (p50/p90/p99/max) per time bucket over sim time.
# gnuplot -c latency_time.gp TERM OUT DATA XLABEL YLABEL TITLE WINDOWS
#   DATA columns: t p50 p90 p99 max (already in the YLABEL unit)
if (ARG1 eq "svg") { set terminal svg size 960,540 dynamic enhanced font "sans,11" background rgb "white" } \
else { if (ARG1 eq "pngcairo") { set terminal pngcairo size 960,540 enhanced font "sans,10" } \
else { set terminal png size 960,540 } }
set output ARG2
set datafile missing "NaN"
set title "Latency percentiles over time (payment to marked shipped): ".ARG6 noenhanced
set xlabel ARG4
set ylabel ARG5
set yrange [0:*]
set grid
set key outside bottom center horizontal
W = ARG7
do for [i=1:words(W)/3] {
    a = real(word(W, 3*i-2)); b = real(word(W, 3*i-1))
    if (b > a) {
        set object i rect from a, graph 0 to b, graph 1 behind fc rgb "#cccccc" fs transparent solid 0.25 noborder
    } else {
        set arrow i from a, graph 0 to a, graph 1 nohead lc rgb "#d62728" dt 2 lw 1
    }
}
plot ARG3 u 1:2 w lp pt 7 ps 0.4 lw 2 t "p50", \
     '' u 1:3 w lp pt 7 ps 0.4 lw 2 t "p90", \
     '' u 1:4 w lp pt 7 ps 0.4 lw 2 t "p99", \
     '' u 1:5 w lp pt 7 ps 0.4 lw 1 dt 2 t "max"
