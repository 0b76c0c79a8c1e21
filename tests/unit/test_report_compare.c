/* compare's regression rule: invariant counts may not grow; latency and KPIs may not worsen by
 * more than their noise margins; a judged figure may not become unavailable; pass -> fail is a
 * regression; other figures are informational. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/compare.h"

static const struct compare_margins m = {COMPARE_LATENCY_REL_DEFAULT,
                                         COMPARE_LATENCY_ABS_MS_DEFAULT};

static void test_rule(void **state)
{
    (void)state;
    /* invariant counts: any growth */
    assert_int_equal(compare_figure("lost_orders", 1, 0, 1, 1, &m), CMP_REGRESSION);
    assert_int_equal(compare_figure("lost_orders", 1, 2, 1, 1, &m), CMP_BETTER);
    assert_int_equal(compare_figure("oversold_units", 1, 3, 1, 3, &m), CMP_SAME);
    assert_int_equal(compare_figure("forged_accepted", 1, 0, 0, NAN, &m), CMP_REGRESSION);
    /* latency: worse by > 10% and > 1000 ms */
    assert_int_equal(compare_figure("p99_ship_latency_ms", 1, 100000, 1, 109000, &m), CMP_CHANGED);
    assert_int_equal(compare_figure("p99_ship_latency_ms", 1, 100000, 1, 111000, &m),
                     CMP_REGRESSION);
    assert_int_equal(compare_figure("p50_waybill_latency_ms", 1, 2000, 1, 2900, &m),
                     CMP_CHANGED); /* +45% but under 1000 ms */
    assert_int_equal(compare_figure("max_deliver_latency_ms", 1, 5000, 1, 8000, &m),
                     CMP_REGRESSION);
    assert_int_equal(compare_figure("sync_lag_p50_ms", 1, 2000000, 1, 1500000, &m), CMP_BETTER);
    /* KPIs with absolute margins */
    assert_int_equal(compare_figure("exception_order_rate", 1, 0.010, 1, 0.0115, &m), CMP_CHANGED);
    assert_int_equal(compare_figure("exception_order_rate", 1, 0.010, 1, 0.013, &m),
                     CMP_REGRESSION);
    assert_int_equal(compare_figure("inventory_accuracy", 1, 0.999, 1, 0.9985, &m), CMP_CHANGED);
    assert_int_equal(compare_figure("inventory_accuracy", 1, 0.999, 1, 0.997, &m), CMP_REGRESSION);
    assert_int_equal(compare_figure("shipped_within_24h_share", 1, 0.99, 1, 0.97, &m),
                     CMP_REGRESSION);
    assert_int_equal(compare_figure("fault_detection_rate", 1, 0.9, 1, 1.0, &m), CMP_BETTER);
    /* informational */
    assert_int_equal(compare_figure("orders_placed", 1, 100, 1, 10, &m), CMP_CHANGED);
    assert_int_equal(compare_figure("faults_injected.lost_order", 1, 5, 1, 50, &m), CMP_CHANGED);
    assert_int_equal(compare_figure("wall_duration_s", 1, 5, 0, NAN, &m), CMP_CHANGED);
    assert_int_equal(compare_figure("lost_orders", 0, NAN, 0, NAN, &m), CMP_SAME);
    assert_int_equal(compare_figure("lost_orders", 0, NAN, 1, 0, &m), CMP_CHANGED);
}

static void test_margins_are_settable(void **state)
{
    (void)state;
    struct compare_margins tight = {0.0, 0.0};
    assert_int_equal(compare_figure("p99_ship_latency_ms", 1, 1000, 1, 1001, &tight),
                     CMP_REGRESSION);
}

static struct run_data *load_fixture(void)
{
    const char *root = getenv("SHIPSIM_ROOT");
    char dir[512], err[512];
    snprintf(dir, sizeof(dir), "%s/tests/fixtures/report/run", root ? root : ".");
    struct run_data *rd = run_data_load_summary(dir, err, sizeof(err));
    if (!rd)
        fail_msg("run_data_load_summary: %s", err);
    return rd;
}

static struct run_figure *fig(struct run_data *rd, const char *name)
{
    struct run_figure *f = (struct run_figure *)run_figure_find(rd, name);
    if (!f)
        fail_msg("fixture has no figure %s", name);
    return f;
}

static int runs(const struct run_data *a, const struct run_data *b)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    int n = compare_runs(a, b, &m, f);
    fclose(f);
    assert_non_null(strstr(out, "lost_orders"));
    free(out);
    return n;
}

static void test_runs(void **state)
{
    (void)state;
    struct run_data *a = load_fixture(), *b = load_fixture();
    assert_int_equal(runs(a, b), 0); /* a run against itself */
    fig(b, "orders_placed")->value *= 2;
    fig(b, "p99_ship_latency_ms")->value *= 1.05;
    assert_int_equal(runs(a, b), 0);
    fig(b, "late_orders")->value = 1;
    fig(b, "p99_track_latency_ms")->value *= 2;
    fig(b, "inventory_accuracy")->present = 0;
    assert_int_equal(runs(a, b), 3);
    assert_int_equal(runs(b, a), 0); /* late_orders and p99 track got better; accuracy came back */
    snprintf(a->verdict, sizeof(a->verdict), "pass");
    assert_int_equal(runs(a, a), 0);
    assert_int_equal(runs(a, b), 4); /* pass -> fail */
    run_data_free(a);
    run_data_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule),
        cmocka_unit_test(test_margins_are_settable),
        cmocka_unit_test(test_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
