/* Outbox backoff: exponential, capped, jittered within the upper half, deterministic per seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/outbox.h"

static void grows_and_caps(void **state)
{
    (void)state;
    for (int a = 0; a < 40; a++) {
        int64_t d = outbox_backoff_ms(100, 5000, a, 42, 7);
        int64_t full = 100;
        for (int i = 0; i < a && full < 5000; i++) {
            full *= 2;
        }
        if (full > 5000) {
            full = 5000;
        }
        assert_true(d >= full / 2);
        assert_true(d <= full);
        assert_true(d <= 5000);
    }
    assert_true(outbox_backoff_ms(100, 5000, 0, 1, 1) <= 100);
    assert_true(outbox_backoff_ms(100, 5000, 30, 1, 1) >= 2500);
}

static void deterministic_and_jittered(void **state)
{
    (void)state;
    assert_int_equal(outbox_backoff_ms(100, 60000, 5, 9, 3),
                     outbox_backoff_ms(100, 60000, 5, 9, 3));
    /* different jobs retrying at the same attempt spread out (no thundering herd) */
    int64_t lo = INT64_MAX, hi = 0;
    for (int64_t id = 0; id < 200; id++) {
        int64_t d = outbox_backoff_ms(100, 60000, 6, 9, id);
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    assert_true(lo >= 3200);
    assert_true(hi <= 6400);
    assert_true(hi - lo > 2000);
}

static void tiny_base(void **state)
{
    (void)state;
    assert_int_equal(outbox_backoff_ms(1, 1, 0, 0, 0), 1);
    assert_true(outbox_backoff_ms(1, 1, 50, 0, 0) == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grows_and_caps),
        cmocka_unit_test(deterministic_and_jittered),
        cmocka_unit_test(tiny_base),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
