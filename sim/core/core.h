/* The shared context of syncd's modules (internal to sim/core): one event loop, the sim clock,
 * the config, the store and one HTTP client. Modules keep their own state behind their own
 * functions; this struct only carries what every module needs. */
#ifndef SHIPSIM_CORE_CORE_H
#define SHIPSIM_CORE_CORE_H

#include <stdint.h>
#include "common/check.h"
#include "common/simclock.h"
#include "core/config.h"
#include "core/evidence.h"
#include "core/store.h"

#define CORE_TOKEN_BYTES_MAX 256
#define CORE_CURSOR_BYTES_MAX 256

struct event_base;
struct evhttp_request;
struct http_client;
struct http_response;

/* Per-shop runtime state: access token, request budget, poll progress. */
struct shop_rt {
    char access_token[CORE_TOKEN_BYTES_MAX];
    int64_t token_expire_ms; /* sim ms */
    int refreshing;
    double tokens; /* request budget (token bucket) */
    int64_t tokens_mono_ms;
    int polling; /* a list pass is running */
};

struct core {
    struct event_base *base;
    struct simclock clock;
    const struct config *cfg;
    struct store *store;
    struct http_client *http; /* platform calls */
    struct http_client
        *http_carrier; /* carrier and tracking calls (endpoint carrier:, kuaidi100:) */
    struct shop_rt shops[CONFIG_SHOPS_MAX];
    int64_t carrier_failures[CONFIG_CARRIERS_MAX]; /* consecutive, per configured carrier */
    int inflight;                                  /* jobs with a call in flight */
    uint64_t seed;
    int64_t start_ms;       /* sim time this process started (jobs older may have been sent) */
    int stopping;           /* shutting down: no new calls; failures finish at once */
    struct http_ctx *calls; /* calls in flight (core.c), for a clean shutdown */
    struct event *commit_ev;
    struct durable_reply *replies, *replies_tail; /* answers waiting for the group commit */
    struct metrics *metrics;
    struct poller *poller;
};

int64_t core_now_ms(const struct core *c);
/* Sim ms of a wall duration (for scheduling on the sim clock). */
int64_t core_sim_of_wall_ms(const struct core *c, int64_t wall_ms);
/* Journal an anomaly (and count it). expected/seen may be NULL. */
void core_evidence(struct core *c, enum evidence_kind kind, const char *order_id,
                   const char *expected, const char *seen, const char *detail_fmt, ...)
    PRINTF_LIKE(6, 7);
/* Take one request from the shop's budget; 0 when empty (try later). */
int core_shop_take(struct core *c, int shop);
int core_shop_index(const struct core *c, const char *name);
/* Send through the shared client, counting calls and errors by endpoint. endpoint names the
 * call for metrics ("shopee:order/get_order_list"). -1 when the client refused it. */
typedef void (*core_http_cb)(struct core *c, const struct http_response *r, void *arg);
int core_http(struct core *c, const char *endpoint, const char *method, const char *url,
              const char *content_type, const char *body, const char *header, core_http_cb cb,
              void *arg) WARN_UNUSED_RESULT;
/* Shutdown: free the HTTP client and finish every call still in flight with a "cancelled"
 * answer, so each owner releases what it holds. */
void core_http_shutdown(struct core *c);
/* Answer a push or callback once what it wrote is durable: at once when nothing waits to be
 * committed, else right after the next group commit (core_commit). The sender may then forget
 * the message, so an answer never goes out ahead of the commit. */
void core_reply_durable(struct core *c, struct evhttp_request *req, int status,
                        const char *content_type, const char *body);
/* The group commit: commit what the loop wrote, then send the answers that waited for it. */
void core_commit(struct core *c);
/* The store failed: log and stop (the state on disk is still consistent). */
void core_fatal_store(struct core *c, const char *what);

#endif
