/* Stock bookkeeping on the store's stock rows. */
#include "core/stock.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"

#define STOCK_LINES_MAX 16

static const int64_t alert_levels[] = {30, 20, 10};

struct line {
    char sku[SKU_BYTES_MAX];
    int64_t qty;
};

int64_t stock_safety(double daily_mean_sales)
{
    assert(daily_mean_sales >= 0);
    return (int64_t)ceil(daily_mean_sales * STOCK_SAFETY_FACTOR);
}

void stock_init(struct core *c)
{
    for (int i = 0; i < c->cfg->sku_count; i++) {
        const struct sku_cfg *k = &c->cfg->skus[i];
        struct stock_row r;
        if (store_stock_get(c->store, k->sku, &r) == 1) {
            continue;
        }
        memset(&r, 0, sizeof(r));
        snprintf(r.sku, sizeof(r.sku), "%s", k->sku);
        r.on_hand = k->stock;
        r.safety = stock_safety(k->daily_mean_sales);
        r.frozen = r.on_hand <= r.safety;
        if (store_stock_put(c->store, &r) != 0) {
            core_fatal_store(c, "stock init");
        }
    }
}

static int read_lines(const struct order_row *o, struct line *out)
{
    char err[ERR_BYTES_MAX];
    cJSON *doc = json_parse(o->lines, strlen(o->lines), err, sizeof(err));
    const cJSON *it;
    int n = 0;
    cJSON_ArrayForEach(it, doc)
    {
        const cJSON *sku = cJSON_GetObjectItemCaseSensitive(it, "sku");
        const cJSON *qty = cJSON_GetObjectItemCaseSensitive(it, "qty");
        if (n < STOCK_LINES_MAX && cJSON_IsString(sku) && cJSON_IsNumber(qty) &&
            qty->valuedouble > 0 && strlen(sku->valuestring) < SKU_BYTES_MAX) {
            snprintf(out[n].sku, sizeof(out[n].sku), "%s", sku->valuestring);
            out[n].qty = json_i64(qty, 0);
            n++;
        }
    }
    json_delete(doc);
    return n;
}

/* Apply delta to a SKU; alerts and freeze on the way down. */
static void change(struct core *c, const char *order_id, const char *sku, int64_t delta)
{
    struct stock_row r;
    if (store_stock_get(c->store, sku, &r) != 1) {
        return; /* a SKU outside the catalog is not kept */
    }
    int64_t before = r.on_hand;
    r.on_hand += delta;
    r.sold -= delta;
    for (unsigned i = 0; i < ARRAY_LEN(alert_levels); i++) {
        if (before > alert_levels[i] && r.on_hand <= alert_levels[i]) {
            char seen[32];
            snprintf(seen, sizeof(seen), "%lld", (long long)r.on_hand);
            core_evidence(c, EVK_LOW_STOCK, order_id, "above the alert level", seen,
                          "sku %s at or below %lld units", sku, (long long)alert_levels[i]);
        }
    }
    if (!r.frozen && r.on_hand <= r.safety) {
        r.frozen = 1;
        core_evidence(c, EVK_LOW_STOCK, order_id, "above safety stock", "at or below",
                      "sku %s frozen: %lld on hand, safety %lld", sku, (long long)r.on_hand,
                      (long long)r.safety);
    } else if (r.frozen && r.on_hand > r.safety) {
        r.frozen = 0;
    }
    if (store_stock_put(c->store, &r) != 0) {
        core_fatal_store(c, "stock");
    }
}

static void mark_get(struct core *c, const char *order_id, struct order_mark *m)
{
    if (store_mark_get(c->store, order_id, m) < 0) {
        core_fatal_store(c, "mark read");
    }
}

static void mark_put(struct core *c, const struct order_mark *m)
{
    if (store_mark_put(c->store, m) != 0) {
        core_fatal_store(c, "mark");
    }
}

/* Add sign x units to the reserve of o's shop for every line. A placement or cancel that
 * happened (event_s, platform time) before the listing baseline was taken is already in it, so
 * the baseline's reserve moves too (an order learned late is not a change behind our back). */
static void reserve(struct core *c, const struct order_row *o, const struct line *lines, int n,
                    int64_t sign, int64_t event_s)
{
    for (int i = 0; i < n; i++) {
        struct listing_row lr;
        if (config_sku(c->cfg, lines[i].sku) == NULL) {
            continue;
        }
        if (store_listing_get(c->store, o->shop, lines[i].sku, &lr) < 0) {
            core_fatal_store(c, "listing read");
        }
        lr.reserved += sign * lines[i].qty;
        if (lr.set_value >= 0 && event_s > 0 && event_s * 1000 < lr.set_ms) {
            lr.set_reserved += sign * lines[i].qty;
        }
        if (store_listing_put(c->store, &lr) != 0) {
            core_fatal_store(c, "listing");
        }
    }
}

void stock_on_lines(struct core *c, const struct order_row *o, int64_t create_s)
{
    struct line lines[STOCK_LINES_MAX];
    struct order_mark m;
    int n = read_lines(o, lines);
    mark_get(c, o->order_id, &m);
    if (n == 0 || (m.flags & MARK_LINES_RESERVED) != 0) {
        return;
    }
    reserve(c, o, lines, n, 1, create_s);
    m.flags |= MARK_LINES_RESERVED;
    mark_put(c, &m);
}

int stock_on_paid(struct core *c, const struct order_row *o)
{
    struct line lines[STOCK_LINES_MAX];
    struct order_mark m;
    int n = read_lines(o, lines);
    int short_of = 0;
    mark_get(c, o->order_id, &m);
    if ((m.flags & MARK_STOCK_DEDUCTED) != 0 || n == 0) {
        return 0; /* taken before, or lines not known yet (the next read brings them) */
    }
    for (int i = 0; i < n; i++) {
        struct stock_row r;
        if (store_stock_get(c->store, lines[i].sku, &r) == 1 && r.on_hand < lines[i].qty) {
            char seen[32];
            snprintf(seen, sizeof(seen), "%lld", (long long)r.on_hand);
            core_evidence(c, EVK_OUT_OF_STOCK, o->order_id, "units on hand", seen,
                          "sku %s needs %lld: held as awaiting shipment", lines[i].sku,
                          (long long)lines[i].qty);
            core_evidence(c, EVK_OVERSELL, o->order_id, "sold within stock", "sold past stock",
                          "sku %s", lines[i].sku);
            short_of = 1;
        }
    }
    /* the units are sold either way (on hand may go below zero: oversold); the order waits */
    for (int i = 0; i < n; i++) {
        change(c, o->order_id, lines[i].sku, -lines[i].qty);
    }
    m.flags |= MARK_STOCK_DEDUCTED;
    mark_put(c, &m);
    return short_of ? -1 : 0;
}

void stock_on_cancel(struct core *c, const struct order_row *o)
{
    struct line lines[STOCK_LINES_MAX];
    struct order_mark m;
    int n = read_lines(o, lines);
    mark_get(c, o->order_id, &m);
    if ((m.flags & MARK_STOCK_DEDUCTED) != 0) {
        for (int i = 0; i < n; i++) {
            change(c, o->order_id, lines[i].sku, lines[i].qty);
        }
    }
    if ((m.flags & MARK_LINES_RESERVED) != 0) {
        reserve(c, o, lines, n, -1, o->plat_update_s); /* a cancel is its last change */
    }
    m.flags &= ~(MARK_STOCK_DEDUCTED | MARK_LINES_RESERVED);
    mark_put(c, &m);
}

int64_t stock_share(int64_t avail, int shops, int index)
{
    assert(shops > 0);
    assert(index >= 0 && index < shops);
    if (avail <= 0) {
        return 0;
    }
    return avail / shops + (index < avail % shops ? 1 : 0);
}

int64_t stock_expected_listing(const struct listing_row *lr)
{
    assert(lr->set_value >= 0);
    return lr->set_value - (lr->reserved - lr->set_reserved);
}
