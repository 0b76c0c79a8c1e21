/* Shopee Open Platform v2 client (API.md 1.1-1.3): signed URLs, access-token refresh with the
 * single-use refresh_token, list / detail / ship_order, and the envelope's error names. */
#include "core/plat.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_client.h"
#include "common/json.h"
#include "common/log.h"
#include "core/order.h"
#include "core/sig.h"

#define SHOPEE_URL_BYTES_MAX 4096
#define SHOPEE_TOKEN_MARGIN_MS (5 * 60 * 1000)

/* Classify the envelope {"error","message","request_id"}; returns the parsed document on CALL_OK
 * (caller deletes), NULL otherwise. */
static cJSON *envelope(const char *body, size_t len, long status, struct call_outcome *o)
{
    char err[ERR_BYTES_MAX];
    cJSON *doc = json_parse(body, len, err, sizeof(err));
    if (doc == NULL || !cJSON_IsObject(doc)) {
        json_delete(doc);
        if (status == 503) {
            outcome_set(o, CALL_RETRY, EVK_MAINTENANCE, "http 503");
        } else {
            outcome_set(o, CALL_RETRY, EVK_MALFORMED_BODY, "http %ld: not a JSON object", status);
        }
        return NULL;
    }
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "message");
    const char *msg = cJSON_IsString(m) ? m->valuestring : "";
    if (e != NULL && !cJSON_IsString(e)) {
        outcome_set(o, CALL_RETRY, EVK_MALFORMED_BODY, "error is %s", json_type_name(e));
    } else if (e == NULL || e->valuestring[0] == '\0') {
        if (status >= 200 && status < 300) {
            outcome_set(o, CALL_OK, -1, "ok");
            return doc;
        }
        outcome_set(o, CALL_RETRY, status == 503 ? EVK_MAINTENANCE : EVK_SERVER_ERROR, "http %ld",
                    status);
    } else if (strcmp(e->valuestring, "error_rate_limit") == 0 ||
               strcmp(e->valuestring, "error_limit") == 0) {
        outcome_set(o, CALL_RETRY, EVK_RATE_LIMITED, "%s", e->valuestring);
    } else if (strcmp(e->valuestring, "error_server") == 0 ||
               strcmp(e->valuestring, "error_busy") == 0) {
        outcome_set(o, CALL_RETRY, status == 503 ? EVK_MAINTENANCE : EVK_SERVER_ERROR, "%s",
                    e->valuestring);
    } else if (strstr(msg, "imestamp") != NULL) {
        /* our signed timestamp aged in a queue (or clocks drift): sign again, same token */
        outcome_set(o, CALL_RETRY, -1, "%s: %.80s", e->valuestring, msg);
    } else if (strcmp(e->valuestring, "error_auth") == 0 ||
               strcmp(e->valuestring, "invalid_acceess_token") == 0 ||
               strcmp(e->valuestring, "invalid_access_token") == 0 ||
               strstr(msg, "expired") != NULL) {
        outcome_set(o, CALL_AUTH, -1, "%s: %.80s", e->valuestring, msg);
    } else {
        outcome_set(o, CALL_REJECT, -1, "%s: %.100s", e->valuestring, msg);
    }
    json_delete(doc);
    return NULL;
}

static const cJSON *response_obj(cJSON *doc, struct call_outcome *o)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(doc, "response");
    if (!cJSON_IsObject(r)) {
        outcome_set(o, CALL_RETRY, EVK_MALFORMED_BODY, "response is %s", json_type_name(r));
        return NULL;
    }
    return r;
}

int shopee_parse_page(const char *body, size_t len, long status, struct plat_page *p,
                      struct call_outcome *o)
{
    memset(p, 0, sizeof(*p));
    cJSON *doc = envelope(body, len, status, o);
    const cJSON *r = doc != NULL ? response_obj(doc, o) : NULL;
    if (r == NULL) {
        json_delete(doc);
        return o->result == CALL_RETRY && o->evidence == EVK_MALFORMED_BODY ? -1 : 0;
    }
    const cJSON *more = cJSON_GetObjectItemCaseSensitive(r, "more");
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(r, "next_cursor");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(r, "order_list");
    int bad = !cJSON_IsBool(more) || (cur != NULL && !cJSON_IsString(cur)) ||
              (list != NULL && !cJSON_IsArray(list));
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        const cJSON *sn = cJSON_GetObjectItemCaseSensitive(it, "order_sn");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "order_status");
        if (!cJSON_IsString(sn) || !plat_id_ok(sn->valuestring) || p->n >= PLAT_PAGE_SIZE) {
            bad = 1;
            break;
        }
        snprintf(p->ids[p->n], sizeof(p->ids[0]), "%s", sn->valuestring);
        snprintf(p->status[p->n], sizeof(p->status[0]), "%s",
                 cJSON_IsString(st) ? st->valuestring : "");
        p->n++;
    }
    if (!bad) {
        p->more = cJSON_IsTrue(more);
        snprintf(p->next_cursor, sizeof(p->next_cursor), "%s", cur != NULL ? cur->valuestring : "");
        bad = p->more && p->next_cursor[0] == '\0';
    }
    json_delete(doc);
    if (bad) {
        outcome_set(o, CALL_RETRY, EVK_MALFORMED_BODY, "order list page has wrong types");
        return -1;
    }
    return 0;
}

static void item_lines(const cJSON *items, char *out, int out_len)
{
    cJSON *arr = cJSON_CreateArray();
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const cJSON *sku = cJSON_GetObjectItemCaseSensitive(it, "model_sku");
        if (!cJSON_IsString(sku) || sku->valuestring[0] == '\0') {
            sku = cJSON_GetObjectItemCaseSensitive(it, "item_sku");
        }
        const cJSON *qty = cJSON_GetObjectItemCaseSensitive(it, "model_quantity_purchased");
        if (!cJSON_IsString(sku) || !cJSON_IsNumber(qty)) {
            continue;
        }
        cJSON *line = cJSON_CreateObject();
        cJSON_AddStringToObject(line, "sku", sku->valuestring);
        cJSON_AddNumberToObject(line, "qty", qty->valuedouble);
        cJSON_AddItemToArray(arr, line);
    }
    char *text = cJSON_PrintUnformatted(arr);
    snprintf(out, (size_t)out_len, "%s",
             text != NULL && strlen(text) < (size_t)out_len ? text : "[]");
    cJSON_free(text);
    cJSON_Delete(arr);
}

static int read_detail(const cJSON *it, struct plat_order *po)
{
    const cJSON *sn = cJSON_GetObjectItemCaseSensitive(it, "order_sn");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "order_status");
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(it, "update_time");
    if (!cJSON_IsString(sn) || !plat_id_ok(sn->valuestring) || !cJSON_IsString(st) ||
        !cJSON_IsNumber(up)) {
        return -1;
    }
    memset(po, 0, sizeof(*po));
    snprintf(po->order_id, sizeof(po->order_id), "%s", sn->valuestring);
    snprintf(po->status, sizeof(po->status), "%s", st->valuestring);
    po->rank = order_rank_shopee(st->valuestring);
    po->update_s = json_i64(up, 0);
    const cJSON *pay = cJSON_GetObjectItemCaseSensitive(it, "pay_time");
    po->pay_s = json_i64(pay, 0);
    const cJSON *created = cJSON_GetObjectItemCaseSensitive(it, "create_time");
    po->create_s = json_i64(created, 0);
    const cJSON *buyer = cJSON_GetObjectItemCaseSensitive(it, "buyer_username");
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(it, "buyer_user_id");
    if (cJSON_IsString(buyer)) {
        snprintf(po->buyer, sizeof(po->buyer), "%s", buyer->valuestring);
    } else if (cJSON_IsNumber(uid)) {
        snprintf(po->buyer, sizeof(po->buyer), "%.0f", uid->valuedouble);
    }
    item_lines(cJSON_GetObjectItemCaseSensitive(it, "item_list"), po->lines, sizeof(po->lines));
    return 0;
}

int shopee_parse_detail(const char *body, size_t len, long status, struct plat_order *out, int max,
                        int *n, struct call_outcome *o)
{
    *n = 0;
    cJSON *doc = envelope(body, len, status, o);
    const cJSON *r = doc != NULL ? response_obj(doc, o) : NULL;
    if (r == NULL) {
        json_delete(doc);
        return o->result == CALL_RETRY && o->evidence == EVK_MALFORMED_BODY ? -1 : 0;
    }
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(r, "order_list");
    int bad = !cJSON_IsArray(list);
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        if (*n >= max || read_detail(it, &out[*n]) != 0) {
            bad = 1;
            break;
        }
        (*n)++;
    }
    json_delete(doc);
    if (bad) {
        outcome_set(o, CALL_RETRY, EVK_MALFORMED_BODY, "order detail has wrong types");
        *n = 0;
        return -1;
    }
    return 0;
}

int shopee_parse_ship(const char *body, size_t len, long status, struct call_outcome *o)
{
    cJSON *doc = envelope(body, len, status, o);
    json_delete(doc);
    if (o->result != CALL_REJECT) {
        return o->evidence == EVK_MALFORMED_BODY ? -1 : 0;
    }
    /* Business answers of ship_order (API.md 1.3). */
    if (strstr(o->text, "package_already_shipped") != NULL ||
        strstr(o->text, "has been shipped") != NULL) {
        outcome_set(o, CALL_OK, -1, "already shipped");
    } else if (strstr(o->text, "used by other orders") != NULL ||
               strstr(o->text, "duplicate_consignment") != NULL) {
        outcome_set(o, CALL_REJECT, EVK_FOREIGN_WAYBILL, "foreign_waybill");
    } else if (strstr(o->text, "not_ready") != NULL || strstr(o->text, "error_status") != NULL) {
        outcome_set(o, CALL_REJECT, -1, "not_ready");
    }
    return 0;
}

/* --- signed calls ---------------------------------------------------------------------------- */

int shopee_parse_stock(const char *body, size_t len, long status, int64_t *listed,
                       struct call_outcome *o)
{
    cJSON *doc = envelope(body, len, status, o);
    const cJSON *r = doc != NULL ? response_obj(doc, o) : NULL;
    int rc = doc != NULL || o->evidence != EVK_MALFORMED_BODY ? 0 : -1;
    if (r != NULL && listed != NULL) {
        const cJSON *m = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "model"), 0);
        const cJSON *si = cJSON_GetObjectItemCaseSensitive(m, "stock_info_v2");
        const cJSON *sum = cJSON_GetObjectItemCaseSensitive(si, "summary_info");
        const cJSON *av = cJSON_GetObjectItemCaseSensitive(sum, "total_available_stock");
        if (!cJSON_IsNumber(av) || av->valuedouble < 0) {
            outcome_set(o, CALL_RETRY, EVK_MALFORMED_BODY, "no model stock");
            rc = -1;
        } else {
            *listed = json_i64(av, 0);
        }
    } else if (r != NULL) {
        const cJSON *bad = cJSON_GetObjectItemCaseSensitive(r, "failure_list");
        const cJSON *ok = cJSON_GetObjectItemCaseSensitive(r, "success_list");
        if (cJSON_GetArraySize(bad) > 0 || cJSON_GetArraySize(ok) < 1) {
            outcome_set(o, CALL_REJECT, -1, "update_stock failed");
        }
    } else if (doc != NULL) {
        rc = -1; /* response_obj set the outcome */
    }
    json_delete(doc);
    return rc;
}

static void refresh_done(struct core *c, const struct http_response *r, void *arg);

static const struct shop_cfg *shop_of(struct core *c, int shop)
{
    assert(shop >= 0);
    assert(shop < c->cfg->shop_count);
    return &c->cfg->shops[shop];
}

/* Start a token refresh unless one runs. The refresh_token in use is the newest committed one. */
static void refresh_start(struct core *c, int shop)
{
    const struct shop_cfg *sc = shop_of(c, shop);
    struct shop_rt *rt = &c->shops[shop];
    if (rt->refreshing) {
        return;
    }
    char key[64], refresh[CONFIG_TOKEN_BYTES_MAX], sign[80], url[SHOPEE_URL_BYTES_MAX];
    snprintf(key, sizeof(key), "shopee_refresh_token:%s", sc->name);
    if (store_kv_get(c->store, key, refresh, sizeof(refresh)) != 1) {
        snprintf(refresh, sizeof(refresh), "%s", sc->refresh_token);
    }
    const char *path = "/api/v2/auth/access_token/get";
    long long ts = (long long)(core_now_ms(c) / 1000);
    char base[512];
    snprintf(base, sizeof(base), "%lld%s%lld", (long long)sc->partner_id, path, ts);
    if (sig_hmac_sha256_hex(sc->partner_key, base, strlen(base), sign, sizeof(sign)) != 0) {
        return;
    }
    snprintf(url, sizeof(url), "%s%s?partner_id=%lld&timestamp=%lld&sign=%s", sc->base_url, path,
             (long long)sc->partner_id, ts, sign);
    cJSON *b = cJSON_CreateObject();
    cJSON_AddNumberToObject(b, "partner_id", (double)sc->partner_id);
    cJSON_AddStringToObject(b, "refresh_token", refresh);
    cJSON_AddNumberToObject(b, "shop_id", (double)sc->shop_id);
    char *body = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    int *ctx = malloc(sizeof(*ctx));
    if (body != NULL && ctx != NULL) {
        *ctx = shop;
        if (core_http(c, "shopee:auth/access_token/get", "POST", url, "application/json", body,
                      NULL, refresh_done, ctx) == 0) {
            rt->refreshing = 1;
            ctx = NULL;
        }
    }
    free(ctx);
    cJSON_free(body);
}

/* A string member read from raw text, so a truncated or wrongly typed answer still yields the
 * tokens it carries: the refresh_token is single use and the platform has already spent the old
 * one when it answered. 0 when a complete quoted value was found. */
static int raw_string(const char *body, const char *key, char *out, int out_len)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\"", key);
    const char *p = strstr(body, pat);
    if (p == NULL) {
        return -1;
    }
    p += strlen(pat);
    while (*p == ' ' || *p == ':') {
        p++;
    }
    if (*p != '"') {
        return -1;
    }
    const char *end = strchr(++p, '"');
    if (end == NULL || end - p <= 0 || end - p >= out_len) {
        return -1;
    }
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return 0;
}

static void refresh_done(struct core *c, const struct http_response *r, void *arg)
{
    int shop = *(int *)arg;
    free(arg);
    struct shop_rt *rt = &c->shops[shop];
    const struct shop_cfg *sc = shop_of(c, shop);
    struct call_outcome o;
    char access[CORE_TOKEN_BYTES_MAX], refresh[CONFIG_TOKEN_BYTES_MAX], key[64];
    rt->refreshing = 0;
    outcome_from_http(r, &o);
    cJSON *doc = o.result == CALL_OK ? envelope(r->body, r->body_len, r->status, &o) : NULL;
    int salvage = doc == NULL && o.evidence == EVK_MALFORMED_BODY && r->body != NULL;
    if (doc == NULL && !salvage) {
        log_warn("shopee %s: token refresh failed: %s", sc->name, o.text);
        if (o.evidence >= 0) {
            core_evidence(c, (enum evidence_kind)o.evidence, "", "a token answer", o.text,
                          "shop %s token refresh", sc->name);
        }
        return;
    }
    if (raw_string(r->body, "refresh_token", refresh, sizeof(refresh)) != 0) {
        log_warn("shopee %s: token refresh answer without a refresh_token: %s", sc->name, o.text);
        json_delete(doc);
        return;
    }
    snprintf(key, sizeof(key), "shopee_refresh_token:%s", sc->name);
    /* The refresh_token is single use: commit the new one before anything else can fail. */
    if (store_kv_set(c->store, key, refresh) != 0 || store_commit(c->store) != 0) {
        core_fatal_store(c, "refresh token");
    }
    if (raw_string(r->body, "access_token", access, sizeof(access)) == 0) {
        const cJSON *ex = cJSON_GetObjectItemCaseSensitive(doc, "expire_in");
        int64_t expire_s = json_i64(ex, 3600);
        if (expire_s < 0 || expire_s > TOKEN_EXPIRE_S_MAX)
            expire_s = 0; /* a wild value must not overflow; refresh at once instead */
        snprintf(rt->access_token, sizeof(rt->access_token), "%s", access);
        rt->token_expire_ms = core_now_ms(c) + expire_s * 1000 - SHOPEE_TOKEN_MARGIN_MS;
    }
    if (salvage) {
        core_evidence(c, EVK_MALFORMED_BODY, "", "a token answer", o.text,
                      "shop %s: tokens read from the raw answer", sc->name);
    }
    log_info("shopee %s: access token refreshed", sc->name);
    json_delete(doc);
}

/* The signed URL of a shop API call, or -1 (no token yet: a refresh was started). */
static int shop_url(struct core *c, int shop, const char *api, const char *extra, char *url,
                    int url_len)
{
    const struct shop_cfg *sc = shop_of(c, shop);
    struct shop_rt *rt = &c->shops[shop];
    if (rt->access_token[0] == '\0' || core_now_ms(c) >= rt->token_expire_ms) {
        refresh_start(c, shop);
        return -1;
    }
    char path[128], base[1024], sign[80], tok[CORE_TOKEN_BYTES_MAX * 3];
    snprintf(path, sizeof(path), "/api/v2/%s", api);
    long long ts = (long long)(core_now_ms(c) / 1000);
    snprintf(base, sizeof(base), "%lld%s%lld%s%lld", (long long)sc->partner_id, path, ts,
             rt->access_token, (long long)sc->shop_id);
    if (sig_hmac_sha256_hex(sc->partner_key, base, strlen(base), sign, sizeof(sign)) != 0 ||
        sig_urlencode_plus(rt->access_token, tok, sizeof(tok)) != 0) {
        return -1;
    }
    int n = snprintf(url, (size_t)url_len,
                     "%s%s?partner_id=%lld&timestamp=%lld&access_token=%s&shop_id=%lld&sign=%s%s",
                     sc->base_url, path, (long long)sc->partner_id, ts, tok, (long long)sc->shop_id,
                     sign, extra);
    return n > 0 && n < url_len ? 0 : -1;
}

static void no_token(struct plat_call *pc)
{
    struct call_outcome o;
    outcome_set(&o, CALL_AUTH, -1, "no access token yet");
    plat_fail_later(pc, &o);
}

/* An auth answer voids the token so the next call refreshes it. */
static void auth_check(struct core *c, int shop, const struct call_outcome *o)
{
    if (o->result == CALL_AUTH) {
        c->shops[shop].access_token[0] = '\0';
    }
}

static void list_done(struct core *c, const struct http_response *r, void *arg)
{
    struct plat_call *pc = arg;
    struct plat_page *page = calloc(1, sizeof(*page));
    struct call_outcome o;
    outcome_from_http(r, &o);
    if (page == NULL) {
        outcome_set(&o, CALL_RETRY, -1, "out of memory");
    } else if (o.result == CALL_OK) {
        (void)shopee_parse_page(r->body, r->body_len, r->status, page, &o);
    }
    auth_check(c, pc->shop, &o);
    plat_finish(pc, page, NULL, 0, &o);
    free(page);
}

void shopee_list(struct plat_call *pc, int64_t from_s, int64_t to_s, const char *cursor)
{
    char extra[CORE_CURSOR_BYTES_MAX * 3 + 256], enc[CORE_CURSOR_BYTES_MAX * 3];
    char url[SHOPEE_URL_BYTES_MAX];
    if (sig_urlencode_plus(cursor, enc, sizeof(enc)) != 0) {
        enc[0] = '\0';
    }
    snprintf(extra, sizeof(extra),
             "&time_range_field=update_time&time_from=%lld&time_to=%lld&page_size=%d&cursor=%s"
             "&response_optional_fields=order_status",
             (long long)from_s, (long long)to_s, PLAT_PAGE_SIZE, enc);
    if (shop_url(pc->c, pc->shop, "order/get_order_list", extra, url, sizeof(url)) != 0) {
        no_token(pc);
        return;
    }
    if (core_http(pc->c, "shopee:order/get_order_list", "GET", url, NULL, NULL, NULL, list_done,
                  pc) != 0) {
        struct call_outcome o;
        outcome_set(&o, CALL_RETRY, -1, "client queue full");
        plat_fail_later(pc, &o);
    }
}

static void detail_done(struct core *c, const struct http_response *r, void *arg)
{
    struct plat_call *pc = arg;
    struct plat_order *orders = calloc(PLAT_DETAIL_BATCH_MAX, sizeof(*orders));
    struct call_outcome o;
    int n = 0;
    outcome_from_http(r, &o);
    if (orders == NULL) {
        outcome_set(&o, CALL_RETRY, -1, "out of memory");
    } else if (o.result == CALL_OK) {
        (void)shopee_parse_detail(r->body, r->body_len, r->status, orders, PLAT_DETAIL_BATCH_MAX,
                                  &n, &o);
    }
    auth_check(c, pc->shop, &o);
    plat_finish(pc, NULL, orders, n, &o);
    free(orders);
}

void shopee_detail(struct plat_call *pc, const char *const *ids, int n)
{
    char extra[PLAT_DETAIL_BATCH_MAX * ORDER_ID_BYTES_MAX + 256], url[SHOPEE_URL_BYTES_MAX];
    int len = snprintf(extra, sizeof(extra), "&order_sn_list=");
    assert(n >= 1);
    assert(n <= PLAT_DETAIL_BATCH_MAX);
    for (int i = 0; i < n; i++) {
        len += snprintf(extra + len, sizeof(extra) - (size_t)len, "%s%s", i ? "," : "", ids[i]);
    }
    snprintf(extra + len, sizeof(extra) - (size_t)len,
             "&response_optional_fields=buyer_user_id,buyer_username,item_list,pay_time");
    if (shop_url(pc->c, pc->shop, "order/get_order_detail", extra, url, sizeof(url)) != 0) {
        no_token(pc);
        return;
    }
    if (core_http(pc->c, "shopee:order/get_order_detail", "GET", url, NULL, NULL, NULL, detail_done,
                  pc) != 0) {
        struct call_outcome o;
        outcome_set(&o, CALL_RETRY, -1, "client queue full");
        plat_fail_later(pc, &o);
    }
}

static void ship_done(struct core *c, const struct http_response *r, void *arg)
{
    struct plat_call *pc = arg;
    struct call_outcome o;
    outcome_from_http(r, &o);
    if (o.result == CALL_OK) {
        (void)shopee_parse_ship(r->body, r->body_len, r->status, &o);
    }
    auth_check(c, pc->shop, &o);
    plat_finish(pc, NULL, NULL, 0, &o);
}

void shopee_ship(struct plat_call *pc, const char *order_id, const char *waybill)
{
    char url[SHOPEE_URL_BYTES_MAX];
    if (shop_url(pc->c, pc->shop, "logistics/ship_order", "", url, sizeof(url)) != 0) {
        no_token(pc);
        return;
    }
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "order_sn", order_id);
    cJSON *ni = cJSON_AddObjectToObject(b, "non_integrated");
    cJSON_AddStringToObject(ni, "tracking_number", waybill);
    char *body = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    int rc = body != NULL ? core_http(pc->c, "shopee:logistics/ship_order", "POST", url,
                                      "application/json", body, NULL, ship_done, pc)
                          : -1;
    cJSON_free(body);
    if (rc != 0) {
        struct call_outcome o;
        outcome_set(&o, CALL_RETRY, -1, "client queue full");
        plat_fail_later(pc, &o);
    }
}

static void stock_done(struct core *c, const struct http_response *r, void *arg)
{
    struct plat_call *pc = arg;
    struct call_outcome o;
    outcome_from_http(r, &o);
    if (o.result == CALL_OK) {
        int is_get = pc->stock_value < 0;
        int64_t listed = 0;
        (void)shopee_parse_stock(r->body, r->body_len, r->status, is_get ? &listed : NULL, &o);
        if (is_get) {
            pc->stock_value = listed;
        }
    }
    auth_check(c, pc->shop, &o);
    plat_finish(pc, NULL, NULL, 0, &o);
}

static void stock_send(struct plat_call *pc, const char *api, const char *method, const char *extra,
                       const char *body)
{
    char url[SHOPEE_URL_BYTES_MAX], endpoint[ENDPOINT_BYTES_MAX];
    if (shop_url(pc->c, pc->shop, api, extra, url, sizeof(url)) != 0) {
        no_token(pc);
        return;
    }
    snprintf(endpoint, sizeof(endpoint), "shopee:%s", api);
    if (core_http(pc->c, endpoint, method, url, body != NULL ? "application/json" : NULL, body,
                  NULL, stock_done, pc) != 0) {
        struct call_outcome o;
        outcome_set(&o, CALL_RETRY, -1, "client queue full");
        plat_fail_later(pc, &o);
    }
}

void shopee_stock_get(struct plat_call *pc, int k)
{
    char extra[64];
    snprintf(extra, sizeof(extra), "&item_id=%lld", PLAT_SHOPEE_ITEM_BASE + k);
    pc->stock_value = -1; /* marks a read for stock_done */
    stock_send(pc, "product/get_model_list", "GET", extra, NULL);
}

void shopee_stock_set(struct plat_call *pc, int k, int64_t value)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"item_id\":%lld,\"stock_list\":[{\"model_id\":%lld,"
             "\"seller_stock\":[{\"stock\":%lld}]}]}",
             PLAT_SHOPEE_ITEM_BASE + k, PLAT_SHOPEE_MODEL_BASE + k, (long long)value);
    stock_send(pc, "product/update_stock", "POST", "", body);
}
