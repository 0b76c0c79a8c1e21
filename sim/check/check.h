/* The invariant checker (DESIGN.md section 7): ground truth from the mocks vs the core's state
 * and evidence -> the figures of summary.json, the stage latency histograms, the threshold
 * verdict and one violations.jsonl line per violating order.
 *
 * Definitions (sim/run/README.md has the full table):
 * - owed order: paid (truth pay_ms) and neither cancelled nor in_cancel on the platform;
 * - lost_orders: owed orders not marked shipped on the platform and not held by the core with a
 *   reason (without a state dump holds are unknown: every unshipped owed order counts);
 * - late_orders: owed orders shipped later than sla_ship_within_s after the truth payment;
 * - duplicate_waybills: waybill numbers bound to two or more orders (platform truth + the core's
 *   live waybills); surplus_waybills_live: live carrier waybills beyond one per owed or shipped
 *   order (beyond zero for the others);
 * - waybill_mismatches: shipped orders whose platform waybill is not a live carrier waybill of
 *   that order, or differs from the core's;
 * - garbled_propagated: platform waybills failing their carrier's check rule, plus core tracking
 *   lines that are invalid UTF-8 or not among the parcel's true event texts;
 * - state_regressions: core orders whose history steps backwards (new < paid = hold < waybilled
 *   < shipped < in_transit < delivered = returned; nothing but cancelled after cancelled);
 * - forged_accepted: orders hit by a forged_push fault whose core history holds a step the truth
 *   never reached (paid, cancelled, shipped, delivered) or reached later than the core says;
 * - inventory_accuracy: share of SKUs whose core on_hand equals the truth's available;
 *   oversold_units: sum over SKUs of committed units beyond the initial stock;
 * - fault_detection_rate: detected / detectable faults, through check_evidence_kinds_for();
 *   faults with an order count once per (kind, order), the others one by one;
 * - stage latencies from the payment: the load generator's scheduled pay time when known (no
 *   coordinated omission), else the truth pay_ms: waybill (first live carrier waybill), ship
 *   (platform ship_ms), track (platform pickup_ms), deliver (platform deliver_ms); sync lag:
 *   to the core's pickup_ms (tracking visible in the core). */
#ifndef SHIPSIM_CHECK_CHECK_H
#define SHIPSIM_CHECK_CHECK_H

#include <stdint.h>
#include "common/check.h"
#include "check/records.h"

#define CHECK_FIGURES_MAX 256
#define CHECK_FIGURE_NAME_BYTES_MAX 64
#define CHECK_REASON_BYTES_MAX 160
#define CHECK_VIOLATIONS_MAX 20000             /* orders written to violations.jsonl */
#define CHECK_DETECT_WINDOW_MS (3600 * 1000LL) /* keyless fault -> evidence, sim ms */
#define CHECK_DETECT_STALL_WINDOW_MS (25 * 3600 * 1000LL)
#define CHECK_EVIDENCE_SCAN_MAX 100000 /* evidence lines looked at per keyless fault */
#define CHECK_CLOCK_SLACK_MS_MIN 1000  /* cross-process sim clock slack */

enum check_stage { STAGE_WAYBILL = 0, STAGE_SHIP, STAGE_TRACK, STAGE_DELIVER, STAGE_COUNT };

struct scenario;
struct hdr;
struct check;

struct check_input {
    const struct scenario *sc;
    const struct records *rec;
    int64_t run_start_ms;       /* sim time of the run start (the clock epoch) */
    int64_t load_start_ms;      /* sim time the load started (0: run_start_ms) */
    int64_t load_end_ms;        /* sim time the load stopped */
    const double *sched_pay_ms; /* scheduled pay sim ms by order seq (NAN: unknown); or NULL */
    int64_t sched_count;
    double clock_slack_ms; /* tolerance between processes' sim clocks */
};

/* Compute every figure. in->rec must outlive the result (faults and evidence lines are read
 * again by check_write_violations). NULL on allocation failure. */
struct check *check_run(const struct check_input *in);
void check_free(struct check *c); /* NULL is a no-op */

/* Figures by summary name ("lost_orders", "faults_injected.crash", "p99_ship_latency_ms").
 * check_get: 1 with *value when available, 0 when unavailable (*reason set when non-NULL),
 * -1 for a name the checker does not know. */
void check_set(struct check *c, const char *name, double value);
void check_set_unavailable(struct check *c, const char *name, const char *reason);
int check_get(const struct check *c, const char *name, double *value, const char **reason);
int check_figure_count(const struct check *c);
/* Figure i in insertion order: its name, availability and value/reason. */
const char *check_figure(const struct check *c, int i, int *available, double *value,
                         const char **reason);

/* The latency histogram of a stage (sim ms) and of the sync lag. Owned by c. */
const struct hdr *check_stage_hist(const struct check *c, enum check_stage s);
const struct hdr *check_sync_lag_hist(const struct check *c);
const char *check_stage_name(enum check_stage s); /* "waybill", "ship", "track", "deliver" */

/* The evidence kinds that detect a fault kind (NULL-terminated), or NULL when the core cannot
 * see that kind (latency, crash). */
const char *const *check_evidence_kinds_for(int fault_kind);

/* When an order stops being in flight (delivered or cancelled), REC_NONE while it is. */
int64_t check_order_end_ms(const struct rec_order *o);

/* Violations: orders and the invariants they break. */
int check_violation_count(const struct check *c);

/* Evaluate the scenario's thresholds against the figures; each result is kept for the summary.
 * A threshold on an unavailable or unknown figure fails. Returns the number that failed. */
int check_thresholds(struct check *c, const struct scenario *sc);
int check_threshold_count(const struct check *c);
/* Threshold i: figure, condition text, value (NAN when unavailable), pass. */
void check_threshold_result(const struct check *c, int i, const char **figure,
                            const char **condition, double *value, int *pass);

/* violations.jsonl: one line per violating order (at most CHECK_VIOLATIONS_MAX):
 * {"order_id","violations":[..],"truth":[platform order line, carrier waybill and parcel lines],
 *  "state":[core line],"faults":[..],"evidence":[..]}; the truth and state lines are re-read
 * from the given files (any may be NULL). Returns 0 or -1 with err. */
int check_write_violations(const struct check *c, const char *path, const char *truth_plat,
                           const char *truth_carrier, const char *state, char *err,
                           int err_len) WARN_UNUSED_RESULT;

#endif
