/* Parcel lifecycle: timing within the mix's ranges, event order, outcomes by share, determinism,
 * both vocabularies, stall shifts, UTC+8 times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "carrier/parcel.h"

static struct parcel_mix mix(double problem, double refuse, double ret)
{
    struct parcel_mix m = {{300, 1200}, {600, 1800}, {2, 4}, problem, refuse, ret};
    return m;
}

static void test_signed_lifecycle_timing(void **state)
{
    struct parcel_mix m = mix(0, 0, 0);
    for (int k = 0; k < 50; k++) {
        char wb[32];
        snprintf(wb, sizeof(wb), "SF14000000%05d", k);
        struct parcel_plan p;
        assert_int_equal(parcel_plan_make(&m, 7, wb, 1000000, &p), 0);
        assert_int_equal(p.outcome, OUTCOME_SIGNED);
        assert_int_equal(p.ev[0].state, K100_COLLECTED);
        assert_int_equal(p.ev[0].opcode, 50);
        assert_in_range(p.ev[0].sim_ms, 1000000 + 300000, 1000000 + 1200000);
        int transit = 0;
        for (int i = 1; i < p.count; i++) {
            int64_t gap = p.ev[i].sim_ms - p.ev[i - 1].sim_ms;
            assert_in_range(gap, 600000, 1800000);
            transit += p.ev[i].state == K100_IN_TRANSIT;
        }
        assert_in_range(transit, 2, 4);
        assert_int_equal(p.ev[p.count - 2].state, K100_DELIVERING);
        assert_int_equal(p.ev[p.count - 2].opcode, 44);
        assert_int_equal(p.ev[p.count - 1].state, K100_SIGNED);
        assert_int_equal(p.ev[p.count - 1].opcode, 80);
        assert_true(parcel_state_final(p.ev[p.count - 1].state));
    }
}

static void test_branches_follow_shares(void **state)
{
    struct parcel_mix m = mix(1, 0, 0);
    struct parcel_plan p;
    assert_int_equal(parcel_plan_make(&m, 1, "SF1", 0, &p), 0);
    assert_int_equal(p.outcome, OUTCOME_PROBLEM);
    assert_int_equal(p.ev[p.count - 1].state, K100_PROBLEM);
    m = mix(0, 1, 0);
    assert_int_equal(parcel_plan_make(&m, 1, "SF2", 0, &p), 0);
    int saw_refused = 0;
    for (int i = 0; i < p.count; i++)
        saw_refused |= p.ev[i].state == K100_REFUSED;
    assert_true(saw_refused);
    assert_int_equal(p.ev[p.count - 1].state, K100_RETURNED);
    m = mix(0, 0, 1);
    assert_int_equal(parcel_plan_make(&m, 1, "SF3", 0, &p), 0);
    assert_int_equal(p.outcome, OUTCOME_RETURNED);
    assert_int_equal(p.ev[p.count - 1].state, K100_RETURNED);
    assert_int_equal(p.ev[p.count - 2].state, K100_RETURNING);
}

static void test_deterministic_and_seeded(void **state)
{
    struct parcel_mix m = mix(0.2, 0.2, 0.2);
    struct parcel_plan a, b, c;
    assert_int_equal(parcel_plan_make(&m, 99, "ZTO786", 5000, &a), 0);
    assert_int_equal(parcel_plan_make(&m, 99, "ZTO786", 5000, &b), 0);
    assert_int_equal(a.count, b.count);
    assert_memory_equal(a.ev, b.ev, sizeof(a.ev[0]) * (size_t)a.count);
    assert_int_equal(parcel_plan_make(&m, 100, "ZTO786", 5000, &c), 0);
    assert_true(c.count != a.count || memcmp(a.ev, c.ev, sizeof(a.ev[0]) * (size_t)a.count) != 0);
}

static void test_shift_and_text(void **state)
{
    struct parcel_mix m = mix(0, 0, 0);
    struct parcel_plan p;
    assert_int_equal(parcel_plan_make(&m, 3, "SF9", 0, &p), 0);
    int64_t before1 = p.ev[1].sim_ms, before0 = p.ev[0].sim_ms;
    parcel_plan_shift(&p, 1, 3600000);
    assert_int_equal(p.ev[0].sim_ms, before0);
    assert_int_equal(p.ev[1].sim_ms, before1 + 3600000);
    char ctx[PARCEL_CONTEXT_BYTES_MAX];
    parcel_context(&p, 0, "顺丰速运", ctx, sizeof(ctx));
    assert_non_null(strstr(ctx, "已揽收"));
    parcel_context(&p, p.count - 2, "顺丰速运", ctx, sizeof(ctx));
    assert_non_null(strstr(ctx, "派件"));
    assert_non_null(strstr(ctx, "138****"));
    assert_string_equal(parcel_state_name(K100_DELIVERING), "out_for_delivery");
    assert_string_equal(parcel_state_name(K100_REFUSED), "refused");
    assert_null(parcel_state_name(7));
}

static void test_time_format_utc8(void **state)
{
    char buf[24];
    parcel_format_time(0, buf, sizeof(buf));
    assert_string_equal(buf, "1970-01-01 08:00:00");
    parcel_format_time(1593594564000LL, buf, sizeof(buf)); /* 2020-07-01 09:09:24 UTC */
    assert_string_equal(buf, "2020-07-01 17:09:24");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_lifecycle_timing),
        cmocka_unit_test(test_branches_follow_shares),
        cmocka_unit_test(test_deterministic_and_seeded),
        cmocka_unit_test(test_shift_and_text),
        cmocka_unit_test(test_time_format_utc8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
