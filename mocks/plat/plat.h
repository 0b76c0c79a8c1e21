/* Private to mocks/plat (bin/mockplat): the process context every module of the folder shares,
 * the request context of one API call, and the functions the modules offer each other.
 *   serve.c   routing, auth, the fault gate (maintenance .. malformed), replies, stats
 *   shopee.c  /api/v2 handlers           wechat.c  /channels/ec and /cgi-bin handlers
 *   tokens.c  access/refresh tokens      push.c    outbound pushes, retries, lost-push store
 *   control.c /__sim control API, /healthz, /metrics       sign.c  HMAC / SHA-1 signatures */
#ifndef SHIPSIM_PLAT_H
#define SHIPSIM_PLAT_H

#include <stddef.h>
#include <stdint.h>
#include "common/limits.h"
#include "common/simclock.h"
#include "fault/fault.h"
#include "scenario/scenario.h"
#include "truth/truth.h"

#define PLAT_TOKEN_BYTES_MAX 48
#define PLAT_ACCESS_TOKENS_MAX 4 /* a shop's recent access tokens stay valid until expiry */
#define PLAT_ENDPOINTS_MAX 64
#define PLAT_KEY_BYTES_MAX 160
#define PLAT_PAGE_SIZE_MAX 100
#define PLAT_TICK_MS 200 /* wall ms between time-driven truth changes */
#define SHOPEE_TIMESTAMP_SKEW_S 300
#define SHOPEE_ACCESS_TOKEN_S (4 * 3600)
#define SHOPEE_WINDOW_S_MAX (15 * 86400)
#define SHOPEE_DETAIL_SNS_MAX 50
#define SHOPEE_STOCK_MODELS_MAX 50
#define WECHAT_TOKEN_S 7200
#define WECHAT_WINDOW_S_MAX (7 * 86400)
#define PLAT_ITEM_ID_BASE 800000000LL         /* Shopee item_id of catalog SKU k: base + k */
#define PLAT_MODEL_ID_BASE 900000000LL        /* Shopee model_id of SKU k */
#define PLAT_PRODUCT_ID_BASE 10000000000000LL /* WeChat product_id of SKU k (as a string) */
#define PLAT_SKU_ID_BASE 3000000000LL         /* WeChat sku_id of SKU k (as a string) */
#define PLAT_HOLD_MS_DEFAULT (HTTP_TIMEOUT_MS_DEFAULT + 1000) /* timeout fault: hold this long */
#define PLAT_LATENCY_TAIL_ALPHA 1.5                           /* long-tail latency: Pareto shape */

struct event_base;
struct event;
struct evhttp_request;
struct evhttp_connection;
struct http_client;
struct push_queue;
typedef struct cJSON cJSON;

struct plat_token {
    char value[PLAT_TOKEN_BYTES_MAX];
    int64_t expire_ms;
};

struct plat_shop {
    struct shop_instance si;
    char callback_url[HTTP_URL_BYTES_MAX];
    uint32_t token_gen; /* Shopee: refresh_token generation; WeChat: access_token generation */
    char refresh_token[PLAT_TOKEN_BYTES_MAX];
    struct plat_token access[PLAT_ACCESS_TOKENS_MAX];
    int access_pos;
    double bucket;           /* rate_limit token bucket, requests */
    int64_t bucket_ns;       /* last refill, monotonic */
    uint64_t lost_confirmed; /* Shopee lost pushes up to this message id were consumed */
    char echostr[24];        /* WeChat URL check in flight: the string the callback must echo */
};

struct plat_stat {
    char endpoint[ENDPOINT_BYTES_MAX];
    uint64_t requests;
    uint64_t errors;
};

struct plat {
    struct event_base *base;
    struct scenario sc;
    struct simclock clock;
    struct truth *truth;
    struct fault_engine *faults;
    struct http_client *client;
    struct push_queue *push;
    struct plat_shop shops[SCENARIO_SHOPS_MAX];
    int shop_count;
    char control_token[SECRET_BYTES_MAX];
    struct plat_stat stats[PLAT_ENDPOINTS_MAX];
    int stat_count;
    uint64_t request_serial;
    int64_t next_seq;      /* for /__sim/orders without a seq */
    struct plat_req *held; /* requests held by latency/timeout/reset, freed at shutdown */
    int stopping;          /* set before evhttp_free: closing connections free their requests */
    struct event *tick;
};

enum plat_auth { AUTH_NONE = 0, AUTH_SHOPEE_SHOP, AUTH_SHOPEE_PUBLIC, AUTH_WECHAT };

struct plat_req;
typedef void (*plat_handler)(struct plat_req *r);

struct plat_route {
    const char *path;     /* full request path */
    const char *endpoint; /* canonical name for faults and stats */
    enum platform_flavor flavor;
    enum plat_auth auth;
    const char *key_field;  /* query/body field holding the order id the faults key on, or NULL */
    const char *page_field; /* list calls: the cursor field (key "<shop>|<cursor>") */
    plat_handler handle;
};

struct plat_req {
    struct plat *p;
    struct evhttp_request *req;
    struct evhttp_connection *conn;
    const struct plat_route *route;
    int shop;         /* -1 when the call names no shop */
    int partner_shop; /* Shopee: a shop of the partner that signed the call */
    char key[PLAT_KEY_BYTES_MAX];
    struct fault_ctx fctx;
    char *body;
    size_t body_len;
    cJSON *json; /* the POST body, NULL for GET */
    const struct fault_rule *malformed;
    struct event *timer;
    int hold_drop; /* when the held request's timer fires: 1 drop the connection, 0 answer */
    struct plat_req *held_prev, *held_next;
    char request_id[33];
};

/* serve.c */
void plat_dispatch(struct evhttp_request *req, void *arg);
/* Free the requests still held when the loop stopped (after evhttp_free freed their requests). */
void plat_release_held(struct plat *p);
/* Send root (consumed) as the answer and free r. Applies a pending malformed fault. */
void plat_reply(struct plat_req *r, int status, cJSON *root, int is_error);
void plat_reply_raw(struct plat_req *r, int status, const char *content_type, const char *body,
                    size_t len, int is_error);
void plat_shopee_error(struct plat_req *r, int status, const char *error, const char *message);
void plat_shopee_ok(struct plat_req *r, cJSON *response); /* response may be NULL */
void plat_shopee_ok_warning(struct plat_req *r, cJSON *response, cJSON *warning);
/* Opaque list cursors bound to a scope string (shop and query). decode: 0 or -1 (foreign). */
void plat_cursor_encode(const char *scope, uint64_t serial, char *out, int len);
int plat_cursor_decode(const char *scope, const char *text, uint64_t *serial);
void plat_wechat_error(struct plat_req *r, int status, int errcode, const char *errmsg);
cJSON *plat_wechat_root(void); /* {"errcode":0,"errmsg":"ok"} to add fields to */
int plat_query(struct plat_req *r, const char *name, char *buf, int len);
int plat_query_int(struct plat_req *r, const char *name, int64_t *out);
void plat_stat(struct plat *p, const char *endpoint, int is_error);
const char *plat_shop_name(const struct plat *p, int shop);
/* Age in sim ms of a stale snapshot when a stale_cache rule fires for key, else 0. */
int64_t plat_stale_age_ms(struct plat_req *r, const char *key, const struct fault_rule **rule,
                          struct fault_ctx *ctx);
/* stock_drift when an order is placed (keyed on the order id). */
void plat_drift_on_order(struct plat *p, const struct truth_order *o);
/* Apply stock_drift rules to one listing as it is read. */
void plat_stock_drift(struct plat_req *r, int sku);
/* Data faults on a list page: returns 0 (keep), 1 (drop: lost_order), 2 (repeat: duplicate). */
int plat_list_fault(struct plat_req *r, const char *order_id);

/* shopee.c, wechat.c: route tables, NULL-terminated by path */
extern const struct plat_route shopee_routes[];
extern const struct plat_route wechat_routes[];
int plat_item_sku(int64_t item_id, int sku_count); /* catalog index or -1 */

/* tokens.c */
void tokens_init(struct plat *p);
/* Shopee: trade the shop's single-use refresh token for a new pair; 0 or -1 (unknown token). */
int tokens_shopee_refresh(struct plat *p, int shop, const char *refresh_token);
/* WeChat: the current token (a fresh one when force or none valid). */
const struct plat_token *tokens_wechat_get(struct plat *p, int shop, int force);
/* 1 valid, 0 unknown, -1 expired. */
int tokens_check(const struct plat *p, int shop, const char *token);
/* The shop whose current or recent token this is, or -1. */
int tokens_wechat_shop(const struct plat *p, const char *token);
void tokens_replay_line(void *arg, const char *line);

/* push.c */
struct push_queue *push_new(struct plat *p);
void push_free(struct push_queue *q);
void push_order_changed(void *arg, const struct truth_order *o, enum truth_state prev);
struct push_counts {
    uint64_t sent, acked, failed, lost, dropped, forged;
    uint64_t url_checks_ok, url_checks_failed; /* WeChat GET echostr checks */
};
/* WeChat: the GET ?signature&timestamp&nonce&echostr check of a newly registered callback
 * (API.md 2.4). Fire and forget: the outcome is logged and counted; pushes go out either way. */
void push_verify_url(struct push_queue *q, int shop);
void push_get_counts(const struct push_queue *q, struct push_counts *out);
/* Shopee lost-push store: up to max unconsumed messages of this partner (and older than 3
 * sim-days dropped), as cJSON items appended to list; returns the last id and sets *more. */
uint64_t push_lost_page(struct push_queue *q, int64_t partner_id, cJSON *list, int max, int *more);
void push_lost_confirm(struct push_queue *q, int64_t partner_id, uint64_t last_id);
void push_reset(struct push_queue *q);

/* control.c */
void control_handle(struct plat *p, struct evhttp_request *req, const char *path);
void control_metrics(struct plat *p, struct evhttp_request *req);

#endif
