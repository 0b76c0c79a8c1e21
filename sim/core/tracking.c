/* Kuaidi100-shape tracking: subscribe, callbacks, polling, validation, the stall ladder. */
#include "core/tracking.h"

#include <cjson/cJSON.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/http_client.h"
#include "common/http_server.h"
#include "common/json.h"
#include "common/log.h"
#include "common/waybill.h"
#include "core/carrier.h"
#include "core/ingest.h"
#include "core/metrics.h"
#include "core/outbox.h"
#include "core/sig.h"
#include "core/utf8.h"

#define TRACK_FORM_BYTES_MAX (16 * 1024)
#define TRACK_URL_BYTES_MAX 512
#define TRACK_HOUR_MS (3600 * 1000LL)
#define TRACK_ACK "{\"result\":true,\"returnCode\":\"200\",\"message\":\"成功\"}"

enum k100_state {
    K_TRANSIT = 0,
    K_COLLECTED = 1,
    K_PROBLEM = 2,
    K_SIGNED = 3,
    K_RETURNED = 4,
    K_DELIVERING = 5,
    K_RETURNING = 6,
    K_TRANSFERRED = 7,
    K_REFUSED = 14
};

struct track_ctx {
    struct job_row job;
};

int tracking_state_known(int s)
{
    return (s >= 0 && s <= 7) || (s >= 10 && s <= 14);
}

int64_t tracking_parse_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
    if (end == NULL || *end != '\0' || tm.tm_year < 100) {
        return -1;
    }
    time_t t = timegm(&tm);
    return ((int64_t)t - TRACK_CHINA_OFFSET_S) * 1000;
}

void tracking_start(struct core *c, const char *order_id, const char *carrier, const char *waybill)
{
    struct parcel_row p;
    if (store_parcel_get(c->store, waybill, &p) == 1) {
        return;
    }
    memset(&p, 0, sizeof(p));
    snprintf(p.waybill, sizeof(p.waybill), "%s", waybill);
    snprintf(p.carrier, sizeof(p.carrier), "%s", carrier);
    snprintf(p.order_id, sizeof(p.order_id), "%s", order_id);
    p.state = -1;
    p.ship_ms = core_now_ms(c);
    p.last_event_ms = p.ship_ms;
    if (store_parcel_put(c->store, &p) != 0) {
        core_fatal_store(c, "parcel");
    }
    if (c->cfg->tracking_url[0] == '\0') {
        return;
    }
    outbox_add(c, JOB_SUBSCRIBE, waybill, carrier, order_id, 0, 0);
    outbox_add(c, JOB_TRACK, waybill, carrier, order_id, TRACK_POLL_SIM_MS, 0);
}

/* --- validation and storing ------------------------------------------------------------------- */

struct apply_stats {
    int bad, fresh, repeated, unordered;
    int seen_n;
    const cJSON *seen[TRACK_EVENTS_MAX]; /* events of this answer so far (repeat detection) */
    int64_t newest_ms;
    int newest_state;
    int64_t first_pickup_ms, signed_ms;
};

static int event_state(const cJSON *item)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(item, "statusCode");
    if (cJSON_IsString(code) && code->valuestring[0] != '\0') {
        char *end = NULL;
        long v = strtol(code->valuestring, &end, 10);
        return *end == '\0' && tracking_state_known((int)v) ? (int)v : -1;
    }
    return -1;
}

/* Check one event; stores it when clean. */
static void apply_event(struct core *c, const struct parcel_row *p, const cJSON *item,
                        struct apply_stats *st, int64_t *prev_ms, int asc)
{
    const cJSON *time_s = cJSON_GetObjectItemCaseSensitive(item, "time");
    const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(item, "context");
    int state = event_state(item);
    int64_t ms = cJSON_IsString(time_s) ? tracking_parse_time(time_s->valuestring) : -1;
    enum text_verdict v = cJSON_IsString(ctx) ? text_check(ctx->valuestring) : TEXT_INVALID_UTF8;
#ifdef SYNCD_SABOTAGE_NO_MOJIBAKE_CHECK /* test-only (tests/sabotage): store any text */
    v = cJSON_IsString(ctx) ? TEXT_OK : v;
#endif
    if (ms < 0 || state < 0 || v != TEXT_OK) {
        st->bad++;
        core_evidence(c, EVK_GARBLED_EVENT, p->order_id, "a clean event",
                      v != TEXT_OK ? text_verdict_name(v)
                      : ms < 0     ? "bad time"
                                   : "bad state",
                      "waybill %s: quarantined, not stored", p->waybill);
        return;
    }
    if (*prev_ms >= 0 && (asc ? ms < *prev_ms : ms > *prev_ms)) {
        st->unordered++;
    }
    *prev_ms = ms;
    for (int i = 0; i < st->seen_n; i++) {
        const cJSON *o = st->seen[i];
        if (strcmp(cJSON_GetObjectItemCaseSensitive(o, "time")->valuestring, time_s->valuestring) ==
                0 &&
            strcmp(cJSON_GetObjectItemCaseSensitive(o, "context")->valuestring, ctx->valuestring) ==
                0) {
            st->repeated++; /* the same event twice in one answer */
        }
    }
    if (st->seen_n < TRACK_EVENTS_MAX) {
        st->seen[st->seen_n++] = item;
    }
    /* an event stored from an earlier answer is not new: answers carry the whole history */
    int added = store_event_add(c->store, p->waybill, ms, state, ctx->valuestring);
    if (added < 0) {
        core_fatal_store(c, "event");
    }
    st->fresh += added;
    if (ms >= st->newest_ms) {
        st->newest_ms = ms;
        st->newest_state = state;
    }
    if (state == K_COLLECTED && (st->first_pickup_ms < 0 || ms < st->first_pickup_ms)) {
        st->first_pickup_ms = ms;
    }
    if (state == K_SIGNED) {
        st->signed_ms = ms;
    }
}

/* The order follows its parcel, forward only. */
static void follow(struct core *c, const struct parcel_row *p, const struct apply_stats *st)
{
    struct order_row o;
    if (store_order_get(c->store, p->order_id, &o) != 1 || strcmp(o.waybill, p->waybill) != 0) {
        return;
    }
    int s = p->state;
    if (s == K_SIGNED) {
        if (o.state < OS_IN_TRANSIT) {
            o.pickup_ms = st->first_pickup_ms > 0 ? st->first_pickup_ms : st->newest_ms;
            (void)ingest_move(c, &o, OS_IN_TRANSIT);
        }
        o.deliver_ms = st->signed_ms > 0 ? st->signed_ms : st->newest_ms;
        (void)ingest_move(c, &o, OS_DELIVERED);
    } else if (s == K_RETURNED || s == K_RETURNING || s == K_REFUSED) {
        (void)ingest_move(c, &o, OS_RETURNED);
    } else if (s >= 0 && o.state < OS_IN_TRANSIT) {
        o.pickup_ms = st->first_pickup_ms > 0 ? st->first_pickup_ms : st->newest_ms;
        (void)ingest_move(c, &o, OS_IN_TRANSIT);
    }
}

/* Apply a lastResult object to parcel p. Returns the number of bad events (or 1 when the whole
 * answer was refused). */
static int apply_result(struct core *c, struct parcel_row *p, const cJSON *res, int asc)
{
    const cJSON *nu = cJSON_GetObjectItemCaseSensitive(res, "nu");
    const cJSON *com = cJSON_GetObjectItemCaseSensitive(res, "com");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(res, "data");
    const char *carrier =
        cJSON_IsString(com) ? waybill_carrier_from_kuaidi100(com->valuestring) : NULL;
    if (!cJSON_IsString(nu) || strcmp(nu->valuestring, p->waybill) != 0 || carrier == NULL ||
        strcmp(carrier, p->carrier) != 0 || !cJSON_IsArray(data)) {
        core_evidence(c, EVK_GARBLED_EVENT, p->order_id, p->waybill,
                      cJSON_IsString(nu) ? nu->valuestring : "no nu",
                      "tracking answer for another waybill or carrier: quarantined");
        return 1;
    }
    struct apply_stats st;
    memset(&st, 0, sizeof(st));
    st.newest_ms = st.newest_state = -1;
    st.first_pickup_ms = st.signed_ms = -1;
    int64_t prev = -1;
    int n = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, data)
    {
        if (n++ >= TRACK_EVENTS_MAX) {
            break;
        }
        apply_event(c, p, item, &st, &prev, asc);
    }
    if (st.unordered > 0 || st.repeated > 0) {
        core_evidence(c, EVK_GARBLED_EVENT, p->order_id, "events once each, in time order",
                      st.unordered > 0 ? "out of order" : "repeated",
                      "waybill %s: sorted and de-duplicated", p->waybill);
    }
    if (st.newest_ms > p->last_event_ms || (st.newest_ms >= 0 && p->state < 0)) {
        p->last_event_ms = st.newest_ms > p->last_event_ms ? st.newest_ms : p->last_event_ms;
        p->state = st.newest_state;
    }
    p->final = p->state == K_SIGNED || p->state == K_RETURNED;
    if (store_parcel_put(c->store, p) != 0) {
        core_fatal_store(c, "parcel");
    }
    follow(c, p, &st);
    return st.bad;
}

/* --- calls ------------------------------------------------------------------------------------ */

static char *form_field(const char *name, const char *value)
{
    size_t cap = strlen(value) * 3 + strlen(name) + 2;
    char *out = malloc(cap);
    if (out == NULL) {
        return NULL;
    }
    int n = snprintf(out, cap, "%s=", name);
    if (sig_urlencode_plus(value, out + n, cap - (size_t)n) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

static void finish(struct core *c, struct track_ctx *x)
{
    outbox_release(c);
    free(x);
}

static void subscribe_done(struct core *c, const struct http_response *r, void *arg)
{
    struct track_ctx *x = arg;
    struct call_outcome o;
    char err[ERR_BYTES_MAX];
    outcome_from_http(r, &o);
    cJSON *doc = o.result == CALL_OK ? json_parse(r->body, r->body_len, err, sizeof(err)) : NULL;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(doc, "returnCode");
    const char *rc = cJSON_IsString(code) ? code->valuestring : "";
    if (strcmp(rc, "200") == 0 || strcmp(rc, "501") == 0) {
        outbox_done(c, &x->job); /* subscribed (501: already polling) */
    } else {
        if (o.result == CALL_OK) {
            outcome_set(&o, CALL_RETRY, doc == NULL ? EVK_MALFORMED_BODY : -1,
                        "subscribe answer %s", rc);
        }
        outbox_retry(c, &x->job, &o, NULL, 0);
    }
    json_delete(doc);
    finish(c, x);
}

static struct track_ctx *ctx_of(const struct job_row *j)
{
    struct track_ctx *x = calloc(1, sizeof(*x));
    assert(x != NULL);
    x->job = *j;
    return x;
}

void tracking_subscribe_run(struct core *c, const struct job_row *j)
{
    const struct config *cfg = c->cfg;
    const char *com = waybill_kuaidi100_code(j->shop);
    if (com == NULL || cfg->push_base_url[0] == '\0') {
        outbox_done(c, j); /* polling alone will do */
        outbox_release(c);
        return;
    }
    char url[TRACK_URL_BYTES_MAX], cb[TRACK_URL_BYTES_MAX];
    snprintf(cb, sizeof(cb), "%s/push/kuaidi100", cfg->push_base_url);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "company", com);
    cJSON_AddStringToObject(p, "number", j->order_id); /* the job key is the waybill */
    cJSON_AddStringToObject(p, "key", cfg->tracking_key);
    cJSON *params = cJSON_AddObjectToObject(p, "parameters");
    cJSON_AddStringToObject(params, "callbackurl", cb);
    cJSON_AddStringToObject(params, "salt", cfg->tracking_salt);
    cJSON_AddStringToObject(params, "resultv2", "4");
    char *param = cJSON_PrintUnformatted(p);
    cJSON_Delete(p);
    char *field = param != NULL ? form_field("param", param) : NULL;
    char body[TRACK_FORM_BYTES_MAX];
    snprintf(body, sizeof(body), "schema=json&%s", field != NULL ? field : "");
    snprintf(url, sizeof(url), "%s/poll", cfg->tracking_url);
    struct track_ctx *x = ctx_of(j);
    if (field == NULL ||
        core_http(c, "kuaidi100:poll", "POST", url, "application/x-www-form-urlencoded", body, NULL,
                  subscribe_done, x) != 0) {
        struct call_outcome o;
        outcome_set(&o, CALL_RETRY, -1, "cannot send");
        outbox_retry(c, j, &o, NULL, 0);
        finish(c, x);
    }
    cJSON_free(param);
    free(field);
}

static void query_done(struct core *c, const struct http_response *r, void *arg)
{
    struct track_ctx *x = arg;
    struct call_outcome o;
    struct parcel_row p;
    char err[ERR_BYTES_MAX];
    outcome_from_http(r, &o);
    cJSON *doc = o.result == CALL_OK ? json_parse(r->body, r->body_len, err, sizeof(err)) : NULL;
    int have = store_parcel_get(c->store, x->job.order_id, &p) == 1;
    if (o.result != CALL_OK || !have) {
        if (have) {
            outbox_retry(c, &x->job, &o, NULL, 0);
        } else {
            outbox_done(c, &x->job);
        }
    } else {
        if (doc == NULL) {
            core_evidence(c, EVK_MALFORMED_BODY, p.order_id, "a tracking answer", err, "waybill %s",
                          p.waybill);
        } else if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "data"))) {
            (void)apply_result(c, &p, doc, 1);
        } /* else no result yet or locked: ask again after the lock */
        outbox_done(c, &x->job);
        if (!p.final) {
            outbox_add(c, JOB_TRACK, p.waybill, p.carrier, p.order_id, TRACK_POLL_SIM_MS, 0);
        }
    }
    json_delete(doc);
    finish(c, x);
}

void tracking_query_run(struct core *c, const struct job_row *j)
{
    const struct config *cfg = c->cfg;
    struct parcel_row p;
    const char *com = waybill_kuaidi100_code(j->shop);
    if (store_parcel_get(c->store, j->order_id, &p) != 1 || p.final || com == NULL) {
        outbox_done(c, j);
        outbox_release(c);
        return;
    }
    cJSON *q = cJSON_CreateObject();
    cJSON_AddStringToObject(q, "com", com);
    cJSON_AddStringToObject(q, "num", p.waybill);
    cJSON_AddStringToObject(q, "resultv2", "4");
    cJSON_AddStringToObject(q, "show", "0");
    cJSON_AddStringToObject(q, "order", "asc");
    char *param = cJSON_PrintUnformatted(q);
    cJSON_Delete(q);
    char sign[40], url[TRACK_URL_BYTES_MAX], body[TRACK_FORM_BYTES_MAX];
    size_t plen = param != NULL ? strlen(param) : 0;
    size_t cap = plen + strlen(cfg->tracking_key) + strlen(cfg->tracking_customer) + 1;
    char *text = malloc(cap);
    char *field = param != NULL ? form_field("param", param) : NULL;
    char *cust = form_field("customer", cfg->tracking_customer);
    int ok = text != NULL && field != NULL && cust != NULL;
    if (ok) {
        snprintf(text, cap, "%s%s%s", param, cfg->tracking_key, cfg->tracking_customer);
        ok = sig_md5_upper_hex(text, strlen(text), sign, sizeof(sign)) == 0;
        snprintf(body, sizeof(body), "%s&sign=%s&%s", cust, sign, field);
        snprintf(url, sizeof(url), "%s/poll/query.do", cfg->tracking_url);
    }
    struct track_ctx *x = ctx_of(j);
    if (!ok || core_http(c, "kuaidi100:poll/query.do", "POST", url,
                         "application/x-www-form-urlencoded", body, NULL, query_done, x) != 0) {
        struct call_outcome o;
        outcome_set(&o, CALL_RETRY, -1, "cannot send");
        outbox_retry(c, j, &o, NULL, 0);
        finish(c, x);
    }
    cJSON_free(param);
    free(text);
    free(field);
    free(cust);
}

static void remind_done(struct core *c, const struct carrier_reply *r, const struct call_outcome *o,
                        void *arg)
{
    struct track_ctx *x = arg;
    if (o->result == CALL_OK) {
        outbox_done(c, &x->job);
    } else {
        outbox_retry(c, &x->job, o, NULL, 0);
    }
    finish(c, x);
}

void tracking_remind_run(struct core *c, const struct job_row *j)
{
    if (config_carrier(c->cfg, j->shop) == NULL) {
        outbox_done(c, j);
        outbox_release(c);
        return;
    }
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "waybillNo", j->order_id);
    char *msg = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    carrier_call(c, j->shop, "EXP_RECE_REMIND", msg != NULL ? msg : "{}", remind_done, ctx_of(j));
    cJSON_free(msg);
}

/* --- callback --------------------------------------------------------------------------------- */

/* The decoded value of name in a form body (malloc'd), or NULL. */
static char *form_value(const char *body, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = body;
    while (p != NULL && *p != '\0') {
        const char *amp = strchr(p, '&');
        size_t len = amp != NULL ? (size_t)(amp - p) : strlen(p);
        if (len > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            char *v = malloc(len - nlen);
            if (v == NULL) {
                return NULL;
            }
            memcpy(v, p + nlen + 1, len - nlen - 1);
            v[len - nlen - 1] = '\0';
            if (sig_urldecode(v) != 0) {
                free(v);
                return NULL;
            }
            return v;
        }
        p = amp != NULL ? amp + 1 : NULL;
    }
    return NULL;
}

static void callback_reject(struct core *c, struct evhttp_request *req, enum evidence_kind kind,
                            const char *why)
{
    core_evidence(c, kind, "", "a signed Kuaidi100 callback", why, "push to /push/kuaidi100");
    metrics_inc(c->metrics, kind == EVK_BAD_SIGNATURE ? "push_rejected_bad_signature"
                                                      : "push_rejected_malformed_body");
    http_reply_json(req, 400, "{\"result\":false,\"returnCode\":\"500\",\"message\":\"rejected\"}");
}

static void callback_apply(struct core *c, struct evhttp_request *req, const char *param)
{
    char err[ERR_BYTES_MAX];
    struct parcel_row p;
    cJSON *doc = json_parse(param, strlen(param), err, sizeof(err));
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(doc, "lastResult");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(doc, "status");
    const cJSON *nu = cJSON_GetObjectItemCaseSensitive(res, "nu");
    if (!cJSON_IsObject(res) || !cJSON_IsString(nu)) {
        callback_reject(c, req, EVK_MALFORMED_BODY, doc == NULL ? err : "no lastResult.nu");
    } else if (store_parcel_get(c->store, nu->valuestring, &p) != 1) {
        /* a waybill we never shipped (a truncated number, say): quarantined; ack so the
         * aggregator stops re-sending a push we will never take */
        core_evidence(c, EVK_GARBLED_EVENT, "", "a known waybill", nu->valuestring,
                      "callback quarantined");
        core_reply_durable(c, req, 200, "application/json", TRACK_ACK);
    } else {
        (void)apply_result(c, &p, res, 0);
        if (cJSON_IsString(status) && strcmp(status->valuestring, "abort") == 0 && !p.final) {
            outbox_add(c, JOB_SUBSCRIBE, p.waybill, p.carrier, p.order_id, TRACK_POLL_SIM_MS, 0);
        }
        core_reply_durable(c, req, 200, "application/json", TRACK_ACK);
    }
    json_delete(doc);
}

void tracking_callback(struct core *c, struct evhttp_request *req)
{
    size_t len = 0;
    char *body = http_req_body(req, &len);
    char *param = body != NULL ? form_value(body, "param") : NULL;
    char *sign = body != NULL ? form_value(body, "sign") : NULL;
    char want[40];
    if (param == NULL || sign == NULL) {
        callback_reject(c, req, EVK_MALFORMED_BODY, "no param or sign");
    } else {
        size_t cap = strlen(param) + strlen(c->cfg->tracking_salt) + 1;
        char *text = malloc(cap);
        int ok = text != NULL;
        if (ok) {
            snprintf(text, cap, "%s%s", param, c->cfg->tracking_salt);
            ok = sig_md5_upper_hex(text, strlen(text), want, sizeof(want)) == 0 &&
                 sig_equal(want, sign, 1);
        }
        free(text);
        if (!ok) {
            callback_reject(c, req, EVK_BAD_SIGNATURE, "sign does not match");
        } else {
            callback_apply(c, req, param);
        }
    }
    free(param);
    free(sign);
    free(body);
}

/* --- the stall ladder ------------------------------------------------------------------------- */

static void compensate(struct core *c, const struct parcel_row *p)
{
    struct order_row o;
    if (store_order_get(c->store, p->order_id, &o) == 1 && o.hold_reason[0] == '\0') {
        snprintf(o.hold_reason, sizeof(o.hold_reason), "compensation");
        ingest_save(c, &o);
    }
}

#define TRACK_SWEEP_MAX 4096 /* parcels advanced per sweep; the rest wait for the next one */

struct sweep {
    struct core *c;
    struct parcel_row *due;
    int n;
};

static const int64_t ladder_hours[] = {1, 2, 4, 24};

/* Collect first: the parcels table is not written while it is being read. */
static int sweep_collect(const struct parcel_row *p, void *arg)
{
    struct sweep *sw = arg;
    int64_t idle = core_now_ms(sw->c) - p->last_event_ms;
    if (p->ladder < 4 && idle >= ladder_hours[p->ladder] * TRACK_HOUR_MS) {
        sw->due[sw->n++] = *p;
    }
    return sw->n >= TRACK_SWEEP_MAX;
}

/* The 4 h switch needs a backup carrier other than the parcel's, and the parcel must still be
 * the order's live one on a shipped order. */
static int switch_possible(struct core *c, const struct parcel_row *p)
{
    struct order_row o;
    const char *backup = c->cfg->carrier_backup;
    if (backup[0] == '\0' || strcmp(backup, p->carrier) == 0 ||
        config_carrier(c->cfg, backup) == NULL) {
        return 0;
    }
    return store_order_get(c->store, p->order_id, &o) == 1 && o.state == OS_SHIPPED &&
           strcmp(o.waybill, p->waybill) == 0;
}

static void ladder_step(struct core *c, const struct parcel_row *p)
{
    struct parcel_row q = *p;
    int64_t idle = core_now_ms(c) - p->last_event_ms;
    static const enum evidence_kind kinds[] = {EVK_STALL_1H, EVK_STALL_2H, EVK_STALL_4H,
                                               EVK_STALL_24H};
    static const char *const steps[] = {"contact carrier", "remind sent", "switch to backup",
                                        "compensate"};
    while (q.ladder < 4 && idle >= ladder_hours[q.ladder] * TRACK_HOUR_MS) {
        int step = q.ladder++;
        const char *what = steps[step];
        int switching = step == 2 && p->state < 0 && switch_possible(c, p);
        if (step == 1 || (step == 2 && p->state < 0 && !switching)) {
            outbox_add(c, JOB_REMIND, p->waybill, p->carrier, p->order_id, 0, 0);
        }
        if (step == 2 && p->state >= 0) {
            what = "picked up: no switch, keep reminding";
        } else if (switching) {
            /* the old waybill is cancelled first: refused once collected, then no switch */
            outbox_add(c, JOB_SWITCH, p->order_id, p->carrier, p->waybill, 0, 0);
            what = "never picked up: switching to the backup carrier";
        } else if (step == 2) {
            what = "never picked up, already at the backup carrier: reminded";
        }
        if (step == 3) {
            compensate(c, p);
        }
        core_evidence(c, kinds[step], p->order_id, "a tracking event", "none",
                      "waybill %s idle %lld min: %s", p->waybill, (long long)(idle / 60000), what);
    }
    if (q.ladder != p->ladder && store_parcel_put(c->store, &q) != 0) {
        core_fatal_store(c, "parcel ladder");
    }
}

void tracking_sweep(struct core *c)
{
    struct sweep sw = {c, malloc(sizeof(struct parcel_row) * TRACK_SWEEP_MAX), 0};
    if (sw.due == NULL) {
        return;
    }
    if (store_parcels_open_each(c->store, sweep_collect, &sw) != 0) {
        core_fatal_store(c, "parcel sweep");
    }
    for (int i = 0; i < sw.n; i++) {
        ladder_step(c, &sw.due[i]);
    }
    free(sw.due);
}
