/* The stock sync round: one (shop, SKU) at a time, read then set. */
#include "core/stocksync.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/json.h"
#include "common/log.h"
#include "core/outbox.h"
#include "core/plat.h"
#include "core/stock.h"

struct stocksync {
    struct core *c;
    struct event *tick_ev;
    struct event *step_ev;
    int running;
    int shop, sku; /* the pair in hand */
    int failures;
    int confirming;   /* a difference was seen: read once more before journaling it */
    int set_pending;  /* the read is done, the update waits for the shop's budget */
    int no_judge;     /* a WeChat update failed and may have landed: the re-read is no evidence */
    int budget_waits; /* turns this call waited for the shop's request budget */
    int64_t set_value, set_was;
    long rounds;
};

static void step(struct stocksync *s);

static void later(struct stocksync *s, int64_t wall_ms)
{
    struct timeval tv = {(time_t)(wall_ms / 1000), (suseconds_t)((wall_ms % 1000) * 1000)};
    event_add(s->step_ev, &tv);
}

static void next_pair(struct stocksync *s)
{
    s->failures = 0;
    s->confirming = 0;
    s->set_pending = 0;
    s->no_judge = 0;
    if (++s->sku >= s->c->cfg->sku_count) {
        s->sku = 0;
        s->shop++;
    }
    if (s->shop >= s->c->cfg->shop_count) {
        s->running = 0;
        s->rounds++;
        return;
    }
    step(s);
}

/* A failed call: retry with backoff, or give this pair up until the next round. */
static void failed(struct stocksync *s, const struct call_outcome *o, const char *what)
{
    struct core *c = s->c;
    const char *shop = c->cfg->shops[s->shop].name;
    if (o->evidence >= 0) {
        core_evidence(c, (enum evidence_kind)o->evidence, "", what, o->text, "shop %s sku %s", shop,
                      c->cfg->skus[s->sku].sku);
    }
    if (o->result == CALL_REJECT || ++s->failures > STOCKSYNC_RETRY_MAX) {
        log_warn("stock sync %s %s: %s: %s", shop, c->cfg->skus[s->sku].sku, what, o->text);
        next_pair(s);
        return;
    }
    later(s, outbox_backoff_ms(c->cfg->retry_base_ms, c->cfg->retry_max_ms, s->failures - 1,
                               c->seed, s->shop));
}

static void listing_get(struct core *c, int shop, int k, struct listing_row *lr)
{
    if (store_listing_get(c->store, c->cfg->shops[shop].name, c->cfg->skus[k].sku, lr) < 0) {
        core_fatal_store(c, "listing read");
    }
}

static void listing_put(struct core *c, const struct listing_row *lr)
{
    if (store_listing_put(c->store, lr) != 0) {
        core_fatal_store(c, "listing");
    }
}

/* What is left to sell of SKU k: initial stock less every known uncancelled order's units. */
static int64_t available(struct core *c, int k)
{
    int64_t avail = c->cfg->skus[k].stock;
    for (int i = 0; i < c->cfg->shop_count; i++) {
        struct listing_row lr;
        listing_get(c, i, k, &lr);
        avail -= lr.reserved;
    }
    return avail;
}

struct candidates {
    const char *sku;
    int n;
    char ids[STOCKSYNC_CANDIDATES_MAX][ORDER_ID_BYTES_MAX];
};

/* Orders whose first line is the SKU: a platform can change that listing as one is placed. */
static int candidate(const struct order_row *o, void *arg)
{
    struct candidates *w = arg;
    char err[ERR_BYTES_MAX];
    cJSON *doc = json_parse(o->lines, strlen(o->lines), err, sizeof(err));
    const cJSON *sku = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(doc, 0), "sku");
    if (cJSON_IsString(sku) && strcmp(sku->valuestring, w->sku) == 0) {
        if (w->n < STOCKSYNC_CANDIDATES_MAX) {
            snprintf(w->ids[w->n], sizeof(w->ids[w->n]), "%s", o->order_id);
        }
        w->n++;
    }
    json_delete(doc);
    return 0;
}

/* The drift happened at a read or with one of the orders placed on this listing since the
 * baseline; each such order is journaled too, so the change can be traced to it. */
static void drift_evidence(struct core *c, int shop, int k, const struct listing_row *lr,
                           int64_t listed)
{
    char key[SHOP_NAME_BYTES_MAX + SKU_BYTES_MAX + 2], expected[32], seen[32];
    int64_t want = stock_expected_listing(lr);
    const char *shop_name = c->cfg->shops[shop].name;
    struct candidates w = {.sku = c->cfg->skus[k].sku};
    snprintf(key, sizeof(key), "%s|%s", shop_name, w.sku);
    snprintf(expected, sizeof(expected), "%lld", (long long)want);
    snprintf(seen, sizeof(seen), "%lld", (long long)listed);
    core_evidence(c, EVK_STOCK_DRIFT, key, expected, seen,
                  "listed stock changed by %+lld behind the core's back",
                  (long long)(listed - want));
    if (store_orders_seen_since_each(c->store, shop_name, lr->set_ms, candidate, &w) != 0) {
        core_fatal_store(c, "drift candidates");
    }
    for (int i = 0; i < w.n && w.n <= STOCKSYNC_CANDIDATES_MAX; i++) {
        core_evidence(c, EVK_STOCK_DRIFT, w.ids[i], expected, seen,
                      "%s changed by %+lld while this order (1 of %d) was placed on it", key,
                      (long long)(listed - want), w.n);
    }
}

static int any_unread(struct core *c)
{
    for (int i = 0; i < c->cfg->shop_count; i++) {
        int n = store_shop_unread(c->store, c->cfg->shops[i].name, 0);
        if (n < 0) {
            core_fatal_store(c, "unread orders");
        }
        if (n > 0) {
            return 1;
        }
    }
    return 0;
}

static void set_done(struct core *c, int shop, int64_t listed, const struct call_outcome *o,
                     void *arg)
{
    struct stocksync *s = arg;
    if (c->stopping) {
        return;
    }
    if (o->result != CALL_OK) {
        if (c->cfg->shops[shop].flavor == FLAVOR_WECHAT) {
            /* a change by a difference is not repeated blindly: read again, then decide */
            s->set_pending = 0;
            s->no_judge = 1;
        }
        failed(s, o, "a stock update");
        return;
    }
    struct listing_row lr;
    listing_get(c, shop, s->sku, &lr);
    lr.set_value = listed;
    /* WeChat changes the listing by a difference: orders placed since the read still count
     * against it, so the baseline stays the read's. Shopee sets it outright, over them. */
    if (c->cfg->shops[shop].flavor == FLAVOR_SHOPEE) {
        lr.set_reserved = lr.reserved;
        lr.set_ms = core_now_ms(c);
    }
    listing_put(c, &lr);
    next_pair(s);
}

/* Compare the listing with what the core expects, then set the shop's share. */
static void get_done(struct core *c, int shop, int64_t listed, const struct call_outcome *o,
                     void *arg)
{
    struct stocksync *s = arg;
    if (c->stopping) {
        return;
    }
    if (o->result != CALL_OK) {
        failed(s, o, "a stock read");
        return;
    }
    const char *shop_name = c->cfg->shops[shop].name;
    struct listing_row lr;
    listing_get(c, shop, s->sku, &lr);
    /* orders seen before the baseline are in it (or move it when read): only newer ones count */
    int unread = store_shop_unread(c->store, shop_name, lr.set_ms);
    if (unread < 0) {
        core_fatal_store(c, "unread orders");
    }
    /* judged only when every order of the shop seen since the baseline has been read: one not
     * read yet would look like a change behind our back */
    if (lr.set_value >= 0 && unread == 0 && !s->no_judge && listed != stock_expected_listing(&lr)) {
        if (!s->confirming) {
            /* an order placed just before the read may not have reached us yet: let pushes in
             * flight land, then read again */
            s->confirming = 1;
            later(s, STOCKSYNC_CONFIRM_WAIT_MS);
            return;
        }
        drift_evidence(c, shop, s->sku, &lr, listed);
    }
    /* the listing as read is the baseline until the update lands (a failed update must not
     * report the same drift again) */
    lr.set_value = listed;
    lr.set_reserved = lr.reserved;
    lr.set_ms = core_now_ms(c);
    listing_put(c, &lr);
    s->set_value = stock_share(available(c, s->sku), c->cfg->shop_count, shop);
    if (s->set_value > listed && any_unread(c)) {
        /* an order whose lines are not read yet is missing from what is left: a listing is
         * not raised on that count (raising is the only way the shops could offer more) */
        s->set_value = listed;
    }
    s->set_was = listed;
    s->set_pending = 1;
    step(s);
}

static void step(struct stocksync *s)
{
    if (s->c->stopping) {
        s->running = 0;
        return;
    }
    if (!core_shop_take(s->c, s->shop)) {
        if (++s->budget_waits <= STOCKSYNC_BUDGET_TRIES_MAX) {
            later(s, STOCKSYNC_BUDGET_WAIT_MS);
            return;
        }
        /* the pump takes every token as it comes: borrow one (the bucket goes below zero and
         * the pump waits for it), so a round is not starved and the average rate still holds */
        s->c->shops[s->shop].tokens -= 1.0;
    }
    s->budget_waits = 0;
    if (s->set_pending) {
        /* a failed update is retried as an update: the read's baseline stands */
        plat_stock_set(s->c, s->shop, s->sku, s->set_value, s->set_was, set_done, s);
    } else {
        plat_stock_get(s->c, s->shop, s->sku, get_done, s);
    }
}

static void step_cb(evutil_socket_t fd, short what, void *arg)
{
    step(arg);
}

void stocksync_round(struct stocksync *s)
{
    if (s->running || s->c->cfg->shop_count == 0 || s->c->cfg->sku_count == 0) {
        return;
    }
    s->running = 1;
    s->shop = 0;
    s->sku = 0;
    s->failures = 0;
    s->confirming = 0;
    s->set_pending = 0;
    s->no_judge = 0;
    step(s);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    stocksync_round(arg);
}

struct stocksync *stocksync_new(struct core *c)
{
    struct stocksync *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    s->c = c;
    s->tick_ev = event_new(c->base, -1, EV_PERSIST, tick_cb, s);
    s->step_ev = event_new(c->base, -1, 0, step_cb, s);
    if (s->tick_ev == NULL || s->step_ev == NULL) {
        stocksync_free(s);
        return NULL;
    }
    return s;
}

void stocksync_free(struct stocksync *s)
{
    if (s == NULL) {
        return;
    }
    if (s->tick_ev != NULL) {
        event_free(s->tick_ev);
    }
    if (s->step_ev != NULL) {
        event_free(s->step_ev);
    }
    free(s);
}

int stocksync_start(struct stocksync *s)
{
    const struct core *c = s->c;
#ifdef SYNCD_SABOTAGE_NO_STOCK_SYNC /* test-only (tests/sabotage): every shop offers all stock */
    return 0;
#endif
    if (c->cfg->stock_sync_interval_s <= 0) {
        return 0; /* sync switched off */
    }
    int64_t ms = (int64_t)simclock_wall_ms(&c->clock, (double)c->cfg->stock_sync_interval_s * 1000);
    ms = ms < 1 ? 1 : ms;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
    if (event_add(s->tick_ev, &tv) != 0) {
        return -1;
    }
    /* the first round at once: until then every shop offers the whole stock */
    event_active(s->tick_ev, EV_TIMEOUT, 0);
    return 0;
}

long stocksync_rounds(const struct stocksync *s)
{
    return s->rounds;
}
