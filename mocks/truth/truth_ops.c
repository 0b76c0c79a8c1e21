/* Ground-truth changes: the order lifecycles of API.md 5.1/5.2 and the stock they move. Every
 * change stamps a new update time, appends the order to the journal and tells the listener. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/hash.h"
#include "truth/truth_internal.h"

#define ORDER_ID_ATTEMPTS_MAX 16
#define SHOPEE_TZ_OFFSET_S (8 * 3600) /* order_sn dates are local (UTC+8) */

static int valid_token(const char *s, size_t max_len)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
        if (!ok || n + 1 >= max_len)
            return 0;
    }
    return n > 0;
}

/* Shopee order_sn: YYMMDD + 8 upper-case alphanumerics; WeChat: 19 digits (> 2^53). */
static void make_order_id(const struct truth *t, const struct truth_order *o, int attempt,
                          char *buf, int len)
{
    char key[64];
    snprintf(key, sizeof(key), "%s|%lld", t->shop_names[o->shop], (long long)o->seq);
    if (o->flavor == FLAVOR_WECHAT) {
        int64_t v = draw_range(t->sc->seed, "order_id/wechat", key, (uint64_t)attempt,
                               3700000000000000000LL, 3799999999999999999LL);
        snprintf(buf, len, "%lld", (long long)v);
        return;
    }
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    time_t secs = (time_t)(o->create_ms / 1000 + SHOPEE_TZ_OFFSET_S);
    struct tm tm;
    gmtime_r(&secs, &tm);
    uint64_t x = draw_u64(t->sc->seed, "order_id/shopee", key, (uint64_t)attempt);
    char tail[9];
    for (int i = 0; i < 8; i++) {
        tail[i] = alnum[x % 36];
        x /= 36;
    }
    tail[8] = '\0';
    snprintf(buf, len, "%02d%02d%02d%s", tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday, tail);
}

static void add_hist(struct truth_order *o, enum truth_state s, int64_t ms)
{
    if (o->hist_count == TRUTH_HISTORY_MAX) /* keep the first entry: it anchors state_at */
        memmove(&o->hist[1], &o->hist[2], sizeof(o->hist[0]) * (TRUTH_HISTORY_MAX - 2));
    else
        o->hist_count++;
    o->hist[o->hist_count - 1] = (struct truth_hist){.ms = ms, .state = (uint8_t)s};
}

/* The one place a state changes. */
static void set_state(struct truth *t, struct truth_order *o, enum truth_state s)
{
    enum truth_state prev = o->state;
    assert(s >= 0 && s < TS_COUNT);
    o->state = (uint8_t)s;
    (void)truth_touch(t, o); /* a failed log append only hides the order from update lists */
    if (prev != s)
        add_hist(o, s, o->update_ms);
    truth_journal_order(t, o);
    if (t->cb != NULL)
        t->cb(t->cb_arg, o, prev);
}

static void listing_change(struct truth *t, int shop, int sku, int64_t listed)
{
    struct listing *li = truth_listing(t, shop, sku);
    if (li->listed == listed)
        return;
    li->hist[li->hist_pos] =
        (struct listing_change){.ms = simclock_now_ms(t->clock), .before = li->listed};
    li->hist_pos = (li->hist_pos + 1) % TRUTH_LISTING_HISTORY_MAX;
    if (li->hist_n < TRUTH_LISTING_HISTORY_MAX)
        li->hist_n++;
    li->listed = listed;
    truth_journal_listing(t, shop, sku);
}

static void release_stock(struct truth *t, struct truth_order *o)
{
    for (int k = 0; k < o->line_count; k++) {
        const struct truth_line *ln = &o->lines[k];
        listing_change(t, o->shop, ln->sku, truth_listed(t, o->shop, ln->sku) + ln->qty);
        if (o->pay_ms > 0)
            t->committed[ln->sku] -= ln->qty;
        assert(t->committed[ln->sku] >= 0);
    }
}

static enum truth_err check_lines(struct truth *t, int shop, const struct truth_line *lines,
                                  int line_count)
{
    if (line_count < 1 || line_count > SCENARIO_LINES_PER_ORDER_MAX)
        return TRUTH_BAD_INPUT;
    int64_t need[SCENARIO_LINES_PER_ORDER_MAX] = {0};
    for (int k = 0; k < line_count; k++) {
        if (lines[k].sku < 0 || lines[k].sku >= t->sc->sku_count || lines[k].qty < 1)
            return TRUTH_BAD_INPUT;
        /* two lines of one SKU draw on one listing: add them up before comparing */
        for (int j = 0; j <= k; j++)
            if (lines[j].sku == lines[k].sku) {
                need[j] += lines[k].qty;
                if (need[j] > truth_listed(t, shop, lines[k].sku))
                    return TRUTH_OUT_OF_STOCK;
                break;
            }
    }
    return TRUTH_OK;
}

static struct truth_order *append_order(struct truth *t)
{
    if (t->n >= TRUTH_ORDERS_MAX)
        return NULL;
    if (t->n == t->cap) {
        size_t cap = t->cap == 0 ? 1024 : t->cap * 2;
        struct truth_order *v = realloc(t->orders, cap * sizeof(*v));
        if (v == NULL)
            return NULL;
        t->orders = v;
        t->cap = cap;
    }
    struct truth_order *o = &t->orders[t->n++];
    memset(o, 0, sizeof(*o));
    return o;
}

/* A fresh id for o, or the existing order placed earlier with the same (shop, seq). */
static const struct truth_order *assign_id(struct truth *t, struct truth_order *o)
{
    for (int attempt = 0; attempt < ORDER_ID_ATTEMPTS_MAX; attempt++) {
        make_order_id(t, o, attempt, o->id, sizeof(o->id));
        const struct truth_order *old = truth_find(t, o->id);
        if (old == NULL)
            return NULL;
        if (old->shop == o->shop && old->seq == o->seq)
            return old;
    }
    assert(!"order id space exhausted"); /* 36^8 or 10^17 ids per shop and day */
    return NULL;
}

enum truth_err truth_place(struct truth *t, int shop, int64_t seq, const char *buyer,
                           const struct truth_line *lines, int line_count,
                           const struct truth_order **out, int *existed)
{
    assert(t != NULL);
    *existed = 0;
    if (shop < 0 || shop >= t->shop_count || seq < 0 || buyer == NULL ||
        !valid_token(buyer, TRUTH_BUYER_BYTES_MAX))
        return TRUTH_BAD_INPUT;
    struct truth_order probe = {.shop = (int16_t)shop,
                                .seq = seq,
                                .flavor = t->shop_flavors[shop],
                                .create_ms = simclock_now_ms(t->clock)};
    const struct truth_order *old = assign_id(t, &probe);
    if (old != NULL) {
        *existed = 1;
        *out = old;
        return TRUTH_OK;
    }
    enum truth_err e = check_lines(t, shop, lines, line_count);
    if (e != TRUTH_OK)
        return e;
    struct truth_order *o = append_order(t);
    if (o == NULL)
        return TRUTH_FULL;
    *o = probe;
    snprintf(o->buyer, sizeof(o->buyer), "%s", buyer);
    snprintf(o->package, sizeof(o->package), "OFG%015llu",
             (unsigned long long)(hash_str(o->id) % 1000000000000000ULL));
    o->line_count = (uint8_t)line_count;
    memcpy(o->lines, lines, sizeof(lines[0]) * (size_t)line_count);
    if (truth_index_order(t, (uint32_t)(o - t->orders)) != 0)
        return TRUTH_FULL;
    for (int k = 0; k < line_count; k++)
        listing_change(t, shop, lines[k].sku, truth_listed(t, shop, lines[k].sku) - lines[k].qty);
    o->state = TS_UNPAID;
    add_hist(o, TS_UNPAID, o->create_ms);
    set_state(t, o, TS_UNPAID);
    *out = o;
    return TRUTH_OK;
}

static struct truth_order *find_rw(struct truth *t, const char *order_id)
{
    return (struct truth_order *)truth_find(t, order_id);
}

enum truth_err truth_pay(struct truth *t, const char *order_id)
{
    assert(t != NULL);
    struct truth_order *o = find_rw(t, order_id);
    if (o == NULL)
        return TRUTH_NOT_FOUND;
    if (o->state != TS_UNPAID)
        return TRUTH_BAD_STATE;
    o->pay_ms = simclock_now_ms(t->clock);
    for (int k = 0; k < o->line_count; k++)
        t->committed[o->lines[k].sku] += o->lines[k].qty;
    set_state(t, o, TS_PAID);
    return TRUTH_OK;
}

static void cancel_now(struct truth *t, struct truth_order *o)
{
    o->cancel_ms = simclock_now_ms(t->clock);
    release_stock(t, o);
    set_state(t, o, TS_CANCELLED);
}

enum truth_err truth_cancel(struct truth *t, const char *order_id)
{
    assert(t != NULL);
    struct truth_order *o = find_rw(t, order_id);
    if (o == NULL)
        return TRUTH_NOT_FOUND;
    if (o->state == TS_UNPAID || (o->state == TS_PAID && o->flavor == FLAVOR_WECHAT)) {
        cancel_now(t, o);
        return TRUTH_OK;
    }
    if (o->state == TS_PAID) {
        set_state(t, o, TS_IN_CANCEL);
        return truth_watch(t, (uint32_t)(o - t->orders)) == 0 ? TRUTH_OK : TRUTH_FULL;
    }
    return o->state == TS_IN_CANCEL || o->state == TS_CANCELLED ? TRUTH_BAD_STATE : TRUTH_SHIPPED;
}

static int valid_waybill(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= WAYBILL_BYTES_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == '\\')
            return 0;
    return 1;
}

/* --- carrier news that came before the order was shipped ---------------------------------- */

static struct early_parcel *early_slot(struct truth *t, const char *waybill, int create)
{
    uint64_t h = hash_str(waybill);
    for (int probe = 0; probe < 64; probe++) {
        struct early_parcel *e = &t->early[(h + (uint64_t)probe) & (TRUTH_EARLY_PARCELS_MAX - 1)];
        if (e->rank != 0 && strcmp(e->waybill, waybill) == 0)
            return e;
        if (e->rank == 0 && create) {
            snprintf(e->waybill, sizeof(e->waybill), "%s", waybill);
            return e;
        }
    }
    return NULL;
}

static void early_note(struct truth *t, const char *waybill, int rank)
{
    assert(rank >= EARLY_PICKED && rank <= EARLY_RETURNED);
    if (!valid_waybill(waybill))
        return;
    struct early_parcel *e = early_slot(t, waybill, 1);
    if (e == NULL) {
        t->early_dropped++;
        return;
    }
    if (rank > e->rank)
        e->rank = (uint8_t)rank;
}

/* The order just bound waybill: replay what the carrier already said about that parcel. */
static void early_apply(struct truth *t, const char *waybill, const char *carrier)
{
    struct early_parcel *e = early_slot(t, waybill, 0);
    if (e == NULL)
        return;
    int rank = e->rank;
    /* deletion in open addressing: the table is only a cache of news, so a lost later probe
     * costs one missed early event at worst; clear the slot */
    e->rank = 0;
    e->waybill[0] = '\0';
    truth_parcel(t, waybill, carrier, "collected");
    if (rank == EARLY_SIGNED)
        truth_parcel(t, waybill, carrier, "signed");
    else if (rank == EARLY_RETURNED)
        truth_parcel(t, waybill, carrier, "returned");
}

enum truth_err truth_ship(struct truth *t, const char *order_id, const char *waybill,
                          const char *carrier)
{
    assert(t != NULL);
    struct truth_order *o = find_rw(t, order_id);
    if (o == NULL)
        return TRUTH_NOT_FOUND;
    if (waybill == NULL || !valid_waybill(waybill) ||
        (carrier != NULL && carrier[0] != '\0' && !valid_token(carrier, CARRIER_CODE_BYTES_MAX)))
        return TRUTH_BAD_INPUT;
    o->ship_calls++;
    enum truth_err e = TRUTH_OK;
    const struct truth_order *holder = truth_find_waybill(t, waybill);
    if (o->state == TS_SHIPPED || o->state == TS_IN_TRANSIT || o->state == TS_DELIVERED ||
        o->state == TS_COMPLETED || o->state == TS_RETURNED)
        e = TRUTH_SHIPPED;
    else if (o->state != TS_PAID)
        e = TRUTH_BAD_STATE;
    else if (holder != NULL && holder != o)
        e = TRUTH_WAYBILL_USED;
    if (e != TRUTH_OK) {
        o->ship_rejected++;
        truth_journal_order(t, o);
        return e;
    }
    snprintf(o->waybill, sizeof(o->waybill), "%s", waybill);
    snprintf(o->carrier, sizeof(o->carrier), "%s", carrier != NULL ? carrier : "");
    o->ship_ms = simclock_now_ms(t->clock);
    if (truth_index_waybill(t, (uint32_t)(o - t->orders)) != 0)
        return TRUTH_FULL;
    set_state(t, o, TS_SHIPPED);
    if (o->pay_ms > 0)
        hdr_record(t->ship_latency, o->ship_ms - o->pay_ms);
    early_apply(t, waybill, o->carrier);
    return TRUTH_OK;
}

enum truth_err truth_reship(struct truth *t, const char *order_id, const char *waybill,
                            const char *carrier)
{
    assert(t != NULL);
    struct truth_order *o = find_rw(t, order_id);
    if (o == NULL)
        return TRUTH_NOT_FOUND;
    if (waybill == NULL || !valid_waybill(waybill) ||
        (carrier != NULL && carrier[0] != '\0' && !valid_token(carrier, CARRIER_CODE_BYTES_MAX)))
        return TRUTH_BAD_INPUT;
    o->ship_calls++;
    const struct truth_order *holder = truth_find_waybill(t, waybill);
    enum truth_err e = TRUTH_OK;
    int shipped = o->state == TS_SHIPPED || o->state == TS_IN_TRANSIT || o->state == TS_DELIVERED ||
                  o->state == TS_COMPLETED || o->state == TS_RETURNED;
    if (shipped && strcmp(o->waybill, waybill) == 0)
        e = TRUTH_SHIPPED;
    else if (shipped && (o->state != TS_SHIPPED || o->pickup_ms != 0))
        e = TRUTH_PICKED_UP;
    else if (o->state != TS_SHIPPED)
        e = TRUTH_BAD_STATE;
    else if (holder != NULL && holder != o)
        e = TRUTH_WAYBILL_USED;
    if (e != TRUTH_OK) {
        o->ship_rejected += e != TRUTH_SHIPPED;
        truth_journal_order(t, o);
        return e;
    }
    uint32_t idx = (uint32_t)(o - t->orders);
    truth_unindex_waybill(t, idx);
    snprintf(o->waybill, sizeof(o->waybill), "%s", waybill);
    snprintf(o->carrier, sizeof(o->carrier), "%s", carrier != NULL ? carrier : "");
    if (truth_index_waybill(t, idx) != 0)
        return TRUTH_FULL;
    set_state(t, o, TS_SHIPPED); /* same state: new update time, journal, a deliver event */
    early_apply(t, waybill, o->carrier);
    return TRUTH_OK;
}

static void parcel_pickup(struct truth *t, struct truth_order *o)
{
    if (o->pickup_ms == 0)
        o->pickup_ms = simclock_now_ms(t->clock);
    if (o->state == TS_SHIPPED)
        set_state(t, o, TS_IN_TRANSIT);
}

enum truth_err truth_parcel(struct truth *t, const char *waybill, const char *carrier,
                            const char *state)
{
    assert(t != NULL);
    assert(state != NULL);
    struct truth_order *o = (struct truth_order *)truth_find_waybill(t, waybill);
    if (o == NULL) {
        int rank = strcmp(state, "signed") == 0     ? EARLY_SIGNED
                   : strcmp(state, "returned") == 0 ? EARLY_RETURNED
                   : strcmp(state, "collected") == 0 || strcmp(state, "in_transit") == 0 ||
                           strcmp(state, "out_for_delivery") == 0
                       ? EARLY_PICKED
                       : 0;
        if (rank == 0)
            return TRUTH_NOT_FOUND;
        early_note(t, waybill, rank); /* applied if an order ships with it later */
        return TRUTH_OK;
    }
    if (o->carrier[0] == '\0' && carrier != NULL && valid_token(carrier, CARRIER_CODE_BYTES_MAX))
        snprintf(o->carrier, sizeof(o->carrier), "%s", carrier);
    int moving = o->state == TS_SHIPPED || o->state == TS_IN_TRANSIT;
    if (strcmp(state, "collected") == 0 || strcmp(state, "in_transit") == 0 ||
        strcmp(state, "out_for_delivery") == 0) {
        if (moving)
            parcel_pickup(t, o);
    } else if (strcmp(state, "signed") == 0) {
        if (!moving)
            return TRUTH_OK;
        parcel_pickup(t, o);
        o->deliver_ms = simclock_now_ms(t->clock);
        /* WeChat has no "delivered, unconfirmed" status: 30 goes straight to 100 */
        set_state(t, o, o->flavor == FLAVOR_WECHAT ? TS_COMPLETED : TS_DELIVERED);
        if (o->state == TS_DELIVERED && truth_watch(t, (uint32_t)(o - t->orders)) != 0)
            return TRUTH_FULL;
    } else if (strcmp(state, "returned") == 0) {
        if (moving || o->state == TS_DELIVERED)
            set_state(t, o, TS_RETURNED);
    } else if (strcmp(state, "problem") != 0 && strcmp(state, "refused") != 0 &&
               strcmp(state, "returning") != 0) {
        return TRUTH_BAD_INPUT;
    }
    return TRUTH_OK;
}

int truth_tick(struct truth *t)
{
    assert(t != NULL);
    int64_t now = simclock_now_ms(t->clock);
    int changes = 0;
    for (size_t i = 0; i < t->watch_n;) {
        struct truth_order *o = &t->orders[t->watch[i]];
        int64_t since = o->hist[o->hist_count - 1].ms;
        int done = 1;
        if (o->state == TS_IN_CANCEL && now - since >= TRUTH_IN_CANCEL_S * 1000LL)
            cancel_now(t, o);
        else if (o->state == TS_DELIVERED && now - since >= TRUTH_AUTO_COMPLETE_S * 1000LL)
            set_state(t, o, TS_COMPLETED);
        else
            done = o->state != TS_IN_CANCEL && o->state != TS_DELIVERED;
        if (done) {
            changes++;
            t->watch[i] = t->watch[--t->watch_n]; /* order of the watch list does not matter */
        } else {
            i++;
        }
    }
    return changes;
}

enum truth_err truth_set_listed(struct truth *t, int shop, int sku, int64_t listed)
{
    assert(t != NULL);
    if (shop < 0 || shop >= t->shop_count || sku < 0 || sku >= t->sc->sku_count || listed < 0)
        return TRUTH_BAD_INPUT;
    listing_change(t, shop, sku, listed);
    return TRUTH_OK;
}

void truth_reset(struct truth *t)
{
    assert(t != NULL);
    t->n = 0;
    t->watch_n = 0;
    (void)truth_rebuild_indexes(t); /* nothing to index: cannot fail */
    for (int s = 0; s < t->shop_count; s++)
        for (int k = 0; k < t->sc->sku_count; k++) {
            struct listing *li = truth_listing(t, s, k);
            memset(li, 0, sizeof(*li));
            li->listed = t->sc->catalog[k].stock;
        }
    if (t->journal != NULL && ftruncate(fileno(t->journal), 0) != 0)
        fprintf(stderr, "truth: cannot truncate the journal\n");
}
