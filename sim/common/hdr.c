/* Log-linear histogram: see hdr.h.
 *
 * Values below 2^8 have a bucket each. Above, each power of two [2^m, 2^(m+1)) is split into 128
 * equal buckets, so a bucket is at most 1/128 (0.78%) of its lowest value wide. Index layout:
 *   v < 256:                      idx = v
 *   v >= 256, m = msb(v), s = m-7: idx = 256 + (s-1)*128 + ((v >> s) - 128)          */
#include "common/hdr.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "common/limits.h"

#define HDR_SUB_BITS 7
#define HDR_SUB_COUNT (1 << HDR_SUB_BITS)  /* 128 buckets per power of two */
#define HDR_LINEAR_MAX (2 * HDR_SUB_COUNT) /* 256 exact values */
#define HDR_MAGIC 0x48445231u

struct hdr {
    unsigned magic;
    int bucket_count;
    uint64_t total;
    uint64_t clamped;
    int64_t min;
    int64_t max;
    double sum;
    double sum_sq;
    uint64_t *counts;
};

static int msb64(uint64_t v)
{
    assert(v != 0);
    return 63 - __builtin_clzll(v);
}

static int index_of(int64_t v)
{
    assert(v >= 1);
    assert(v <= HDR_VALUE_MAX);
    if (v < HDR_LINEAR_MAX)
        return (int)v;
    int shift = msb64((uint64_t)v) - HDR_SUB_BITS;
    int sub = (int)((uint64_t)v >> shift);
    assert(sub >= HDR_SUB_COUNT && sub < 2 * HDR_SUB_COUNT);
    return HDR_LINEAR_MAX + (shift - 1) * HDR_SUB_COUNT + (sub - HDR_SUB_COUNT);
}

static int64_t low_of_index(int idx)
{
    if (idx < HDR_LINEAR_MAX)
        return idx;
    int shift = (idx - HDR_LINEAR_MAX) / HDR_SUB_COUNT + 1;
    int sub = (idx - HDR_LINEAR_MAX) % HDR_SUB_COUNT + HDR_SUB_COUNT;
    return (int64_t)sub << shift;
}

static int64_t high_of_index(int idx)
{
    if (idx < HDR_LINEAR_MAX)
        return idx;
    int shift = (idx - HDR_LINEAR_MAX) / HDR_SUB_COUNT + 1;
    return low_of_index(idx) + ((int64_t)1 << shift) - 1;
}

static int64_t clamp(const struct hdr *h, int64_t v, int *clamped)
{
    (void)h;
    *clamped = 0;
    if (v < 1)
        return 1;
    if (v > HDR_VALUE_MAX) {
        *clamped = 1;
        return HDR_VALUE_MAX;
    }
    return v;
}

int64_t hdr_bucket_low(int64_t value)
{
    int c;
    return low_of_index(index_of(clamp(NULL, value, &c)));
}

int64_t hdr_bucket_high(int64_t value)
{
    int c;
    return high_of_index(index_of(clamp(NULL, value, &c)));
}

struct hdr *hdr_new(void)
{
    struct hdr *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return NULL;
    h->bucket_count = index_of(HDR_VALUE_MAX) + 1;
    h->counts = calloc((size_t)h->bucket_count, sizeof(uint64_t));
    if (h->counts == NULL) {
        free(h);
        return NULL;
    }
    h->magic = HDR_MAGIC;
    return h;
}

void hdr_free(struct hdr *h)
{
    if (h == NULL)
        return;
    assert(h->magic == HDR_MAGIC);
    h->magic = 0;
    free(h->counts);
    free(h);
}

void hdr_reset(struct hdr *h)
{
    assert(h->magic == HDR_MAGIC);
    memset(h->counts, 0, (size_t)h->bucket_count * sizeof(uint64_t));
    h->total = h->clamped = 0;
    h->min = h->max = 0;
    h->sum = h->sum_sq = 0;
}

void hdr_record_n(struct hdr *h, int64_t value, uint64_t count)
{
    assert(h->magic == HDR_MAGIC);
    if (count == 0)
        return;
    int clamped = 0;
    int64_t v = clamp(h, value, &clamped);
    int idx = index_of(v);
    assert(idx < h->bucket_count);
    h->counts[idx] += count;
    if (h->total == 0 || v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    h->total += count;
    h->clamped += clamped ? count : 0;
    h->sum += (double)v * (double)count;
    h->sum_sq += (double)v * (double)v * (double)count;
}

void hdr_record(struct hdr *h, int64_t value)
{
    hdr_record_n(h, value, 1);
}

void hdr_merge(struct hdr *into, const struct hdr *from)
{
    assert(into->magic == HDR_MAGIC);
    assert(from->magic == HDR_MAGIC);
    assert(into->bucket_count == from->bucket_count);
    if (from->total == 0)
        return;
    for (int i = 0; i < into->bucket_count; i++)
        into->counts[i] += from->counts[i];
    if (into->total == 0 || from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
    into->total += from->total;
    into->clamped += from->clamped;
    into->sum += from->sum;
    into->sum_sq += from->sum_sq;
}

uint64_t hdr_count(const struct hdr *h)
{
    return h->total;
}

uint64_t hdr_clamped(const struct hdr *h)
{
    return h->clamped;
}

int64_t hdr_min(const struct hdr *h)
{
    return h->min;
}

int64_t hdr_max(const struct hdr *h)
{
    return h->max;
}

double hdr_mean(const struct hdr *h)
{
    return h->total ? h->sum / (double)h->total : 0.0;
}

static double stddev(const struct hdr *h)
{
    if (h->total == 0)
        return 0.0;
    double mean = hdr_mean(h);
    double var = h->sum_sq / (double)h->total - mean * mean;
    return var > 0 ? sqrt(var) : 0.0;
}

/* Value of the bucket holding the rank-th sample (1-based), with its cumulative count. */
static int64_t value_at_rank(const struct hdr *h, uint64_t rank, uint64_t *cumulative)
{
    assert(rank >= 1);
    assert(rank <= h->total);
    uint64_t seen = 0;
    for (int i = 0; i < h->bucket_count; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            *cumulative = seen;
            int64_t v = high_of_index(i);
            return v < h->max ? v : h->max;
        }
    }
    assert(0 && "rank beyond total");
    return h->max;
}

static uint64_t rank_of(const struct hdr *h, double p)
{
    if (p < 0)
        p = 0;
    if (p > 100)
        p = 100;
    double r = ceil(p / 100.0 * (double)h->total);
    uint64_t rank = r < 1 ? 1 : (uint64_t)r;
    return rank > h->total ? h->total : rank;
}

int64_t hdr_percentile(const struct hdr *h, double p)
{
    assert(h->magic == HDR_MAGIC);
    if (h->total == 0)
        return 0;
    uint64_t cum = 0;
    return value_at_rank(h, rank_of(h, p), &cum);
}

/* The percentile levels HdrHistogram reports: 5 ticks per half distance to 100%. */
static double next_level(double level)
{
    double halvings = floor(log2(100.0 / (100.0 - level))) + 1;
    double ticks = 5.0 * pow(2.0, halvings);
    return level + 100.0 / ticks;
}

int hdr_write_percentiles(const struct hdr *h, FILE *out, double unit_ratio)
{
    assert(h->magic == HDR_MAGIC);
    assert(unit_ratio > 0);
    if (fprintf(out, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount",
                "1/(1-Percentile)") < 0)
        return -1;
    if (h->total > 0) {
        /* levels approach 100 geometrically; 200 levels reach 1 - 1e-12 */
        double level = 0.0;
        for (int n = 0; n < 200 && rank_of(h, level) < h->total; n++) {
            uint64_t cum = 0;
            int64_t v = value_at_rank(h, rank_of(h, level), &cum);
            fprintf(out, "%12.3f %2.12f %10llu %14.2f\n", (double)v / unit_ratio, level / 100.0,
                    (unsigned long long)cum, 1.0 / (1.0 - level / 100.0));
            level = next_level(level);
        }
        fprintf(out, "%12.3f %2.12f %10llu\n", (double)h->max / unit_ratio, 1.0,
                (unsigned long long)h->total);
    }
    fprintf(out, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", hdr_mean(h) / unit_ratio,
            stddev(h) / unit_ratio);
    fprintf(out, "#[Max     = %12.3f, Total count    = %12llu]\n", (double)h->max / unit_ratio,
            (unsigned long long)h->total);
    int used = 0;
    for (int i = 0; i < h->bucket_count; i++)
        used += h->counts[i] != 0;
    return fprintf(out, "#[Buckets = %12d, SubBuckets     = %12d]\n", used, HDR_SUB_COUNT) < 0 ? -1
                                                                                               : 0;
}

char *hdr_encode(const struct hdr *h)
{
    assert(h->magic == HDR_MAGIC);
    size_t cap = 64, len = 0;
    char *s = malloc(cap);
    if (s == NULL)
        return NULL;
    len = (size_t)snprintf(s, cap, "hdr1 %llu", (unsigned long long)h->total);
    for (int i = 0; i < h->bucket_count; i++) {
        if (h->counts[i] == 0)
            continue;
        if (len + 48 > cap) {
            cap *= 2;
            char *p = realloc(s, cap);
            if (p == NULL) {
                free(s);
                return NULL;
            }
            s = p;
        }
        len +=
            (size_t)snprintf(s + len, cap - len, " %d:%llu", i, (unsigned long long)h->counts[i]);
    }
    return s;
}

int hdr_decode(struct hdr *h, const char *text)
{
    assert(h->magic == HDR_MAGIC);
    if (strncmp(text, "hdr1 ", 5) != 0 || text[5] < '0' || text[5] > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long total = strtoull(text + 5, &end, 10);
    if (errno != 0 || end == text + 5)
        return -1;
    hdr_reset(h);
    const char *p = end;
    uint64_t seen = 0;
    while (*p == ' ') {
        long idx = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end != ':' || idx < 0 || idx >= h->bucket_count)
            return -1;
        /* Counts are plain digits: strtoull would take "-1" as 2^64-1 and let the sum wrap
         * around to the total (found by tests/fuzz/fuzz_common_hdr.c). */
        if (end[1] < '0' || end[1] > '9')
            return -1;
        errno = 0;
        unsigned long long n = strtoull(end + 1, &end, 10);
        if (n == 0 || errno != 0 || n > total - seen)
            return -1;
        int64_t v = high_of_index((int)idx);
        hdr_record_n(h, v < HDR_VALUE_MAX ? v : HDR_VALUE_MAX, n);
        seen += n;
        p = end;
    }
    if (*p != '\0' || seen != total)
        return -1;
    return 0;
}
