/* Push verification and handling. */
#include "core/push.h"

#include <cjson/cJSON.h>
#include <event2/http.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_server.h"
#include "common/json.h"
#include "common/log.h"
#include "core/ingest.h"
#include "core/lost.h"
#include "core/metrics.h"
#include "core/sig.h"

#define PUSH_URL_BYTES_MAX 512
#define PUSH_PARAM_BYTES_MAX 256
#define PUSH_PLAIN_BYTES_MAX (64 * 1024)

int push_shopee_sig_ok(const char *key, const char *url, const char *body, size_t len,
                       const char *auth)
{
#ifdef SYNCD_SABOTAGE_NO_SIGNATURE_CHECK /* test-only (tests/sabotage): trust every push */
    (void)key, (void)url, (void)body, (void)len, (void)auth;
    return 1;
#endif
    char sign[80];
    size_t ulen = strlen(url);
    char *msg = malloc(ulen + 1 + len + 1);
    int ok = 0;
    if (msg == NULL || auth == NULL) {
        free(msg);
        return 0;
    }
    memcpy(msg, url, ulen);
    msg[ulen] = '|';
    memcpy(msg + ulen + 1, body, len);
    if (sig_hmac_sha256_hex(key, msg, ulen + 1 + len, sign, sizeof(sign)) == 0) {
        ok = sig_equal(sign, auth, 1);
    }
    if (!ok && sig_hmac_sha256_hex(key, body, len, sign, sizeof(sign)) == 0) {
        ok = sig_equal(sign, auth, 1); /* the body-only variant some clients use (API.md 1.5) */
    }
    free(msg);
    return ok;
}

int push_wechat_order_id(const char *json, char *out, int out_len)
{
    const char *p = strstr(json, "\"order_id\"");
    if (p == NULL) {
        return -1;
    }
    p += strlen("\"order_id\"");
    while (*p == ' ' || *p == ':' || *p == '"') {
        p++;
    }
    int n = 0;
    while (p[n] >= '0' && p[n] <= '9' && n < out_len - 1) {
        out[n] = p[n];
        n++;
    }
    out[n] = '\0';
    return n > 0 && n < ORDER_ID_BYTES_MAX ? 0 : -1;
}

int push_wechat_decrypt(const char *aes_key, const char *encrypt, char *out, int out_len)
{
    unsigned char key[64], *raw = NULL, *plain = NULL;
    char padded[64];
    int rc = -1, len = 0, fin = 0;
    size_t elen = strlen(encrypt);
    if (strlen(aes_key) != 43) {
        return -1;
    }
    snprintf(padded, sizeof(padded), "%s=", aes_key);
    if (EVP_DecodeBlock(key, (const unsigned char *)padded, 44) < 32 || elen % 4 != 0) {
        return -1;
    }
    raw = malloc(elen);
    plain = malloc(elen + 32);
    EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
    if (raw == NULL || plain == NULL || cx == NULL) {
        goto done;
    }
    int rlen = EVP_DecodeBlock(raw, (const unsigned char *)encrypt, (int)elen);
    rlen -= (elen >= 1 && encrypt[elen - 1] == '=') + (elen >= 2 && encrypt[elen - 2] == '=');
    if (rlen <= 0 || rlen % 16 != 0 ||
        EVP_DecryptInit_ex(cx, EVP_aes_256_cbc(), NULL, key, key) != 1 ||
        EVP_CIPHER_CTX_set_padding(cx, 0) != 1 ||
        EVP_DecryptUpdate(cx, plain, &len, raw, rlen) != 1 ||
        EVP_DecryptFinal_ex(cx, plain + len, &fin) != 1) {
        goto done;
    }
    len += fin;
    int pad = len > 0 ? plain[len - 1] : 0;
    if (pad < 1 || pad > 32 || pad > len || len - pad < 20) {
        goto done;
    }
    len -= pad;
    unsigned msg_len = (unsigned)plain[16] << 24 | (unsigned)plain[17] << 16 |
                       (unsigned)plain[18] << 8 | plain[19];
    if (msg_len > (unsigned)(len - 20) || msg_len >= (unsigned)out_len) {
        goto done;
    }
    memcpy(out, plain + 20, msg_len);
    out[msg_len] = '\0';
    rc = 0;
done:
    EVP_CIPHER_CTX_free(cx);
    free(raw);
    free(plain);
    return rc;
}

/* The order a refused push names (unverified: journaled as what the push claims, so a forged
 * push can be traced to the order it tried to change), or "". */
static void claimed_order(const char *body, size_t len, char *out, int out_len)
{
    char err[ERR_BYTES_MAX];
    out[0] = '\0';
    if (push_wechat_order_id(body, out, out_len) == 0) {
        return;
    }
    out[0] = '\0';
    cJSON *doc = json_parse(body, len, err, sizeof(err));
    const cJSON *sn =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "data"), "ordersn");
    if (cJSON_IsString(sn) && plat_id_ok(sn->valuestring)) {
        snprintf(out, (size_t)out_len, "%s", sn->valuestring);
    }
    json_delete(doc);
}

static void reject_order(struct core *c, struct evhttp_request *req, enum evidence_kind kind,
                         const char *shop, const char *why, const char *order_id)
{
    char name[64];
    core_evidence(c, kind, order_id, "a verified push", why, "push to %s", shop);
    snprintf(name, sizeof(name), "push_rejected_%s", evidence_kind_name(kind));
    metrics_inc(c->metrics, name);
    http_reply_json(req, kind == EVK_BAD_SIGNATURE ? 401 : 400,
                    "{\"error\":\"rejected\",\"message\":\"push not accepted\"}");
}

static void reject(struct core *c, struct evhttp_request *req, enum evidence_kind kind,
                   const char *shop, const char *why)
{
    reject_order(c, req, kind, shop, why, "");
}

/* A push whose signature failed: journaled with the order it claims. */
static void reject_forged(struct core *c, struct evhttp_request *req, const char *shop,
                          const char *why, const char *body, size_t len)
{
    char claimed[ORDER_ID_BYTES_MAX];
    claimed_order(body, len, claimed, sizeof(claimed));
    reject_order(c, req, EVK_BAD_SIGNATURE, shop, why, claimed);
}

/* 1 when this exact body was taken before (journaled as duplicate_push). */
static int duplicate(struct core *c, const char *body, size_t len, const char *order_id)
{
    char digest[80];
    if (sig_hmac_sha256_hex("push-digest", body, len, digest, sizeof(digest)) != 0) {
        return 0;
    }
    int seen = store_push_seen(c->store, digest, core_now_ms(c));
    if (seen < 0) {
        core_fatal_store(c, "push digest");
    }
    if (seen == 1) {
        core_evidence(c, EVK_DUPLICATE_PUSH, order_id, "one delivery", "delivered again", "push");
    }
    return seen == 1;
}

int push_fresh(double ts_s, double now_s)
{
    return ts_s > now_s - PUSH_FRESH_S && ts_s < now_s + PUSH_FRESH_S;
}

static int fresh(struct core *c, double ts_s)
{
    return push_fresh(ts_s, (double)core_now_ms(c) / 1000.0);
}

int push_wechat_verify(const char *token, const char *ts, const char *nonce, const char *msg_sig,
                       const char *signed_text, double now_s, const char **why)
{
    char want[64], *end = NULL;
    double ts_s = strtod(ts, &end);
    const char *parts[4] = {token, ts, nonce, signed_text};
    *why = "msg_signature does not match";
    if (end == ts || *end != '\0') {
        *why = "timestamp is not a number";
        return 0;
    }
    if (sig_wechat(parts, 4, want, sizeof(want)) != 0 || !sig_equal(want, msg_sig, 1)) {
        return 0;
    }
    if (!push_fresh(ts_s, now_s)) {
        *why = "stale timestamp";
        return 0;
    }
    return 1;
}

static void shopee_body(struct core *c, struct evhttp_request *req, int shop, const char *body,
                        size_t len)
{
    const struct shop_cfg *sc = &c->cfg->shops[shop];
    char err[ERR_BYTES_MAX];
    cJSON *doc = json_parse(body, len, err, sizeof(err));
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(doc, "code");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(doc, "data");
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(doc, "shop_id");
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(doc, "timestamp");
    const cJSON *sn = cJSON_GetObjectItemCaseSensitive(data, "ordersn");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(data, "status");
    if (!cJSON_IsNumber(code) || !cJSON_IsObject(data)) {
        reject(c, req, EVK_MALFORMED_BODY, sc->name, "no code or data");
    } else if ((int)json_i64(code, 0) == 0) {
        http_reply(req, 200, "text/plain", "", 0); /* URL verification */
    } else if (!cJSON_IsNumber(sid) || json_i64(sid, 0) != sc->shop_id) {
        reject(c, req, EVK_BAD_SIGNATURE, sc->name, "shop_id of another shop");
    } else if (!cJSON_IsNumber(ts) || !fresh(c, ts->valuedouble)) {
        reject_forged(c, req, sc->name, "missing or stale timestamp", body, len);
    } else if (!cJSON_IsString(sn) || !plat_id_ok(sn->valuestring)) {
        reject(c, req, EVK_MALFORMED_BODY, sc->name, "bad ordersn");
    } else {
        if (!duplicate(c, body, len, sn->valuestring)) {
            ingest_seen(c, shop, sn->valuestring, cJSON_IsString(st) ? st->valuestring : NULL,
                        SRC_PUSH);
        }
        const cJSON *ut = cJSON_GetObjectItemCaseSensitive(data, "update_time");
        lost_push_seen(c, sn->valuestring,
                       (cJSON_IsNumber(ut) ? json_i64(ut, 0) : json_i64(ts, 0)));
        core_reply_durable(c, req, 200, "text/plain", "");
    }
    json_delete(doc);
}

void push_shopee(struct core *c, struct evhttp_request *req, const char *shop_name)
{
    int shop = core_shop_index(c, shop_name);
    if (shop < 0 || c->cfg->shops[shop].flavor != FLAVOR_SHOPEE) {
        http_reply_json(req, 404, "{\"error\":\"not_found\",\"message\":\"no such shop\"}");
        return;
    }
    size_t len = 0;
    char *body = http_req_body(req, &len);
    if (body == NULL) {
        reject(c, req, EVK_MALFORMED_BODY, shop_name, "body too large or missing");
        return;
    }
    char url[PUSH_URL_BYTES_MAX], host_url[PUSH_URL_BYTES_MAX];
    const char *host = http_req_header(req, "Host");
    snprintf(url, sizeof(url), "%s/push/shopee/%s", c->cfg->push_base_url, shop_name);
    snprintf(host_url, sizeof(host_url), "http://%s/push/shopee/%s", host != NULL ? host : "",
             shop_name);
    const char *auth = http_req_header(req, "Authorization");
    const char *key = c->cfg->shops[shop].partner_key;
    if (!push_shopee_sig_ok(key, url, body, len, auth) &&
        !push_shopee_sig_ok(key, host_url, body, len, auth)) {
        reject_forged(c, req, shop_name, "Authorization does not match", body, len);
    } else {
        shopee_body(c, req, shop, body, len);
    }
    free(body);
}

/* The URL check's signature = sha1(sort(token, timestamp, nonce)), with a fresh timestamp. */
static int wechat_sig(struct core *c, const struct shop_cfg *sc, struct evhttp_request *req)
{
    char ts[PUSH_PARAM_BYTES_MAX], nonce[PUSH_PARAM_BYTES_MAX], got[PUSH_PARAM_BYTES_MAX];
    char want[64], *end = NULL;
    if (http_req_query(req, "timestamp", ts, sizeof(ts)) != 0 ||
        http_req_query(req, "nonce", nonce, sizeof(nonce)) != 0 ||
        http_req_query(req, "signature", got, sizeof(got)) != 0) {
        return 0;
    }
    const char *parts[3] = {sc->push_token, ts, nonce};
    if (sig_wechat(parts, 3, want, sizeof(want)) != 0) {
        return 0;
    }
    double ts_s = strtod(ts, &end);
    return sig_equal(want, got, 1) && end != ts && *end == '\0' && fresh(c, ts_s);
}

/* An event's msg_signature covers the text it carries (the body, or Encrypt in AES mode):
 * `signature` alone does not, so a body changed on the way would pass with it. */
static int wechat_msg_sig(struct core *c, const struct shop_cfg *sc, struct evhttp_request *req,
                          const char *signed_text, const char **why)
{
#ifdef SYNCD_SABOTAGE_NO_SIGNATURE_CHECK /* test-only (tests/sabotage): trust every push */
    (void)c, (void)sc, (void)req, (void)signed_text, (void)why;
    return 1;
#endif
    char ts[PUSH_PARAM_BYTES_MAX], nonce[PUSH_PARAM_BYTES_MAX], got[PUSH_PARAM_BYTES_MAX];
    if (http_req_query(req, "timestamp", ts, sizeof(ts)) != 0 ||
        http_req_query(req, "nonce", nonce, sizeof(nonce)) != 0 ||
        http_req_query(req, "msg_signature", got, sizeof(got)) != 0) {
        *why = "no timestamp, nonce or msg_signature";
        return 0;
    }
    return push_wechat_verify(sc->push_token, ts, nonce, got, signed_text,
                              (double)core_now_ms(c) / 1000.0, why);
}

/* The platform time of an event (CreateTime), sim s; now when it carries none. */
static int64_t event_time(struct core *c, const char *event)
{
    char err[ERR_BYTES_MAX];
    cJSON *doc = json_parse(event, strlen(event), err, sizeof(err));
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(doc, "CreateTime");
    int64_t s = json_i64(t, core_now_ms(c) / 1000);
    json_delete(doc);
    return s;
}

static void wechat_event(struct core *c, struct evhttp_request *req, int shop, const char *body,
                         size_t len)
{
    const struct shop_cfg *sc = &c->cfg->shops[shop];
    char err[ERR_BYTES_MAX], order_id[ORDER_ID_BYTES_MAX];
    char *plain = NULL;
    cJSON *doc = json_parse(body, len, err, sizeof(err));
    const cJSON *enc = cJSON_GetObjectItemCaseSensitive(doc, "Encrypt");
    const char *event = body;
    const char *why = "";
    if (doc == NULL) {
        reject(c, req, EVK_MALFORMED_BODY, sc->name, "not JSON");
        goto done;
    }
    if (cJSON_IsString(enc)) {
        if (!wechat_msg_sig(c, sc, req, enc->valuestring, &why)) {
            reject(c, req, EVK_BAD_SIGNATURE, sc->name, why);
            goto done;
        }
        plain = malloc(PUSH_PLAIN_BYTES_MAX);
        if (plain == NULL || sc->aes_key[0] == '\0' ||
            push_wechat_decrypt(sc->aes_key, enc->valuestring, plain, PUSH_PLAIN_BYTES_MAX) != 0) {
            /* verified but unreadable here: polling will see the change */
            http_reply_text(req, 200, "success");
            goto done;
        }
        event = plain;
    } else if (!wechat_msg_sig(c, sc, req, body, &why)) {
        reject_forged(c, req, sc->name, why, body, len);
        goto done;
    }
    if (push_wechat_order_id(event, order_id, sizeof(order_id)) != 0) {
        http_reply_text(req, 200, "success"); /* an event without an order: nothing to do */
        goto done;
    }
    if (!duplicate(c, body, len, order_id)) {
        ingest_seen(c, shop, order_id, NULL, SRC_PUSH);
    }
    lost_push_seen(c, order_id, event_time(c, event));
    core_reply_durable(c, req, 200, "text/plain; charset=utf-8", "success");
done:
    free(plain);
    json_delete(doc);
}

void push_wechat(struct core *c, struct evhttp_request *req, const char *shop_name)
{
    int shop = core_shop_index(c, shop_name);
    if (shop < 0 || c->cfg->shops[shop].flavor != FLAVOR_WECHAT) {
        http_reply_json(req, 404, "{\"errcode\":404,\"errmsg\":\"no such shop\"}");
        return;
    }
    const struct shop_cfg *sc = &c->cfg->shops[shop];
    if (evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
        char echo[PUSH_PARAM_BYTES_MAX];
        if (!wechat_sig(c, sc, req) || http_req_query(req, "echostr", echo, sizeof(echo)) != 0) {
            reject(c, req, EVK_BAD_SIGNATURE, shop_name, "URL check signature");
            return;
        }
        http_reply_text(req, 200, echo);
        return;
    }
    size_t len = 0;
    char *body = http_req_body(req, &len);
    if (body == NULL) {
        reject(c, req, EVK_MALFORMED_BODY, shop_name, "body too large or missing");
        return;
    }
    wechat_event(c, req, shop, body, len);
    free(body);
}
