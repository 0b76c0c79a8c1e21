/* The WeChat-shop-like API (API.md 2, 5.2) over the ground truth. Errors are
 * {"errcode","errmsg"} with HTTP 200 like the real API. Codes the sources do not confirm are
 * shipsim's own and listed in mocks/plat/README.md (100002 order not found, 109002 order not in
 * a shippable state, 10020050 product not found). */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "plat/plat.h"

#define WX_CURSOR_BYTES_MAX 64
#define WX_ORDER_NOT_FOUND 100002
#define WX_NOT_SHIPPABLE 109002
#define WX_PRODUCT_NOT_FOUND 10020050
#define WX_PICKED_UP 109003 /* shipsim's: the parcel was collected, delivery info is final */

static const char *const companies[][2] = {
    {"SF", "顺丰速运"},  {"ZTO", "中通快递"}, {"YTO", "圆通速递"}, {"YUNDA", "韵达快递"},
    {"STO", "申通快递"}, {"JD", "京东物流"},  {"EMS", "中国邮政"}, {"JTSD", "极兔速递"}};

static int shop_by_appid(const struct plat *p, const char *appid)
{
    for (int i = 0; i < p->shop_count; i++)
        if (p->shops[i].si.flavor == FLAVOR_WECHAT && strcmp(p->shops[i].si.appid, appid) == 0)
            return i;
    return -1;
}

static void token_reply(struct plat_req *r, const char *appid, const char *secret, int force)
{
    int shop = shop_by_appid(r->p, appid);
    if (shop < 0)
        return plat_wechat_error(r, 200, 40013, "invalid appid");
    if (strcmp(r->p->shops[shop].si.secret, secret) != 0)
        return plat_wechat_error(r, 200, 40125, "invalid appsecret");
    const struct plat_token *t = tokens_wechat_get(r->p, shop, force);
    int64_t left_s = (t->expire_ms - simclock_now_ms(&r->p->clock)) / 1000;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "access_token", t->value);
    cJSON_AddNumberToObject(root, "expires_in", (double)(left_s > 0 ? left_s : 0));
    plat_reply(r, 200, root, 0);
}

static void wx_stable_token(struct plat_req *r)
{
    const cJSON *appid = cJSON_GetObjectItemCaseSensitive(r->json, "appid");
    const cJSON *secret = cJSON_GetObjectItemCaseSensitive(r->json, "secret");
    const cJSON *grant = cJSON_GetObjectItemCaseSensitive(r->json, "grant_type");
    if (!cJSON_IsString(appid) || !cJSON_IsString(secret) || !cJSON_IsString(grant) ||
        strcmp(grant->valuestring, "client_credential") != 0)
        return plat_wechat_error(r, 200, 40002, "invalid grant_type or missing appid/secret");
    int force = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->json, "force_refresh"));
    token_reply(r, appid->valuestring, secret->valuestring, force);
}

static void wx_token(struct plat_req *r)
{
    char grant[32], appid[SECRET_BYTES_MAX], secret[SECRET_BYTES_MAX];
    if (plat_query(r, "grant_type", grant, sizeof(grant)) != 0 ||
        strcmp(grant, "client_credential") != 0 ||
        plat_query(r, "appid", appid, sizeof(appid)) != 0 ||
        plat_query(r, "secret", secret, sizeof(secret)) != 0)
        return plat_wechat_error(r, 200, 40002, "invalid grant_type or missing appid/secret");
    token_reply(r, appid, secret, 0);
}

/* A time range {start_time,end_time} of at most 7 days; 1 when present and valid, 0 when
 * absent, -1 when invalid. */
static int time_range(const cJSON *body, const char *name, int64_t *from, int64_t *to)
{
    const cJSON *range = cJSON_GetObjectItemCaseSensitive(body, name);
    if (range == NULL)
        return 0;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(range, "start_time");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(range, "end_time");
    if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b))
        return -1;
    *from = (int64_t)a->valuedouble;
    *to = (int64_t)b->valuedouble;
    return *to >= *from && *to - *from <= WECHAT_WINDOW_S_MAX ? 1 : -1;
}

static int status_mask(int wx_status)
{
    uint32_t mask = 0;
    for (int s = 0; s < TS_COUNT; s++)
        if (truth_wechat_status(s) == wx_status)
            mask |= 1u << s;
    return (int)mask;
}

static void wx_order_list(struct plat_req *r)
{
    int64_t from = 0, to = 0;
    int by_update = 0;
    int has = time_range(r->json, "create_time_range", &from, &to);
    if (has == 0) {
        has = time_range(r->json, "update_time_range", &from, &to);
        by_update = 1;
    }
    if (has != 1)
        return plat_wechat_error(r, 200, 47001,
                                 "data format error: a time range of at most 7 days is required");
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(r->json, "page_size");
    int size = cJSON_IsNumber(ps) ? (int)ps->valuedouble : 10;
    if (size < 1 || size > PLAT_PAGE_SIZE_MAX)
        return plat_wechat_error(r, 200, 47001, "data format error: page_size must be 1..100");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(r->json, "status");
    uint32_t mask = cJSON_IsNumber(st) ? (uint32_t)status_mask((int)st->valuedouble) : 0;
    if (cJSON_IsNumber(st) && mask == 0)
        return plat_wechat_error(r, 200, 47001, "data format error: unknown status");
    char scope[160];
    snprintf(scope, sizeof(scope), "%s|%d|%lld|%lld|%u", plat_shop_name(r->p, r->shop), by_update,
             (long long)from, (long long)to, mask);
    const cJSON *nk = cJSON_GetObjectItemCaseSensitive(r->json, "next_key");
    uint64_t after = 0;
    if (plat_cursor_decode(scope, cJSON_IsString(nk) ? nk->valuestring : "", &after) != 0)
        return plat_wechat_error(r, 200, 47001, "data format error: invalid next_key");
    const struct truth_order *page[PLAT_PAGE_SIZE_MAX];
    uint64_t next = 0;
    int more = 0;
    int n = truth_list(r->p->truth, r->shop, by_update, from * 1000, to * 1000 + 999, mask, after,
                       page, size, &next, &more);
    cJSON *root = plat_wechat_root();
    cJSON *ids = cJSON_AddArrayToObject(root, "order_id_list");
    for (int i = 0; i < n; i++) {
        int f = plat_list_fault(r, page[i]->id);
        for (int copy = 0; copy < (f == 2 ? 2 : f == 1 ? 0 : 1); copy++)
            cJSON_AddItemToArray(ids, cJSON_CreateString(page[i]->id));
    }
    char key[WX_CURSOR_BYTES_MAX];
    plat_cursor_encode(scope, next, key, sizeof(key));
    cJSON_AddStringToObject(root, "next_key", key);
    cJSON_AddBoolToObject(root, "has_more", more);
    plat_reply(r, 200, root, 0);
}

static const struct truth_order *own_order(struct plat_req *r)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(r->json, "order_id");
    if (!cJSON_IsString(id))
        return NULL;
    const struct truth_order *o = truth_find(r->p->truth, id->valuestring);
    return o != NULL && o->shop == r->shop ? o : NULL;
}

static void add_id(cJSON *obj, const char *name, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%lld", (long long)v);
    cJSON_AddStringToObject(obj, name, buf);
}

static cJSON *products(const struct plat *p, const struct truth_order *o, int delivery)
{
    cJSON *list = cJSON_CreateArray();
    for (int k = 0; k < o->line_count; k++) {
        const struct truth_line *ln = &o->lines[k];
        cJSON *it = cJSON_CreateObject();
        add_id(it, "product_id", PLAT_PRODUCT_ID_BASE + ln->sku);
        add_id(it, "sku_id", PLAT_SKU_ID_BASE + ln->sku);
        if (delivery) {
            cJSON_AddNumberToObject(it, "product_cnt", ln->qty);
        } else {
            char title[96];
            snprintf(title, sizeof(title), "%s 浪漫粉（热卖）", p->sc.catalog[ln->sku].sku);
            cJSON_AddStringToObject(it, "title", title);
            cJSON_AddNumberToObject(it, "sku_cnt", ln->qty);
            cJSON_AddNumberToObject(it, "sale_price", ln->price_fen);
            cJSON_AddNumberToObject(it, "real_price", ln->price_fen);
            cJSON_AddNumberToObject(it, "market_price", ln->price_fen);
            cJSON_AddStringToObject(it, "sku_code", p->sc.catalog[ln->sku].sku);
            cJSON_AddNumberToObject(it, "delivery_deadline",
                                    (double)(o->create_ms / 1000 + 172800));
            cJSON_AddNumberToObject(it, "on_aftersale_sku_cnt", 0);
            cJSON_AddNumberToObject(it, "finish_aftersale_sku_cnt", 0);
        }
        cJSON_AddItemToArray(list, it);
    }
    return list;
}

static cJSON *delivery_info(const struct plat *p, const struct truth_order *o, int64_t as_of)
{
    cJSON *di = cJSON_CreateObject();
    cJSON_AddNumberToObject(di, "deliver_method", 0);
    cJSON_AddNumberToObject(
        di, "ship_done_time",
        o->deliver_ms > 0 && o->deliver_ms <= as_of ? (double)(o->deliver_ms / 1000) : 0);
    cJSON *addr = cJSON_AddObjectToObject(di, "address_info");
    cJSON_AddStringToObject(addr, "user_name", "猫*");
    cJSON_AddStringToObject(addr, "tel_number", "139****0909");
    cJSON_AddStringToObject(addr, "province_name", "浙江省");
    cJSON_AddStringToObject(addr, "city_name", "杭州市");
    cJSON_AddStringToObject(addr, "county_name", "上城区");
    cJSON_AddStringToObject(addr, "detail_info", "****");
    cJSON *dl = cJSON_AddArrayToObject(di, "delivery_product_info");
    if (o->waybill[0] != '\0' && o->ship_ms <= as_of) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "waybill_id", o->waybill);
        cJSON_AddStringToObject(d, "delivery_id", o->carrier);
        for (size_t i = 0; i < ARRAY_LEN(companies); i++)
            if (strcmp(companies[i][0], o->carrier) == 0)
                cJSON_AddStringToObject(d, "delivery_name", companies[i][1]);
        cJSON_AddNumberToObject(d, "delivery_time", (double)(o->ship_ms / 1000));
        cJSON_AddNumberToObject(d, "deliver_type", 1);
        cJSON_AddItemToObject(d, "product_infos", products(p, o, 1));
        cJSON_AddItemToArray(dl, d);
    }
    return di;
}

static void wx_order_get(struct plat_req *r)
{
    const struct truth_order *o = own_order(r);
    if (o == NULL)
        return plat_wechat_error(r, 200, WX_ORDER_NOT_FOUND, "order not exist");
    int state = o->state;
    int64_t update_ms = o->update_ms, as_of = INT64_MAX;
    const struct fault_rule *rule = NULL;
    struct fault_ctx ctx;
    int64_t age = plat_stale_age_ms(r, o->id, &rule, &ctx);
    if (age > 0) {
        int64_t at = simclock_now_ms(&r->p->clock) - age;
        int s = truth_state_at(o, at);
        if (s >= 0 && truth_wechat_status(s) != truth_wechat_status(o->state)) {
            fault_record(r->p->faults, rule, &ctx,
                         "answered status %d from a snapshot %lld ms old (now %d)",
                         truth_wechat_status(s), (long long)age, truth_wechat_status(o->state));
            state = s;
            as_of = at;
            for (int i = 0; i < o->hist_count && o->hist[i].ms <= at; i++)
                update_ms = o->hist[i].ms;
        }
    }
    cJSON *root = plat_wechat_root();
    cJSON *ord = cJSON_AddObjectToObject(root, "order");
    cJSON_AddStringToObject(ord, "order_id", o->id);
    cJSON_AddNumberToObject(ord, "status", truth_wechat_status(state));
    cJSON_AddNumberToObject(ord, "create_time", (double)(o->create_ms / 1000));
    cJSON_AddNumberToObject(ord, "update_time", (double)(update_ms / 1000));
    cJSON_AddStringToObject(ord, "openid", o->buyer);
    cJSON *det = cJSON_AddObjectToObject(ord, "order_detail");
    cJSON_AddItemToObject(det, "product_infos", products(r->p, o, 0));
    int64_t total = 0;
    for (int k = 0; k < o->line_count; k++)
        total += (int64_t)o->lines[k].qty * o->lines[k].price_fen;
    cJSON *price = cJSON_AddObjectToObject(det, "price_info");
    cJSON_AddNumberToObject(price, "product_price", (double)total);
    cJSON_AddNumberToObject(price, "order_price", (double)total);
    cJSON_AddNumberToObject(price, "freight", 0);
    cJSON *pay = cJSON_AddObjectToObject(det, "pay_info");
    cJSON_AddNumberToObject(pay, "pay_time",
                            o->pay_ms > 0 && o->pay_ms <= as_of ? (double)(o->pay_ms / 1000) : 0);
    cJSON_AddItemToObject(det, "delivery_info", delivery_info(r->p, o, as_of));
    cJSON_AddObjectToObject(ord, "aftersale_detail");
    plat_reply(r, 200, root, 0);
}

static int company_known(const char *id)
{
    for (size_t i = 0; i < ARRAY_LEN(companies); i++)
        if (strcmp(companies[i][0], id) == 0)
            return 1;
    return 0;
}

static void wx_delivery_send(struct plat_req *r)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(r->json, "order_id");
    const cJSON *dl =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r->json, "delivery_list"), 0);
    const cJSON *company = cJSON_GetObjectItemCaseSensitive(dl, "delivery_id");
    const cJSON *waybill = cJSON_GetObjectItemCaseSensitive(dl, "waybill_id");
    if (!cJSON_IsString(id) || !cJSON_IsString(company) || !cJSON_IsString(waybill))
        return plat_wechat_error(r, 200, 47001,
                                 "data format error: order_id and delivery_list[0] are required");
    if (!company_known(company->valuestring))
        return plat_wechat_error(r, 200, 9401020, "invalid delivery_id");
    if (own_order(r) == NULL)
        return plat_wechat_error(r, 200, WX_ORDER_NOT_FOUND, "order not exist");
    switch (truth_ship(r->p->truth, id->valuestring, waybill->valuestring, company->valuestring)) {
    case TRUTH_OK: return plat_reply(r, 200, plat_wechat_root(), 0);
    case TRUTH_SHIPPED: return plat_wechat_error(r, 200, 109001, "order already delivered");
    case TRUTH_WAYBILL_USED:
        return plat_wechat_error(r, 200, 109000,
                                 "delivery failed: repeated delivery_id and waybill_id");
    case TRUTH_BAD_STATE:
        return plat_wechat_error(r, 200, WX_NOT_SHIPPABLE, "order status does not allow delivery");
    case TRUTH_BAD_INPUT:
        return plat_wechat_error(r, 200, 47001, "data format error: invalid waybill_id");
    default: return plat_wechat_error(r, 200, -1, "system error");
    }
}

/* order/deliveryinfo/update: the same body as delivery/send; moves a delivered-to-carrier order
 * (status 30) to another waybill and company while the parcel was not collected. The call is
 * WeChat's (channels_ec order API); its error codes here are shipsim's (UNCONFIRMED). */
static void wx_delivery_update(struct plat_req *r)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(r->json, "order_id");
    const cJSON *dl =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r->json, "delivery_list"), 0);
    const cJSON *company = cJSON_GetObjectItemCaseSensitive(dl, "delivery_id");
    const cJSON *waybill = cJSON_GetObjectItemCaseSensitive(dl, "waybill_id");
    if (!cJSON_IsString(id) || !cJSON_IsString(company) || !cJSON_IsString(waybill))
        return plat_wechat_error(r, 200, 47001,
                                 "data format error: order_id and delivery_list[0] are required");
    if (!company_known(company->valuestring))
        return plat_wechat_error(r, 200, 9401020, "invalid delivery_id");
    if (own_order(r) == NULL)
        return plat_wechat_error(r, 200, WX_ORDER_NOT_FOUND, "order not exist");
    switch (
        truth_reship(r->p->truth, id->valuestring, waybill->valuestring, company->valuestring)) {
    case TRUTH_OK:
    case TRUTH_SHIPPED: return plat_reply(r, 200, plat_wechat_root(), 0); /* same: idempotent */
    case TRUTH_PICKED_UP:
        return plat_wechat_error(r, 200, WX_PICKED_UP,
                                 "parcel already collected, delivery info cannot be updated");
    case TRUTH_WAYBILL_USED:
        return plat_wechat_error(r, 200, 109000,
                                 "delivery failed: repeated delivery_id and waybill_id");
    case TRUTH_BAD_STATE:
        return plat_wechat_error(r, 200, WX_NOT_SHIPPABLE,
                                 "order status does not allow a delivery update");
    case TRUTH_BAD_INPUT:
        return plat_wechat_error(r, 200, 47001, "data format error: invalid waybill_id");
    default: return plat_wechat_error(r, 200, -1, "system error");
    }
}

static void wx_company_list(struct plat_req *r)
{
    cJSON *root = plat_wechat_root();
    cJSON *list = cJSON_AddArrayToObject(root, "company_list");
    for (size_t i = 0; i < ARRAY_LEN(companies); i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "delivery_id", companies[i][0]);
        cJSON_AddStringToObject(c, "delivery_name", companies[i][1]);
        cJSON_AddItemToArray(list, c);
    }
    plat_reply(r, 200, root, 0);
}

/* The SKU a (product_id, sku_id) pair names, or -1. */
static int product_sku(struct plat_req *r)
{
    char pid[32] = "", sid[32] = "";
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(r->json, "product_id");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(r->json, "sku_id");
    if (cJSON_IsString(p))
        snprintf(pid, sizeof(pid), "%s", p->valuestring);
    if (cJSON_IsString(s))
        snprintf(sid, sizeof(sid), "%s", s->valuestring);
    long long pv = strtoll(pid, NULL, 10), sv = strtoll(sid, NULL, 10);
    int k = (int)(pv - PLAT_PRODUCT_ID_BASE);
    if (pv < PLAT_PRODUCT_ID_BASE || k >= r->p->sc.sku_count || sv != PLAT_SKU_ID_BASE + k)
        return -1;
    return k;
}

static void wx_stock_get(struct plat_req *r)
{
    int sku = product_sku(r);
    if (sku < 0)
        return plat_wechat_error(r, 200, WX_PRODUCT_NOT_FOUND, "product not exist");
    plat_stock_drift(r, sku);
    int64_t listed = truth_listed(r->p->truth, r->shop, sku);
    char key[PLAT_KEY_BYTES_MAX];
    snprintf(key, sizeof(key), "%s|%s", plat_shop_name(r->p, r->shop), r->p->sc.catalog[sku].sku);
    const struct fault_rule *rule = NULL;
    struct fault_ctx ctx;
    int64_t age = plat_stale_age_ms(r, key, &rule, &ctx);
    if (age > 0) {
        int64_t old =
            truth_listed_at(r->p->truth, r->shop, sku, simclock_now_ms(&r->p->clock) - age);
        if (old != listed)
            fault_record(r->p->faults, rule, &ctx,
                         "stock %lld from a snapshot %lld ms old (now %lld)", (long long)old,
                         (long long)age, (long long)listed);
        listed = old;
    }
    cJSON *root = plat_wechat_root();
    cJSON *data = cJSON_AddObjectToObject(root, "data");
    cJSON_AddNumberToObject(data, "normal_stock_num", (double)listed);
    cJSON_AddNumberToObject(data, "total_stock_num", (double)listed);
    cJSON_AddArrayToObject(data, "warehouse_stocks");
    plat_reply(r, 200, root, 0);
}

static void wx_stock_update(struct plat_req *r)
{
    int sku = product_sku(r);
    if (sku < 0)
        return plat_wechat_error(r, 200, WX_PRODUCT_NOT_FOUND, "product not exist");
    const cJSON *diff = cJSON_GetObjectItemCaseSensitive(r->json, "diff_type");
    const cJSON *num = cJSON_GetObjectItemCaseSensitive(r->json, "num");
    if (!cJSON_IsNumber(diff) || !cJSON_IsNumber(num) || num->valuedouble < 0)
        return plat_wechat_error(r, 200, 47001,
                                 "data format error: diff_type and num are required");
    int64_t listed = truth_listed(r->p->truth, r->shop, sku), n = (int64_t)num->valuedouble;
    switch ((int)diff->valuedouble) {
    case 1: listed += n; break;
    case 2:
        if (n > listed)
            return plat_wechat_error(r, 200, 10020219, "not enough stock");
        listed -= n;
        break;
    case 3: listed = n; break;
    default:
        return plat_wechat_error(r, 200, 47001, "data format error: diff_type must be 1, 2 or 3");
    }
    if (truth_set_listed(r->p->truth, r->shop, sku, listed) != TRUTH_OK)
        return plat_wechat_error(r, 200, -1, "system error");
    plat_reply(r, 200, plat_wechat_root(), 0);
}

const struct plat_route wechat_routes[] = {
    {"/cgi-bin/stable_token", "cgi-bin/stable_token", FLAVOR_WECHAT, AUTH_NONE, "appid", NULL,
     wx_stable_token},
    {"/cgi-bin/token", "cgi-bin/token", FLAVOR_WECHAT, AUTH_NONE, "appid", NULL, wx_token},
    {"/channels/ec/order/list/get", "order/list/get", FLAVOR_WECHAT, AUTH_WECHAT, NULL, "next_key",
     wx_order_list},
    {"/channels/ec/order/get", "order/get", FLAVOR_WECHAT, AUTH_WECHAT, "order_id", NULL,
     wx_order_get},
    {"/channels/ec/order/delivery/send", "order/delivery/send", FLAVOR_WECHAT, AUTH_WECHAT,
     "order_id", NULL, wx_delivery_send},
    {"/channels/ec/order/deliveryinfo/update", "order/deliveryinfo/update", FLAVOR_WECHAT,
     AUTH_WECHAT, "order_id", NULL, wx_delivery_update},
    {"/channels/ec/order/deliverycompanylist/new/get", "order/deliverycompanylist/new/get",
     FLAVOR_WECHAT, AUTH_WECHAT, NULL, NULL, wx_company_list},
    {"/channels/ec/product/stock/get", "product/stock/get", FLAVOR_WECHAT, AUTH_WECHAT,
     "product_id", NULL, wx_stock_get},
    {"/channels/ec/product/stock/update", "product/stock/update", FLAVOR_WECHAT, AUTH_WECHAT,
     "product_id", NULL, wx_stock_update},
    {NULL, NULL, FLAVOR_WECHAT, AUTH_NONE, NULL, NULL, NULL},
};
