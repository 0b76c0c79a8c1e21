/* The carrier mock's process context, shared by its modules (sf, kuaidi100, track, wire, main).
 * One per process; the modules receive it explicitly, there is no global. */
#ifndef SHIPSIM_CARRIER_APP_H
#define SHIPSIM_CARRIER_APP_H

#include <stdint.h>
#include "carrier/ledger.h"
#include "carrier/sched.h"
#include "common/limits.h"
#include "common/simclock.h"
#include "fault/fault.h"
#include "scenario/scenario.h"

struct event_base;
struct http_client;
struct http_server;
struct wire_pending;
struct track_call;

#define K100_LOCK_MS (30 * 60 * 1000)          /* Kuaidi100 per-waybill query lock */
#define K100_PUSH_RETRIES_MAX 3                /* re-sends after a wrong ack */
#define K100_PUSH_RETRY_MS (35 * 60 * 1000)    /* sim ms between re-sends */
#define K100_ABORT_MS (3LL * 24 * 3600 * 1000) /* no events for 3 sim-days: status abort */
#define NOTIFY_ATTEMPTS_MAX 6                  /* posts to mockplat per state change */
#define NOTIFY_BACKOFF_MS_MIN 200              /* wall ms before the first re-post, doubling */
#define OUTBOUND_CONNECTIONS_MAX 32
#define OUTBOUND_TIMEOUT_MS 3000
#define SF_TIMESTAMP_SKEW_MS (2 * 3600 * 1000) /* sim ms a request timestamp may be off */

/* Request counters by canonical endpoint. */
enum cm_endpoint {
    EP_CREATE = 0,
    EP_SEARCH,
    EP_UPDATE,
    EP_ROUTES,
    EP_REMIND,
    EP_VALIDATE, /* SF service codes */
    EP_QUERY,
    EP_SUBSCRIBE, /* Kuaidi100 */
    EP_PUSH,
    EP_NOTIFY, /* outbound */
    EP_OTHER,
    EP_COUNT
};

/* Scheduler job kinds. */
enum cm_job { JOB_ADVANCE = 1, JOB_PUSH = 2, JOB_ABORT_CHECK = 3, JOB_NOTIFY = 4 };

struct cm_counters {
    uint64_t requests[EP_COUNT];
    uint64_t errors[EP_COUNT]; /* answers that were not a business success */
    uint64_t push_sent, push_acked, push_failed, push_dropped;
    uint64_t notify_sent, notify_acked, notify_failed, notify_dropped;
    uint64_t events; /* parcel events that happened */
};

/* A state change waiting to be (re)posted to mockplat. */
struct cm_notify {
    char carrier[CARRIER_CODE_BYTES_MAX];
    char waybill[WAYBILL_BYTES_MAX];
    char state[24];
    int64_t sim_ms;
    int attempt;
    int next_free; /* free-list link, -1 at the end */
};

struct cm_app {
    struct event_base *base;
    struct scenario sc;
    struct simclock clock;
    struct fault_engine *faults;
    struct ledger *ledger;
    struct sched *sched;
    struct http_client *http;
    struct http_server *server;
    struct carrier_instance carriers[SCENARIO_CARRIERS_MAX];
    int carrier_count;
    struct tracking_account account;
    char notify_url[HTTP_URL_BYTES_MAX]; /* "" when not notifying */
    char token[SECRET_BYTES_MAX];        /* "" when the control API is open */
    struct cm_counters n;
    struct cm_notify *notifies; /* re-post slots */
    int notify_count, notify_cap, notify_free;
    struct wire_pending *pending; /* answers held back by latency / timeout / reset (wire.c) */
    uint32_t reset_gen;           /* bumps on /__sim/reset: callbacks of older jobs are ignored */
    struct track_call *calls;     /* pushes and notifications in flight (track.c) */
};

/* The carrier instance of a code ("SF"), or NULL when not enabled. */
const struct carrier_instance *app_carrier(const struct cm_app *app, const char *code);
const char *app_endpoint_name(enum cm_endpoint ep);

#endif
