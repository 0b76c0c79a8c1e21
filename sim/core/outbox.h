/* The durable outbox: every call syncd must make is a job row (kind, key, shop, arg, attempts,
 * next_ms) committed before the call. A pump on the loop dispatches due jobs within a bound on
 * calls in flight and each shop's request budget; failures come back with exponential backoff
 * and jitter and are never dropped. After a restart every pending job is due at once. */
#ifndef SHIPSIM_CORE_OUTBOX_H
#define SHIPSIM_CORE_OUTBOX_H

#include <stdint.h>
#include "core/core.h"
#include "core/outcome.h"

#define JOB_DETAIL "detail"   /* fresh detail read of an order */
#define JOB_WAYBILL "waybill" /* allocate a waybill (arg: carrier code[|consecutive failures]) */
#define JOB_SHIP "ship"       /* mark shipped on the platform */
#define JOB_CANCEL "cancel"   /* cancel a waybill at its carrier (arg: carrier|ref|waybill|order) */
#define JOB_SWITCH "switch"   /* stall 4 h: cancel the waybill (arg) at its carrier (shop) first */
#define JOB_RESHIP "reship"   /* tell the platform the shipped order's new waybill */
#define JOB_REREAD "reread"   /* a later detail read, unless the order moved on (arg: why) */

#define OUTBOX_INFLIGHT_MAX 256
#define OUTBOX_DUE_BATCH_MAX 256
#define OUTBOX_PUMP_INTERVAL_MS 10
#define OUTBOX_DETAIL_GATHER_WALL_MS 20 /* a short Shopee detail batch waits this long */
#define OUTBOX_LEASE_WALL_MS 8000       /* > the HTTP timeout: a leased job is not picked again */

/* Backoff before attempt+1 in wall ms: min(max, base * 2^attempt), of which the upper half is
 * jitter drawn from (seed, job id, attempt). Pure. Result in [1, max_ms]. */
int64_t outbox_backoff_ms(int64_t base_ms, int64_t max_ms, int attempt, uint64_t seed,
                          int64_t job_id);
/* Add a job due after delay_ms of sim time (see store_job_add for rerun). */
void outbox_add(struct core *c, const char *kind, const char *key, const char *shop,
                const char *arg, int64_t delay_ms, int rerun);
/* The job's call succeeded (or is moot): finish it. */
void outbox_done(struct core *c, const struct job_row *j);
/* The call failed: journal o's evidence (when it names one) and schedule the next attempt with
 * backoff (immediately when now is set). new_arg replaces the job's arg when not NULL. */
void outbox_retry(struct core *c, const struct job_row *j, const struct call_outcome *o,
                  const char *new_arg, int now);
/* Dispatch what is due (called from the loop's pump timer). */
void outbox_pump(struct core *c);
/* A call finished: one slot fewer in flight. */
void outbox_release(struct core *c);

/* Job runners (waybill.c, ship.c). */
void waybill_run(struct core *c, const struct job_row *j);
void waybill_cancel_run(struct core *c, const struct job_row *j);
void ship_run(struct core *c, const struct job_row *j);
/* The 4 h stall switch (tracking.c queues it): the old waybill is cancelled at its carrier
 * first (refused once collected: then no switch), then the order gets a waybill at the backup
 * carrier through the allocator (validated as any other), then the platform is updated. */
void waybill_switch_run(struct core *c, const struct job_row *j);
void ship_reship_run(struct core *c, const struct job_row *j);
/* A JOB_REREAD came due (ingest.c): queue the detail read when the order still needs it. */
void ingest_reread_run(struct core *c, const struct job_row *j);

#endif
