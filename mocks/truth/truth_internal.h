/* Private to mocks/truth: the struct behind struct truth, shared by truth.c (indexes, queries),
 * truth_ops.c (lifecycle and stock changes) and truth_journal.c (journal, replay, dump). */
#ifndef SHIPSIM_TRUTH_INTERNAL_H
#define SHIPSIM_TRUTH_INTERNAL_H

#include <stdio.h>
#include "common/hdr.h"
#include "truth/truth.h"

#define TRUTH_LIST_SCAN_MAX 20000 /* log entries one list call examines before paging */

struct slot_table {
    uint32_t *v;
    size_t cap; /* power of two */
    size_t used;
};

struct tlog_entry {
    int64_t ms;
    uint64_t serial;
    uint32_t idx;
};

struct tlog {
    struct tlog_entry *v;
    size_t n, cap;
    size_t stale; /* entries superseded by a later change of their order */
};

struct listing_change {
    int64_t ms;
    int64_t before;
};

struct listing {
    int64_t listed;
    int hist_n;   /* changes kept, <= TRUTH_LISTING_HISTORY_MAX */
    int hist_pos; /* next slot of the ring */
    struct listing_change hist[TRUTH_LISTING_HISTORY_MAX];
};

/* A carrier state for a waybill no order holds yet: the parcel was collected before the seller
 * marked the order shipped (a slow or retrying sync core). Applied when an order binds it. */
struct early_parcel {
    char waybill[WAYBILL_BYTES_MAX];
    uint8_t rank; /* 0 empty, EARLY_* below */
};
#define EARLY_PICKED 1
#define EARLY_SIGNED 2
#define EARLY_RETURNED 3
#define TRUTH_EARLY_PARCELS_MAX 65536 /* power of two; past it the oldest news is dropped */

struct truth {
    unsigned magic;
    const struct scenario *sc;
    const struct simclock *clock;
    int shop_count;
    char shop_names[SCENARIO_SHOPS_MAX][SHOP_NAME_BYTES_MAX];
    uint8_t shop_flavors[SCENARIO_SHOPS_MAX];
    struct truth_order *orders;
    size_t n, cap;
    struct slot_table by_id;
    struct slot_table by_waybill;
    struct tlog by_create[SCENARIO_SHOPS_MAX];
    struct tlog by_update[SCENARIO_SHOPS_MAX];
    struct listing *listings; /* shop_count x sku_count */
    int64_t *committed;       /* per sku */
    uint64_t serial;
    uint32_t *watch; /* orders waiting for a time-driven change (in_cancel, delivered) */
    size_t watch_n, watch_cap;
    struct early_parcel *early; /* TRUTH_EARLY_PARCELS_MAX slots, open addressing */
    uint64_t early_dropped;
    struct hdr *ship_latency; /* pay -> marked shipped, sim ms, for the runner's progress line */
    FILE *journal;
    int replaying;
    truth_change_cb cb;
    void *cb_arg;
};

/* truth.c helpers used by the other files */
int truth_index_order(struct truth *t, uint32_t idx); /* id table + create log */
int truth_index_waybill(struct truth *t, uint32_t idx);
void truth_unindex_waybill(struct truth *t, uint32_t idx); /* before its waybill changes */
int truth_touch(struct truth *t, struct truth_order *o);   /* new update time + update log */
int truth_rebuild_indexes(struct truth *t);                /* after replay; -1 out of memory */
int truth_state_parse(const char *name);
struct listing *truth_listing(const struct truth *t, int shop, int sku);
int truth_watch(struct truth *t, uint32_t idx);

/* truth_journal.c */
void truth_journal_order(struct truth *t, const struct truth_order *o);
void truth_journal_listing(struct truth *t, int shop, int sku);
int truth_order_json(const struct truth *t, const struct truth_order *o, int journal, char *buf,
                     int len);

#endif
