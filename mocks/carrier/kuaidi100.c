/* Kuaidi100 query and subscribe: see kuaidi100.h. */
#include "carrier/kuaidi100.h"

#include <cjson/cJSON.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "carrier/csign.h"
#include "carrier/track.h"
#include "carrier/wire.h"
#include "common/http_server.h"
#include "common/waybill.h"

int k100_callback_url_ok(const char *url)
{
    static const char *const prefixes[] = {"http://127.0.0.1:", "http://127.0.0.1/",
                                           "http://localhost:", "http://localhost/"};
    if (url == NULL || strlen(url) >= HTTP_URL_BYTES_MAX)
        return 0;
    for (size_t i = 0; i < ARRAY_LEN(prefixes); i++)
        if (strncmp(url, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

static const char *str_item(const cJSON *o, const char *name)
{
    const cJSON *v = o != NULL ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Parse the form body; 0, or -1 after answering 400. */
static int read_form(struct evhttp_request *req, struct evkeyvalq *form, char **body)
{
    TAILQ_INIT(form);
    *body = http_req_body(req, NULL);
    if (*body == NULL || evhttp_parse_query_str(*body, form) != 0) {
        evhttp_clear_headers(form);
        free(*body);
        *body = NULL;
        http_reply_json(req, 400,
                        "{\"result\":false,\"returnCode\":\"400\","
                        "\"message\":\"请求体不是表单\"}");
        return -1;
    }
    return 0;
}

static int parcel_of(struct cm_app *app, const char *com, const char *num)
{
    const char *carrier = waybill_carrier_from_kuaidi100(com);
    int p = num != NULL ? ledger_find_waybill(app->ledger, num) : -1;
    if (p < 0 || carrier == NULL)
        return -1;
    const struct ledger_waybill *r = ledger_record(app->ledger, ledger_parcel(app->ledger, p)->rec);
    return strcmp(r->carrier, carrier) == 0 ? p : -1;
}

static void query(struct wire_req *w, const struct evkeyvalq *form, const cJSON *param)
{
    struct cm_app *app = w->app;
    const char *customer = evhttp_find_header(form, "customer");
    const char *param_text = evhttp_find_header(form, "param");
    if (customer == NULL || strcmp(customer, app->account.customer) != 0 ||
        !csign_k100_query_ok(param_text, app->account.key, customer,
                             evhttp_find_header(form, "sign"))) {
        wire_send_k100_error(w, "503", "验证签名失败");
        return;
    }
    const char *com = str_item(param, "com"), *num = str_item(param, "num");
    if (com == NULL || num == NULL || waybill_carrier_from_kuaidi100(com) == NULL) {
        wire_send_k100_error(w, "400", "找不到对应公司或数据不完整");
        return;
    }
    int p = parcel_of(app, com, num);
    int64_t now = simclock_now_ms(&app->clock);
    if (p >= 0)
        track_advance(app, p, now);
    if (p < 0 || ledger_parcel(app->ledger, p)->done == 0) {
        wire_send_k100_error(w, "500", "查询无结果，请隔段时间再查");
        return;
    }
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    if (pp->last_query_ms >= 0 && now - pp->last_query_ms < K100_LOCK_MS) {
        wire_send_k100_error(w, "502", "查询过于频繁，该单号已被锁定，请30分钟后再查");
        return;
    }
    pp->last_query_ms = now;
    const char *order = str_item(param, "order");
    struct track_view v;
    track_view_make(app, p, &w->fc, &v);
    cJSON *o = track_k100_result(app, p, &v, order != NULL && strcmp(order, "asc") == 0);
    track_view_fini(&v);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (text == NULL) {
        wire_send_k100_error(w, "500", "服务器错误");
        return;
    }
    wire_send_k100(w, text);
    free(text);
}

void k100_handle_query(struct cm_app *app, struct evhttp_request *req)
{
    struct evkeyvalq form;
    char *body;
    if (read_form(req, &form, &body) != 0)
        return;
    const char *param_text = evhttp_find_header(&form, "param");
    cJSON *param = param_text != NULL ? cJSON_Parse(param_text) : NULL;
    const char *num = str_item(param, "num");
    const char *carrier = waybill_carrier_from_kuaidi100(str_item(param, "com"));
    struct wire_req w;
    wire_init(&w, app, req, EP_QUERY, 0, "poll/query.do", carrier, num);
    if (wire_pre(&w) == 0)
        query(&w, &form, param);
    cJSON_Delete(param);
    evhttp_clear_headers(&form);
    free(body);
}

static void subscribe(struct wire_req *w, const cJSON *param)
{
    struct cm_app *app = w->app;
    const char *key = str_item(param, "key");
    if (key == NULL || strcmp(key, app->account.key) != 0) {
        wire_send_k100_error(w, "600", "您不是合法的订阅者（即授权Key出错）");
        return;
    }
    const char *com = str_item(param, "company"), *num = str_item(param, "number");
    if (com == NULL || waybill_carrier_from_kuaidi100(com) == NULL) {
        wire_send_k100_error(w, "702", "POLL:识别不到该单号对应的快递公司");
        return;
    }
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(param, "parameters");
    const char *url = str_item(params, "callbackurl"), *salt = str_item(params, "salt");
    if (!k100_callback_url_ok(url) || (salt != NULL && strlen(salt) >= SECRET_BYTES_MAX)) {
        wire_send_k100_error(w, "700", "订阅请求参数错误: callbackurl 必须是 http://127.0.0.1");
        return;
    }
    int p = parcel_of(app, com, num);
    if (p < 0) {
        wire_send_k100_error(w, "700", "订阅请求参数错误: 单号不存在");
        return;
    }
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    if (pp->sub == SUB_ACTIVE || (pp->sub == SUB_ENDED && pp->push_status != 2)) {
        wire_send_k100_error(w, "501", "重复订阅");
        return;
    }
    char *copy = strdup(url);
    if (copy == NULL) {
        wire_send_k100_error(w, "500", "服务器错误");
        return;
    }
    int64_t now = simclock_now_ms(&app->clock);
    track_advance(app, p, now); /* catch up first so the first push carries what exists */
    free(pp->callback_url);
    pp->callback_url = copy;
    snprintf(pp->salt, sizeof(pp->salt), "%s", salt != NULL ? salt : app->account.salt);
    pp->sub = SUB_ACTIVE;
    pp->sub_ms = now;
    ledger_note_subscribe(app->ledger, p);
    track_subscribed(app, p);
    wire_send_k100(w, "{\"result\":true,\"returnCode\":\"200\",\"message\":\"提交成功\"}");
}

void k100_handle_subscribe(struct cm_app *app, struct evhttp_request *req)
{
    struct evkeyvalq form;
    char *body;
    if (read_form(req, &form, &body) != 0)
        return;
    const char *param_text = evhttp_find_header(&form, "param");
    cJSON *param = param_text != NULL ? cJSON_Parse(param_text) : NULL;
    const char *num = str_item(param, "number");
    const char *carrier = waybill_carrier_from_kuaidi100(str_item(param, "company"));
    struct wire_req w;
    wire_init(&w, app, req, EP_SUBSCRIBE, 0, "poll", carrier, num);
    if (wire_pre(&w) == 0) {
        if (!cJSON_IsObject(param))
            wire_send_k100_error(&w, "700", "订阅请求参数错误: param 不是 JSON 对象");
        else
            subscribe(&w, param);
    }
    cJSON_Delete(param);
    evhttp_clear_headers(&form);
    free(body);
}
