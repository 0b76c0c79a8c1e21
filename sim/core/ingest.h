/* Orders in: discovery (list, push, reconciliation) and fresh detail reads, applied to the order
 * state machine. Upserts are idempotent; a stale answer is journaled and ignored; payment is
 * confirmed only by a detail read; a cancelled order is never shipped. */
#ifndef SHIPSIM_CORE_INGEST_H
#define SHIPSIM_CORE_INGEST_H

#include "core/core.h"
#include "core/order.h"
#include "core/plat.h"

enum ingest_source { SRC_LIST = 0, SRC_PUSH, SRC_RECONCILE };

#define INGEST_HOLD_IN_CANCEL "in_cancel"
#define INGEST_HOLD_BUYER_BURST "buyer_burst"
#define INGEST_REREAD_AGE_DIV 4        /* an undecided order is read again after age/4 */
#define INGEST_REREAD_MAX_S (6 * 3600) /* ... but at least every 6 sim-hours */
#define INGEST_REREAD_UNPAID "unpaid"  /* JOB_REREAD args: why the read is made again */
#define INGEST_REREAD_IN_CANCEL "in_cancel"
#define INGEST_REREAD_BAD "bad_read" /* stale or unreadable */

/* An order id was seen (status_hint: the platform status the source gave, or NULL). Unknown
 * orders are stored as new and a detail read is queued; known open ones get a detail read when
 * the hint differs from what is known. */
void ingest_seen(struct core *c, int shop, const char *order_id, const char *status_hint,
                 enum ingest_source src);
/* Apply one fresh detail answer. */
void ingest_apply(struct core *c, int shop, const struct plat_order *po);
/* Move o to state `to` when the state machine allows it: timestamps, history, row written.
 * Returns 1 when it moved, 0 when not allowed (nothing written). */
int ingest_move(struct core *c, struct order_row *o, enum order_state to);
/* Write o back (no state change). */
void ingest_save(struct core *c, const struct order_row *o);
/* Run a batch of due detail jobs of one shop (1..PLAT_DETAIL_BATCH_MAX). */
void ingest_detail_run(struct core *c, int shop, const struct job_row *jobs, int n);
/* Make sure every open order has the job it needs next (start-up and reconciliation). */
void ingest_heal(struct core *c);
/* Sim ms from now until the order may be shipped (the SKU classes' auto-ship delay counted from
 * payment: immediate, 30 sim-minutes, 24 sim-hours pre-sale); 0 when due. */
int64_t ingest_ship_delay_ms(const struct core *c, const struct order_row *o);
/* The reference the carrier knows the order's current waybill request by. */
void ingest_waybill_ref(const struct order_row *o, char *out, int out_len);

#endif
