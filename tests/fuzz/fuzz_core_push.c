/* Fuzz target: syncd's push handlers (sim/core/push.c, tracking.c) behind and in front of their
 * signature checks, and the pure helpers they use. Byte 0 picks the mode:
 *   0-4  pure helpers: push_shopee_sig_ok (a right signature passes, a changed body fails),
 *        push_wechat_order_id, push_wechat_decrypt, sig_urldecode, sig_urlencode_plus round trip;
 *   5    POST /push/shopee/<shop>, raw: Authorization, Host and body from the input;
 *   6    the same, the fuzzed body signed by the harness with the shop's partner_key (so the body
 *        parser and the push handling behind the check run);
 *   7    POST /push/wechat/<shop>, raw: query and body from the input;
 *   8    the same, signed: msg_signature over the body (or its Encrypt) with a fresh timestamp;
 *   9    the same, the fuzzed event encrypted (WXBizMsgCrypt) with the shop's EncodingAESKey;
 *   10   GET /push/wechat/<shop> (URL check), raw query;  11  the same, signed, echostr fuzzed;
 *   12   POST /push/kuaidi100, raw form body;
 *   13   the same, the fuzzed param signed with the tracking salt (so the tracking validator,
 *        apply_result/apply_event, runs on a parcel the store knows).
 * For the handler modes byte 1 is a variant (shop, signing key or timestamp), the rest is the
 * input. Each handler runs on a real syncd core (its SQLite store emptied per input, a few known
 * orders and a parcel) with an evhttp request built in memory; a request libevent frees when it is
 * answered, so an unanswered push leaks and a double answer is a use after free (ASan). Checked:
 * a push not signed with the right secret changes no order, job, parcel or tracking event; a
 * signed one adds at most one order, with a safe id; no known order moves backwards; delivering
 * the same signed push again changes nothing. */
#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "common/json.h"
#include "core/push.h"
#include "core/sig.h"
#include "core_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define PARTS_MAX 4
#define MODES 14
#define FUZZ_NONCE "1234567"
#define FUZZ_HOST "localhost:9100" /* a Host other than push_base_url's (host_url variant) */

static int initialized;

/* --- pure helpers (modes 0-4) ----------------------------------------------------------------- */

/* Split text (modified) at '\n' into at most PARTS_MAX strings; missing ones are "". */
static void split(char *text, char **parts)
{
    int n = 0;
    parts[n++] = text;
    for (char *p = text; *p != '\0' && n < PARTS_MAX; p++) {
        if (*p == '\n') {
            *p = '\0';
            parts[n++] = p + 1;
        }
    }
    static char empty[] = "";
    while (n < PARTS_MAX) {
        parts[n++] = empty;
    }
}

static void shopee_sig(char **parts)
{
    const char *key = parts[0], *url = parts[1], *body = parts[2];
    size_t len = strlen(body);
    (void)push_shopee_sig_ok(key, url, body, len, parts[3]);
    /* The real signature over url|body must pass; over a changed body it must fail. */
    size_t msg_len = strlen(url) + 1 + len;
    char *msg = malloc(msg_len + 1);
    assert(msg != NULL);
    memcpy(msg, url, strlen(url));
    msg[strlen(url)] = '|';
    memcpy(msg + strlen(url) + 1, body, len + 1);
    char auth[80];
    if (sig_hmac_sha256_hex(key, msg, msg_len, auth, sizeof(auth)) == 0) {
        assert(push_shopee_sig_ok(key, url, body, len, auth) == 1);
        if (len > 0) {
            char *changed = malloc(len + 1);
            assert(changed != NULL);
            memcpy(changed, body, len + 1);
            changed[0] = (char)(changed[0] ^ 1);
            assert(push_shopee_sig_ok(key, url, changed, len, auth) == 0);
            free(changed);
        }
    }
    free(msg);
}

static void pure(int mode, char *text, size_t size)
{
    char *parts[PARTS_MAX];
    char out[4096];
    switch (mode) {
    case 0:
        split(text, parts);
        shopee_sig(parts);
        break;
    case 1:
        if (push_wechat_order_id(text, out, 64) == 0) {
            assert(strlen(out) < 64);
        }
        break;
    case 2:
        split(text, parts);
        if (push_wechat_decrypt(parts[0], parts[1], out, (int)sizeof(out)) == 0) {
            assert(strlen(out) < sizeof(out));
        }
        break;
    case 3: {
        size_t before = strlen(text);
        if (sig_urldecode(text) == 0) {
            assert(strlen(text) <= before);
        }
        break;
    }
    default: {
        char *enc = malloc(3 * size + 1);
        assert(enc != NULL);
        if (sig_urlencode_plus(text, enc, 3 * size + 1) == 0) {
            assert(sig_urldecode(enc) == 0);
            assert(strcmp(enc, text) == 0); /* decode(encode(s)) == s */
        }
        free(enc);
        break;
    }
    }
}

/* --- requests --------------------------------------------------------------------------------- */

enum handler { H_SHOPEE, H_WECHAT, H_K100 };

/* One push as the harness sends it (twice: platforms re-send). */
struct push {
    enum handler handler;
    enum evhttp_cmd_type type;
    const char *shop;
    char *uri;
    char *auth; /* Authorization, or NULL */
    char *host; /* Host, or NULL */
    char *body;
    size_t body_len;
    int authentic; /* signed with the right secret and a fresh timestamp, to a shop of its kind */
};

static char *dup_bytes(const void *p, size_t len)
{
    char *s = malloc(len + 1);
    assert(s != NULL);
    if (len > 0) {
        memcpy(s, p, len);
    }
    s[len] = '\0';
    return s;
}

static char *cat(const char *a, const char *b, const char *c, const char *d)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c), ld = strlen(d);
    char *s = malloc(la + lb + lc + ld + 1);
    assert(s != NULL);
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc);
    memcpy(s + la + lb + lc, d, ld + 1);
    return s;
}

static char *form_encode(const char *s)
{
    size_t cap = strlen(s) * 3 + 1;
    char *out = malloc(cap);
    assert(out != NULL);
    assert(sig_urlencode_plus(s, out, cap) == 0);
    return out;
}

/* Cut in at the first '\n': *head is the part before (NUL-terminated copy), the rest follows. */
static const char *take_line(const char *in, size_t *len, char **head)
{
    const char *nl = memchr(in, '\n', *len);
    size_t n = nl != NULL ? (size_t)(nl - in) : *len;
    *head = dup_bytes(in, n);
    *len -= nl != NULL ? n + 1 : n;
    return nl != NULL ? nl + 1 : in + n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* sha1 hex of the sorted concatenation (WeChat), written here apart from sig_wechat. */
static void wechat_sign(const char *token, const char *ts, const char *nonce, const char *text,
                        char *out, int out_len)
{
    const char *parts[4] = {token, ts, nonce, text};
    int n = text != NULL ? 4 : 3;
    qsort(parts, (size_t)n, sizeof(parts[0]), cmp_str);
    char *all = cat(parts[0], parts[1], parts[2], n == 4 ? parts[3] : "");
    assert(sig_sha1_hex(all, strlen(all), out, out_len) == 0);
    free(all);
}

/* The shop a handler mode is sent to: its own, one of the other flavor, an unknown name, or the
 * WeChat shop without an EncodingAESKey. */
static const char *shop_of(int variant, int wechat)
{
    switch ((variant >> 4) & 3) {
    case 0: return wechat ? env_shops[1] : env_shops[0];
    case 1: return wechat ? env_shops[0] : env_shops[1];
    case 2: return env_shops[3];
    default: return wechat ? env_shops[2] : env_shops[0];
    }
}

static void shopee_push(struct push *p, int raw, int variant, const char *in, size_t len)
{
    char path[128], auth[80];
    p->handler = H_SHOPEE;
    p->type = EVHTTP_REQ_POST;
    p->shop = shop_of(variant, 0);
    snprintf(path, sizeof(path), "/push/shopee/%s", p->shop);
    p->uri = dup_bytes(path, strlen(path));
    if (raw) { /* Authorization \n Host \n body */
        in = take_line(in, &len, &p->auth);
        in = take_line(in, &len, &p->host);
        p->body = dup_bytes(in, len);
        p->body_len = len;
        return;
    }
    p->body = dup_bytes(in, len);
    p->body_len = len;
    const char *key = env_cfg.shops[0].partner_key, *base = ENV_PUSH_BASE;
    switch (variant & 3) {
    case 0: break;
    case 1: base = NULL; break;                /* the body-only signature */
    case 2: base = "http://" FUZZ_HOST; break; /* signed for the Host it came to */
    default: key = "not-the-partner-key"; break;
    }
    char *prefix = base != NULL ? cat(base, path, "|", "") : cat("", "", "", "");
    size_t plen = strlen(prefix);
    char *msg = malloc(plen + len + 1);
    assert(msg != NULL);
    memcpy(msg, prefix, plen);
    memcpy(msg + plen, in, len);
    assert(sig_hmac_sha256_hex(key, msg, plen + len, auth, sizeof(auth)) == 0);
    p->auth = dup_bytes(auth, strlen(auth));
    p->host = dup_bytes(FUZZ_HOST, strlen(FUZZ_HOST));
    p->authentic = (variant & 3) != 3 && strcmp(p->shop, env_shops[0]) == 0;
    free(prefix);
    free(msg);
}

/* timestamp, nonce, signature (and msg_signature over text) for a WeChat shop. */
static char *wechat_query(int variant, const char *text, const char *extra, int *fresh)
{
    char ts[32], sig[64], msg_sig[64];
    const char *token = env_cfg.shops[1].push_token;
    int64_t now_s = core_now_ms(&env_core) / 1000;
    switch (variant & 3) {
    case 0: snprintf(ts, sizeof(ts), "%lld", (long long)now_s); break;
    case 1: snprintf(ts, sizeof(ts), "%lld", (long long)(now_s - PUSH_FRESH_S + 100)); break;
    case 2: snprintf(ts, sizeof(ts), "%lld", (long long)(now_s - PUSH_FRESH_S - 100)); break;
    default: snprintf(ts, sizeof(ts), "%lldx", (long long)now_s); break;
    }
    *fresh = (variant & 3) < 2;
    wechat_sign(token, ts, FUZZ_NONCE, NULL, sig, sizeof(sig));
    char head[512];
    snprintf(head, sizeof(head), "signature=%s&timestamp=%s&nonce=%s&encrypt_type=%s", sig, ts,
             FUZZ_NONCE, text != NULL ? "plain" : "aes");
    if (text == NULL) {
        return cat(head, extra, "", "");
    }
    wechat_sign(token, ts, FUZZ_NONCE, text, msg_sig, sizeof(msg_sig));
    return cat(head, "&msg_signature=", msg_sig, extra);
}

static void wechat_uri(struct push *p, const char *query)
{
    char path[128];
    snprintf(path, sizeof(path), "/push/wechat/%s?", p->shop);
    p->uri = cat(path, query, "", "");
}

/* WXBizMsgCrypt: base64(AES-256-CBC(random16 | len32 | msg | appid, PKCS#7 to 32)), iv key[:16]. */
static char *wechat_encrypt(const char *msg, size_t len)
{
    unsigned char key[64];
    char padded[64];
    snprintf(padded, sizeof(padded), "%s=", ENV_AES_KEY);
    assert(EVP_DecodeBlock(key, (const unsigned char *)padded, 44) >= 32);
    size_t alen = strlen(ENV_APPID), n = 20 + len + alen, pad = 32 - n % 32;
    unsigned char *plain = malloc(n + pad), *enc = malloc(n + pad + 32);
    assert(plain != NULL && enc != NULL);
    memcpy(plain, "0123456789abcdef", 16);
    plain[16] = (unsigned char)(len >> 24);
    plain[17] = (unsigned char)(len >> 16);
    plain[18] = (unsigned char)(len >> 8);
    plain[19] = (unsigned char)len;
    memcpy(plain + 20, msg, len);
    memcpy(plain + 20 + len, ENV_APPID, alen);
    memset(plain + n, (int)pad, pad);
    EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
    int out = 0, fin = 0;
    assert(cx != NULL);
    assert(EVP_EncryptInit_ex(cx, EVP_aes_256_cbc(), NULL, key, key) == 1);
    assert(EVP_CIPHER_CTX_set_padding(cx, 0) == 1);
    assert(EVP_EncryptUpdate(cx, enc, &out, plain, (int)(n + pad)) == 1);
    assert(EVP_EncryptFinal_ex(cx, enc + out, &fin) == 1);
    EVP_CIPHER_CTX_free(cx);
    char *b64 = malloc(((size_t)(out + fin) + 2) / 3 * 4 + 1);
    assert(b64 != NULL);
    EVP_EncodeBlock((unsigned char *)b64, enc, out + fin);
    free(plain);
    free(enc);
    return b64;
}

static void wechat_push(struct push *p, int mode, int variant, const char *in, size_t len)
{
    int fresh = 0;
    char *q = NULL;
    p->handler = H_WECHAT;
    p->type = mode >= 10 ? EVHTTP_REQ_GET : EVHTTP_REQ_POST;
    p->shop = shop_of(variant, 1);
    switch (mode) {
    case 7: /* query \n body */
        in = take_line(in, &len, &q);
        p->body = dup_bytes(in, len);
        p->body_len = len;
        break;
    case 8: { /* msg_signature over what syncd checks: Encrypt when present, else the body */
        char err[ERR_BYTES_MAX];
        p->body = dup_bytes(in, len);
        p->body_len = len;
        cJSON *doc = json_parse(p->body, len, err, sizeof(err));
        const cJSON *enc = cJSON_GetObjectItemCaseSensitive(doc, "Encrypt");
        q = wechat_query(variant, cJSON_IsString(enc) ? enc->valuestring : p->body, "", &fresh);
        json_delete(doc);
        break;
    }
    case 9: {
        char *enc = wechat_encrypt(in, len);
        p->body = cat("{\"ToUserName\":\"gh_fuzz\",\"Encrypt\":\"", enc, "\"}", "");
        p->body_len = strlen(p->body);
        q = wechat_query(variant, enc, "", &fresh);
        free(enc);
        break;
    }
    case 10: q = dup_bytes(in, len); break;
    default: {
        char *echo = dup_bytes(in, len), *enc = form_encode(echo);
        char *extra = cat("&echostr=", enc, "", "");
        q = wechat_query(variant, NULL, extra, &fresh);
        free(echo);
        free(enc);
        free(extra);
        break;
    }
    }
    wechat_uri(p, q);
    free(q);
    p->authentic =
        fresh && strcmp(p->shop, env_shops[0]) != 0 && strcmp(p->shop, env_shops[3]) != 0;
}

static void k100_push(struct push *p, int raw, int variant, const char *in, size_t len)
{
    char sign[40];
    p->handler = H_K100;
    p->type = EVHTTP_REQ_POST;
    p->shop = "";
    p->uri = dup_bytes("/push/kuaidi100", strlen("/push/kuaidi100"));
    if (raw) {
        p->body = dup_bytes(in, len);
        p->body_len = len;
        return;
    }
    char *param = dup_bytes(in, len); /* a form value ends at NUL */
    const char *salt = (variant & 2) != 0 ? "not-the-salt" : env_cfg.tracking_salt;
    char *text = cat(param, salt, "", "");
    assert(sig_md5_upper_hex(text, strlen(text), sign, sizeof(sign)) == 0);
    if ((variant & 4) != 0) { /* hex compares case-insensitively */
        for (char *s = sign; *s != '\0'; s++) {
            *s = (char)(*s >= 'A' && *s <= 'F' ? *s - 'A' + 'a' : *s);
        }
    }
    char *enc = form_encode(param);
    char *sign_field = cat("sign=", sign, "", "");
    char *param_field = cat("param=", enc, "", "");
    p->body = (variant & 1) != 0 ? cat(sign_field, "&", param_field, "&salt=")
                                 : cat(param_field, "&", sign_field, "");
    p->body_len = strlen(p->body);
    p->authentic = (variant & 2) == 0;
    free(param);
    free(text);
    free(enc);
    free(sign_field);
    free(param_field);
}

static void deliver(const struct push *p)
{
    struct evhttp_request *req = evhttp_request_new(NULL, NULL);
    assert(req != NULL);
    req->kind = EVHTTP_REQUEST;
    req->type = p->type;
    req->major = 1;
    req->minor = 1;
    req->uri = dup_bytes(p->uri, strlen(p->uri));
    req->uri_elems = evhttp_uri_parse_with_flags(p->uri, EVHTTP_URI_NONCONFORMANT);
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    /* evhttp_add_header refuses a value with a line break, as evhttp would on the wire */
    if (p->auth != NULL) {
        (void)evhttp_add_header(h, "Authorization", p->auth);
    }
    if (p->host != NULL) {
        (void)evhttp_add_header(h, "Host", p->host);
    }
    if (p->body_len > 0) {
        assert(evbuffer_add(evhttp_request_get_input_buffer(req), p->body, p->body_len) == 0);
    }
    switch (p->handler) {
    case H_SHOPEE: push_shopee(&env_core, req, p->shop); break;
    case H_WECHAT: push_wechat(&env_core, req, p->shop); break;
    default: tracking_callback(&env_core, req); break;
    }
    core_commit(&env_core); /* an answer that waited for the commit goes now */
    /* answered: libevent freed req (no connection to write to) */
}

static void handlers(int mode, int variant, const uint8_t *in, size_t len)
{
    struct push p;
    struct env_snapshot before, first, again;
    memset(&p, 0, sizeof(p));
    const char *text = (const char *)in;
    env_up(); /* first: a signed push's timestamp is the core's now */
    switch (mode) {
    case 5:
    case 6: shopee_push(&p, mode == 5, variant, text, len); break;
    case 12:
    case 13: k100_push(&p, mode == 12, variant, text, len); break;
    default: wechat_push(&p, mode, variant, text, len); break;
    }
    env_snap(&before);
    deliver(&p);
    env_snap(&first);
    if (p.authentic) {
        env_forward(&before, &first);
    } else {
        env_same(&before, &first); /* a forged or stale push changes nothing */
    }
    deliver(&p);
    env_snap(&again);
    if (getenv("FUZZ_PUSH_TRACE") != NULL) { /* seed check: how far each push got */
        fprintf(stderr,
                "mode %d shop %s authentic %d: orders %lld->%lld jobs %lld->%lld "
                "events %d->%d parcel state %d->%d rejected %lld\n",
                mode, p.shop, p.authentic, (long long)before.orders, (long long)first.orders,
                (long long)before.jobs, (long long)first.jobs, before.events, first.events,
                before.parcel.state, first.parcel.state,
                (long long)(metrics_get(env_core.metrics, "push_rejected_bad_signature") +
                            metrics_get(env_core.metrics, "push_rejected_malformed_body")));
    }
    env_same(&first, &again); /* the same push again: a duplicate, harmless */
    env_down();
    free(p.uri);
    free(p.auth);
    free(p.host);
    free(p.body);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    initialized = 1;
    env_init("fuzz-push", ""); /* no tracking_url: the parcel gets no jobs */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    if (!initialized) { /* replay.c calls it too; libFuzzer may not have */
        LLVMFuzzerInitialize(NULL, NULL);
    }
    int mode = data[0] % MODES;
    if (mode >= 5) {
        if (size >= 2) {
            handlers(mode, data[1], data + 2, size - 2);
        }
        return 0;
    }
    char *text = malloc(size);
    assert(text != NULL);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    pure(mode, text, size);
    free(text);
    return 0;
}
