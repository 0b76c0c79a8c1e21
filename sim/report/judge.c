/* Invariants, KPI targets and the fault -> evidence map. */
#include "report/judge.h"

#include <math.h>
#include <string.h>

#include "check/check.h"
#include "scenario/scenario.h"

const struct judge_invariant judge_invariants[] = {
    {"lost_orders",
     "every paid, uncancelled order is shipped on the platform or held with a "
     "recorded reason",
     "==", 0},
    {"late_orders", "every paid, uncancelled order is shipped within the SLA", "==", 0},
    {"duplicate_waybills", "no waybill number is bound to two orders", "==", 0},
    {"surplus_waybills_live", "each shipped order has exactly one live waybill", "==", 0},
    {"waybill_mismatches", "platform, core and carrier agree on each order's waybill", "==", 0},
    {"garbled_propagated", "no garbled byte reaches the core's stored tracking or the platform",
     "==", 0},
    {"state_regressions", "no order's state ever went backwards", "==", 0},
    {"forged_accepted", "no forged push changed anything", "==", 0},
    {"oversold_units", "no oversell", "==", 0},
    {"inventory_accuracy", "stock in the core equals truth (share of SKUs exact)", "==", 1},
    {"fault_detection_rate", "each injected fault the core could see is in its evidence journal",
     "==", 1},
};
const int judge_invariant_count = (int)ARRAY_LEN(judge_invariants);

/* Seed article 000's 30-day results (38 min sync lag, 1.2% exception orders, 99.3% stock
 * accuracy) and its KPI "98% of orders out within 24 hours". */
const struct judge_kpi judge_kpis[] = {
    {"sync_lag_p50_ms", "sync lag, payment to tracking visible (p50)", "ms", 0, 38 * 60 * 1000.0},
    {"exception_order_rate", "exception-order rate", "share", 0, 0.012},
    {"inventory_accuracy", "inventory accuracy", "share", 1, 0.993},
    {"shipped_within_24h_share", "shipped within 24 sim-hours", "share", 1, 0.98},
};
const int judge_kpi_count = (int)ARRAY_LEN(judge_kpis);

const char *const judge_fault_kinds[] = {"lost_order",
                                         "duplicate_order",
                                         "duplicate_waybill",
                                         "stale_cache",
                                         "garbled_tracking",
                                         "tracking_stall",
                                         "carrier_auth",
                                         "maintenance",
                                         "rate_limit",
                                         "latency",
                                         "error",
                                         "timeout",
                                         "reset",
                                         "malformed",
                                         "forged_push",
                                         "stock_drift",
                                         "crash",
                                         NULL};

static int holds(const char *op, double value, double bound)
{
    if (strcmp(op, "==") == 0)
        return value == bound;
    if (strcmp(op, "<=") == 0)
        return value <= bound;
    if (strcmp(op, ">=") == 0)
        return value >= bound;
    return 0;
}

enum judge_outcome judge_invariant(const struct run_data *rd, const struct judge_invariant *inv,
                                   const struct run_threshold **th)
{
    *th = NULL;
    for (int i = 0; i < rd->threshold_count; i++) {
        if (strcmp(rd->thresholds[i].figure, inv->figure) == 0) {
            *th = &rd->thresholds[i];
            break;
        }
    }
    const struct run_figure *f = run_figure_find(rd, inv->figure);
    if (!f || !f->present)
        return JUDGE_UNAVAILABLE;
    if (*th)
        return (*th)->pass ? JUDGE_PASS : JUDGE_FAIL;
    return holds(inv->default_op, f->value, inv->default_value) ? JUDGE_PASS : JUDGE_FAIL;
}

enum judge_outcome judge_kpi(const struct run_data *rd, const struct judge_kpi *kpi)
{
    const struct run_figure *f = run_figure_find(rd, kpi->figure);
    if (!f || !f->present || isnan(f->value))
        return JUDGE_UNAVAILABLE;
    int ok = kpi->higher_is_better ? f->value >= kpi->target : f->value <= kpi->target;
    return ok ? JUDGE_PASS : JUDGE_FAIL;
}

static size_t stem_len(const char *s)
{
    size_t n = strlen(s);
    return (n > 1 && s[n - 1] == 's') ? n - 1 : n;
}

/* The checker names a violation by its invariant in the singular (sim/check/check.c). */
static const char *const violation_aliases[][2] = {
    {"surplus_waybills_live", "surplus_waybill_live"},
    {"waybill_mismatches", "waybill_mismatch"},
    {"fault_detection_rate", "fault_undetected"},
    {"oversold_units", "oversell"},
};

int judge_violation_matches(const char *invariant, const char *figure)
{
    for (size_t i = 0; i < ARRAY_LEN(violation_aliases); i++)
        if (strcmp(figure, violation_aliases[i][0]) == 0 &&
            strcmp(invariant, violation_aliases[i][1]) == 0)
            return 1;
    size_t a = stem_len(invariant), b = stem_len(figure);
    return a == b && strncmp(invariant, figure, a) == 0;
}

/* One map for the checker's fault_detection_rate and the report's fault table. */
const char *const *judge_evidence_for(const char *fault_kind)
{
    static const char *const none[] = {NULL};
    int k = fault_kind_parse(fault_kind);
    const char *const *kinds = k >= 0 ? check_evidence_kinds_for(k) : NULL;
    return kinds ? kinds : none;
}
