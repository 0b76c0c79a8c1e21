/* timeseries.csv and latency-<stage>.hgrm of a run (DESIGN.md section 8, results/README.md).
 *
 * One row per sim-time bucket from the run start to the end of the drain; the bucket is a whole
 * number of sim seconds chosen so a run has at most SERIES_ROWS_MAX rows. Counts are of events
 * whose timestamp falls in the bucket (truth for placed/paid/shipped/delivered, the core's
 * seen_ms/waybill_ms for pulled/waybilled); orders_inflight is the level at the bucket's end;
 * HTTP counts come from the mocks' /__sim/stats samples the runner took during the run (deltas of
 * the cumulative counters, a restarted mock's reset counted from zero); ship latency percentiles
 * are over the orders shipped in the bucket, from the payment (scheduled when known). */
#ifndef SHIPSIM_CHECK_SERIES_H
#define SHIPSIM_CHECK_SERIES_H

#include <stdint.h>
#include "common/check.h"

#define SERIES_ROWS_MAX 2000
#define SERIES_EVIDENCE_KINDS_MAX 48

struct records;
struct check_input;

struct series_sample { /* cumulative counters read from the mocks at one sim time */
    int64_t sim_ms;
    double plat_requests, plat_errors;
    double carrier_requests, carrier_errors;
};

/* Write timeseries.csv at path. in gives the records, run start and scheduled pay times;
 * end_ms is the last sim time of the run; scale turns sim offsets into wall seconds.
 * Returns 0 or -1 with err. */
int series_write_csv(const char *path, const struct check_input *in, int64_t end_ms, double scale,
                     const struct series_sample *samples, int sample_count, char *err,
                     int err_len) WARN_UNUSED_RESULT;

/* The bucket width in sim seconds for a run of span_ms. */
int64_t series_bucket_s(int64_t span_ms);

#endif
