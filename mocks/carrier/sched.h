/* One evtimer over a min-heap of (sim due time, job): the carrier mock's only timer for parcel
 * events, callback retries, abort checks and notify retries, so 100k parcels cost one event, not
 * 100k. Jobs are plain (kind, id, gen) triples; the owner skips stale ones by generation. */
#ifndef SHIPSIM_CARRIER_SCHED_H
#define SHIPSIM_CARRIER_SCHED_H

#include <stddef.h>
#include <stdint.h>
#include "common/check.h"
#include "common/simclock.h"

#define SCHED_JOBS_MAX (4 * 1024 * 1024) /* heap entries */
#define SCHED_BATCH_MAX 20000            /* jobs run per timer firing before yielding */

struct event_base;
struct sched;

struct sched_job {
    int64_t due_ms; /* sim ms */
    uint32_t kind;
    uint32_t id;
    uint32_t gen;
};

typedef void (*sched_run_cb)(const struct sched_job *job, void *arg);

struct sched *sched_new(struct event_base *base, const struct simclock *clock, sched_run_cb cb,
                        void *arg);
void sched_free(struct sched *s); /* NULL is a no-op */
/* Queue a job. Returns 0, or -1 when SCHED_JOBS_MAX is reached or memory runs out. */
int sched_add(struct sched *s, int64_t due_ms, uint32_t kind, uint32_t id,
              uint32_t gen) WARN_UNUSED_RESULT;
/* Run every job due at sim time now_ms (at most SCHED_BATCH_MAX); returns how many ran. The
 * timer calls this; tests call it directly with a chosen time. */
int sched_run_due(struct sched *s, int64_t now_ms);
size_t sched_size(const struct sched *s);
void sched_clear(struct sched *s);
/* Earliest due time, or INT64_MAX when empty. */
int64_t sched_next_ms(const struct sched *s);

#endif
