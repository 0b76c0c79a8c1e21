/* sim/check: the checker on hand-made truth/state files (tests/fixtures/check/README.md) finds
 * each kind of violation, and only those; thresholds judge the figures. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "check/check.h"
#include "check/records.h"
#include "common/hdr.h"
#include "scenario/scenario.h"

static char dir[512];
static struct scenario sc;

static void fixture(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

static struct records *load(int with_state)
{
    char path[640], err[512];
    struct records *r = records_new();
    assert_non_null(r);
    fixture(path, sizeof(path), "truth-platform.jsonl");
    assert_int_equal(records_read_platform(r, path, err, sizeof(err)), 0);
    fixture(path, sizeof(path), "truth-carrier.jsonl");
    assert_int_equal(records_read_carrier(r, path, err, sizeof(err)), 0);
    fixture(path, sizeof(path), "faults.jsonl");
    assert_int_equal(records_read_faults(r, path, err, sizeof(err)), 0);
    if (with_state) {
        fixture(path, sizeof(path), "state.jsonl");
        assert_int_equal(records_read_state(r, path, err, sizeof(err)), 0);
        fixture(path, sizeof(path), "evidence.jsonl");
        assert_int_equal(records_read_evidence(r, path, err, sizeof(err)), 0);
    }
    records_index(r);
    return r;
}

static struct check *run(struct records *r, struct check_input *in)
{
    memset(in, 0, sizeof(*in));
    in->sc = &sc;
    in->rec = r;
    in->run_start_ms = 0;
    in->load_end_ms = 1000000;
    in->clock_slack_ms = 1000;
    struct check *c = check_run(in);
    assert_non_null(c);
    return c;
}

static double fig(const struct check *c, const char *name)
{
    double v = NAN;
    const char *reason = NULL;
    int got = check_get(c, name, &v, &reason);
    if (got != 1)
        fail_msg("%s: not available (%d): %s", name, got, reason ? reason : "?");
    return v;
}

static int setup(void **state)
{
    (void)state;
    const char *root = getenv("SHIPSIM_ROOT");
    snprintf(dir, sizeof(dir), "%s/tests/fixtures/check", root ? root : ".");
    memset(&sc, 0, sizeof(sc));
    snprintf(sc.name, sizeof(sc.name), "fixture");
    sc.sla_ship_within_s = 7200;
    return 0;
}

static void test_records(void **state)
{
    (void)state;
    struct records *r = load(1);
    assert_int_equal(r->order_count, 15);
    assert_int_equal(r->sku_count, 2);
    assert_int_equal(r->core_count, 14);
    assert_int_equal(r->fault_count, 7);
    assert_int_equal(r->bad_lines, 1); /* the torn line */
    const struct rec_order *o = records_order(r, "A4");
    assert_non_null(o);
    assert_true(o->ship_ms == 9000000);
    assert_true(records_order(r, "A12")->pay_ms == REC_NONE);
    const struct rec_waybill *w;
    assert_int_equal(records_waybills_of(r, "A7", &w), 2);
    assert_null(records_order(r, "A99"));
    char id[32];
    assert_int_equal(records_line_order_id("{\"x\":1, \"order_ref\" : \"A7\"}", id, 32), 1);
    assert_string_equal(id, "A7");
    records_free(r);
    static const char *const refs[][2] = {{"A7-R1", "A7"},  {"A7-R12", "A7"},   {"A7", "A7"},
                                          {"A7-R", "A7-R"}, {"A7-Rx", "A7-Rx"}, {"-R1", "-R1"},
                                          {"A-B-R2", "A-B"}};
    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
        char ref[32];
        snprintf(ref, sizeof(ref), "%s", refs[i][0]);
        records_ref_to_order(ref);
        assert_string_equal(ref, refs[i][1]);
    }
}

static void test_each_violation_found(void **state)
{
    (void)state;
    struct records *r = load(1);
    struct check_input in;
    struct check *c = run(r, &in);
    assert_true(fig(c, "orders_placed") == 15);
    assert_true(fig(c, "orders_paid") == 13);
    assert_true(fig(c, "orders_shipped") == 10);
    assert_true(fig(c, "orders_delivered") == 1);
    assert_true(fig(c, "orders_cancelled") == 1);
    assert_true(fig(c, "lost_orders") == 1);
    assert_true(fig(c, "late_orders") == 1);
    assert_true(fig(c, "duplicate_waybills") == 1);
    assert_true(fig(c, "surplus_waybills_live") == 1);
    assert_true(fig(c, "waybill_mismatches") == 2);
    assert_true(fig(c, "garbled_propagated") == 2);
    assert_true(fig(c, "state_regressions") == 1);
    assert_true(fig(c, "forged_accepted") == 1);
    assert_true(fabs(fig(c, "inventory_accuracy") - 0.5) < 1e-9);
    assert_true(fig(c, "oversold_units") == 2);
    assert_true(fabs(fig(c, "fault_detection_rate") - 0.5) < 1e-9);
    assert_true(fig(c, "orders_held") == 1);
    assert_true(fabs(fig(c, "exception_order_rate") - 0.25) < 1e-9);
    assert_true(fig(c, "faults_injected.lost_order") == 2);
    assert_true(fig(c, "faults_injected.crash") == 1);
    assert_true(fig(c, "faults_injected.stock_drift") == 0);
    assert_true(fig(c, "evidence.bad_signature") == 1);
    assert_true(fig(c, "evidence.oversell") == 0);
    /* A1 waits 100 s for shipping; A4 8000 s: the max is within hdr's 1%. */
    assert_true(fabs(fig(c, "max_ship_latency_ms") - 8000000.0) < 80000.0);
    assert_true(fig(c, "p50_ship_latency_ms") >= 99000 && fig(c, "p50_ship_latency_ms") <= 101000);
    assert_int_equal(hdr_count(check_stage_hist(c, STAGE_SHIP)), 10);
    assert_true(fig(c, "sync_lag_p99_ms") >= 257000 && fig(c, "sync_lag_p99_ms") <= 263000);
    assert_int_equal(check_violation_count(c), 10);
    check_free(c);
    records_free(r);
}

static void test_scheduled_pay_base(void **state)
{
    (void)state;
    struct records *r = load(1);
    /* The generator meant to pay every order 50 s before the mock saw it: latencies grow by
     * exactly that, the SLA check (truth to truth) does not move. */
    double sched[16];
    for (int i = 0; i < 16; i++)
        sched[i] = 1000000.0 - 50000.0;
    struct check_input in;
    memset(&in, 0, sizeof(in));
    in.sc = &sc;
    in.rec = r;
    in.load_end_ms = 1000000;
    in.sched_pay_ms = sched;
    in.sched_count = 16;
    struct check *c = check_run(&in);
    assert_non_null(c);
    assert_true(fig(c, "p50_ship_latency_ms") >= 148000 && fig(c, "p50_ship_latency_ms") <= 152000);
    assert_true(fig(c, "late_orders") == 1);
    check_free(c);
    records_free(r);
}

static void test_external_unavailable(void **state)
{
    (void)state;
    struct records *r = load(0);
    struct check_input in;
    struct check *c = run(r, &in);
    double v;
    const char *reason = NULL;
    assert_int_equal(check_get(c, "state_regressions", &v, &reason), 0);
    assert_non_null(strstr(reason, "external"));
    assert_int_equal(check_get(c, "forged_accepted", &v, &reason), 0);
    assert_int_equal(check_get(c, "inventory_accuracy", &v, &reason), 0);
    assert_int_equal(check_get(c, "fault_detection_rate", &v, &reason), 0);
    assert_int_equal(check_get(c, "sync_lag_p50_ms", &v, &reason), 0);
    assert_int_equal(check_get(c, "no_such_figure", &v, &reason), -1);
    /* Truth alone: A3's hold is unknown, so it counts as lost. */
    assert_true(fig(c, "lost_orders") == 2);
    assert_true(fig(c, "oversold_units") == 2);
    assert_true(fig(c, "garbled_propagated") == 1);
    check_free(c);
    records_free(r);
}

static void add_threshold(const char *figure, const char *text)
{
    struct threshold *t = &sc.thresholds[sc.threshold_count++];
    snprintf(t->figure, sizeof(t->figure), "%s", figure);
    snprintf(t->text, sizeof(t->text), "%s", text);
    assert_int_equal(threshold_parse(text, &t->op, &t->value), 0);
}

static void test_thresholds(void **state)
{
    (void)state;
    struct records *r = load(1);
    sc.threshold_count = 0;
    add_threshold("lost_orders", "== 1");               /* pass */
    add_threshold("duplicate_waybills", "== 0");        /* fail: 1 */
    add_threshold("faults_injected.lost_order", "> 0"); /* pass */
    add_threshold("inventory_accuracy", ">= 0.99");     /* fail: 0.5 */
    add_threshold("no_such_figure", "< 1");             /* fail: unknown */
    struct check_input in;
    struct check *c = run(r, &in);
    assert_int_equal(check_thresholds(c, &sc), 3);
    assert_int_equal(check_threshold_count(c), 5);
    const char *f, *cond;
    double v;
    int pass;
    check_threshold_result(c, 1, &f, &cond, &v, &pass);
    assert_string_equal(f, "duplicate_waybills");
    assert_string_equal(cond, "== 0");
    assert_true(v == 1);
    assert_int_equal(pass, 0);
    check_threshold_result(c, 4, &f, &cond, &v, &pass);
    assert_true(isnan(v));
    assert_int_equal(pass, 0);
    sc.threshold_count = 0;
    check_free(c);
    records_free(r);
}

static void test_violations_file(void **state)
{
    (void)state;
    struct records *r = load(1);
    struct check_input in;
    struct check *c = run(r, &in);
    char out[] = "/tmp/test_check_violations_XXXXXX";
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    char tp[640], tc[640], st[640], err[512];
    fixture(tp, sizeof(tp), "truth-platform.jsonl");
    fixture(tc, sizeof(tc), "truth-carrier.jsonl");
    fixture(st, sizeof(st), "state.jsonl");
    assert_int_equal(check_write_violations(c, out, tp, tc, st, err, sizeof(err)), 0);
    FILE *f = fopen(out, "r");
    assert_non_null(f);
    char line[16384];
    int lines = 0, saw_a12 = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        lines++;
        if (strncmp(line, "{\"order_id\":\"A12\"", 17) == 0) {
            saw_a12 = 1;
            assert_non_null(strstr(line, "\"forged_accepted\""));
            assert_non_null(strstr(line, "\"fault_undetected\""));
            assert_non_null(strstr(line, "\"kind\":\"forged_push\""));       /* its fault */
            assert_non_null(strstr(line, "\"state\":[{\"type\":\"order\"")); /* core line */
        }
    }
    fclose(f);
    close(fd);
    unlink(out);
    assert_int_equal(lines, 10);
    assert_true(saw_a12);
    check_free(c);
    records_free(r);
}

/* A core following tracking learns of a signature before the platform shows "delivered": that
 * step is no phantom; a "delivered" with no signature anywhere is (check-carrier-first/). */
static void test_delivered_from_carrier_first(void **state)
{
    (void)state;
    const char *root = getenv("SHIPSIM_ROOT");
    snprintf(dir, sizeof(dir), "%s/tests/fixtures/check-carrier-first", root ? root : ".");
    struct records *r = load(1);
    assert_true(records_parcel(r, "SF3100000010012")->signed_ms == 5000000);
    assert_true(records_parcel(r, "SF3100000010020")->signed_ms == REC_NONE);
    struct check_input in;
    struct check *c = run(r, &in);
    assert_true(fig(c, "forged_accepted") == 1);
    check_free(c);
    records_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_records, setup),
        cmocka_unit_test_setup(test_each_violation_found, setup),
        cmocka_unit_test_setup(test_scheduled_pay_base, setup),
        cmocka_unit_test_setup(test_external_unavailable, setup),
        cmocka_unit_test_setup(test_thresholds, setup),
        cmocka_unit_test_setup(test_violations_file, setup),
        cmocka_unit_test_setup(test_delivered_from_carrier_first, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
