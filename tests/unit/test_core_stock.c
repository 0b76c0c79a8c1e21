/* Stock in the core and the stall ladder's timing, on a real store and sim clock: safety stock,
 * deduction (once per order, past zero when oversold), alerts, freeze, out-of-stock hold,
 * give-back on cancel, the per-shop listing reserve and share; ladder steps once each at
 * 1h/2h/4h/24h without a new event. */
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
#include "core/metrics.h"
#include "core/stock.h"
#include "core/tracking.h"

struct env {
    struct config cfg;
    struct core c;
    char db[128];
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    char err[256];
    e->cfg.sku_count = 1;
    snprintf(e->cfg.skus[0].sku, SKU_BYTES_MAX, "TEE-01");
    e->cfg.skus[0].stock = 40;
    e->cfg.skus[0].daily_mean_sales = 10; /* safety 15 */
    e->c.cfg = &e->cfg;
    simclock_init(&e->c.clock, 0, 1.0);
    snprintf(e->db, sizeof(e->db), "/tmp/test_core_stock_%d.db", (int)getpid());
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

static struct order_row order_of(const char *id, int qty)
{
    struct order_row o;
    memset(&o, 0, sizeof(o));
    snprintf(o.order_id, sizeof(o.order_id), "%s", id);
    snprintf(o.lines, sizeof(o.lines), "[{\"sku\":\"TEE-01\",\"qty\":%d}]", qty);
    return o;
}

static void safety_formula(void **state)
{
    (void)state;
    assert_int_equal(stock_safety(800), 1200);
    assert_int_equal(stock_safety(10), 15);
    assert_int_equal(stock_safety(0.5), 1);
    assert_int_equal(stock_safety(0), 0);
}

static void deduct_alert_freeze_hold(void **state)
{
    struct env *e = *state;
    struct stock_row r;
    stock_init(&e->c);
    stock_init(&e->c); /* idempotent */
    assert_int_equal(store_stock_get(e->c.store, "TEE-01", &r), 1);
    assert_int_equal(r.on_hand, 40);
    assert_int_equal(r.safety, 15);
    assert_false(r.frozen);
    struct order_row a = order_of("A", 12), b = order_of("B", 14), big = order_of("C", 30);
    assert_int_equal(stock_on_paid(&e->c, &a), 0); /* 28: below 30 */
    assert_int_equal(evidence(e, "low_stock"), 1);
    assert_int_equal(stock_on_paid(&e->c, &b), 0); /* 14: below 20 and 15 -> frozen */
    assert_int_equal(store_stock_get(e->c.store, "TEE-01", &r), 1);
    assert_int_equal(r.on_hand, 14);
    assert_true(r.frozen);
    assert_int_equal(evidence(e, "low_stock"), 3);
    assert_int_equal(stock_on_paid(&e->c, &a), 0); /* once per order */
    assert_int_equal(store_stock_get(e->c.store, "TEE-01", &r), 1);
    assert_int_equal(r.on_hand, 14);
    /* not on hand: held, and sold all the same (on hand = initial - paid units: oversold) */
    assert_int_equal(stock_on_paid(&e->c, &big), -1);
    assert_int_equal(evidence(e, "out_of_stock"), 1);
    assert_int_equal(evidence(e, "oversell"), 1);
    assert_int_equal(store_stock_get(e->c.store, "TEE-01", &r), 1);
    assert_int_equal(r.on_hand, -16);
    stock_on_cancel(&e->c, &big); /* the oversold units come back */
    stock_on_cancel(&e->c, &big); /* once */
    assert_int_equal(store_stock_get(e->c.store, "TEE-01", &r), 1);
    assert_int_equal(r.on_hand, 14);
    stock_on_cancel(&e->c, &b); /* back to 28: unfrozen */
    assert_int_equal(store_stock_get(e->c.store, "TEE-01", &r), 1);
    assert_int_equal(r.on_hand, 28);
    assert_false(r.frozen);
    struct order_row unpaid = order_of("D", 5);
    stock_on_cancel(&e->c, &unpaid); /* never deducted: nothing comes back */
    assert_int_equal(store_stock_get(e->c.store, "TEE-01", &r), 1);
    assert_int_equal(r.on_hand, 28);
}

/* The listing reserve follows known orders; a placement or cancel from before the baseline (an
 * order learned late) moves the baseline too, so it never reads as drift. */
static void listing_reserve(void **state)
{
    struct env *e = *state;
    struct listing_row lr;
    struct order_row a = order_of("A", 3), b = order_of("B", 4), late = order_of("L", 2);
    snprintf(a.shop, sizeof(a.shop), "sp1-1");
    snprintf(b.shop, sizeof(b.shop), "sp1-1");
    snprintf(late.shop, sizeof(late.shop), "sp1-1");
    assert_int_equal(store_listing_get(e->c.store, "sp1-1", "TEE-01", &lr), 0);
    assert_int_equal(lr.set_value, -1);
    stock_on_lines(&e->c, &a, 100);
    stock_on_lines(&e->c, &a, 100); /* once */
    assert_int_equal(store_listing_get(e->c.store, "sp1-1", "TEE-01", &lr), 1);
    assert_int_equal(lr.reserved, 3);
    /* the core sets the listing to 20 at t = 200 s */
    lr.set_value = 20;
    lr.set_reserved = lr.reserved;
    lr.set_ms = 200000;
    assert_int_equal(store_listing_put(e->c.store, &lr), 0);
    stock_on_lines(&e->c, &b, 250);    /* placed after: the listing should show 16 */
    stock_on_lines(&e->c, &late, 150); /* placed before the set, learned after: still 16 */
    assert_int_equal(store_listing_get(e->c.store, "sp1-1", "TEE-01", &lr), 1);
    assert_int_equal(lr.reserved, 9);
    assert_int_equal(stock_expected_listing(&lr), 16);
    b.plat_update_s = 300; /* cancelled after the set: its 4 units are offered again */
    stock_on_cancel(&e->c, &b);
    a.plat_update_s = 190; /* cancelled before the set, learned after: already in the 20 */
    stock_on_cancel(&e->c, &a);
    assert_int_equal(store_listing_get(e->c.store, "sp1-1", "TEE-01", &lr), 1);
    assert_int_equal(lr.reserved, 2);
    assert_int_equal(stock_expected_listing(&lr), 20);
}

static void share_split(void **state)
{
    (void)state;
    int64_t sum = 0;
    for (int i = 0; i < 3; i++) {
        sum += stock_share(10, 3, i);
    }
    assert_int_equal(sum, 10); /* the shops together offer what is left, never more */
    assert_int_equal(stock_share(10, 3, 0), 4);
    assert_int_equal(stock_share(10, 3, 2), 3);
    assert_int_equal(stock_share(2, 3, 2), 0);
    assert_int_equal(stock_share(-5, 3, 0), 0); /* oversold: nothing to offer */
    assert_int_equal(stock_share(0, 1, 0), 0);
}

static void ladder_steps_once(void **state)
{
    struct env *e = *state;
    struct parcel_row p;
    int64_t now = core_now_ms(&e->c);
    memset(&p, 0, sizeof(p));
    snprintf(p.waybill, sizeof(p.waybill), "SF7400000000013");
    snprintf(p.carrier, sizeof(p.carrier), "SF");
    snprintf(p.order_id, sizeof(p.order_id), "A");
    p.state = -1;
    p.ship_ms = now - 59 * 60000;
    p.last_event_ms = p.ship_ms;
    assert_int_equal(store_parcel_put(e->c.store, &p), 0);
    tracking_sweep(&e->c);
    assert_int_equal(evidence(e, "stall_1h"), 0); /* 59 min: nothing yet */
    p.last_event_ms = now - 61 * 60000;
    assert_int_equal(store_parcel_put(e->c.store, &p), 0);
    tracking_sweep(&e->c);
    tracking_sweep(&e->c);
    assert_int_equal(evidence(e, "stall_1h"), 1);
    assert_int_equal(evidence(e, "stall_2h"), 0);
    assert_int_equal(store_parcel_get(e->c.store, p.waybill, &p), 1);
    assert_int_equal(p.ladder, 1);
    p.last_event_ms = now - 121 * 60000;
    assert_int_equal(store_parcel_put(e->c.store, &p), 0);
    tracking_sweep(&e->c);
    assert_int_equal(evidence(e, "stall_2h"), 1);
    assert_int_equal(store_job_exists(e->c.store, JOB_REMIND, p.waybill), 1);
    p.ladder = 2;
    p.last_event_ms = now - 25 * 3600000LL;
    assert_int_equal(store_parcel_put(e->c.store, &p), 0);
    tracking_sweep(&e->c);
    tracking_sweep(&e->c);
    assert_int_equal(evidence(e, "stall_1h"), 1);
    assert_int_equal(evidence(e, "stall_2h"), 1);
    assert_int_equal(evidence(e, "stall_4h"), 1);
    assert_int_equal(evidence(e, "stall_24h"), 1);
    assert_int_equal(store_parcel_get(e->c.store, p.waybill, &p), 1);
    assert_int_equal(p.ladder, 4);
}

static void time_and_states(void **state)
{
    (void)state;
    /* 2026-11-22 08:00:00 in UTC+8 is 00:00:00 UTC */
    assert_int_equal(tracking_parse_time("2026-11-22 08:00:00"), 1795305600000LL);
    assert_int_equal(tracking_parse_time("2026-11-22 08:00"), -1);
    assert_int_equal(tracking_parse_time("garbage"), -1);
    assert_true(tracking_state_known(3));
    assert_true(tracking_state_known(14));
    assert_false(tracking_state_known(9));
    assert_false(tracking_state_known(-1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safety_formula),
        cmocka_unit_test_setup_teardown(deduct_alert_freeze_hold, setup, teardown),
        cmocka_unit_test_setup_teardown(listing_reserve, setup, teardown),
        cmocka_unit_test(share_split),
        cmocka_unit_test_setup_teardown(ladder_steps_once, setup, teardown),
        cmocka_unit_test(time_and_states),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
