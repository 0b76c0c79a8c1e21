/* Outbound pushes (API.md 1.5, 2.4, 5.1, 5.2). Every order change becomes a push to the shop's
 * registered callback: Shopee code 3 (status) and code 4 (tracking number) signed with
 * Authorization = hex HMAC-SHA256(partner_key, url|body), acknowledged by 2xx + empty body;
 * WeChat order events in plaintext JSON with signature = sha1(sort(token,timestamp,nonce)) and
 * msg_signature = sha1(sort(token,timestamp,nonce,body)) in the query, acknowledged by "success".
 * A push not acknowledged is retried PUSH_ATTEMPTS_MAX times on a sim-time backoff, then lost:
 * Shopee's go to the lost-push store (get_lost_push_message), WeChat's are counted only.
 * Faults: lost_order drops the push, duplicate_order sends it twice, forged_push sends an extra
 * copy with a bad signature or a tampered body. */
#include <cJSON.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/http_client.h"
#include "common/log.h"
#include "plat/plat.h"
#include "plat/sign.h"

#define PUSH_ATTEMPTS_MAX 5
#define PUSH_TIMEOUT_MS 5000         /* WeChat wants the ack within 5 s */
#define PUSH_LIVE_MAX 50000          /* pushes waiting or in flight (about 3.5 KB each) */
#define PUSH_LOST_MAX 100000         /* lost-push store, oldest dropped first */
#define PUSH_LOST_KEEP_S (3 * 86400) /* Shopee keeps lost pushes 3 days */
#define PUSH_BODY_BYTES_MAX 1024
#define PUSH_DATA_BYTES_MAX 512
#define PUSH_URL_BYTES_MAX 1024 /* callback URL (PUSH_CALLBACK_BYTES_MAX) + query */
#define PUSH_RETRY_WALL_MS_MIN 20.0
#define PUSH_RETRY_WALL_MS_MAX 10000.0
#define PUSH_PARTNERS_MAX SCENARIO_SHOPS_MAX

/* sim seconds before retry n (WeChat's schedule starts 0s, 0s, 10s, 1min, 5min, ...) */
static const double retry_sim_s[PUSH_ATTEMPTS_MAX] = {1, 10, 60, 300, 1800};

struct push_item {
    struct push_queue *q;
    struct push_item *prev, *next;
    int shop;
    int code; /* Shopee 3 / 4; WeChat 0 */
    int forged;
    int attempts;
    int64_t ts_s;
    char order_id[ORDER_ID_BYTES_MAX];
    char url[PUSH_URL_BYTES_MAX];
    char auth[SIGN_HEX_BYTES + 32];
    char body[PUSH_BODY_BYTES_MAX];
    size_t body_len;
    char data[PUSH_DATA_BYTES_MAX]; /* Shopee: the data object, for the lost-push store */
    struct event *timer;
};

struct lost_msg {
    uint64_t id;
    int64_t partner_id;
    int64_t shop_id;
    int code;
    int64_t ts_s;
    char *data;
};

struct push_queue {
    struct plat *p;
    struct push_counts counts;
    struct push_item *items; /* every live item, for push_free */
    size_t live;
    struct lost_msg *lost; /* ring of PUSH_LOST_MAX */
    size_t lost_head, lost_n;
    uint64_t next_id;
    int64_t partners[PUSH_PARTNERS_MAX];
    uint64_t confirmed[PUSH_PARTNERS_MAX];
    int partner_count;
    uint64_t nonce;
};

struct push_queue *push_new(struct plat *p)
{
    struct push_queue *q = calloc(1, sizeof(*q));
    if (q == NULL)
        return NULL;
    q->p = p;
    q->lost = calloc(PUSH_LOST_MAX, sizeof(*q->lost));
    if (q->lost == NULL) {
        free(q);
        return NULL;
    }
    q->next_id = 1;
    return q;
}

static void item_free(struct push_item *it)
{
    struct push_queue *q = it->q;
    if (it->prev != NULL)
        it->prev->next = it->next;
    else
        q->items = it->next;
    if (it->next != NULL)
        it->next->prev = it->prev;
    assert(q->live > 0);
    q->live--;
    if (it->timer != NULL)
        event_free(it->timer);
    free(it);
}

void push_reset(struct push_queue *q)
{
    for (size_t i = 0; i < q->lost_n; i++)
        free(q->lost[(q->lost_head + i) % PUSH_LOST_MAX].data);
    q->lost_head = q->lost_n = 0;
    q->partner_count = 0;
}

void push_free(struct push_queue *q)
{
    if (q == NULL)
        return;
    while (q->items != NULL)
        item_free(q->items);
    push_reset(q);
    free(q->lost);
    free(q);
}

void push_get_counts(const struct push_queue *q, struct push_counts *out)
{
    *out = q->counts;
}

/* ---- lost-push store ----------------------------------------------------------------------- */

static int partner_slot(struct push_queue *q, int64_t partner_id)
{
    for (int i = 0; i < q->partner_count; i++)
        if (q->partners[i] == partner_id)
            return i;
    if (q->partner_count == PUSH_PARTNERS_MAX)
        return -1;
    q->partners[q->partner_count] = partner_id;
    q->confirmed[q->partner_count] = 0;
    return q->partner_count++;
}

static void lost_store(struct push_queue *q, const struct push_item *it)
{
    const struct shop_instance *si = &q->p->shops[it->shop].si;
    if (q->lost_n == PUSH_LOST_MAX) { /* full: the oldest goes, as the 3-day window would */
        free(q->lost[q->lost_head].data);
        q->lost_head = (q->lost_head + 1) % PUSH_LOST_MAX;
        q->lost_n--;
    }
    struct lost_msg *m = &q->lost[(q->lost_head + q->lost_n) % PUSH_LOST_MAX];
    m->data = strdup(it->data);
    if (m->data == NULL)
        return;
    m->id = q->next_id++;
    m->partner_id = si->partner_id;
    m->shop_id = si->shop_id;
    m->code = it->code;
    m->ts_s = it->ts_s;
    q->lost_n++;
}

uint64_t push_lost_page(struct push_queue *q, int64_t partner_id, cJSON *list, int max, int *more)
{
    int slot = partner_slot(q, partner_id);
    uint64_t done = slot >= 0 ? q->confirmed[slot] : 0, last = 0;
    int64_t oldest_s = simclock_now_ms(&q->p->clock) / 1000 - PUSH_LOST_KEEP_S;
    int n = 0;
    *more = 0;
    for (size_t i = 0; i < q->lost_n; i++) {
        const struct lost_msg *m = &q->lost[(q->lost_head + i) % PUSH_LOST_MAX];
        if (m->partner_id != partner_id || m->id <= done || m->ts_s < oldest_s)
            continue;
        if (n == max) {
            *more = 1;
            break;
        }
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "shop_id", (double)m->shop_id);
        cJSON_AddNumberToObject(e, "code", m->code);
        cJSON_AddNumberToObject(e, "timestamp", (double)m->ts_s);
        cJSON_AddStringToObject(e, "data", m->data);
        cJSON_AddItemToArray(list, e);
        last = m->id;
        n++;
    }
    return last;
}

void push_lost_confirm(struct push_queue *q, int64_t partner_id, uint64_t last_id)
{
    int slot = partner_slot(q, partner_id);
    if (slot >= 0 && last_id > q->confirmed[slot])
        q->confirmed[slot] = last_id;
}

/* ---- delivery ------------------------------------------------------------------------------ */

static void send_item(struct push_item *it);

static void lose(struct push_item *it)
{
    struct push_queue *q = it->q;
    q->counts.lost++;
    if (q->p->shops[it->shop].si.flavor == FLAVOR_SHOPEE && !it->forged)
        lost_store(q, it);
    item_free(it);
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
    struct push_item *it = arg;
    send_item(it);
}

static void retry_or_lose(struct push_item *it)
{
    if (it->forged || it->attempts >= PUSH_ATTEMPTS_MAX) {
        if (it->forged)
            item_free(it); /* a forged copy is never re-sent */
        else
            lose(it);
        return;
    }
    struct plat *p = it->q->p;
    double ms = simclock_wall_ms(&p->clock, retry_sim_s[it->attempts - 1] * 1000.0);
    ms = ms < PUSH_RETRY_WALL_MS_MIN ? PUSH_RETRY_WALL_MS_MIN : ms;
    ms = ms > PUSH_RETRY_WALL_MS_MAX ? PUSH_RETRY_WALL_MS_MAX : ms;
    if (it->timer == NULL)
        it->timer = evtimer_new(p->base, retry_cb, it);
    if (it->timer == NULL) {
        lose(it);
        return;
    }
    struct timeval tv = {.tv_sec = (time_t)(ms / 1000),
                         .tv_usec = (suseconds_t)((long)ms % 1000 * 1000)};
    evtimer_add(it->timer, &tv);
}

static int acked(const struct push_item *it, const struct http_response *resp)
{
    if (resp->error != HTTPC_OK || resp->status < 200 || resp->status > 299)
        return 0;
    if (it->code != 0)
        return resp->body_len == 0; /* Shopee: 2xx and an empty body */
    const char *b = resp->body;
    size_t n = resp->body_len;
    while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r' || b[n - 1] == ' '))
        n--;
    return n == 7 && memcmp(b, "success", 7) == 0;
}

static void done_cb(const struct http_response *resp, void *arg)
{
    struct push_item *it = arg;
    if (acked(it, resp)) {
        it->q->counts.acked++;
        item_free(it);
        return;
    }
    it->q->counts.failed++;
    retry_or_lose(it);
}

static void send_item(struct push_item *it)
{
    struct push_queue *q = it->q;
    it->attempts++;
    char header[SIGN_HEX_BYTES + 48];
    struct http_request req = {.method = "POST",
                               .url = it->url,
                               .body = it->body,
                               .body_len = it->body_len,
                               .content_type = "application/json",
                               .timeout_ms = PUSH_TIMEOUT_MS};
    if (it->code != 0) {
        snprintf(header, sizeof(header), "Authorization: %s", it->auth);
        req.headers[0] = header;
    }
    q->counts.sent++;
    if (http_client_send(q->p->client, &req, done_cb, it) != 0) {
        q->counts.failed++;
        retry_or_lose(it);
    }
}

static struct push_item *item_new(struct push_queue *q, int shop, const struct truth_order *o)
{
    if (q->live >= PUSH_LIVE_MAX) {
        q->counts.dropped++;
        return NULL;
    }
    struct push_item *it = calloc(1, sizeof(*it));
    if (it == NULL)
        return NULL;
    it->q = q;
    it->shop = shop;
    it->ts_s = o->update_ms / 1000;
    snprintf(it->order_id, sizeof(it->order_id), "%s", o->id);
    it->next = q->items;
    if (q->items != NULL)
        q->items->prev = it;
    q->items = it;
    q->live++;
    return it;
}

/* Start delivering it, or lose it at once when the shop has no callback. */
static void dispatch(struct push_item *it)
{
    if (it->q->p->shops[it->shop].callback_url[0] == '\0') {
        if (it->forged)
            item_free(it);
        else
            lose(it);
        return;
    }
    send_item(it);
}

/* ---- bodies and signatures ----------------------------------------------------------------- */

static void shopee_body(struct push_item *it, const struct plat *p, const struct truth_order *o,
                        const char *status)
{
    const struct shop_instance *si = &p->shops[it->shop].si;
    if (it->code == 3)
        snprintf(it->data, sizeof(it->data),
                 "{\"ordersn\":\"%s\",\"status\":\"%s\","
                 "\"completed_scenario\":\"\",\"update_time\":%lld,\"items\":[]}",
                 o->id, status, (long long)it->ts_s);
    else
        snprintf(it->data, sizeof(it->data),
                 "{\"ordersn\":\"%s\",\"package_number\":\"%s\","
                 "\"tracking_no\":\"%s\"}",
                 o->id, o->package, status);
    int n = snprintf(it->body, sizeof(it->body),
                     "{\"data\":%s,\"shop_id\":%lld,\"code\":%d,"
                     "\"timestamp\":%lld}",
                     it->data, (long long)si->shop_id, it->code, (long long)it->ts_s);
    assert(n > 0 && n < (int)sizeof(it->body));
    it->body_len = (size_t)n;
}

static void shopee_sign(struct push_item *it, const struct plat *p)
{
    const struct plat_shop *s = &p->shops[it->shop];
    snprintf(it->url, sizeof(it->url), "%s", s->callback_url);
    sign_shopee_push(s->si.partner_key, it->url, it->body, it->body_len, it->auth);
}

/* WeChat events carry order_id as a 19-digit JSON number (API.md 2.4), printed verbatim. */
static void wechat_body(struct push_item *it, const struct plat *p, const struct truth_order *o,
                        const char *event, const char *extra)
{
    const struct shop_instance *si = &p->shops[it->shop].si;
    int n = snprintf(it->body, sizeof(it->body),
                     "{\"ToUserName\":\"gh_%s\",\"FromUserName\":\"%s\","
                     "\"CreateTime\":%lld,\"MsgType\":\"event\",\"Event\":\"%s\","
                     "\"order_info\":{\"order_id\":%s%s}}",
                     si->appid, o->buyer, (long long)it->ts_s, event, o->id, extra);
    assert(n > 0 && n < (int)sizeof(it->body));
    it->body_len = (size_t)n;
}

static void wechat_sign(struct push_item *it, struct push_queue *q)
{
    const struct plat_shop *s = &q->p->shops[it->shop];
    char ts[24], nonce[24], sig[SHA1_HEX_BYTES], msg_sig[SHA1_HEX_BYTES];
    snprintf(ts, sizeof(ts), "%lld", (long long)it->ts_s);
    snprintf(nonce, sizeof(nonce), "%llu",
             (unsigned long long)(hash_mix64(q->p->sc.seed ^ ++q->nonce) % 10000000000ULL));
    const char *parts[4] = {s->si.push_token, ts, nonce, it->body};
    sign_wechat(parts, 3, sig);
    sign_wechat(parts, 4, msg_sig);
    snprintf(it->url, sizeof(it->url),
             "%s%csignature=%s&timestamp=%s&nonce=%s&encrypt_type=plain"
             "&msg_signature=%s",
             s->callback_url, strchr(s->callback_url, '?') ? '&' : '?', sig, ts, nonce, msg_sig);
}

static const char *wechat_event(const struct truth_order *o, enum truth_state prev, char *extra,
                                int len)
{
    extra[0] = '\0';
    switch (o->state) {
    case TS_UNPAID: return prev == TS_UNPAID && o->hist_count == 1 ? "channels_ec_order_new" : NULL;
    case TS_PAID:
        snprintf(extra, len, ",\"pay_time\":%lld", (long long)(o->pay_ms / 1000));
        return "channels_ec_order_pay";
    case TS_SHIPPED:
        snprintf(extra, len, ",\"finish_delivery\":1");
        return "channels_ec_order_deliver";
    case TS_COMPLETED: return "channels_ec_order_confirm";
    case TS_CANCELLED:
        snprintf(extra, len, ",\"cancel_type\":1");
        return "channels_ec_order_cancel";
    default: return NULL; /* 30 stays 30 while the parcel moves: no event */
    }
}

/* ---- faults and emission ------------------------------------------------------------------- */

/* lost_order / duplicate_order rules aimed at the list endpoints cover the order's pushes too
 * ("left out of list pages and its push dropped"). */
static const struct fault_rule *push_decide(struct push_queue *q, enum fault_kind kind,
                                            const struct fault_ctx *ctx, int flavor)
{
    const struct fault_rule *r = fault_decide(q->p->faults, kind, ctx);
    if (r != NULL || (kind != FAULT_LOST_ORDER && kind != FAULT_DUPLICATE_ORDER))
        return r;
    struct fault_ctx c = *ctx;
    c.endpoint = flavor == FLAVOR_SHOPEE ? "order/get_order_list" : "order/list/get";
    return fault_decide(q->p->faults, kind, &c);
}

static struct push_item *clone(struct push_queue *q, const struct push_item *g,
                               const struct truth_order *o)
{
    struct push_item *c = item_new(q, g->shop, o);
    if (c == NULL)
        return NULL;
    struct push_item *prev = c->prev, *next = c->next;
    memcpy(c, g, sizeof(*c));
    c->prev = prev;
    c->next = next;
    c->timer = NULL;
    return c;
}

static void forge(struct push_queue *q, struct push_item *f, const struct truth_order *o,
                  const char *mode, const char *event)
{
    f->forged = 1;
    q->counts.forged++;
    if (strcmp(mode, "tampered_body") == 0) { /* new body, the genuine body's signature */
        if (f->code == 3)
            shopee_body(f, q->p, o, o->state == TS_CANCELLED ? "COMPLETED" : "CANCELLED");
        else if (f->code == 4)
            shopee_body(f, q->p, o, "SF0000000000000");
        else
            wechat_body(f, q->p, o,
                        strcmp(event, "channels_ec_order_cancel") == 0 ? "channels_ec_order_confirm"
                                                                       : "channels_ec_order_cancel",
                        "");
        return;
    }
    char *sig = f->code != 0 ? f->auth : strstr(f->url, "msg_signature=");
    if (sig != NULL && f->code == 0)
        sig += strlen("msg_signature=");
    if (sig != NULL && sig[0] != '\0')
        sig[0] = sig[0] == '0' ? '1' : '0'; /* one wrong hex digit */
}

static void emit(struct push_queue *q, const struct truth_order *o, int code, const char *event,
                 const char *extra)
{
    struct plat *p = q->p;
    int has_cb = p->shops[o->shop].callback_url[0] != '\0';
    struct fault_ctx ctx = {.endpoint = "push", .shop = p->shops[o->shop].si.name, .key = o->id};
    ctx.attempt = fault_next_attempt(p->faults, "push", o->id);
    const struct fault_rule *f = push_decide(q, FAULT_LOST_ORDER, &ctx, o->flavor);
    if (f != NULL) {
        fault_record(p->faults, f, &ctx, "push %s dropped",
                     code ? (code == 3 ? "code 3" : "code 4") : event);
        return;
    }
    struct push_item *it = item_new(q, o->shop, o);
    if (it == NULL)
        return;
    it->code = code;
    if (code != 0) {
        shopee_body(it, p, o, code == 3 ? truth_raw_status(FLAVOR_SHOPEE, o->state) : o->waybill);
        shopee_sign(it, p);
    } else {
        wechat_body(it, p, o, event, extra);
        wechat_sign(it, q);
    }
    struct push_item *dup = NULL, *forged = NULL;
    if (has_cb && (f = push_decide(q, FAULT_DUPLICATE_ORDER, &ctx, o->flavor)) != NULL &&
        (dup = clone(q, it, o)) != NULL)
        fault_record(p->faults, f, &ctx, "push delivered twice");
    if (has_cb && (f = fault_decide(p->faults, FAULT_FORGED_PUSH, &ctx)) != NULL &&
        (forged = clone(q, it, o)) != NULL) {
        const char *mode = f->mode[0] != '\0'                                   ? f->mode
                           : fault_param_draw(p->faults, f, &ctx, "mode") < 0.5 ? "bad_signature"
                                                                                : "tampered_body";
        forge(q, forged, o, mode, event != NULL ? event : "");
        fault_record(p->faults, f, &ctx, "forged push (%s) sent", mode);
    }
    dispatch(it);
    if (dup != NULL)
        dispatch(dup);
    if (forged != NULL)
        dispatch(forged);
}

void push_order_changed(void *arg, const struct truth_order *o, enum truth_state prev)
{
    struct push_queue *q = arg;
    assert(q != NULL);
    assert(o != NULL);
    int fresh = prev == TS_UNPAID && o->state == TS_UNPAID && o->hist_count == 1;
    if (o->flavor == FLAVOR_WECHAT) {
        char extra[64];
        const char *event = wechat_event(o, prev, extra, sizeof(extra));
        if (event != NULL)
            emit(q, o, 0, event, extra);
        return;
    }
    const char *raw_prev = truth_raw_status(FLAVOR_SHOPEE, prev);
    if (fresh || strcmp(raw_prev, truth_raw_status(FLAVOR_SHOPEE, o->state)) != 0)
        emit(q, o, 3, NULL, NULL);
    if (o->state == TS_SHIPPED && prev != TS_SHIPPED)
        emit(q, o, 4, NULL, NULL);
}

/* ---- WeChat URL check ---------------------------------------------------------------------- */

static void url_check_done(const struct http_response *resp, void *arg)
{
    struct push_queue *q = arg;
    /* the answer names no shop: find the check whose echostr came back */
    int matched = -1;
    for (int i = 0; i < q->p->shop_count && matched < 0; i++) {
        struct plat_shop *s = &q->p->shops[i];
        if (s->echostr[0] != '\0' && resp->error == HTTPC_OK && resp->status == 200 &&
            resp->body_len == strlen(s->echostr) &&
            memcmp(resp->body, s->echostr, resp->body_len) == 0)
            matched = i;
    }
    if (matched >= 0) {
        q->p->shops[matched].echostr[0] = '\0';
        q->counts.url_checks_ok++;
        log_info("push: %s callback passed the URL check", q->p->shops[matched].si.name);
        return;
    }
    q->counts.url_checks_failed++;
    log_warn("push: a WeChat callback failed the URL check (status %ld, %s)", resp->status,
             http_error_name(resp->error));
}

void push_verify_url(struct push_queue *q, int shop)
{
    struct plat_shop *s = &q->p->shops[shop];
    assert(s->si.flavor == FLAVOR_WECHAT);
    char ts[24], nonce[24], sig[SHA1_HEX_BYTES], url[PUSH_URL_BYTES_MAX];
    snprintf(ts, sizeof(ts), "%lld", (long long)(simclock_now_ms(&q->p->clock) / 1000));
    snprintf(nonce, sizeof(nonce), "%llu",
             (unsigned long long)(hash_mix64(q->p->sc.seed ^ ++q->nonce) % 10000000000ULL));
    snprintf(s->echostr, sizeof(s->echostr), "%llu",
             (unsigned long long)(hash_mix64(q->nonce ^ 0x6563686fULL) % 100000000000000ULL));
    const char *parts[3] = {s->si.push_token, ts, nonce};
    sign_wechat(parts, 3, sig);
    snprintf(url, sizeof(url), "%s%csignature=%s&timestamp=%s&nonce=%s&echostr=%s", s->callback_url,
             strchr(s->callback_url, '?') ? '&' : '?', sig, ts, nonce, s->echostr);
    struct http_request req = {.method = "GET", .url = url, .timeout_ms = PUSH_TIMEOUT_MS};
    if (http_client_send(q->p->client, &req, url_check_done, q) != 0) {
        q->counts.url_checks_failed++;
        s->echostr[0] = '\0';
    }
}
