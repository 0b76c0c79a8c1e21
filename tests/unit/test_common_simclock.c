/* sim/common/simclock.c: scale, conversions, option parsing, formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/simclock.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Exact arithmetic on a clock with a known anchor (no sleeping). */
static void test_at_mono_exact(void **state)
{
    (void)state;
    struct simclock c;
    assert_int_equal(simclock_set(&c, 1700000000000LL, 1000000000LL, 720.0), 0);
    assert_int_equal(simclock_at_mono_ms(&c, 1000000000LL), 1700000000000LL);
    /* 10 wall ms later: 7200 sim ms */
    assert_int_equal(simclock_at_mono_ms(&c, 1010000000LL), 1700000007200LL);
    /* one wall second: 12 sim minutes */
    assert_int_equal(simclock_at_mono_ms(&c, 2000000000LL), 1700000000000LL + 720000);
    assert_true(simclock_wall_ms(&c, 7200.0) == 10.0);
    assert_true(simclock_wall_ms(&c, 3600000.0) == 5000.0);
}

static void test_set_rejects(void **state)
{
    (void)state;
    struct simclock c = {.epoch_ms = 5, .anchor_ns = 6, .scale = 7};
    assert_int_equal(simclock_set(&c, 1, 1, 0.0), -1);
    assert_int_equal(simclock_set(&c, 1, 1, -2.0), -1);
    assert_int_equal(simclock_set(&c, 1, 0, 1.0), -1);
    assert_int_equal(simclock_set(&c, 0, 1, 1.0), -1);
    /* a rejected set leaves the clock alone */
    assert_int_equal(c.epoch_ms, 5);
    assert_int_equal(c.anchor_ns, 6);
}

static void test_scale_in_real_time(void **state)
{
    (void)state;
    struct simclock c;
    simclock_init(&c, 1700000000000LL, 720.0);
    assert_int_equal(c.epoch_ms, 1700000000000LL);
    int64_t mono0 = mono_now_ns();
    int64_t sim0 = simclock_now_ms(&c);
    sleep_ms(10);
    int64_t sim1 = simclock_now_ms(&c);
    int64_t mono1 = mono_now_ns();
    int64_t sim_delta = sim1 - sim0;
    double wall_ms = (double)(mono1 - mono0) / 1e6;
    /* the sleep lasts at least 10 ms: at least 7200 sim ms (minus rounding) */
    assert_true(sim_delta >= 7200 - 2);
    /* and never more than the scaled wall time that really passed around it */
    assert_true((double)sim_delta <= wall_ms * 720.0 + 2);
    /* a loaded host may oversleep, but not by a second */
    assert_true(sim_delta < 720000);
}

static void test_wall_until(void **state)
{
    (void)state;
    struct simclock c;
    simclock_init(&c, 1700000000000LL, 100.0);
    int64_t now = simclock_now_ms(&c);
    assert_int_equal(simclock_wall_ms_until(&c, now - 1000), 0);
    int64_t w = simclock_wall_ms_until(&c, now + 100000);
    /* 100000 sim ms at scale 100 is 1000 wall ms, a little less as time passes */
    assert_in_range(w, 900, 1000);
    /* rounds up: a 1 sim ms wait is at least 1 wall ms, never 0 */
    simclock_init(&c, 1700000000000LL, 1000.0);
    assert_true(simclock_wall_ms_until(&c, simclock_now_ms(&c) + 500) >= 0);
}

static void test_default_epoch_is_now(void **state)
{
    (void)state;
    struct simclock c;
    int64_t before = wall_now_ms();
    simclock_init(&c, 0, 1.0);
    int64_t after = wall_now_ms();
    assert_in_range(c.epoch_ms, before, after);
}

static int parse(struct simclock *c, const char *opt, const char *val, char *err, int *i)
{
    char *argv[] = {"prog", (char *)opt, (char *)val, NULL};
    int argc = val != NULL ? 3 : 2;
    *i = 1;
    return simclock_parse_arg(c, argc, argv, i, err, 128);
}

static void test_parse_arg(void **state)
{
    (void)state;
    struct simclock c = {.epoch_ms = 1, .anchor_ns = 1, .scale = 1};
    char err[128] = "";
    int i = 0;
    assert_int_equal(parse(&c, "--time-scale", "720", err, &i), 1);
    assert_true(c.scale == 720.0);
    assert_int_equal(i, 2);
    assert_int_equal(parse(&c, "--sim-epoch-ms", "1700000000000", err, &i), 1);
    assert_int_equal(c.epoch_ms, 1700000000000LL);
    assert_int_equal(parse(&c, "--sim-anchor-ns", "123456789", err, &i), 1);
    assert_int_equal(c.anchor_ns, 123456789);
    assert_int_equal(parse(&c, "--port", "80", err, &i), 0);
    assert_int_equal(i, 1);

    assert_int_equal(parse(&c, "--time-scale", "0", err, &i), -1);
    assert_non_null(strstr(err, "--time-scale"));
    assert_int_equal(parse(&c, "--time-scale", "abc", err, &i), -1);
    assert_int_equal(parse(&c, "--time-scale", "1e9", err, &i), -1);
    assert_int_equal(parse(&c, "--time-scale", "5x", err, &i), -1);
    assert_int_equal(parse(&c, "--sim-epoch-ms", "-5", err, &i), -1);
    assert_non_null(strstr(err, "positive integer"));
    assert_int_equal(parse(&c, "--sim-epoch-ms", "12abc", err, &i), -1);
    assert_int_equal(parse(&c, "--sim-anchor-ns", "99999999999999999999999", err, &i), -1);
    assert_int_equal(parse(&c, "--sim-anchor-ns", NULL, err, &i), -1);
    assert_non_null(strstr(err, "needs a value"));
    /* failures left the clock as it was */
    assert_true(c.scale == 720.0);
    assert_int_equal(c.epoch_ms, 1700000000000LL);
}

static void test_format(void **state)
{
    (void)state;
    char buf[32];
    simclock_format(0, buf, sizeof(buf));
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
    simclock_format(1795303111123LL, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-21T23:18:31.123Z");
    simclock_format(-1, buf, sizeof(buf));
    assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_at_mono_exact),
        cmocka_unit_test(test_set_rejects),
        cmocka_unit_test(test_scale_in_real_time),
        cmocka_unit_test(test_wall_until),
        cmocka_unit_test(test_default_epoch_is_now),
        cmocka_unit_test(test_parse_arg),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
