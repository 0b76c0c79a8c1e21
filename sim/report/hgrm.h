/* Reader of the HdrHistogram percentile text (as hdr_write_percentiles and HdrHistogram's
 * outputPercentileDistribution write it):
 *        Value     Percentile TotalCount 1/(1-Percentile)
 *
 *        1.000 0.000000000000          3           1.00
 *      ...
 *      812.000 1.000000000000        100
 *   #[Mean    =      120.500, StdDeviation   =       80.250]
 *   #[Max     =      812.000, Total count    =          100]
 *   #[Buckets =           23, SubBuckets     =          128]
 * The last row's 1/(1-Percentile) is infinite: absent or "inf"/"Infinity". */
#ifndef SHIPSIM_REPORT_HGRM_H
#define SHIPSIM_REPORT_HGRM_H

#include <stddef.h>
#include <stdint.h>

#define HGRM_ROWS_MAX 100000
#define HGRM_FILE_BYTES_MAX (16 * 1024 * 1024)

struct hgrm_row {
    double value;         /* in the file's unit (ms for shipsim's latency files) */
    double percentile;    /* 0..1 */
    uint64_t total_count; /* samples at or below value */
    double inverse;       /* 1/(1-percentile); INFINITY on the last row */
};

struct hgrm {
    struct hgrm_row *rows;
    int row_count;
    int has_footer; /* 1 when the Mean and Max lines were found */
    double mean;
    double std_dev;
    double max;
    uint64_t total_count;
};

/* Parse text / read a file. Rows must have non-decreasing percentile and count; a row or footer
 * that does not parse is an error "line N: <what>". NULL with err filled. */
struct hgrm *hgrm_parse(const char *text, size_t len, char *err, int err_len);
struct hgrm *hgrm_read(const char *path, char *err, int err_len);
void hgrm_free(struct hgrm *h); /* hgrm_free(NULL) is a no-op */

/* The value of the first row whose percentile reaches p (p in 0..100, as hdr_percentile);
 * the last row's value above it; NAN when there are no rows. */
double hgrm_value_at(const struct hgrm *h, double p);

#endif
