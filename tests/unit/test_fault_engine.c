/* mocks/fault/fault.c: target and shop matching, windows, attempts, probability, determinism,
 * the fault log line and counters, attempt counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fault/fault.h"

static const char *const scenario_text =
    "{\"name\":\"t\",\"seed\":7,\"sim\":{\"duration_s\":3600,\"time_scale\":1},"
    "\"shops\":[{\"id\":\"sp1\",\"flavor\":\"shopee\",\"count\":2},{\"id\":\"wx1\",\"flavor\":"
    "\"wechat\",\"count\":1}],"
    "\"carriers\":{\"primary\":\"SF\",\"backup\":\"ZTO\",\"enabled\":[\"SF\",\"ZTO\"]},"
    "\"catalog\":[{\"sku\":\"TEE-01\",\"stock\":100,\"daily_mean_sales\":10}],"
    "\"load\":{\"stages\":[{\"ramp_to_per_s\":1,\"sim_s\":60}]},"
    "\"faults\":["
    "{\"kind\":\"lost_order\",\"target\":\"platform:order/get_order_list\",\"probability\":1},"
    "{\"kind\":\"maintenance\",\"target\":\"platform:logistics/"
    "*\",\"probability\":1,\"shop\":\"sp1\",\"window_s\":[0,60]},"
    "{\"kind\":\"error\",\"target\":\"platform:*\",\"probability\":0.5,\"attempts\":2},"
    "{\"kind\":\"latency\",\"target\":\"carrier:*\",\"probability\":1,\"delay_ms\":5},"
    "{\"kind\":\"maintenance\",\"target\":\"platform:order/"
    "*\",\"probability\":1,\"window_s\":[3000,3600]}"
    "],\"sla\":{\"ship_within_s\":3600},\"thresholds\":{}}";

struct fixture {
    struct scenario sc;
    struct simclock clock;
    struct fault_engine *fe;
    char log_path[64];
};

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
    snprintf(f->log_path, sizeof(f->log_path), "/tmp/test_fault_engine_%d.jsonl", (int)getpid());
    unlink(f->log_path);
    f->fe = fault_engine_new(&f->sc, FAULT_SIDE_PLATFORM, &f->clock, f->log_path);
    assert_non_null(f->fe);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    fault_engine_free(f->fe);
    unlink(f->log_path);
    free(f);
    return 0;
}

static struct fault_ctx ctx(const char *endpoint, const char *shop, const char *key, int attempt)
{
    return (struct fault_ctx){.endpoint = endpoint, .shop = shop, .key = key, .attempt = attempt};
}

static void test_side_filter(void **state)
{
    struct fixture *f = *state;
    /* the carrier latency rule is not the platform engine's */
    assert_int_equal(fault_engine_rule_count(f->fe), 4);
    assert_true(fault_engine_has_kind(f->fe, FAULT_LOST_ORDER));
    assert_false(fault_engine_has_kind(f->fe, FAULT_LATENCY));
    struct fault_ctx c = ctx("order/get_order_list", "sp1-1", "o1", 0);
    assert_null(fault_decide(f->fe, FAULT_LATENCY, &c));
}

static void test_target_match(void **state)
{
    (void)state;
    assert_true(fault_target_match("*", FAULT_SIDE_PLATFORM, "order/get"));
    assert_true(
        fault_target_match("platform:order/*", FAULT_SIDE_PLATFORM, "order/get_order_list"));
    assert_true(fault_target_match("platform:order/*", FAULT_SIDE_PLATFORM, "order/list/get"));
    assert_false(
        fault_target_match("platform:order/*", FAULT_SIDE_PLATFORM, "logistics/ship_order"));
    assert_false(fault_target_match("carrier:*", FAULT_SIDE_PLATFORM, "order/get"));
    assert_true(fault_target_match("carrier:EXP_*", FAULT_SIDE_CARRIER, "EXP_RECE_CREATE_ORDER"));
    assert_true(fault_target_match("push:*", FAULT_SIDE_PLATFORM, "push"));
    assert_false(fault_target_match("push:*", FAULT_SIDE_PLATFORM, "order/get"));
}

static void test_probability_one_and_endpoint(void **state)
{
    struct fixture *f = *state;
    struct fault_ctx hit = ctx("order/get_order_list", "wx1-1", "o1", 0);
    struct fault_ctx miss = ctx("order/get_order_detail", "wx1-1", "o1", 0);
    const struct fault_rule *r = fault_decide(f->fe, FAULT_LOST_ORDER, &hit);
    assert_non_null(r);
    assert_int_equal(r->kind, FAULT_LOST_ORDER);
    assert_null(fault_decide(f->fe, FAULT_LOST_ORDER, &miss));
    assert_null(fault_decide(f->fe, FAULT_DUPLICATE_ORDER, &hit));
}

static void test_shop_group_and_window(void **state)
{
    struct fixture *f = *state;
    struct fault_ctx sp = ctx("logistics/ship_order", "sp1-2", "o1", 0);
    struct fault_ctx wx = ctx("logistics/ship_order", "wx1-1", "o1", 0);
    struct fault_ctx other = ctx("logistics/ship_order", "sp10-1", "o1", 0);
    assert_non_null(fault_decide(f->fe, FAULT_MAINTENANCE, &sp));
    assert_null(fault_decide(f->fe, FAULT_MAINTENANCE, &wx));
    assert_null(fault_decide(f->fe, FAULT_MAINTENANCE, &other));
    /* the order maintenance rule's window starts at 3000 s: not active yet */
    struct fault_ctx late = ctx("order/get", "wx1-1", "o1", 0);
    assert_null(fault_decide(f->fe, FAULT_MAINTENANCE, &late));
    /* move the run start 3100 s into the past: inside the second window, past the first */
    f->clock.anchor_ns -= 3100 * 1000000000LL;
    assert_non_null(fault_decide(f->fe, FAULT_MAINTENANCE, &late));
    assert_null(fault_decide(f->fe, FAULT_MAINTENANCE, &sp));
}

static void test_attempts_and_determinism(void **state)
{
    struct fixture *f = *state;
    int hits_first = 0, hits_later = 0, same = 1;
    char key[32];
    for (int i = 0; i < 400; i++) {
        snprintf(key, sizeof(key), "order-%d", i);
        for (int a = 0; a < 4; a++) {
            struct fault_ctx c = ctx("order/get", "sp1-1", key, a);
            const struct fault_rule *r1 = fault_decide(f->fe, FAULT_ERROR, &c);
            const struct fault_rule *r2 = fault_decide(f->fe, FAULT_ERROR, &c);
            same &= r1 == r2;
            if (a < 2)
                hits_first += r1 != NULL;
            else
                hits_later += r1 != NULL;
        }
    }
    assert_true(same);
    assert_int_equal(hits_later, 0);       /* attempts: 2 -> only the first two attempts fail */
    assert_in_range(hits_first, 320, 480); /* p = 0.5 over 800 draws */
}

static void test_param_draw_range(void **state)
{
    struct fixture *f = *state;
    struct fault_ctx c = ctx("order/get_order_list", "sp1-1", "o1", 0);
    const struct fault_rule *r = fault_decide(f->fe, FAULT_LOST_ORDER, &c);
    assert_non_null(r);
    double a = fault_param_draw(f->fe, r, &c, "delay");
    double b = fault_param_draw(f->fe, r, &c, "delay");
    double m = fault_param_draw(f->fe, r, &c, "mode");
    assert_true(a >= 0.0 && a < 1.0);
    assert_true(a == b);
    assert_true(a != m);
}

static void test_record_log_and_counts(void **state)
{
    struct fixture *f = *state;
    struct fault_ctx c = ctx("order/get_order_list", "sp1-1", "220810QSK8S7BX", 3);
    const struct fault_rule *r = fault_decide(f->fe, FAULT_LOST_ORDER, &c);
    assert_non_null(r);
    assert_int_equal(fault_count(f->fe, FAULT_LOST_ORDER), 0);
    fault_record(f->fe, r, &c, "left out \"of\" page %d", 2);
    assert_int_equal(fault_count(f->fe, FAULT_LOST_ORDER), 1);
    assert_int_equal(fault_count_total(f->fe), 1);
    char *dump = fault_engine_dump(f->fe);
    assert_non_null(dump);
    assert_non_null(strstr(dump, "\"kind\":\"lost_order\",\"side\":\"platform\",\"rule\":0,"
                                 "\"endpoint\":\"order/get_order_list\",\"shop\":\"sp1-1\","
                                 "\"carrier\":\"\",\"order\":\"220810QSK8S7BX\",\"attempt\":3,"
                                 "\"detail\":\"left out \\\"of\\\" page 2\"}\n"));
    FILE *fp = fopen(f->log_path, "r");
    assert_non_null(fp);
    char line[1024] = "";
    assert_non_null(fgets(line, sizeof(line), fp));
    fclose(fp);
    assert_string_equal(line, dump);
    free(dump);
}

static void test_next_attempt(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(fault_next_attempt(f->fe, "order/get", "a"), 0);
    assert_int_equal(fault_next_attempt(f->fe, "order/get", "a"), 1);
    assert_int_equal(fault_next_attempt(f->fe, "order/get", "b"), 0);
    assert_int_equal(fault_next_attempt(f->fe, "push", "a"), 0);
    /* many keys force the table to grow; counts survive */
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(fault_next_attempt(f->fe, "x", key), 0);
    }
    assert_int_equal(fault_next_attempt(f->fe, "order/get", "a"), 2);
    fault_reset_attempts(f->fe);
    assert_int_equal(fault_next_attempt(f->fe, "order/get", "a"), 0);
}

static void test_set_rules(void **state)
{
    struct fixture *f = *state;
    struct fault_rule r = f->sc.faults[0];
    r.kind = FAULT_STALE_CACHE;
    assert_int_equal(fault_engine_set_rules(f->fe, &r, 1), 0);
    assert_int_equal(fault_engine_rule_count(f->fe), 1);
    assert_false(fault_engine_has_kind(f->fe, FAULT_LOST_ORDER));
    assert_true(fault_engine_has_kind(f->fe, FAULT_STALE_CACHE));
    r.kind = FAULT_KIND_COUNT;
    assert_int_equal(fault_engine_set_rules(f->fe, &r, 1), -1);
    assert_int_equal(fault_engine_set_rules(f->fe, NULL, 0), 0);
    assert_int_equal(fault_engine_rule_count(f->fe), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_side_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_target_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probability_one_and_endpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shop_group_and_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attempts_and_determinism, setup, teardown),
        cmocka_unit_test_setup_teardown(test_param_draw_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_log_and_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_next_attempt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_rules, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
