/* Durable state of syncd in SQLite (WAL), behind a narrow interface: this module is the only file
 * that includes sqlite3.h. Writes open a transaction lazily and stay in it until store_commit (the
 * event loop commits once per turn: group commit), so a state change and the intent to call out
 * land together and are committed before the call is made. */
#ifndef SHIPSIM_CORE_STORE_H
#define SHIPSIM_CORE_STORE_H

#include <stdint.h>
#include "common/check.h"
#include "common/limits.h"

#define STORE_BUYER_BYTES_MAX 64
#define STORE_STATUS_BYTES_MAX 24
#define STORE_LINES_BYTES_MAX 1024
#define STORE_REASON_BYTES_MAX 64
#define STORE_JOB_KIND_BYTES_MAX 16
#define STORE_JOB_ARG_BYTES_MAX 192
#define STORE_TEXT_BYTES_MAX 512
#define STORE_KV_BYTES_MAX 512

struct store;

struct order_row {
    char order_id[ORDER_ID_BYTES_MAX];
    char shop[SHOP_NAME_BYTES_MAX];
    int state;     /* enum order_state */
    int plat_rank; /* enum plat_rank, highest seen */
    char plat_status[STORE_STATUS_BYTES_MAX];
    int64_t plat_update_s; /* platform update_time of the newest answer */
    char buyer[STORE_BUYER_BYTES_MAX];
    char lines[STORE_LINES_BYTES_MAX]; /* JSON [{"sku","qty"}...] */
    char hold_reason[STORE_REASON_BYTES_MAX];
    char carrier[CARRIER_CODE_BYTES_MAX];
    char waybill[WAYBILL_BYTES_MAX]; /* the live waybill, "" when none */
    int wb_gen;                      /* waybill reference generation (order_id, #1, ...) */
    int64_t seen_ms, pay_ms, waybill_ms, ship_ms, pickup_ms, deliver_ms; /* 0: not reached */
};

enum waybill_status { WB_LIVE = 0, WB_CANCELLED = 1, WB_REJECTED = 2 };

struct waybill_row {
    char carrier[CARRIER_CODE_BYTES_MAX];
    char waybill[WAYBILL_BYTES_MAX];
    char order_id[ORDER_ID_BYTES_MAX];
    int status; /* enum waybill_status */
    int64_t create_ms;
};

struct job_row {
    int64_t id;
    char kind[STORE_JOB_KIND_BYTES_MAX];
    char order_id[ORDER_ID_BYTES_MAX];
    char shop[SHOP_NAME_BYTES_MAX];
    char arg[STORE_JOB_ARG_BYTES_MAX];
    int attempts;
    int64_t next_ms;
    int64_t created_ms;
};

struct evidence_row {
    int64_t sim_ms;
    char kind[32];
    char order_id[ORDER_ID_BYTES_MAX];
    char expected[STORE_TEXT_BYTES_MAX];
    char seen[STORE_TEXT_BYTES_MAX];
    char detail[STORE_TEXT_BYTES_MAX];
};

/* Open (creating, mode 0600) the database at path. sync_full selects synchronous=FULL
 * (power-loss safety) instead of NORMAL (survives a process kill). NULL with err on failure. */
struct store *store_open(const char *path, int sync_full, char *err, int err_len);
/* Commit what is open and close. NULL is a no-op. */
void store_close(struct store *s);
/* Called (once per opened transaction) when a write opens a transaction: the caller schedules a
 * commit at the end of the loop turn. */
void store_on_dirty(struct store *s, void (*cb)(void *arg), void *arg);
/* Commit the open transaction, if any. 0 or -1. */
int store_commit(struct store *s) WARN_UNUSED_RESULT;
int store_in_tx(const struct store *s);
/* The last SQLite error text. */
const char *store_error(const struct store *s);

/* Orders. get: 1 found, 0 not found, -1 error. put: insert or replace the whole row. */
int store_order_get(struct store *s, const char *order_id, struct order_row *out);
int store_order_put(struct store *s, const struct order_row *o) WARN_UNUSED_RESULT;
int store_history_add(struct store *s, const char *order_id, int state,
                      int64_t sim_ms) WARN_UNUSED_RESULT;
typedef int (*store_order_cb)(const struct order_row *o, void *arg); /* nonzero stops */
int store_orders_each(struct store *s, store_order_cb cb, void *arg);
/* Orders of one shop not in a terminal or shipped state (for reconciliation). */
int store_orders_open_each(struct store *s, store_order_cb cb, void *arg);
typedef int (*store_history_cb)(int state, int64_t sim_ms, void *arg);
int store_history_each(struct store *s, const char *order_id, store_history_cb cb, void *arg);
/* Count of orders per state into counts[0..n). 0 or -1. */
int store_order_counts(struct store *s, int64_t *counts, int n);
/* Orders of buyer seen at or after since_ms (guard rule). -1 on error. */
int store_buyer_orders_since(struct store *s, const char *buyer, int64_t since_ms);

/* Waybills. bind: 0 bound (or already bound to this order), 1 bound to another order (owner
 * copied out), -1 error. */
int store_waybill_bind(struct store *s, const char *carrier, const char *waybill,
                       const char *order_id, int64_t sim_ms, char *owner,
                       int owner_len) WARN_UNUSED_RESULT;
/* The order a number is bound to: 1 found (owner copied), 0 unbound, -1 error. */
int store_waybill_owner(struct store *s, const char *waybill, char *owner, int owner_len);
int store_waybill_set_status(struct store *s, const char *waybill, int status) WARN_UNUSED_RESULT;
/* A number offered for order_id that we refused (kept for the state dump). */
int store_waybill_reject(struct store *s, const char *carrier, const char *waybill,
                         const char *order_id, int64_t sim_ms) WARN_UNUSED_RESULT;
typedef int (*store_waybill_cb)(const struct waybill_row *w, void *arg);
/* The order's waybills, bound and rejected (rejected ones with status WB_REJECTED). */
int store_waybills_each(struct store *s, const char *order_id, store_waybill_cb cb, void *arg);

/* Jobs: the durable outbox of every call to make. add: 1 added, 0 one of this kind is already
 * pending for the order (then, when rerun is set, it is flagged to run once more after it
 * finishes), -1 error. */
int store_job_add(struct store *s, const char *kind, const char *order_id, const char *shop,
                  const char *arg, int64_t next_ms, int rerun) WARN_UNUSED_RESULT;
/* Up to max due jobs (next_ms <= now_ms) in next_ms order. Returns the count or -1. */
int store_jobs_due(struct store *s, int64_t now_ms, struct job_row *out, int max);
/* Finish a job: deleted, or re-armed at now_ms when it was flagged to rerun. */
int store_job_done(struct store *s, int64_t id, int64_t now_ms) WARN_UNUSED_RESULT;
/* Reschedule after a failed attempt: attempts+1, next_ms, last error text; arg replaced when
 * not NULL. */
int store_job_retry(struct store *s, int64_t id, int64_t next_ms, const char *error,
                    const char *arg) WARN_UNUSED_RESULT;
int64_t store_jobs_pending(struct store *s);
/* Lease a job while its call is in flight: next_ms moves to until_ms so no other turn picks it. */
int store_job_lease(struct store *s, int64_t id, int64_t until_ms) WARN_UNUSED_RESULT;
/* After a restart: every pending job becomes due at now_ms at the latest (leases of the dead
 * process are void). Returns the number of pending jobs or -1. */
int64_t store_jobs_resume(struct store *s, int64_t now_ms);
int store_job_exists(struct store *s, const char *kind, const char *order_id);

/* Evidence journal. */
int store_evidence_add(struct store *s, const struct evidence_row *e) WARN_UNUSED_RESULT;
typedef int (*store_evidence_cb)(const struct evidence_row *e, void *arg);
int store_evidence_each(struct store *s, store_evidence_cb cb, void *arg);
/* Count per kind name via cb(kind, count). */
int store_evidence_counts(struct store *s, int (*cb)(const char *kind, int64_t n, void *arg),
                          void *arg);

/* Pushes already taken: 1 when digest was seen before (a duplicate), 0 when new (recorded). */
int store_push_seen(struct store *s, const char *digest, int64_t sim_ms);

/* Small durable settings (tokens, poll watermarks). get: 1 found, 0 not, -1 error. */
int store_kv_get(struct store *s, const char *key, char *out, int out_len);
int store_kv_set(struct store *s, const char *key, const char *value) WARN_UNUSED_RESULT;

/* Stock per SKU. */
struct stock_row {
    char sku[SKU_BYTES_MAX];
    int64_t on_hand;
    int64_t safety;
    int frozen;
    int64_t sold; /* units deducted since start */
};
int store_stock_get(struct store *s, const char *sku, struct stock_row *out);
int store_stock_put(struct store *s, const struct stock_row *r) WARN_UNUSED_RESULT;
typedef int (*store_stock_cb)(const struct stock_row *r, void *arg);
int store_stock_each(struct store *s, store_stock_cb cb, void *arg);

/* Parcels (one per shipped waybill) and their clean tracking events. */
struct parcel_row {
    char waybill[WAYBILL_BYTES_MAX];
    char carrier[CARRIER_CODE_BYTES_MAX];
    char order_id[ORDER_ID_BYTES_MAX];
    int state; /* Kuaidi100 state of the newest event, -1 before any */
    int64_t ship_ms;
    int64_t last_event_ms; /* newest event time (ship time before any): the stall clock */
    int ladder;            /* stall steps taken: 0..4 */
    int final;             /* signed or returned: no more polling */
};
int store_parcel_get(struct store *s, const char *waybill, struct parcel_row *out);
int store_parcel_put(struct store *s, const struct parcel_row *p) WARN_UNUSED_RESULT;
typedef int (*store_parcel_cb)(const struct parcel_row *p, void *arg);
int store_parcels_open_each(struct store *s, store_parcel_cb cb, void *arg);
/* An event; 1 when new, 0 when already stored (de-duplication), -1 on error. */
int store_event_add(struct store *s, const char *waybill, int64_t sim_ms, int state,
                    const char *context) WARN_UNUSED_RESULT;
typedef int (*store_event_cb)(int64_t sim_ms, int state, const char *context, void *arg);
/* The events of the order's parcels in event-time order. */
int store_events_each(struct store *s, const char *order_id, store_event_cb cb, void *arg);

/* Per-order bookkeeping of the lost-order checks and the stock flags, kept apart from the order
 * row. get: 1 found, 0 not (out zeroed with the id), -1 error. */
#define MARK_STOCK_DEDUCTED 1 /* its paid units were taken from on hand */
#define MARK_LINES_RESERVED 2 /* its units are counted in its shop's listing reserve */
#define MARK_HINT_SHIFT 8     /* bits 8-11: the highest status rank a push or list entry */
#define MARK_HINT_MASK (0xF << MARK_HINT_SHIFT) /* reported before a read confirmed it */
struct order_mark {
    char order_id[ORDER_ID_BYTES_MAX];
    int flags;
    int64_t suspect_ms;     /* sim ms it became a suspect: only a read sent later decides */
    int64_t check_ms;       /* sim ms a push check is due, 0 none */
    int64_t check_update_s; /* the platform update_time that check expects a push for */
    int64_t suspect_to_s;   /* missing from a complete list pass up to this time, 0 none */
};
int store_mark_get(struct store *s, const char *order_id, struct order_mark *out);
int store_mark_put(struct store *s, const struct order_mark *m) WARN_UNUSED_RESULT;
/* Up to max marks whose push check is due (0 < check_ms <= now_ms). Count or -1. */
int store_marks_due(struct store *s, int64_t now_ms, struct order_mark *out, int max);
/* Orders of shop whose platform update_time lies in [from_s, to_s]. */
int store_orders_updated_each(struct store *s, const char *shop, int64_t from_s, int64_t to_s,
                              store_order_cb cb, void *arg);
/* Orders of shop first seen at or after since_ms, oldest first. */
int store_orders_seen_since_each(struct store *s, const char *shop, int64_t since_ms,
                                 store_order_cb cb, void *arg);
/* Orders of shop first seen at or after since_ms, not cancelled, whose lines are not known yet
 * (detail pending). -1 on error. */
int store_shop_unread(struct store *s, const char *shop, int64_t since_ms);

/* Verified pushes by (order, platform update time), for the push_missing check. near: 1 when
 * one lies within update_s +- slack_s, 0 not, -1 error. */
int store_push_time_add(struct store *s, const char *order_id, int64_t update_s) WARN_UNUSED_RESULT;
int store_push_time_near(struct store *s, const char *order_id, int64_t update_s, int64_t slack_s);

/* What the core last set as a shop's listed stock of a SKU, and the units of that shop's
 * known, uncancelled orders (reserved) then and now. get: set_value -1 when never set. */
struct listing_row {
    char shop[SHOP_NAME_BYTES_MAX];
    char sku[SKU_BYTES_MAX];
    int64_t reserved;     /* units of known uncancelled orders placed on this shop */
    int64_t set_value;    /* the listing the core last set, -1 never */
    int64_t set_reserved; /* reserved when that set took effect */
    int64_t set_ms;
};
int store_listing_get(struct store *s, const char *shop, const char *sku, struct listing_row *out);
int store_listing_put(struct store *s, const struct listing_row *r) WARN_UNUSED_RESULT;

/* Online backup to path with SQLite's backup API (the store stays usable). 0 or -1. */
int store_backup(struct store *s, const char *path, char *err, int err_len);

#endif
