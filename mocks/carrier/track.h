/* Parcels moving on the sim clock and everything that follows an event: the tracking_stall fault,
 * notifications to mockplat (--notify-url), Kuaidi100 callback pushes with retries and the
 * shutdown / abort ends, and the event views that queries, routes and pushes render (with the
 * garbled_tracking fault applied on the way out, never to the truth). */
#ifndef SHIPSIM_CARRIER_TRACK_H
#define SHIPSIM_CARRIER_TRACK_H

#include <cjson/cJSON.h>

#include "carrier/app.h"
#include "carrier/garble.h"

/* Queue parcel p's next event (after a create, a replay or a stall). */
void track_schedule(struct cm_app *app, int p);
/* Run the events of p due by now_ms. */
void track_advance(struct cm_app *app, int p, int64_t now_ms);
/* Bring every parcel up to now (before a truth dump); bounded by the parcel count. */
void track_catch_up(struct cm_app *app);
/* The scheduler's job runner. */
void track_run_job(const struct sched_job *job, void *arg);
/* Free the contexts of pushes and notifications still in flight; call after the HTTP client
 * was freed (it drops its requests without running their callbacks). */
void track_free_calls(struct cm_app *app);
/* A subscription was made: push what exists now and arm the abort check. */
void track_subscribed(struct cm_app *app, int p);

/* The events of a parcel as the outside sees them: indexes into the plan, possibly garbled. */
struct track_view {
    int idx[PARCEL_EVENTS_MAX + 1];
    int n;
    char waybill[WAYBILL_BYTES_MAX];
    int text_event; /* view position whose context is replaced by text, -1 none */
    char *text;     /* malloc'd garbled context */
};

/* Build the view of parcel p; with fc set, the garbled_tracking fault is decided and applied
 * (and recorded when it changed something). Release with track_view_fini. */
void track_view_make(struct cm_app *app, int p, const struct fault_ctx *fc, struct track_view *v);
void track_view_fini(struct track_view *v);
/* Kuaidi100 result object {"message":"ok","nu","ischeck","condition","com","status","state",
 * "data":[...]} of a view, newest first unless asc. */
cJSON *track_k100_result(struct cm_app *app, int p, const struct track_view *v, int asc);
/* SF route list [{"acceptTime","acceptAddress","remark","opCode"}] of a view, oldest first. */
cJSON *track_sf_routes(struct cm_app *app, int p, const struct track_view *v);

#endif
