/* hdr: percentiles against a sorted array of the same samples, exact merge, the text formats. */
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
#include "common/limits.h"

#define SAMPLES 50000

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* long-tailed samples over the whole range: exp(uniform(0, ln 3.6e9)) */
static int64_t sample(int i)
{
    double u = draw_unit_n(42, "hdr-test", (uint64_t)i, 0);
    int64_t v = (int64_t)exp(u * log((double)HDR_VALUE_MAX));
    return v < 1 ? 1 : v;
}

static void test_percentiles_match_sorted_samples(void **state)
{
    (void)state;
    struct hdr *h = hdr_new();
    int64_t *xs = malloc(SAMPLES * sizeof(*xs));
    for (int i = 0; i < SAMPLES; i++) {
        xs[i] = sample(i);
        hdr_record(h, xs[i]);
    }
    qsort(xs, SAMPLES, sizeof(*xs), cmp_i64);
    const double ps[] = {0, 1, 10, 50, 90, 99, 99.9, 99.99, 100};
    for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
        double r = ceil(ps[k] / 100.0 * SAMPLES);
        size_t rank = r < 1 ? 1 : (size_t)r;
        int64_t truth = xs[rank - 1];
        int64_t got = hdr_percentile(h, ps[k]);
        /* same bucket as the true sample, so within 1% of it */
        assert_true(got >= hdr_bucket_low(truth));
        assert_true(got <= hdr_bucket_high(truth));
        assert_true(fabs((double)(got - truth)) <= 0.01 * (double)truth);
    }
    assert_int_equal(hdr_percentile(h, 100), xs[SAMPLES - 1]);
    assert_int_equal(hdr_min(h), xs[0]);
    assert_int_equal(hdr_count(h), SAMPLES);
    free(xs);
    hdr_free(h);
}

static void test_bucket_width_is_within_one_percent(void **state)
{
    (void)state;
    for (int64_t v = 1; v <= HDR_VALUE_MAX; v = v * 3 / 2 + 1) {
        int64_t lo = hdr_bucket_low(v), hi = hdr_bucket_high(v);
        assert_true(lo <= v);
        assert_true(v <= hi);
        assert_true((double)(hi - lo) <= 0.01 * (double)lo);
    }
    assert_int_equal(hdr_bucket_low(255), 255);
    assert_int_equal(hdr_bucket_high(255), 255);
}

static void test_merge_equals_recording_everything(void **state)
{
    (void)state;
    struct hdr *a = hdr_new(), *b = hdr_new(), *all = hdr_new();
    for (int i = 0; i < SAMPLES; i++) {
        hdr_record(i % 3 ? a : b, sample(i));
        hdr_record(all, sample(i));
    }
    hdr_merge(a, b);
    char *ea = hdr_encode(a), *eall = hdr_encode(all);
    assert_string_equal(ea, eall);
    assert_int_equal(hdr_count(a), hdr_count(all));
    assert_int_equal(hdr_min(a), hdr_min(all));
    assert_int_equal(hdr_max(a), hdr_max(all));
    for (double p = 0; p <= 100; p += 2.5)
        assert_int_equal(hdr_percentile(a, p), hdr_percentile(all, p));
    free(ea);
    free(eall);
    hdr_free(a);
    hdr_free(b);
    hdr_free(all);
}

static void test_clamping_and_empty(void **state)
{
    (void)state;
    struct hdr *h = hdr_new();
    assert_int_equal(hdr_percentile(h, 50), 0);
    assert_int_equal(hdr_max(h), 0);
    hdr_record(h, 0);
    hdr_record(h, -5);
    hdr_record(h, HDR_VALUE_MAX * 2);
    assert_int_equal(hdr_count(h), 3);
    assert_int_equal(hdr_clamped(h), 1);
    assert_int_equal(hdr_min(h), 1);
    assert_int_equal(hdr_max(h), HDR_VALUE_MAX);
    hdr_free(h);
    hdr_free(NULL);
}

static void test_encode_decode_roundtrip(void **state)
{
    (void)state;
    struct hdr *h = hdr_new(), *back = hdr_new();
    for (int i = 0; i < 1000; i++)
        hdr_record(h, sample(i));
    char *text = hdr_encode(h);
    assert_int_equal(hdr_decode(back, text), 0);
    for (double p = 0; p <= 100; p += 5)
        assert_true(llabs(hdr_percentile(back, p) - hdr_percentile(h, p)) <=
                    hdr_percentile(h, p) / 100 + 1);
    assert_int_equal(hdr_count(back), 1000);
    assert_int_equal(hdr_decode(back, "hdr1 5 3:2"), -1); /* counts do not add up */
    assert_int_equal(hdr_decode(back, "nope"), -1);
    assert_int_equal(hdr_decode(back, "hdr1 1 999999:1"), -1);
    free(text);
    hdr_free(h);
    hdr_free(back);
}

/* The percentile text parses back: rows are non-decreasing and the last row is the max. */
static void test_percentile_text_format(void **state)
{
    (void)state;
    struct hdr *h = hdr_new();
    for (int i = 1; i <= 10000; i++)
        hdr_record(h, i * 1000); /* 1 ms .. 10 s in us */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(hdr_write_percentiles(h, f, 1000.0), 0);
    fclose(f);
    assert_non_null(strstr(buf, "Value     Percentile TotalCount 1/(1-Percentile)"));
    assert_non_null(strstr(buf, "#[Max     =    10000.000, Total count    =        10000]"));
    char *line = strchr(buf, '\n') + 2; /* skip header and blank line */
    double last_v = -1, last_p = -1, v, p;
    unsigned long long n, last_n = 0;
    int rows = 0;
    while (sscanf(line, "%lf %lf %llu", &v, &p, &n) == 3) {
        assert_true(v >= last_v);
        assert_true(p >= last_p);
        assert_true(n >= last_n);
        last_v = v, last_p = p, last_n = n;
        rows++;
        line = strchr(line, '\n') + 1;
    }
    assert_true(rows > 20);
    assert_true(fabs(last_v - 10000.0) < 1e-9);
    assert_true(fabs(last_p - 1.0) < 1e-12);
    assert_int_equal(last_n, 10000);
    free(buf);
    hdr_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentiles_match_sorted_samples),
        cmocka_unit_test(test_bucket_width_is_within_one_percent),
        cmocka_unit_test(test_merge_equals_recording_everything),
        cmocka_unit_test(test_clamping_and_empty),
        cmocka_unit_test(test_encode_decode_roundtrip),
        cmocka_unit_test(test_percentile_text_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
