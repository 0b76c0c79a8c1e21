/* Per-bucket run figures: see series.h. */
#include "check/series.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "check/records.h"
#include "report/timeseries.h"
#include "scenario/scenario.h"

enum {
    COL_SIM_S = 0,
    COL_WALL_S,
    COL_PLACED,
    COL_PAID,
    COL_PULLED,
    COL_WAYBILLED,
    COL_SHIPPED,
    COL_DELIVERED,
    COL_INFLIGHT,
    COL_PREQ,
    COL_PERR,
    COL_CREQ,
    COL_CERR,
    COL_FIXED
};

static const char *const fixed_names[COL_FIXED] = {"sim_s",
                                                   "wall_s",
                                                   "orders_placed",
                                                   "orders_paid",
                                                   "orders_pulled",
                                                   "orders_waybilled",
                                                   "orders_shipped",
                                                   "orders_delivered",
                                                   "orders_inflight",
                                                   "http_requests_platform",
                                                   "http_errors_platform",
                                                   "http_requests_carrier",
                                                   "http_errors_carrier"};
static const char *const lat_names[4] = {"ship_latency_p50_ms", "ship_latency_p90_ms",
                                         "ship_latency_p99_ms", "ship_latency_max_ms"};

struct grid {
    int64_t start_ms, bucket_ms;
    long rows;
    int cols;
    int ev_kinds;
    char ev_names[SERIES_EVIDENCE_KINDS_MAX][REC_KIND_BYTES_MAX];
    double *cells; /* rows * cols */
};

int64_t series_bucket_s(int64_t span_ms)
{
    int64_t s = (span_ms + SERIES_ROWS_MAX * 1000 - 1) / (SERIES_ROWS_MAX * 1000);
    return s < 1 ? 1 : s;
}

static long bucket_of(const struct grid *g, int64_t ms)
{
    if (ms == REC_NONE || ms < g->start_ms)
        return -1;
    long b = (long)((ms - g->start_ms) / g->bucket_ms);
    return b < g->rows ? b : g->rows - 1;
}

static void bump(struct grid *g, int64_t ms, int col, double by)
{
    long b = bucket_of(g, ms);
    if (b >= 0)
        g->cells[b * g->cols + col] += by;
}

static void order_counts(struct grid *g, const struct records *r)
{
    for (size_t i = 0; i < r->order_count; i++) {
        const struct rec_order *o = &r->orders[i];
        bump(g, o->create_ms, COL_PLACED, 1);
        bump(g, o->pay_ms, COL_PAID, 1);
        bump(g, o->ship_ms, COL_SHIPPED, 1);
        bump(g, o->deliver_ms, COL_DELIVERED, 1);
        if (o->pay_ms == REC_NONE || o->create_ms == REC_NONE)
            continue;
        /* in flight from placing to its end: +1 at the start bucket, -1 after the end bucket */
        bump(g, o->create_ms, COL_INFLIGHT, 1);
        int64_t end = check_order_end_ms(o);
        long eb = bucket_of(g, end);
        if (eb >= 0 && eb + 1 < g->rows)
            g->cells[(eb + 1) * g->cols + COL_INFLIGHT] -= 1;
    }
    for (long b = 1; b < g->rows; b++)
        g->cells[b * g->cols + COL_INFLIGHT] += g->cells[(b - 1) * g->cols + COL_INFLIGHT];
    for (size_t i = 0; i < r->core_count; i++) {
        bump(g, r->core[i].seen_ms, COL_PULLED, 1);
        bump(g, r->core[i].waybill_ms, COL_WAYBILLED, 1);
    }
}

static void http_counts(struct grid *g, const struct series_sample *s, int n)
{
    const int cols[4] = {COL_PREQ, COL_PERR, COL_CREQ, COL_CERR};
    for (int i = 0; i < n; i++) {
        double now[4] = {s[i].plat_requests, s[i].plat_errors, s[i].carrier_requests,
                         s[i].carrier_errors};
        double before[4] = {0, 0, 0, 0};
        if (i > 0) {
            before[0] = s[i - 1].plat_requests;
            before[1] = s[i - 1].plat_errors;
            before[2] = s[i - 1].carrier_requests;
            before[3] = s[i - 1].carrier_errors;
        }
        for (int k = 0; k < 4; k++) {
            double d = now[k] - before[k];
            bump(g, s[i].sim_ms, cols[k], d >= 0 ? d : now[k]); /* a restart reset the count */
        }
    }
}

static int ev_column(struct grid *g, const char *kind)
{
    for (int i = 0; i < g->ev_kinds; i++)
        if (strcmp(g->ev_names[i], kind) == 0)
            return COL_FIXED + FAULT_KIND_COUNT + i;
    return -1;
}

static void event_counts(struct grid *g, const struct records *r)
{
    for (size_t i = 0; i < r->fault_count; i++) {
        int k = fault_kind_parse(r->faults[i].kind);
        if (k >= 0)
            bump(g, r->faults[i].sim_ms, COL_FIXED + k, 1);
    }
    for (size_t i = 0; i < r->evidence_count; i++) {
        int col = ev_column(g, r->evidence[i].kind);
        if (col >= 0)
            bump(g, r->evidence[i].sim_ms, col, 1);
    }
}

static void collect_ev_kinds(struct grid *g, const struct records *r)
{
    for (size_t i = 0; i < r->evidence_count; i++) {
        const char *k = r->evidence[i].kind;
        if (k[0] == '\0' || ev_column(g, k) >= 0 || g->ev_kinds >= SERIES_EVIDENCE_KINDS_MAX)
            continue;
        if (strchr(k, ',') != NULL || strchr(k, '"') != NULL)
            continue; /* not a usable column name */
        snprintf(g->ev_names[g->ev_kinds++], REC_KIND_BYTES_MAX, "%s", k);
    }
}

struct lat {
    long bucket;
    double ms;
};

static int cmp_lat(const void *a, const void *b)
{
    const struct lat *x = a;
    const struct lat *y = b;
    if (x->bucket != y->bucket)
        return x->bucket < y->bucket ? -1 : 1;
    return x->ms < y->ms ? -1 : x->ms > y->ms;
}

/* Exact percentiles of the ship latency of the orders shipped in each bucket. */
static int ship_latency(struct grid *g, const struct check_input *in)
{
    const struct records *r = in->rec;
    struct lat *l = calloc(r->order_count ? r->order_count : 1, sizeof(*l));
    if (l == NULL)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < r->order_count; i++) {
        const struct rec_order *o = &r->orders[i];
        long b = bucket_of(g, o->ship_ms);
        if (b < 0 || o->pay_ms == REC_NONE)
            continue;
        double base = (double)o->pay_ms;
        if (in->sched_pay_ms && o->seq >= 0 && o->seq < in->sched_count &&
            isfinite(in->sched_pay_ms[o->seq]))
            base = in->sched_pay_ms[o->seq];
        l[n++] = (struct lat){b, (double)o->ship_ms - base};
    }
    if (n > 1)
        qsort(l, n, sizeof(*l), cmp_lat);
    int base_col = g->cols - 4;
    for (long b = 0; b < g->rows; b++)
        for (int k = 0; k < 4; k++)
            g->cells[b * g->cols + base_col + k] = NAN;
    static const double pcts[4] = {50.0, 90.0, 99.0, 100.0};
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && l[j].bucket == l[i].bucket)
            j++;
        size_t count = j - i;
        for (int k = 0; k < 4; k++) {
            size_t rank = (size_t)ceil(pcts[k] / 100.0 * (double)count);
            rank = rank < 1 ? 1 : rank > count ? count : rank;
            g->cells[l[i].bucket * g->cols + base_col + k] = l[i + rank - 1].ms;
        }
        i = j;
    }
    free(l);
    return 0;
}

static int write_grid(const char *path, const struct grid *g, char *err, int err_len)
{
    char names[COL_FIXED + FAULT_KIND_COUNT + SERIES_EVIDENCE_KINDS_MAX + 4][64];
    const char *cols[COL_FIXED + FAULT_KIND_COUNT + SERIES_EVIDENCE_KINDS_MAX + 4];
    int c = 0;
    for (int i = 0; i < COL_FIXED; i++)
        cols[c++] = fixed_names[i];
    for (int k = 0; k < FAULT_KIND_COUNT; k++) {
        snprintf(names[c], sizeof(names[c]), "fault_%s", fault_kind_name((enum fault_kind)k));
        cols[c] = names[c];
        c++;
    }
    for (int i = 0; i < g->ev_kinds; i++) {
        snprintf(names[c], sizeof(names[c]), "evidence_%s", g->ev_names[i]);
        cols[c] = names[c];
        c++;
    }
    for (int i = 0; i < 4; i++)
        cols[c++] = lat_names[i];
    assert(c == g->cols);
    struct ts_writer *w = ts_writer_open(path, cols, c, err, err_len);
    if (w == NULL)
        return -1;
    int rc = 0;
    for (long b = 0; b < g->rows && rc == 0; b++)
        rc = ts_writer_row(w, &g->cells[b * g->cols]);
    if (ts_writer_close(w) != 0 || rc != 0) {
        snprintf(err, (size_t)err_len, "%s: write failed", path);
        return -1;
    }
    return 0;
}

int series_write_csv(const char *path, const struct check_input *in, int64_t end_ms, double scale,
                     const struct series_sample *samples, int sample_count, char *err, int err_len)
{
    assert(in != NULL);
    assert(scale > 0);
    struct grid g;
    memset(&g, 0, sizeof(g));
    g.start_ms = in->run_start_ms;
    int64_t span = end_ms > g.start_ms ? end_ms - g.start_ms : 1;
    g.bucket_ms = series_bucket_s(span) * 1000;
    g.rows = (long)((span + g.bucket_ms - 1) / g.bucket_ms);
    g.rows = g.rows < 1 ? 1 : g.rows;
    collect_ev_kinds(&g, in->rec);
    g.cols = COL_FIXED + FAULT_KIND_COUNT + g.ev_kinds + 4;
    g.cells = calloc((size_t)(g.rows * g.cols), sizeof(double));
    if (g.cells == NULL) {
        snprintf(err, (size_t)err_len, "timeseries: out of memory");
        return -1;
    }
    for (long b = 0; b < g.rows; b++) {
        double sim_s = (double)(b * g.bucket_ms) / 1000.0;
        g.cells[b * g.cols + COL_SIM_S] = sim_s;
        g.cells[b * g.cols + COL_WALL_S] = round(sim_s / scale * 1000.0) / 1000.0;
    }
    order_counts(&g, in->rec);
    http_counts(&g, samples, sample_count);
    event_counts(&g, in->rec);
    int rc = ship_latency(&g, in);
    if (rc != 0)
        snprintf(err, (size_t)err_len, "timeseries: out of memory");
    else
        rc = write_grid(path, &g, err, err_len);
    free(g.cells);
    return rc;
}
