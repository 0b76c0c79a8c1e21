/* The Shopee-like API (API.md 1.3, 5.1) over the ground truth. Every handler answers exactly
 * once through plat_shopee_ok / plat_shopee_error. Business errors answer HTTP 200 with the
 * error envelope (the real status is UNCONFIRMED, API.md 1.2); auth errors 403. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "plat/plat.h"

#define CURSOR_BYTES_MAX 64

int plat_item_sku(int64_t item_id, int sku_count)
{
    int64_t k = item_id - PLAT_ITEM_ID_BASE;
    return k >= 0 && k < sku_count ? (int)k : -1;
}

/* Cursors are opaque to clients: "<serial hex>-<check hex>", the check binding the cursor to
 * the shop and query so a cursor from another query is refused. */
static uint32_t cursor_check(const char *scope, uint64_t serial)
{
    return (uint32_t)(hash_mix64(hash_str(scope) ^ serial) & 0xffffffffu);
}

void plat_cursor_encode(const char *scope, uint64_t serial, char *out, int len)
{
    snprintf(out, len, "%llx-%08x", (unsigned long long)serial, cursor_check(scope, serial));
}

int plat_cursor_decode(const char *scope, const char *text, uint64_t *serial)
{
    *serial = 0;
    if (text[0] == '\0')
        return 0;
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 16);
    if (end == NULL || *end != '-')
        return -1;
    char *end2 = NULL;
    unsigned long chk = strtoul(end + 1, &end2, 16);
    if (end2 == NULL || *end2 != '\0' || chk != cursor_check(scope, v))
        return -1;
    *serial = v;
    return 0;
}

static const struct truth_order *own_order(struct plat_req *r, const char *sn)
{
    const struct truth_order *o = truth_find(r->p->truth, sn);
    return o != NULL && o->shop == r->shop ? o : NULL;
}

static void sp_order_list(struct plat_req *r)
{
    char field[32], cursor[CURSOR_BYTES_MAX], status[32] = "", opt[256], scope[160];
    int64_t from = 0, to = 0, size = 0;
    if (plat_query(r, "time_range_field", field, sizeof(field)) != 0 ||
        (strcmp(field, "create_time") != 0 && strcmp(field, "update_time") != 0))
        return plat_shopee_error(
            r, 200, "error_param",
            "Wrong parameters, detail: time_range_field must be create_time or update_time.");
    if (plat_query_int(r, "time_from", &from) != 0 || plat_query_int(r, "time_to", &to) != 0)
        return plat_shopee_error(r, 200, "error_param",
                                 "Wrong parameters, detail: time_from and time_to are required.");
    if (to < from || to - from > SHOPEE_WINDOW_S_MAX)
        return plat_shopee_error(r, 200, "order.order_list_invalid_time",
                                 "Start time must be earlier than end time and diff in 15days.");
    if (plat_query_int(r, "page_size", &size) != 0 || size < 1 || size > PLAT_PAGE_SIZE_MAX)
        return plat_shopee_error(
            r, 200, "error_param",
            "Wrong parameters, detail: page_size should be between 1 and 100.");
    uint32_t mask = 0;
    if (plat_query(r, "order_status", status, sizeof(status)) == 0 && status[0] != '\0') {
        int s = truth_shopee_status_parse(status);
        if (s < 0)
            return plat_shopee_error(r, 200, "error_param",
                                     "Wrong parameters, detail: order_status is invalid.");
        mask = 1u << s;
    }
    int by_update = field[0] == 'u';
    snprintf(scope, sizeof(scope), "%s|%s|%lld|%lld|%s", plat_shop_name(r->p, r->shop), field,
             (long long)from, (long long)to, status);
    uint64_t after = 0;
    if (plat_query(r, "cursor", cursor, sizeof(cursor)) != 0)
        cursor[0] = '\0';
    if (plat_cursor_decode(scope, cursor, &after) != 0)
        return plat_shopee_error(r, 200, "error_param",
                                 "Wrong parameters, detail: cursor is invalid.");
    int with_status = plat_query(r, "response_optional_fields", opt, sizeof(opt)) == 0 &&
                      strstr(opt, "order_status") != NULL;
    const struct truth_order *page[PLAT_PAGE_SIZE_MAX];
    uint64_t next = 0;
    int more = 0;
    int n = truth_list(r->p->truth, r->shop, by_update, from * 1000, to * 1000 + 999, mask, after,
                       page, (int)size, &next, &more);
    cJSON *resp = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(resp, "order_list");
    for (int i = 0; i < n; i++) {
        int f = plat_list_fault(r, page[i]->id);
        for (int copy = 0; copy < (f == 2 ? 2 : f == 1 ? 0 : 1); copy++) {
            cJSON *item = cJSON_CreateObject();
            cJSON_AddStringToObject(item, "order_sn", page[i]->id);
            if (with_status)
                cJSON_AddStringToObject(item, "order_status",
                                        truth_raw_status(FLAVOR_SHOPEE, page[i]->state));
            cJSON_AddItemToArray(list, item);
        }
    }
    char next_text[CURSOR_BYTES_MAX] = "";
    if (more)
        plat_cursor_encode(scope, next, next_text, sizeof(next_text));
    cJSON_AddBoolToObject(resp, "more", more);
    cJSON_AddStringToObject(resp, "next_cursor", next_text);
    plat_shopee_ok(r, resp);
}

/* The order as a stale snapshot shows it (stale_cache), or as it is. */
struct order_view {
    int state;
    int64_t update_ms;
    int64_t as_of_ms; /* fields set after this time are not shown */
};

static struct order_view view_of(struct plat_req *r, const struct truth_order *o)
{
    struct order_view v = {.state = o->state, .update_ms = o->update_ms, .as_of_ms = INT64_MAX};
    const struct fault_rule *rule = NULL;
    struct fault_ctx ctx;
    int64_t age = plat_stale_age_ms(r, o->id, &rule, &ctx);
    if (age <= 0)
        return v;
    int64_t at = simclock_now_ms(&r->p->clock) - age;
    int s = truth_state_at(o, at);
    if (s < 0 || s == o->state)
        return v; /* nothing older to show: no fault on the wire */
    v.state = s;
    v.as_of_ms = at;
    v.update_ms = o->create_ms;
    for (int i = 0; i < o->hist_count && o->hist[i].ms <= at; i++)
        v.update_ms = o->hist[i].ms;
    fault_record(r->p->faults, rule, &ctx, "answered %s from a snapshot %lld ms old (now %s)",
                 truth_state_name(s), (long long)age, truth_state_name(o->state));
    return v;
}

static const char *logistics_status(int state)
{
    switch (state) {
    case TS_UNPAID: return "LOGISTICS_NOT_START";
    case TS_PAID: return "LOGISTICS_READY";
    case TS_SHIPPED: return "LOGISTICS_REQUEST_CREATED";
    case TS_IN_TRANSIT: return "LOGISTICS_PICKUP_DONE";
    case TS_DELIVERED:
    case TS_COMPLETED: return "LOGISTICS_DELIVERY_DONE";
    case TS_RETURNED: return "LOGISTICS_DELIVERY_FAILED";
    default: return "LOGISTICS_REQUEST_CANCELED";
    }
}

static cJSON *item_list(const struct plat *p, const struct truth_order *o, int package)
{
    cJSON *items = cJSON_CreateArray();
    for (int k = 0; k < o->line_count; k++) {
        const struct truth_line *ln = &o->lines[k];
        const char *sku = p->sc.catalog[ln->sku].sku;
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "item_id", (double)(PLAT_ITEM_ID_BASE + ln->sku));
        cJSON_AddNumberToObject(it, "model_id", (double)(PLAT_MODEL_ID_BASE + ln->sku));
        cJSON_AddNumberToObject(it, "order_item_id", (double)(PLAT_ITEM_ID_BASE + ln->sku));
        cJSON_AddNumberToObject(it, "promotion_group_id", 0);
        if (package) {
            cJSON_AddNumberToObject(it, "model_quantity", ln->qty);
        } else {
            char name[96];
            snprintf(name, sizeof(name), "🦋%s（热卖）", sku);
            cJSON_AddStringToObject(it, "item_name", name);
            cJSON_AddStringToObject(it, "item_sku", sku);
            cJSON_AddStringToObject(it, "model_name", "默认（Default）");
            cJSON_AddStringToObject(it, "model_sku", sku);
            cJSON_AddNumberToObject(it, "model_quantity_purchased", ln->qty);
            cJSON_AddNumberToObject(it, "model_original_price", ln->price_fen / 100.0);
            cJSON_AddNumberToObject(it, "model_discounted_price", ln->price_fen / 100.0);
            cJSON_AddNumberToObject(it, "weight", 0.2);
        }
        cJSON_AddItemToArray(items, it);
    }
    return items;
}

static int wants(const char *opt, const char *field)
{
    size_t n = strlen(field);
    for (const char *s = strstr(opt, field); s != NULL; s = strstr(s + 1, field))
        if ((s == opt || s[-1] == ',') && (s[n] == '\0' || s[n] == ','))
            return 1;
    return 0;
}

static void detail_optional(const struct plat *p, const struct truth_order *o,
                            const struct order_view *v, const char *opt, cJSON *d)
{
    int shown_ship = o->ship_ms > 0 && o->ship_ms <= v->as_of_ms;
    if (wants(opt, "buyer_username"))
        cJSON_AddStringToObject(d, "buyer_username", o->buyer);
    if (wants(opt, "buyer_user_id"))
        cJSON_AddNumberToObject(d, "buyer_user_id", (double)(hash_str(o->buyer) % 1000000000ULL));
    if (wants(opt, "pay_time") && o->pay_ms > 0 && o->pay_ms <= v->as_of_ms)
        cJSON_AddNumberToObject(d, "pay_time", (double)(o->pay_ms / 1000));
    if (wants(opt, "payment_method"))
        cJSON_AddStringToObject(d, "payment_method", "Online Payment");
    if (wants(opt, "shipping_carrier"))
        cJSON_AddStringToObject(d, "shipping_carrier", shown_ship ? o->carrier : "");
    if (wants(opt, "pickup_done_time"))
        cJSON_AddNumberToObject(
            d, "pickup_done_time",
            o->pickup_ms > 0 && o->pickup_ms <= v->as_of_ms ? (double)(o->pickup_ms / 1000) : 0);
    if (wants(opt, "total_amount")) {
        double total = 0;
        for (int k = 0; k < o->line_count; k++)
            total += o->lines[k].qty * (o->lines[k].price_fen / 100.0);
        cJSON_AddNumberToObject(d, "total_amount", total);
    }
    if (wants(opt, "recipient_address")) {
        cJSON *a = cJSON_AddObjectToObject(d, "recipient_address");
        cJSON_AddStringToObject(a, "name", "P******n");
        cJSON_AddStringToObject(a, "phone", "******64");
        cJSON_AddStringToObject(a, "city", "深圳市");
        cJSON_AddStringToObject(a, "full_address", "广东省深圳市南山区****");
    }
    if (wants(opt, "item_list"))
        cJSON_AddItemToObject(d, "item_list", item_list(p, o, 0));
    if (wants(opt, "package_list")) {
        cJSON *pl = cJSON_AddArrayToObject(d, "package_list");
        cJSON *pk = cJSON_CreateObject();
        cJSON_AddStringToObject(pk, "package_number", o->package);
        cJSON_AddStringToObject(pk, "logistics_status", logistics_status(v->state));
        cJSON_AddStringToObject(pk, "shipping_carrier", shown_ship ? o->carrier : "");
        cJSON_AddNumberToObject(pk, "logistics_channel_id", 18080);
        cJSON_AddItemToObject(pk, "item_list", item_list(p, o, 1));
        cJSON_AddItemToArray(pl, pk);
    }
}

static cJSON *order_detail(struct plat_req *r, const struct truth_order *o, const char *opt)
{
    struct order_view v = view_of(r, o);
    int days = 2;
    for (int k = 0; k < o->line_count; k++)
        if (r->p->sc.catalog[o->lines[k].sku].ship_delay == SHIP_PRESALE_24H)
            days = 3;
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "order_sn", o->id);
    cJSON_AddStringToObject(d, "region", "SG");
    cJSON_AddStringToObject(d, "currency", "SGD");
    cJSON_AddBoolToObject(d, "cod", 0);
    cJSON_AddStringToObject(d, "order_status", truth_raw_status(FLAVOR_SHOPEE, v.state));
    cJSON_AddStringToObject(d, "message_to_seller", "");
    cJSON_AddNumberToObject(d, "create_time", (double)(o->create_ms / 1000));
    cJSON_AddNumberToObject(d, "update_time", (double)(v.update_ms / 1000));
    cJSON_AddNumberToObject(d, "days_to_ship", days);
    cJSON_AddNumberToObject(d, "ship_by_date", (double)(o->create_ms / 1000 + days * 86400));
    cJSON_AddStringToObject(d, "booking_sn", "");
    detail_optional(r->p, o, &v, opt, d);
    return d;
}

static void sp_order_detail(struct plat_req *r)
{
    char sns[SHOPEE_DETAIL_SNS_MAX * (ORDER_ID_BYTES_MAX + 1) + 64], opt[512] = "";
    if (plat_query(r, "order_sn_list", sns, sizeof(sns)) != 0 || sns[0] == '\0')
        return plat_shopee_error(r, 200, "error_param",
                                 "Wrong parameters, detail: order_sn_list is required.");
    if (plat_query(r, "response_optional_fields", opt, sizeof(opt)) != 0)
        opt[0] = '\0';
    int count = 1;
    for (const char *c = sns; *c; c++)
        count += *c == ',';
    if (count > SHOPEE_DETAIL_SNS_MAX)
        return plat_shopee_error(
            r, 200, "error_param",
            "Wrong parameters, detail: order_sn_list should be 1 to 50 items.");
    cJSON *resp = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(resp, "order_list");
    cJSON *warn = cJSON_CreateArray();
    char *save = NULL;
    for (char *sn = strtok_r(sns, ",", &save); sn != NULL; sn = strtok_r(NULL, ",", &save)) {
        const struct truth_order *o = own_order(r, sn);
        if (o != NULL) {
            cJSON_AddItemToArray(list, order_detail(r, o, opt));
        } else {
            char w[96];
            snprintf(w, sizeof(w), "order_sn %.40s is not found", sn);
            cJSON_AddItemToArray(warn, cJSON_CreateString(w));
        }
    }
    if (cJSON_GetArraySize(list) == 0) {
        cJSON_Delete(resp);
        cJSON_Delete(warn);
        return plat_shopee_error(r, 200, "error_not_found",
                                 "Wrong parameters, detail: the order is not found.");
    }
    if (cJSON_GetArraySize(warn) == 0) {
        cJSON_Delete(warn);
        warn = NULL;
    }
    plat_shopee_ok_warning(r, resp, warn);
}

static void sp_shipment_list(struct plat_req *r)
{
    char cursor[CURSOR_BYTES_MAX], scope[96];
    int64_t size = 0;
    if (plat_query_int(r, "page_size", &size) != 0 || size < 1 || size > PLAT_PAGE_SIZE_MAX)
        return plat_shopee_error(r, 200, "error_param",
                                 "Wrong parameters, detail: page_size must be 100 or less.");
    snprintf(scope, sizeof(scope), "%s|shipment", plat_shop_name(r->p, r->shop));
    uint64_t after = 0;
    if (plat_query(r, "cursor", cursor, sizeof(cursor)) != 0)
        cursor[0] = '\0';
    if (plat_cursor_decode(scope, cursor, &after) != 0)
        return plat_shopee_error(r, 200, "error_param",
                                 "Wrong parameters, detail: cursor is invalid.");
    const struct truth_order *page[PLAT_PAGE_SIZE_MAX];
    uint64_t next = 0;
    int more = 0;
    int n = truth_list(r->p->truth, r->shop, 0, 0, INT64_MAX, 1u << TS_PAID, after, page, (int)size,
                       &next, &more);
    cJSON *resp = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(resp, "order_list");
    for (int i = 0; i < n; i++) {
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "order_sn", page[i]->id);
        cJSON_AddStringToObject(item, "package_number", page[i]->package);
        cJSON_AddItemToArray(list, item);
    }
    char next_text[CURSOR_BYTES_MAX] = "";
    if (more)
        plat_cursor_encode(scope, next, next_text, sizeof(next_text));
    cJSON_AddBoolToObject(resp, "more", more);
    cJSON_AddStringToObject(resp, "next_cursor", next_text);
    plat_shopee_ok(r, resp);
}

static const struct truth_order *order_param(struct plat_req *r)
{
    char sn[ORDER_ID_BYTES_MAX + 8];
    if (plat_query(r, "order_sn", sn, sizeof(sn)) != 0)
        return NULL;
    return own_order(r, sn);
}

static void sp_shipping_parameter(struct plat_req *r)
{
    const struct truth_order *o = order_param(r);
    if (o == NULL)
        return plat_shopee_error(r, 200, "error_not_found",
                                 "Wrong parameters, detail: the order is not found.");
    if (o->state != TS_PAID)
        return plat_shopee_error(
            r, 200, "error_param",
            "Shipping parameters can only be obtained when package is ready to be shipped");
    cJSON *resp = cJSON_CreateObject();
    cJSON *need = cJSON_AddObjectToObject(resp, "info_needed");
    cJSON_AddArrayToObject(need, "dropoff");
    cJSON *pick = cJSON_AddArrayToObject(need, "pickup");
    cJSON_AddItemToArray(pick, cJSON_CreateString("address_id"));
    cJSON_AddItemToArray(pick, cJSON_CreateString("pickup_time_id"));
    cJSON *ni = cJSON_AddArrayToObject(need, "non_integrated");
    cJSON_AddItemToArray(ni, cJSON_CreateString("tracking_number"));
    cJSON_AddNullToObject(resp, "dropoff");
    cJSON *addr = cJSON_CreateObject();
    cJSON_AddNumberToObject(addr, "address_id", 2826);
    cJSON_AddStringToObject(addr, "region", "SG");
    cJSON_AddStringToObject(addr, "city", "深圳市");
    cJSON_AddStringToObject(addr, "address", "南山区科技园 1 号");
    cJSON_AddStringToObject(addr, "zipcode", "518000");
    cJSON *flags = cJSON_AddArrayToObject(addr, "address_flag");
    cJSON_AddItemToArray(flags, cJSON_CreateString("default_address"));
    cJSON_AddItemToArray(flags, cJSON_CreateString("pickup_address"));
    cJSON *slots = cJSON_AddArrayToObject(addr, "time_slot_list");
    int64_t day0 = simclock_now_ms(&r->p->clock) / 1000 / 86400 * 86400 + 86400;
    for (int d = 0; d < 3; d++) {
        char id[24];
        snprintf(id, sizeof(id), "%lld", (long long)(day0 + d * 86400));
        cJSON *slot = cJSON_CreateObject();
        cJSON_AddNumberToObject(slot, "date", (double)(day0 + d * 86400));
        cJSON_AddStringToObject(slot, "pickup_time_id", id);
        cJSON_AddItemToArray(slots, slot);
    }
    cJSON *pickup = cJSON_AddObjectToObject(resp, "pickup");
    cJSON *list = cJSON_AddArrayToObject(pickup, "address_list");
    cJSON_AddItemToArray(list, addr);
    plat_shopee_ok(r, resp);
}

/* ship_order: exactly one of pickup / dropoff / non_integrated, each carrying the tracking
 * number the seller got from the carrier (shipsim has no integrated logistics). */
static void sp_ship_order(struct plat_req *r)
{
    const cJSON *sn = cJSON_GetObjectItemCaseSensitive(r->json, "order_sn");
    if (!cJSON_IsString(sn))
        return plat_shopee_error(r, 200, "logistics.error_param",
                                 "Wrong parameters, detail: order_sn is required.");
    static const char *const kinds[] = {"pickup", "dropoff", "non_integrated"};
    const cJSON *how = NULL;
    int n = 0;
    for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(r->json, kinds[i]);
        if (cJSON_IsObject(k)) {
            how = k;
            n++;
        }
    }
    if (n != 1)
        return plat_shopee_error(r, 200, "logistics.ship_order_only_support_one_type",
                                 "Only one of pickup, dropoff and non_integrated can be used.");
    const cJSON *tn = cJSON_GetObjectItemCaseSensitive(how, "tracking_number");
    if (!cJSON_IsString(tn) || tn->valuestring[0] == '\0')
        return plat_shopee_error(r, 200, "logistics.error_param",
                                 "Wrong parameters, detail: tracking_number is required.");
    const struct truth_order *o = own_order(r, sn->valuestring);
    if (o == NULL)
        return plat_shopee_error(r, 200, "error_not_found",
                                 "Wrong parameters, detail: the order is not found.");
    /* shipsim's choice, mirroring the seller center's "re-arrange shipment": a PROCESSED order
     * whose parcel was never collected may be shipped again with a new tracking number (the
     * seller switched carriers); once collected it is package_already_shipped as before */
    int again = o->state == TS_SHIPPED && strcmp(o->waybill, tn->valuestring) != 0;
    switch (again ? truth_reship(r->p->truth, sn->valuestring, tn->valuestring, NULL)
                  : truth_ship(r->p->truth, sn->valuestring, tn->valuestring, NULL)) {
    case TRUTH_OK: return plat_shopee_ok(r, NULL);
    case TRUTH_SHIPPED:
    case TRUTH_PICKED_UP:
        return plat_shopee_error(r, 200, "logistics.package_already_shipped",
                                 "Order has been shipped.");
    case TRUTH_WAYBILL_USED:
        return plat_shopee_error(
            r, 200, "logistics.error_param",
            "The tracking number has been used by other orders, please fill in a valid one.");
    case TRUTH_BAD_INPUT:
        return plat_shopee_error(r, 200, "logistics.error_param",
                                 "Wrong parameters, detail: tracking_number is invalid.");
    case TRUTH_BAD_STATE:
        return plat_shopee_error(r, 200, "logistics.ship_order_not_ready_to_ship",
                                 "The order is not ready to ship.");
    default:
        return plat_shopee_error(r, 500, "error_server", "System error. Please try again later.");
    }
}

static void sp_tracking_number(struct plat_req *r)
{
    const struct truth_order *o = order_param(r);
    if (o == NULL)
        return plat_shopee_error(r, 200, "logistics.invalid_error", "The order is not exist.");
    struct order_view v = view_of(r, o);
    int shown = o->waybill[0] != '\0' && o->ship_ms <= v.as_of_ms;
    cJSON *resp = cJSON_CreateObject();
    cJSON_AddStringToObject(resp, "tracking_number", shown ? o->waybill : "");
    cJSON_AddStringToObject(resp, "plp_number", "");
    cJSON_AddStringToObject(resp, "first_mile_tracking_number", "");
    cJSON_AddStringToObject(resp, "last_mile_tracking_number", "");
    cJSON_AddStringToObject(resp, "hint", shown ? "" : "tracking number is not available yet");
    cJSON_AddStringToObject(resp, "pickup_code", "");
    plat_shopee_ok(r, resp);
}

static void add_track(cJSON *list, int64_t ms, const char *text, const char *status)
{
    if (ms <= 0)
        return;
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "update_time", (double)(ms / 1000));
    cJSON_AddStringToObject(e, "description", text);
    cJSON_AddStringToObject(e, "logistics_status", status);
    cJSON_AddItemToArray(list, e);
}

static void sp_tracking_info(struct plat_req *r)
{
    const struct truth_order *o = order_param(r);
    if (o == NULL)
        return plat_shopee_error(r, 200, "logistics.invalid_error", "The order is not exist.");
    cJSON *resp = cJSON_CreateObject();
    cJSON_AddStringToObject(resp, "order_sn", o->id);
    cJSON_AddStringToObject(resp, "package_number", o->package);
    cJSON_AddStringToObject(resp, "logistics_status", logistics_status(o->state));
    cJSON *list = cJSON_AddArrayToObject(resp, "tracking_info");
    add_track(list, o->deliver_ms, "包裹已签收", "DELIVERED");
    add_track(list, o->pickup_ms, "包裹已揽收", "PICKED_UP");
    add_track(list, o->ship_ms, "卖家已发货，等待揽收", "PICKUP_REQUESTED");
    plat_shopee_ok(r, resp);
}

static cJSON *model_json(struct plat_req *r, int sku)
{
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
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "model_id", (double)(PLAT_MODEL_ID_BASE + sku));
    cJSON_AddStringToObject(m, "model_sku", r->p->sc.catalog[sku].sku);
    cJSON_AddStringToObject(m, "model_status", "MODEL_NORMAL");
    cJSON *si = cJSON_AddObjectToObject(m, "stock_info_v2");
    cJSON *sum = cJSON_AddObjectToObject(si, "summary_info");
    cJSON_AddNumberToObject(sum, "total_reserved_stock", 0);
    cJSON_AddNumberToObject(sum, "total_available_stock", (double)listed);
    cJSON *ss = cJSON_AddArrayToObject(si, "seller_stock");
    cJSON *loc = cJSON_CreateObject();
    cJSON_AddStringToObject(loc, "location_id", "");
    cJSON_AddNumberToObject(loc, "stock", (double)listed);
    cJSON_AddItemToArray(ss, loc);
    return m;
}

static void sp_model_list(struct plat_req *r)
{
    int64_t item_id = 0;
    if (plat_query_int(r, "item_id", &item_id) != 0)
        return plat_shopee_error(r, 200, "error_param",
                                 "Wrong parameters, detail: item_id is required.");
    int sku = plat_item_sku(item_id, r->p->sc.sku_count);
    if (sku < 0)
        return plat_shopee_error(r, 200, "error_item_not_found", "Item not found.");
    cJSON *resp = cJSON_CreateObject();
    cJSON_AddArrayToObject(resp, "tier_variation");
    cJSON *models = cJSON_AddArrayToObject(resp, "model");
    cJSON_AddItemToArray(models, model_json(r, sku));
    plat_shopee_ok(r, resp);
}

static void sp_update_stock(struct plat_req *r)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(r->json, "item_id");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(r->json, "stock_list");
    if (!cJSON_IsNumber(item) || !cJSON_IsArray(list) || cJSON_GetArraySize(list) < 1 ||
        cJSON_GetArraySize(list) > SHOPEE_STOCK_MODELS_MAX)
        return plat_shopee_error(
            r, 200, "error_param",
            "Wrong parameters, detail: item_id and 1..50 stock_list entries are required.");
    int sku = plat_item_sku((int64_t)item->valuedouble, r->p->sc.sku_count);
    if (sku < 0)
        return plat_shopee_error(r, 200, "error_item_not_found", "Item not found.");
    cJSON *resp = cJSON_CreateObject();
    cJSON *ok = cJSON_AddArrayToObject(resp, "success_list");
    cJSON *bad = cJSON_AddArrayToObject(resp, "failure_list");
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        const cJSON *model = cJSON_GetObjectItemCaseSensitive(e, "model_id");
        const cJSON *ss =
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e, "seller_stock"), 0);
        const cJSON *stock = cJSON_GetObjectItemCaseSensitive(ss, "stock");
        double mid = cJSON_IsNumber(model) ? model->valuedouble : -1;
        cJSON *out = cJSON_CreateObject();
        cJSON_AddNumberToObject(out, "model_id", mid);
        int model_ok = mid == 0 || mid == (double)(PLAT_MODEL_ID_BASE + sku);
        if (model_ok && cJSON_IsNumber(stock) && stock->valuedouble >= 0 &&
            truth_set_listed(r->p->truth, r->shop, sku, (int64_t)stock->valuedouble) == TRUTH_OK) {
            cJSON_AddNumberToObject(out, "stock", stock->valuedouble);
            cJSON_AddItemToArray(ok, out);
        } else {
            cJSON_AddStringToObject(out, "failed_reason",
                                    model_ok ? "invalid stock" : "model not found");
            cJSON_AddItemToArray(bad, out);
        }
    }
    plat_shopee_ok(r, resp);
}

static int64_t partner_of(struct plat_req *r)
{
    assert(r->partner_shop >= 0);
    return r->p->shops[r->partner_shop].si.partner_id;
}

static void sp_lost_push(struct plat_req *r)
{
    cJSON *resp = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(resp, "push_message_list");
    int more = 0;
    uint64_t last = push_lost_page(r->p->push, partner_of(r), list, PLAT_PAGE_SIZE_MAX, &more);
    cJSON_AddBoolToObject(resp, "has_next_page", more);
    cJSON_AddNumberToObject(resp, "last_message_id", (double)last);
    plat_shopee_ok(r, resp);
}

static void sp_lost_push_confirm(struct plat_req *r)
{
    const cJSON *last = cJSON_GetObjectItemCaseSensitive(r->json, "last_message_id");
    if (!cJSON_IsNumber(last) || last->valuedouble < 0)
        return plat_shopee_error(r, 200, "error_param",
                                 "Wrong parameters, detail: last_message_id is required.");
    push_lost_confirm(r->p->push, partner_of(r), (uint64_t)last->valuedouble);
    plat_shopee_ok(r, NULL);
}

/* auth/access_token/get: trade the single-use refresh_token for a new pair (API.md 1.1). */
static void sp_access_token(struct plat_req *r)
{
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(r->json, "refresh_token");
    const cJSON *shop_id = cJSON_GetObjectItemCaseSensitive(r->json, "shop_id");
    if (!cJSON_IsString(rt) || !cJSON_IsNumber(shop_id))
        return plat_shopee_error(
            r, 200, "error_param",
            "Wrong parameters, detail: refresh_token and shop_id are required.");
    int shop = -1;
    for (int i = 0; i < r->p->shop_count && shop < 0; i++) {
        const struct shop_instance *si = &r->p->shops[i].si;
        if (si->flavor == FLAVOR_SHOPEE && (double)si->shop_id == shop_id->valuedouble &&
            si->partner_id == partner_of(r))
            shop = i;
    }
    if (shop < 0)
        return plat_shopee_error(r, 403, "error_auth", "Invalid partner_id or shopid.");
    if (tokens_shopee_refresh(r->p, shop, rt->valuestring) != 0)
        return plat_shopee_error(r, 403, "error_auth", "Invalid refresh_token.");
    const struct plat_shop *s = &r->p->shops[shop];
    const struct plat_token *t =
        &s->access[(s->access_pos + PLAT_ACCESS_TOKENS_MAX - 1) % PLAT_ACCESS_TOKENS_MAX];
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "error", "");
    cJSON_AddStringToObject(root, "message", "");
    cJSON_AddStringToObject(root, "request_id", r->request_id);
    cJSON_AddNumberToObject(root, "partner_id", (double)s->si.partner_id);
    cJSON_AddNumberToObject(root, "shop_id", (double)s->si.shop_id);
    cJSON_AddStringToObject(root, "access_token", t->value);
    cJSON_AddStringToObject(root, "refresh_token", s->refresh_token);
    cJSON_AddNumberToObject(root, "expire_in", SHOPEE_ACCESS_TOKEN_S);
    plat_reply(r, 200, root, 0);
}

const struct plat_route shopee_routes[] = {
    {"/api/v2/auth/access_token/get", "auth/access_token/get", FLAVOR_SHOPEE, AUTH_SHOPEE_PUBLIC,
     NULL, NULL, sp_access_token},
    {"/api/v2/order/get_order_list", "order/get_order_list", FLAVOR_SHOPEE, AUTH_SHOPEE_SHOP, NULL,
     "cursor", sp_order_list},
    {"/api/v2/order/get_order_detail", "order/get_order_detail", FLAVOR_SHOPEE, AUTH_SHOPEE_SHOP,
     "order_sn_list", NULL, sp_order_detail},
    {"/api/v2/order/get_shipment_list", "order/get_shipment_list", FLAVOR_SHOPEE, AUTH_SHOPEE_SHOP,
     NULL, "cursor", sp_shipment_list},
    {"/api/v2/logistics/get_shipping_parameter", "logistics/get_shipping_parameter", FLAVOR_SHOPEE,
     AUTH_SHOPEE_SHOP, "order_sn", NULL, sp_shipping_parameter},
    {"/api/v2/logistics/ship_order", "logistics/ship_order", FLAVOR_SHOPEE, AUTH_SHOPEE_SHOP,
     "order_sn", NULL, sp_ship_order},
    {"/api/v2/logistics/get_tracking_number", "logistics/get_tracking_number", FLAVOR_SHOPEE,
     AUTH_SHOPEE_SHOP, "order_sn", NULL, sp_tracking_number},
    {"/api/v2/logistics/get_tracking_info", "logistics/get_tracking_info", FLAVOR_SHOPEE,
     AUTH_SHOPEE_SHOP, "order_sn", NULL, sp_tracking_info},
    {"/api/v2/product/get_model_list", "product/get_model_list", FLAVOR_SHOPEE, AUTH_SHOPEE_SHOP,
     "item_id", NULL, sp_model_list},
    {"/api/v2/product/update_stock", "product/update_stock", FLAVOR_SHOPEE, AUTH_SHOPEE_SHOP,
     "item_id", NULL, sp_update_stock},
    {"/api/v2/push/get_lost_push_message", "push/get_lost_push_message", FLAVOR_SHOPEE,
     AUTH_SHOPEE_PUBLIC, NULL, NULL, sp_lost_push},
    {"/api/v2/push/confirm_consumed_lost_push_message", "push/confirm_consumed_lost_push_message",
     FLAVOR_SHOPEE, AUTH_SHOPEE_PUBLIC, NULL, NULL, sp_lost_push_confirm},
    {NULL, NULL, FLAVOR_SHOPEE, AUTH_NONE, NULL, NULL, NULL},
};
