/* Lost-order evidence beyond reconciliation, on a real store and sim clock: a known order a
 * complete list pass did not show becomes a suspect, decided by a read sent afterwards; an order
 * discovered inside a completely polled window was missing from it; a pushed change without its
 * push is journaled as push_missing after the grace period, once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "core/lost.h"
#include "core/metrics.h"
#include "core/order.h"
#include "core/outbox.h"

struct env {
    struct config cfg;
    struct core c;
    char db[128];
    int64_t now_s;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    char err[256];
    e->cfg.shop_count = 2;
    snprintf(e->cfg.shops[0].name, SHOP_NAME_BYTES_MAX, "sp1-1");
    e->cfg.shops[0].flavor = FLAVOR_SHOPEE;
    snprintf(e->cfg.shops[1].name, SHOP_NAME_BYTES_MAX, "wx1-1");
    e->cfg.shops[1].flavor = FLAVOR_WECHAT;
    e->c.cfg = &e->cfg;
    simclock_init(&e->c.clock, 0, 1.0);
    e->now_s = core_now_ms(&e->c) / 1000;
    snprintf(e->db, sizeof(e->db), "/tmp/test_core_lost_%d.db", (int)getpid());
    unlink(e->db);
    e->c.store = store_open(e->db, 0, err, sizeof(err));
    e->c.metrics = metrics_new();
    assert_non_null(e->c.store);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    char p[160];
    store_close(e->c.store);
    metrics_free(e->c.metrics);
    unlink(e->db);
    snprintf(p, sizeof(p), "%s-wal", e->db);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", e->db);
    unlink(p);
    free(e);
    return 0;
}

struct count {
    const char *kind;
    int64_t n;
};

static int count_cb(const char *k, int64_t v, void *arg)
{
    struct count *c = arg;
    if (strcmp(k, c->kind) == 0) {
        c->n = v;
    }
    return 0;
}

static int64_t evidence(struct env *e, const char *kind)
{
    struct count c = {kind, 0};
    assert_int_equal(store_evidence_counts(e->c.store, count_cb, &c), 0);
    return c.n;
}

static void put_order(struct env *e, const char *id, const char *shop, int64_t update_s)
{
    struct order_row o;
    memset(&o, 0, sizeof(o));
    snprintf(o.order_id, sizeof(o.order_id), "%s", id);
    snprintf(o.shop, sizeof(o.shop), "%s", shop);
    snprintf(o.lines, sizeof(o.lines), "[]");
    snprintf(o.plat_status, sizeof(o.plat_status), "READY_TO_SHIP");
    o.plat_update_s = update_s;
    assert_int_equal(store_order_put(e->c.store, &o), 0);
}

static struct plat_order answer(const char *id, const char *status, int rank, int64_t update_s,
                                int64_t asked_ms)
{
    struct plat_order po;
    memset(&po, 0, sizeof(po));
    snprintf(po.order_id, sizeof(po.order_id), "%s", id);
    snprintf(po.status, sizeof(po.status), "%s", status);
    po.rank = rank;
    po.update_s = update_s;
    po.asked_ms = asked_ms;
    return po;
}

static void pure_rules(void **state)
{
    (void)state;
    assert_true(lost_in_polled(100, 50, 200));
    assert_true(lost_in_polled(50, 50, 200));
    assert_false(lost_in_polled(49, 50, 200));                /* before any complete pass */
    assert_false(lost_in_polled(200 - LOST_EDGE_S, 50, 200)); /* may have moved during it */
    assert_false(lost_in_polled(100, 0, 200));                /* nothing polled yet */
    assert_true(lost_change_pushed(FLAVOR_SHOPEE, PR_PICKED_UP));
    assert_true(lost_change_pushed(FLAVOR_WECHAT, PR_PAID));
    assert_false(lost_change_pushed(FLAVOR_WECHAT, PR_DELIVERED)); /* no WeChat event for it */
    assert_false(lost_change_pushed(FLAVOR_SHOPEE, PR_UNKNOWN));
}

static int not_listed(const char *id, void *arg)
{
    (void)arg;
    return strcmp(id, "LISTED") == 0;
}

static void missing_from_a_pass(void **state)
{
    struct env *e = *state;
    int64_t to = e->now_s - 10, from = to - 360;
    put_order(e, "LISTED", "sp1-1", to - 100);
    put_order(e, "DROPPED", "sp1-1", to - 100);
    put_order(e, "MOVED", "sp1-1", to - 100);
    put_order(e, "EDGE", "sp1-1", to - 1);
    put_order(e, "OTHER", "wx1-1", to - 100);
    int64_t before_ms = core_now_ms(&e->c) - 1;
    assert_int_equal(store_kv_set(e->c.store, "poll_covered_from:sp1-1", "1000"), 0);
    struct order_row done;
    put_order(e, "DONE", "sp1-1", to - 100);
    assert_int_equal(store_order_get(e->c.store, "DONE", &done), 1);
    done.state = OS_DELIVERED;
    assert_int_equal(store_order_put(e->c.store, &done), 0);
    lost_pass_done(&e->c, 0, from, to, 1, not_listed, NULL); /* reconciliation: open ones only */
    assert_int_equal(store_job_exists(e->c.store, JOB_DETAIL, "DONE"), 0);
    assert_int_equal(store_job_exists(e->c.store, JOB_DETAIL, "DROPPED"), 1);
    lost_pass_done(&e->c, 0, from, to, 0, not_listed, NULL);
    assert_int_equal(store_job_exists(e->c.store, JOB_DETAIL, "DONE"), 1);
    assert_int_equal(store_job_exists(e->c.store, JOB_DETAIL, "DROPPED"), 1);
    assert_int_equal(store_job_exists(e->c.store, JOB_DETAIL, "MOVED"), 1);
    assert_int_equal(store_job_exists(e->c.store, JOB_DETAIL, "LISTED"), 0);
    assert_int_equal(store_job_exists(e->c.store, JOB_DETAIL, "EDGE"), 0);
    assert_int_equal(store_job_exists(e->c.store, JOB_DETAIL, "OTHER"), 0);
    struct order_row o;
    assert_int_equal(store_order_get(e->c.store, "DROPPED", &o), 1);
    /* an answer to a read sent before the pass ended proves nothing */
    struct plat_order early = answer("DROPPED", "READY_TO_SHIP", PR_PAID, to - 100, before_ms);
    lost_on_detail(&e->c, 0, &o, &early);
    assert_int_equal(evidence(e, "lost_order_found"), 0);
    int64_t now_ms = core_now_ms(&e->c) + 1;
    struct plat_order same = answer("DROPPED", "READY_TO_SHIP", PR_PAID, to - 100, now_ms);
    lost_on_detail(&e->c, 0, &o, &same); /* still at the listed time: the list left it out */
    assert_int_equal(evidence(e, "lost_order_found"), 1);
    lost_on_detail(&e->c, 0, &o, &same); /* judged once */
    assert_int_equal(evidence(e, "lost_order_found"), 1);
    assert_int_equal(store_order_get(e->c.store, "MOVED", &o), 1);
    struct plat_order moved = answer("MOVED", "PROCESSED", PR_SHIPPED, to + 5, now_ms);
    lost_on_detail(&e->c, 0, &o, &moved); /* changed during the pass: moved out of the window */
    assert_int_equal(evidence(e, "lost_order_found"), 1);
}

static void discovered_late(void **state)
{
    struct env *e = *state;
    struct order_row none;
    memset(&none, 0, sizeof(none));
    lost_discovered(&e->c, 0, "NEW1"); /* nothing polled yet: nothing to judge */
    assert_int_equal(store_kv_set(e->c.store, "poll_covered_from:sp1-1", "1000"), 0);
    char to[32];
    snprintf(to, sizeof(to), "%lld", (long long)(e->now_s - 60));
    assert_int_equal(store_kv_set(e->c.store, "poll_watermark:sp1-1", to), 0);
    lost_discovered(&e->c, 0, "LATE");
    lost_discovered(&e->c, 0, "FRESH");
    int64_t asked = core_now_ms(&e->c) + 1;
    struct plat_order late = answer("LATE", "UNPAID", PR_UNPAID, e->now_s - 300, asked);
    struct plat_order fresh = answer("FRESH", "UNPAID", PR_UNPAID, e->now_s - 30, asked);
    struct plat_order first = answer("NEW1", "UNPAID", PR_UNPAID, e->now_s - 300, asked);
    lost_on_detail(&e->c, 0, &none, &late);
    lost_on_detail(&e->c, 0, &none, &fresh); /* updated after the last complete pass */
    lost_on_detail(&e->c, 0, &none, &first);
    assert_int_equal(evidence(e, "lost_order_found"), 1);
}

static void push_missing_once(void **state)
{
    struct env *e = *state;
    struct order_row before;
    memset(&before, 0, sizeof(before));
    int64_t old_s = e->now_s - LOST_PUSH_GRACE_S - 100, recent_s = e->now_s - 10;
    struct plat_order a = answer("NOPUSH", "READY_TO_SHIP", PR_PAID, old_s, 0);
    struct plat_order b = answer("PUSHED", "READY_TO_SHIP", PR_PAID, old_s, 0);
    struct plat_order c = answer("RECENT", "READY_TO_SHIP", PR_PAID, recent_s, 0);
    struct plat_order d = answer("WXDELIV", "100", PR_DELIVERED, old_s, 0);
    lost_push_seen(&e->c, "PUSHED", old_s + 1);
    lost_on_detail(&e->c, 0, &before, &a);
    lost_on_detail(&e->c, 0, &before, &b);
    lost_on_detail(&e->c, 0, &before, &c);
    lost_on_detail(&e->c, 1, &before, &d); /* WeChat sends no event for delivery */
    lost_sweep(&e->c);
    assert_int_equal(evidence(e, "push_missing"), 1); /* NOPUSH; RECENT is still in grace */
    lost_push_seen(&e->c, "RECENT", recent_s);
    lost_sweep(&e->c);
    assert_int_equal(evidence(e, "push_missing"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pure_rules),
        cmocka_unit_test_setup_teardown(missing_from_a_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(discovered_late, setup, teardown),
        cmocka_unit_test_setup_teardown(push_missing_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
