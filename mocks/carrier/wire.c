/* Request-level faults and replies: see wire.h. */
#include "carrier/wire.h"

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/hash.h"
#include "common/log.h"

enum pending_action { PEND_SEND = 0, PEND_DROP, PEND_RESET };

struct wire_pending {
    struct cm_app *app;
    struct event *ev;
    struct evhttp_request *req;
    enum pending_action action;
    int status;
    char *body;
    size_t len;
    struct wire_pending *prev, *next;
};

static void unlink_pending(struct wire_pending *p)
{
    if (p->prev != NULL)
        p->prev->next = p->next;
    else
        p->app->pending = p->next;
    if (p->next != NULL)
        p->next->prev = p->prev;
}

/* Close the connection under the request: abortive (RST) for reset, plain close for a timeout.
 * A request whose client already left has no connection; it is then only freed. */
static void close_request(struct evhttp_request *req, int abortive)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    if (conn == NULL) {
        evhttp_request_free(req);
        return;
    }
    if (abortive) {
        struct bufferevent *bev = evhttp_connection_get_bufferevent(conn);
        evutil_socket_t fd = bev != NULL ? bufferevent_getfd(bev) : -1;
        struct linger lg = {1, 0};
        if (fd >= 0)
            (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
    evhttp_connection_free(conn);
}

static void send_now(struct evhttp_request *req, int status, const char *body, size_t len)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", "application/json;charset=UTF-8");
    struct evbuffer *out = evbuffer_new();
    if (out == NULL) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    evbuffer_add(out, body, len);
    evhttp_send_reply(req, status, status == 200 ? "OK" : "Error", out);
    evbuffer_free(out);
}

static void pending_cb(evutil_socket_t fd, short what, void *arg)
{
    struct wire_pending *p = arg;
    unlink_pending(p);
    if (p->action == PEND_SEND)
        send_now(p->req, p->status, p->body, p->len);
    else
        close_request(p->req, p->action == PEND_RESET);
    event_free(p->ev);
    free(p->body);
    free(p);
}

/* Act after wall_ms (0: on the next loop turn, never inside evhttp's own callback). Takes body. */
static void hold(struct cm_app *app, struct evhttp_request *req, enum pending_action action,
                 int status, char *body, size_t len, double wall_ms)
{
    struct wire_pending *p = calloc(1, sizeof(*p));
    if (p != NULL)
        p->ev = evtimer_new(app->base, pending_cb, p);
    if (p == NULL || p->ev == NULL) {
        free(p);
        if (action == PEND_SEND)
            send_now(req, status, body, len);
        else
            evhttp_send_error(req, 503, NULL);
        free(body);
        return;
    }
    p->app = app;
    p->req = req;
    p->action = action;
    p->status = status;
    p->body = body;
    p->len = len;
    p->next = app->pending;
    if (app->pending != NULL)
        app->pending->prev = p;
    app->pending = p;
    long ms = wall_ms > 0 ? (long)wall_ms : 0;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(p->ev, &tv);
}

void wire_free_pending(struct cm_app *app)
{
    for (int n = 0; app->pending != NULL && n < 10000000; n++) {
        struct wire_pending *p = app->pending;
        app->pending = p->next;
        event_free(p->ev);
        free(p->body);
        free(p);
    }
}

double wire_latency_ms(const struct fault_rule *r, double u)
{
    assert(r != NULL);
    assert(u >= 0.0 && u < 1.0);
    double lo = r->delay_ms > 0 ? r->delay_ms : 0;
    double hi = r->delay_ms_max > lo ? r->delay_ms_max : lo;
    switch (r->dist) {
    case LATENCY_UNIFORM: return lo + (hi - lo) * u;
    case LATENCY_LONG_TAIL: {
        /* Pareto with shape 1.5 above lo, capped at hi: most answers near lo, a few very slow */
        double base = lo > 1 ? lo : 1;
        double v = base / pow(1.0 - u, 1.0 / 1.5);
        return hi > lo && v > hi ? hi : v;
    }
    case LATENCY_FIXED:
    default: return lo;
    }
}

void wire_init(struct wire_req *w, struct cm_app *app, struct evhttp_request *req,
               enum cm_endpoint ep, int sf_shape, const char *endpoint, const char *carrier,
               const char *key)
{
    assert(ep >= 0 && ep < EP_COUNT);
    memset(w, 0, sizeof(*w));
    w->app = app;
    w->req = req;
    w->ep = ep;
    w->sf_shape = sf_shape;
    snprintf(w->endpoint, sizeof(w->endpoint), "%s", endpoint);
    snprintf(w->carrier, sizeof(w->carrier), "%s", carrier != NULL ? carrier : "");
    snprintf(w->key, sizeof(w->key), "%s", key != NULL ? key : "");
    w->fc.endpoint = w->endpoint;
    w->fc.shop = NULL;
    w->fc.carrier = w->carrier[0] != '\0' ? w->carrier : NULL;
    w->fc.key = w->key;
    w->fc.attempt = fault_next_attempt(app->faults, w->endpoint, w->key);
    app->n.requests[ep]++;
}

static char *sf_envelope(const char *code, const char *msg, const char *data, int data_as_object)
{
    char rid[40];
    static uint64_t counter;
    uint64_t x = hash_mix64(++counter ^ (uint64_t)wall_now_ms());
    snprintf(rid, sizeof(rid), "%016llx%08llx", (unsigned long long)x,
             (unsigned long long)(hash_mix64(x) & 0xffffffffULL));
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "apiResultCode", code);
    cJSON_AddStringToObject(o, "apiErrorMsg", msg != NULL ? msg : "");
    cJSON_AddStringToObject(o, "apiResponseID", rid);
    cJSON *parsed = data != NULL && data_as_object ? cJSON_Parse(data) : NULL;
    if (parsed != NULL)
        cJSON_AddItemToObject(o, "apiResultData", parsed);
    else if (data != NULL)
        cJSON_AddStringToObject(o, "apiResultData", data);
    else
        cJSON_AddNullToObject(o, "apiResultData");
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

int wire_pre(struct wire_req *w)
{
    struct cm_app *app = w->app;
    const struct fault_rule *r;
    if (w->sf_shape && w->carrier[0] != '\0' &&
        (r = fault_decide(app->faults, FAULT_CARRIER_AUTH, &w->fc)) != NULL) {
        fault_record(app->faults, r, &w->fc, "%s rejected as unauthorised (A1004)", w->carrier);
        wire_send_sf(w, "A1004", "无对应服务权限", NULL);
        return 1;
    }
    if ((r = fault_decide(app->faults, FAULT_RESET, &w->fc)) != NULL) {
        fault_record(app->faults, r, &w->fc, "connection reset before processing");
        app->n.errors[w->ep]++;
        hold(app, w->req, PEND_RESET, 0, NULL, 0, 0);
        return 1;
    }
    if ((r = fault_decide(app->faults, FAULT_ERROR, &w->fc)) != NULL) {
        int status = r->status >= 400 && r->status <= 599 ? r->status : 500;
        fault_record(app->faults, r, &w->fc, "HTTP %d before processing", status);
        app->n.errors[w->ep]++;
        char *body = w->sf_shape ? sf_envelope("A1099", "系统异常", NULL, 0)
                                 : strdup("{\"result\":false,\"returnCode\":\"500\","
                                          "\"message\":\"服务器错误\"}");
        if (body == NULL) {
            evhttp_send_error(w->req, status, NULL);
            return 1;
        }
        send_now(w->req, status, body, strlen(body));
        free(body);
        return 1;
    }
    if ((r = fault_decide(app->faults, FAULT_LATENCY, &w->fc)) != NULL) {
        w->latency_ms = wire_latency_ms(r, fault_param_draw(app->faults, r, &w->fc, "delay"));
        fault_record(app->faults, r, &w->fc, "answer delayed %.0f ms", w->latency_ms);
    }
    w->timeout_rule = fault_decide(app->faults, FAULT_TIMEOUT, &w->fc);
    return 0;
}

/* Apply malformed to a finished body (takes and returns ownership). */
static char *malform(struct wire_req *w, char *body, const char *code, const char *msg,
                     const char *data)
{
    struct cm_app *app = w->app;
    const struct fault_rule *r = fault_decide(app->faults, FAULT_MALFORMED, &w->fc);
    if (r == NULL)
        return body;
    const char *mode = r->mode;
    if (mode[0] == '\0')
        mode = fault_param_draw(app->faults, r, &w->fc, "mode") < 0.5 ? "wrong_type" : "truncated";
    int wrong_type = strcmp(mode, "wrong_type") == 0 || strcmp(mode, "not_string") == 0;
    if (wrong_type && w->sf_shape && data != NULL) {
        char *other = sf_envelope(code, msg, data, 1);
        if (other != NULL) {
            free(body);
            fault_record(app->faults, r, &w->fc, "apiResultData sent as an object, not a string");
            return other;
        }
    }
    size_t len = strlen(body);
    if (len < 2)
        return body;
    body[len / 2] = '\0';
    fault_record(app->faults, r, &w->fc, "body truncated to %zu of %zu bytes", len / 2, len);
    return body;
}

static void finish(struct wire_req *w, char *body)
{
    struct cm_app *app = w->app;
    if (body == NULL) {
        evhttp_send_error(w->req, 500, NULL);
        return;
    }
    if (w->timeout_rule != NULL) {
        double hold_ms =
            w->timeout_rule->delay_ms > 0 ? w->timeout_rule->delay_ms : WIRE_TIMEOUT_HOLD_MS;
        fault_record(app->faults, w->timeout_rule, &w->fc,
                     "processed, no answer; connection closed after %.0f ms", hold_ms);
        free(body);
        hold(app, w->req, PEND_DROP, 0, NULL, 0, hold_ms);
        return;
    }
    if (w->latency_ms > 0) {
        hold(app, w->req, PEND_SEND, 200, body, strlen(body), w->latency_ms);
        return;
    }
    send_now(w->req, 200, body, strlen(body));
    free(body);
}

void wire_send_sf(struct wire_req *w, const char *code, const char *msg, const char *data)
{
    if (strcmp(code, "A1000") != 0)
        w->app->n.errors[w->ep]++;
    char *body = sf_envelope(code, msg, data, 0);
    if (body != NULL)
        body = malform(w, body, code, msg, data);
    finish(w, body);
}

void wire_send_k100(struct wire_req *w, const char *json)
{
    char *body = strdup(json);
    if (body != NULL)
        body = malform(w, body, NULL, NULL, NULL);
    finish(w, body);
}

void wire_send_k100_error(struct wire_req *w, const char *code, const char *msg)
{
    w->app->n.errors[w->ep]++;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "result", 0);
    cJSON_AddStringToObject(o, "returnCode", code);
    cJSON_AddStringToObject(o, "message", msg);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    finish(w, text);
}
