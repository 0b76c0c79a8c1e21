/* sim/load/mix.c: the seeded buyer mix follows the scenario's shares and is reproducible. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "load/mix.h"
#include "scenario/scenario.h"

#define MIX_N 20000

static struct scenario sc;

static int setup(void **state)
{
    (void)state;
    memset(&sc, 0, sizeof(sc));
    sc.seed = 42;
    sc.shop_count = 3;
    sc.sku_count = 3;
    snprintf(sc.catalog[0].sku, SKU_BYTES_MAX, "A");
    snprintf(sc.catalog[1].sku, SKU_BYTES_MAX, "B");
    snprintf(sc.catalog[2].sku, SKU_BYTES_MAX, "C");
    sc.catalog[0].weight = 2.0;
    sc.catalog[1].weight = 1.0;
    sc.catalog[2].weight = 1.0;
    sc.buyers.population = 100000;
    sc.buyers.repeat_share = 0.1;
    sc.buyers.unpaid_share = 0.05;
    sc.buyers.cancel_share = 0.02;
    sc.buyers.burst_share = 0.04;
    sc.buyers.lines_max = 2;
    sc.buyers.pay_delay_s[0] = 10.0;
    sc.buyers.pay_delay_s[1] = 60.0;
    sc.buyers.cancel_delay_s[0] = 5.0;
    sc.buyers.cancel_delay_s[1] = 5.0;
    return 0;
}

static void test_shares(void **state)
{
    (void)state;
    int unpaid = 0, cancel = 0, burst = 0, repeat = 0, sku0 = 0, lines = 0;
    int shops[3] = {0};
    for (int64_t k = 0; k < MIX_N; k++) {
        struct mix_order o;
        mix_draw(&sc, k, &o);
        unpaid += o.unpaid;
        cancel += o.cancel;
        burst += o.burst;
        repeat += o.buyer[0] == 'r';
        shops[o.shop]++;
        assert_true(o.line_count >= 1 && o.line_count <= 2);
        for (int i = 0; i < o.line_count; i++) {
            lines++;
            sku0 += o.lines[i].sku == 0;
            assert_in_range(o.lines[i].qty, 1, MIX_QTY_MAX);
        }
        if (o.line_count == 2)
            assert_int_not_equal(o.lines[0].sku, o.lines[1].sku);
        assert_true(o.pay_delay_ms >= 10000.0 && o.pay_delay_ms <= 60000.0);
        assert_false(o.unpaid && o.cancel);
    }
    /* expected 1000 (sd ~31), 950*0.02 ~ 380 (sd ~19), 800 in blocks of 5 (sd ~90) */
    assert_in_range(unpaid, 850, 1150);
    assert_in_range(cancel, 290, 470);
    assert_in_range(burst, 450, 1150);
    assert_in_range(repeat, 1650, 2150);
    for (int s = 0; s < 3; s++)
        assert_in_range(shops[s], 6200, 7100);
    /* SKU A has weight 2 of 4; distinct lines push it down a little, never to a third. */
    assert_true((double)sku0 / lines > 0.40 && (double)sku0 / lines < 0.55);
}

static void test_bursts_share_buyer(void **state)
{
    (void)state;
    int found = 0;
    for (int64_t k = 0; k < MIX_N && !found; k++) {
        struct mix_order o;
        mix_draw(&sc, k, &o);
        if (!o.burst)
            continue;
        int64_t first = k - k % MIX_BURST_ORDERS;
        for (int64_t j = first; j < first + MIX_BURST_ORDERS; j++) {
            struct mix_order b;
            mix_draw(&sc, j, &b);
            assert_int_equal(b.burst, 1);
            assert_string_equal(b.buyer, o.buyer);
        }
        found = 1;
    }
    assert_true(found);
}

static void test_reproducible(void **state)
{
    (void)state;
    struct mix_order a, b;
    mix_draw(&sc, 1234, &a);
    mix_draw(&sc, 1234, &b);
    assert_memory_equal(&a, &b, sizeof(a));
    sc.seed = 43;
    int differ = 0;
    for (int64_t k = 0; k < 50; k++) {
        struct mix_order c, d;
        sc.seed = 42;
        mix_draw(&sc, k, &c);
        sc.seed = 43;
        mix_draw(&sc, k, &d);
        differ += strcmp(c.buyer, d.buyer) != 0;
    }
    sc.seed = 42;
    assert_true(differ > 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_shares, setup),
        cmocka_unit_test_setup(test_bursts_share_buyer, setup),
        cmocka_unit_test_setup(test_reproducible, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
