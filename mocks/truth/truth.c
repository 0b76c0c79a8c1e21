/* The platform ground truth: see truth.h. Indexes: an open-addressing table from order id and
 * one from waybill to the order's slot; per shop an append-only create log and an update log
 * (one entry per change, stale entries skipped and compacted), both ordered by a global serial
 * whose times never decrease, so a list page is a binary search plus a short scan. */
#include "truth/truth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hash.h"
#include "truth/truth_internal.h"

#define TRUTH_MAGIC 0x74727468U
#define TRUTH_SLOTS_MIN 1024

static const char *const state_names[TS_COUNT] = {"unpaid",     "paid",      "shipped",
                                                  "in_transit", "delivered", "completed",
                                                  "in_cancel",  "cancelled", "returned"};
static const char *const shopee_raw[TS_COUNT] = {"UNPAID",    "READY_TO_SHIP",      "PROCESSED",
                                                 "SHIPPED",   "TO_CONFIRM_RECEIVE", "COMPLETED",
                                                 "IN_CANCEL", "CANCELLED",          "TO_RETURN"};
static const char *const wechat_raw[TS_COUNT] = {"10",  "20", "30",  "30", "30",
                                                 "100", "20", "250", "200"};
static const int wechat_num[TS_COUNT] = {10, 20, 30, 30, 30, 100, 20, 250, 200};

const char *truth_state_name(enum truth_state s)
{
    assert(s >= 0 && s < TS_COUNT);
    return state_names[s];
}

const char *truth_raw_status(enum platform_flavor f, enum truth_state s)
{
    assert(s >= 0 && s < TS_COUNT);
    return f == FLAVOR_SHOPEE ? shopee_raw[s] : wechat_raw[s];
}

int truth_wechat_status(enum truth_state s)
{
    assert(s >= 0 && s < TS_COUNT);
    return wechat_num[s];
}

int truth_shopee_status_parse(const char *raw)
{
    for (int s = 0; s < TS_COUNT; s++)
        if (strcmp(raw, shopee_raw[s]) == 0)
            return s;
    return -1;
}

int truth_state_parse(const char *name)
{
    for (int s = 0; s < TS_COUNT; s++)
        if (strcmp(name, state_names[s]) == 0)
            return s;
    return -1;
}

/* ---- hash tables: slot value = order index + 1, 0 = empty ---------------------------------- */

static int slots_init(struct slot_table *st)
{
    st->cap = TRUTH_SLOTS_MIN;
    st->used = 0;
    st->v = calloc(st->cap, sizeof(*st->v));
    return st->v == NULL ? -1 : 0;
}

static const char *slot_key(const struct truth *t, const struct slot_table *st, uint32_t idx)
{
    return st == &t->by_id ? t->orders[idx].id : t->orders[idx].waybill;
}

static size_t slot_find(const struct truth *t, const struct slot_table *st, const char *key)
{
    size_t j = hash_str(key) & (st->cap - 1);
    for (size_t n = 0; n < st->cap; n++) {
        uint32_t v = st->v[j];
        if (v == 0 || strcmp(slot_key(t, st, v - 1), key) == 0)
            return j;
        j = (j + 1) & (st->cap - 1);
    }
    assert(!"slot table full"); /* load factor stays below 0.7 */
    return 0;
}

static int slots_grow(struct truth *t, struct slot_table *st)
{
    struct slot_table old = *st;
    st->cap = old.cap * 2;
    st->v = calloc(st->cap, sizeof(*st->v));
    if (st->v == NULL) {
        *st = old;
        return -1;
    }
    for (size_t i = 0; i < old.cap; i++)
        if (old.v[i] != 0)
            st->v[slot_find(t, st, slot_key(t, st, old.v[i] - 1))] = old.v[i];
    free(old.v);
    return 0;
}

static int slots_put(struct truth *t, struct slot_table *st, uint32_t idx)
{
    if ((st->used + 1) * 10 > st->cap * 7 && slots_grow(t, st) != 0)
        return -1;
    size_t j = slot_find(t, st, slot_key(t, st, idx));
    if (st->v[j] == 0)
        st->used++;
    st->v[j] = idx + 1;
    return 0;
}

static struct truth_order *find_mut(const struct truth *t, const struct slot_table *st,
                                    const char *key)
{
    if (key == NULL || key[0] == '\0')
        return NULL;
    uint32_t v = st->v[slot_find(t, st, key)];
    return v == 0 ? NULL : &t->orders[v - 1];
}

const struct truth_order *truth_find(const struct truth *t, const char *order_id)
{
    assert(t != NULL);
    return find_mut(t, &t->by_id, order_id);
}

const struct hdr *truth_ship_latency(const struct truth *t)
{
    assert(t != NULL);
    return t->ship_latency;
}

const struct truth_order *truth_find_waybill(const struct truth *t, const char *waybill)
{
    assert(t != NULL);
    return find_mut(t, &t->by_waybill, waybill);
}

/* ---- time logs ------------------------------------------------------------------------------ */

/* Append without the order check (rebuilds sort afterwards). */
static int tlog_append(struct tlog *l, int64_t ms, uint64_t serial, uint32_t idx)
{
    if (l->n == l->cap) {
        size_t cap = l->cap == 0 ? 256 : l->cap * 2;
        struct tlog_entry *v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (struct tlog_entry){.ms = ms, .serial = serial, .idx = idx};
    return 0;
}

static int tlog_push(struct tlog *l, int64_t ms, uint64_t serial, uint32_t idx)
{
    assert(l->n == 0 || l->v[l->n - 1].serial < serial);
    assert(l->n == 0 || l->v[l->n - 1].ms <= ms);
    return tlog_append(l, ms, serial, idx);
}

/* Times in a log never decrease: a change stamped earlier than the log's last entry (clock
 * noise across a restart) is stamped with that entry's time instead. */
static int64_t tlog_clamp(const struct tlog *l, int64_t ms)
{
    if (l->n > 0 && l->v[l->n - 1].ms > ms)
        return l->v[l->n - 1].ms;
    return ms;
}

static void tlog_compact(struct truth *t, struct tlog *l)
{
    size_t w = 0;
    for (size_t r = 0; r < l->n; r++)
        if (t->orders[l->v[r].idx].update_serial == l->v[r].serial)
            l->v[w++] = l->v[r];
    l->n = w;
    l->stale = 0;
}

/* First entry with ms >= from and serial > after. */
static size_t tlog_start(const struct tlog *l, int64_t from_ms, uint64_t after)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->v[mid].ms < from_ms || l->v[mid].serial <= after)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- construction -------------------------------------------------------------------------- */

static void listings_init(struct truth *t)
{
    for (int s = 0; s < t->shop_count; s++)
        for (int k = 0; k < t->sc->sku_count; k++) {
            struct listing *li = &t->listings[s * t->sc->sku_count + k];
            memset(li, 0, sizeof(*li));
            li->listed = t->sc->catalog[k].stock;
        }
    memset(t->committed, 0,
           sizeof(int64_t) * (size_t)(t->sc->sku_count > 0 ? t->sc->sku_count : 1));
}

struct truth *truth_new(const struct scenario *sc, const struct simclock *clock)
{
    assert(sc != NULL);
    assert(clock != NULL);
    struct truth *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->magic = TRUTH_MAGIC;
    t->sc = sc;
    t->clock = clock;
    t->shop_count = sc->shop_count;
    for (int i = 0; i < sc->shop_count && i < SCENARIO_SHOPS_MAX; i++) {
        struct shop_instance si;
        if (scenario_shop(sc, i, &si) != 0)
            goto fail;
        snprintf(t->shop_names[i], sizeof(t->shop_names[i]), "%s", si.name);
        t->shop_flavors[i] = si.flavor;
    }
    size_t nl = (size_t)(sc->shop_count > 0 ? sc->shop_count : 1) *
                (size_t)(sc->sku_count > 0 ? sc->sku_count : 1);
    t->listings = calloc(nl, sizeof(*t->listings));
    t->committed = calloc((size_t)(sc->sku_count > 0 ? sc->sku_count : 1), sizeof(int64_t));
    t->early = calloc(TRUTH_EARLY_PARCELS_MAX, sizeof(*t->early));
    t->ship_latency = hdr_new();
    if (t->listings == NULL || t->committed == NULL)
        goto fail;
    if (slots_init(&t->by_id) != 0 || slots_init(&t->by_waybill) != 0)
        goto fail;
    listings_init(t);
    return t;
fail:
    truth_free(t);
    return NULL;
}

static void logs_free(struct truth *t)
{
    for (int s = 0; s < SCENARIO_SHOPS_MAX; s++) {
        free(t->by_create[s].v);
        free(t->by_update[s].v);
        memset(&t->by_create[s], 0, sizeof(t->by_create[s]));
        memset(&t->by_update[s], 0, sizeof(t->by_update[s]));
    }
}

void truth_free(struct truth *t)
{
    if (t == NULL)
        return;
    assert(t->magic == TRUTH_MAGIC);
    if (t->journal != NULL)
        fclose(t->journal);
    logs_free(t);
    free(t->orders);
    free(t->by_id.v);
    free(t->by_waybill.v);
    free(t->listings);
    free(t->committed);
    free(t->early);
    hdr_free(t->ship_latency);
    free(t->watch);
    t->magic = 0;
    free(t);
}

void truth_set_listener(struct truth *t, truth_change_cb cb, void *arg)
{
    assert(t != NULL);
    t->cb = cb;
    t->cb_arg = arg;
}

size_t truth_order_count(const struct truth *t)
{
    assert(t != NULL);
    return t->n;
}

const struct truth_order *truth_order_at(const struct truth *t, size_t i)
{
    assert(t != NULL);
    assert(i < t->n);
    return &t->orders[i];
}

int truth_sku_index(const struct truth *t, const char *sku)
{
    assert(t != NULL);
    for (int k = 0; k < t->sc->sku_count; k++)
        if (strcmp(t->sc->catalog[k].sku, sku) == 0)
            return k;
    return -1;
}

int truth_state_at(const struct truth_order *o, int64_t ms)
{
    assert(o != NULL);
    assert(o->hist_count > 0);
    int s = -1;
    for (int i = 0; i < o->hist_count; i++) {
        if (o->hist[i].ms > ms)
            break;
        s = o->hist[i].state;
    }
    return s;
}

/* ---- index maintenance ---------------------------------------------------------------------- */

int truth_index_order(struct truth *t, uint32_t idx)
{
    assert(idx < t->n);
    struct truth_order *o = &t->orders[idx];
    assert(o->shop >= 0 && o->shop < t->shop_count);
    if (slots_put(t, &t->by_id, idx) != 0)
        return -1;
    if (t->replaying)
        return 0; /* logs are rebuilt once the whole journal is read */
    struct tlog *l = &t->by_create[o->shop];
    o->create_ms = tlog_clamp(l, o->create_ms);
    return tlog_push(l, o->create_ms, ++t->serial, idx);
}

int truth_index_waybill(struct truth *t, uint32_t idx)
{
    assert(idx < t->n);
    assert(t->orders[idx].waybill[0] != '\0');
    return slots_put(t, &t->by_waybill, idx);
}

/* Linear probing: after emptying a slot, later entries of the run move back into the gap when
 * their home slot does not lie between the gap and them (Knuth's algorithm R), so every lookup
 * still finds its key without tombstones. */
void truth_unindex_waybill(struct truth *t, uint32_t idx)
{
    assert(idx < t->n);
    struct slot_table *st = &t->by_waybill;
    size_t gap = slot_find(t, st, t->orders[idx].waybill);
    if (st->v[gap] != idx + 1)
        return; /* not indexed under its current number */
    st->v[gap] = 0;
    st->used--;
    size_t j = gap;
    for (size_t n = 0; n < st->cap; n++) {
        j = (j + 1) & (st->cap - 1);
        uint32_t v = st->v[j];
        if (v == 0)
            return;
        size_t home = hash_str(slot_key(t, st, v - 1)) & (st->cap - 1);
        int stays = gap <= j ? (gap < home && home <= j) : (gap < home || home <= j);
        if (!stays) {
            st->v[gap] = v;
            st->v[j] = 0;
            gap = j;
        }
    }
    assert(!"slot table without an empty slot");
}

int truth_touch(struct truth *t, struct truth_order *o)
{
    assert(o >= t->orders && o < t->orders + t->n);
    struct tlog *l = &t->by_update[o->shop];
    int64_t now = simclock_now_ms(t->clock);
    if (o->update_serial != 0)
        l->stale++;
    o->update_ms = tlog_clamp(l, now > o->update_ms ? now : o->update_ms);
    o->update_serial = ++t->serial;
    if (tlog_push(l, o->update_ms, o->update_serial, (uint32_t)(o - t->orders)) != 0)
        return -1;
    if (l->stale > 1024 && l->stale * 2 > l->n)
        tlog_compact(t, l);
    return 0;
}

static int cmp_serial(const void *a, const void *b)
{
    const struct tlog_entry *x = a, *y = b;
    return x->serial < y->serial ? -1 : x->serial > y->serial;
}

static int cmp_create(const void *a, const void *b)
{
    const struct tlog_entry *x = a, *y = b;
    if (x->ms != y->ms)
        return x->ms < y->ms ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Rebuild every index from the order array (after a replay): create logs by create time, update
 * logs by the journalled serials, waybills, committed stock and the watch list. */
int truth_rebuild_indexes(struct truth *t)
{
    logs_free(t);
    memset(t->by_id.v, 0, t->by_id.cap * sizeof(*t->by_id.v));
    memset(t->by_waybill.v, 0, t->by_waybill.cap * sizeof(*t->by_waybill.v));
    memset(t->early, 0, TRUTH_EARLY_PARCELS_MAX * sizeof(*t->early));
    hdr_reset(t->ship_latency);
    t->by_id.used = t->by_waybill.used = 0;
    t->watch_n = 0;
    memset(t->committed, 0,
           sizeof(int64_t) * (size_t)(t->sc->sku_count > 0 ? t->sc->sku_count : 1));
    uint64_t serial_max = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        struct truth_order *o = &t->orders[i];
        if (o->ship_ms > 0 && o->pay_ms > 0)
            hdr_record(t->ship_latency, o->ship_ms - o->pay_ms);
        if (slots_put(t, &t->by_id, i) != 0 || (o->waybill[0] && truth_index_waybill(t, i) != 0))
            return -1;
        if (tlog_append(&t->by_create[o->shop], o->create_ms, i + 1, i) != 0 ||
            tlog_append(&t->by_update[o->shop], o->update_ms, o->update_serial, i) != 0)
            return -1;
        if (o->update_serial > serial_max)
            serial_max = o->update_serial;
        if (o->pay_ms > 0 && o->state != TS_CANCELLED)
            for (int k = 0; k < o->line_count; k++)
                t->committed[o->lines[k].sku] += o->lines[k].qty;
        if (o->state == TS_IN_CANCEL || o->state == TS_DELIVERED)
            truth_watch(t, i);
    }
    t->serial = serial_max + t->n + 1;
    for (int s = 0; s < t->shop_count; s++) {
        struct tlog *c = &t->by_create[s];
        qsort(c->v, c->n, sizeof(*c->v), cmp_create);
        for (size_t j = 0; j < c->n; j++) /* create serials after every journalled one */
            c->v[j].serial = serial_max + 1 + j;
        qsort(t->by_update[s].v, t->by_update[s].n, sizeof(struct tlog_entry), cmp_serial);
    }
    return 0;
}

struct listing *truth_listing(const struct truth *t, int shop, int sku)
{
    assert(shop >= 0 && shop < t->shop_count);
    assert(sku >= 0 && sku < t->sc->sku_count);
    return &t->listings[shop * t->sc->sku_count + sku];
}

int truth_watch(struct truth *t, uint32_t idx)
{
    if (t->watch_n == t->watch_cap) {
        size_t cap = t->watch_cap == 0 ? 256 : t->watch_cap * 2;
        uint32_t *w = realloc(t->watch, cap * sizeof(*w));
        if (w == NULL)
            return -1;
        t->watch = w;
        t->watch_cap = cap;
    }
    t->watch[t->watch_n++] = idx;
    return 0;
}

/* ---- queries --------------------------------------------------------------------------------- */

static int list_match(const struct truth *t, const struct tlog_entry *e, int by_update,
                      uint32_t state_mask)
{
    const struct truth_order *o = &t->orders[e->idx];
    if (by_update && o->update_serial != e->serial)
        return 0; /* superseded by a later change: the order is listed at its latest entry */
    return state_mask == 0 || ((state_mask >> o->state) & 1u);
}

int truth_list(const struct truth *t, int shop, int by_update, int64_t from_ms, int64_t to_ms,
               uint32_t state_mask, uint64_t cursor, const struct truth_order **out, int max,
               uint64_t *next, int *more)
{
    assert(t != NULL);
    assert(max > 0);
    assert(shop >= 0 && shop < t->shop_count);
    const struct tlog *l = by_update ? &t->by_update[shop] : &t->by_create[shop];
    int n = 0, scanned = 0;
    *more = 0;
    *next = cursor;
    for (size_t i = tlog_start(l, from_ms, cursor); i < l->n && l->v[i].ms <= to_ms; i++) {
        if (!list_match(t, &l->v[i], by_update, state_mask)) {
            if (++scanned > TRUTH_LIST_SCAN_MAX) {
                *more = 1; /* a long run of filtered entries: the next page goes on from here */
                return n;
            }
            *next = l->v[i].serial;
            continue;
        }
        if (n == max) {
            *more = 1;
            return n;
        }
        out[n++] = &t->orders[l->v[i].idx];
        *next = l->v[i].serial;
    }
    return n;
}

int64_t truth_listed(const struct truth *t, int shop, int sku)
{
    assert(t != NULL);
    return truth_listing(t, shop, sku)->listed;
}

int64_t truth_listed_at(const struct truth *t, int shop, int sku, int64_t ms)
{
    assert(t != NULL);
    const struct listing *li = truth_listing(t, shop, sku);
    int64_t v = li->listed;
    /* walk back from the newest change: every change after ms is undone */
    for (int k = 0; k < li->hist_n; k++) {
        int slot = (li->hist_pos - 1 - k + TRUTH_LISTING_HISTORY_MAX) % TRUTH_LISTING_HISTORY_MAX;
        if (li->hist[slot].ms <= ms)
            break;
        v = li->hist[slot].before;
    }
    return v;
}

int64_t truth_committed(const struct truth *t, int sku)
{
    assert(t != NULL);
    assert(sku >= 0 && sku < t->sc->sku_count);
    return t->committed[sku];
}

void truth_counts(const struct truth *t, struct truth_counts *out)
{
    assert(t != NULL);
    memset(out, 0, sizeof(*out));
    out->placed = t->n;
    for (size_t i = 0; i < t->n; i++) {
        const struct truth_order *o = &t->orders[i];
        out->by_state[o->state]++;
        out->paid += o->pay_ms > 0;
        out->cancelled += o->state == TS_CANCELLED;
        out->shipped += o->ship_ms > 0;
        out->delivered += o->deliver_ms > 0;
    }
}
