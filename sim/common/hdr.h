/* A log-linear latency histogram, HdrHistogram style (DESIGN.md section 6).
 *
 * Values 1 .. HDR_VALUE_MAX units (us for HTTP, sim ms for order stages) with at most 1% relative
 * error: 2^7 linear sub-buckets per power of two. Two histograms merge exactly by adding counts.
 * Values below 1 record as 1, above the max as the max (counted in hdr_clamped). */
#ifndef SHIPSIM_HDR_H
#define SHIPSIM_HDR_H

#include <stdint.h>
#include <stdio.h>

struct hdr;

struct hdr *hdr_new(void);    /* NULL on allocation failure */
void hdr_free(struct hdr *h); /* hdr_free(NULL) is a no-op */
void hdr_reset(struct hdr *h);
void hdr_record(struct hdr *h, int64_t value);
void hdr_record_n(struct hdr *h, int64_t value, uint64_t count);
void hdr_merge(struct hdr *into, const struct hdr *from); /* exact: counts add */

uint64_t hdr_count(const struct hdr *h);
uint64_t hdr_clamped(const struct hdr *h);
int64_t hdr_min(const struct hdr *h); /* 0 when empty */
int64_t hdr_max(const struct hdr *h); /* 0 when empty */
double hdr_mean(const struct hdr *h); /* 0 when empty */
/* The value at percentile p in [0,100]: the highest value equivalent to the bucket holding the
 * ceil(p/100 * count)-th sample (as HdrHistogram does). 0 when empty. */
int64_t hdr_percentile(const struct hdr *h, double p);
/* Lowest and highest value that share value's bucket. */
int64_t hdr_bucket_low(int64_t value);
int64_t hdr_bucket_high(int64_t value);

/* Write the HdrHistogram percentile distribution text ("Value Percentile TotalCount
 * 1/(1-Percentile)", 5 ticks per half distance, then the Mean/Max/Total footer), values divided by
 * unit_ratio (1000 turns us into ms). Returns 0 or -1 on a write error. */
int hdr_write_percentiles(const struct hdr *h, FILE *out, double unit_ratio);

/* Serialise counts as compact text ("hdr1 <n> <idx>:<count> ...") and read it back; for sending a
 * histogram between processes. hdr_decode returns 0, or -1 on bad input. */
char *hdr_encode(const struct hdr *h); /* malloc'd, caller frees */
int hdr_decode(struct hdr *h, const char *text);

#endif
