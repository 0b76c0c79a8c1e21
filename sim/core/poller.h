/* Incremental list polling by update time (with an overlap window, full cursor pagination and
 * the flavor's window limit) and the periodic reconciliation pass (a wider window, unknown ids
 * journaled as lost_order_found, every open order re-read). One pass per shop at a time. */
#ifndef SHIPSIM_CORE_POLLER_H
#define SHIPSIM_CORE_POLLER_H

#include "core/core.h"

#define POLLER_SEEN_SLOTS 16384  /* ids remembered per pass for duplicate detection */
#define POLLER_PAGE_RETRY_MAX 40 /* failed pages before a pass gives up until its next tick */
#define POLLER_BUDGET_WAIT_MS 20 /* wall wait when the shop's request budget is empty */

struct poller;

struct poller *poller_new(struct core *c);
void poller_free(struct poller *p);
/* Start the per-shop timers (first pass right away). 0 or -1. */
int poller_start(struct poller *p);
/* The shop's completely listed update-time span: from the first complete incremental pass's
 * start to the last one's end. 1 when there is one, 0 before any (from/to 0). */
int poller_polled(struct core *c, int shop, int64_t *from_s, int64_t *to_s);
/* Passes completed so far (tests and metrics). */
long poller_passes(const struct poller *p);

#endif
