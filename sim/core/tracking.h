/* Parcel tracking (issue 6) in Kuaidi100's shape (API.md 3.2): subscribe each shipped waybill,
 * take callback pushes (sign checked, ack exactly as Kuaidi100 expects) and poll as a fallback no
 * more often than the query lock allows. Every event is validated before it is stored (strict
 * UTF-8, no mojibake, the waybill and carrier it claims, a known state, a parseable time); a bad
 * one is quarantined to the evidence journal and the parcel queried again later. Clean events are
 * de-duplicated and kept in event-time order; the order follows its parcel. The stall ladder runs
 * on the sim clock: 1 h contact carrier, 2 h remind, 4 h switch (journaled), 24 h compensate. */
#ifndef SHIPSIM_CORE_TRACKING_H
#define SHIPSIM_CORE_TRACKING_H

#include <stddef.h>
#include <stdint.h>
#include "core/core.h"

#define JOB_SUBSCRIBE "subscribe" /* key: waybill, shop: carrier, arg: order id */
#define JOB_TRACK "track"         /* key: waybill, shop: carrier, arg: order id */
#define JOB_REMIND "remind"       /* key: waybill, shop: carrier, arg: order id */

#define TRACK_POLL_SIM_MS (31 * 60 * 1000) /* > Kuaidi100's 30-minute query lock */
#define TRACK_EVENTS_MAX 64
#define TRACK_CHINA_OFFSET_S (8 * 3600)

struct evhttp_request;

/* The order was shipped with waybill: create its parcel and queue subscribe + poll jobs. */
void tracking_start(struct core *c, const char *order_id, const char *carrier, const char *waybill);
/* Job runners. */
void tracking_subscribe_run(struct core *c, const struct job_row *j);
void tracking_query_run(struct core *c, const struct job_row *j);
void tracking_remind_run(struct core *c, const struct job_row *j);
/* POST /push/kuaidi100. */
void tracking_callback(struct core *c, struct evhttp_request *req);
/* The stall ladder over every open parcel (called once per polling interval). */
void tracking_sweep(struct core *c);

/* "2026-11-22 09:30:00" (UTC+8) -> unix ms; -1 when malformed. Pure. */
int64_t tracking_parse_time(const char *s);
/* Kuaidi100 state -> 1 when known. Pure. */
int tracking_state_known(int state);

#endif
