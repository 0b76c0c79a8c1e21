/* Lost-order evidence: list passes that missed a known order, discoveries inside polled windows,
 * pushes that never came. */
#include "core/lost.h"

#include <stdio.h>
#include <string.h>

#include "core/order.h"
#include "core/outbox.h"
#include "core/poller.h"

int lost_in_polled(int64_t update_s, int64_t covered_from, int64_t to_s)
{
    return covered_from > 0 && update_s >= covered_from && update_s < to_s - LOST_EDGE_S;
}

int lost_change_pushed(int flavor, int rank)
{
    if (flavor == FLAVOR_SHOPEE) {
        return rank != PR_UNKNOWN; /* code 3 on every raw status change */
    }
    /* WeChat: new, pay, deliver, cancel events; nothing while 30 moves, nothing on delivery */
    return rank == PR_UNPAID || rank == PR_PAID || rank == PR_SHIPPED || rank == PR_CANCELLED;
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

void lost_push_seen(struct core *c, const char *order_id, int64_t update_s)
{
    if (store_push_time_add(c->store, order_id, update_s) != 0) {
        core_fatal_store(c, "push time");
    }
}

void lost_discovered(struct core *c, int shop, const char *order_id)
{
    int64_t from_s = 0, to_s = 0;
    if (!poller_polled(c, shop, &from_s, &to_s)) {
        return;
    }
    struct order_mark m;
    mark_get(c, order_id, &m);
    m.suspect_to_s = to_s;
    m.suspect_ms = core_now_ms(c);
    mark_put(c, &m);
}

/* The suspect is judged on this fresh answer: still at an update time the pass covered means the
 * list left it out. */
static void judge_suspect(struct core *c, int shop, struct order_mark *m,
                          const struct plat_order *po)
{
    int64_t from_s = 0, to_s = 0;
    (void)poller_polled(c, shop, &from_s, &to_s);
    if (lost_in_polled(po->update_s, from_s, m->suspect_to_s)) {
        char expected[96], seen[96];
        snprintf(expected, sizeof(expected), "listed: update_time %lld polled up to %lld",
                 (long long)po->update_s, (long long)m->suspect_to_s);
        snprintf(seen, sizeof(seen), "missing from a complete list pass");
        core_evidence(c, EVK_LOST_ORDER_FOUND, po->order_id, expected, seen, "shop %s",
                      c->cfg->shops[shop].name);
    }
    m->suspect_to_s = 0;
}

void lost_on_detail(struct core *c, int shop, const struct order_row *before,
                    const struct plat_order *po)
{
    struct order_mark m;
    mark_get(c, po->order_id, &m);
    int dirty = 0;
    if (m.suspect_to_s > 0 && po->asked_ms >= m.suspect_ms) {
        judge_suspect(c, shop, &m, po); /* an answer to a read sent before proves nothing */
        dirty = 1;
    }
    int changed = po->update_s > before->plat_update_s && strcmp(po->status, before->plat_status);
    if (changed && lost_change_pushed(c->cfg->shops[shop].flavor, po->rank)) {
        int near = store_push_time_near(c->store, po->order_id, po->update_s, LOST_PUSH_SLACK_S);
        if (near < 0) {
            core_fatal_store(c, "push time read");
        }
        if (near == 0 && (m.check_ms == 0 || m.check_update_s != po->update_s)) {
            /* a newer change replaces an older pending check: one expectation per order */
            m.check_ms = (po->update_s + LOST_PUSH_GRACE_S) * 1000;
            m.check_update_s = po->update_s;
            dirty = 1;
        }
    }
    if (dirty) {
        mark_put(c, &m);
    }
}

struct pass_walk {
    struct core *c;
    int shop;
    int64_t from_s, to_s;
    int open_only;
    int (*listed)(const char *id, void *arg);
    void *arg;
    int suspects;
};

static int pass_one(const struct order_row *o, void *arg)
{
    struct pass_walk *w = arg;
    if (!lost_in_polled(o->plat_update_s, w->from_s, w->to_s) ||
        (w->open_only && order_state_terminal((enum order_state)o->state)) ||
        w->listed(o->order_id, w->arg)) {
        return 0;
    }
    struct order_mark m;
    mark_get(w->c, o->order_id, &m);
    if (m.suspect_to_s == 0) {
        m.suspect_to_s = w->to_s;
        m.suspect_ms = core_now_ms(w->c);
        mark_put(w->c, &m);
        /* a fresh read decides: the order may have changed (and moved out) during the pass;
         * a read already under way runs once more */
        outbox_add(w->c, JOB_DETAIL, o->order_id, o->shop, "", 0, 1);
        w->suspects++;
    }
    return 0;
}

void lost_pass_done(struct core *c, int shop, int64_t from_s, int64_t to_s, int open_only,
                    int (*listed)(const char *id, void *arg), void *arg)
{
    struct pass_walk w = {c, shop, from_s > 0 ? from_s : 1, to_s, open_only, listed, arg, 0};
    if (store_orders_updated_each(c->store, c->cfg->shops[shop].name, w.from_s, to_s, pass_one,
                                  &w) != 0) {
        core_fatal_store(c, "pass check");
    }
}

void lost_sweep(struct core *c)
{
    static struct order_mark due[LOST_SWEEP_BATCH_MAX];
    int n = store_marks_due(c->store, core_now_ms(c), due, LOST_SWEEP_BATCH_MAX);
    if (n < 0) {
        core_fatal_store(c, "marks due");
    }
    for (int i = 0; i < n; i++) {
        struct order_mark *m = &due[i];
        int near =
            store_push_time_near(c->store, m->order_id, m->check_update_s, LOST_PUSH_SLACK_S);
        if (near < 0) {
            core_fatal_store(c, "push time read");
        }
        if (near == 0) {
            char expected[96];
            snprintf(expected, sizeof(expected), "a push for update_time %lld within %d s",
                     (long long)m->check_update_s, LOST_PUSH_GRACE_S);
            core_evidence(c, EVK_PUSH_MISSING, m->order_id, expected, "none",
                          "change seen by a "
                          "detail read only");
        }
        m->check_ms = 0;
        mark_put(c, m);
    }
}
