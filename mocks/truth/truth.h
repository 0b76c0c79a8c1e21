/* The platform's ground truth (DESIGN.md section 4, INTERFACES.md section 4): every order with its
 * lifecycle timestamps, waybill and status history, the stock each shop lists per SKU, and the
 * warehouse view (initial - committed). Orders are indexed by id (hash table), by waybill, and per
 * shop by create and update time for list queries. Every change is appended to an optional
 * journal (--state FILE) and replayed on start, so a mock killed with SIGKILL keeps its truth.
 *
 * Orders are read through const struct truth_order pointers, valid until the next call that may
 * add orders (truth_place, truth_reset, replay). */
#ifndef SHIPSIM_TRUTH_H
#define SHIPSIM_TRUTH_H

#include <stddef.h>
#include <stdint.h>
#include "common/check.h"
#include "common/limits.h"
#include "common/simclock.h"
#include "scenario/scenario.h"

#define TRUTH_HISTORY_MAX 12         /* status changes kept per order (a lifecycle has <= 8) */
#define TRUTH_LISTING_HISTORY_MAX 16 /* stock changes kept per listing, for stale reads */
#define TRUTH_IN_CANCEL_S 600        /* Shopee IN_CANCEL -> CANCELLED (seller did not answer) */
#define TRUTH_AUTO_COMPLETE_S 86400  /* delivered -> COMPLETED (buyer did not confirm) */
#define TRUTH_ORDERS_MAX 4000000
#define TRUTH_BUYER_BYTES_MAX 24
#define TRUTH_PACKAGE_BYTES_MAX 20

/* One state vocabulary for both flavors; the raw enum is derived per flavor. */
enum truth_state {
    TS_UNPAID = 0,
    TS_PAID,       /* READY_TO_SHIP / 20 */
    TS_SHIPPED,    /* seller shipped: PROCESSED / 30 */
    TS_IN_TRANSIT, /* carrier collected: SHIPPED / 30 */
    TS_DELIVERED,  /* signed: TO_CONFIRM_RECEIVE (Shopee only) */
    TS_COMPLETED,  /* COMPLETED / 100 (WeChat goes 30 -> 100 when signed) */
    TS_IN_CANCEL,  /* Shopee buyer cancel request on a paid order */
    TS_CANCELLED,  /* CANCELLED / 250 */
    TS_RETURNED,   /* TO_RETURN / 200 */
    TS_COUNT
};

enum truth_err {
    TRUTH_OK = 0,
    TRUTH_NOT_FOUND,
    TRUTH_BAD_STATE, /* not payable / not shippable / not cancellable */
    TRUTH_SHIPPED,   /* already shipped */
    TRUTH_OUT_OF_STOCK,
    TRUTH_WAYBILL_USED, /* the waybill is bound to another order */
    TRUTH_BAD_INPUT,
    TRUTH_FULL,
    TRUTH_PICKED_UP /* the carrier already collected the parcel */
};

struct truth_line {
    int16_t sku; /* index into the scenario catalog */
    int16_t qty;
    int32_t price_fen;
};

struct truth_hist {
    int64_t ms;
    uint8_t state;
};

struct truth_order {
    char id[ORDER_ID_BYTES_MAX];
    char buyer[TRUTH_BUYER_BYTES_MAX];
    char waybill[WAYBILL_BYTES_MAX];
    char carrier[CARRIER_CODE_BYTES_MAX];
    char package[TRUTH_PACKAGE_BYTES_MAX];
    uint8_t flavor; /* enum platform_flavor */
    uint8_t state;  /* enum truth_state */
    uint8_t line_count;
    uint8_t hist_count;
    int16_t shop; /* scenario shop instance index */
    int32_t ship_calls;
    int32_t ship_rejected;
    int64_t seq;
    int64_t create_ms, pay_ms, cancel_ms, ship_ms, pickup_ms, deliver_ms, update_ms;
    uint64_t update_serial;
    struct truth_line lines[SCENARIO_LINES_PER_ORDER_MAX];
    struct truth_hist hist[TRUTH_HISTORY_MAX];
};

struct truth;

/* Called after every change of an order's state (prev = state before); a new order arrives with
 * prev == state == TS_UNPAID. Runs synchronously inside the changing call. */
typedef void (*truth_change_cb)(void *arg, const struct truth_order *o, enum truth_state prev);
/* Called for each journal line of a type truth does not know (a module's own records). */
typedef void (*truth_aux_cb)(void *arg, const char *line);
/* A writer for dumps: append len bytes. */
typedef void (*truth_write_cb)(void *arg, const char *data, size_t len);

struct truth *truth_new(const struct scenario *sc, const struct simclock *clock);
void truth_free(struct truth *t);
void truth_set_listener(struct truth *t, truth_change_cb cb, void *arg);

/* Replay the journal at path (when it exists), then append every later change to it. Lines
 * truth does not know go to aux. Returns 0, or -1 with err filled. */
int truth_open_journal(struct truth *t, const char *path, truth_aux_cb aux, void *aux_arg,
                       char *err, int err_len) WARN_UNUSED_RESULT;
/* Append a module's own record (one JSON object, no newline) to the journal, if any. */
void truth_journal_aux(struct truth *t, const char *line);

/* Place an order: shop instance index, caller sequence number (>= 0; the id is derived from the
 * seed, the shop and seq, so placing the same (shop, seq) twice returns the same order), buyer,
 * lines. Reserves the shop's listed stock (TRUTH_OUT_OF_STOCK, nothing reserved, when short).
 * *out is the order; *existed is 1 when it was already there. */
enum truth_err truth_place(struct truth *t, int shop, int64_t seq, const char *buyer,
                           const struct truth_line *lines, int line_count,
                           const struct truth_order **out, int *existed);
enum truth_err truth_pay(struct truth *t, const char *order_id);
/* Buyer cancel: unpaid -> cancelled; paid -> in_cancel (Shopee) or cancelled (WeChat). */
enum truth_err truth_cancel(struct truth *t, const char *order_id);
/* Seller ships with a waybill: counts the call; TRUTH_SHIPPED when already shipped,
 * TRUTH_WAYBILL_USED when another order holds the waybill, TRUTH_BAD_STATE when not paid. */
enum truth_err truth_ship(struct truth *t, const char *order_id, const char *waybill,
                          const char *carrier);
/* The seller moves a shipped order to another waybill (a new carrier after a stall: Shopee
 * "re-arrange shipment", WeChat deliveryinfo/update). Allowed only while the order is shipped
 * and its parcel was never collected (TRUTH_PICKED_UP after, TRUTH_BAD_STATE before shipping or
 * once cancelled); TRUTH_SHIPPED when waybill is already the order's (nothing changes);
 * TRUTH_WAYBILL_USED when another order holds it. carrier may be NULL or "" (Shopee: learned from
 * the carrier's parcel events). ship_ms keeps the first ship time. Counts as a ship call. */
enum truth_err truth_reship(struct truth *t, const char *order_id, const char *waybill,
                            const char *carrier);
/* A parcel event from the carrier ("collected", "in_transit", "out_for_delivery", "signed",
 * "problem", "refused", "returning", "returned") for the order holding waybill. */
enum truth_err truth_parcel(struct truth *t, const char *waybill, const char *carrier,
                            const char *state);
/* Time-driven transitions (IN_CANCEL timeout, auto-complete). Returns the number of changes. */
int truth_tick(struct truth *t);
/* Forget every order and restore the initial listings; truncates the journal. */
void truth_reset(struct truth *t);

const struct truth_order *truth_find(const struct truth *t, const char *order_id);
/* Payment to marked shipped of every shipped order, sim ms (the runner's live p99). */
struct hdr;
const struct hdr *truth_ship_latency(const struct truth *t);
const struct truth_order *truth_find_waybill(const struct truth *t, const char *waybill);
size_t truth_order_count(const struct truth *t);
const struct truth_order *truth_order_at(const struct truth *t, size_t i);
/* The order's state as of sim time ms (from its history); -1 when it did not exist yet. */
int truth_state_at(const struct truth_order *o, int64_t ms);

/* List query: the shop's orders whose create (by_update = 0) or update time is in
 * [from_ms, to_ms], ascending, starting after cursor (0 = from the start). Writes at most max
 * orders into out; *next is the cursor of the next page and *more is 1 when there is one.
 * state_mask (bit per truth state, 0 = all) filters. Returns the number written. */
int truth_list(const struct truth *t, int shop, int by_update, int64_t from_ms, int64_t to_ms,
               uint32_t state_mask, uint64_t cursor, const struct truth_order **out, int max,
               uint64_t *next, int *more);

/* Stock. sku is the catalog index. */
int64_t truth_listed(const struct truth *t, int shop, int sku);
/* The listed stock as it was at sim time ms (stale reads). */
int64_t truth_listed_at(const struct truth *t, int shop, int sku, int64_t ms);
/* Set a listing (seller update or drift); negative values are refused. */
enum truth_err truth_set_listed(struct truth *t, int shop, int sku, int64_t listed);
int64_t truth_committed(const struct truth *t, int sku);
int truth_sku_index(const struct truth *t, const char *sku);

/* Counters for stats and metrics. */
struct truth_counts {
    uint64_t placed, paid, cancelled, shipped, delivered;
    uint64_t by_state[TS_COUNT];
};
void truth_counts(const struct truth *t, struct truth_counts *out);

/* The truth as JSON lines (INTERFACES.md section 4): orders, then skus, then listings. */
void truth_dump(const struct truth *t, truth_write_cb write, void *arg);

const char *truth_state_name(enum truth_state s);                         /* "paid" */
const char *truth_raw_status(enum platform_flavor f, enum truth_state s); /* "READY_TO_SHIP" */
int truth_wechat_status(enum truth_state s);                              /* 20 */
int truth_shopee_status_parse(const char *raw);                           /* truth state or -1 */

#endif
