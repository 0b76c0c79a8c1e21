/* Shared helpers of the core context: clock, evidence, request budget, counted HTTP. */
#include "core/core.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_client.h"
#include "common/http_server.h"
#include "common/log.h"
#include "core/metrics.h"

#define CORE_BUCKET_BURST_S 1.0 /* the budget holds at most one second of requests */

struct http_ctx {
    struct core *c;
    core_http_cb cb;
    void *arg;
    char endpoint[ENDPOINT_BYTES_MAX];
    struct http_ctx *prev, *next; /* the core's list of calls in flight */
};

struct durable_reply {
    struct evhttp_request *req; /* libevent keeps it until answered, even if the peer left */
    int status;
    const char *content_type; /* a string constant */
    struct durable_reply *next;
    char body[];
};

static void unlink_call(struct http_ctx *h)
{
    if (h->prev != NULL) {
        h->prev->next = h->next;
    } else {
        assert(h->c->calls == h);
        h->c->calls = h->next;
    }
    if (h->next != NULL) {
        h->next->prev = h->prev;
    }
}

int64_t core_now_ms(const struct core *c)
{
    return simclock_now_ms(&c->clock);
}

int64_t core_sim_of_wall_ms(const struct core *c, int64_t wall_ms)
{
    assert(wall_ms >= 0);
    return (int64_t)((double)wall_ms * c->clock.scale);
}

void core_fatal_store(struct core *c, const char *what)
{
    /* A store that cannot write is not a state to run on: what is committed is consistent, so
     * stopping and letting the supervisor restart is the safe answer. */
    log_error("store: %s failed: %s", what, store_error(c->store));
    abort();
}

void core_reply_durable(struct core *c, struct evhttp_request *req, int status,
                        const char *content_type, const char *body)
{
    if (!store_in_tx(c->store)) {
        http_reply(req, status, content_type, body, strlen(body));
        return;
    }
    size_t len = strlen(body);
    struct durable_reply *r = malloc(sizeof(*r) + len + 1);
    if (r == NULL) {
        core_commit(c); /* no memory to wait in: commit now instead */
        http_reply(req, status, content_type, body, len);
        return;
    }
    r->req = req;
    r->status = status;
    r->content_type = content_type;
    r->next = NULL;
    memcpy(r->body, body, len + 1);
    if (c->replies_tail != NULL) {
        c->replies_tail->next = r;
    } else {
        c->replies = r;
    }
    c->replies_tail = r;
}

void core_commit(struct core *c)
{
    if (c->commit_ev != NULL) {
        event_del(c->commit_ev); /* armed by the first write after the last commit */
    }
    if (store_commit(c->store) != 0) {
        core_fatal_store(c, "commit");
    }
    struct durable_reply *r = c->replies;
    c->replies = c->replies_tail = NULL;
    while (r != NULL) {
        struct durable_reply *next = r->next;
        http_reply(r->req, r->status, r->content_type, r->body, strlen(r->body));
        free(r);
        r = next;
    }
}

void core_evidence(struct core *c, enum evidence_kind kind, const char *order_id,
                   const char *expected, const char *seen, const char *detail_fmt, ...)
{
    struct evidence_row *e = calloc(1, sizeof(*e));
    va_list ap;
    if (e == NULL) {
        return;
    }
    e->sim_ms = core_now_ms(c);
    snprintf(e->kind, sizeof(e->kind), "%s", evidence_kind_name(kind));
    snprintf(e->order_id, sizeof(e->order_id), "%s", order_id != NULL ? order_id : "");
    snprintf(e->expected, sizeof(e->expected), "%s", expected != NULL ? expected : "");
    snprintf(e->seen, sizeof(e->seen), "%s", seen != NULL ? seen : "");
    va_start(ap, detail_fmt);
    vsnprintf(e->detail, sizeof(e->detail), detail_fmt, ap);
    va_end(ap);
    if (store_evidence_add(c->store, e) != 0) {
        core_fatal_store(c, "evidence");
    }
    log_debug("evidence %s order=%s seen=%s", e->kind, e->order_id, e->seen);
    free(e);
}

int core_shop_index(const struct core *c, const char *name)
{
    for (int i = 0; i < c->cfg->shop_count; i++) {
        if (strcmp(c->cfg->shops[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

int core_shop_take(struct core *c, int shop)
{
    struct shop_rt *rt = &c->shops[shop];
    int64_t now = mono_now_ns() / 1000000;
    double rate = c->cfg->shop_rate_per_s;
    double cap = rate * CORE_BUCKET_BURST_S < 1.0 ? 1.0 : rate * CORE_BUCKET_BURST_S;
    if (rt->tokens_mono_ms == 0) {
        rt->tokens = cap;
    } else {
        rt->tokens += (double)(now - rt->tokens_mono_ms) * rate / 1000.0;
    }
    rt->tokens_mono_ms = now;
    if (rt->tokens > cap) {
        rt->tokens = cap;
    }
    if (rt->tokens < 1.0) {
        return 0;
    }
    rt->tokens -= 1.0;
    return 1;
}

static void http_done(const struct http_response *r, void *arg)
{
    struct http_ctx *h = arg;
    int error = r->error != HTTPC_OK || r->status >= 500 || r->status == 429;
    metrics_call(h->c->metrics, h->endpoint, error, r->latency_us);
    unlink_call(h);
    h->cb(h->c, r, h->arg);
    free(h);
}

int core_http(struct core *c, const char *endpoint, const char *method, const char *url,
              const char *content_type, const char *body, const char *header, core_http_cb cb,
              void *arg)
{
    if (c->stopping) {
        return -1;
    }
    struct http_ctx *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        return -1;
    }
    h->c = c;
    h->cb = cb;
    h->arg = arg;
    snprintf(h->endpoint, sizeof(h->endpoint), "%s", endpoint);
    struct http_request req;
    memset(&req, 0, sizeof(req));
    req.method = method;
    req.url = url;
    req.body = body;
    req.body_len = body != NULL ? strlen(body) : 0;
    req.content_type = content_type;
    req.headers[0] = header;
    int carrier = strncmp(endpoint, "carrier:", 8) == 0 || strncmp(endpoint, "kuaidi100:", 10) == 0;
    struct http_client *client = carrier && c->http_carrier != NULL ? c->http_carrier : c->http;
    if (http_client_send(client, &req, http_done, h) != 0) {
        free(h);
        return -1;
    }
    h->next = c->calls;
    if (c->calls != NULL) {
        c->calls->prev = h;
    }
    c->calls = h;
    return 0;
}

void core_http_shutdown(struct core *c)
{
    c->stopping = 1;
    http_client_free(c->http); /* cancels the transfers; their callbacks do not run */
    c->http = NULL;
    if (c->http_carrier != NULL) {
        http_client_free(c->http_carrier);
        c->http_carrier = NULL;
    }
    struct http_response cancelled;
    memset(&cancelled, 0, sizeof(cancelled));
    cancelled.error = HTTPC_ERR_OTHER;
    cancelled.body = "";
    cancelled.error_text = "shutdown";
    int guard = 0;
    while (c->calls != NULL) {
        struct http_ctx *h = c->calls;
        assert(guard++ < HTTP_CLIENT_PENDING_MAX);
        unlink_call(h);
        h->cb(c, &cancelled, h->arg); /* the owner records a retry: nothing is lost */
        free(h);
    }
}
