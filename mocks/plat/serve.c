/* Routing, authentication, the fault gate and replies for every API call of mockplat.
 *
 * One call goes: route -> parse body -> auth (Shopee sign/timestamp/token or WeChat token) ->
 * fault key (order id, "<shop>|<cursor>" for list pages, else "<shop>|<endpoint>") -> the gate
 * (maintenance, rate_limit, error, reset, timeout, latency, malformed) -> the handler -> reply.
 * Latency and timeout hold the request on an evtimer; if the client goes away meanwhile the
 * connection's close callback detaches it and the held request is released when the timer fires. */
#include <cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/hash.h"
#include "common/http_server.h"
#include "common/log.h"
#include "plat/plat.h"
#include "plat/sign.h"

#define PLAT_REQ_MAGIC 0x706c7271U

const char *plat_shop_name(const struct plat *p, int shop)
{
    if (shop < 0 || shop >= p->shop_count)
        return NULL;
    return p->shops[shop].si.name;
}

void plat_stat(struct plat *p, const char *endpoint, int is_error)
{
    int i = 0;
    for (; i < p->stat_count; i++)
        if (strcmp(p->stats[i].endpoint, endpoint) == 0)
            break;
    if (i == p->stat_count) {
        if (p->stat_count == PLAT_ENDPOINTS_MAX)
            return; /* the route tables hold fewer endpoints than this */
        snprintf(p->stats[i].endpoint, sizeof(p->stats[i].endpoint), "%s", endpoint);
        p->stat_count++;
    }
    p->stats[i].requests++;
    p->stats[i].errors += is_error != 0;
}

static void req_free(struct plat_req *r)
{
    if (r->timer != NULL)
        event_free(r->timer);
    if (r->json != NULL)
        cJSON_Delete(r->json);
    free(r->body);
    free(r);
}

/* ---- malformed answers --------------------------------------------------------------------- */

static int replace_child(cJSON *parent, cJSON *old, cJSON *with)
{
    if (with == NULL)
        return 0;
    if (cJSON_IsObject(parent)) /* keeps the member's key, which replace-via-pointer drops */
        return cJSON_ReplaceItemInObjectCaseSensitive(parent, old->string, with) ? 1 : 0;
    return cJSON_ReplaceItemViaPointer(parent, old, with) ? 1 : 0;
}

/* Numbers become strings and booleans become numbers: the "wrong types" a sloppy gateway sends. */
static int mangle_types(cJSON *item)
{
    int changed = 0;
    cJSON *c = item->child;
    while (c != NULL) {
        cJSON *next = c->next;
        if (cJSON_IsNumber(c)) {
            char buf[32];
            snprintf(buf, sizeof(buf), "%.0f", c->valuedouble);
            changed += replace_child(item, c, cJSON_CreateString(buf));
        } else if (cJSON_IsBool(c)) {
            changed += replace_child(item, c, cJSON_CreateNumber(cJSON_IsTrue(c) ? 1 : 0));
        } else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
            changed += mangle_types(c);
        }
        c = next;
    }
    return changed;
}

/* Strings of 16..20 digits lose their quotes: 19-digit ids as JSON numbers (> 2^53). */
static int unquote_big_ids(char *text, size_t *len)
{
    int changed = 0;
    size_t w = 0;
    for (size_t i = 0; i < *len; i++) {
        if (text[i] == '"') {
            size_t j = i + 1;
            while (j < *len && text[j] >= '0' && text[j] <= '9')
                j++;
            size_t digits = j - i - 1;
            if (j < *len && text[j] == '"' && digits >= 16 && digits <= 20) {
                memmove(text + w, text + i + 1, digits);
                w += digits;
                i = j;
                changed++;
                continue;
            }
        }
        text[w++] = text[i];
    }
    *len = w;
    text[w] = '\0';
    return changed;
}

/* Modes as the scenario loader names them: "truncated" or "wrong_type" ("" draws one). A WeChat
 * wrong_type answer also carries its 19-digit ids as bare JSON numbers. */
static const char *malformed_mode(struct plat_req *r)
{
    const struct fault_rule *rule = r->malformed;
    if (rule->mode[0] != '\0')
        return rule->mode;
    double u = fault_param_draw(r->p->faults, rule, &r->fctx, "mode");
    return u < 0.5 ? "truncated" : "wrong_type";
}

/* Print root, mangled when a malformed rule fired for this call (recorded only when the body
 * really changed). Returns malloc'd text. */
static char *print_reply(struct plat_req *r, cJSON *root, size_t *len)
{
    const char *mode = r->malformed != NULL ? malformed_mode(r) : NULL;
    int wrong = mode != NULL && strcmp(mode, "wrong_type") == 0;
    int changed = wrong ? mangle_types(root) : 0;
    char *text = cJSON_PrintUnformatted(root);
    if (text == NULL)
        return NULL;
    *len = strlen(text);
    if (mode != NULL && strcmp(mode, "truncated") == 0 && *len > 1) {
        *len = *len / 2;
        text[*len] = '\0';
        changed = 1;
    } else if (wrong && r->route->flavor == FLAVOR_WECHAT) {
        changed += unquote_big_ids(text, len);
    }
    if (changed > 0)
        fault_record(r->p->faults, r->malformed, &r->fctx, "%s: %d change(s), %zu bytes sent", mode,
                     changed, *len);
    return text;
}

void plat_reply_raw(struct plat_req *r, int status, const char *content_type, const char *body,
                    size_t len, int is_error)
{
    assert(r != NULL);
    plat_stat(r->p, r->route->endpoint, is_error || status >= 400);
    http_reply(r->req, status, content_type, body, len);
    req_free(r);
}

void plat_reply(struct plat_req *r, int status, cJSON *root, int is_error)
{
    assert(r != NULL);
    assert(root != NULL);
    size_t len = 0;
    char *text = print_reply(r, root, &len);
    cJSON_Delete(root);
    if (text == NULL) {
        plat_reply_raw(r, 500, "text/plain", "out of memory", 13, 1);
        return;
    }
    plat_reply_raw(r, status, "application/json", text, len, is_error);
    free(text);
}

void plat_shopee_error(struct plat_req *r, int status, const char *error, const char *message)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "error", error);
    cJSON_AddStringToObject(root, "message", message);
    cJSON_AddStringToObject(root, "request_id", r->request_id);
    plat_reply(r, status, root, 1);
}

void plat_shopee_ok_warning(struct plat_req *r, cJSON *response, cJSON *warning)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "error", "");
    cJSON_AddStringToObject(root, "message", "");
    cJSON_AddStringToObject(root, "request_id", r->request_id);
    if (warning != NULL) /* top-level, beside response (API.md 1.3) */
        cJSON_AddItemToObject(root, "warning", warning);
    if (response != NULL)
        cJSON_AddItemToObject(root, "response", response);
    plat_reply(r, 200, root, 0);
}

void plat_shopee_ok(struct plat_req *r, cJSON *response)
{
    plat_shopee_ok_warning(r, response, NULL);
}

cJSON *plat_wechat_root(void)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "errcode", 0);
    cJSON_AddStringToObject(root, "errmsg", "ok");
    return root;
}

void plat_wechat_error(struct plat_req *r, int status, int errcode, const char *errmsg)
{
    char msg[256];
    /* the real errmsg carries a request id suffix (API.md 2.1) */
    snprintf(msg, sizeof(msg), "%s rid: %.8s-%.8s-%.8s", errmsg, r->request_id, r->request_id + 8,
             r->request_id + 16);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "errcode", errcode);
    cJSON_AddStringToObject(root, "errmsg", msg);
    plat_reply(r, status, root, 1);
}

int plat_query(struct plat_req *r, const char *name, char *buf, int len)
{
    return http_req_query(r->req, name, buf, len);
}

int plat_query_int(struct plat_req *r, const char *name, int64_t *out)
{
    char buf[32];
    if (plat_query(r, name, buf, sizeof(buf)) != 0 || buf[0] == '\0')
        return -1;
    char *end = NULL;
    long long v = strtoll(buf, &end, 10);
    if (end == NULL || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* ---- authentication -------------------------------------------------------------------------- */

static int shop_by_id(const struct plat *p, int64_t shop_id, int64_t partner_id)
{
    for (int i = 0; i < p->shop_count; i++) {
        const struct shop_instance *si = &p->shops[i].si;
        if (si->flavor == FLAVOR_SHOPEE && si->shop_id == shop_id && si->partner_id == partner_id)
            return i;
    }
    return -1;
}

static int shop_by_partner(const struct plat *p, int64_t partner_id)
{
    for (int i = 0; i < p->shop_count; i++)
        if (p->shops[i].si.flavor == FLAVOR_SHOPEE && p->shops[i].si.partner_id == partner_id)
            return i;
    return -1;
}

/* Shopee common parameters (API.md 1.1). Returns 0, or -1 after answering the error. */
static int auth_shopee(struct plat_req *r, const char *path)
{
    char sign[SIGN_HEX_BYTES + 8], token[PLAT_TOKEN_BYTES_MAX + 8];
    int64_t partner_id = 0, ts = 0, shop_id = 0;
    if (plat_query(r, "sign", sign, sizeof(sign)) != 0 || sign[0] == '\0')
        return plat_shopee_error(r, 403, "error_param", "There is no sign in query."), -1;
    if (plat_query_int(r, "partner_id", &partner_id) != 0)
        return plat_shopee_error(r, 403, "error_param", "There is no partner_id in query."), -1;
    if (plat_query_int(r, "timestamp", &ts) != 0)
        return plat_shopee_error(r, 403, "error_param", "Invalid timestamp"), -1;
    int64_t now_s = simclock_now_ms(&r->p->clock) / 1000;
    if (ts < now_s - SHOPEE_TIMESTAMP_SKEW_S || ts > now_s + SHOPEE_TIMESTAMP_SKEW_S)
        return plat_shopee_error(r, 403, "error_param", "Timestamp is expired."), -1;
    int public = r->route->auth == AUTH_SHOPEE_PUBLIC;
    if (!public && (plat_query(r, "access_token", token, sizeof(token)) != 0 || token[0] == '\0'))
        return plat_shopee_error(r, 403, "error_param", "There is no access_token in query."), -1;
    if (!public && plat_query_int(r, "shop_id", &shop_id) != 0)
        return plat_shopee_error(r, 403, "error_param", "There is no shop_id in query."), -1;
    int shop = public ? shop_by_partner(r->p, partner_id) : shop_by_id(r->p, shop_id, partner_id);
    if (shop < 0)
        return plat_shopee_error(r, 403, "error_auth", "Invalid partner_id or shopid."), -1;
    char want[SIGN_HEX_BYTES];
    sign_shopee_request(r->p->shops[shop].si.partner_key, partner_id, path, ts,
                        public ? NULL : token, shop_id, want);
    if (!sign_equal(want, sign))
        return plat_shopee_error(r, 403, "error_sign", "Wrong sign."), -1;
    if (!public && tokens_check(r->p, shop, token) != 1)
        return plat_shopee_error(r, 403, "invalid_acceess_token", "Invalid access_token."), -1;
    /* a public call names no shop (the handler finds it in the body); keep the partner's */
    r->shop = public ? -1 : shop;
    r->partner_shop = shop;
    return 0;
}

static int auth_wechat(struct plat_req *r)
{
    char token[PLAT_TOKEN_BYTES_MAX + 8];
    if (plat_query(r, "access_token", token, sizeof(token)) != 0 || token[0] == '\0')
        return plat_wechat_error(r, 200, 41001, "access_token missing"), -1;
    int shop = tokens_wechat_shop(r->p, token);
    if (shop < 0)
        return plat_wechat_error(r, 200, 40001,
                                 "invalid credential, access_token is invalid or not latest"),
               -1;
    if (tokens_check(r->p, shop, token) != 1)
        return plat_wechat_error(r, 200, 42001, "access_token expired"), -1;
    r->shop = shop;
    return 0;
}

static int parse_body(struct plat_req *r)
{
    if (evhttp_request_get_command(r->req) != EVHTTP_REQ_POST)
        return 0;
    r->body = http_req_body(r->req, &r->body_len);
    if (r->body == NULL)
        return -1;
    if (r->body_len == 0)
        return 0;
    r->json = cJSON_ParseWithLength(r->body, r->body_len);
    return r->json != NULL && cJSON_IsObject(r->json) ? 0 : -1;
}

static void body_field(struct plat_req *r, const char *name, char *buf, int len)
{
    buf[0] = '\0';
    const cJSON *v = r->json != NULL ? cJSON_GetObjectItemCaseSensitive(r->json, name) : NULL;
    if (cJSON_IsString(v))
        snprintf(buf, len, "%s", v->valuestring);
    else if (cJSON_IsNumber(v))
        snprintf(buf, len, "%.0f", v->valuedouble);
}

/* The key fault decisions are made on (INTERFACES.md section 2). */
static void make_key(struct plat_req *r)
{
    const struct plat_route *rt = r->route;
    const char *shop = plat_shop_name(r->p, r->shop);
    char v[PLAT_KEY_BYTES_MAX - SHOP_NAME_BYTES_MAX - 1] = ""; /* "<shop>|<v>" fits r->key */
    if (rt->key_field != NULL) {
        if (r->json != NULL)
            body_field(r, rt->key_field, v, sizeof(v));
        else if (plat_query(r, rt->key_field, v, sizeof(v)) != 0)
            v[0] = '\0';
        char *comma = strchr(v, ','); /* a batch is keyed on its first order */
        if (comma != NULL)
            *comma = '\0';
    }
    if (v[0] != '\0') {
        snprintf(r->key, sizeof(r->key), "%s", v);
    } else if (rt->page_field != NULL) {
        if (r->json != NULL)
            body_field(r, rt->page_field, v, sizeof(v));
        else if (plat_query(r, rt->page_field, v, sizeof(v)) != 0)
            v[0] = '\0';
        snprintf(r->key, sizeof(r->key), "%s|%s", shop != NULL ? shop : "", v);
    } else {
        snprintf(r->key, sizeof(r->key), "%s|%s", shop != NULL ? shop : "", rt->endpoint);
    }
    r->fctx = (struct fault_ctx){
        .endpoint = rt->endpoint, .shop = shop, .carrier = NULL, .key = r->key, .attempt = 0};
    r->fctx.attempt = fault_next_attempt(r->p->faults, rt->endpoint, r->key);
}

/* ---- the fault gate ------------------------------------------------------------------------ */

static void drop_connection(struct plat_req *r, int rst)
{
    if (r->conn == NULL) { /* the client left already: release the detached request */
        plat_stat(r->p, r->route->endpoint, 1);
        http_reply(r->req, 500, "text/plain", "", 0);
        req_free(r);
        return;
    }
    struct evhttp_connection *conn = r->conn;
    evhttp_connection_set_closecb(conn, NULL, NULL);
    if (rst) {
        struct bufferevent *bev = evhttp_connection_get_bufferevent(conn);
        evutil_socket_t fd = bev != NULL ? bufferevent_getfd(bev) : -1;
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        if (fd >= 0)
            (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)); /* close sends RST */
    }
    plat_stat(r->p, r->route->endpoint, 1);
    req_free(r);
    evhttp_connection_free(conn); /* frees the request with it */
}

static void hold_closed_cb(struct evhttp_connection *conn, void *arg)
{
    struct plat_req *r = arg;
    assert(r->conn == conn);
    r->conn = NULL; /* evhttp detached the unanswered request; the timer releases it */
    if (r->p->stopping)
        r->req = NULL; /* evhttp_free is freeing the connection with its request */
}

static void held_unlink(struct plat_req *r)
{
    if (r->held_prev != NULL)
        r->held_prev->held_next = r->held_next;
    else
        r->p->held = r->held_next;
    if (r->held_next != NULL)
        r->held_next->held_prev = r->held_prev;
    r->held_prev = r->held_next = NULL;
}

void plat_release_held(struct plat *p)
{
    while (p->held != NULL) {
        struct plat_req *r = p->held;
        held_unlink(r);
        if (r->req != NULL && r->conn == NULL)
            evhttp_request_free(r->req); /* detached when its client left; nobody else frees it */
        req_free(r);
    }
}

static void hold_fire_cb(evutil_socket_t fd, short what, void *arg)
{
    struct plat_req *r = arg;
    assert(r->timer != NULL);
    held_unlink(r);
    event_free(r->timer);
    r->timer = NULL;
    if (r->conn != NULL)
        evhttp_connection_set_closecb(r->conn, NULL, NULL);
    if (r->hold_drop)
        drop_connection(r, r->hold_drop == 2);
    else
        r->route->handle(r);
}

/* Hold the request for ms wall milliseconds, then answer it (drop 0), close the connection (1)
 * or reset it (2). Dropping is always deferred to a timer: freeing a connection from inside its
 * own request callback would pull it from under evhttp. */
static void hold(struct plat_req *r, double ms, int drop)
{
    r->hold_drop = drop;
    r->timer = evtimer_new(r->p->base, hold_fire_cb, r);
    if (r->timer == NULL) {
        plat_reply_raw(r, 500, "text/plain", "out of memory", 13, 1);
        return;
    }
    if (r->conn != NULL)
        evhttp_connection_set_closecb(r->conn, hold_closed_cb, r);
    r->held_next = r->p->held;
    if (r->p->held != NULL)
        r->p->held->held_prev = r;
    r->p->held = r;
    if (ms < 0)
        ms = 0;
    struct timeval tv = {.tv_sec = (time_t)(ms / 1000),
                         .tv_usec = (suseconds_t)(fmod(ms, 1000.0) * 1000)};
    evtimer_add(r->timer, &tv);
}

static void reply_outage(struct plat_req *r, int status, const char *what)
{
    if (r->route->flavor == FLAVOR_SHOPEE)
        plat_shopee_error(r, status, "error_server", "System error. Please try again later.");
    else
        plat_wechat_error(r, status, -1, what);
}

static double latency_ms(struct plat_req *r, const struct fault_rule *rule)
{
    double u = fault_param_draw(r->p->faults, rule, &r->fctx, "delay");
    double lo = rule->delay_ms, hi = rule->delay_ms_max > lo ? rule->delay_ms_max : lo;
    switch (rule->dist) {
    case LATENCY_UNIFORM: return lo + u * (hi - lo);
    case LATENCY_LONG_TAIL: {
        double cap = rule->delay_ms_max > lo ? rule->delay_ms_max : lo * 100.0;
        double v = lo / pow(1.0 - u, 1.0 / PLAT_LATENCY_TAIL_ALPHA);
        return v < cap ? v : cap;
    }
    default: return lo;
    }
}

/* rate_limit: a token bucket per shop at the first active rule's rate; an empty bucket answers
 * the platform's too-many-requests error when the rule's draw fires. */
static int gate_rate_limit(struct plat_req *r)
{
    struct fault_engine *fe = r->p->faults;
    const struct fault_rule *rule = NULL;
    for (int i = 0; i < fault_engine_rule_count(fe) && rule == NULL; i++) {
        const struct fault_rule *c = fault_engine_rule(fe, i);
        if (c->kind == FAULT_RATE_LIMIT && c->rate_per_s > 0 && fault_rule_active(fe, c, &r->fctx))
            rule = c;
    }
    if (rule == NULL)
        return 0;
    struct plat_shop *s = &r->p->shops[r->shop >= 0           ? r->shop
                                       : r->partner_shop >= 0 ? r->partner_shop
                                                              : 0];
    int64_t now = mono_now_ns();
    double cap = rule->rate_per_s < 1.0 ? 1.0 : rule->rate_per_s;
    if (s->bucket_ns == 0)
        s->bucket = cap;
    else
        s->bucket += (double)(now - s->bucket_ns) / 1e9 * rule->rate_per_s;
    s->bucket = s->bucket > cap ? cap : s->bucket;
    s->bucket_ns = now;
    if (s->bucket >= 1.0) {
        s->bucket -= 1.0;
        return 0;
    }
    const struct fault_rule *hit = fault_decide(fe, FAULT_RATE_LIMIT, &r->fctx);
    if (hit == NULL)
        return 0;
    fault_record(fe, hit, &r->fctx, "over %.3g requests/s: 429", rule->rate_per_s);
    if (r->route->flavor == FLAVOR_SHOPEE)
        plat_shopee_error(
            r, 429, "error_rate_limit",
            "Too many requests. You have reached the rate limit. Please try again later.");
    else
        plat_wechat_error(r, 200, 45011,
                          "api minute-quota reach limit  mustslower  retry next minute");
    return 1;
}

/* Returns 1 when the gate consumed the request (answered, held or dropped). */
static int gate(struct plat_req *r)
{
    struct fault_engine *fe = r->p->faults;
    const struct fault_rule *f;
    if ((f = fault_decide(fe, FAULT_MAINTENANCE, &r->fctx)) != NULL) {
        int status = f->status > 0 ? f->status : r->route->flavor == FLAVOR_SHOPEE ? 503 : 200;
        fault_record(fe, f, &r->fctx, "maintenance: %d", status);
        return reply_outage(r, status, "system error"), 1;
    }
    if (gate_rate_limit(r))
        return 1;
    if ((f = fault_decide(fe, FAULT_ERROR, &r->fctx)) != NULL) {
        int status = f->status >= 400 ? f->status : 500;
        fault_record(fe, f, &r->fctx, "error: %d", status);
        return reply_outage(r, status, "system error"), 1;
    }
    if ((f = fault_decide(fe, FAULT_RESET, &r->fctx)) != NULL) {
        fault_record(fe, f, &r->fctx, "connection reset without an answer");
        return hold(r, 0, 2), 1;
    }
    if ((f = fault_decide(fe, FAULT_TIMEOUT, &r->fctx)) != NULL) {
        double ms = f->delay_ms > 0 ? f->delay_ms : PLAT_HOLD_MS_DEFAULT;
        fault_record(fe, f, &r->fctx, "held %.0f ms, then closed without an answer", ms);
        return hold(r, ms, 1), 1;
    }
    r->malformed = fault_decide(fe, FAULT_MALFORMED, &r->fctx);
    if ((f = fault_decide(fe, FAULT_LATENCY, &r->fctx)) != NULL) {
        double ms = latency_ms(r, f);
        fault_record(fe, f, &r->fctx, "delayed %.1f ms", ms);
        return hold(r, ms, 0), 1;
    }
    return 0;
}

/* ---- data faults the handlers apply ---------------------------------------------------------- */

static struct fault_ctx data_ctx(struct plat_req *r, const char *key, const char *suffix)
{
    char counter[ENDPOINT_BYTES_MAX + 16];
    snprintf(counter, sizeof(counter), "%s#%s", r->route->endpoint, suffix);
    struct fault_ctx c = r->fctx;
    c.key = key;
    c.attempt = fault_next_attempt(r->p->faults, counter, key);
    return c;
}

int64_t plat_stale_age_ms(struct plat_req *r, const char *key, const struct fault_rule **rule,
                          struct fault_ctx *ctx)
{
    if (!fault_engine_has_kind(r->p->faults, FAULT_STALE_CACHE))
        return 0;
    *ctx = data_ctx(r, key, "stale");
    *rule = fault_decide(r->p->faults, FAULT_STALE_CACHE, ctx);
    if (*rule == NULL || (*rule)->max_age_s <= 0)
        return 0;
    double u = fault_param_draw(r->p->faults, *rule, ctx, "age");
    return (int64_t)((*rule)->max_age_s * 1000.0 * (0.5 + 0.5 * u));
}

void plat_stock_drift(struct plat_req *r, int sku)
{
    if (!fault_engine_has_kind(r->p->faults, FAULT_STOCK_DRIFT) || r->shop < 0)
        return;
    char key[PLAT_KEY_BYTES_MAX];
    snprintf(key, sizeof(key), "%s|%s", plat_shop_name(r->p, r->shop), r->p->sc.catalog[sku].sku);
    struct fault_ctx c = data_ctx(r, key, "drift");
    const struct fault_rule *f = fault_decide(r->p->faults, FAULT_STOCK_DRIFT, &c);
    if (f == NULL)
        return;
    int64_t before = truth_listed(r->p->truth, r->shop, sku);
    /* drift_units is the signed change (the loader's default -5 takes 5 units away) */
    int64_t units = f->drift_units != 0 ? f->drift_units : -1;
    int64_t after = before + units < 0 ? 0 : before + units;
    if (after == before || truth_set_listed(r->p->truth, r->shop, sku, after) != TRUTH_OK)
        return; /* nothing to change: not a fault on the wire */
    fault_record(r->p->faults, f, &c, "listed stock %lld -> %lld behind the seller's back",
                 (long long)before, (long long)after);
}

/* stock_drift at an order placement: a sale outside the platform (another channel, a manual
 * edit) moves the listing of the order's first SKU on that shop, keyed on the order id, so the
 * drift happens whether or not the core reads stock. */
void plat_drift_on_order(struct plat *p, const struct truth_order *o)
{
    if (!fault_engine_has_kind(p->faults, FAULT_STOCK_DRIFT))
        return;
    const char *endpoint =
        o->flavor == FLAVOR_SHOPEE ? "product/get_model_list" : "product/stock/get";
    struct fault_ctx c = {.endpoint = endpoint, .shop = plat_shop_name(p, o->shop), .key = o->id};
    c.attempt = fault_next_attempt(p->faults, "product#order_drift", o->id);
    const struct fault_rule *f = fault_decide(p->faults, FAULT_STOCK_DRIFT, &c);
    if (f == NULL)
        return;
    int sku = o->lines[0].sku;
    int64_t before = truth_listed(p->truth, o->shop, sku);
    int64_t units = f->drift_units != 0 ? f->drift_units : -1;
    int64_t after = before + units < 0 ? 0 : before + units;
    if (after == before || truth_set_listed(p->truth, o->shop, sku, after) != TRUTH_OK)
        return;
    fault_record(p->faults, f, &c, "listed %s %lld -> %lld behind the seller's back",
                 p->sc.catalog[sku].sku, (long long)before, (long long)after);
}

int plat_list_fault(struct plat_req *r, const char *order_id)
{
    struct fault_engine *fe = r->p->faults;
    if (!fault_engine_has_kind(fe, FAULT_LOST_ORDER) &&
        !fault_engine_has_kind(fe, FAULT_DUPLICATE_ORDER))
        return 0;
    struct fault_ctx c = data_ctx(r, order_id, "list");
    const struct fault_rule *f = fault_decide(fe, FAULT_LOST_ORDER, &c);
    if (f != NULL) {
        fault_record(fe, f, &c, "left out of a list page");
        return 1;
    }
    f = fault_decide(fe, FAULT_DUPLICATE_ORDER, &c);
    if (f != NULL) {
        fault_record(fe, f, &c, "repeated in a list page");
        return 2;
    }
    return 0;
}

/* ---- dispatch -------------------------------------------------------------------------------- */

static const struct plat_route *route_find(const char *path)
{
    const struct plat_route *tables[] = {shopee_routes, wechat_routes};
    for (size_t t = 0; t < ARRAY_LEN(tables); t++)
        for (const struct plat_route *rt = tables[t]; rt->path != NULL; rt++)
            if (strcmp(rt->path, path) == 0)
                return rt;
    return NULL;
}

static void api_call(struct plat *p, struct evhttp_request *req, const struct plat_route *rt,
                     const char *path)
{
    struct plat_req *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        http_reply_text(req, 500, "out of memory");
        return;
    }
    r->p = p;
    r->req = req;
    r->conn = evhttp_request_get_connection(req);
    r->route = rt;
    r->shop = -1;
    r->partner_shop = -1;
    uint64_t serial = ++p->request_serial;
    snprintf(r->request_id, sizeof(r->request_id), "%016llx%016llx",
             (unsigned long long)hash_mix64(serial ^ p->sc.seed),
             (unsigned long long)hash_mix64(~serial));
    if (parse_body(r) != 0) {
        if (rt->flavor == FLAVOR_SHOPEE)
            plat_shopee_error(r, 400, "error_param", "Invalid request body: not a JSON object.");
        else
            plat_wechat_error(r, 200, 47001, "data format error");
        return;
    }
    if (rt->auth == AUTH_SHOPEE_SHOP || rt->auth == AUTH_SHOPEE_PUBLIC) {
        if (auth_shopee(r, path) != 0)
            return;
    } else if (rt->auth == AUTH_WECHAT && auth_wechat(r) != 0) {
        return;
    }
    make_key(r);
    if (gate(r))
        return;
    rt->handle(r);
}

void plat_dispatch(struct evhttp_request *req, void *arg)
{
    struct plat *p = arg;
    char path[HTTP_URL_BYTES_MAX];
    http_req_path(req, path, sizeof(path));
    const struct plat_route *rt = route_find(path);
    if (strcmp(path, "/healthz") == 0) {
        http_reply_text(req, 200, "ok\n");
    } else if (strcmp(path, "/metrics") == 0) {
        control_metrics(p, req);
    } else if (strncmp(path, "/__sim/", 7) == 0) {
        control_handle(p, req, path);
    } else if (rt != NULL) {
        api_call(p, req, rt, path);
    } else if (strncmp(path, "/api/v2/", 8) == 0) {
        plat_stat(p, "unknown", 1);
        http_reply_json(req, 404,
                        "{\"error\":\"error_not_found\",\"message\":"
                        "\"Unknown API path.\",\"request_id\":\"\"}");
    } else {
        plat_stat(p, "unknown", 1);
        http_reply_json(req, 404, "{\"errcode\":-1,\"errmsg\":\"unknown api path\"}");
    }
}
