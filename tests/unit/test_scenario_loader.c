/* sim/scenario: defaults, crash expansion, errors with paths, credentials, thresholds,
 * round trip through scenario_to_json, run-time fault rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scenario/scenario.h"

#define ERR_LEN 8192

/* A minimal valid scenario; tests splice extra top-level members in with EXTRA. */
#define HEAD                                                                                       \
    "{\"name\":\"t\",\"sim\":{\"duration_s\":3600},"                                               \
    "\"shops\":[{\"id\":\"sp1\",\"flavor\":\"shopee\",\"count\":2},"                               \
    "{\"id\":\"wx1\",\"flavor\":\"wechat\"}],"                                                     \
    "\"catalog\":[{\"sku\":\"A\",\"stock\":10}],"                                                  \
    "\"load\":{\"stages\":[{\"ramp_to_per_s\":1,\"sim_s\":600},{\"ramp_to_per_s\":1,\"sim_s\":"    \
    "600}]}"
#define DOC(extra) HEAD extra "}"

static struct scenario *parse_ok(const char *text)
{
    static char err[ERR_LEN];
    struct scenario *sc = calloc(1, sizeof(*sc));
    assert_non_null(sc);
    int rc = scenario_parse(text, strlen(text), sc, err, sizeof(err));
    if (rc != 0)
        fail_msg("unexpected errors:\n%s", err);
    return sc;
}

/* Parse must fail, and err must contain every one of the NULL-terminated wants. */
static void expect_errors(const char *text, const char *const *wants)
{
    char err[ERR_LEN];
    struct scenario *sc = calloc(1, sizeof(*sc));
    assert_non_null(sc);
    sc->seed = 77; /* "written only on success" */
    assert_int_equal(scenario_parse(text, strlen(text), sc, err, sizeof(err)), -1);
    assert_true(sc->seed == 77);
    for (int i = 0; wants[i] != NULL; i++)
        if (strstr(err, wants[i]) == NULL)
            fail_msg("want '%s' in:\n%s", wants[i], err);
    free(sc);
}

static void test_defaults(void **state)
{
    (void)state;
    struct scenario *sc = parse_ok(DOC(""));
    assert_string_equal(sc->name, "t");
    assert_true(sc->seed == 1);
    assert_true(sc->time_scale == 1.0);
    assert_true(sc->sla_ship_within_s == 7200.0);
    assert_true(sc->drain_s == 7200.0); /* defaults to the ship SLA */
    assert_int_equal(sc->shop_group_count, 2);
    assert_int_equal(sc->shop_count, 3);
    assert_string_equal(sc->carrier_primary, "SF");
    assert_string_equal(sc->carrier_backup, "ZTO");
    assert_int_equal(sc->carrier_count, 3);
    assert_string_equal(sc->carriers_enabled[2], "YUNDA");
    assert_true(sc->catalog[0].weight == 1.0);
    assert_int_equal(sc->catalog[0].ship_delay, SHIP_IMMEDIATE);
    assert_true(sc->buyers.population == 10000);
    assert_true(sc->buyers.unpaid_share == 0.05);
    assert_int_equal(sc->buyers.lines_max, 2);
    assert_true(sc->buyers.pay_delay_s[0] == 5 && sc->buyers.pay_delay_s[1] == 120);
    assert_int_equal(sc->parcels.hops[0], 2);
    assert_int_equal(sc->parcels.hops[1], 5);
    assert_int_equal(sc->fault_count, 0);
    assert_int_equal(sc->crash_count, 0);
    assert_int_equal(sc->threshold_count, 0);
    /* ramp 0 -> 1/s over 600 s (300 orders) then 600 s at 1/s */
    assert_true(scenario_expected_orders(sc) == 900.0);
    free(sc);
}

static void test_fault_defaults_and_sides(void **state)
{
    (void)state;
    struct scenario *sc = parse_ok(DOC(
        ",\"faults\":[{\"kind\":\"lost_order\",\"target\":\"*\",\"probability\":0.5},"
        "{\"kind\":\"latency\",\"target\":\"carrier:EXP_*\",\"probability\":1,\"dist\":"
        "\"long_tail\",\"delay_ms\":10,\"delay_ms_max\":900,\"carrier\":\"ZTO\"},"
        "{\"kind\":\"error\",\"target\":\"platform:order/*\",\"shop\":\"sp1-2\",\"probability\":"
        "0.1,\"window_s\":[60,120],\"attempts\":2},"
        "{\"kind\":\"tracking_stall\",\"target\":\"*\",\"probability\":0.2}]"));
    assert_int_equal(sc->fault_count, 4);
    const struct fault_rule *f = sc->faults;
    assert_int_equal(f[0].kind, FAULT_LOST_ORDER);
    assert_int_equal(f[0].side, FAULT_SIDE_PLATFORM);
    assert_true(f[0].window_s[0] == 0 && f[0].window_s[1] == 3600 + 7200);
    assert_int_equal(f[1].side, FAULT_SIDE_CARRIER);
    assert_int_equal(f[1].dist, LATENCY_LONG_TAIL);
    assert_true(f[1].delay_ms_max == 900);
    assert_string_equal(f[1].carrier, "ZTO");
    assert_int_equal(f[2].status, 500);
    assert_int_equal(f[2].attempts, 2);
    assert_string_equal(f[2].shop, "sp1-2");
    assert_true(f[2].window_s[0] == 60 && f[2].window_s[1] == 120);
    assert_int_equal(f[3].side, FAULT_SIDE_CARRIER); /* '*' on a carrier-only kind */
    assert_true(f[3].duration_s == 7200);
    free(sc);
}

static void test_crash_expansion(void **state)
{
    (void)state;
    struct scenario *sc =
        parse_ok(DOC(",\"crashes\":[{\"process\":\"mockplat\",\"every_s\":1000,\"count\":3},"
                     "{\"process\":\"syncd\",\"at_s\":1500,\"restart_after_s\":1},"
                     "{\"process\":\"mockcarrier\",\"every_s\":500,\"count\":2,\"from_s\":0}]"));
    /* mockplat 1000 2000 3000, syncd 1500, mockcarrier 0 500 -> sorted */
    assert_int_equal(sc->crash_count, 6);
    const double at[] = {0, 500, 1000, 1500, 2000, 3000};
    const enum crash_process who[] = {CRASH_MOCKCARRIER, CRASH_MOCKCARRIER, CRASH_MOCKPLAT,
                                      CRASH_SYNCD,       CRASH_MOCKPLAT,    CRASH_MOCKPLAT};
    for (int i = 0; i < 6; i++) {
        assert_true(sc->crashes[i].at_s == at[i]);
        assert_int_equal(sc->crashes[i].process, who[i]);
    }
    assert_true(sc->crashes[3].restart_after_s == 1.0);
    assert_true(sc->crashes[0].restart_after_s == 0.2);
    free(sc);
    expect_errors(DOC(",\"crashes\":[{\"process\":\"syncd\",\"every_s\":1,\"count\":257}]"),
                  (const char *const[]){"crashes[0].count: must be in [1,256]", NULL});
    expect_errors(DOC(",\"crashes\":[{\"process\":\"syncd\",\"every_s\":10,\"count\":200},"
                      "{\"process\":\"syncd\",\"every_s\":10,\"count\":100}]"),
                  (const char *const[]){"crashes[1]: more than 256 crash events", NULL});
}

static void test_all_errors_with_paths(void **state)
{
    (void)state;
    expect_errors(DOC(",\"buyers\":{\"repeat_share\":-1,\"pay_delay_s\":[9,3]},"
                      "\"faults\":[{\"kind\":\"latency\",\"target\":\"platform:x\","
                      "\"probability\":0.1,\"status\":503},"
                      "{\"kind\":\"stale_cache\",\"target\":\"platform:y\",\"probability\":0.1,"
                      "\"shop\":\"sp1-3\"}],"
                      "\"thresholds\":{\"evidence.nonsense\":\"> 0\",\"lost_orders\":\"==\"}"),
                  (const char *const[]){
                      "buyers.repeat_share: must be in [0,1], got -1",
                      "buyers.pay_delay_s: must be [lo, hi] with lo <= hi",
                      "faults[0].status: does not apply to kind latency (it applies to: error)",
                      "faults[1].shop: unknown shop 'sp1-3'",
                      "thresholds.evidence.nonsense: unknown figure",
                      "thresholds.lost_orders: bad condition '=='", NULL});
    expect_errors("{\"name\": 1,}", (const char *const[]){"line 1, column 12", NULL});
    expect_errors(DOC(",\"seed\":1.5"), (const char *const[]){"seed: must be an integer", NULL});
    expect_errors(HEAD ",\"crashes\":[{\"process\":\"syncd\"}]}",
                  (const char *const[]){"crashes[0]: needs at_s, or every_s and count", NULL});
}

static void test_error_buffer_bounded(void **state)
{
    (void)state;
    /* 60 bad rules, a small buffer: the text stays a string and says how many there were */
    char text[16384];
    size_t n = (size_t)snprintf(text, sizeof(text), "%s,\"faults\":[", HEAD);
    for (int i = 0; i < 60; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s{\"kind\":\"nope\"}", i ? "," : "");
    snprintf(text + n, sizeof(text) - n, "]}");
    char err[600];
    struct scenario *sc = calloc(1, sizeof(*sc));
    assert_int_equal(scenario_parse(text, strlen(text), sc, err, sizeof(err)), -1);
    assert_true(strlen(err) < sizeof(err));
    assert_non_null(strstr(err, "errors in all; the rest are not shown"));
    free(sc);
}

static void test_credentials(void **state)
{
    (void)state;
    struct scenario *sc = parse_ok(DOC(",\"seed\":42"));
    struct shop_instance a, b, c, a2;
    assert_int_equal(scenario_shop(sc, 0, &a), 0);
    assert_int_equal(scenario_shop(sc, 1, &b), 0);
    assert_int_equal(scenario_shop(sc, 2, &c), 0);
    assert_int_equal(scenario_shop(sc, 3, &a2), -1);
    assert_int_equal(scenario_shop(sc, -1, &a2), -1);
    assert_string_equal(a.name, "sp1-1");
    assert_string_equal(b.name, "sp1-2");
    assert_string_equal(c.name, "wx1-1");
    assert_int_equal(c.flavor, FLAVOR_WECHAT);
    assert_int_equal(c.group, 1);
    assert_true(a.shop_id != b.shop_id);
    assert_true(a.partner_id != b.partner_id);
    assert_int_equal(strlen(a.partner_key), 64);
    assert_string_not_equal(a.partner_key, b.partner_key);
    assert_string_not_equal(a.refresh_token, b.refresh_token);
    assert_string_not_equal(b.secret, c.secret);
    assert_memory_equal(c.appid, "wx", 2);
    assert_int_equal(strlen(c.appid), 18);
    /* stable: same seed, same secrets */
    assert_int_equal(scenario_shop(sc, 0, &a2), 0);
    assert_memory_equal(&a, &a2, sizeof(a));
    /* another seed changes every secret but not the names and ids */
    sc->seed = 43;
    assert_int_equal(scenario_shop(sc, 0, &a2), 0);
    assert_string_equal(a2.name, a.name);
    assert_true(a2.shop_id == a.shop_id);
    assert_string_not_equal(a2.partner_key, a.partner_key);
    sc->seed = 42;
    assert_int_equal(scenario_shop_index(sc, "sp1-2"), 1);
    assert_int_equal(scenario_shop_index(sc, "wx1-1"), 2);
    assert_int_equal(scenario_shop_index(sc, "wx1-2"), -1);
    assert_int_equal(scenario_shop_index(sc, "sp1"), -1);
    assert_int_equal(scenario_shop_index(sc, "sp1-01"), -1);

    struct carrier_instance sf, zto, sf2;
    assert_int_equal(scenario_carrier(sc, 0, &sf), 0);
    assert_int_equal(scenario_carrier(sc, 1, &zto), 0);
    assert_int_equal(scenario_carrier(sc, 3, &sf2), -1);
    assert_string_equal(sf.code, "SF");
    assert_memory_equal(sf.partner_id, "SF", 2);
    assert_string_not_equal(sf.checkword, zto.checkword);
    assert_int_equal(scenario_carrier(sc, 0, &sf2), 0);
    assert_memory_equal(&sf, &sf2, sizeof(sf));
    struct tracking_account t1, t2;
    scenario_tracking_account(sc, &t1);
    scenario_tracking_account(sc, &t2);
    assert_memory_equal(&t1, &t2, sizeof(t1));
    assert_int_equal(strlen(t1.customer), 32);
    assert_string_not_equal(t1.key, t1.salt);
    free(sc);
}

static void test_thresholds(void **state)
{
    (void)state;
    enum threshold_op op;
    double v = 0;
    assert_int_equal(threshold_parse("== 0", &op, &v), 0);
    assert_int_equal(op, OP_EQ);
    assert_int_equal(threshold_parse("<7200000", &op, &v), 0);
    assert_int_equal(op, OP_LT);
    assert_true(v == 7200000);
    assert_int_equal(threshold_parse(" >= 0.999 ", &op, &v), 0);
    assert_int_equal(op, OP_GE);
    assert_true(v == 0.999);
    assert_int_equal(threshold_parse("!= -1", &op, &v), 0);
    assert_int_equal(op, OP_NE);
    const char *bad[] = {"= 0", "0", "==", "== x", "== 1 2", "=> 1", "< nan", "<< 1", "", "< inf"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        if (threshold_parse(bad[i], &op, &v) == 0)
            fail_msg("'%s' parsed", bad[i]);
    struct threshold t = {.op = OP_LE, .value = 5};
    assert_true(threshold_holds(&t, 5));
    assert_false(threshold_holds(&t, 5.0001));
    t.op = OP_GT;
    assert_false(threshold_holds(&t, 5));
    assert_true(threshold_holds(&t, 6));
    assert_false(threshold_holds(&t, 0.0 / 0.0)); /* unmeasured never passes */
    t.op = OP_EQ;
    t.value = 0;
    assert_true(threshold_holds(&t, 0));
    assert_false(threshold_holds(&t, 1));

    assert_true(scenario_figure_known("lost_orders"));
    assert_true(scenario_figure_known("p999_deliver_latency_ms"));
    assert_true(scenario_figure_known("max_waybill_latency_ms"));
    assert_true(scenario_figure_known("faults_injected.stock_drift"));
    assert_true(scenario_figure_known("evidence.stall_4h"));
    assert_false(scenario_figure_known("p95_ship_latency_ms"));
    assert_false(scenario_figure_known("faults_injected.nope"));
    assert_false(scenario_figure_known("evidence."));
    assert_false(scenario_figure_known("lost_orders "));
}

static void test_round_trip(void **state)
{
    (void)state;
    struct scenario *a = parse_ok(DOC(
        ",\"seed\":9007199254740991,\"description\":\"round \\\"trip\\\" é\","
        "\"carriers\":{\"primary\":\"JD\",\"backup\":\"STO\",\"enabled\":[\"STO\",\"JD\"]},"
        "\"buyers\":{\"repeat_share\":0.3333333333333333,\"cancel_share\":0.1},"
        "\"faults\":[{\"kind\":\"garbled_tracking\",\"target\":\"carrier:push\",\"probability\":"
        "0.1,\"mode\":\"mojibake\",\"carrier\":\"JD\"},{\"kind\":\"stock_drift\",\"target\":\"*\","
        "\"probability\":0.2,\"drift_units\":7,\"shop\":\"wx1\"},{\"kind\":\"latency\",\"target\":"
        "\"platform:*\",\"probability\":0.3,\"delay_ms\":12.5}],"
        "\"crashes\":[{\"process\":\"syncd\",\"every_s\":700,\"count\":4}],"
        "\"sla\":{\"ship_within_s\":1800,\"deliver_within_s\":86400},"
        "\"thresholds\":{\"lost_orders\":\"== 0\",\"p99_ship_latency_ms\":\"< 7200000\"}"));
    char *text = scenario_to_json(a);
    assert_non_null(text);
    struct scenario *b = parse_ok(text);
    assert_memory_equal(a, b, sizeof(*a));
    /* and once more: the text itself is a fixed point */
    char *text2 = scenario_to_json(b);
    assert_string_equal(text, text2);
    free(text);
    free(text2);
    free(a);
    free(b);
}

static void test_runtime_rules(void **state)
{
    (void)state;
    struct scenario *sc = parse_ok(DOC(""));
    struct fault_rule rules[4];
    int n = -1;
    char err[ERR_LEN];
    const char *ok = "{\"faults\":[{\"kind\":\"maintenance\",\"target\":\"platform:logistics/*\","
                     "\"probability\":1,\"window_s\":[0,600]}]}";
    assert_int_equal(scenario_parse_fault_rules(sc, ok, strlen(ok), rules, 4, &n, err, sizeof(err)),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(rules[0].kind, FAULT_MAINTENANCE);
    const char *bad = "{\"faults\":[{\"kind\":\"rate_limit\",\"target\":\"carrier:*\","
                      "\"probability\":1}],\"x\":1}";
    assert_int_equal(
        scenario_parse_fault_rules(sc, bad, strlen(bad), rules, 4, &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "faults[0].target: kind rate_limit exists on the platform side"));
    assert_non_null(strstr(err, "x: unknown key"));
    const char *empty = "{\"faults\":[]}";
    assert_int_equal(
        scenario_parse_fault_rules(sc, empty, strlen(empty), rules, 4, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 0);
    free(sc);
}

static void test_names(void **state)
{
    (void)state;
    for (int k = 0; k < FAULT_KIND_COUNT; k++)
        assert_int_equal(fault_kind_parse(fault_kind_name((enum fault_kind)k)), k);
    assert_int_equal(fault_kind_parse("Lost_Order"), -1);
    assert_int_equal(fault_kind_sides(FAULT_LATENCY), 3u);
    assert_int_equal(fault_kind_sides(FAULT_STOCK_DRIFT), 1u << FAULT_SIDE_PLATFORM);
    assert_int_equal(fault_kind_sides(FAULT_TRACKING_STALL), 1u << FAULT_SIDE_CARRIER);
    assert_string_equal(flavor_name(FLAVOR_WECHAT), "wechat");
    assert_string_equal(crash_process_name(CRASH_MOCKCARRIER), "mockcarrier");
    assert_string_equal(ship_delay_name(SHIP_PRESALE_24H), "presale");
}

static void test_load_file(void **state)
{
    (void)state;
    char err[ERR_LEN];
    struct scenario *sc = calloc(1, sizeof(*sc));
    assert_int_equal(scenario_load("/nonexistent/s.json", sc, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot open"));
    const char *root = getenv("SHIPSIM_ROOT");
    char path[1024];
    snprintf(path, sizeof(path), "%s/scenarios/smoke.json", root != NULL ? root : ".");
    if (scenario_load(path, sc, err, sizeof(err)) != 0)
        fail_msg("%s: %s", path, err);
    assert_string_equal(sc->name, "smoke");
    double orders = scenario_expected_orders(sc);
    assert_true(orders >= 60 && orders <= 150);
    free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_fault_defaults_and_sides),
        cmocka_unit_test(test_crash_expansion),
        cmocka_unit_test(test_all_errors_with_paths),
        cmocka_unit_test(test_error_buffer_bounded),
        cmocka_unit_test(test_credentials),
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_runtime_rules),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_load_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
