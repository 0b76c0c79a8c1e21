/* The checker's inputs read into compact tables (INTERFACES.md sections 4 and 5): mockplat and
 * mockcarrier truth, syncd's state dump and evidence journal, and the fault logs, each a JSON-lines
 * file. Timestamps are sim ms; a null or missing one is REC_NONE. Tables are sorted by their key
 * (order id, waybill, sku) for binary search. cJSON is used only inside records.c.
 *
 * A line that is not a JSON object is counted in bad_lines (and the first such line is named in
 * bad_line_note), never fatal: a mock killed mid-write can leave a torn last line. */
#ifndef SHIPSIM_CHECK_RECORDS_H
#define SHIPSIM_CHECK_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include "common/check.h"
#include "common/limits.h"

#define REC_NONE INT64_MIN
#define REC_STATE_BYTES_MAX 16
#define REC_KIND_BYTES_MAX 32
#define REC_WAYBILLS_PER_ORDER_MAX 8
#define REC_HISTORY_MAX 24
#define REC_PARCEL_SIGNED 3              /* mockcarrier's parcel state for a signed delivery */
#define REC_LINE_BYTES_MAX (1024 * 1024) /* one JSON line */
#define REC_ROWS_MAX 5000000L            /* rows of one table */

struct rec_order { /* mockplat truth */
    char order_id[ORDER_ID_BYTES_MAX];
    char shop[SHOP_NAME_BYTES_MAX];
    int64_t seq;
    char state[REC_STATE_BYTES_MAX];
    int64_t create_ms, pay_ms, cancel_ms, ship_ms, pickup_ms, deliver_ms;
    char waybill[WAYBILL_BYTES_MAX];
    char carrier[CARRIER_CODE_BYTES_MAX];
};

struct rec_sku { /* mockplat truth */
    char sku[SKU_BYTES_MAX];
    int64_t initial, committed, available;
};

struct rec_waybill { /* mockcarrier truth */
    char carrier[CARRIER_CODE_BYTES_MAX];
    char waybill[WAYBILL_BYTES_MAX];
    char order_ref[ORDER_ID_BYTES_MAX];
    int64_t create_ms, cancel_ms;
    int duplicate; /* duplicate_of was set */
};

struct rec_parcel { /* mockcarrier truth */
    char carrier[CARRIER_CODE_BYTES_MAX];
    char waybill[WAYBILL_BYTES_MAX];
    char order_ref[ORDER_ID_BYTES_MAX];
    int64_t first_event_ms; /* REC_NONE without events */
    int64_t signed_ms;      /* the first signed (state 3) event, REC_NONE without one */
    char **contexts;        /* the true events' context texts, malloc'd */
    int context_count;
};

struct rec_core_waybill {
    char carrier[CARRIER_CODE_BYTES_MAX];
    char waybill[WAYBILL_BYTES_MAX];
    char status[REC_STATE_BYTES_MAX]; /* live | cancelled | rejected */
};

struct rec_step {
    char state[REC_STATE_BYTES_MAX];
    int64_t ms;
};

struct rec_core_order { /* syncd state */
    char order_id[ORDER_ID_BYTES_MAX];
    char state[REC_STATE_BYTES_MAX];
    int held; /* state hold with a non-empty hold_reason */
    char carrier[CARRIER_CODE_BYTES_MAX];
    char waybill[WAYBILL_BYTES_MAX];
    struct rec_core_waybill waybills[REC_WAYBILLS_PER_ORDER_MAX];
    int waybill_count;
    int64_t seen_ms, pay_ms, waybill_ms, ship_ms, pickup_ms, deliver_ms;
    struct rec_step history[REC_HISTORY_MAX];
    int history_count;
    char **contexts; /* stored tracking contexts, malloc'd */
    int context_count;
};

struct rec_stock { /* syncd state */
    char sku[SKU_BYTES_MAX];
    int64_t on_hand;
};

struct rec_event { /* an evidence or fault line */
    int64_t sim_ms;
    char kind[REC_KIND_BYTES_MAX];
    char order_id[ORDER_ID_BYTES_MAX]; /* "" when none */
    char *line;                        /* the raw line, malloc'd, for timelines and merging */
};

struct records {
    struct rec_order *orders;
    size_t order_count;
    struct rec_sku *skus;
    size_t sku_count;
    struct rec_waybill *waybills;
    size_t waybill_count;
    struct rec_parcel *parcels;
    size_t parcel_count;
    struct rec_core_order *core;
    size_t core_count;
    struct rec_stock *stock;
    size_t stock_count;
    struct rec_event *evidence;
    size_t evidence_count;
    struct rec_event *faults;
    size_t fault_count;
    int have_state;    /* a state dump was read */
    int have_evidence; /* an evidence journal was read */
    long bad_lines;
    char bad_line_note[256];
    /* allocated rows of each table (records.c only) */
    size_t cap_orders, cap_skus, cap_waybills, cap_parcels, cap_core, cap_stock, cap_ev, cap_faults;
};

struct records *records_new(void);
void records_free(struct records *r); /* NULL is a no-op */

/* Read one file of each kind and add its lines. A missing path (NULL) reads nothing. Returns 0,
 * or -1 with err filled when the file cannot be opened or a limit is passed. */
int records_read_platform(struct records *r, const char *path, char *err, int err_len);
int records_read_carrier(struct records *r, const char *path, char *err, int err_len);
int records_read_state(struct records *r, const char *path, char *err, int err_len);
int records_read_evidence(struct records *r, const char *path, char *err, int err_len);
/* Fault lines: {"sim_ms","kind",..,"order":..}; the runner's crash lines have the same shape. */
int records_read_faults(struct records *r, const char *path, char *err, int err_len);
/* Sort every table by key; call once after reading, before the lookups. */
void records_index(struct records *r);

const struct rec_order *records_order(const struct records *r, const char *order_id);
const struct rec_core_order *records_core(const struct records *r, const char *order_id);
const struct rec_parcel *records_parcel(const struct records *r, const char *waybill);
const struct rec_stock *records_stock(const struct records *r, const char *sku);
/* Waybills at the carrier whose order_ref is order_id: index of the first (sorted by order_ref
 * in a private copy) and the count, via out pointers. Returns the count. */
size_t records_waybills_of(const struct records *r, const char *order_id,
                           const struct rec_waybill **first);

/* A mock's GET /__sim/stats answer (INTERFACES.md section 4): order counts (mockplat) and the
 * sums of its "requests", "errors" and "faults" objects. Missing parts stay 0. 0, or -1 when
 * the body is not a JSON object. */
struct rec_stats {
    int64_t placed, paid, cancelled, shipped, delivered;
    double requests, errors, faults;
    int64_t ship_p99_ms; /* mockplat's live pay -> shipped p99, sim ms; -1 when not given */
};
int records_parse_stats(const char *body, size_t len, struct rec_stats *out);

/* A carrier order reference names its order as the order id itself or the order id plus a
 * generation suffix "-R<n>" (a later reference after a refused number, INTERFACES.md section 6):
 * strips such a suffix in place. */
void records_ref_to_order(char *ref);

/* The order id of a JSON line (its "order_id", "order_ref" or "order" member, in that order of
 * preference) copied into buf; returns 1, or 0 when the line names none. */
int records_line_order_id(const char *line, char *buf, int buf_len);

#endif
