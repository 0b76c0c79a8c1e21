/* The invariant checker: see check.h for every definition. */
#include "check/check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hdr.h"
#include "common/waybill.h"
#include "scenario/scenario.h"

#define VIOLATION_PAIRS_MAX (4 * CHECK_VIOLATIONS_MAX)

struct figure {
    char name[CHECK_FIGURE_NAME_BYTES_MAX];
    int available;
    double value;
    char reason[CHECK_REASON_BYTES_MAX];
};

struct violation { /* one (order, invariant) pair */
    char order_id[ORDER_ID_BYTES_MAX];
    char kind[32];
};

struct threshold_result {
    char figure[64];
    char condition[80];
    double value;
    int pass;
};

struct check {
    struct figure figures[CHECK_FIGURES_MAX];
    int figure_count;
    struct hdr *stage[STAGE_COUNT];
    struct hdr *sync_lag;
    struct violation *violations; /* pairs, sorted by order after check_run */
    int pair_count;
    int violation_count; /* distinct orders */
    long violations_dropped;
    struct threshold_result thresholds[SCENARIO_THRESHOLDS_MAX];
    int threshold_count;
    const struct records *rec;
    const struct check_input *in;
};

/* --- figures ------------------------------------------------------------------------------- */

static struct figure *figure_slot(struct check *c, const char *name)
{
    for (int i = 0; i < c->figure_count; i++)
        if (strcmp(c->figures[i].name, name) == 0)
            return &c->figures[i];
    assert(c->figure_count < CHECK_FIGURES_MAX);
    struct figure *f = &c->figures[c->figure_count++];
    memset(f, 0, sizeof(*f));
    snprintf(f->name, sizeof(f->name), "%s", name);
    return f;
}

void check_set(struct check *c, const char *name, double value)
{
    struct figure *f = figure_slot(c, name);
    f->available = isfinite(value);
    f->value = value;
    if (!f->available)
        snprintf(f->reason, sizeof(f->reason), "not a finite number");
    else
        f->reason[0] = '\0';
}

void check_set_unavailable(struct check *c, const char *name, const char *reason)
{
    struct figure *f = figure_slot(c, name);
    f->available = 0;
    f->value = NAN;
    snprintf(f->reason, sizeof(f->reason), "%s", reason);
}

int check_get(const struct check *c, const char *name, double *value, const char **reason)
{
    for (int i = 0; i < c->figure_count; i++) {
        const struct figure *f = &c->figures[i];
        if (strcmp(f->name, name) != 0)
            continue;
        if (reason != NULL)
            *reason = f->reason;
        *value = f->value;
        return f->available;
    }
    /* An evidence kind never recorded is a known zero when there is a journal. */
    if (strncmp(name, "evidence.", 9) == 0 && c->rec != NULL && c->rec->have_evidence) {
        *value = 0;
        return 1;
    }
    return -1;
}

int check_figure_count(const struct check *c)
{
    return c->figure_count;
}

const char *check_figure(const struct check *c, int i, int *available, double *value,
                         const char **reason)
{
    assert(i >= 0 && i < c->figure_count);
    *available = c->figures[i].available;
    *value = c->figures[i].value;
    *reason = c->figures[i].reason;
    return c->figures[i].name;
}

const struct hdr *check_stage_hist(const struct check *c, enum check_stage s)
{
    assert(s < STAGE_COUNT);
    return c->stage[s];
}

const struct hdr *check_sync_lag_hist(const struct check *c)
{
    return c->sync_lag;
}

const char *check_stage_name(enum check_stage s)
{
    static const char *const names[STAGE_COUNT] = {"waybill", "ship", "track", "deliver"};
    assert(s < STAGE_COUNT);
    return names[s];
}

int check_violation_count(const struct check *c)
{
    return c->violation_count;
}

/* Record that order_id breaks invariant kind; grouped by order when the run is done. */
static void violate(struct check *c, const char *order_id, const char *kind)
{
    assert(kind != NULL);
    if (c->pair_count >= VIOLATION_PAIRS_MAX) {
        c->violations_dropped++;
        return;
    }
    struct violation *v = &c->violations[c->pair_count++];
    snprintf(v->order_id, sizeof(v->order_id), "%s", order_id);
    snprintf(v->kind, sizeof(v->kind), "%s", kind);
}

static int cmp_violation(const void *a, const void *b)
{
    return strcmp(((const struct violation *)a)->order_id, ((const struct violation *)b)->order_id);
}

static void violations_group(struct check *c)
{
    qsort(c->violations, (size_t)c->pair_count, sizeof(*c->violations), cmp_violation);
    c->violation_count = 0;
    for (int i = 0; i < c->pair_count; i++)
        if (i == 0 || strcmp(c->violations[i].order_id, c->violations[i - 1].order_id) != 0)
            c->violation_count++;
}

/* --- the truth order pass ------------------------------------------------------------------ */

struct order_counts {
    long placed, paid, cancelled, shipped, delivered, owed;
    long lost, late, held, mismatches, surplus, garbled_waybills, within_24h;
};

static int is_set(int64_t ms)
{
    return ms != REC_NONE;
}

static int order_owed(const struct rec_order *o)
{
    if (!is_set(o->pay_ms) || is_set(o->cancel_ms))
        return 0;
    return strcmp(o->state, "cancelled") != 0 && strcmp(o->state, "in_cancel") != 0;
}

/* The payment time latencies count from: the scheduled one when the generator knows it. */
static double pay_base_ms(const struct check_input *in, const struct rec_order *o)
{
    if (in->sched_pay_ms != NULL && o->seq >= 0 && o->seq < in->sched_count &&
        isfinite(in->sched_pay_ms[o->seq]))
        return in->sched_pay_ms[o->seq];
    return (double)o->pay_ms;
}

static void record_stage(struct check *c, enum check_stage s, double base, int64_t at)
{
    if (!is_set(at))
        return;
    double v = (double)at - base;
    hdr_record(c->stage[s], v < 1.0 ? 1 : (int64_t)v);
}

/* Live carrier waybills of o; *first_create gets the earliest live create time. */
static long live_waybills(const struct records *r, const char *order_id, int64_t *first_create,
                          const char *want, int *want_live)
{
    const struct rec_waybill *w;
    size_t n = records_waybills_of(r, order_id, &w);
    long live = 0;
    *first_create = REC_NONE;
    *want_live = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_set(w[i].cancel_ms))
            continue;
        live++;
        if (!is_set(*first_create) || w[i].create_ms < *first_create)
            *first_create = w[i].create_ms;
        if (want != NULL && strcmp(w[i].waybill, want) == 0)
            *want_live = 1;
    }
    return live;
}

/* Waybill checks of one order: surplus, mismatch, garbled number. */
static void order_waybills(struct check *c, const struct rec_order *o, struct order_counts *n,
                           int owed, int64_t *waybill_ms)
{
    const struct records *r = c->rec;
    int shipped = is_set(o->ship_ms);
    int plat_live = 0;
    long live = live_waybills(r, o->order_id, waybill_ms, shipped ? o->waybill : NULL, &plat_live);
    long expected = (owed || shipped) ? 1 : 0;
    if (live > expected) {
        n->surplus += live - expected;
        violate(c, o->order_id, "surplus_waybill_live");
    }
    if (o->waybill[0] != '\0' && waybill_carrier_known(o->carrier) &&
        !waybill_valid(o->carrier, o->waybill)) {
        n->garbled_waybills++;
        violate(c, o->order_id, "garbled_propagated");
    }
    if (!shipped)
        return;
    int mismatch = !plat_live;
    if (r->have_state) {
        const struct rec_core_order *k = records_core(r, o->order_id);
        mismatch |= k == NULL || strcmp(k->waybill, o->waybill) != 0;
    }
    if (mismatch) {
        n->mismatches++;
        violate(c, o->order_id, "waybill_mismatch");
    }
}

static void order_pass_one(struct check *c, const struct rec_order *o, struct order_counts *n)
{
    const struct check_input *in = c->in;
    double sla_ms = in->sc->sla_ship_within_s * 1000.0;
    n->placed++;
    n->paid += is_set(o->pay_ms);
    n->cancelled += is_set(o->cancel_ms) || strcmp(o->state, "cancelled") == 0;
    n->shipped += is_set(o->ship_ms);
    n->delivered += is_set(o->deliver_ms);
    int owed = order_owed(o);
    int64_t waybill_ms = REC_NONE;
    order_waybills(c, o, n, owed, &waybill_ms);
    if (!is_set(o->pay_ms))
        return;
    double base = pay_base_ms(in, o);
    record_stage(c, STAGE_WAYBILL, base, waybill_ms);
    record_stage(c, STAGE_SHIP, base, o->ship_ms);
    record_stage(c, STAGE_TRACK, base, o->pickup_ms);
    record_stage(c, STAGE_DELIVER, base, o->deliver_ms);
    const struct rec_core_order *k = c->rec->have_state ? records_core(c->rec, o->order_id) : NULL;
    if (k != NULL && is_set(k->pickup_ms)) {
        double v = (double)k->pickup_ms - base;
        hdr_record(c->sync_lag, v < 1.0 ? 1 : (int64_t)v);
    }
    if (!owed)
        return;
    n->owed++;
    int held = k != NULL && k->held;
    n->held += held;
    if (!is_set(o->ship_ms)) {
        if (!held) {
            n->lost++;
            violate(c, o->order_id, "lost_order");
        }
        return;
    }
    double took = (double)(o->ship_ms - o->pay_ms);
    if (sla_ms > 0 && took > sla_ms) {
        n->late++;
        violate(c, o->order_id, "late_order");
    }
    n->within_24h += took <= 24.0 * 3600 * 1000;
}

/* Waybill numbers bound to more than one order: platform truth + the core's live waybills. */
struct wb_pair {
    char waybill[WAYBILL_BYTES_MAX];
    char order_id[ORDER_ID_BYTES_MAX];
};

static int cmp_wb_pair(const void *a, const void *b)
{
    const struct wb_pair *x = a;
    const struct wb_pair *y = b;
    int k = strcmp(x->waybill, y->waybill);
    return k != 0 ? k : strcmp(x->order_id, y->order_id);
}

static long duplicate_waybills(struct check *c)
{
    const struct records *r = c->rec;
    size_t cap = r->order_count + r->core_count * REC_WAYBILLS_PER_ORDER_MAX;
    struct wb_pair *p = calloc(cap ? cap : 1, sizeof(*p));
    if (p == NULL)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < r->order_count; i++) {
        if (r->orders[i].waybill[0] == '\0')
            continue;
        snprintf(p[n].waybill, sizeof(p[n].waybill), "%s", r->orders[i].waybill);
        snprintf(p[n].order_id, sizeof(p[n].order_id), "%s", r->orders[i].order_id);
        n++;
    }
    for (size_t i = 0; i < r->core_count; i++) {
        const struct rec_core_order *k = &r->core[i];
        for (int w = 0; w < k->waybill_count; w++) {
            if (strcmp(k->waybills[w].status, "live") != 0 || k->waybills[w].waybill[0] == '\0')
                continue;
            snprintf(p[n].waybill, sizeof(p[n].waybill), "%s", k->waybills[w].waybill);
            snprintf(p[n].order_id, sizeof(p[n].order_id), "%s", k->order_id);
            n++;
        }
    }
    assert(n <= cap);
    qsort(p, n, sizeof(*p), cmp_wb_pair);
    long dups = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        int orders = 1;
        for (; j < n && strcmp(p[j].waybill, p[i].waybill) == 0; j++) {
            if (strcmp(p[j].order_id, p[j - 1].order_id) != 0) {
                orders++;
                violate(c, p[j].order_id, "duplicate_waybill");
                if (orders == 2)
                    violate(c, p[i].order_id, "duplicate_waybill");
            }
        }
        dups += orders > 1;
        i = j;
    }
    free(p);
    return dups;
}

/* --- the core state pass ------------------------------------------------------------------- */

static int state_rank(const char *s)
{
    static const struct {
        const char *name;
        int rank;
    } ranks[] = {{"new", 0},       {"paid", 1},     {"hold", 1},
                 {"waybilled", 2}, {"shipped", 3},  {"in_transit", 4},
                 {"delivered", 5}, {"returned", 5}, {"cancelled", 9}};
    for (size_t i = 0; i < ARRAY_LEN(ranks); i++)
        if (strcmp(ranks[i].name, s) == 0)
            return ranks[i].rank;
    return -1;
}

static int history_regresses(const struct rec_core_order *k)
{
    int prev = -1;
    for (int i = 0; i < k->history_count; i++) {
        int rank = state_rank(k->history[i].state);
        if (rank < 0)
            continue;
        if (prev == 9 && rank != 9)
            return 1;
        if (rank != 9 && rank < prev)
            return 1;
        if (rank > prev)
            prev = rank;
    }
    return 0;
}

static int utf8_valid(const unsigned char *s)
{
    while (*s) {
        int extra = *s < 0x80         ? 0
                    : (*s >> 5) == 6  ? 1
                    : (*s >> 4) == 14 ? 2
                    : (*s >> 3) == 30 ? 3
                                      : -1;
        if (extra < 0 || (extra == 1 && *s < 0xc2))
            return 0;
        s++;
        for (int i = 0; i < extra; i++, s++)
            if ((*s & 0xc0) != 0x80)
                return 0;
    }
    return 1;
}

/* Core tracking lines that are not clean copies of the carrier's true events. */
static long garbled_contexts(const struct records *r, const struct rec_core_order *k)
{
    const struct rec_parcel *p = k->waybill[0] ? records_parcel(r, k->waybill) : NULL;
    long bad = 0;
    for (int i = 0; i < k->context_count; i++) {
        const char *ctx = k->contexts[i];
        if (!utf8_valid((const unsigned char *)ctx)) {
            bad++;
            continue;
        }
        if (p == NULL)
            continue;
        int found = 0;
        for (int j = 0; j < p->context_count && !found; j++)
            found = strcmp(p->contexts[j], ctx) == 0;
        bad += !found;
    }
    return bad;
}

/* The truth time of the event a core history step claims, REC_NONE when never reached, or
 * INT64_MAX when the step has no truth counterpart to compare (the core's own steps). */
static int64_t truth_time_of(const struct records *r, const struct rec_order *o,
                             const struct rec_core_order *k, const char *state)
{
    if (strcmp(state, "delivered") == 0) {
        /* the carrier knows first: a core following tracking sees the signature before the
         * platform does (seen: 85 min earlier in monthly-stress), and that is no phantom */
        int64_t t = o->deliver_ms;
        for (int i = 0; i <= k->waybill_count; i++) {
            const char *wb = i < k->waybill_count ? k->waybills[i].waybill : o->waybill;
            const struct rec_parcel *p = wb[0] != '\0' ? records_parcel(r, wb) : NULL;
            if (p != NULL && p->signed_ms != REC_NONE && (t == REC_NONE || p->signed_ms < t))
                t = p->signed_ms;
        }
        return t;
    }
    if (strcmp(state, "paid") == 0)
        return o->pay_ms;
    if (strcmp(state, "cancelled") == 0)
        return o->cancel_ms;
    if (strcmp(state, "shipped") == 0)
        return o->ship_ms;
    return INT64_MAX;
}

static int phantom_step(const struct check_input *in, const struct records *r,
                        const struct rec_order *o, const struct rec_core_order *k)
{
    for (int i = 0; i < k->history_count; i++) {
        int64_t t = o != NULL ? truth_time_of(r, o, k, k->history[i].state) : REC_NONE;
        if (t == INT64_MAX)
            continue;
        if (t == REC_NONE || (double)k->history[i].ms + in->clock_slack_ms < (double)t)
            return 1;
    }
    return 0;
}

/* The order a fault line is about: its order id, or the order of the waybill it names. */
static const char *fault_order(const struct records *r, const struct rec_event *f)
{
    if (f->order_id[0] == '\0')
        return NULL;
    if (records_order(r, f->order_id) != NULL)
        return f->order_id;
    const struct rec_parcel *p = records_parcel(r, f->order_id);
    return p != NULL && p->order_ref[0] ? p->order_ref : f->order_id;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Orders hit by a forged push (each once) whose core history holds a phantom step. */
static long forged_accepted(struct check *c)
{
    const struct records *r = c->rec;
    const char **ids = calloc(r->fault_count ? r->fault_count : 1, sizeof(*ids));
    if (ids == NULL)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < r->fault_count; i++) {
        const char *id = fault_order(r, &r->faults[i]);
        if (id != NULL && strcmp(r->faults[i].kind, "forged_push") == 0)
            ids[n++] = id;
    }
    qsort(ids, n, sizeof(*ids), cmp_str_ptr);
    long accepted = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(ids[i], ids[i - 1]) == 0)
            continue;
        const struct rec_core_order *k = records_core(r, ids[i]);
        if (k != NULL && phantom_step(c->in, r, records_order(r, ids[i]), k)) {
            accepted++;
            violate(c, ids[i], "forged_accepted");
        }
    }
    free(ids);
    return accepted;
}

static void core_pass(struct check *c, long *regressions, long *garbled)
{
    const struct records *r = c->rec;
    for (size_t i = 0; i < r->core_count; i++) {
        const struct rec_core_order *k = &r->core[i];
        if (history_regresses(k)) {
            (*regressions)++;
            violate(c, k->order_id, "state_regression");
        }
        long g = garbled_contexts(r, k);
        if (g > 0) {
            *garbled += g;
            violate(c, k->order_id, "garbled_propagated");
        }
    }
}

/* --- stock, faults, evidence --------------------------------------------------------------- */

static void stock_figures(struct check *c)
{
    const struct records *r = c->rec;
    int64_t oversold = 0;
    long equal = 0;
    long compared = 0;
    for (size_t i = 0; i < r->sku_count; i++) {
        const struct rec_sku *s = &r->skus[i];
        if (is_set(s->committed) && is_set(s->initial) && s->committed > s->initial)
            oversold += s->committed - s->initial;
        const struct rec_stock *k = r->have_state ? records_stock(r, s->sku) : NULL;
        if (k == NULL || !is_set(s->available))
            continue;
        compared++;
        equal += k->on_hand == s->available;
    }
    check_set(c, "oversold_units", (double)oversold);
    if (!r->have_state)
        check_set_unavailable(c, "inventory_accuracy", "no core state dump (external SUT)");
    else if (compared == 0)
        check_set_unavailable(c, "inventory_accuracy", "no SKU in both truth and core stock");
    else
        check_set(c, "inventory_accuracy", (double)equal / (double)compared);
}

const char *const *check_evidence_kinds_for(int fault_kind)
{
    static const char *const lost[] = {"lost_order_found", "push_missing", NULL};
    static const char *const dup_order[] = {"duplicate_order", "duplicate_push", NULL};
    static const char *const dup_wb[] = {"surplus_waybill", "foreign_waybill", "invalid_waybill",
                                         NULL};
    static const char *const stale[] = {"stale_read", NULL};
    static const char *const garbled[] = {"garbled_event", "invalid_waybill", NULL};
    static const char *const stall[] = {"stall_1h", "stall_2h", "stall_4h", "stall_24h", NULL};
    static const char *const auth[] = {"carrier_auth", NULL};
    static const char *const maint[] = {"maintenance", NULL};
    static const char *const rate[] = {"rate_limited", NULL};
    static const char *const error[] = {"server_error", NULL};
    static const char *const timeout[] = {"timeout", NULL};
    static const char *const reset[] = {"reset", NULL};
    static const char *const malformed[] = {"malformed_body", NULL};
    static const char *const forged[] = {"bad_signature", NULL};
    static const char *const drift[] = {"stock_drift", "oversell", NULL};
    switch (fault_kind) {
    case FAULT_LOST_ORDER: return lost;
    case FAULT_DUPLICATE_ORDER: return dup_order;
    case FAULT_DUPLICATE_WAYBILL: return dup_wb;
    case FAULT_STALE_CACHE: return stale;
    case FAULT_GARBLED_TRACKING: return garbled;
    case FAULT_TRACKING_STALL: return stall;
    case FAULT_CARRIER_AUTH: return auth;
    case FAULT_MAINTENANCE: return maint;
    case FAULT_RATE_LIMIT: return rate;
    case FAULT_ERROR: return error;
    case FAULT_TIMEOUT: return timeout;
    case FAULT_RESET: return reset;
    case FAULT_MALFORMED: return malformed;
    case FAULT_FORGED_PUSH: return forged;
    case FAULT_STOCK_DRIFT: return drift;
    default: return NULL; /* latency, crash: nothing the core can tell apart */
    }
}

static int kind_in(const char *kind, const char *const *kinds)
{
    for (int i = 0; kinds[i] != NULL; i++)
        if (strcmp(kinds[i], kind) == 0)
            return 1;
    return 0;
}

/* Evidence sorted by (order, time) for the per-order lookups. */
static int cmp_ev_order(const void *a, const void *b)
{
    const struct rec_event *x = *(const struct rec_event *const *)a;
    const struct rec_event *y = *(const struct rec_event *const *)b;
    return strcmp(x->order_id, y->order_id);
}

static int detected_by_order(const struct rec_event **by_order, size_t n, const char *order_id,
                             const char *const *kinds)
{
    size_t lo = 0;
    size_t hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(by_order[mid]->order_id, order_id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n && strcmp(by_order[i]->order_id, order_id) == 0; i++)
        if (kind_in(by_order[i]->kind, kinds))
            return 1;
    return 0;
}

static int detected_in_window(const struct records *r, int64_t at, int fault_kind,
                              const char *const *kinds)
{
    int64_t window =
        fault_kind == FAULT_TRACKING_STALL ? CHECK_DETECT_STALL_WINDOW_MS : CHECK_DETECT_WINDOW_MS;
    int64_t from = at - CHECK_CLOCK_SLACK_MS_MIN;
    size_t lo = 0;
    size_t hi = r->evidence_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->evidence[mid].sim_ms < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo, seen = 0; i < r->evidence_count && seen < CHECK_EVIDENCE_SCAN_MAX;
         i++, seen++) {
        if (r->evidence[i].sim_ms > at + window)
            break;
        if (kind_in(r->evidence[i].kind, kinds))
            return 1;
    }
    return 0;
}

struct detect_unit {
    int kind;
    const char *order_id;
};

static int cmp_unit(const void *a, const void *b)
{
    const struct detect_unit *x = a;
    const struct detect_unit *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return strcmp(x->order_id, y->order_id);
}

/* detected / detectable; -1 on allocation failure. Undetected order faults become violations. */
static int detection(struct check *c, long *detectable, long *detected)
{
    const struct records *r = c->rec;
    size_t n = r->fault_count;
    struct detect_unit *units = calloc(n ? n : 1, sizeof(*units));
    const struct rec_event **by_order =
        calloc(r->evidence_count ? r->evidence_count : 1, sizeof(*by_order));
    if (units == NULL || by_order == NULL) {
        free(units);
        free(by_order);
        return -1;
    }
    for (size_t i = 0; i < r->evidence_count; i++)
        by_order[i] = &r->evidence[i];
    qsort(by_order, r->evidence_count, sizeof(*by_order), cmp_ev_order);
    size_t u = 0;
    *detectable = 0;
    *detected = 0;
    for (size_t i = 0; i < n; i++) {
        int kind = fault_kind_parse(r->faults[i].kind);
        const char *const *kinds = kind >= 0 ? check_evidence_kinds_for(kind) : NULL;
        if (kinds == NULL)
            continue;
        const char *id = fault_order(r, &r->faults[i]);
        if (id != NULL) {
            units[u].kind = kind;
            units[u++].order_id = id;
            continue;
        }
        (*detectable)++;
        *detected += detected_in_window(r, r->faults[i].sim_ms, kind, kinds);
    }
    qsort(units, u, sizeof(*units), cmp_unit);
    for (size_t i = 0; i < u; i++) {
        if (i > 0 && cmp_unit(&units[i], &units[i - 1]) == 0)
            continue;
        const char *const *kinds = check_evidence_kinds_for(units[i].kind);
        (*detectable)++;
        if (detected_by_order(by_order, r->evidence_count, units[i].order_id, kinds))
            (*detected)++;
        else if (records_order(r, units[i].order_id) != NULL)
            violate(c, units[i].order_id, "fault_undetected");
    }
    free(units);
    free(by_order);
    return 0;
}

static void kind_counts(struct check *c)
{
    const struct records *r = c->rec;
    long per_kind[FAULT_KIND_COUNT] = {0};
    for (size_t i = 0; i < r->fault_count; i++) {
        int k = fault_kind_parse(r->faults[i].kind);
        if (k >= 0)
            per_kind[k]++;
    }
    char name[CHECK_FIGURE_NAME_BYTES_MAX];
    for (int k = 0; k < FAULT_KIND_COUNT; k++) {
        snprintf(name, sizeof(name), "faults_injected.%s", fault_kind_name((enum fault_kind)k));
        check_set(c, name, (double)per_kind[k]);
    }
    if (!r->have_evidence)
        return;
    /* Evidence is sorted by time, not kind: count through the figure table (bounded by it). */
    for (size_t i = 0; i < r->evidence_count; i++) {
        if (r->evidence[i].kind[0] == '\0')
            continue;
        snprintf(name, sizeof(name), "evidence.%s", r->evidence[i].kind);
        double v = 0;
        if (check_get(c, name, &v, NULL) != 1 && c->figure_count >= CHECK_FIGURES_MAX - 8)
            continue;
        check_set(c, name, v + 1);
    }
}

/* The most orders in flight at once: placed orders that get paid, until delivered, cancelled
 * or returned. */
struct flight_ev {
    int64_t ms;
    int delta;
};

static int cmp_flight(const void *a, const void *b)
{
    const struct flight_ev *x = a;
    const struct flight_ev *y = b;
    if (x->ms != y->ms)
        return x->ms < y->ms ? -1 : 1;
    return x->delta - y->delta; /* ends before starts at the same instant */
}

int64_t check_order_end_ms(const struct rec_order *o)
{
    if (is_set(o->deliver_ms))
        return o->deliver_ms;
    if (is_set(o->cancel_ms))
        return o->cancel_ms;
    return REC_NONE;
}

static long inflight_max(const struct records *r)
{
    struct flight_ev *ev = calloc(2 * r->order_count + 1, sizeof(*ev));
    if (ev == NULL)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < r->order_count; i++) {
        const struct rec_order *o = &r->orders[i];
        if (!is_set(o->pay_ms) || !is_set(o->create_ms))
            continue;
        ev[n++] = (struct flight_ev){o->create_ms, +1};
        int64_t end = check_order_end_ms(o);
        if (is_set(end))
            ev[n++] = (struct flight_ev){end, -1};
    }
    qsort(ev, n, sizeof(*ev), cmp_flight);
    long level = 0;
    long max = 0;
    for (size_t i = 0; i < n; i++) {
        level += ev[i].delta;
        if (level > max)
            max = level;
    }
    free(ev);
    return max;
}

/* --- assembly ------------------------------------------------------------------------------ */

static void set_count_or_unavailable(struct check *c, const char *name, long v, int ok,
                                     const char *reason)
{
    if (ok)
        check_set(c, name, (double)v);
    else
        check_set_unavailable(c, name, reason);
}

static void latency_figures(struct check *c, const char *stage, const struct hdr *h)
{
    static const struct {
        const char *prefix;
        double p;
    } pcts[] = {{"p50", 50.0}, {"p90", 90.0}, {"p99", 99.0}, {"p999", 99.9}, {"max", 100.0}};
    char name[CHECK_FIGURE_NAME_BYTES_MAX];
    for (size_t i = 0; i < ARRAY_LEN(pcts); i++) {
        snprintf(name, sizeof(name), "%s_%s_latency_ms", pcts[i].prefix, stage);
        if (hdr_count(h) == 0)
            check_set_unavailable(c, name, "no order reached this stage");
        else if (pcts[i].p >= 100.0)
            check_set(c, name, (double)hdr_max(h));
        else
            check_set(c, name, (double)hdr_percentile(h, pcts[i].p));
    }
}

static void order_figures(struct check *c, const struct order_counts *n)
{
    const char *no_state = "no core state dump (external SUT)";
    int st = c->rec->have_state;
    check_set(c, "lost_orders", (double)n->lost);
    check_set(c, "late_orders", (double)n->late);
    check_set(c, "surplus_waybills_live", (double)n->surplus);
    check_set(c, "waybill_mismatches", (double)n->mismatches);
    check_set(c, "orders_placed", (double)n->placed);
    check_set(c, "orders_paid", (double)n->paid);
    check_set(c, "orders_shipped", (double)n->shipped);
    check_set(c, "orders_delivered", (double)n->delivered);
    check_set(c, "orders_cancelled", (double)n->cancelled);
    set_count_or_unavailable(c, "orders_held", n->held, st, no_state);
    int64_t start = c->in->load_start_ms > 0 ? c->in->load_start_ms : c->in->run_start_ms;
    double load_s = (double)(c->in->load_end_ms - start) / 1000.0;
    if (load_s > 0)
        check_set(c, "orders_per_s", (double)n->placed / load_s);
    else
        check_set_unavailable(c, "orders_per_s", "no load duration");
    if (n->owed > 0) {
        check_set(c, "exception_order_rate",
                  (double)(n->lost + n->late + n->held) / (double)n->owed);
        check_set(c, "shipped_within_24h_share", (double)n->within_24h / (double)n->owed);
    } else {
        check_set_unavailable(c, "exception_order_rate", "no paid, uncancelled order");
        check_set_unavailable(c, "shipped_within_24h_share", "no paid, uncancelled order");
    }
}

static void core_figures(struct check *c, long garbled_waybills)
{
    const char *no_state = "no core state dump (external SUT)";
    int st = c->rec->have_state;
    long regressions = 0;
    long garbled = garbled_waybills;
    if (st)
        core_pass(c, &regressions, &garbled);
    long dups = duplicate_waybills(c);
    set_count_or_unavailable(c, "duplicate_waybills", dups, dups >= 0, "out of memory");
    check_set(c, "garbled_propagated", (double)garbled);
    set_count_or_unavailable(c, "state_regressions", regressions, st, no_state);
    long forged = st ? forged_accepted(c) : 0;
    set_count_or_unavailable(c, "forged_accepted", forged, st && forged >= 0, no_state);
    if (hdr_count(c->sync_lag) > 0) {
        check_set(c, "sync_lag_p50_ms", (double)hdr_percentile(c->sync_lag, 50.0));
        check_set(c, "sync_lag_p99_ms", (double)hdr_percentile(c->sync_lag, 99.0));
    } else {
        const char *why = st ? "the core saw no tracking" : no_state;
        check_set_unavailable(c, "sync_lag_p50_ms", why);
        check_set_unavailable(c, "sync_lag_p99_ms", why);
    }
}

static void detection_figure(struct check *c)
{
    long detectable = 0;
    long detected = 0;
    if (!c->rec->have_evidence)
        check_set_unavailable(c, "fault_detection_rate", "no evidence journal (external SUT)");
    else if (detection(c, &detectable, &detected) != 0)
        check_set_unavailable(c, "fault_detection_rate", "out of memory");
    else if (detectable == 0)
        check_set_unavailable(c, "fault_detection_rate", "no fault the core could see");
    else
        check_set(c, "fault_detection_rate", (double)detected / (double)detectable);
}

struct check *check_run(const struct check_input *in)
{
    assert(in != NULL);
    assert(in->sc != NULL);
    assert(in->rec != NULL);
    struct check *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->in = in;
    c->rec = in->rec;
    c->violations = calloc(VIOLATION_PAIRS_MAX, sizeof(*c->violations));
    c->sync_lag = hdr_new();
    int ok = c->violations != NULL && c->sync_lag != NULL;
    for (int s = 0; s < STAGE_COUNT; s++)
        ok &= (c->stage[s] = hdr_new()) != NULL;
    if (!ok) {
        check_free(c);
        return NULL;
    }
    struct order_counts n;
    memset(&n, 0, sizeof(n));
    for (size_t i = 0; i < in->rec->order_count; i++)
        order_pass_one(c, &in->rec->orders[i], &n);
    order_figures(c, &n);
    core_figures(c, n.garbled_waybills);
    stock_figures(c);
    detection_figure(c);
    long fl = inflight_max(in->rec);
    set_count_or_unavailable(c, "inflight_max", fl, fl >= 0, "out of memory");
    for (int s = 0; s < STAGE_COUNT; s++)
        latency_figures(c, check_stage_name((enum check_stage)s), c->stage[s]);
    kind_counts(c);
    violations_group(c);
    c->in = NULL; /* the input need not outlive check_run */
    return c;
}

void check_free(struct check *c)
{
    if (c == NULL)
        return;
    for (int s = 0; s < STAGE_COUNT; s++)
        hdr_free(c->stage[s]);
    hdr_free(c->sync_lag);
    free(c->violations);
    free(c);
}

/* --- thresholds ---------------------------------------------------------------------------- */

int check_thresholds(struct check *c, const struct scenario *sc)
{
    int failed = 0;
    c->threshold_count = 0;
    for (int i = 0; i < sc->threshold_count && i < SCENARIO_THRESHOLDS_MAX; i++) {
        const struct threshold *t = &sc->thresholds[i];
        struct threshold_result *res = &c->thresholds[c->threshold_count++];
        snprintf(res->figure, sizeof(res->figure), "%s", t->figure);
        snprintf(res->condition, sizeof(res->condition), "%s", t->text);
        double v = NAN;
        int got = check_get(c, t->figure, &v, NULL);
        res->value = got == 1 ? v : NAN;
        res->pass = got == 1 && threshold_holds(t, v);
        failed += !res->pass;
    }
    return failed;
}

int check_threshold_count(const struct check *c)
{
    return c->threshold_count;
}

void check_threshold_result(const struct check *c, int i, const char **figure,
                            const char **condition, double *value, int *pass)
{
    assert(i >= 0 && i < c->threshold_count);
    *figure = c->thresholds[i].figure;
    *condition = c->thresholds[i].condition;
    *value = c->thresholds[i].value;
    *pass = c->thresholds[i].pass;
}

/* --- violations.jsonl ---------------------------------------------------------------------- */

enum { TL_TRUTH = 0, TL_STATE, TL_FAULTS, TL_EVIDENCE, TL_PARTS };

struct sbuf {
    char *s;
    size_t len, cap;
};

struct timeline {
    const char *order_id; /* points into c->violations */
    int first_pair, pair_count;
    struct sbuf part[TL_PARTS];
};

static void sbuf_add(struct sbuf *b, const char *text)
{
    size_t n = strlen(text);
    if (b->len + n + 2 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 256) + n + 2;
        char *s = realloc(b->s, cap);
        if (s == NULL)
            return; /* a timeline line short of memory loses that entry, not the file */
        b->s = s;
        b->cap = cap;
    }
    if (b->len > 0)
        b->s[b->len++] = ',';
    memcpy(b->s + b->len, text, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static int cmp_timeline(const void *key, const void *elem)
{
    return strcmp(key, ((const struct timeline *)elem)->order_id);
}

static void timeline_file(struct timeline *tl, int n, const char *path, int part)
{
    if (path == NULL)
        return;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    char id[ORDER_ID_BYTES_MAX];
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[len - 1] = '\0';
        if (line[0] != '{' || !records_line_order_id(line, id, sizeof(id)))
            continue;
        struct timeline *t = bsearch(id, tl, (size_t)n, sizeof(*tl), cmp_timeline);
        if (t != NULL)
            sbuf_add(&t->part[part], line);
    }
    free(line);
    fclose(f);
}

static void timeline_events(const struct check *c, struct timeline *tl, int n)
{
    const struct records *r = c->rec;
    for (size_t i = 0; i < r->fault_count; i++) {
        const char *id = fault_order(r, &r->faults[i]);
        struct timeline *t = id ? bsearch(id, tl, (size_t)n, sizeof(*tl), cmp_timeline) : NULL;
        if (t != NULL)
            sbuf_add(&t->part[TL_FAULTS], r->faults[i].line);
    }
    for (size_t i = 0; i < r->evidence_count; i++) {
        const char *id = r->evidence[i].order_id;
        struct timeline *t = id[0] ? bsearch(id, tl, (size_t)n, sizeof(*tl), cmp_timeline) : NULL;
        if (t != NULL)
            sbuf_add(&t->part[TL_EVIDENCE], r->evidence[i].line);
    }
}

static int timeline_write(FILE *out, const struct check *c, const struct timeline *t)
{
    static const char *const names[TL_PARTS] = {"truth", "state", "faults", "evidence"};
    fprintf(out, "{\"order_id\":\"%s\",\"violations\":[", t->order_id);
    for (int k = 0; k < t->pair_count; k++) {
        const char *kind = c->violations[t->first_pair + k].kind;
        if (k > 0 && strcmp(kind, c->violations[t->first_pair + k - 1].kind) == 0)
            continue;
        fprintf(out, "%s\"%s\"", k ? "," : "", kind);
    }
    fputc(']', out);
    for (int p = 0; p < TL_PARTS; p++)
        fprintf(out, ",\"%s\":[%s]", names[p], t->part[p].s ? t->part[p].s : "");
    return fputs("}\n", out) < 0 ? -1 : 0;
}

int check_write_violations(const struct check *c, const char *path, const char *truth_plat,
                           const char *truth_carrier, const char *state, char *err, int err_len)
{
    int n = c->violation_count;
    struct timeline *tl = calloc(n ? (size_t)n : 1, sizeof(*tl));
    FILE *out = fopen(path, "w");
    int rc = -1;
    if (tl == NULL || out == NULL) {
        snprintf(err, (size_t)err_len, "%s: cannot write", path);
        goto done;
    }
    for (int i = 0, t = -1; i < c->pair_count; i++) {
        if (t < 0 || strcmp(c->violations[i].order_id, tl[t].order_id) != 0) {
            t++;
            assert(t < n);
            tl[t].order_id = c->violations[i].order_id;
            tl[t].first_pair = i;
        }
        tl[t].pair_count++;
    }
    timeline_file(tl, n, truth_plat, TL_TRUTH);
    timeline_file(tl, n, truth_carrier, TL_TRUTH);
    timeline_file(tl, n, state, TL_STATE);
    timeline_events(c, tl, n);
    rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = timeline_write(out, c, &tl[i]);
    if (rc != 0)
        snprintf(err, (size_t)err_len, "%s: write failed", path);
done:
    for (int i = 0; tl != NULL && i < n; i++)
        for (int p = 0; p < TL_PARTS; p++)
            free(tl[i].part[p].s);
    free(tl);
    if (out != NULL && fclose(out) != 0 && rc == 0) {
        snprintf(err, (size_t)err_len, "%s: write failed", path);
        rc = -1;
    }
    return rc;
}
