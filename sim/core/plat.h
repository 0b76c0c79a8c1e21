/* Platform clients (API.md sections 1 and 2): one interface over the Shopee and WeChat shapes.
 * Each call is asynchronous on the core's loop; the callback runs exactly once with the parsed
 * answer and an outcome. Tokens are fetched and refreshed here (Shopee's refresh_token is single
 * use, so each new one is committed before it can be needed again). */
#ifndef SHIPSIM_CORE_PLAT_H
#define SHIPSIM_CORE_PLAT_H

#include <stddef.h>
#include <stdint.h>
#include "core/core.h"
#include "core/outcome.h"

#define PLAT_PAGE_SIZE 100
#define PLAT_DETAIL_BATCH_MAX 50
#define TOKEN_EXPIRE_S_MAX                                                                         \
    (30 * 24 * 3600) /* longest token lifetime believed (a refresh token's) */
#define PLAT_SHOPEE_WINDOW_S (15 * 86400)
#define PLAT_WECHAT_WINDOW_S (7 * 86400)

struct plat_page {
    char ids[PLAT_PAGE_SIZE][ORDER_ID_BYTES_MAX];
    char status[PLAT_PAGE_SIZE][STORE_STATUS_BYTES_MAX]; /* "" when not given */
    int n;
    int more;
    char next_cursor[CORE_CURSOR_BYTES_MAX];
};

struct plat_order {
    char order_id[ORDER_ID_BYTES_MAX];
    char status[STORE_STATUS_BYTES_MAX];
    int rank; /* enum plat_rank */
    int64_t update_s;
    int64_t pay_s;
    int64_t create_s; /* 0 when not given */
    int64_t asked_ms; /* sim ms the read was sent (set by the caller, not the parser) */
    char buyer[STORE_BUYER_BYTES_MAX];
    char lines[STORE_LINES_BYTES_MAX]; /* [{"sku","qty"[,"product_id","sku_id"]}] */
};

typedef void (*plat_page_cb)(struct core *c, int shop, const struct plat_page *page,
                             const struct call_outcome *o, void *arg);
typedef void (*plat_detail_cb)(struct core *c, int shop, const struct plat_order *orders, int n,
                               const struct call_outcome *o, void *arg);
typedef void (*plat_ship_cb)(struct core *c, int shop, const struct call_outcome *o, void *arg);
/* listed: the stock the shop shows (get) or the value now set (set); valid on CALL_OK. */
typedef void (*plat_stock_cb)(struct core *c, int shop, int64_t listed,
                              const struct call_outcome *o, void *arg);

/* Catalog SKU k (its index in the config's catalog) on the platforms, as mockplat lists it:
 * Shopee item 800000000+k with one model 900000000+k; WeChat product 10000000000000+k with
 * sku 3000000000+k. */
#define PLAT_SHOPEE_ITEM_BASE 800000000LL
#define PLAT_SHOPEE_MODEL_BASE 900000000LL
#define PLAT_WECHAT_PRODUCT_BASE 10000000000000LL
#define PLAT_WECHAT_SKU_BASE 3000000000LL

/* One list page of orders updated in [from_s, to_s] (caller keeps the flavor's window limit). */
void plat_list(struct core *c, int shop, int64_t from_s, int64_t to_s, const char *cursor,
               plat_page_cb cb, void *arg);
/* Details of n orders (n <= PLAT_DETAIL_BATCH_MAX; WeChat reads the first only). */
void plat_detail(struct core *c, int shop, const char *const *ids, int n, plat_detail_cb cb,
                 void *arg);
/* Mark shipped with the waybill. CALL_OK also when the platform says it already is. A waybill
 * used by another order is CALL_REJECT with text "foreign_waybill"; an order not in a shippable
 * state is CALL_REJECT with text "not_ready". */
void plat_ship(struct core *c, int shop, const char *order_id, const char *carrier,
               const char *waybill, const char *lines, plat_ship_cb cb, void *arg);
/* Move a shipped order to a new waybill (carrier switch after a stall, before pickup): Shopee
 * ship_order again with the new non_integrated tracking number (mockplat's "re-arrange
 * shipment"), WeChat order/deliveryinfo/update. CALL_OK also when the platform already holds
 * this number; callers cancel the old waybill first, so "already shipped" cannot mean that the
 * old parcel was collected meanwhile. */
void plat_reship(struct core *c, int shop, const char *order_id, const char *carrier,
                 const char *waybill, const char *lines, plat_ship_cb cb, void *arg);
/* Read the stock shop lists for catalog SKU k (Shopee product/get_model_list, WeChat
 * product/stock/get). */
void plat_stock_get(struct core *c, int shop, int k, plat_stock_cb cb, void *arg);
/* Set it to value. Shopee update_stock sets it outright; WeChat stock/update adds or takes
 * value - was (diff_type 1/2), so an order placed since the read `was` is not written over;
 * value == was makes no call. */
void plat_stock_set(struct core *c, int shop, int k, int64_t value, int64_t was, plat_stock_cb cb,
                    void *arg);
/* Largest list window of the shop's flavor, sim s. */
int64_t plat_window_s(const struct core *c, int shop);

/* Pure parsers (tested without a network). Each fills the outcome and returns 0 when the body
 * was understood, -1 when not (outcome CALL_RETRY, malformed_body). */
int shopee_parse_page(const char *body, size_t len, long status, struct plat_page *p,
                      struct call_outcome *o);
int shopee_parse_detail(const char *body, size_t len, long status, struct plat_order *out, int max,
                        int *n, struct call_outcome *o);
int shopee_parse_ship(const char *body, size_t len, long status, struct call_outcome *o);
int wechat_parse_page(const char *body, size_t len, struct plat_page *p, struct call_outcome *o);
int wechat_parse_detail(const char *body, size_t len, struct plat_order *out,
                        struct call_outcome *o);
int wechat_parse_ship(const char *body, size_t len, struct call_outcome *o);
/* Stock answers: get fills *listed; set answers only need the outcome (listed may be NULL). */
int shopee_parse_stock(const char *body, size_t len, long status, int64_t *listed,
                       struct call_outcome *o);
int wechat_parse_stock(const char *body, size_t len, int64_t *listed, struct call_outcome *o);
/* Flavor implementations behind plat_* (shopee.c, wechat.c). */
struct plat_call {
    struct core *c;
    int shop;
    plat_page_cb page_cb;
    plat_detail_cb detail_cb;
    plat_ship_cb ship_cb;
    plat_stock_cb stock_cb;
    int64_t stock_value; /* get: the answer; set: the value asked for */
    void *arg;
};
void shopee_list(struct plat_call *pc, int64_t from_s, int64_t to_s, const char *cursor);
void shopee_detail(struct plat_call *pc, const char *const *ids, int n);
void shopee_ship(struct plat_call *pc, const char *order_id, const char *waybill);
void wechat_list(struct plat_call *pc, int64_t from_s, int64_t to_s, const char *cursor);
void wechat_detail(struct plat_call *pc, const char *order_id);
void wechat_ship(struct plat_call *pc, const char *order_id, const char *carrier,
                 const char *waybill, const char *lines);
void wechat_reship(struct plat_call *pc, const char *order_id, const char *carrier,
                   const char *waybill, const char *lines);
void shopee_stock_get(struct plat_call *pc, int k);
void shopee_stock_set(struct plat_call *pc, int k, int64_t value);
void wechat_stock_get(struct plat_call *pc, int k);
void wechat_stock_set(struct plat_call *pc, int k, int64_t delta);
/* Finish a call with outcome o on the next loop turn (never re-entering the caller). */
void plat_fail_later(struct plat_call *pc, const struct call_outcome *o);
/* Run the call's callback with its answer and free the call. */
void plat_finish(struct plat_call *pc, const struct plat_page *page,
                 const struct plat_order *orders, int n, const struct call_outcome *o);

/* 1 when s is a safe order id (1..31 of [A-Za-z0-9_-]). */
int plat_id_ok(const char *s);

#endif
