/* sim/load/profile.c: stages -> scheduled sim times. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "load/profile.h"
#include "scenario/scenario.h"

static void test_constant_rate(void **state)
{
    (void)state;
    /* A one-second ramp to 10/s would make the first orders odd: use a hold stage alone, which
     * ramps from 0, then a hold at 10/s. */
    struct load_stage st[2] = {{10.0, 10.0}, {10.0, 100.0}};
    struct profile p;
    char err[256];
    assert_int_equal(profile_init(&p, st, 2, err, sizeof(err)), 0);
    /* 0 -> 10/s over 10 s: 50 orders; then 10/s for 100 s: 1000 more. */
    assert_true(fabs(p.total_count - 1050.0) < 1e-9);
    assert_int_equal(profile_orders(&p, 0), 1050);
    /* Order 50 (the 51st) is due 0.1 s into the hold stage: 10.1 s. */
    assert_true(fabs(profile_time_ms(&p, 50) - 10100.0) < 1e-6);
    /* The last order lands exactly at the end. */
    assert_true(fabs(profile_time_ms(&p, 1049) - 110000.0) < 1e-6);
    assert_true(fabs(profile_rate_at(&p, 5.0) - 5.0) < 1e-9);
    assert_true(fabs(profile_rate_at(&p, 50.0) - 10.0) < 1e-9);
    assert_true(profile_rate_at(&p, 200.0) == 0.0);
}

static void test_ramp_quadratic(void **state)
{
    (void)state;
    /* 0 -> 2/s over 100 s: N(t) = t^2 / 100, so order k is due at 10 sqrt(k+1) s. */
    struct load_stage st[1] = {{2.0, 100.0}};
    struct profile p;
    char err[256];
    assert_int_equal(profile_init(&p, st, 1, err, sizeof(err)), 0);
    assert_int_equal(profile_orders(&p, 0), 100);
    for (int k = 0; k < 100; k++) {
        double want = 10000.0 * sqrt((double)k + 1.0);
        if (fabs(profile_time_ms(&p, k) - want) > 1e-3)
            fail_msg("order %d: %.6f ms, want %.6f", k, profile_time_ms(&p, k), want);
    }
}

static void test_ramp_down_and_spike(void **state)
{
    (void)state;
    /* hold 4/s (after a 1 s ramp), spike to 40/s for 10 s, drop back to 4/s over 10 s. */
    struct load_stage st[4] = {{4.0, 1.0}, {4.0, 50.0}, {40.0, 10.0}, {4.0, 10.0}};
    struct profile p;
    char err[256];
    assert_int_equal(profile_init(&p, st, 4, err, sizeof(err)), 0);
    double total = 2.0 + 200.0 + 220.0 + 220.0;
    assert_true(fabs(p.total_count - total) < 1e-9);
    int64_t n = profile_orders(&p, 0);
    assert_int_equal(n, 642);
    /* Times strictly increase and the count at each time equals k + 1. */
    double prev = -1.0;
    for (int64_t k = 0; k < n; k++) {
        double t = profile_time_ms(&p, k);
        assert_true(t > prev);
        prev = t;
        double c = profile_count_at(&p, t / 1000.0);
        if (fabs(c - (double)(k + 1)) > 1e-6)
            fail_msg("order %lld at %.3f ms: N=%.9f", (long long)k, t, c);
    }
    assert_true(prev <= 71000.0 + 1e-6);
}

static void test_duration_cut(void **state)
{
    (void)state;
    struct load_stage st[2] = {{10.0, 10.0}, {10.0, 100.0}};
    struct profile p;
    char err[256];
    assert_int_equal(profile_init(&p, st, 2, err, sizeof(err)), 0);
    assert_int_equal(profile_orders(&p, 20.0), 150);
    assert_int_equal(profile_orders(&p, 1e9), 1050);
}

static void test_zero_rate_hold(void **state)
{
    (void)state;
    /* A pause at rate 0 between two bursts schedules nothing inside it. */
    struct load_stage st[4] = {{10.0, 2.0}, {0.0, 2.0}, {0.0, 100.0}, {10.0, 2.0}};
    struct profile p;
    char err[256];
    assert_int_equal(profile_init(&p, st, 4, err, sizeof(err)), 0);
    int64_t n = profile_orders(&p, 0);
    assert_int_equal(n, 30);
    for (int64_t k = 0; k < n; k++) {
        double t = profile_time_ms(&p, k) / 1000.0;
        assert_false(t > 4.0 + 1e-9 && t < 104.0 - 1e-9);
    }
}

static void test_bad_stages(void **state)
{
    (void)state;
    struct profile p;
    char err[256];
    struct load_stage bad_len[1] = {{1.0, 0.0}};
    assert_int_equal(profile_init(&p, bad_len, 1, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "load.stages[0].sim_s"));
    struct load_stage bad_rate[2] = {{1.0, 1.0}, {-1.0, 5.0}};
    assert_int_equal(profile_init(&p, bad_rate, 2, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "load.stages[1].ramp_to_per_s"));
    assert_int_equal(profile_init(&p, bad_rate, 0, err, sizeof(err)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_rate),       cmocka_unit_test(test_ramp_quadratic),
        cmocka_unit_test(test_ramp_down_and_spike), cmocka_unit_test(test_duration_cut),
        cmocka_unit_test(test_zero_rate_hold),      cmocka_unit_test(test_bad_stages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
