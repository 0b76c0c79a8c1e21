/* Plots drawn by gnuplot, run as an external program on the scripts in sim/report/plots/ (one .gp
 * each).
 *
 * The report writes small data files (*.dat, already in the plotted units) into <run>/plots/ and
 * runs `gnuplot -c <script> TERM OUT DATA ...` there twice per plot, once for PNG (pngcairo, or
 * png when cairo is missing) and once for SVG. The scripts are found in, first to last:
 *   $SHIPSIM_PLOTS_DIR, $SHIPSIM_ROOT/sim/report/plots, <exe dir>/../sim/report/plots (bin/ in a
 *   source tree), <exe dir>/../share/shipsim/plots (installed), ./sim/report/plots.
 * Nothing here fails the report: a missing gnuplot or script skips plots with a note. */
#ifndef SHIPSIM_REPORT_PLOT_H
#define SHIPSIM_REPORT_PLOT_H

#include "report/rundata.h"

#define PLOTS_MAX 8
#define PLOT_TIMEOUT_MS 60000 /* one gnuplot run */
#define PLOT_WINDOWS_MAX 40   /* fault windows shaded per plot */
#define PLOT_SERIES_MAX 24    /* anomaly series per plot */
#define PLOT_POINTS_MAX 120   /* points over time; buckets are merged beyond */
#define PLOT_NOTE_BYTES_MAX 1024

struct plot_result {
    char name[32]; /* file stem: plots/<name>.png and plots/<name>.svg */
    char title[128];
    int drawn; /* 1 when both images were written */
};

struct plot_set {
    struct plot_result plots[PLOTS_MAX];
    int count;
    char note[PLOT_NOTE_BYTES_MAX]; /* why plots or some of them were skipped; "" when none */
};

/* Find the scripts folder (see above). Returns 0 with out filled, or -1. */
int plot_scripts_dir(char *out, int out_len);

/* Draw every plot rd has data for into <rd->dir>/plots/. */
void plot_draw_all(const struct run_data *rd, struct plot_set *set);

#endif
