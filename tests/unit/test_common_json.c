/* sim/common/json.c: parse positions, typed reads, JSON-path errors, unknown keys. */
#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/json.h"

static cJSON *parse_ok(const char *text)
{
    char err[ERR_BYTES_MAX];
    cJSON *doc = json_parse(text, strlen(text), err, sizeof(err));
    assert_non_null(doc);
    assert_string_equal(err, "");
    return doc;
}

static void expect_parse_error(const char *text, const char *want)
{
    char err[ERR_BYTES_MAX];
    cJSON *doc = json_parse(text, strlen(text), err, sizeof(err));
    assert_null(doc);
    if (strstr(err, want) == NULL)
        fail_msg("parse error '%s' does not contain '%s'", err, want);
}

static void test_parse_positions(void **state)
{
    (void)state;
    expect_parse_error("{\n  \"a\": 1,\n  \"b\": x\n}", "line 3, column 8: invalid JSON at 'x'");
    expect_parse_error("{\"a\": 1", "line 1, column 8: unexpected end of input");
    expect_parse_error("", "empty document");
    expect_parse_error("   \n ", "empty document");
    /* trailing garbage after a complete value is an error, with its position */
    expect_parse_error("{}\n}", "line 2, column 1");
    /* cJSON reports failed keys one byte late; json.c steps back to the offending byte */
    expect_parse_error("{\"a\":1,}", "line 1, column 8: invalid JSON at '}'");
    expect_parse_error("{\n  \"a\": 1,\n  }", "line 3, column 3: invalid JSON at '}'");
    expect_parse_error("{x: 1}", "line 1, column 2: invalid JSON at 'x'");
    expect_parse_error("{,}", "line 1, column 2: invalid JSON at ','");
    expect_parse_error("[1,2}", "line 1, column 5: invalid JSON at '}'");
    expect_parse_error("[1,]", "line 1, column 4: invalid JSON at ']'");
    expect_parse_error("{\"a\":1 \"b\":2}", "line 1, column 8");
    expect_parse_error("{\"a\":\"x,\"b\"}", "line 1, column 10: invalid JSON at 'b'");
    cJSON *doc = parse_ok("  {\"a\": [1, 2]}  \n");
    json_delete(doc);
}

static void test_parse_not_nul_terminated(void **state)
{
    (void)state;
    const char text[] = "{\"a\":1}XXXX";
    char err[ERR_BYTES_MAX];
    cJSON *doc = json_parse(text, 7, err, sizeof(err));
    assert_non_null(doc);
    assert_int_equal(cJSON_GetObjectItem(doc, "a")->valueint, 1);
    json_delete(doc);
}

static void test_parse_file(void **state)
{
    (void)state;
    char err[ERR_BYTES_MAX];
    assert_null(json_parse_file("/nonexistent/x.json", 100, err, sizeof(err)));
    assert_non_null(strstr(err, "cannot open"));
    char path[] = "/tmp/test_common_json_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *body = "{\"k\": \"v\"}";
    assert_int_equal(write(fd, body, strlen(body)), (int)strlen(body));
    close(fd);
    cJSON *doc = json_parse_file(path, strlen(body), err, sizeof(err));
    assert_non_null(doc);
    json_delete(doc);
    assert_null(json_parse_file(path, strlen(body) - 1, err, sizeof(err)));
    assert_non_null(strstr(err, "larger than"));
    unlink(path);
}

static void test_paths_in_errors(void **state)
{
    (void)state;
    cJSON *doc = parse_ok("{\"faults\":[{},{},{\"probability\":1.5}]}");
    struct json_reader r;
    json_reader_init(&r);
    const cJSON *arr = json_get_array(&r, doc, "faults", 1, 0, 10);
    assert_non_null(arr);
    int saved = json_enter(&r, "faults", 2);
    assert_string_equal(r.path, "faults[2]");
    double p = -1;
    assert_int_equal(json_get_double(&r, cJSON_GetArrayItem(arr, 2), "probability", 1, &p, 0, 0, 1),
                     -1);
    json_leave(&r, saved);
    assert_string_equal(r.path, "");
    assert_string_equal(r.err, "faults[2].probability: must be in [0,1], got 1.5");
    assert_true(r.failed);
    /* the first error stays; later ones only count */
    json_fail(&r, "other", "x");
    assert_string_equal(r.err, "faults[2].probability: must be in [0,1], got 1.5");
    assert_int_equal(r.error_count, 2);
    json_delete(doc);
}

static void test_typed_reads(void **state)
{
    (void)state;
    cJSON *doc = parse_ok("{\"s\":\"abc\",\"i\":42,\"f\":2.5,\"b\":true,\"n\":null,"
                          "\"big\":1e300,\"o\":{},\"a\":[1,2,3]}");
    struct json_reader r;
    json_reader_init(&r);
    char s[8];
    int64_t i = 0;
    double f = 0;
    int b = 0;
    assert_int_equal(json_get_string(&r, doc, "s", 1, s, sizeof(s), NULL), 0);
    assert_string_equal(s, "abc");
    assert_int_equal(json_get_int(&r, doc, "i", 1, &i, 0, 0, 100), 0);
    assert_int_equal(i, 42);
    assert_int_equal(json_get_double(&r, doc, "f", 1, &f, 0, 0, 10), 0);
    assert_true(f == 2.5);
    assert_int_equal(json_get_bool(&r, doc, "b", 1, &b, 0), 0);
    assert_int_equal(b, 1);
    assert_non_null(json_get_object(&r, doc, "o", 1));
    assert_non_null(json_get_array(&r, doc, "a", 1, 3, 3));
    /* defaults for missing optional fields */
    assert_int_equal(json_get_string(&r, doc, "zz", 0, s, sizeof(s), "dflt"), 0);
    assert_string_equal(s, "dflt");
    assert_int_equal(json_get_int(&r, doc, "zz", 0, &i, 7, 0, 10), 0);
    assert_int_equal(i, 7);
    assert_int_equal(json_get_double(&r, doc, "zz", 0, &f, 0.25, 0, 1), 0);
    assert_true(f == 0.25);
    assert_null(json_get_object(&r, doc, "zz", 0));
    assert_false(r.failed);
    assert_int_equal(r.error_count, 0);
    json_delete(doc);
}

/* Collects every error line through the sink. */
struct sink {
    char lines[16][ERR_BYTES_MAX];
    int n;
};

static void sink_cb(void *arg, const char *line)
{
    struct sink *s = arg;
    if (s->n < 16)
        snprintf(s->lines[s->n++], ERR_BYTES_MAX, "%s", line);
}

static void test_type_and_range_errors(void **state)
{
    (void)state;
    cJSON *doc = parse_ok("{\"s\":5,\"i\":1.5,\"j\":200,\"f\":\"x\",\"b\":1,\"o\":[],\"a\":{},"
                          "\"long\":\"abcdefghij\",\"a2\":[1]}");
    struct json_reader r;
    json_reader_init(&r);
    struct sink sk = {.n = 0};
    r.on_error = sink_cb;
    r.on_error_arg = &sk;
    char s[8];
    int64_t i = 0;
    double f = 0;
    int b = 0;
    assert_int_equal(json_get_string(&r, doc, "s", 1, s, sizeof(s), NULL), -1);
    assert_int_equal(json_get_int(&r, doc, "i", 1, &i, 0, 0, 100), -1);
    assert_int_equal(json_get_int(&r, doc, "j", 1, &i, 0, 0, 100), -1);
    assert_int_equal(json_get_double(&r, doc, "f", 1, &f, 0, 0, 1), -1);
    assert_int_equal(json_get_bool(&r, doc, "b", 1, &b, 0), -1);
    assert_null(json_get_object(&r, doc, "o", 1));
    assert_null(json_get_array(&r, doc, "a", 1, 0, 5));
    assert_int_equal(json_get_string(&r, doc, "long", 1, s, sizeof(s), NULL), -1);
    assert_null(json_get_array(&r, doc, "a2", 1, 2, 5));
    assert_int_equal(json_get_int(&r, doc, "missing", 1, &i, 0, 0, 1), -1);
    const char *want[] = {
        "s: must be a string, got a number",      "i: must be an integer, got 1.5",
        "j: must be in [0,100], got 200",         "f: must be a number, got a string",
        "b: must be true or false, got a number", "o: must be an object, got an array",
        "a: must be an array, got an object",     "long: must be at most 7 bytes long, got 10",
        "a2: must have at least 2 items, got 1",  "missing: missing (required)",
    };
    assert_int_equal(sk.n, (int)ARRAY_LEN(want));
    for (int k = 0; k < sk.n; k++)
        assert_string_equal(sk.lines[k], want[k]);
    assert_string_equal(r.err, want[0]);
    json_delete(doc);
}

static void test_unknown_and_repeated_keys(void **state)
{
    (void)state;
    cJSON *doc = parse_ok("{\"sim\":{\"duration_s\":1,\"speed\":2,\"duration_s\":3}}");
    struct json_reader r;
    json_reader_init(&r);
    struct sink sk = {.n = 0};
    r.on_error = sink_cb;
    r.on_error_arg = &sk;
    static const char *const top[] = {"sim", NULL};
    static const char *const sim[] = {"duration_s", "time_scale", NULL};
    assert_int_equal(json_check_keys(&r, doc, top), 0);
    const cJSON *o = json_get_object(&r, doc, "sim", 1);
    int saved = json_enter(&r, "sim", -1);
    assert_int_equal(json_check_keys(&r, o, sim), -1);
    json_leave(&r, saved);
    assert_int_equal(sk.n, 2);
    assert_string_equal(sk.lines[0], "sim.speed: unknown key (allowed: duration_s, time_scale)");
    assert_string_equal(sk.lines[1], "sim.duration_s: key appears more than once");
    json_delete(doc);
}

static void test_nested_enter_leave(void **state)
{
    (void)state;
    struct json_reader r;
    json_reader_init(&r);
    int a = json_enter(&r, "buyers", -1);
    int b = json_enter(&r, "pay_delay_s", -1);
    int c = json_enter(&r, NULL, 1);
    assert_string_equal(r.path, "buyers.pay_delay_s[1]");
    json_fail(&r, NULL, "bad");
    json_leave(&r, c);
    json_fail(&r, "[0]", "worse");
    json_leave(&r, b);
    json_leave(&r, a);
    assert_string_equal(r.path, "");
    assert_string_equal(r.err, "buyers.pay_delay_s[1]: bad");
    json_fail(&r, NULL, "root level");
    assert_int_equal(r.error_count, 3);
}

static void test_type_names(void **state)
{
    (void)state;
    cJSON *doc = parse_ok("[null, true, 1, \"s\", [], {}]");
    const char *want[] = {"null", "a bool", "a number", "a string", "an array", "an object"};
    for (int k = 0; k < 6; k++)
        assert_string_equal(json_type_name(cJSON_GetArrayItem(doc, k)), want[k]);
    assert_string_equal(json_type_name(NULL), "nothing");
    json_delete(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_positions),
        cmocka_unit_test(test_parse_not_nul_terminated),
        cmocka_unit_test(test_parse_file),
        cmocka_unit_test(test_paths_in_errors),
        cmocka_unit_test(test_typed_reads),
        cmocka_unit_test(test_type_and_range_errors),
        cmocka_unit_test(test_unknown_and_repeated_keys),
        cmocka_unit_test(test_nested_enter_leave),
        cmocka_unit_test(test_type_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
