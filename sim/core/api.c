/* Routes and JSON-lines dumps. */
#include "core/api.h"

#include <cjson/cJSON.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_server.h"
#include "common/log.h"
#include "common/simclock.h"
#include "core/backup.h"
#include "core/metrics.h"
#include "core/order.h"
#include "core/push.h"
#include "core/tracking.h"

#define API_PATH_BYTES_MAX 256

struct dbuf {
    char *buf;
    size_t len, cap;
    int failed;
};

static void dbuf_add(struct dbuf *d, const char *s, size_t n)
{
    if (d->failed) {
        return;
    }
    if (d->len + n + 1 > d->cap) {
        size_t cap = d->cap ? d->cap : 64 * 1024;
        while (cap < d->len + n + 1) {
            cap *= 2;
        }
        char *nb = cap <= API_DUMP_BYTES_MAX ? realloc(d->buf, cap) : NULL;
        if (nb == NULL) {
            d->failed = 1;
            return;
        }
        d->buf = nb;
        d->cap = cap;
    }
    memcpy(d->buf + d->len, s, n);
    d->len += n;
    d->buf[d->len] = '\0';
}

/* Append doc as one line and free it. */
static void dbuf_line(struct dbuf *d, cJSON *doc)
{
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (text == NULL) {
        d->failed = 1;
        return;
    }
    dbuf_add(d, text, strlen(text));
    dbuf_add(d, "\n", 1);
    cJSON_free(text);
}

static char *dbuf_take(struct dbuf *d, size_t *len)
{
    if (d->failed) {
        free(d->buf);
        return NULL;
    }
    if (d->buf == NULL) {
        d->buf = calloc(1, 1);
    }
    *len = d->len;
    return d->buf;
}

static void add_ms(cJSON *o, const char *name, int64_t ms)
{
    if (ms > 0) {
        cJSON_AddNumberToObject(o, name, (double)ms);
    } else {
        cJSON_AddNullToObject(o, name);
    }
}

static void add_str_or_null(cJSON *o, const char *name, const char *s)
{
    if (s[0] != '\0') {
        cJSON_AddStringToObject(o, name, s);
    } else {
        cJSON_AddNullToObject(o, name);
    }
}

static int history_item(int state, int64_t sim_ms, void *arg)
{
    cJSON *pair = cJSON_CreateArray();
    cJSON_AddItemToArray(
        pair, cJSON_CreateString(state >= 0 && state < OS_COUNT ? order_state_name(state) : "?"));
    cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)sim_ms));
    cJSON_AddItemToArray(arg, pair);
    return 0;
}

static int waybill_item(const struct waybill_row *w, void *arg)
{
    static const char *const names[] = {"live", "cancelled", "rejected"};
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "carrier", w->carrier);
    cJSON_AddStringToObject(o, "waybill", w->waybill);
    cJSON_AddStringToObject(o, "status", w->status >= 0 && w->status <= 2 ? names[w->status] : "?");
    cJSON_AddItemToArray(arg, o);
    return 0;
}

static int event_item(int64_t sim_ms, int state, const char *context, void *arg)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "sim_ms", (double)sim_ms);
    cJSON_AddNumberToObject(e, "state", state);
    cJSON_AddStringToObject(e, "context", context);
    cJSON_AddItemToArray(arg, e);
    return 0;
}

struct state_walk {
    struct core *c;
    struct dbuf d;
};

static int order_line(const struct order_row *r, void *arg)
{
    struct state_walk *w = arg;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "order");
    cJSON_AddStringToObject(o, "order_id", r->order_id);
    cJSON_AddStringToObject(o, "shop", r->shop);
    cJSON_AddStringToObject(o, "state", order_state_name(r->state));
    add_str_or_null(o, "hold_reason", r->hold_reason);
    add_str_or_null(o, "carrier", r->carrier);
    add_str_or_null(o, "waybill", r->waybill);
    cJSON *wbs = cJSON_AddArrayToObject(o, "waybills");
    (void)store_waybills_each(w->c->store, r->order_id, waybill_item, wbs);
    add_ms(o, "seen_ms", r->seen_ms);
    add_ms(o, "pay_ms", r->pay_ms);
    add_ms(o, "waybill_ms", r->waybill_ms);
    add_ms(o, "ship_ms", r->ship_ms);
    add_ms(o, "pickup_ms", r->pickup_ms);
    add_ms(o, "deliver_ms", r->deliver_ms);
    cJSON *hist = cJSON_AddArrayToObject(o, "history");
    (void)store_history_each(w->c->store, r->order_id, history_item, hist);
    cJSON *track = cJSON_AddArrayToObject(o, "tracking");
    (void)store_events_each(w->c->store, r->order_id, event_item, track);
    dbuf_line(&w->d, o);
    return w->d.failed;
}

static int stock_line(const struct stock_row *r, void *arg)
{
    struct dbuf *d = arg;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "stock");
    cJSON_AddStringToObject(o, "sku", r->sku);
    cJSON_AddNumberToObject(o, "on_hand", (double)r->on_hand);
    cJSON_AddNumberToObject(o, "safety", (double)r->safety);
    cJSON_AddBoolToObject(o, "frozen", r->frozen);
    dbuf_line(d, o);
    return d->failed;
}

char *api_state_dump(struct core *c, size_t *len)
{
    struct state_walk w;
    memset(&w, 0, sizeof(w));
    w.c = c;
    if (store_orders_each(c->store, order_line, &w) != 0 ||
        store_stock_each(c->store, stock_line, &w.d) != 0) {
        w.d.failed = 1;
    }
    return dbuf_take(&w.d, len);
}

char *api_stock_dump(struct core *c, size_t *len)
{
    struct dbuf d;
    memset(&d, 0, sizeof(d));
    if (store_stock_each(c->store, stock_line, &d) != 0) {
        d.failed = 1;
    }
    return dbuf_take(&d, len);
}

static int evidence_line(const struct evidence_row *e, void *arg)
{
    struct dbuf *d = arg;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "sim_ms", (double)e->sim_ms);
    cJSON_AddStringToObject(o, "kind", e->kind);
    add_str_or_null(o, "order_id", e->order_id);
    cJSON_AddStringToObject(o, "expected", e->expected);
    cJSON_AddStringToObject(o, "seen", e->seen);
    cJSON_AddStringToObject(o, "detail", e->detail);
    dbuf_line(d, o);
    return d->failed;
}

char *api_evidence_dump(struct core *c, size_t *len)
{
    struct dbuf d;
    memset(&d, 0, sizeof(d));
    if (store_evidence_each(c->store, evidence_line, &d) != 0) {
        d.failed = 1;
    }
    return dbuf_take(&d, len);
}

static void reply_dump(struct evhttp_request *req, char *text, size_t len)
{
    if (text == NULL) {
        http_reply_json(req, 500, "{\"error\":\"dump_failed\",\"message\":\"store read failed\"}");
        return;
    }
    /* the server's 10 s read/write timeout cut a 14.5 MB state dump after 1.2 MB (monthly); and
     * libevent writes 16 KiB per loop turn, which a busy loop made 130 KB/s (an 8 MB dump timed
     * out the runner's 60 s at time scale 720) */
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    evhttp_connection_set_timeout(evcon, API_DUMP_TIMEOUT_S);
    (void)bufferevent_set_max_single_write(evhttp_connection_get_bufferevent(evcon),
                                           API_DUMP_WRITE_BYTES);
    http_reply(req, 200, "application/x-ndjson", text, len);
    free(text);
}

static void admin(struct core *c, struct evhttp_request *req, const char *path)
{
    size_t len = 0;
    char *text = NULL;
    /* the length is read after the dump is made (argument order is unspecified) */
    if (c->cfg->admin_token[0] != '\0' && !http_req_token_ok(req, c->cfg->admin_token)) {
        http_reply_json(req, 401, "{\"error\":\"unauthorized\",\"message\":\"X-Sim-Token\"}");
    } else if (strcmp(path, "/__state") == 0) {
        int64_t t0 = mono_now_ns();
        text = api_state_dump(c, &len);
        log_info("state dump: %zu bytes made in %lld ms", len,
                 (long long)((mono_now_ns() - t0) / 1000000));
        reply_dump(req, text, len);
    } else if (strcmp(path, "/__evidence") == 0) {
        text = api_evidence_dump(c, &len);
        reply_dump(req, text, len);
    } else if (strcmp(path, "/__backup") == 0 &&
               evhttp_request_get_command(req) == EVHTTP_REQ_POST) {
        char out[BACKUP_PATH_BYTES_MAX + 64], body[BACKUP_PATH_BYTES_MAX + 128];
        if (backup_now(c, out, sizeof(out)) != 0) {
            http_reply_json(req, 500, "{\"error\":\"backup_failed\",\"message\":\"see log\"}");
        } else {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "path", out);
            char *t = cJSON_PrintUnformatted(o);
            snprintf(body, sizeof(body), "%s", t != NULL ? t : "{}");
            cJSON_free(t);
            cJSON_Delete(o);
            http_reply_json(req, 200, body);
        }
    } else if (strcmp(path, "/__stock") == 0) {
        text = api_stock_dump(c, &len);
        reply_dump(req, text, len);
    } else {
        http_reply_json(req, 404, "{\"error\":\"not_found\",\"message\":\"no such path\"}");
    }
}

void api_handle(struct evhttp_request *req, void *arg)
{
    struct core *c = arg;
    char path[API_PATH_BYTES_MAX];
    http_req_path(req, path, sizeof(path));
    if (strcmp(path, "/healthz") == 0) {
        char body[128];
        snprintf(body, sizeof(body), "{\"status\":\"ok\",\"outbox\":%lld}",
                 (long long)store_jobs_pending(c->store));
        http_reply_json(req, 200, body);
    } else if (strcmp(path, "/metrics") == 0) {
        char *text = metrics_render(c->metrics, c->store);
        if (text == NULL) {
            http_reply_text(req, 500, "metrics failed\n");
            return;
        }
        http_reply(req, 200, "text/plain; version=0.0.4", text, strlen(text));
        free(text);
    } else if (strncmp(path, "/__", 3) == 0) {
        admin(c, req, path);
    } else if (strncmp(path, "/push/shopee/", 13) == 0 &&
               evhttp_request_get_command(req) == EVHTTP_REQ_POST) {
        push_shopee(c, req, path + 13);
    } else if (strcmp(path, "/push/kuaidi100") == 0 &&
               evhttp_request_get_command(req) == EVHTTP_REQ_POST) {
        tracking_callback(c, req);
    } else if (strncmp(path, "/push/wechat/", 13) == 0) {
        push_wechat(c, req, path + 13);
    } else {
        http_reply_json(req, 404, "{\"error\":\"not_found\",\"message\":\"no such path\"}");
    }
}
