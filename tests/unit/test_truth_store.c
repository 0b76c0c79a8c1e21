/* mocks/truth: lifecycles of both flavors (API.md 5.1/5.2), stock reservation, list pagination
 * by create and update time with cursors, stale views, the journal replay and the dump lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "truth/truth.h"

static const char *const scenario_text =
    "{\"name\":\"t\",\"seed\":11,\"sim\":{\"duration_s\":3600,\"time_scale\":1},"
    "\"shops\":[{\"id\":\"sp1\",\"flavor\":\"shopee\",\"count\":1},{\"id\":\"wx1\",\"flavor\":"
    "\"wechat\",\"count\":1}],"
    "\"carriers\":{\"primary\":\"SF\",\"backup\":\"ZTO\",\"enabled\":[\"SF\",\"ZTO\"]},"
    "\"catalog\":[{\"sku\":\"TEE-01\",\"stock\":10,\"daily_mean_sales\":10},"
    "{\"sku\":\"MUG-02\",\"stock\":1000,\"daily_mean_sales\":10}],"
    "\"load\":{\"stages\":[{\"ramp_to_per_s\":1,\"sim_s\":60}]},"
    "\"faults\":[],\"sla\":{\"ship_within_s\":3600},\"thresholds\":{}}";

struct fixture {
    struct scenario sc;
    struct simclock clock;
    struct truth *t;
    int changes;
    enum truth_state last_prev;
    char path[64];
};

static void on_change(void *arg, const struct truth_order *o, enum truth_state prev)
{
    struct fixture *f = arg;
    assert_non_null(o);
    f->changes++;
    f->last_prev = prev;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    char err[1024] = "";
    int rc = scenario_parse(scenario_text, strlen(scenario_text), &f->sc, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "scenario: %s\n", err);
    assert_int_equal(rc, 0);
    simclock_init(&f->clock, 0, 1.0);
    f->t = truth_new(&f->sc, &f->clock);
    assert_non_null(f->t);
    truth_set_listener(f->t, on_change, f);
    snprintf(f->path, sizeof(f->path), "/tmp/test_truth_store_%d.jsonl", (int)getpid());
    unlink(f->path);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    truth_free(f->t);
    unlink(f->path);
    free(f);
    return 0;
}

static const struct truth_order *place(struct fixture *f, int shop, int64_t seq, int sku, int qty)
{
    struct truth_line line = {.sku = (int16_t)sku, .qty = (int16_t)qty, .price_fen = 1000};
    const struct truth_order *o = NULL;
    int existed = -1;
    assert_int_equal(truth_place(f->t, shop, seq, "b000001", &line, 1, &o, &existed), TRUTH_OK);
    assert_int_equal(existed, 0);
    return o;
}

static void test_shopee_lifecycle(void **state)
{
    struct fixture *f = *state;
    const struct truth_order *o = place(f, 0, 1, 1, 2);
    char id[ORDER_ID_BYTES_MAX];
    snprintf(id, sizeof(id), "%s", o->id);
    assert_int_equal(strlen(id), 14); /* YYMMDD + 8 */
    assert_string_equal(truth_raw_status(FLAVOR_SHOPEE, o->state), "UNPAID");
    assert_int_equal(truth_ship(f->t, id, "SF1000000000001", "SF"), TRUTH_BAD_STATE);
    assert_int_equal(truth_pay(f->t, id), TRUTH_OK);
    assert_int_equal(truth_pay(f->t, id), TRUTH_BAD_STATE);
    assert_int_equal(truth_committed(f->t, 1), 2);
    assert_int_equal(truth_ship(f->t, id, "SF1000000000001", NULL), TRUTH_OK);
    assert_int_equal(truth_ship(f->t, id, "SF1000000000001", NULL), TRUTH_SHIPPED);
    o = truth_find(f->t, id);
    assert_string_equal(truth_raw_status(FLAVOR_SHOPEE, o->state), "PROCESSED");
    assert_int_equal(o->ship_calls, 3);
    assert_int_equal(o->ship_rejected, 2);
    assert_int_equal(truth_parcel(f->t, "SF1000000000001", "SF", "collected"), TRUTH_OK);
    o = truth_find(f->t, id);
    assert_string_equal(truth_raw_status(FLAVOR_SHOPEE, o->state), "SHIPPED");
    assert_string_equal(o->carrier, "SF");
    assert_int_equal(truth_parcel(f->t, "SF1000000000001", "SF", "signed"), TRUTH_OK);
    o = truth_find(f->t, id);
    assert_string_equal(truth_raw_status(FLAVOR_SHOPEE, o->state), "TO_CONFIRM_RECEIVE");
    assert_true(o->deliver_ms >= o->pickup_ms);
    assert_true(o->pickup_ms >= o->ship_ms);
    assert_int_equal(o->hist_count, 5);
    /* news of a waybill no order holds yet is kept, and a problem report for it is refused */
    assert_int_equal(truth_parcel(f->t, "SF9", "SF", "signed"), TRUTH_OK);
    assert_int_equal(truth_parcel(f->t, "SF9", "SF", "problem"), TRUTH_NOT_FOUND);
    assert_int_equal(truth_parcel(f->t, "SF1000000000001", "SF", "teleported"), TRUTH_BAD_INPUT);
    assert_int_equal(truth_cancel(f->t, id), TRUTH_SHIPPED);
}

/* The carrier collected (and delivered) the parcel before the seller marked the order shipped:
 * the news waits and applies when the order binds that waybill. */
static void test_parcel_news_before_ship(void **state)
{
    struct fixture *f = *state;
    const struct truth_order *o = place(f, 0, 7, 1, 1);
    char id[ORDER_ID_BYTES_MAX];
    snprintf(id, sizeof(id), "%s", o->id);
    assert_int_equal(truth_pay(f->t, id), TRUTH_OK);
    assert_int_equal(truth_parcel(f->t, "SF1000000000077", "SF", "collected"), TRUTH_OK);
    assert_int_equal(truth_parcel(f->t, "SF1000000000077", "SF", "signed"), TRUTH_OK);
    o = truth_find(f->t, id);
    assert_string_equal(truth_raw_status(FLAVOR_SHOPEE, o->state), "READY_TO_SHIP");
    assert_int_equal(truth_ship(f->t, id, "SF1000000000077", "SF"), TRUTH_OK);
    o = truth_find(f->t, id);
    assert_string_equal(truth_raw_status(FLAVOR_SHOPEE, o->state), "TO_CONFIRM_RECEIVE");
    assert_true(o->pickup_ms >= o->ship_ms);
    assert_true(o->deliver_ms >= o->pickup_ms);
    /* applied once: another order cannot inherit it */
    const struct truth_order *o2 = place(f, 0, 8, 1, 1);
    snprintf(id, sizeof(id), "%s", o2->id);
    assert_int_equal(truth_pay(f->t, id), TRUTH_OK);
    assert_int_equal(truth_ship(f->t, id, "SF1000000000085", "SF"), TRUTH_OK);
    assert_string_equal(truth_raw_status(FLAVOR_SHOPEE, truth_find(f->t, id)->state), "PROCESSED");
}

static void test_wechat_lifecycle_and_cancel(void **state)
{
    struct fixture *f = *state;
    const struct truth_order *o = place(f, 1, 1, 1, 1);
    char id[ORDER_ID_BYTES_MAX];
    snprintf(id, sizeof(id), "%s", o->id);
    assert_int_equal(strlen(id), 19);
    assert_int_equal(truth_wechat_status(o->state), 10);
    assert_int_equal(truth_pay(f->t, id), TRUTH_OK);
    assert_int_equal(truth_wechat_status(truth_find(f->t, id)->state), 20);
    assert_int_equal(truth_ship(f->t, id, "ZTO786360980662", "ZTO"), TRUTH_OK);
    assert_int_equal(truth_wechat_status(truth_find(f->t, id)->state), 30);
    assert_int_equal(truth_parcel(f->t, "ZTO786360980662", "ZTO", "signed"), TRUTH_OK);
    assert_int_equal(truth_wechat_status(truth_find(f->t, id)->state), 100);
    /* paid WeChat order cancelled at once; the listing is restored */
    const struct truth_order *c = place(f, 1, 2, 1, 5);
    snprintf(id, sizeof(id), "%s", c->id);
    assert_int_equal(truth_listed(f->t, 1, 1), 1000 - 1 - 5);
    assert_int_equal(truth_pay(f->t, id), TRUTH_OK);
    assert_int_equal(truth_cancel(f->t, id), TRUTH_OK);
    assert_int_equal(truth_wechat_status(truth_find(f->t, id)->state), 250);
    assert_int_equal(truth_listed(f->t, 1, 1), 999);
    assert_int_equal(truth_committed(f->t, 1), 1);
}

static void test_shopee_in_cancel_then_cancelled(void **state)
{
    struct fixture *f = *state;
    const struct truth_order *o = place(f, 0, 7, 0, 1);
    char id[ORDER_ID_BYTES_MAX];
    snprintf(id, sizeof(id), "%s", o->id);
    assert_int_equal(truth_pay(f->t, id), TRUTH_OK);
    assert_int_equal(truth_cancel(f->t, id), TRUTH_OK);
    assert_string_equal(truth_raw_status(FLAVOR_SHOPEE, truth_find(f->t, id)->state), "IN_CANCEL");
    assert_int_equal(truth_tick(f->t), 0);
    /* jump the clock past TRUTH_IN_CANCEL_S */
    f->clock.anchor_ns -= (int64_t)(TRUTH_IN_CANCEL_S + 1) * 1000000000LL;
    assert_int_equal(truth_tick(f->t), 1);
    o = truth_find(f->t, id);
    assert_string_equal(truth_raw_status(FLAVOR_SHOPEE, o->state), "CANCELLED");
    assert_true(o->cancel_ms > 0);
    assert_int_equal(truth_committed(f->t, 0), 0);
    assert_int_equal(truth_listed(f->t, 0, 0), 10);
}

static void test_stock_reservation(void **state)
{
    struct fixture *f = *state;
    struct truth_line line = {.sku = 0, .qty = 11, .price_fen = 1};
    const struct truth_order *o = NULL;
    int existed = 0;
    assert_int_equal(truth_place(f->t, 0, 1, "b1", &line, 1, &o, &existed), TRUTH_OUT_OF_STOCK);
    assert_int_equal(truth_listed(f->t, 0, 0), 10);
    struct truth_line two[2] = {{.sku = 0, .qty = 6, .price_fen = 1},
                                {.sku = 0, .qty = 5, .price_fen = 1}};
    assert_int_equal(truth_place(f->t, 0, 1, "b1", two, 2, &o, &existed), TRUTH_OUT_OF_STOCK);
    line.qty = 10;
    assert_int_equal(truth_place(f->t, 0, 1, "b1", &line, 1, &o, &existed), TRUTH_OK);
    assert_int_equal(truth_listed(f->t, 0, 0), 0);
    assert_int_equal(truth_listed(f->t, 1, 0), 10); /* the other shop lists its own stock */
    /* the same (shop, seq) again is the same order, nothing reserved twice */
    const struct truth_order *again = NULL;
    assert_int_equal(truth_place(f->t, 0, 1, "b1", &line, 1, &again, &existed), TRUTH_OK);
    assert_int_equal(existed, 1);
    assert_ptr_equal(again, o);
    assert_int_equal(truth_set_listed(f->t, 0, 0, -1), TRUTH_BAD_INPUT);
    assert_int_equal(truth_set_listed(f->t, 0, 0, 4), TRUTH_OK);
    assert_int_equal(truth_listed(f->t, 0, 0), 4);
    assert_int_equal(truth_place(f->t, 0, 2, "bad buyer!", &line, 1, &o, &existed),
                     TRUTH_BAD_INPUT);
}

static void test_waybill_bound_once(void **state)
{
    struct fixture *f = *state;
    char a[ORDER_ID_BYTES_MAX], b[ORDER_ID_BYTES_MAX];
    snprintf(a, sizeof(a), "%s", place(f, 0, 1, 1, 1)->id);
    snprintf(b, sizeof(b), "%s", place(f, 0, 2, 1, 1)->id);
    assert_int_equal(truth_pay(f->t, a), TRUTH_OK);
    assert_int_equal(truth_pay(f->t, b), TRUTH_OK);
    assert_int_equal(truth_ship(f->t, a, "SF1", NULL), TRUTH_OK);
    assert_int_equal(truth_ship(f->t, b, "SF1", NULL), TRUTH_WAYBILL_USED);
    assert_int_equal(truth_ship(f->t, b, "bad\"wb", NULL), TRUTH_BAD_INPUT);
    assert_ptr_equal(truth_find_waybill(f->t, "SF1"), truth_find(f->t, a));
}

/* Re-ship (carrier switch before pickup): the order moves to the new number and carrier, the
 * old number is free again, repeating is harmless, and after the parcel is collected it is
 * refused. Many moves keep the waybill index whole (its deletions shift probe runs back). */
static void test_reship(void **state)
{
    struct fixture *f = *state;
    char a[ORDER_ID_BYTES_MAX], b[ORDER_ID_BYTES_MAX];
    snprintf(a, sizeof(a), "%s", place(f, 0, 1, 1, 1)->id);
    snprintf(b, sizeof(b), "%s", place(f, 0, 2, 1, 1)->id);
    assert_int_equal(truth_pay(f->t, a), TRUTH_OK);
    assert_int_equal(truth_pay(f->t, b), TRUTH_OK);
    assert_int_equal(truth_reship(f->t, a, "ZTO2", "ZTO"), TRUTH_BAD_STATE); /* not shipped */
    assert_int_equal(truth_ship(f->t, a, "SF1", NULL), TRUTH_OK);
    int64_t ship_ms = truth_find(f->t, a)->ship_ms;
    assert_int_equal(truth_reship(f->t, a, "ZTO2", "ZTO"), TRUTH_OK);
    const struct truth_order *o = truth_find(f->t, a);
    assert_string_equal(o->waybill, "ZTO2");
    assert_string_equal(o->carrier, "ZTO");
    assert_int_equal(o->state, TS_SHIPPED);
    assert_true(o->ship_ms == ship_ms);
    assert_null(truth_find_waybill(f->t, "SF1"));
    assert_ptr_equal(truth_find_waybill(f->t, "ZTO2"), o);
    assert_int_equal(truth_reship(f->t, a, "ZTO2", "ZTO"), TRUTH_SHIPPED);
    assert_int_equal(truth_ship(f->t, b, "ZTO2", NULL), TRUTH_WAYBILL_USED);
    assert_int_equal(truth_ship(f->t, b, "SF1", NULL), TRUTH_OK); /* the old number is free */
    assert_int_equal(truth_reship(f->t, a, "SF1", NULL), TRUTH_WAYBILL_USED);
    assert_int_equal(truth_parcel(f->t, "ZTO2", "ZTO", "collected"), TRUTH_OK);
    assert_int_equal(truth_reship(f->t, a, "YD3", "YUNDA"), TRUTH_PICKED_UP);
    assert_int_equal(truth_reship(f->t, a, "ZTO2", "ZTO"), TRUTH_SHIPPED);
    char ids[300][ORDER_ID_BYTES_MAX], no[32];
    for (int i = 0; i < 300; i++) {
        snprintf(ids[i], sizeof(ids[i]), "%s", place(f, 0, 10 + i, 1, 1)->id);
        assert_int_equal(truth_pay(f->t, ids[i]), TRUTH_OK);
        snprintf(no, sizeof(no), "SFX%d", i);
        assert_int_equal(truth_ship(f->t, ids[i], no, NULL), TRUTH_OK);
    }
    for (int i = 0; i < 300; i += 2) {
        snprintf(no, sizeof(no), "ZTOX%d", i);
        assert_int_equal(truth_reship(f->t, ids[i], no, "ZTO"), TRUTH_OK);
    }
    for (int i = 0; i < 300; i++) {
        snprintf(no, sizeof(no), "%sX%d", i % 2 ? "SF" : "ZTO", i);
        assert_ptr_equal(truth_find_waybill(f->t, no), truth_find(f->t, ids[i]));
        snprintf(no, sizeof(no), "%sX%d", i % 2 ? "ZTO" : "SF", i);
        assert_null(truth_find_waybill(f->t, no));
    }
}

/* Walk every page of a list query; each order must come exactly once, in ascending time. */
static int walk(struct fixture *f, int by_update, int page, uint32_t mask, int *seen, int n)
{
    uint64_t cursor = 0;
    int total = 0, more = 1, pages = 0;
    int64_t last = 0;
    while (more && pages++ < 1000) {
        const struct truth_order *out[16];
        uint64_t next = 0;
        int got =
            truth_list(f->t, 0, by_update, 0, INT64_MAX, mask, cursor, out, page, &next, &more);
        assert_true(got <= page);
        for (int i = 0; i < got; i++) {
            int64_t ms = by_update ? out[i]->update_ms : out[i]->create_ms;
            assert_true(ms >= last);
            last = ms;
            int k = (int)out[i]->seq;
            assert_in_range(k, 0, n - 1);
            seen[k]++;
            total++;
        }
        cursor = next;
    }
    return total;
}

static void test_list_pagination(void **state)
{
    struct fixture *f = *state;
    enum { N = 53 };
    char ids[N][ORDER_ID_BYTES_MAX];
    for (int i = 0; i < N; i++)
        snprintf(ids[i], sizeof(ids[i]), "%s", place(f, 0, i, 1, 1)->id);
    for (int i = 0; i < N; i += 3) /* some orders change: they move to the end by update time */
        assert_int_equal(truth_pay(f->t, ids[i]), TRUTH_OK);
    int seen[N] = {0};
    assert_int_equal(walk(f, 0, 7, 0, seen, N), N);
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    memset(seen, 0, sizeof(seen));
    assert_int_equal(walk(f, 1, 5, 0, seen, N), N); /* by update: each order once, at its latest */
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    memset(seen, 0, sizeof(seen));
    assert_int_equal(walk(f, 0, 4, 1u << TS_PAID, seen, N), (N + 2) / 3);
    /* a window that ends before the orders were placed is empty */
    const struct truth_order *out[4];
    uint64_t next = 0;
    int more = 1;
    assert_int_equal(truth_list(f->t, 0, 0, 0, 1000, 0, 0, out, 4, &next, &more), 0);
    assert_int_equal(more, 0);
}

static void test_state_and_stock_history(void **state)
{
    struct fixture *f = *state;
    const struct truth_order *o = place(f, 0, 1, 1, 3);
    char id[ORDER_ID_BYTES_MAX];
    snprintf(id, sizeof(id), "%s", o->id);
    int64_t created = o->create_ms;
    f->clock.anchor_ns -= 10 * 1000000000LL; /* 10 s later */
    assert_int_equal(truth_pay(f->t, id), TRUTH_OK);
    o = truth_find(f->t, id);
    assert_int_equal(truth_state_at(o, created - 1), -1);
    assert_int_equal(truth_state_at(o, created + 5000), TS_UNPAID);
    assert_int_equal(truth_state_at(o, o->pay_ms), TS_PAID);
    int64_t before = o->pay_ms - 1;
    assert_int_equal(truth_set_listed(f->t, 0, 1, 500), TRUTH_OK);
    assert_int_equal(truth_listed_at(f->t, 0, 1, before), 997);
    assert_int_equal(truth_listed(f->t, 0, 1), 500);
}

struct dump_buf {
    char text[65536];
    size_t len;
};

static void dump_write(void *arg, const char *data, size_t len)
{
    struct dump_buf *b = arg;
    assert_true(b->len + len < sizeof(b->text));
    memcpy(b->text + b->len, data, len);
    b->len += len;
    b->text[b->len] = '\0';
}

static void test_journal_replay_and_dump(void **state)
{
    struct fixture *f = *state;
    char err[256] = "";
    assert_int_equal(truth_open_journal(f->t, f->path, NULL, NULL, err, sizeof(err)), 0);
    char a[ORDER_ID_BYTES_MAX];
    snprintf(a, sizeof(a), "%s", place(f, 0, 1, 1, 2)->id);
    assert_int_equal(truth_pay(f->t, a), TRUTH_OK);
    assert_int_equal(truth_ship(f->t, a, "SF77", NULL), TRUTH_OK);
    place(f, 1, 2, 0, 4);
    truth_journal_aux(f->t, "{\"type\":\"token\",\"shop\":\"sp1-1\",\"gen\":1,\"issued_ms\":5}");
    struct dump_buf *one = calloc(1, sizeof(*one)), *two = calloc(1, sizeof(*two));
    assert_non_null(one);
    assert_non_null(two);
    truth_dump(f->t, dump_write, one);
    assert_non_null(strstr(one->text, "\"state\":\"shipped\""));
    assert_non_null(strstr(one->text, "\"waybill\":\"SF77\",\"carrier\":null,\"ship_calls\":1"));
    assert_non_null(strstr(one->text, "{\"type\":\"sku\",\"sku\":\"MUG-02\",\"initial\":1000,"
                                      "\"committed\":2,\"available\":998}"));
    assert_non_null(strstr(
        one->text, "{\"type\":\"listing\",\"shop\":\"wx1-1\",\"sku\":\"TEE-01\",\"listed\":6}"));
    /* a second store replays the journal (as after SIGKILL) and dumps the same truth */
    struct truth *t2 = truth_new(&f->sc, &f->clock);
    assert_non_null(t2);
    assert_int_equal(truth_open_journal(t2, f->path, NULL, NULL, err, sizeof(err)), 0);
    truth_dump(t2, dump_write, two);
    assert_string_equal(one->text, two->text);
    assert_non_null(truth_find_waybill(t2, "SF77"));
    /* and keeps working: the replayed order moves on, a new one lists after it */
    assert_int_equal(truth_parcel(t2, "SF77", "SF", "collected"), TRUTH_OK);
    const struct truth_order *out[4];
    uint64_t next = 0;
    int more = 0;
    assert_int_equal(truth_list(t2, 0, 1, 0, INT64_MAX, 0, 0, out, 4, &next, &more), 1);
    truth_free(t2);
    free(one);
    free(two);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shopee_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parcel_news_before_ship, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wechat_lifecycle_and_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shopee_in_cancel_then_cancelled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stock_reservation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waybill_bound_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reship, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_pagination, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_and_stock_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_replay_and_dump, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
