/* Order ingest and the state machine's side effects. */
#include "core/ingest.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "core/lost.h"
#include "core/metrics.h"
#include "core/outbox.h"
#include "core/stock.h"
#include "core/tracking.h"

struct detail_batch {
    int n;
    int64_t asked_ms;
    struct job_row jobs[PLAT_DETAIL_BATCH_MAX];
};

void ingest_save(struct core *c, const struct order_row *o)
{
    if (store_order_put(c->store, o) != 0) {
        core_fatal_store(c, "order");
    }
}

int ingest_move(struct core *c, struct order_row *o, enum order_state to)
{
    if (!order_transition_ok(o->state, to)) {
        return 0;
    }
    int64_t now = core_now_ms(c);
    int64_t *stamp = NULL;
    switch (to) {
    case OS_PAID: stamp = &o->pay_ms; break;
    case OS_WAYBILLED: stamp = &o->waybill_ms; break;
    case OS_SHIPPED: stamp = &o->ship_ms; break;
    case OS_IN_TRANSIT: stamp = &o->pickup_ms; break;
    case OS_DELIVERED: stamp = &o->deliver_ms; break;
    default: break;
    }
    if (stamp != NULL && *stamp == 0) {
        *stamp = now;
    }
    o->state = to;
    ingest_save(c, o);
    if (store_history_add(c->store, o->order_id, to, now) != 0) {
        core_fatal_store(c, "history");
    }
    if (to == OS_SHIPPED && o->waybill[0] != '\0') {
        tracking_start(c, o->order_id, o->carrier, o->waybill);
    }
    return 1;
}

void ingest_waybill_ref(const struct order_row *o, char *out, int out_len)
{
    if (o->wb_gen == 0) {
        snprintf(out, (size_t)out_len, "%s", o->order_id);
    } else {
        snprintf(out, (size_t)out_len, "%s-R%d", o->order_id, o->wb_gen);
    }
}

/* A push or list entry about a known order needs no fresh read when it only reports progress
 * the core already has or drives itself: payment is confirmed once (the read before shipping),
 * and shipped / picked up / delivered follow from our own ship call and the carrier's tracking
 * (returns too: tracking.c). Cancels, returns and a withdrawn cancel request are always read.
 * Without this every status change the carrier causes came back through the update-time list
 * as a read: ~7.7 reads per order at 15 orders/s (BENCH.md). */
static int hint_needs_no_read(struct core *c, int shop, const struct order_row *o,
                              const char *status_hint)
{
    if (o->plat_rank > (int)PR_DELIVERED || o->hold_reason[0] != '\0') {
        return 0; /* cancel or return in progress, or held: let a read decide */
    }
    if (c->cfg->shops[shop].flavor == FLAVOR_SHOPEE) {
        enum plat_rank r = status_hint != NULL ? order_rank_shopee(status_hint) : PR_UNKNOWN;
        if (r < PR_UNPAID || r > PR_DELIVERED) {
            return 0;
        }
        return (int)r <= o->plat_rank || (o->state >= OS_PAID && o->state <= OS_DELIVERED);
    }
    /* WeChat pushes and list entries carry no status: past shipping nothing can cancel. */
    return o->state >= OS_SHIPPED && o->state <= OS_DELIVERED;
}

static int hinted_rank(struct core *c, const char *order_id, struct order_mark *m)
{
    if (store_mark_get(c->store, order_id, m) < 0) {
        core_fatal_store(c, "mark read");
    }
    return (m->flags & MARK_HINT_MASK) >> MARK_HINT_SHIFT;
}

/* Remember the status a Shopee push or list entry reported ahead of what we read, so that the
 * read it triggers can be told stale when it answers less (stale_cache: "paid shown unpaid"). */
static void note_hint(struct core *c, int shop, const struct order_row *o, const char *status_hint)
{
    if (c->cfg->shops[shop].flavor != FLAVOR_SHOPEE || status_hint == NULL) {
        return;
    }
    enum plat_rank r = order_rank_shopee(status_hint);
    struct order_mark m;
    if (r == PR_UNKNOWN || (int)r <= o->plat_rank || (int)r <= hinted_rank(c, o->order_id, &m)) {
        return;
    }
    static_assert(PR_RETURNED < 16, "a rank fits the mark's 4 hint bits");
    m.flags = (m.flags & ~MARK_HINT_MASK) | ((int)r << MARK_HINT_SHIFT);
    if (store_mark_put(c->store, &m) != 0) {
        core_fatal_store(c, "mark");
    }
}

void ingest_seen(struct core *c, int shop, const char *order_id, const char *status_hint,
                 enum ingest_source src)
{
    struct order_row o;
    const char *shop_name = c->cfg->shops[shop].name;
    int found = store_order_get(c->store, order_id, &o);
    if (found < 0) {
        core_fatal_store(c, "order read");
    }
    if (found == 0) {
        memset(&o, 0, sizeof(o));
        snprintf(o.order_id, sizeof(o.order_id), "%s", order_id);
        snprintf(o.shop, sizeof(o.shop), "%s", shop_name);
        snprintf(o.lines, sizeof(o.lines), "[]");
        o.state = OS_NEW;
        o.seen_ms = core_now_ms(c);
        ingest_save(c, &o);
        if (store_history_add(c->store, order_id, OS_NEW, o.seen_ms) != 0) {
            core_fatal_store(c, "history");
        }
        if (src == SRC_RECONCILE) {
            core_evidence(c, EVK_LOST_ORDER_FOUND, order_id, "seen by list or push",
                          "found only by reconciliation", "shop %s", shop_name);
        } else {
            lost_discovered(c, shop, order_id);
        }
        outbox_add(c, JOB_DETAIL, order_id, shop_name, "", 0, 0);
        return;
    }
    if (order_state_terminal(o.state)) {
        return;
    }
    if (status_hint != NULL && status_hint[0] != '\0' && strcmp(status_hint, o.plat_status) == 0) {
        return; /* nothing new */
    }
    if (hint_needs_no_read(c, shop, &o, status_hint)) {
        metrics_inc(c->metrics, src == SRC_PUSH ? "push_reads_skipped" : "list_reads_skipped");
        return;
    }
    note_hint(c, shop, &o, status_hint);
    outbox_add(c, JOB_DETAIL, order_id, shop_name, "", 0, 1);
}

/* Guard rule: more than guard_orders_max orders of one buyer within the window are held. */
static int buyer_burst(struct core *c, const struct order_row *o)
{
    if (o->buyer[0] == '\0') {
        return 0;
    }
    int64_t since = core_now_ms(c) - c->cfg->guard_window_s * 1000;
    int n = store_buyer_orders_since(c->store, o->buyer, since);
    return n > c->cfg->guard_orders_max;
}

int64_t ingest_ship_delay_ms(const struct core *c, const struct order_row *o)
{
    static const int64_t delay_ms[] = {0, 30 * 60 * 1000, 24 * 3600 * 1000};
    char err[ERR_BYTES_MAX];
    int64_t wait = 0;
    cJSON *doc = json_parse(o->lines, strlen(o->lines), err, sizeof(err));
    const cJSON *it;
    cJSON_ArrayForEach(it, doc)
    {
        const cJSON *sku = cJSON_GetObjectItemCaseSensitive(it, "sku");
        const struct sku_cfg *k = cJSON_IsString(sku) ? config_sku(c->cfg, sku->valuestring) : NULL;
        if (k != NULL && delay_ms[k->delay] > wait) {
            wait = delay_ms[k->delay];
        }
    }
    json_delete(doc);
    int64_t due = (o->pay_ms > 0 ? o->pay_ms : core_now_ms(c)) + wait - core_now_ms(c);
    return due > 0 ? due : 0;
}

/* The order is paid and not held: make sure its next job exists. */
static void queue_next(struct core *c, const struct order_row *o)
{
    if (o->hold_reason[0] != '\0') {
        return;
    }
    if ((o->state == OS_PAID || o->state == OS_WAYBILLED) && o->waybill[0] == '\0') {
        outbox_add(c, JOB_WAYBILL, o->order_id, o->shop,
                   o->carrier[0] ? o->carrier : c->cfg->carrier_primary, 0, 0);
    } else if (o->state == OS_WAYBILLED) {
        outbox_add(c, JOB_SHIP, o->order_id, o->shop, "", ingest_ship_delay_ms(c, o), 0);
    }
}

/* A read that leaves the order undecided (not paid yet, a stale or unreadable answer, a cancel
 * request open) is made again later: the push or list entry that would bring the news may be
 * lost. The wait grows with the order's age (poll interval .. INGEST_REREAD_MAX_S) so that orders
 * never paid do not eat the shop's request budget. A job of its own kind, so that a push asking
 * for a read now is not held back by it (the detail job is unique per order). */
static void reread_later(struct core *c, const struct order_row *o, const char *why)
{
    int64_t wait_ms = (core_now_ms(c) - o->seen_ms) / INGEST_REREAD_AGE_DIV;
    int64_t min_ms = (int64_t)c->cfg->poll_interval_s * 1000;
    int64_t max_ms = (int64_t)INGEST_REREAD_MAX_S * 1000;
    wait_ms = wait_ms < min_ms ? min_ms : wait_ms > max_ms ? max_ms : wait_ms;
    outbox_add(c, JOB_REREAD, o->order_id, o->shop, why, wait_ms, 0);
}

void ingest_reread_run(struct core *c, const struct job_row *j)
{
    struct order_row o;
    int found = store_order_get(c->store, j->order_id, &o);
    if (found < 0) {
        core_fatal_store(c, "order read");
    }
    /* moved on since (paid, shipped, cancelled, the cancel request ended): nothing to read.
     * Any undecided order is read, whatever the job was queued for: a second reason while one
     * job waits does not make a second job. */
    int in_cancel = strcmp(o.hold_reason, INGEST_HOLD_IN_CANCEL) == 0;
    int still = found == 1 && !order_state_terminal(o.state) &&
                (o.state == OS_NEW || in_cancel ||
                 (strcmp(j->arg, INGEST_REREAD_BAD) == 0 && o.state < OS_SHIPPED));
    if (still) {
        outbox_add(c, JOB_DETAIL, o.order_id, o.shop, "", 0, 0);
    }
    outbox_done(c, j);
    outbox_release(c);
}

static void on_paid(struct core *c, struct order_row *o, const struct plat_order *po)
{
    if (o->state == OS_NEW) {
        if (po->pay_s > 0) {
            o->pay_ms = po->pay_s * 1000;
        }
        (void)ingest_move(c, o, OS_PAID);
        if (stock_on_paid(c, o) != 0) {
            snprintf(o->hold_reason, sizeof(o->hold_reason), "%s", STOCK_HOLD_OUT_OF_STOCK);
            (void)ingest_move(c, o, OS_HOLD);
            return;
        }
        if (buyer_burst(c, o)) {
            snprintf(o->hold_reason, sizeof(o->hold_reason), "%s", INGEST_HOLD_BUYER_BURST);
            (void)ingest_move(c, o, OS_HOLD);
            core_evidence(c, EVK_BUYER_BURST_HOLD, o->order_id, "<= 3 orders per buyer per 10 min",
                          "more", "buyer %s", o->buyer);
            return;
        }
    } else if (strcmp(o->hold_reason, INGEST_HOLD_IN_CANCEL) == 0) {
        o->hold_reason[0] = '\0'; /* the buyer withdrew the cancel request */
        ingest_save(c, o);
    }
    queue_next(c, o);
}

static void on_cancel(struct core *c, struct order_row *o, int final)
{
    if (o->state >= OS_SHIPPED) {
        return; /* too late: the parcel is with the carrier */
    }
    if (!final) {
        snprintf(o->hold_reason, sizeof(o->hold_reason), "%s", INGEST_HOLD_IN_CANCEL);
        ingest_save(c, o);
        /* look again later to learn how the request ends */
        reread_later(c, o, INGEST_REREAD_IN_CANCEL);
        return;
    }
    if (o->waybill[0] != '\0') {
        char arg[STORE_JOB_ARG_BYTES_MAX], ref[64];
        ingest_waybill_ref(o, ref, sizeof(ref));
        snprintf(arg, sizeof(arg), "%s|%s|%s|%s", o->carrier, ref, o->waybill, o->order_id);
        outbox_add(c, JOB_CANCEL, o->waybill, o->carrier, arg, 0, 0);
    }
    stock_on_cancel(c, o); /* deducted units come back, reserved ones are freed */
    (void)ingest_move(c, o, OS_CANCELLED);
}

void ingest_apply(struct core *c, int shop, const struct plat_order *po)
{
    struct order_row o;
    int found = store_order_get(c->store, po->order_id, &o);
    if (found == 0) { /* not asked for by us: record it like any newly seen order */
        ingest_seen(c, shop, po->order_id, NULL, SRC_LIST);
        found = store_order_get(c->store, po->order_id, &o);
    }
    if (found != 1) {
        core_fatal_store(c, "order read");
    }
    if (po->rank == PR_UNKNOWN) {
        core_evidence(c, EVK_MALFORMED_BODY, o.order_id, "a known order status", po->status,
                      "detail");
        reread_later(c, &o, INGEST_REREAD_BAD);
        return;
    }
    if (po->update_s < o.plat_update_s || order_rank_stale(o.plat_rank, po->rank)) {
        core_evidence(c, EVK_STALE_READ, o.order_id, o.plat_status, po->status,
                      "update_time %lld < known %lld", (long long)po->update_s,
                      (long long)o.plat_update_s);
        reread_later(c, &o, INGEST_REREAD_BAD);
        return;
    }
    struct order_mark m;
    int hinted = hinted_rank(c, o.order_id, &m);
    if (hinted != 0 && order_rank_stale((enum plat_rank)hinted, po->rank)) {
        core_evidence(c, EVK_STALE_READ, o.order_id, "the status a push or list reported",
                      po->status, "read rank %d < reported %d", (int)po->rank, hinted);
        reread_later(c, &o, INGEST_REREAD_BAD);
        return;
    }
    if (hinted != 0) {
        m.flags &= ~MARK_HINT_MASK;
        if (store_mark_put(c->store, &m) != 0) {
            core_fatal_store(c, "mark");
        }
    }
    lost_on_detail(c, shop, &o, po);
    o.plat_rank = po->rank;
    snprintf(o.plat_status, sizeof(o.plat_status), "%s", po->status);
    o.plat_update_s = po->update_s;
    if (po->buyer[0] != '\0') {
        snprintf(o.buyer, sizeof(o.buyer), "%s", po->buyer);
    }
    if (strcmp(po->lines, "[]") != 0 && po->lines[0] != '\0') {
        snprintf(o.lines, sizeof(o.lines), "%s", po->lines);
    }
    ingest_save(c, &o);
    stock_on_lines(c, &o, po->create_s);
    switch (po->rank) {
    case PR_UNPAID:
        if (o.state == OS_NEW) {
            reread_later(c, &o, INGEST_REREAD_UNPAID);
        }
        break;
    case PR_PAID: on_paid(c, &o, po); break;
    case PR_CANCELLING: on_cancel(c, &o, 0); break;
    case PR_CANCELLED: on_cancel(c, &o, 1); break;
    case PR_SHIPPED:
    case PR_PICKED_UP:
    case PR_DELIVERED:
    case PR_RETURNED: {
        /* the platform is ahead of us (our ship reply was lost, or events moved on) */
        enum order_state to = order_state_for_rank(po->rank);
        (void)stock_on_paid(c, &o); /* paid before it went on (once per order) */
        if (o.state < OS_SHIPPED && to > OS_SHIPPED) {
            (void)ingest_move(c, &o, OS_SHIPPED);
        }
        (void)ingest_move(c, &o, to);
        break;
    }
    default: break;
    }
}

static void detail_done(struct core *c, int shop, const struct plat_order *orders, int n,
                        const struct call_outcome *o, void *arg)
{
    struct detail_batch *b = arg;
    outbox_release(c);
    for (int i = 0; i < b->n; i++) {
        const struct job_row *j = &b->jobs[i];
        struct plat_order po;
        int found = 0;
        for (int k = 0; k < n && !found; k++) {
            if (strcmp(orders[k].order_id, j->order_id) == 0) {
                po = orders[k];
                po.asked_ms = b->asked_ms;
                found = 1;
            }
        }
        if (found) {
            /* done first, so that what the answer queues (a later read) is a new job */
            outbox_done(c, j);
            ingest_apply(c, shop, &po);
        } else {
            struct call_outcome miss;
            if (o->result == CALL_OK) {
                outcome_set(&miss, CALL_RETRY, -1, "not in the detail answer");
            }
            /* the evidence of a failed batch is journaled once, on its first order */
            outbox_retry(c, j, o->result == CALL_OK ? &miss : o, NULL, o->result == CALL_AUTH);
            if (o->result != CALL_OK) {
                struct call_outcome quiet = *o;
                quiet.evidence = -1;
                o = &quiet;
                for (int r = i + 1; r < b->n; r++) {
                    outbox_retry(c, &b->jobs[r], &quiet, NULL, quiet.result == CALL_AUTH);
                }
                break;
            }
        }
    }
    free(b);
}

void ingest_detail_run(struct core *c, int shop, const struct job_row *jobs, int n)
{
    struct detail_batch *b = malloc(sizeof(*b));
    const char *ids[PLAT_DETAIL_BATCH_MAX];
    assert(n >= 1);
    assert(n <= PLAT_DETAIL_BATCH_MAX);
    if (b == NULL) {
        return;
    }
    b->n = n;
    b->asked_ms = core_now_ms(c);
    for (int i = 0; i < n; i++) {
        b->jobs[i] = jobs[i];
        ids[i] = b->jobs[i].order_id;
    }
    plat_detail(c, shop, ids, n, detail_done, b);
}

static int heal_one(const struct order_row *o, void *arg)
{
    struct core *c = arg;
    if (o->state == OS_NEW) {
        outbox_add(c, JOB_DETAIL, o->order_id, o->shop, "", 0, 0);
    } else if (o->state == OS_PAID || o->state == OS_WAYBILLED) {
        queue_next(c, o);
    }
    return 0;
}

void ingest_heal(struct core *c)
{
    if (store_orders_open_each(c->store, heal_one, c) != 0) {
        core_fatal_store(c, "heal");
    }
}
