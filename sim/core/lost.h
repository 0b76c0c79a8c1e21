/* Lost-order evidence beyond reconciliation (DESIGN.md section 5): an order a complete list pass
 * should have shown but did not, and a platform change whose push never came.
 *
 * - Missing from a list: after a complete incremental pass over [from, to], every known order of
 *   the shop whose update time lies inside (and before to - LOST_EDGE_S, so it cannot have
 *   moved during the pass) but was not listed is a suspect; its next fresh detail read decides
 *   (still at that update time: lost_order_found). An order first discovered (by list or push)
 *   with an update time inside a window already polled completely was missing there too.
 * - Push missing: a change the platform pushes (Shopee: every status change; WeChat: new, pay,
 *   deliver, cancel events) seen by a detail read, with no verified push for that update time
 *   within LOST_PUSH_GRACE_S, is journaled as push_missing. */
#ifndef SHIPSIM_CORE_LOST_H
#define SHIPSIM_CORE_LOST_H

#include <stdint.h>
#include "core/core.h"
#include "core/plat.h"

#define LOST_EDGE_S 2            /* update times this close to a pass's end are not judged */
#define LOST_PUSH_GRACE_S 900    /* sim s a push may take (platform retries included) */
#define LOST_PUSH_SLACK_S 2      /* a push's time vs the detail's update_time */
#define LOST_SWEEP_BATCH_MAX 256 /* due push checks handled per sweep */

/* A verified push named order_id for the platform change at update_s (sim s). */
void lost_push_seen(struct core *c, const char *order_id, int64_t update_s);
/* An order was discovered (not by reconciliation, which journals its own finds): remember the
 * shop's completely polled time so its first detail can tell whether a list missed it. */
void lost_discovered(struct core *c, int shop, const char *order_id);
/* A fresh (not stale) detail answer po is about to be applied to `before` (the stored row). */
void lost_on_detail(struct core *c, int shop, const struct order_row *before,
                    const struct plat_order *po);
/* A complete pass over [from_s, to_s]; listed(id, arg) says whether it listed id. open_only:
 * only orders not in a final state become suspects (reconciliation: its wide window would make
 * every final order a read). */
void lost_pass_done(struct core *c, int shop, int64_t from_s, int64_t to_s, int open_only,
                    int (*listed)(const char *id, void *arg), void *arg);
/* Journal push_missing for the checks now due (called from the sweep timer). */
void lost_sweep(struct core *c);
/* 1 when a change to rank (with a new status) makes the platform of flavor push. Pure. */
int lost_change_pushed(int flavor, int rank);
/* 1 when update_s lies inside a completely polled window ending at to_s (from covered_from):
 * covered_from <= update_s < to_s - LOST_EDGE_S. Pure. */
int lost_in_polled(int64_t update_s, int64_t covered_from, int64_t to_s);

#endif
