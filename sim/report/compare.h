/* `shipsim compare A B`: every numeric summary figure of two run folders side by side, with the
 * regressions of B against A marked (results/README.md, "compare"):
 *   - an invariant count (lost_orders, late_orders, duplicate_waybills, surplus_waybills_live,
 *     waybill_mismatches, garbled_propagated, state_regressions, forged_accepted, oversold_units)
 *     that grew at all;
 *   - a latency figure (*_latency_ms, sync_lag_*_ms) that grew by more than the noise margin:
 *     more than latency_rel (10%) AND more than latency_abs_ms (1000 sim ms);
 *   - a KPI worse by more than its absolute margin: exception_order_rate +0.002,
 *     inventory_accuracy -0.001, shipped_within_24h_share -0.01, fault_detection_rate -0.01;
 *   - one of those figures that A had and B reports as unavailable (null);
 *   - a verdict that went from pass to fail.
 * Other figures (counts, rates, durations, faults injected) are shown with their change only. */
#ifndef SHIPSIM_REPORT_COMPARE_H
#define SHIPSIM_REPORT_COMPARE_H

#include <stdio.h>
#include "report/rundata.h"

#define COMPARE_LATENCY_REL_DEFAULT 0.10
#define COMPARE_LATENCY_ABS_MS_DEFAULT 1000.0

struct compare_margins {
    double latency_rel;    /* relative growth allowed, 0.10 = 10% */
    double latency_abs_ms; /* absolute growth allowed, sim ms */
};

enum compare_mark {
    CMP_SAME = 0, /* equal, or both unavailable */
    CMP_CHANGED,  /* changed; not judged, or within the noise margin */
    CMP_BETTER,   /* a judged figure improved beyond the margin */
    CMP_REGRESSION,
};

/* The mark for one figure; *_present 0 means null or absent in that run. */
enum compare_mark compare_figure(const char *name, int a_present, double a, int b_present, double b,
                                 const struct compare_margins *m);

/* Print the table of A against B to out; returns the number of regressions. */
int compare_runs(const struct run_data *a, const struct run_data *b,
                 const struct compare_margins *m, FILE *out);

#endif
