/* The open-model load generator (DESIGN.md section 6), on the runner's event loop.
 *
 * Every order has a scheduled sim time from the profile; on each tick the generator places every
 * order that is due (POST /__sim/orders), then pays it when its drawn pay delay has passed
 * (POST /__sim/orders/pay) and cancels the drawn share after the cancel delay
 * (POST /__sim/orders/cancel), whatever the system's state: it never waits for an answer before
 * sending the next order. Pay and cancel times count from the SCHEDULED times, and
 * loadgen_sched_pay gives the checker each order's scheduled pay time, so latencies carry no
 * coordinated omission. When the generator sends later than scheduled it counts by how much
 * (behind_max_ms). Requests go through one http_client with at most max_connections; in-flight
 * orders are states in an array, not connections. */
#ifndef SHIPSIM_LOAD_LOADGEN_H
#define SHIPSIM_LOAD_LOADGEN_H

#include <stdint.h>
#include "common/check.h"

#define LOAD_ORDERS_MAX 5000000      /* orders one run may schedule */
#define LOAD_TICK_MS 5               /* wall ms between ticks */
#define LOAD_SENDS_PER_TICK_MAX 4000 /* requests one tick may start (keeps the loop live) */
#define LOAD_CONNECTIONS_DEFAULT 48
#define LOAD_REQUEST_TIMEOUT_MS 10000

struct event_base;
struct scenario;
struct simclock;
struct loadgen;

struct loadgen_config {
    const struct scenario *sc;
    struct event_base *base;
    const struct simclock *clock;
    int64_t start_ms;     /* sim ms the schedule starts at; 0 = the clock epoch */
    const char *plat_url; /* "http://127.0.0.1:P" */
    const char *token;    /* X-Sim-Token */
    double duration_s;    /* sim s of load; 0 = the whole profile */
    int max_connections;  /* 0 = LOAD_CONNECTIONS_DEFAULT */
};

struct loadgen_stats {
    int64_t scheduled;       /* orders the profile schedules */
    int64_t due;             /* orders whose scheduled time has come */
    int64_t placed;          /* accepted by the platform */
    int64_t rejected;        /* 409 out_of_stock */
    int64_t paid, cancelled; /* accepted pay / cancel calls */
    int64_t http_errors;     /* no answer or an unexpected status */
    int64_t pending;         /* requests in flight */
    double behind_max_ms;    /* worst lateness of a send vs its scheduled sim time */
};

struct loadgen *loadgen_new(const struct loadgen_config *cfg, char *err, int err_len);
void loadgen_free(struct loadgen *lg); /* NULL is a no-op; cancels requests in flight */
/* Start the tick timer. 0 or -1. */
int loadgen_start(struct loadgen *lg) WARN_UNUSED_RESULT;
/* 1 when every scheduled action was sent and answered. */
int loadgen_done(const struct loadgen *lg);
/* Stop sending (a Ctrl-C or a crash of the runner's own); requests in flight still complete. */
void loadgen_stop(struct loadgen *lg);
void loadgen_get_stats(const struct loadgen *lg, struct loadgen_stats *out);
/* Scheduled pay sim ms (absolute) by order seq, NAN for orders never paid; *count orders. */
const double *loadgen_sched_pay(const struct loadgen *lg, int64_t *count);
/* The sim time (absolute ms) the load ends: start + the load duration. */
int64_t loadgen_end_ms(const struct loadgen *lg);
int64_t loadgen_start_ms(const struct loadgen *lg);

#endif
