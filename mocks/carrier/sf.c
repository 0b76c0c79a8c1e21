/* SF-shaped service: see sf.h. Business error codes: 8016 repeated order with different data
 * (SF's own), 8018 order not found, 8037 cancel after collection, 8013 bad orderId (codes other
 * than 8016 are shipsim's choice: SF's table is UNCONFIRMED, API.md section 6). */
#include "carrier/sf.h"

#include <cjson/cJSON.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier/csign.h"
#include "carrier/track.h"
#include "carrier/wire.h"
#include "common/hash.h"
#include "common/http_server.h"
#include "common/log.h"
#include "common/waybill.h"

static const struct {
    const char *code;
    enum cm_endpoint ep;
} services[] = {
    {"EXP_RECE_CREATE_ORDER", EP_CREATE}, {"EXP_RECE_SEARCH_ORDER_RESP", EP_SEARCH},
    {"EXP_RECE_UPDATE_ORDER", EP_UPDATE}, {"EXP_RECE_SEARCH_ROUTES", EP_ROUTES},
    {"EXP_RECE_REMIND", EP_REMIND},       {"EXP_RECE_VALIDATE_WAYBILLNO", EP_VALIDATE},
};

int64_t sf_timestamp_ms(const char *text)
{
    if (text == NULL || text[0] == '\0')
        return -1;
    char *end = NULL;
    long long v = strtoll(text, &end, 10);
    if (end == NULL || *end != '\0' || v <= 0)
        return -1;
    return v < 100000000000LL ? (int64_t)v * 1000 : (int64_t)v; /* 10 digits: seconds */
}

int sf_order_ref_ok(const char *ref)
{
    if (ref == NULL)
        return 0;
    size_t n = strlen(ref);
    if (n == 0 || n >= LEDGER_REF_BYTES_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = ref[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == ':' || c == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

/* {"success":..,"errorCode":..,"errorMsg":..,"msgData":msg} as text; takes msg. */
static char *result_text(int success, const char *code, const char *err, cJSON *msg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "success", success);
    cJSON_AddStringToObject(o, "errorCode", code);
    if (err != NULL)
        cJSON_AddStringToObject(o, "errorMsg", err);
    else
        cJSON_AddNullToObject(o, "errorMsg");
    if (msg != NULL)
        cJSON_AddItemToObject(o, "msgData", msg);
    else
        cJSON_AddNullToObject(o, "msgData");
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

static void reply_result(struct wire_req *w, int success, const char *code, const char *err,
                         cJSON *msg)
{
    char *text = result_text(success, code, err, msg);
    if (!success)
        w->app->n.errors[w->ep]++;
    wire_send_sf(w, "A1000", "", text);
    free(text);
}

static const char *str_item(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The shipment data a create is compared on for 8016: contacts and cargo. */
static uint64_t shipment_hash(const cJSON *msg)
{
    static const char *const keys[] = {"contactInfoList", "cargoDetails", "expressTypeId"};
    uint64_t h = 0;
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(msg, keys[i]);
        char *t = v != NULL ? cJSON_PrintUnformatted(v) : NULL;
        h = hash_mix64(h ^ (t != NULL ? hash_str(t) : (uint64_t)i));
        free(t);
    }
    return h;
}

static void list_waybill(cJSON *list, const char *waybill)
{
    cJSON *wb = cJSON_CreateObject();
    cJSON_AddNumberToObject(wb, "waybillType", 1);
    cJSON_AddStringToObject(wb, "waybillNo", waybill);
    cJSON_AddItemToArray(list, wb);
}

/* The ref's answer: its live numbers, oldest (the main waybill) first, at most
 * SF_WAYBILL_LIST_MAX of the oldest (a retried create that made a second waybill shows both, as
 * SF lists every waybill of an order), or its newest record when none is live. */
static cJSON *order_msg(struct cm_app *app, int rec_index)
{
    const struct ledger_waybill *r = ledger_record(app->ledger, rec_index);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "orderId", r->order_ref);
    cJSON_AddStringToObject(m, "originCode", "755");
    cJSON_AddStringToObject(m, "destCode", "010");
    cJSON_AddNumberToObject(m, "filterResult", 2);
    cJSON_AddStringToObject(m, "remark", "");
    cJSON *list = cJSON_AddArrayToObject(m, "waybillNoInfoList");
    int oldest[SF_WAYBILL_LIST_MAX]; /* a ring of the last live records met, newest to oldest */
    int seen = 0;
    for (int i = rec_index, n = 0; i >= 0 && n < LEDGER_RECORDS_MAX; n++) {
        const struct ledger_waybill *x = ledger_record(app->ledger, i);
        if (x->cancel_ms < 0)
            oldest[seen++ % SF_WAYBILL_LIST_MAX] = i;
        i = x->prev_same_ref;
    }
    int count = seen < SF_WAYBILL_LIST_MAX ? seen : SF_WAYBILL_LIST_MAX;
    for (int k = 1; k <= count; k++)
        list_waybill(list,
                     ledger_record(app->ledger, oldest[(seen - k) % SF_WAYBILL_LIST_MAX])->waybill);
    if (count == 0)
        list_waybill(list, r->waybill); /* nothing live: the newest record */
    return m;
}

static int issue(struct wire_req *w, const char *ref, uint64_t hash, enum ledger_dup dup, int reuse)
{
    struct cm_app *app = w->app;
    int64_t now = simclock_now_ms(&app->clock);
    int rec = ledger_create(app->ledger, w->carrier, ref, now, hash, dup, reuse);
    if (rec >= 0 && reuse < 0)
        track_schedule(app, ledger_record(app->ledger, rec)->parcel);
    return rec;
}

static void do_create(struct wire_req *w, const cJSON *msg)
{
    struct cm_app *app = w->app;
    const char *ref = str_item(msg, "orderId");
    if (!sf_order_ref_ok(ref)) {
        reply_result(w, 0, "8013", "orderId 不合法: 1..64 个字符 [A-Za-z0-9_.:-]", NULL);
        return;
    }
    uint64_t hash = shipment_hash(msg);
    int rec = ledger_find_ref(app->ledger, w->carrier, ref);
    const struct fault_rule *r = fault_decide(app->faults, FAULT_DUPLICATE_WAYBILL, &w->fc);
    if (rec >= 0) {
        if (ledger_record(app->ledger, rec)->data_hash != hash) {
            reply_result(w, 0, "8016", "重复下单", NULL);
            return;
        }
        if (r != NULL && (r->mode[0] == '\0' || strcmp(r->mode, "retry") == 0)) {
            const char *first = ledger_record(app->ledger, rec)->waybill;
            char old[WAYBILL_BYTES_MAX];
            snprintf(old, sizeof(old), "%s", first);
            int fresh = issue(w, ref, hash, DUP_RETRY, -1);
            if (fresh >= 0) {
                fault_record(app->faults, r, &w->fc,
                             "retried create got a second waybill %s "
                             "(first %s)",
                             ledger_record(app->ledger, fresh)->waybill, old);
                rec = fresh;
            }
        }
        reply_result(w, 1, "S0000", NULL, order_msg(app, rec));
        return;
    }
    int other = r != NULL && (r->mode[0] == '\0' || strcmp(r->mode, "foreign") == 0 ||
                              strcmp(r->mode, "reuse") == 0)
                    ? ledger_other_parcel(app->ledger, w->carrier, ref)
                    : -1;
    rec = issue(w, ref, hash, other >= 0 ? DUP_REUSED : DUP_NONE, other);
    if (rec < 0) {
        wire_send_sf(w, "A1099", "系统异常: 运单号资源不足", NULL);
        return;
    }
    if (other >= 0) {
        const struct ledger_waybill *owner =
            ledger_record(app->ledger, ledger_parcel(app->ledger, other)->rec);
        fault_record(app->faults, r, &w->fc, "gave %s, already issued to order %s",
                     ledger_record(app->ledger, rec)->waybill, owner->order_ref);
    }
    reply_result(w, 1, "S0000", NULL, order_msg(app, rec));
}

static void do_search(struct wire_req *w, const cJSON *msg)
{
    const char *ref = str_item(msg, "orderId");
    int rec = sf_order_ref_ok(ref) ? ledger_find_ref(w->app->ledger, w->carrier, ref) : -1;
    if (rec < 0) {
        reply_result(w, 0, "8018", "未获取到订单信息", NULL);
        return;
    }
    reply_result(w, 1, "S0000", NULL, order_msg(w->app, rec));
}

/* Cancel one record; 0, or -1 when its parcel was already collected. */
static int cancel_record(struct cm_app *app, int rec)
{
    struct ledger_waybill *r = ledger_record(app->ledger, rec);
    struct ledger_parcel *pp = ledger_parcel(app->ledger, r->parcel);
    int64_t now = simclock_now_ms(&app->clock);
    if (pp->rec == rec) {
        track_advance(app, r->parcel, now);
        if (pp->done > 0 && r->cancel_ms < 0)
            return -1;
    }
    ledger_cancel(app->ledger, rec, now);
    return 0;
}

static int listed(const cJSON *list, const char *waybill)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        const char *no = str_item(it, "waybillNo");
        if (no != NULL && strcmp(no, waybill) == 0)
            return 1;
    }
    return 0;
}

static void do_update(struct wire_req *w, const cJSON *msg)
{
    struct cm_app *app = w->app;
    const char *ref = str_item(msg, "orderId");
    const cJSON *deal = cJSON_GetObjectItemCaseSensitive(msg, "dealType");
    int deal_type = cJSON_IsNumber(deal)   ? deal->valueint
                    : cJSON_IsString(deal) ? (int)strtol(deal->valuestring, NULL, 10)
                                           : 0;
    int rec = sf_order_ref_ok(ref) ? ledger_find_ref(app->ledger, w->carrier, ref) : -1;
    if (rec < 0) {
        reply_result(w, 0, "8018", "未获取到订单信息", NULL);
        return;
    }
    if (deal_type != 2) {
        reply_result(w, 1, "S0000", NULL, order_msg(app, rec)); /* 1 = confirm: nothing to do */
        return;
    }
    const cJSON *only = cJSON_GetObjectItemCaseSensitive(msg, "waybillNoInfoList");
    int cancelled = 0, refused = 0;
    for (int i = rec, n = 0; i >= 0 && n < LEDGER_RECORDS_MAX; n++) {
        const struct ledger_waybill *r = ledger_record(app->ledger, i);
        int prev = r->prev_same_ref;
        if (!cJSON_IsArray(only) || listed(only, r->waybill)) {
            if (cancel_record(app, i) == 0)
                cancelled++;
            else
                refused++;
        }
        i = prev;
    }
    if (refused > 0 || cancelled == 0) {
        reply_result(w, 0, "8037", refused > 0 ? "快件已揽收，不能取消" : "运单号不属于该订单",
                     NULL);
        return;
    }
    cJSON *m = order_msg(app, rec);
    cJSON_AddNumberToObject(m, "resStatus", 2);
    reply_result(w, 1, "S0000", NULL, m);
}

static int parcel_for(struct cm_app *app, const char *carrier, const char *number, int by_ref)
{
    if (number == NULL)
        return -1;
    if (by_ref) {
        int rec = sf_order_ref_ok(number) ? ledger_find_ref(app->ledger, carrier, number) : -1;
        return rec >= 0 ? ledger_record(app->ledger, rec)->parcel : -1;
    }
    return ledger_find_waybill(app->ledger, number);
}

static void do_routes(struct wire_req *w, const cJSON *msg)
{
    struct cm_app *app = w->app;
    const char *type = str_item(msg, "trackingType");
    int by_ref = type != NULL && strcmp(type, "2") == 0;
    const cJSON *numbers = cJSON_GetObjectItemCaseSensitive(msg, "trackingNumber");
    int count = cJSON_GetArraySize(numbers);
    if (!cJSON_IsArray(numbers) || count < 1 || count > SF_TRACKING_NUMBERS_MAX) {
        reply_result(w, 0, "1010", "trackingNumber 必须是 1..10 个单号的数组", NULL);
        return;
    }
    cJSON *m = cJSON_CreateObject();
    cJSON *resps = cJSON_AddArrayToObject(m, "routeResps");
    int64_t now = simclock_now_ms(&app->clock);
    const cJSON *it;
    cJSON_ArrayForEach(it, numbers)
    {
        const char *num = cJSON_IsString(it) ? it->valuestring : NULL;
        int p = parcel_for(app, w->carrier, num, by_ref);
        cJSON *one = cJSON_CreateObject();
        if (p < 0) {
            cJSON_AddStringToObject(one, "mailNo", num != NULL ? num : "");
            cJSON_AddItemToObject(one, "routes", cJSON_CreateArray());
        } else {
            track_advance(app, p, now);
            struct fault_ctx fc = w->fc;
            fc.key = num;
            struct track_view v;
            track_view_make(app, p, &fc, &v);
            cJSON_AddStringToObject(one, "mailNo", v.waybill);
            cJSON_AddItemToObject(one, "routes", track_sf_routes(app, p, &v));
            track_view_fini(&v);
        }
        cJSON_AddItemToArray(resps, one);
    }
    reply_result(w, 1, "S0000", NULL, m);
}

static void do_remind(struct wire_req *w, const cJSON *msg)
{
    struct cm_app *app = w->app;
    const char *no = str_item(msg, "waybillNo");
    int p = no != NULL ? ledger_find_waybill(app->ledger, no)
                       : parcel_for(app, w->carrier, str_item(msg, "orderId"), 1);
    if (p < 0) {
        reply_result(w, 0, "8018", "未获取到订单信息", NULL);
        return;
    }
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    pp->reminders++;
    ledger_note_remind(app->ledger, p);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "waybillNo", ledger_record(app->ledger, pp->rec)->waybill);
    cJSON_AddNumberToObject(m, "remindCount", pp->reminders);
    reply_result(w, 1, "S0000", NULL, m);
}

/* EXP_RECE_VALIDATE_WAYBILLNO {"waybillNo"}: whose number is it? The order reference of the
 * create that issued it (never that of an order the number was handed to again), and whether
 * that record is cancelled. A number this carrier never issued is 8018. The answer's fields are
 * shipsim's (the real service's reply is UNCONFIRMED, API.md 3.1 only lists the code). */
static void do_validate(struct wire_req *w, const cJSON *msg)
{
    struct cm_app *app = w->app;
    const char *no = str_item(msg, "waybillNo");
    int p = no != NULL ? ledger_find_waybill(app->ledger, no) : -1;
    const struct ledger_waybill *owner =
        p >= 0 ? ledger_record(app->ledger, ledger_parcel(app->ledger, p)->rec) : NULL;
    if (owner == NULL || strcmp(owner->carrier, w->carrier) != 0) {
        reply_result(w, 0, "8018", "运单号不存在", NULL);
        return;
    }
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "waybillNo", owner->waybill);
    cJSON_AddStringToObject(m, "orderId", owner->order_ref);
    cJSON_AddBoolToObject(m, "cancelled", owner->cancel_ms >= 0);
    cJSON_AddNumberToObject(m, "createTime", (double)owner->create_ms);
    reply_result(w, 1, "S0000", NULL, m);
}

/* The draw key of a request: the order reference, else the first tracking number. */
static void request_key(const cJSON *msg, char *buf, int len)
{
    const char *k = msg != NULL ? str_item(msg, "orderId") : NULL;
    if (k == NULL && msg != NULL)
        k = str_item(msg, "waybillNo");
    const cJSON *nums =
        msg != NULL ? cJSON_GetObjectItemCaseSensitive(msg, "trackingNumber") : NULL;
    if (k == NULL && cJSON_IsArray(nums) && cJSON_IsString(cJSON_GetArrayItem(nums, 0)))
        k = cJSON_GetArrayItem(nums, 0)->valuestring;
    snprintf(buf, (size_t)len, "%s", k != NULL ? k : "");
}

/* Gateway checks: fields present, partner, digest, timestamp. 0 when all pass (else answered). */
static int gateway_ok(struct wire_req *w, const struct evkeyvalq *form,
                      const struct carrier_instance *ci)
{
    static const char *const required[] = {"partnerID", "requestID", "serviceCode",
                                           "timestamp", "msgDigest", "msgData"};
    for (size_t i = 0; i < ARRAY_LEN(required); i++) {
        if (evhttp_find_header(form, required[i]) == NULL) {
            char msg[96];
            snprintf(msg, sizeof(msg), "必传参数不可为空: %s", required[i]);
            wire_send_sf(w, "A1001", msg, NULL);
            return -1;
        }
    }
    const char *msg_data = evhttp_find_header(form, "msgData");
    const char *ts = evhttp_find_header(form, "timestamp");
    if (strcmp(evhttp_find_header(form, "partnerID"), ci->partner_id) != 0 ||
        !csign_sf_digest_ok(msg_data, ts, ci->checkword, evhttp_find_header(form, "msgDigest"))) {
        wire_send_sf(w, "A1006", "数字签名无效", NULL);
        return -1;
    }
    int64_t ts_ms = sf_timestamp_ms(ts);
    int64_t now = simclock_now_ms(&w->app->clock);
    if (ts_ms < 0 || ts_ms < now - SF_TIMESTAMP_SKEW_MS || ts_ms > now + SF_TIMESTAMP_SKEW_MS) {
        wire_send_sf(w, "A1002", "请求时效已过期", NULL);
        return -1;
    }
    return 0;
}

static void dispatch(struct wire_req *w, const cJSON *msg)
{
    switch (w->ep) {
    case EP_CREATE: do_create(w, msg); return;
    case EP_SEARCH: do_search(w, msg); return;
    case EP_UPDATE: do_update(w, msg); return;
    case EP_ROUTES: do_routes(w, msg); return;
    case EP_REMIND: do_remind(w, msg); return;
    case EP_VALIDATE: do_validate(w, msg); return;
    default: wire_send_sf(w, "A1004", "无对应服务权限", NULL); return;
    }
}

void sf_handle(struct cm_app *app, struct evhttp_request *req, const char *code)
{
    const struct carrier_instance *ci = app_carrier(app, code);
    assert(ci != NULL);
    size_t len = 0;
    char *body = http_req_body(req, &len);
    struct evkeyvalq form;
    TAILQ_INIT(&form);
    if (body == NULL || evhttp_parse_query_str(body, &form) != 0) {
        free(body);
        evhttp_clear_headers(&form);
        http_reply_json(req, 400,
                        "{\"apiResultCode\":\"A1001\",\"apiErrorMsg\":\"请求体不是表单\","
                        "\"apiResponseID\":\"\",\"apiResultData\":null}");
        return;
    }
    const char *service = evhttp_find_header(&form, "serviceCode");
    const char *msg_text = evhttp_find_header(&form, "msgData");
    enum cm_endpoint ep = EP_OTHER;
    for (size_t i = 0; service != NULL && i < ARRAY_LEN(services); i++)
        if (strcmp(service, services[i].code) == 0)
            ep = services[i].ep;
    cJSON *msg = msg_text != NULL ? cJSON_Parse(msg_text) : NULL;
    char key[WIRE_KEY_BYTES_MAX];
    request_key(msg, key, sizeof(key));
    struct wire_req w;
    wire_init(&w, app, req, ep, 1, ep == EP_OTHER ? "unknown" : service, code, key);
    if (wire_pre(&w) == 0 && gateway_ok(&w, &form, ci) == 0) {
        if (ep != EP_OTHER && !cJSON_IsObject(msg))
            wire_send_sf(&w, "A1001", "msgData 不是合法的 JSON 对象", NULL);
        else
            dispatch(&w, msg);
    }
    cJSON_Delete(msg);
    evhttp_clear_headers(&form);
    free(body);
}
