/* sim/check/summary.c and series.c on the fixtures: summary.json keys and nesting, null with a
 * reason for what cannot be computed, timeseries.csv bucket sums equal the totals. */
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
#include "check/series.h"
#include "check/summary.h"
#include "common/json.h"
#include "report/timeseries.h"
#include "scenario/scenario.h"

static struct scenario sc;
static char dir[512];

static struct records *load(int with_state)
{
    const char *root = getenv("SHIPSIM_ROOT");
    snprintf(dir, sizeof(dir), "%s/tests/fixtures/check", root ? root : ".");
    char p[640], err[512];
    struct records *r = records_new();
    snprintf(p, sizeof(p), "%s/truth-platform.jsonl", dir);
    assert_int_equal(records_read_platform(r, p, err, sizeof(err)), 0);
    snprintf(p, sizeof(p), "%s/truth-carrier.jsonl", dir);
    assert_int_equal(records_read_carrier(r, p, err, sizeof(err)), 0);
    snprintf(p, sizeof(p), "%s/faults.jsonl", dir);
    assert_int_equal(records_read_faults(r, p, err, sizeof(err)), 0);
    if (with_state) {
        snprintf(p, sizeof(p), "%s/state.jsonl", dir);
        assert_int_equal(records_read_state(r, p, err, sizeof(err)), 0);
        snprintf(p, sizeof(p), "%s/evidence.jsonl", dir);
        assert_int_equal(records_read_evidence(r, p, err, sizeof(err)), 0);
    }
    records_index(r);
    memset(&sc, 0, sizeof(sc));
    sc.sla_ship_within_s = 7200;
    return r;
}

static void test_summary_keys(void **state)
{
    (void)state;
    struct records *r = load(0);
    struct check_input in = {.sc = &sc, .rec = r, .load_end_ms = 1000000};
    struct check *c = check_run(&in);
    struct threshold *t = &sc.thresholds[sc.threshold_count++];
    snprintf(t->figure, sizeof(t->figure), "orders_shipped");
    snprintf(t->text, sizeof(t->text), "< 0");
    assert_int_equal(threshold_parse(t->text, &t->op, &t->value), 0);
    assert_int_equal(check_thresholds(c, &sc), 1);
    char path[] = "/tmp/test_check_summary_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    struct summary_meta meta = {.scenario = "fixture",
                                .seed = 18446744073709551615ULL,
                                .git_revision = "abc",
                                .passed = 0,
                                .notes = {"n1", NULL}};
    char err[512];
    assert_int_equal(summary_write(path, c, &meta, err, sizeof(err)), 0);
    cJSON *doc = json_parse_file(path, 1 << 20, err, sizeof(err));
    assert_non_null(doc);
    struct json_reader rd;
    json_reader_init(&rd);
    int64_t lost = -1;
    assert_int_equal(json_get_int(&rd, doc, "lost_orders", 1, &lost, 0, 0, 1000), 0);
    assert_int_equal(lost, 2); /* external: the held order counts */
    char verdict[16];
    assert_int_equal(json_get_string(&rd, doc, "verdict", 1, verdict, 16, ""), 0);
    assert_string_equal(verdict, "fail");
    const cJSON *faults = json_get_object(&rd, doc, "faults_injected", 1);
    assert_non_null(faults);
    int64_t lo = -1;
    assert_int_equal(json_get_int(&rd, faults, "lost_order", 1, &lo, 0, 0, 100), 0);
    assert_int_equal(lo, 2);
    const cJSON *un = json_get_object(&rd, doc, "unavailable", 1);
    char why[160];
    assert_int_equal(json_get_string(&rd, un, "state_regressions", 1, why, 160, ""), 0);
    assert_non_null(strstr(why, "external"));
    /* An unavailable figure is null, not zero: reading it as an int fails. */
    int64_t reg = 0;
    assert_int_equal(json_get_int(&rd, doc, "state_regressions", 1, &reg, 0, 0, 1), -1);
    assert_non_null(json_get_array(&rd, doc, "thresholds", 1, 1, 1));
    json_delete(doc);
    close(fd);
    unlink(path);
    check_free(c);
    records_free(r);
}

static void test_series_sums(void **state)
{
    (void)state;
    struct records *r = load(1);
    struct check_input in = {.sc = &sc, .rec = r, .run_start_ms = 900000, .load_end_ms = 1000000};
    struct series_sample s[2] = {{1000000, 10, 1, 5, 0}, {2000000, 30, 2, 4, 0}};
    char path[] = "/tmp/test_check_series_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char err[512];
    assert_int_equal(series_write_csv(path, &in, 10000000, 100.0, s, 2, err, sizeof(err)), 0);
    struct ts *t = ts_read(path, err, sizeof(err));
    if (t == NULL)
        fail_msg("%s", err);
    assert_true(ts_rows(t) <= SERIES_ROWS_MAX);
    int placed = ts_column_index(t, "orders_placed");
    int shipped = ts_column_index(t, "orders_shipped");
    int preq = ts_column_index(t, "http_requests_platform");
    int creq = ts_column_index(t, "http_requests_carrier");
    int ev = ts_column_index(t, "evidence_bad_signature");
    int fl = ts_column_index(t, "fault_lost_order");
    int p99 = ts_column_index(t, "ship_latency_p99_ms");
    assert_true(placed >= 0 && shipped >= 0 && preq >= 0 && ev >= 0 && fl >= 0 && p99 >= 0);
    double sum[6] = {0};
    int lat_rows = 0;
    for (long i = 0; i < ts_rows(t); i++) {
        sum[0] += ts_value(t, i, placed);
        sum[1] += ts_value(t, i, shipped);
        sum[2] += ts_value(t, i, preq);
        sum[3] += ts_value(t, i, ev);
        sum[4] += ts_value(t, i, fl);
        sum[5] += ts_value(t, i, creq);
        lat_rows += !isnan(ts_value(t, i, p99));
    }
    assert_true(sum[0] == 15);
    assert_true(sum[1] == 10);
    assert_true(sum[2] == 30); /* cumulative 10 then 30 */
    assert_true(sum[5] == 9);  /* 5, then a restart reset the counter to 4 */
    assert_true(sum[3] == 1);
    assert_true(sum[4] == 2);
    assert_true(lat_rows >= 2);
    ts_free(t);
    close(fd);
    unlink(path);
    records_free(r);
    assert_int_equal(series_bucket_s(1000), 1);
    assert_int_equal(series_bucket_s(2000 * 1000), 1);
    assert_int_equal(series_bucket_s(2001 * 1000), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_keys),
        cmocka_unit_test(test_series_sums),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
