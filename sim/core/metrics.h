/* Counters for /metrics (Prometheus text format): calls, errors and latency by endpoint,
 * retries by job kind, pushes by result; orders by state, outbox depth and evidence by kind are
 * read from the store at scrape time. */
#ifndef SHIPSIM_CORE_METRICS_H
#define SHIPSIM_CORE_METRICS_H

#include <stdint.h>
#include "core/store.h"

#define METRICS_ENDPOINTS_MAX 64
#define METRICS_NAMES_MAX 32

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);
/* One outbound call finished (error: no 2xx/4xx answer or an error body). */
void metrics_call(struct metrics *m, const char *endpoint, int error, int64_t latency_us);
/* A named counter (retries_ship, push_rejected_bad_signature, ...) goes up by one. */
void metrics_inc(struct metrics *m, const char *name);
int64_t metrics_get(const struct metrics *m, const char *name);
/* The whole exposition text (malloc'd, caller frees), NULL on failure. */
char *metrics_render(const struct metrics *m, struct store *s);

#endif
