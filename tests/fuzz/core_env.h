/* A syncd core for fuzz targets that drive its handlers (fuzz_core_push.c, fuzz_core_k100.c):
 * one config (a Shopee shop, two WeChat shops, SF, tracking credentials), a SQLite store on
 * tmpfs emptied and refilled per input with the same rows (Shopee order ENV_ORDER_KNOWN paid,
 * WeChat order ENV_ORDER_WECHAT shipped, ENV_ORDER_TRACKED shipped with env_waybill and its
 * parcel), a sim clock restarted at ENV_EPOCH_MS, and snapshots of what a handler may change.
 * Static definitions (inline: a target may not use them all): include from one file only. */
#ifndef SHIPSIM_TESTS_FUZZ_CORE_ENV_H
#define SHIPSIM_TESTS_FUZZ_CORE_ENV_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/check.h"
#include "common/log.h"
#include "common/waybill.h"
#include "core/core.h"
#include "core/metrics.h"
#include "core/order.h"
#include "core/plat.h"
#include "core/tracking.h"
#include "core/utf8.h"

#define ENV_EPOCH_MS 1795000000000LL /* sim time at the start of each input (seeds use it) */
#define ENV_PUSH_BASE "http://127.0.0.1:9100"
#define ENV_AES_KEY "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#define ENV_APPID "wxfuzz1"
#define ENV_ORDER_KNOWN "2208KNOWN01"          /* Shopee, paid */
#define ENV_ORDER_WECHAT "3705115058471208928" /* WeChat, shipped */
#define ENV_ORDER_TRACKED "2208TRACK01"        /* Shopee, shipped with env_waybill (a parcel) */
#define ENV_KNOWN_ORDERS 3

static const char *const env_shops[] = {"sp1-1", "wx1-1", "wx1-2", "zz9-9"}; /* last: unknown */

static struct config env_cfg;
static struct core env_core;
static char env_waybill[WAYBILL_BYTES_MAX];
static char env_db_path[256];
static sqlite3 *env_wiper; /* a second connection to the store's file that empties it */
static char *env_wipe_sql;

/* The config; tracking_url "" means parcels get no subscribe or poll jobs. */
static inline void env_init(const char *name, const char *tracking_url)
{
    struct config *cfg = &env_cfg;
    log_init(name, &env_core.clock);
    log_set_level(LOG_ERROR);
    memset(cfg, 0, sizeof(*cfg));
    cfg->shop_count = 3;
    struct shop_cfg *sp = &cfg->shops[0], *wx = &cfg->shops[1], *wx2 = &cfg->shops[2];
    snprintf(sp->name, sizeof(sp->name), "%s", env_shops[0]);
    sp->flavor = FLAVOR_SHOPEE;
    sp->shop_id = 1001;
    sp->partner_id = 2001;
    snprintf(sp->partner_key, sizeof(sp->partner_key), "fuzz-partner-key");
    snprintf(wx->name, sizeof(wx->name), "%s", env_shops[1]);
    wx->flavor = FLAVOR_WECHAT;
    snprintf(wx->appid, sizeof(wx->appid), ENV_APPID);
    snprintf(wx->push_token, sizeof(wx->push_token), "fuzz-push-token");
    snprintf(wx->aes_key, sizeof(wx->aes_key), ENV_AES_KEY);
    *wx2 = *wx; /* the same shop without an EncodingAESKey */
    snprintf(wx2->name, sizeof(wx2->name), "%s", env_shops[2]);
    wx2->aes_key[0] = '\0';
    snprintf(cfg->push_base_url, sizeof(cfg->push_base_url), ENV_PUSH_BASE);
    snprintf(cfg->tracking_url, sizeof(cfg->tracking_url), "%s", tracking_url);
    snprintf(cfg->tracking_customer, sizeof(cfg->tracking_customer), "fuzz-customer");
    snprintf(cfg->tracking_key, sizeof(cfg->tracking_key), "fuzz-key");
    snprintf(cfg->tracking_salt, sizeof(cfg->tracking_salt), "fuzz-salt");
    snprintf(cfg->carrier_primary, sizeof(cfg->carrier_primary), "SF");
    cfg->retry_base_ms = 100;
    cfg->retry_max_ms = 3000;
    cfg->guard_orders_max = 3;
    cfg->guard_window_s = 600;
    assert(waybill_make("SF", 1, env_waybill, sizeof(env_waybill)) == 0);
}

static inline void env_put_order(const char *id, const char *shop, int state, int rank,
                                 const char *status)
{
    struct order_row o;
    memset(&o, 0, sizeof(o));
    snprintf(o.order_id, sizeof(o.order_id), "%s", id);
    snprintf(o.shop, sizeof(o.shop), "%s", shop);
    snprintf(o.lines, sizeof(o.lines), "[]");
    snprintf(o.plat_status, sizeof(o.plat_status), "%s", status);
    o.state = state;
    o.plat_rank = rank;
    o.plat_update_s = ENV_EPOCH_MS / 1000 - 600;
    o.seen_ms = ENV_EPOCH_MS - 600000;
    if (state >= OS_SHIPPED) {
        snprintf(o.carrier, sizeof(o.carrier), "SF");
        snprintf(o.waybill, sizeof(o.waybill), "%s", env_waybill);
        o.ship_ms = ENV_EPOCH_MS - 300000;
    }
    assert(store_order_put(env_core.store, &o) == 0);
}

static inline void env_store_gone(void)
{
    char p[300];
    sqlite3_close(env_wiper);
    store_close(env_core.store);
    free(env_wipe_sql);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", env_db_path, suffix[i]);
        unlink(p);
    }
}

/* The store, on tmpfs when there is one, and env_wipe_sql: DELETE FROM every table. */
static inline struct store *env_store_open(void)
{
    char err[ERR_BYTES_MAX];
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0') {
        dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    }
    snprintf(env_db_path, sizeof(env_db_path), "%s/shipsim_fuzz_%d.db", dir, (int)getpid());
    unlink(env_db_path);
    struct store *st = store_open(env_db_path, 0, err, sizeof(err));
    if (st == NULL) {
        fprintf(stderr, "fuzz: %s\n", err);
    }
    assert(st != NULL);
    assert(sqlite3_open_v2(env_db_path, &env_wiper, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert(sqlite3_prepare_v2(env_wiper, "SELECT name FROM sqlite_master WHERE type = 'table'", -1,
                              &q, NULL) == SQLITE_OK);
    size_t cap = 64, len = 0;
    env_wipe_sql = malloc(cap);
    assert(env_wipe_sql != NULL);
    len = (size_t)snprintf(env_wipe_sql, cap, "BEGIN;");
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        size_t need = len + strlen(t) + 32;
        if (need > cap) {
            cap = need * 2;
            env_wipe_sql = realloc(env_wipe_sql, cap);
            assert(env_wipe_sql != NULL);
        }
        len += (size_t)snprintf(env_wipe_sql + len, cap - len, "DELETE FROM \"%s\";", t);
    }
    sqlite3_finalize(q);
    env_wipe_sql = realloc(env_wipe_sql, len + 8);
    assert(env_wipe_sql != NULL);
    memcpy(env_wipe_sql + len, "COMMIT;", 8);
    atexit(env_store_gone);
    return st;
}

/* The same starting state for every input. The event base and HTTP clients are kept. */
static inline void env_up(void)
{
    struct core keep = env_core;
    memset(&env_core, 0, sizeof(env_core));
    env_core.base = keep.base;
    env_core.http = keep.http;
    env_core.http_carrier = keep.http_carrier;
    env_core.cfg = &env_cfg;
    env_core.seed = 11;
    simclock_init(&env_core.clock, ENV_EPOCH_MS, 1.0);
    env_core.store = keep.store != NULL ? keep.store : env_store_open();
    /* What the last input wrote is committed, then deleted (opening a fresh store per input
     * costs ~10 ms of schema setup). */
    assert(store_commit(env_core.store) == 0);
    assert(sqlite3_exec(env_wiper, env_wipe_sql, NULL, NULL, NULL) == SQLITE_OK);
    env_core.metrics = metrics_new();
    assert(env_core.metrics != NULL);
    env_put_order(ENV_ORDER_KNOWN, env_shops[0], OS_PAID, PR_PAID, "READY_TO_SHIP");
    env_put_order(ENV_ORDER_WECHAT, env_shops[1], OS_SHIPPED, PR_SHIPPED, "30");
    env_put_order(ENV_ORDER_TRACKED, env_shops[0], OS_SHIPPED, PR_SHIPPED, "SHIPPED");
    tracking_start(&env_core, ENV_ORDER_TRACKED, "SF", env_waybill);
}

static inline void env_down(void)
{
    metrics_free(env_core.metrics);
    env_core.metrics = NULL;
}

/* What a handler may change: orders per state, the known orders' states, jobs, the parcel and
 * its tracking events. */
struct env_snapshot {
    int64_t counts[OS_COUNT];
    int64_t orders;
    int64_t jobs;
    int known_state[ENV_KNOWN_ORDERS];
    struct parcel_row parcel;
    int events;
};

static inline int env_count_event(int64_t sim_ms, int state, const char *context, void *arg)
{
    (void)sim_ms;
    assert(tracking_state_known(state)); /* only clean events are stored */
    assert(text_check(context) == TEXT_OK);
    (*(int *)arg)++;
    return 0;
}

static inline int env_order_ok(const struct order_row *o, void *arg)
{
    (void)arg;
    assert(plat_id_ok(o->order_id));
    assert(core_shop_index(&env_core, o->shop) >= 0);
    assert(o->state >= 0 && o->state < OS_COUNT);
    return 0;
}

static inline void env_snap(struct env_snapshot *s)
{
    static const char *const known[ENV_KNOWN_ORDERS] = {ENV_ORDER_KNOWN, ENV_ORDER_WECHAT,
                                                        ENV_ORDER_TRACKED};
    memset(s, 0, sizeof(*s));
    assert(store_order_counts(env_core.store, s->counts, OS_COUNT) == 0);
    for (int i = 0; i < OS_COUNT; i++) {
        s->orders += s->counts[i];
    }
    s->jobs = store_jobs_pending(env_core.store);
    assert(s->jobs >= 0);
    for (int i = 0; i < ENV_KNOWN_ORDERS; i++) {
        struct order_row o;
        assert(store_order_get(env_core.store, known[i], &o) == 1);
        s->known_state[i] = o.state;
    }
    assert(store_parcel_get(env_core.store, env_waybill, &s->parcel) == 1);
    assert(s->parcel.state == -1 || tracking_state_known(s->parcel.state));
    assert(store_events_each(env_core.store, ENV_ORDER_TRACKED, env_count_event, &s->events) == 0);
}

static inline void env_same_parcel(const struct parcel_row *p, const struct parcel_row *q)
{
    assert(strcmp(p->waybill, q->waybill) == 0 && strcmp(p->carrier, q->carrier) == 0);
    assert(strcmp(p->order_id, q->order_id) == 0);
    assert(p->state == q->state && p->ship_ms == q->ship_ms);
    assert(p->last_event_ms == q->last_event_ms && p->ladder == q->ladder && p->final == q->final);
}

/* Nothing changed between a and b. */
static inline void env_same(const struct env_snapshot *a, const struct env_snapshot *b)
{
    assert(memcmp(a->counts, b->counts, sizeof(a->counts)) == 0);
    assert(a->jobs == b->jobs);
    assert(memcmp(a->known_state, b->known_state, sizeof(a->known_state)) == 0);
    env_same_parcel(&a->parcel, &b->parcel);
    assert(a->events == b->events);
}

/* b follows a by one push or answer: at most one new order (with a safe id), no known order
 * moved backwards, no tracking event lost. */
static inline void env_forward(const struct env_snapshot *a, const struct env_snapshot *b)
{
    assert(b->orders >= a->orders);
    assert(b->orders <= a->orders + 1);
    for (int i = 0; i < ENV_KNOWN_ORDERS; i++) {
        int from = a->known_state[i], to = b->known_state[i];
        assert(from == to || order_transition_ok((enum order_state)from, (enum order_state)to));
    }
    assert(b->events >= a->events);
    assert(store_orders_each(env_core.store, env_order_ok, NULL) == 0);
}

#endif
