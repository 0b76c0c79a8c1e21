/* WeChat shop (channels/ec) client (API.md 2.1-2.3): stable access token, order list / get,
 * delivery/send, errcode envelope. */
#include "core/plat.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_client.h"
#include "common/json.h"
#include "common/log.h"
#include "core/order.h"

#define WECHAT_URL_BYTES_MAX 2048
#define WECHAT_TOKEN_MARGIN_MS (5 * 60 * 1000)

/* Classify {"errcode","errmsg"}; returns the document on CALL_OK (caller deletes). */
static cJSON *envelope(const char *body, size_t len, struct call_outcome *o)
{
    char err[ERR_BYTES_MAX];
    cJSON *doc = json_parse(body, len, err, sizeof(err));
    if (doc == NULL || !cJSON_IsObject(doc)) {
        json_delete(doc);
        outcome_set(o, CALL_RETRY, EVK_MALFORMED_BODY, "not a JSON object");
        return NULL;
    }
    const cJSON *ec = cJSON_GetObjectItemCaseSensitive(doc, "errcode");
    const cJSON *em = cJSON_GetObjectItemCaseSensitive(doc, "errmsg");
    long code = json_i64(ec, 0);
    const char *msg = cJSON_IsString(em) ? em->valuestring : "";
    if (ec != NULL && !cJSON_IsNumber(ec)) {
        outcome_set(o, CALL_RETRY, EVK_MALFORMED_BODY, "errcode is %s", json_type_name(ec));
    } else if (code == 0) {
        outcome_set(o, CALL_OK, -1, "ok");
        return doc;
    } else if (code == -1) {
        outcome_set(o, CALL_RETRY, EVK_MAINTENANCE, "-1 system busy");
    } else if (code == 45011 || code == 45009 || code == 10020112) {
        outcome_set(o, CALL_RETRY, EVK_RATE_LIMITED, "%ld", code);
    } else if (code == 40001 || code == 42001 || code == 41001) {
        outcome_set(o, CALL_AUTH, -1, "%ld", code);
    } else {
        outcome_set(o, CALL_REJECT, -1, "%ld: %.100s", code, msg);
    }
    json_delete(doc);
    return NULL;
}

int wechat_parse_page(const char *body, size_t len, struct plat_page *p, struct call_outcome *o)
{
    memset(p, 0, sizeof(*p));
    cJSON *doc = envelope(body, len, o);
    if (doc == NULL) {
        return o->evidence == EVK_MALFORMED_BODY ? -1 : 0;
    }
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(doc, "order_id_list");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(doc, "next_key");
    const cJSON *more = cJSON_GetObjectItemCaseSensitive(doc, "has_more");
    int bad = (ids != NULL && !cJSON_IsArray(ids)) || (key != NULL && !cJSON_IsString(key)) ||
              (more != NULL && !cJSON_IsBool(more));
    const cJSON *it;
    cJSON_ArrayForEach(it, ids)
    {
        if (!cJSON_IsString(it) || !plat_id_ok(it->valuestring) || p->n >= PLAT_PAGE_SIZE) {
            bad = 1;
            break;
        }
        snprintf(p->ids[p->n++], sizeof(p->ids[0]), "%s", it->valuestring);
    }
    if (!bad) {
        p->more = cJSON_IsTrue(more);
        snprintf(p->next_cursor, sizeof(p->next_cursor), "%s", key != NULL ? key->valuestring : "");
    }
    json_delete(doc);
    if (bad) {
        outcome_set(o, CALL_RETRY, EVK_MALFORMED_BODY, "order list has wrong types");
        return -1;
    }
    return 0;
}

static void product_lines(const cJSON *products, char *out, int out_len)
{
    cJSON *arr = cJSON_CreateArray();
    const cJSON *it;
    cJSON_ArrayForEach(it, products)
    {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(it, "sku_code");
        const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(it, "sku_cnt");
        const cJSON *pid = cJSON_GetObjectItemCaseSensitive(it, "product_id");
        const cJSON *sid = cJSON_GetObjectItemCaseSensitive(it, "sku_id");
        if (!cJSON_IsString(code) || !cJSON_IsNumber(cnt)) {
            continue;
        }
        cJSON *line = cJSON_CreateObject();
        cJSON_AddStringToObject(line, "sku", code->valuestring);
        cJSON_AddNumberToObject(line, "qty", cnt->valuedouble);
        cJSON_AddStringToObject(line, "product_id", cJSON_IsString(pid) ? pid->valuestring : "");
        cJSON_AddStringToObject(line, "sku_id", cJSON_IsString(sid) ? sid->valuestring : "");
        cJSON_AddItemToArray(arr, line);
    }
    char *text = cJSON_PrintUnformatted(arr);
    snprintf(out, (size_t)out_len, "%s",
             text != NULL && strlen(text) < (size_t)out_len ? text : "[]");
    cJSON_free(text);
    cJSON_Delete(arr);
}

int wechat_parse_detail(const char *body, size_t len, struct plat_order *po, struct call_outcome *o)
{
    cJSON *doc = envelope(body, len, o);
    if (doc == NULL) {
        return o->evidence == EVK_MALFORMED_BODY ? -1 : 0;
    }
    const cJSON *ord = cJSON_GetObjectItemCaseSensitive(doc, "order");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ord, "order_id");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(ord, "status");
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(ord, "update_time");
    if (!cJSON_IsString(id) || !plat_id_ok(id->valuestring) || !cJSON_IsNumber(st) ||
        !cJSON_IsNumber(up)) {
        json_delete(doc);
        outcome_set(o, CALL_RETRY, EVK_MALFORMED_BODY, "order has wrong types");
        return -1;
    }
    memset(po, 0, sizeof(*po));
    snprintf(po->order_id, sizeof(po->order_id), "%s", id->valuestring);
    snprintf(po->status, sizeof(po->status), "%ld", (long)json_i64(st, 0));
    po->rank = order_rank_wechat((long)json_i64(st, 0));
    po->update_s = json_i64(up, 0);
    const cJSON *created = cJSON_GetObjectItemCaseSensitive(ord, "create_time");
    po->create_s = json_i64(created, 0);
    const cJSON *openid = cJSON_GetObjectItemCaseSensitive(ord, "openid");
    if (cJSON_IsString(openid)) {
        snprintf(po->buyer, sizeof(po->buyer), "%s", openid->valuestring);
    }
    const cJSON *det = cJSON_GetObjectItemCaseSensitive(ord, "order_detail");
    const cJSON *pay = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(det, "pay_info"), "pay_time");
    po->pay_s = json_i64(pay, 0);
    product_lines(cJSON_GetObjectItemCaseSensitive(det, "product_infos"), po->lines,
                  sizeof(po->lines));
    json_delete(doc);
    return 0;
}

int wechat_parse_stock(const char *body, size_t len, int64_t *listed, struct call_outcome *o)
{
    cJSON *doc = envelope(body, len, o);
    int rc = doc != NULL || o->evidence != EVK_MALFORMED_BODY ? 0 : -1;
    if (doc != NULL && listed != NULL) {
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(doc, "data");
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(data, "total_stock_num");
        if (!cJSON_IsNumber(n) || n->valuedouble < 0) {
            outcome_set(o, CALL_RETRY, EVK_MALFORMED_BODY, "no total_stock_num");
            rc = -1;
        } else {
            *listed = json_i64(n, 0);
        }
    }
    json_delete(doc);
    return rc;
}

int wechat_parse_ship(const char *body, size_t len, struct call_outcome *o)
{
    cJSON *doc = envelope(body, len, o);
    json_delete(doc);
    if (o->result != CALL_REJECT) {
        return o->evidence == EVK_MALFORMED_BODY ? -1 : 0;
    }
    /* 109001 already shipped; 109000 the same (delivery_id, waybill_id) pair was sent before:
     * both mean our shipment is on record. */
    if (strncmp(o->text, "109001", 6) == 0 || strncmp(o->text, "109000", 6) == 0) {
        outcome_set(o, CALL_OK, -1, "already shipped");
    } else if (strncmp(o->text, "108009", 6) == 0) {
        outcome_set(o, CALL_REJECT, -1, "not_ready");
    }
    return 0;
}

/* --- token and calls -------------------------------------------------------------------------- */

static void token_done(struct core *c, const struct http_response *r, void *arg)
{
    int shop = *(int *)arg;
    free(arg);
    struct shop_rt *rt = &c->shops[shop];
    struct call_outcome o;
    rt->refreshing = 0;
    outcome_from_http(r, &o);
    cJSON *doc = o.result == CALL_OK ? envelope(r->body, r->body_len, &o) : NULL;
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(doc, "access_token");
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(doc, "expires_in");
    if (!cJSON_IsString(at) || !cJSON_IsNumber(ex) ||
        strlen(at->valuestring) >= sizeof(rt->access_token)) {
        log_warn("wechat %s: token failed: %s", c->cfg->shops[shop].name, o.text);
        if (o.evidence >= 0) {
            core_evidence(c, (enum evidence_kind)o.evidence, "", "a token answer", o.text,
                          "shop %s token", c->cfg->shops[shop].name);
        }
    } else {
        snprintf(rt->access_token, sizeof(rt->access_token), "%s", at->valuestring);
        /* a token lives hours; a wild expires_in must not overflow the sum */
        int64_t expire_s = json_i64(ex, 0);
        if (expire_s < 0 || expire_s > TOKEN_EXPIRE_S_MAX)
            expire_s = 0;
        rt->token_expire_ms = core_now_ms(c) + expire_s * 1000 - WECHAT_TOKEN_MARGIN_MS;
    }
    json_delete(doc);
}

static void token_start(struct core *c, int shop)
{
    const struct shop_cfg *sc = &c->cfg->shops[shop];
    struct shop_rt *rt = &c->shops[shop];
    if (rt->refreshing) {
        return;
    }
    char url[WECHAT_URL_BYTES_MAX];
    snprintf(url, sizeof(url), "%s/cgi-bin/stable_token", sc->base_url);
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "grant_type", "client_credential");
    cJSON_AddStringToObject(b, "appid", sc->appid);
    cJSON_AddStringToObject(b, "secret", sc->secret);
    cJSON_AddBoolToObject(b, "force_refresh", 0);
    char *body = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    int *ctx = malloc(sizeof(*ctx));
    if (body != NULL && ctx != NULL) {
        *ctx = shop;
        if (core_http(c, "wechat:cgi-bin/stable_token", "POST", url, "application/json", body, NULL,
                      token_done, ctx) == 0) {
            rt->refreshing = 1;
            ctx = NULL;
        }
    }
    free(ctx);
    cJSON_free(body);
}

static void call_done(struct core *c, const struct http_response *r, void *arg);

/* POST body to api with the token; the answer goes to call_done with kind in pc. */
static void call(struct plat_call *pc, const char *api, cJSON *body_doc)
{
    struct core *c = pc->c;
    struct shop_rt *rt = &c->shops[pc->shop];
    struct call_outcome o;
    char *body = cJSON_PrintUnformatted(body_doc);
    cJSON_Delete(body_doc);
    if (rt->access_token[0] == '\0' || core_now_ms(c) >= rt->token_expire_ms) {
        token_start(c, pc->shop);
        outcome_set(&o, CALL_AUTH, -1, "no access token yet");
        cJSON_free(body);
        plat_fail_later(pc, &o);
        return;
    }
    char url[WECHAT_URL_BYTES_MAX], endpoint[ENDPOINT_BYTES_MAX];
    snprintf(url, sizeof(url), "%s/channels/ec/%s?access_token=%s",
             c->cfg->shops[pc->shop].base_url, api, rt->access_token);
    snprintf(endpoint, sizeof(endpoint), "wechat:%s", api);
    if (body == NULL ||
        core_http(c, endpoint, "POST", url, "application/json", body, NULL, call_done, pc) != 0) {
        outcome_set(&o, CALL_RETRY, -1, "client queue full");
        plat_fail_later(pc, &o);
    }
    cJSON_free(body);
}

static void call_done(struct core *c, const struct http_response *r, void *arg)
{
    struct plat_call *pc = arg;
    struct call_outcome o;
    struct plat_page *page = NULL;
    struct plat_order order;
    int n = 0;
    outcome_from_http(r, &o);
    if (o.result == CALL_OK && pc->page_cb != NULL) {
        page = calloc(1, sizeof(*page));
        if (page == NULL) {
            outcome_set(&o, CALL_RETRY, -1, "out of memory");
        } else {
            (void)wechat_parse_page(r->body, r->body_len, page, &o);
        }
    } else if (o.result == CALL_OK && pc->detail_cb != NULL) {
        n = wechat_parse_detail(r->body, r->body_len, &order, &o) == 0 && o.result == CALL_OK;
    } else if (o.result == CALL_OK && pc->stock_cb != NULL) {
        int64_t listed = 0;
        int is_get = pc->stock_value < 0;
        (void)wechat_parse_stock(r->body, r->body_len, is_get ? &listed : NULL, &o);
        if (is_get) {
            pc->stock_value = listed;
        }
    } else if (o.result == CALL_OK) {
        (void)wechat_parse_ship(r->body, r->body_len, &o);
    }
    if (o.result == CALL_AUTH) {
        c->shops[pc->shop].access_token[0] = '\0';
    }
    plat_finish(pc, page, &order, n, &o);
    free(page);
}

void wechat_list(struct plat_call *pc, int64_t from_s, int64_t to_s, const char *cursor)
{
    cJSON *b = cJSON_CreateObject();
    cJSON *range = cJSON_AddObjectToObject(b, "update_time_range");
    cJSON_AddNumberToObject(range, "start_time", (double)from_s);
    cJSON_AddNumberToObject(range, "end_time", (double)to_s);
    cJSON_AddNumberToObject(b, "page_size", PLAT_PAGE_SIZE);
    if (cursor[0] != '\0') {
        cJSON_AddStringToObject(b, "next_key", cursor);
    }
    call(pc, "order/list/get", b);
}

void wechat_detail(struct plat_call *pc, const char *order_id)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "order_id", order_id);
    call(pc, "order/get", b);
}

/* delivery/send and deliveryinfo/update take the same body. */
static void delivery_call(struct plat_call *pc, const char *api, const char *order_id,
                          const char *carrier, const char *waybill, const char *lines)
{
    char err[ERR_BYTES_MAX];
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "order_id", order_id);
    cJSON *list = cJSON_AddArrayToObject(b, "delivery_list");
    cJSON *d = cJSON_CreateObject();
    cJSON_AddItemToArray(list, d);
    cJSON_AddStringToObject(d, "delivery_id", carrier);
    cJSON_AddStringToObject(d, "waybill_id", waybill);
    cJSON_AddNumberToObject(d, "deliver_type", 1);
    cJSON *prods = cJSON_AddArrayToObject(d, "product_infos");
    cJSON *ls = json_parse(lines, strlen(lines), err, sizeof(err));
    const cJSON *it;
    cJSON_ArrayForEach(it, ls)
    {
        const cJSON *pid = cJSON_GetObjectItemCaseSensitive(it, "product_id");
        const cJSON *sid = cJSON_GetObjectItemCaseSensitive(it, "sku_id");
        const cJSON *qty = cJSON_GetObjectItemCaseSensitive(it, "qty");
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "product_id", cJSON_IsString(pid) ? pid->valuestring : "");
        cJSON_AddStringToObject(p, "sku_id", cJSON_IsString(sid) ? sid->valuestring : "");
        cJSON_AddNumberToObject(p, "product_cnt", cJSON_IsNumber(qty) ? qty->valuedouble : 1);
        cJSON_AddItemToArray(prods, p);
    }
    json_delete(ls);
    call(pc, api, b);
}

void wechat_ship(struct plat_call *pc, const char *order_id, const char *carrier,
                 const char *waybill, const char *lines)
{
    delivery_call(pc, "order/delivery/send", order_id, carrier, waybill, lines);
}

void wechat_reship(struct plat_call *pc, const char *order_id, const char *carrier,
                   const char *waybill, const char *lines)
{
    delivery_call(pc, "order/deliveryinfo/update", order_id, carrier, waybill, lines);
}

static cJSON *stock_body(int k)
{
    char pid[32], sid[32];
    cJSON *b = cJSON_CreateObject();
    snprintf(pid, sizeof(pid), "%lld", PLAT_WECHAT_PRODUCT_BASE + k);
    snprintf(sid, sizeof(sid), "%lld", PLAT_WECHAT_SKU_BASE + k);
    cJSON_AddStringToObject(b, "product_id", pid);
    cJSON_AddStringToObject(b, "sku_id", sid);
    return b;
}

void wechat_stock_get(struct plat_call *pc, int k)
{
    pc->stock_value = -1; /* marks a read for call_done */
    call(pc, "product/stock/get", stock_body(k));
}

void wechat_stock_set(struct plat_call *pc, int k, int64_t delta)
{
    cJSON *b = stock_body(k);
    assert(delta != 0);
    cJSON_AddNumberToObject(b, "diff_type", delta > 0 ? 1 : 2);
    cJSON_AddNumberToObject(b, "num", (double)(delta > 0 ? delta : -delta));
    call(pc, "product/stock/update", b);
}
