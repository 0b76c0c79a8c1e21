/* Reading a run folder: summary figures flattened (objects become "<object>.<key>"), nulls with
 * their reasons, seeds as numbers or strings, fault windows and crash series from scenario.json,
 * both violations.jsonl shapes, and a note for every missing file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/rundata.h"

static char dir[64];

static void put_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/shipsim-rundata-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_summary(void **state)
{
    (void)state;
    put_file("summary.json",
             "{\"scenario\":\"s1\",\"seed\":\"18446744073709551615\",\"verdict\":\"fail\","
             "\"lost_orders\":3,\"sync_lag_p50_ms\":null,\"label\":\"x\",\"list\":[1,2],"
             "\"faults_injected\":{\"lost_order\":7,\"crash\":0},"
             "\"unavailable\":{\"sync_lag_p50_ms\":\"the core saw no tracking\"},"
             "\"thresholds\":[{\"figure\":\"lost_orders\",\"condition\":\"== 0\",\"value\":3,"
             "\"pass\":false},{\"figure\":\"sync_lag_p50_ms\",\"condition\":\"< 5\","
             "\"value\":null,\"pass\":false}]}");
    char err[256];
    struct run_data *rd = run_data_load(dir, err, sizeof(err));
    if (!rd)
        fail_msg("run_data_load: %s", err);
    assert_string_equal(rd->scenario_name, "s1");
    assert_string_equal(rd->verdict, "fail");
    assert_true(rd->have_seed);
    assert_true(rd->seed == UINT64_MAX);
    const struct run_figure *f = run_figure_find(rd, "lost_orders");
    assert_non_null(f);
    assert_true(f->present && f->value == 3);
    f = run_figure_find(rd, "sync_lag_p50_ms");
    assert_non_null(f);
    assert_false(f->present);
    assert_string_equal(f->reason, "the core saw no tracking");
    f = run_figure_find(rd, "faults_injected.lost_order");
    assert_non_null(f);
    assert_true(f->value == 7);
    assert_non_null(run_figure_find(rd, "faults_injected.crash"));
    assert_null(run_figure_find(rd, "label"));
    assert_null(run_figure_find(rd, "seed"));
    assert_null(run_figure_find(rd, "unavailable.sync_lag_p50_ms"));
    assert_int_equal(rd->threshold_count, 2);
    assert_false(rd->thresholds[1].has_value);
    assert_true(isnan(rd->thresholds[1].value));
    /* everything else is missing, and said */
    assert_non_null(strstr(rd->notes, "scenario.json"));
    assert_non_null(strstr(rd->notes, "timeseries.csv: missing"));
    assert_non_null(strstr(rd->notes, "violations.jsonl: missing"));
    assert_non_null(strstr(rd->notes, "faults.jsonl: missing"));
    assert_non_null(strstr(rd->notes, "latency-*.hgrm: none found"));
    assert_int_equal(rd->fault_lines, -1);
    run_data_free(rd);
}

static void test_scenario_and_violations(void **state)
{
    (void)state;
    put_file("summary.json", "{\"lost_orders\":1}");
    put_file("scenario.json", "{\"name\":\"s2\",\"seed\":42,\"sim\":{\"duration_s\":600},"
                              "\"faults\":[{\"kind\":\"maintenance\",\"window_s\":[60,120]},"
                              "{\"kind\":\"lost_order\",\"probability\":0.1}],"
                              "\"crashes\":[{\"process\":\"syncd\",\"at_s\":300},"
                              "{\"process\":\"mockplat\",\"every_s\":100,\"count\":3}]}");
    put_file(
        "violations.jsonl",
        "{\"invariant\":\"lost_orders\",\"order_id\":\"A\",\"timeline\":[{\"t\":1},{\"t\":2}]}\n"
        "not json\n"
        "{\"order_id\":\"B\",\"violations\":[\"late_order\",\"waybill_mismatch\"],"
        "\"truth\":[{\"type\":\"order\"}],\"state\":[],\"faults\":[{\"kind\":\"x\"}],"
        "\"evidence\":[]}\n");
    put_file("faults.jsonl", "{\"kind\":\"a\"}\n\n{\"kind\":\"b\"}\n");
    put_file("latency-ship.hgrm", "1.0 0.0 1 1.00\n2.0 1.0 2\n");
    put_file("latency-waybill.hgrm", "1.0 0.0 1 1.00\n");
    put_file("latency-bad.hgrm", "1.0 zz\n");
    char err[256];
    struct run_data *rd = run_data_load(dir, err, sizeof(err));
    if (!rd)
        fail_msg("run_data_load: %s", err);
    assert_true(rd->have_seed);
    assert_true(rd->seed == 42);
    assert_string_equal(rd->scenario_name, "s2");
    assert_int_equal(rd->window_count, 6);
    assert_string_equal(rd->windows[0].kind, "maintenance");
    assert_true(rd->windows[0].from_s == 60 && rd->windows[0].to_s == 120);
    assert_true(rd->windows[1].from_s == 0 && rd->windows[1].to_s == 600); /* whole run */
    assert_true(rd->windows[2].from_s == 300);
    assert_string_equal(rd->windows[3].target, "mockplat");
    assert_true(rd->windows[3].from_s == 100 && rd->windows[5].from_s == 300);
    assert_int_equal(rd->violations_total, 3);
    assert_string_equal(rd->violations[0].invariant, "lost_orders");
    assert_int_equal(rd->violations[0].item_count, 2);
    assert_string_equal(rd->violations[1].order_id, "B");
    assert_string_equal(rd->violations[2].invariant, "waybill_mismatch");
    assert_int_equal(rd->violations[2].item_count, 2);
    assert_non_null(strstr(rd->violations[2].items[0], "truth: {\"type\":\"order\"}"));
    assert_non_null(strstr(rd->notes, "violations.jsonl: 1 lines are not JSON objects"));
    assert_int_equal(rd->fault_lines, 2);
    assert_int_equal(rd->stage_count, 2);
    assert_string_equal(rd->stages[0].name, "waybill"); /* pipeline order, not name order */
    assert_string_equal(rd->stages[1].name, "ship");
    assert_non_null(strstr(rd->notes, "latency-bad.hgrm unreadable: "));
    run_data_free(rd);
    uint64_t seed = 0;
    assert_int_equal(run_seed_read(dir, &seed, err, sizeof(err)), 0);
    assert_true(seed == 42);
}

static void test_bad_summary(void **state)
{
    (void)state;
    char err[256];
    assert_null(run_data_load(dir, err, sizeof(err)));
    assert_non_null(strstr(err, "summary.json: No such file"));
    put_file("summary.json", "[1,2]");
    assert_null(run_data_load(dir, err, sizeof(err)));
    assert_non_null(strstr(err, "top level is not an object"));
    uint64_t seed;
    assert_int_equal(run_seed_read(dir, &seed, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no \"seed\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scenario_and_violations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_summary, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
