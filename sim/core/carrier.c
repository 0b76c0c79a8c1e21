/* SF-shape carrier client. */
#include "core/carrier.h"

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_client.h"
#include "common/json.h"
#include "core/sig.h"

#define CARRIER_URL_BYTES_MAX 512

struct carrier_ctx {
    carrier_cb cb;
    void *arg;
    struct call_outcome o; /* for a deferred failure */
    struct core *c;
};

char *carrier_form(const char *partner_id, const char *checkword, const char *service,
                   const char *request_id, long long timestamp_ms, const char *msg_data)
{
    char ts[32], digest[64];
    snprintf(ts, sizeof(ts), "%lld", timestamp_ms);
    size_t text_len = strlen(msg_data) + strlen(ts) + strlen(checkword) + 1;
    char *text = malloc(text_len);
    size_t enc_len = strlen(msg_data) * 3 + 1;
    char *enc = malloc(enc_len);
    char *form = NULL;
    if (text == NULL || enc == NULL) {
        goto done;
    }
    snprintf(text, text_len, "%s%s%s", msg_data, ts, checkword);
    if (sig_sf_digest(text, digest, sizeof(digest)) != 0 ||
        sig_urlencode_plus(msg_data, enc, enc_len) != 0) {
        goto done;
    }
    char dig_enc[128], pid_enc[CONFIG_ID_BYTES_MAX * 3];
    if (sig_urlencode_plus(digest, dig_enc, sizeof(dig_enc)) != 0 ||
        sig_urlencode_plus(partner_id, pid_enc, sizeof(pid_enc)) != 0) {
        goto done;
    }
    size_t form_len = enc_len + 512;
    form = malloc(form_len);
    if (form != NULL) {
        snprintf(form, form_len,
                 "partnerID=%s&requestID=%s&serviceCode=%s&timestamp=%s&msgDigest=%s&msgData=%s",
                 pid_enc, request_id, service, ts, dig_enc, enc);
    }
done:
    free(text);
    free(enc);
    return form;
}

static int gateway_code(const char *code, long status, struct call_outcome *o)
{
    if (strcmp(code, "A1000") == 0 && status >= 200 && status < 300) {
        outcome_set(o, CALL_OK, -1, "A1000");
        return 0;
    }
    /* SF's gateway codes: A1005 flow control, A1099 system error, A1002 request expired;
     * anything else (A1003 IP, A1004 no permission, A1006 bad digest, unknown) is a refusal of
     * our credentials. */
    if (strcmp(code, "A1005") == 0) {
        outcome_set(o, CALL_RETRY, EVK_RATE_LIMITED, "%s", code);
    } else if (strcmp(code, "A1099") == 0 || status == 503 || status >= 500) {
        outcome_set(o, CALL_RETRY, EVK_SERVER_ERROR, "%s http %ld", code, status);
    } else if (strcmp(code, "A1002") == 0) {
        outcome_set(o, CALL_RETRY, -1, "%s", code);
    } else {
        outcome_set(o, CALL_AUTH, EVK_CARRIER_AUTH, "%s http %ld", code, status);
    }
    return 0;
}

static int read_data(const char *data, struct carrier_reply *reply, struct call_outcome *o)
{
    char err[ERR_BYTES_MAX];
    cJSON *doc = json_parse(data, strlen(data), err, sizeof(err));
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(doc, "success");
    if (!cJSON_IsBool(ok)) {
        json_delete(doc);
        outcome_set(o, CALL_RETRY, EVK_MALFORMED_BODY, "apiResultData without success");
        return -1;
    }
    reply->success = cJSON_IsTrue(ok);
    const cJSON *ec = cJSON_GetObjectItemCaseSensitive(doc, "errorCode");
    snprintf(reply->error_code, sizeof(reply->error_code), "%s",
             cJSON_IsString(ec) ? ec->valuestring : "");
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(doc, "msgData");
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(md, "orderId");
    if (cJSON_IsString(ref) && strlen(ref->valuestring) < sizeof(reply->order_ref)) {
        snprintf(reply->order_ref, sizeof(reply->order_ref), "%s", ref->valuestring);
    }
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(md, "waybillNoInfoList");
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(it, "waybillType");
        const cJSON *no = cJSON_GetObjectItemCaseSensitive(it, "waybillNo");
        if (cJSON_IsNumber(type) && (int)json_i64(type, 0) != 1) {
            continue;
        }
        if (!cJSON_IsString(no) || strlen(no->valuestring) >= WAYBILL_BYTES_MAX ||
            reply->waybill_count >= CARRIER_WAYBILLS_MAX) {
            reply->waybills_truncated = 1;
            continue;
        }
        snprintf(reply->waybills[reply->waybill_count++], WAYBILL_BYTES_MAX, "%s", no->valuestring);
    }
    json_delete(doc);
    return 0;
}

int carrier_parse(const char *body, size_t len, long status, struct carrier_reply *reply,
                  struct call_outcome *o)
{
    char err[ERR_BYTES_MAX];
    memset(reply, 0, sizeof(*reply));
    if (status == 401 || status == 403) {
        outcome_set(o, CALL_AUTH, EVK_CARRIER_AUTH, "http %ld", status);
        return 0;
    }
    cJSON *doc = json_parse(body, len, err, sizeof(err));
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(doc, "apiResultCode");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(doc, "apiResultData");
    int rc = 0;
    if (!cJSON_IsString(code)) {
        outcome_set(o, CALL_RETRY, status == 503 ? EVK_MAINTENANCE : EVK_MALFORMED_BODY,
                    "http %ld: no apiResultCode", status);
        rc = status == 503 ? 0 : -1;
    } else if (gateway_code(code->valuestring, status, o) == 0 && o->result != CALL_OK) {
        rc = 0;
    } else if (!cJSON_IsString(data)) {
        /* double-encoded JSON: anything but a string is a malformed reply */
        outcome_set(o, CALL_RETRY, EVK_MALFORMED_BODY, "apiResultData is %s", json_type_name(data));
        rc = -1;
    } else {
        rc = read_data(data->valuestring, reply, o);
    }
    json_delete(doc);
    return rc;
}

static void done_cb(struct core *c, const struct http_response *r, void *arg)
{
    struct carrier_ctx *ctx = arg;
    struct carrier_reply reply;
    struct call_outcome o;
    memset(&reply, 0, sizeof(reply));
    outcome_from_http(r, &o);
    if (o.result == CALL_OK) {
        (void)carrier_parse(r->body, r->body_len, r->status, &reply, &o);
    }
    ctx->cb(c, &reply, &o, ctx->arg);
    free(ctx);
}

static void deferred_cb(evutil_socket_t fd, short what, void *arg)
{
    struct carrier_ctx *ctx = arg;
    struct carrier_reply reply;
    memset(&reply, 0, sizeof(reply));
    ctx->cb(ctx->c, &reply, &ctx->o, ctx->arg);
    free(ctx);
}

void carrier_call(struct core *c, const char *code, const char *service, const char *msg_data,
                  carrier_cb cb, void *arg)
{
    const struct carrier_cfg *cc = config_carrier(c->cfg, code);
    struct carrier_ctx *ctx = calloc(1, sizeof(*ctx));
    assert(cc != NULL);
    assert(ctx != NULL);
    ctx->cb = cb;
    ctx->arg = arg;
    ctx->c = c;
    char rid[64], url[CARRIER_URL_BYTES_MAX], endpoint[ENDPOINT_BYTES_MAX];
    int64_t now = core_now_ms(c);
    static uint64_t seq;
    snprintf(rid, sizeof(rid), "syncd-%lld-%llu", (long long)now, (unsigned long long)++seq);
    snprintf(url, sizeof(url), "%s/std/service", cc->base_url);
    snprintf(endpoint, sizeof(endpoint), "carrier:%s:%s", code, service);
    char *form =
        carrier_form(cc->partner_id, cc->checkword, service, rid, (long long)now, msg_data);
    if (form != NULL && core_http(c, endpoint, "POST", url, "application/x-www-form-urlencoded",
                                  form, NULL, done_cb, ctx) == 0) {
        free(form);
        return;
    }
    free(form);
    outcome_set(&ctx->o, CALL_RETRY, -1, "cannot send");
    const struct timeval zero = {0, 0};
    if (c->stopping || event_base_once(c->base, -1, EV_TIMEOUT, deferred_cb, ctx, &zero) != 0) {
        deferred_cb(-1, 0, ctx);
    }
}
