# Throughput and orders in flight over sim time, fault windows shaded and labelled by kind.
# gnuplot -c throughput.gp TERM OUT DATA XLABEL WINDOWS TITLE
#   TERM pngcairo|png|svg; DATA columns: t placed/s paid/s shipped/s delivered/s inflight
#   WINDOWS "from to kind from to kind ..." in x units (from == to: an instant, e.g. a crash)
if (ARG1 eq "svg") { set terminal svg size 960,540 dynamic enhanced font "sans,11" background rgb "white" } \
else { if (ARG1 eq "pngcairo") { set terminal pngcairo size 960,540 enhanced font "sans,10" } \
else { set terminal png size 960,540 } }
set output ARG2
set datafile missing "NaN"
set title "Throughput and orders in flight: ".ARG6 noenhanced
set xlabel ARG4
set ylabel "orders per sim-second"
set y2label "orders in flight (count)"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set grid
set key outside bottom center horizontal
P = "#1f77b4 #d62728 #2ca02c #9467bd #8c564b #e377c2 #7f7f7f #bcbd22 #17becf #ff7f0e"
W = ARG5
do for [i=1:words(W)/3] {
    a = real(word(W, 3*i-2)); b = real(word(W, 3*i-1)); k = word(W, 3*i)
    col = word(P, 1 + (i-1) % words(P))
    if (b > a) {
        set object i rect from a, graph 0 to b, graph 1 behind fc rgb col fs transparent solid 0.12 noborder
    } else {
        set arrow i from a, graph 0 to a, graph 1 nohead lc rgb col dt 2 lw 2
    }
    set label i k at a, graph (0.97 - 0.05 * ((i-1) % 8)) offset 0.5,0 font ",9" tc rgb col noenhanced
}
plot ARG3 u 1:2 w l lw 2 lc rgb "#1f77b4" t "placed", \
     '' u 1:3 w l lw 1 lc rgb "#aec7e8" t "paid", \
     '' u 1:4 w l lw 2 lc rgb "#2ca02c" t "shipped", \
     '' u 1:5 w l lw 1 lc rgb "#98df8a" t "delivered", \
     '' u 1:6 axes x1y2 w l lw 2 dt 2 lc rgb "#ff7f0e" t "in flight (right axis)"
