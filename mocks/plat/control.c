/* The control API for the runner and the load generator (INTERFACES.md section 4) and
 * /metrics. Every /__sim call needs X-Sim-Token when the mock was given a token. Errors are
 * {"error":"<code>","message":"..."} with a 4xx status. */
#include <cJSON.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hdr.h"
#include "common/http_server.h"
#include "common/log.h"
#include "plat/plat.h"

#define CONTROL_SCENARIO_JSON_BYTES_MAX (2 * 1024 * 1024)
#define PUSH_CALLBACK_BYTES_MAX 768 /* the push URL plus WeChat's signature query fits 1024 */
#define PRICE_FEN_DEFAULT 9900
/* The generator's place and pay answers are formatted directly, not through a cJSON tree: cJSON
 * prints each number with sprintf and checks it with sscanf, ~10% of mockplat's work on a
 * place. Order ids and state names are the truth's own [0-9A-Za-z_] tokens. */
#define CONTROL_ORDER_ANSWER_BYTES (ORDER_ID_BYTES_MAX + 96)

static void control_error(struct evhttp_request *req, int status, const char *code, const char *msg)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "error", code);
    cJSON_AddStringToObject(root, "message", msg);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    http_reply_json(req, status, text != NULL ? text : "{\"error\":\"internal\",\"message\":\"\"}");
    free(text);
}

static void control_json(struct evhttp_request *req, int status, cJSON *root)
{
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (text == NULL)
        return control_error(req, 500, "internal", "out of memory");
    http_reply_json(req, status, text);
    free(text);
}

static cJSON *body_json(struct evhttp_request *req)
{
    size_t len = 0;
    char *body = http_req_body(req, &len);
    if (body == NULL)
        return NULL;
    cJSON *doc = cJSON_ParseWithLength(body, len);
    free(body);
    if (doc != NULL && !cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

static const char *get_str(const cJSON *doc, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int parse_lines(const struct plat *p, const cJSON *arr, struct truth_line *lines, char *err,
                       int err_len)
{
    int n = 0;
    const cJSON *ln;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1 ||
        cJSON_GetArraySize(arr) > SCENARIO_LINES_PER_ORDER_MAX) {
        snprintf(err, err_len, "lines: must be an array of 1..%d lines",
                 SCENARIO_LINES_PER_ORDER_MAX);
        return -1;
    }
    cJSON_ArrayForEach(ln, arr)
    {
        const char *sku = get_str(ln, "sku");
        const cJSON *qty = cJSON_GetObjectItemCaseSensitive(ln, "qty");
        const cJSON *price = cJSON_GetObjectItemCaseSensitive(ln, "price_fen");
        int k = sku != NULL ? truth_sku_index(p->truth, sku) : -1;
        if (k < 0) {
            snprintf(err, err_len, "lines[%d].sku: unknown SKU", n);
            return -1;
        }
        if (!cJSON_IsNumber(qty) || qty->valuedouble < 1 || qty->valuedouble > 10000) {
            snprintf(err, err_len, "lines[%d].qty: must be an integer in 1..10000", n);
            return -1;
        }
        double pf = cJSON_IsNumber(price) ? price->valuedouble : PRICE_FEN_DEFAULT;
        lines[n++] = (struct truth_line){
            .sku = (int16_t)k,
            .qty = (int16_t)qty->valuedouble,
            .price_fen = (int32_t)(pf > 0 && pf < 1e9 ? pf : PRICE_FEN_DEFAULT)};
    }
    return n;
}

static void place_order(struct plat *p, struct evhttp_request *req, const cJSON *doc)
{
    const char *shop = get_str(doc, "shop");
    const char *buyer = get_str(doc, "buyer");
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(doc, "seq");
    int s = shop != NULL ? scenario_shop_index(&p->sc, shop) : -1;
    if (s < 0)
        return control_error(req, 400, "bad_request", "shop: unknown shop instance");
    if (buyer == NULL)
        return control_error(req, 400, "bad_request", "buyer: required string");
    char err[128];
    struct truth_line lines[SCENARIO_LINES_PER_ORDER_MAX];
    int n = parse_lines(p, cJSON_GetObjectItemCaseSensitive(doc, "lines"), lines, err, sizeof(err));
    if (n < 0)
        return control_error(req, 400, "bad_request", err);
    int64_t sq = cJSON_IsNumber(seq) ? (int64_t)seq->valuedouble : 1000000000LL + p->next_seq++;
    const struct truth_order *o = NULL;
    int existed = 0;
    switch (truth_place(p->truth, s, sq, buyer, lines, n, &o, &existed)) {
    case TRUTH_OK: break;
    case TRUTH_OUT_OF_STOCK:
        return control_error(req, 409, "out_of_stock", "the shop's listed stock is short");
    case TRUTH_BAD_INPUT: return control_error(req, 400, "bad_request", "buyer or seq invalid");
    default: return control_error(req, 503, "full", "order store full");
    }
    if (!existed)
        plat_drift_on_order(p, o);
    char text[CONTROL_ORDER_ANSWER_BYTES];
    snprintf(text, sizeof(text), "{\"order_id\":\"%s\",\"create_ms\":%lld,\"existed\":%s}", o->id,
             (long long)o->create_ms, existed ? "true" : "false");
    http_reply_json(req, 200, text);
}

static void order_op(struct plat *p, struct evhttp_request *req, const cJSON *doc, int pay)
{
    const char *id = get_str(doc, "order_id");
    if (id == NULL)
        return control_error(req, 400, "bad_request", "order_id: required string");
    enum truth_err e = pay ? truth_pay(p->truth, id) : truth_cancel(p->truth, id);
    if (e == TRUTH_NOT_FOUND)
        return control_error(req, 404, "not_found", "no such order");
    if (e != TRUTH_OK)
        return control_error(req, 409, pay ? "not_payable" : "not_cancellable",
                             e == TRUTH_SHIPPED ? "already shipped" : "wrong state");
    const struct truth_order *o = truth_find(p->truth, id);
    char text[CONTROL_ORDER_ANSWER_BYTES];
    snprintf(text, sizeof(text), "{\"order_id\":\"%s\",\"state\":\"%s\",\"%s\":%lld}", o->id,
             truth_state_name(o->state), pay ? "pay_ms" : "cancel_ms",
             (long long)(pay ? o->pay_ms : o->update_ms));
    http_reply_json(req, 200, text);
}

/* Callbacks go to 127.0.0.1 only (shipsim never targets another host). */
static void set_callback(struct plat *p, struct evhttp_request *req, const cJSON *doc)
{
    const char *shop = get_str(doc, "shop");
    const char *url = get_str(doc, "url");
    int s = shop != NULL ? scenario_shop_index(&p->sc, shop) : -1;
    if (s < 0)
        return control_error(req, 400, "bad_request", "shop: unknown shop instance");
    if (url == NULL || strlen(url) >= PUSH_CALLBACK_BYTES_MAX ||
        (strncmp(url, "http://127.0.0.1:", 17) != 0 && strncmp(url, "http://localhost:", 17) != 0))
        return control_error(req, 400, "bad_request", "url: must be http://127.0.0.1:PORT/...");
    snprintf(p->shops[s].callback_url, sizeof(p->shops[s].callback_url), "%s", url);
    cJSON *line = cJSON_CreateObject(); /* journalled: a restarted mock keeps pushing there */
    cJSON_AddStringToObject(line, "type", "callback");
    cJSON_AddStringToObject(line, "shop", shop);
    cJSON_AddStringToObject(line, "url", url);
    char *text = cJSON_PrintUnformatted(line);
    cJSON_Delete(line);
    if (text != NULL)
        truth_journal_aux(p->truth, text);
    free(text);
    if (p->shops[s].si.flavor == FLAVOR_WECHAT)
        push_verify_url(p->push, s);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "shop", shop);
    cJSON_AddStringToObject(root, "url", url);
    control_json(req, 200, root);
}

static void parcel(struct plat *p, struct evhttp_request *req, const cJSON *doc)
{
    const char *waybill = get_str(doc, "waybill");
    const char *state = get_str(doc, "state");
    if (waybill == NULL || state == NULL)
        return control_error(req, 400, "bad_request", "waybill and state: required strings");
    switch (truth_parcel(p->truth, waybill, get_str(doc, "carrier"), state)) {
    case TRUTH_OK: return http_reply_json(req, 200, "{\"ok\":true}");
    case TRUTH_NOT_FOUND:
        return control_error(req, 404, "not_found", "no order holds this waybill");
    default: return control_error(req, 400, "bad_request", "state: unknown parcel state");
    }
}

static void evbuffer_write_cb(void *arg, const char *data, size_t len)
{
    evbuffer_add(arg, data, len);
}

static void truth_lines(struct plat *p, struct evhttp_request *req)
{
    struct evbuffer *out = evbuffer_new();
    if (out == NULL)
        return control_error(req, 500, "internal", "out of memory");
    truth_dump(p->truth, evbuffer_write_cb, out);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "application/x-ndjson");
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
}

static void stats(struct plat *p, struct evhttp_request *req)
{
    struct truth_counts tc;
    truth_counts(p->truth, &tc);
    struct push_counts pc;
    push_get_counts(p->push, &pc);
    cJSON *root = cJSON_CreateObject();
    cJSON *o = cJSON_AddObjectToObject(root, "orders");
    cJSON_AddNumberToObject(o, "placed", (double)tc.placed);
    cJSON_AddNumberToObject(o, "paid", (double)tc.paid);
    cJSON_AddNumberToObject(o, "cancelled", (double)tc.cancelled);
    cJSON_AddNumberToObject(o, "shipped", (double)tc.shipped);
    cJSON_AddNumberToObject(o, "delivered", (double)tc.delivered);
    char *lat = hdr_encode(truth_ship_latency(p->truth));
    if (lat != NULL)
        cJSON_AddStringToObject(root, "ship_latency_ms_hdr", lat); /* pay -> shipped, sim ms */
    free(lat);
    cJSON *rq = cJSON_AddObjectToObject(root, "requests");
    cJSON *er = cJSON_AddObjectToObject(root, "errors");
    for (int i = 0; i < p->stat_count; i++) {
        cJSON_AddNumberToObject(rq, p->stats[i].endpoint, (double)p->stats[i].requests);
        cJSON_AddNumberToObject(er, p->stats[i].endpoint, (double)p->stats[i].errors);
    }
    cJSON *fk = cJSON_AddObjectToObject(root, "faults");
    for (int k = 0; k < FAULT_KIND_COUNT; k++)
        if (fault_count(p->faults, k) > 0)
            cJSON_AddNumberToObject(fk, fault_kind_name(k), (double)fault_count(p->faults, k));
    cJSON *pu = cJSON_AddObjectToObject(root, "pushes");
    cJSON_AddNumberToObject(pu, "sent", (double)pc.sent);
    cJSON_AddNumberToObject(pu, "acked", (double)pc.acked);
    cJSON_AddNumberToObject(pu, "failed", (double)pc.failed);
    cJSON_AddNumberToObject(pu, "lost", (double)pc.lost);
    cJSON_AddNumberToObject(pu, "forged", (double)pc.forged);
    cJSON_AddNumberToObject(pu, "url_checks_ok", (double)pc.url_checks_ok);
    cJSON_AddNumberToObject(pu, "url_checks_failed", (double)pc.url_checks_failed);
    control_json(req, 200, root);
}

/* Rules "as in a scenario": the running scenario with its faults replaced goes through the
 * scenario loader, so run-time rules get exactly the validation a file gets. */
static void set_faults(struct plat *p, struct evhttp_request *req, const cJSON *doc)
{
    const cJSON *faults = cJSON_GetObjectItemCaseSensitive(doc, "faults");
    if (!cJSON_IsArray(faults))
        return control_error(req, 400, "bad_request", "faults: required array of rules");
    char *text = scenario_to_json(&p->sc);
    cJSON *sc = text != NULL ? cJSON_Parse(text) : NULL;
    free(text);
    if (sc == NULL)
        return control_error(req, 500, "internal", "cannot serialise the scenario");
    cJSON_ReplaceItemInObjectCaseSensitive(sc, "faults", cJSON_Duplicate(faults, 1));
    text = cJSON_PrintUnformatted(sc);
    cJSON_Delete(sc);
    struct scenario *next = malloc(sizeof(*next));
    char err[ERR_BYTES_MAX];
    int rc = text != NULL && next != NULL
                 ? scenario_parse(text, strlen(text), next, err, sizeof(err))
                 : -1;
    free(text);
    if (rc != 0) {
        free(next);
        return control_error(req, 400, "bad_rules", next != NULL ? err : "out of memory");
    }
    rc = fault_engine_set_rules(p->faults, next->faults, next->fault_count);
    if (rc == 0) {
        memcpy(p->sc.faults, next->faults, sizeof(p->sc.faults));
        p->sc.fault_count = next->fault_count;
    }
    free(next);
    if (rc != 0)
        return control_error(req, 400, "bad_rules", "rules refused by the fault engine");
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "rules", fault_engine_rule_count(p->faults));
    control_json(req, 200, root);
}

static void fault_log(struct plat *p, struct evhttp_request *req)
{
    char *text = fault_engine_dump(p->faults);
    if (text == NULL)
        return control_error(req, 500, "internal", "out of memory");
    http_reply(req, 200, "application/x-ndjson", text, strlen(text));
    free(text);
}

/* The shops and their credentials (what the runner derives itself with scenario_shop), for a
 * user pointing their own sync software at the mock. */
static void shops(struct plat *p, struct evhttp_request *req)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(root, "shops");
    for (int i = 0; i < p->shop_count; i++) {
        const struct shop_instance *si = &p->shops[i].si;
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "name", si->name);
        cJSON_AddStringToObject(s, "flavor", flavor_name(si->flavor));
        if (si->flavor == FLAVOR_SHOPEE) {
            cJSON_AddNumberToObject(s, "shop_id", (double)si->shop_id);
            cJSON_AddNumberToObject(s, "partner_id", (double)si->partner_id);
            cJSON_AddStringToObject(s, "partner_key", si->partner_key);
            cJSON_AddStringToObject(s, "refresh_token", p->shops[i].refresh_token);
        } else {
            cJSON_AddStringToObject(s, "appid", si->appid);
            cJSON_AddStringToObject(s, "secret", si->secret);
            cJSON_AddStringToObject(s, "push_token", si->push_token);
        }
        cJSON_AddStringToObject(s, "callback_url", p->shops[i].callback_url);
        cJSON_AddItemToArray(list, s);
    }
    control_json(req, 200, root);
}

static void reset(struct plat *p, struct evhttp_request *req)
{
    truth_reset(p->truth);
    push_reset(p->push);
    fault_reset_attempts(p->faults);
    http_reply_json(req, 200, "{\"ok\":true}");
}

static void post_call(struct plat *p, struct evhttp_request *req, const char *path)
{
    cJSON *doc = body_json(req);
    int is_reset = strcmp(path, "/__sim/reset") == 0;
    if (doc == NULL && !is_reset)
        return control_error(req, 400, "bad_request", "body: must be a JSON object");
    if (strcmp(path, "/__sim/orders") == 0)
        place_order(p, req, doc);
    else if (strcmp(path, "/__sim/orders/pay") == 0)
        order_op(p, req, doc, 1);
    else if (strcmp(path, "/__sim/orders/cancel") == 0)
        order_op(p, req, doc, 0);
    else if (strcmp(path, "/__sim/callbacks") == 0)
        set_callback(p, req, doc);
    else if (strcmp(path, "/__sim/parcel") == 0)
        parcel(p, req, doc);
    else if (is_reset)
        reset(p, req);
    else
        control_error(req, 404, "not_found", "unknown control call");
    cJSON_Delete(doc);
}

void control_handle(struct plat *p, struct evhttp_request *req, const char *path)
{
    if (p->control_token[0] != '\0' && !http_req_token_ok(req, p->control_token))
        return control_error(req, 401, "unauthorized", "X-Sim-Token missing or wrong");
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    int is_faults = strcmp(path, "/__sim/faults") == 0;
    if (cmd == EVHTTP_REQ_GET && strcmp(path, "/__sim/truth") == 0)
        truth_lines(p, req);
    else if (cmd == EVHTTP_REQ_GET && strcmp(path, "/__sim/stats") == 0)
        stats(p, req);
    else if (cmd == EVHTTP_REQ_GET && is_faults)
        fault_log(p, req);
    else if (cmd == EVHTTP_REQ_GET && strcmp(path, "/__sim/shops") == 0)
        shops(p, req);
    else if (cmd == EVHTTP_REQ_DELETE && is_faults) {
        (void)fault_engine_set_rules(p->faults, NULL, 0);
        p->sc.fault_count = 0;
        http_reply_json(req, 200, "{\"rules\":0}");
    } else if (cmd == EVHTTP_REQ_PUT && is_faults) {
        cJSON *doc = body_json(req);
        if (doc == NULL)
            return control_error(req, 400, "bad_request", "body: must be a JSON object");
        set_faults(p, req, doc);
        cJSON_Delete(doc);
    } else if (cmd == EVHTTP_REQ_POST) {
        post_call(p, req, path);
    } else {
        control_error(req, 404, "not_found", "unknown control call");
    }
}

void control_metrics(struct plat *p, struct evhttp_request *req)
{
    struct evbuffer *out = evbuffer_new();
    if (out == NULL)
        return http_reply_text(req, 500, "out of memory");
    evbuffer_add_printf(out, "# HELP mockplat_requests_total API calls by endpoint.\n"
                             "# TYPE mockplat_requests_total counter\n");
    for (int i = 0; i < p->stat_count; i++)
        evbuffer_add_printf(out, "mockplat_requests_total{endpoint=\"%s\"} %llu\n",
                            p->stats[i].endpoint, (unsigned long long)p->stats[i].requests);
    evbuffer_add_printf(out, "# TYPE mockplat_errors_total counter\n");
    for (int i = 0; i < p->stat_count; i++)
        evbuffer_add_printf(out, "mockplat_errors_total{endpoint=\"%s\"} %llu\n",
                            p->stats[i].endpoint, (unsigned long long)p->stats[i].errors);
    evbuffer_add_printf(out, "# TYPE mockplat_faults_total counter\n");
    for (int k = 0; k < FAULT_KIND_COUNT; k++)
        evbuffer_add_printf(out, "mockplat_faults_total{kind=\"%s\"} %llu\n", fault_kind_name(k),
                            (unsigned long long)fault_count(p->faults, k));
    struct truth_counts tc;
    truth_counts(p->truth, &tc);
    evbuffer_add_printf(out, "# TYPE mockplat_orders gauge\n");
    for (int s = 0; s < TS_COUNT; s++)
        evbuffer_add_printf(out, "mockplat_orders{state=\"%s\"} %llu\n", truth_state_name(s),
                            (unsigned long long)tc.by_state[s]);
    struct push_counts pc;
    push_get_counts(p->push, &pc);
    evbuffer_add_printf(out,
                        "# TYPE mockplat_pushes_total counter\n"
                        "mockplat_pushes_total{result=\"sent\"} %llu\n"
                        "mockplat_pushes_total{result=\"acked\"} %llu\n"
                        "mockplat_pushes_total{result=\"failed\"} %llu\n"
                        "mockplat_pushes_total{result=\"lost\"} %llu\n",
                        (unsigned long long)pc.sent, (unsigned long long)pc.acked,
                        (unsigned long long)pc.failed, (unsigned long long)pc.lost);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; version=0.0.4");
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
}
