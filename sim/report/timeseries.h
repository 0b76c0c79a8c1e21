/* timeseries.csv: one header row of column names (units in the names), then one row per sim-time
 * bucket of numbers; an empty cell means "no value" (NAN in memory). results/README.md lists the
 * columns. The runner writes it with ts_writer; the report reads it with ts_read. */
#ifndef SHIPSIM_REPORT_TIMESERIES_H
#define SHIPSIM_REPORT_TIMESERIES_H

#include "common/check.h"

#define TS_COLUMNS_MAX 192
#define TS_COLUMN_NAME_BYTES_MAX 64
#define TS_ROWS_MAX 2000000L /* a long run is bucketed to a few thousand rows */
#define TS_LINE_BYTES_MAX 16384

struct ts;
struct ts_writer;

/* Read a CSV file. Rows shorter than the header get NAN for the missing cells; a cell that is
 * not a number, a row longer than the header, a duplicate or empty column name, or more than the
 * limits is an error "<path>:<line>: <what>". Returns NULL with err filled. */
struct ts *ts_read(const char *path, char *err, int err_len);
void ts_free(struct ts *t); /* ts_free(NULL) is a no-op */
int ts_columns(const struct ts *t);
const char *ts_column_name(const struct ts *t, int col);
int ts_column_index(const struct ts *t, const char *name); /* -1 when absent */
long ts_rows(const struct ts *t);
double ts_value(const struct ts *t, long row, int col); /* NAN for an empty cell */

/* Open path for writing with these column names (copied; each must be non-empty, without a
 * comma, quote or newline). NULL with err filled on a bad name or an open failure. */
struct ts_writer *ts_writer_open(const char *path, const char *const *columns, int count, char *err,
                                 int err_len);
/* Append one row of ts_writer's column count values; NAN writes an empty cell. Integral values
 * are written without a fraction, others with enough digits to read back exactly. 0 or -1. */
int ts_writer_row(struct ts_writer *w, const double *values) WARN_UNUSED_RESULT;
/* Flush and close; returns 0, or -1 when any write failed. Frees w. */
int ts_writer_close(struct ts_writer *w);

#endif
