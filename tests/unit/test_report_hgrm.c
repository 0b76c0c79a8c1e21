/* latency-<stage>.hgrm: the text hdr_write_percentiles writes parses back to the histogram's own
 * figures (count, max, mean, the value at each printed percentile); malformed text is rejected
 * with its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/hdr.h"
#include "report/hgrm.h"

static char *written(const struct hdr *h, double unit_ratio, size_t *len)
{
    char *buf = NULL;
    FILE *m = open_memstream(&buf, len);
    assert_non_null(m);
    assert_int_equal(hdr_write_percentiles(h, m, unit_ratio), 0);
    assert_int_equal(fclose(m), 0);
    return buf;
}

static void test_round_trip(void **state)
{
    (void)state;
    struct hdr *h = hdr_new();
    assert_non_null(h);
    /* A long-tailed spread: 1 ms .. ~1 h, deterministic. */
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double u = (double)(x >> 11) / 9007199254740992.0;
        hdr_record(h, (int64_t)(1 + exp(u * 15.0)));
    }
    size_t len = 0;
    char *text = written(h, 1.0, &len);
    char err[256];
    struct hgrm *g = hgrm_parse(text, len, err, sizeof(err));
    if (!g)
        fail_msg("hgrm_parse: %s\n%s", err, text);
    assert_true(g->has_footer);
    assert_int_equal(g->total_count, hdr_count(h));
    assert_true(g->max == (double)hdr_max(h));
    assert_true(fabs(g->mean - hdr_mean(h)) < 0.001);
    assert_true(g->row_count > 20);
    for (int i = 0; i + 1 < g->row_count; i++) {
        const struct hgrm_row *r = &g->rows[i];
        int64_t want = hdr_percentile(h, r->percentile * 100.0);
        if (r->value != (double)want)
            fail_msg("row %d: p%.10f printed %.3f, histogram says %lld", i, r->percentile * 100,
                     r->value, (long long)want);
        assert_true(isfinite(r->inverse));
    }
    const struct hgrm_row *last = &g->rows[g->row_count - 1];
    assert_true(last->percentile == 1.0);
    assert_true(isinf(last->inverse));
    assert_int_equal(last->total_count, hdr_count(h));
    assert_true(hgrm_value_at(g, 50) == (double)hdr_percentile(h, 50));
    assert_true(hgrm_value_at(g, 90) == (double)hdr_percentile(h, 90));
    assert_true(hgrm_value_at(g, 100) == (double)hdr_max(h));
    hgrm_free(g);
    free(text);
    hdr_free(h);
}

static void test_unit_ratio_and_empty(void **state)
{
    (void)state;
    struct hdr *h = hdr_new();
    assert_non_null(h);
    size_t len = 0;
    char err[256];
    char *text = written(h, 1000.0, &len);
    struct hgrm *g = hgrm_parse(text, len, err, sizeof(err));
    assert_non_null(g);
    assert_int_equal(g->row_count, 0);
    assert_true(isnan(hgrm_value_at(g, 50)));
    hgrm_free(g);
    free(text);
    hdr_record(h, 2500); /* us -> 2.5 ms */
    text = written(h, 1000.0, &len);
    g = hgrm_parse(text, len, err, sizeof(err));
    assert_non_null(g);
    assert_true(fabs(hgrm_value_at(g, 99) - 2.5) < 0.03);
    assert_int_equal(g->total_count, 1);
    hgrm_free(g);
    free(text);
    hdr_free(h);
}

static void expect_error(const char *text, const char *what)
{
    char err[256] = "";
    struct hgrm *g = hgrm_parse(text, strlen(text), err, sizeof(err));
    assert_null(g);
    if (!strstr(err, what))
        fail_msg("error \"%s\" does not contain \"%s\"", err, what);
}

static void test_malformed(void **state)
{
    (void)state;
    expect_error("Value Percentile TotalCount 1/(1-Percentile)\n\n1.0 abc 3 1.0\n",
                 "line 3: field 2");
    expect_error("1.0 0.5 3 2.0\n2.0 0.4 4 1.6\n", "line 2: percentile or count decreases");
    expect_error("1.0 1.5 3\n", "line 1: percentile 1.5 not in [0,1]");
    expect_error("1.0 0.5\n", "expected 3 or 4 numbers");
    expect_error("1.0 0.5 3 2.0 9\n", "expected 3 or 4 numbers");
    expect_error("#[Mean = x, StdDeviation = 1]\n", "footer");
    char err[256];
    assert_null(hgrm_read("/nonexistent/latency-ship.hgrm", err, sizeof(err)));
    assert_non_null(strstr(err, "latency-ship.hgrm"));
}

static void test_inf_spellings(void **state)
{
    (void)state;
    const char *text = "1.0 0.0 1 1.00\n5.0 1.0 2 inf\n";
    char err[256];
    struct hgrm *g = hgrm_parse(text, strlen(text), err, sizeof(err));
    assert_non_null(g);
    assert_int_equal(g->row_count, 2);
    assert_true(isinf(g->rows[1].inverse));
    assert_false(g->has_footer);
    hgrm_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_unit_ratio_and_empty),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_inf_spellings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
