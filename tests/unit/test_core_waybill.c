/* The waybill allocator against a small fake carrier (SF shape) on loopback: a create whose
 * answer is lost is followed by a search by reference, never a second create; a number bound to
 * another order is refused and a new reference used; an auth refusal moves the order to the
 * backup carrier; a malformed number is journaled and the number fetched again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <event2/http.h>
#include <sys/queue.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/http_client.h"
#include "common/http_server.h"
#include "common/waybill.h"
#include "core/core.h"
#include "core/ingest.h"
#include "core/metrics.h"
#include "core/order.h"
#include "core/outbox.h"

enum fake_mode {
    FAKE_OK,
    FAKE_LOSE_FIRST_CREATE,
    FAKE_FOREIGN_FIRST,
    FAKE_SF_AUTH,
    FAKE_INVALID,
    FAKE_FOREIGN_UNBOUND, /* the first create answers a number the carrier issued to OTHER-REF */
    FAKE_TWO_NUMBERS,     /* a create answers two numbers of the reference (a retried create) */
    FAKE_VALIDATE_FLAKY   /* the first 5 validate calls fail (502), then the 5th search */
};

struct fake {
    enum fake_mode mode;
    int creates, searches, cancels, validates;
    char last_cancel[256]; /* msgData of the last cancel */
    char refs[8][64];      /* ref -> number issued */
    char numbers[8][32];
    int issued;
    char last_create_ref[64];
    char carrier_seen[8];
};

struct env {
    struct event_base *base;
    struct http_server *srv;
    struct config cfg;
    struct core c;
    struct fake fake;
    char db[128];
    struct event *pump;
};

static struct env *g;

static const char *issue(struct fake *f, const char *carrier, const char *ref)
{
    for (int i = 0; i < f->issued; i++) {
        if (strcmp(f->refs[i], ref) == 0) {
            return f->numbers[i];
        }
    }
    assert_true(f->issued < 8);
    snprintf(f->refs[f->issued], 64, "%s", ref);
    assert_int_equal(waybill_make(carrier, (uint64_t)(100 + f->issued), f->numbers[f->issued], 32),
                     0);
    return f->numbers[f->issued++];
}

static void reply_data(struct evhttp_request *req, const char *code, const char *data)
{
    char body[1024];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "apiResultCode", code);
    cJSON_AddStringToObject(o, "apiErrorMsg", "");
    cJSON_AddStringToObject(o, "apiResponseID", "r");
    cJSON_AddStringToObject(o, "apiResultData", data);
    char *text = cJSON_PrintUnformatted(o);
    snprintf(body, sizeof(body), "%s", text);
    cJSON_free(text);
    cJSON_Delete(o);
    http_reply_json(req, 200, body);
}

/* EXP_RECE_VALIDATE_WAYBILLNO: the reference the number was issued to. */
static void fake_validate(struct fake *f, struct evhttp_request *req, const cJSON *msg)
{
    const cJSON *no = cJSON_GetObjectItem(msg, "waybillNo");
    const char *owner = NULL;
    f->validates++;
    if (f->mode == FAKE_VALIDATE_FLAKY && f->validates <= 5) {
        http_reply_text(req, 502, "bad gateway");
        return;
    }
    for (int i = 0; cJSON_IsString(no) && i < f->issued; i++) {
        if (strcmp(f->numbers[i], no->valuestring) == 0) {
            owner = f->refs[i];
        }
    }
    if (cJSON_IsString(no) && strcmp(no->valuestring, "SF7400000000013") == 0) {
        owner = f->mode == FAKE_FOREIGN_UNBOUND ? "OTHER-REF" : "OTHER";
    }
    char data[256];
    if (owner == NULL) {
        snprintf(data, sizeof(data), "{\"success\":false,\"errorCode\":\"8018\"}");
    } else {
        snprintf(data, sizeof(data),
                 "{\"success\":true,\"errorCode\":\"S0000\",\"msgData\":{\"waybillNo\":\"%s\","
                 "\"orderId\":\"%s\",\"cancelled\":false}}",
                 no->valuestring, owner);
    }
    reply_data(req, "A1000", data);
}

static void reply(struct evhttp_request *req, const char *code, int success, const char *number)
{
    char data[512];
    if (number != NULL) {
        snprintf(data, sizeof(data),
                 "{\"success\":true,\"errorCode\":\"S0000\",\"msgData\":"
                 "{\"waybillNoInfoList\":[{\"waybillType\":1,\"waybillNo\":\"%s\"}]}}",
                 number);
    } else {
        snprintf(data, sizeof(data), "{\"success\":%s,\"errorCode\":\"%s\"}",
                 success ? "true" : "false", success ? "S0000" : "8018");
    }
    reply_data(req, code, data);
}

static void fake_cb(struct evhttp_request *req, void *arg)
{
    struct fake *f = arg;
    char path[128], carrier[8];
    http_req_path(req, path, sizeof(path));
    if (strncmp(path, "/api/", 5) == 0) {
        http_reply_json(req, 403, "{\"error\":\"error_auth\",\"message\":\"no shop here\"}");
        return;
    }
    snprintf(carrier, sizeof(carrier), "%s", strncmp(path, "/ZTO", 4) == 0 ? "ZTO" : "SF");
    size_t len = 0;
    char *body = http_req_body(req, &len);
    struct evkeyvalq form;
    TAILQ_INIT(&form);
    assert_int_equal(evhttp_parse_query_str(body, &form), 0);
    const char *service = evhttp_find_header(&form, "serviceCode");
    cJSON *msg = cJSON_Parse(evhttp_find_header(&form, "msgData"));
    assert_non_null(evhttp_find_header(&form, "msgDigest"));
    const cJSON *ref_item = cJSON_GetObjectItem(msg, "orderId");
    const char *ref = cJSON_IsString(ref_item) ? ref_item->valuestring : "";
    snprintf(f->carrier_seen, sizeof(f->carrier_seen), "%s", carrier);
    if (f->mode == FAKE_SF_AUTH && strcmp(carrier, "SF") == 0) {
        reply(req, "A1004", 0, NULL);
    } else if (strcmp(service, "EXP_RECE_VALIDATE_WAYBILLNO") == 0) {
        fake_validate(f, req, msg);
    } else if (strcmp(service, "EXP_RECE_CREATE_ORDER") == 0) {
        f->creates++;
        snprintf(f->last_create_ref, sizeof(f->last_create_ref), "%s", ref);
        const char *num = issue(f, carrier, ref);
        if (f->mode == FAKE_LOSE_FIRST_CREATE && f->creates == 1) {
            http_reply_text(req, 502, "bad gateway"); /* made, but the answer is lost */
        } else if (f->mode == FAKE_TWO_NUMBERS) {
            char second_ref[80], data[512];
            snprintf(second_ref, sizeof(second_ref), "%s#again", ref);
            const char *again = issue(f, carrier, second_ref);
            snprintf(f->refs[f->issued - 1], 64, "%s", ref); /* both are the reference's */
            snprintf(data, sizeof(data),
                     "{\"success\":true,\"errorCode\":\"S0000\",\"msgData\":{\"orderId\":\"%s\","
                     "\"waybillNoInfoList\":[{\"waybillType\":1,\"waybillNo\":\"%s\"},"
                     "{\"waybillType\":1,\"waybillNo\":\"%s\"}]}}",
                     ref, num, again);
            reply_data(req, "A1000", data);
        } else if ((f->mode == FAKE_FOREIGN_FIRST || f->mode == FAKE_FOREIGN_UNBOUND) &&
                   f->creates == 1) {
            reply(req, "A1000", 1, "SF7400000000013"); /* bound to order OTHER below */
        } else if (f->mode == FAKE_INVALID && f->creates == 1) {
            char cut[32];
            snprintf(cut, sizeof(cut), "%.10s", num); /* truncated */
            reply(req, "A1000", 1, cut);
        } else {
            reply(req, "A1000", 1, num);
        }
    } else if (strcmp(service, "EXP_RECE_SEARCH_ORDER_RESP") == 0 &&
               f->mode == FAKE_VALIDATE_FLAKY && ++f->searches == 5) {
        http_reply_text(req, 502, "bad gateway");
    } else if (strcmp(service, "EXP_RECE_SEARCH_ORDER_RESP") == 0) {
        f->searches += f->mode != FAKE_VALIDATE_FLAKY;
        const char *num = NULL;
        for (int i = 0; i < f->issued; i++) {
            if (strcmp(f->refs[i], ref) == 0) {
                num = f->numbers[i];
            }
        }
        reply(req, "A1000", num != NULL, num);
    } else {
        f->cancels++;
        snprintf(f->last_cancel, sizeof(f->last_cancel), "%s",
                 evhttp_find_header(&form, "msgData"));
        reply(req, "A1000", 1, NULL);
    }
    cJSON_Delete(msg);
    evhttp_clear_headers(&form);
    free(body);
}

static void pump_cb(evutil_socket_t fd, short what, void *arg)
{
    struct env *e = arg;
    struct order_row o;
    outbox_pump(&e->c);
    if (store_order_get(e->c.store, "ORDER1", &o) == 1 && o.state == OS_WAYBILLED &&
        e->c.inflight == 0 && http_client_pending(e->c.http) == 0) {
        event_base_loopbreak(e->base);
    }
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    char err[256];
    g = e;
    e->base = event_base_new();
    e->srv = http_server_new(e->base, "127.0.0.1", 0, err, sizeof(err));
    assert_non_null(e->srv);
    evhttp_set_gencb(http_server_evhttp(e->srv), fake_cb, &e->fake);
    int port = http_server_port(e->srv);
    struct config *cfg = &e->cfg;
    cfg->shop_count = 1;
    snprintf(cfg->shops[0].name, SHOP_NAME_BYTES_MAX, "sp1-1");
    snprintf(cfg->shops[0].base_url, CONFIG_URL_BYTES_MAX, "http://127.0.0.1:%d", port);
    cfg->carrier_count = 2;
    const char *codes[] = {"SF", "ZTO"};
    for (int i = 0; i < 2; i++) {
        snprintf(cfg->carriers[i].code, CARRIER_CODE_BYTES_MAX, "%s", codes[i]);
        snprintf(cfg->carriers[i].base_url, CONFIG_URL_BYTES_MAX, "http://127.0.0.1:%d/%s", port,
                 codes[i]);
        snprintf(cfg->carriers[i].partner_id, CONFIG_ID_BYTES_MAX, "p");
        snprintf(cfg->carriers[i].checkword, SECRET_BYTES_MAX, "cw");
    }
    snprintf(cfg->carrier_primary, CARRIER_CODE_BYTES_MAX, "SF");
    snprintf(cfg->carrier_backup, CARRIER_CODE_BYTES_MAX, "ZTO");
    cfg->retry_base_ms = 1;
    cfg->retry_max_ms = 5;
    cfg->carrier_outage_attempts = 6;
    cfg->shop_rate_per_s = 1000;
    cfg->poll_interval_s = 60;
    e->c.base = e->base;
    simclock_init(&e->c.clock, 0, 1.0);
    e->c.cfg = cfg;
    e->c.seed = 1;
    snprintf(e->db, sizeof(e->db), "/tmp/test_core_waybill_%d.db", (int)getpid());
    unlink(e->db);
    e->c.store = store_open(e->db, 0, err, sizeof(err));
    e->c.http = http_client_new(e->base, 4);
    e->c.metrics = metrics_new();
    assert_non_null(e->c.store);
    assert_non_null(e->c.http);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    if (e->pump != NULL) {
        event_free(e->pump);
    }
    http_client_free(e->c.http);
    http_server_free(e->srv);
    store_close(e->c.store);
    metrics_free(e->c.metrics);
    event_base_free(e->base);
    char p[160];
    unlink(e->db);
    snprintf(p, sizeof(p), "%s-wal", e->db);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", e->db);
    unlink(p);
    free(e);
    return 0;
}

static void run_order(struct env *e, struct order_row *out)
{
    struct order_row o;
    memset(&o, 0, sizeof(o));
    snprintf(o.order_id, sizeof(o.order_id), "ORDER1");
    snprintf(o.shop, sizeof(o.shop), "sp1-1");
    snprintf(o.lines, sizeof(o.lines), "[{\"sku\":\"TEE-01\",\"qty\":1}]");
    o.state = OS_PAID;
    o.seen_ms = core_now_ms(&e->c);
    assert_int_equal(store_order_put(e->c.store, &o), 0);
    outbox_add(&e->c, JOB_WAYBILL, "ORDER1", "sp1-1", "SF", 0, 0);
    e->pump = event_new(e->base, -1, EV_PERSIST, pump_cb, e);
    struct timeval tick = {0, 2000};
    struct timeval limit = {5, 0};
    event_add(e->pump, &tick);
    event_base_loopexit(e->base, &limit);
    event_base_dispatch(e->base);
    assert_int_equal(store_order_get(e->c.store, "ORDER1", out), 1);
}

struct count {
    const char *kind;
    int64_t n;
};

static int count_cb(const char *k, int64_t v, void *arg)
{
    struct count *c = arg;
    if (strcmp(k, c->kind) == 0) {
        c->n = v;
    }
    return 0;
}

static int64_t evidence_count(struct env *e, const char *kind)
{
    struct count c = {kind, 0};
    assert_int_equal(store_evidence_counts(e->c.store, count_cb, &c), 0);
    return c.n;
}

static void lost_create_answer_searches_first(void **state)
{
    struct env *e = *state;
    struct order_row o;
    e->fake.mode = FAKE_LOSE_FIRST_CREATE;
    run_order(e, &o);
    assert_int_equal(o.state, OS_WAYBILLED);
    assert_int_equal(e->fake.creates, 1); /* no second create */
    assert_true(e->fake.searches >= 1);
    assert_string_equal(o.waybill, e->fake.numbers[0]);
    assert_int_equal(store_job_exists(e->c.store, JOB_SHIP, "ORDER1"), 1);
}

static void foreign_number_is_refused(void **state)
{
    struct env *e = *state;
    struct order_row o;
    char owner[32];
    assert_int_equal(store_waybill_bind(e->c.store, "SF", "SF7400000000013", "OTHER", 1, owner, 32),
                     0);
    e->fake.mode = FAKE_FOREIGN_FIRST;
    run_order(e, &o);
    assert_int_equal(o.state, OS_WAYBILLED);
    assert_string_not_equal(o.waybill, "SF7400000000013");
    assert_int_equal(o.wb_gen, 1);
    assert_string_equal(e->fake.last_create_ref, "ORDER1-R1");
    assert_int_equal(evidence_count(e, "foreign_waybill"), 1);
}

static void auth_refusal_uses_backup(void **state)
{
    struct env *e = *state;
    struct order_row o;
    e->fake.mode = FAKE_SF_AUTH;
    run_order(e, &o);
    assert_int_equal(o.state, OS_WAYBILLED);
    assert_string_equal(o.carrier, "ZTO");
    assert_true(waybill_valid("ZTO", o.waybill));
    assert_int_equal(evidence_count(e, "carrier_auth"), 1);
}

static void invalid_number_is_fetched_again(void **state)
{
    struct env *e = *state;
    struct order_row o;
    e->fake.mode = FAKE_INVALID;
    run_order(e, &o);
    assert_int_equal(o.state, OS_WAYBILLED);
    assert_true(waybill_valid("SF", o.waybill));
    assert_int_equal(e->fake.creates, 1);
    assert_int_equal(evidence_count(e, "invalid_waybill"), 1);
}

/* A number the carrier issued to another reference (not bound here, so only the carrier knows)
 * is refused before it is bound: journaled, our record of it cancelled by reference and number,
 * and a new reference gets a new number. */
static void foreign_number_caught_by_validate(void **state)
{
    struct env *e = *state;
    struct order_row o;
    e->fake.mode = FAKE_FOREIGN_UNBOUND;
    run_order(e, &o);
    assert_int_equal(o.state, OS_WAYBILLED);
    assert_string_not_equal(o.waybill, "SF7400000000013");
    assert_int_equal(o.wb_gen, 1);
    assert_string_equal(e->fake.last_create_ref, "ORDER1-R1");
    assert_int_equal(evidence_count(e, "foreign_waybill"), 1);
    char owner[32];
    assert_int_equal(store_waybill_owner(e->c.store, "SF7400000000013", owner, 32), 0);
    assert_true(e->fake.validates >= 2);
    for (int i = 0; i < 50 && e->fake.cancels == 0; i++) { /* the cancel job runs after */
        outbox_pump(&e->c);
        event_base_loop(e->base, EVLOOP_ONCE);
    }
    assert_int_equal(e->fake.cancels, 1);
    assert_non_null(strstr(e->fake.last_cancel, "\"orderId\":\"ORDER1\""));
    assert_non_null(strstr(e->fake.last_cancel, "SF7400000000013"));
}

/* Two numbers for one reference: the first is bound, the second cancelled as surplus. */
static void second_number_is_cancelled(void **state)
{
    struct env *e = *state;
    struct order_row o;
    e->fake.mode = FAKE_TWO_NUMBERS;
    run_order(e, &o);
    assert_int_equal(o.state, OS_WAYBILLED);
    assert_string_equal(o.waybill, e->fake.numbers[0]);
    assert_int_equal(evidence_count(e, "surplus_waybill"), 1);
    for (int i = 0; i < 50 && e->fake.cancels == 0; i++) {
        outbox_pump(&e->c);
        event_base_loop(e->base, EVLOOP_ONCE);
    }
    assert_int_equal(e->fake.cancels, 1);
    assert_non_null(strstr(e->fake.last_cancel, e->fake.numbers[1]));
    assert_null(strstr(e->fake.last_cancel, e->fake.numbers[0]));
}

/* Validate calls that fail after the search answered are no carrier outage: one failed search
 * after five such attempts keeps the order at the primary carrier (carrier_outage_attempts is 6:
 * counting the job's attempts would have switched it). */
static void answered_attempts_are_no_outage(void **state)
{
    struct env *e = *state;
    struct order_row o;
    e->fake.mode = FAKE_VALIDATE_FLAKY;
    run_order(e, &o);
    assert_int_equal(o.state, OS_WAYBILLED);
    assert_string_equal(o.carrier, "SF");
    assert_string_equal(o.waybill, e->fake.numbers[0]);
    assert_int_equal(e->fake.validates, 6);
    assert_int_equal(e->fake.searches, 6);
    assert_int_equal(evidence_count(e, "carrier_fallback"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lost_create_answer_searches_first, setup, teardown),
        cmocka_unit_test_setup_teardown(foreign_number_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(auth_refusal_uses_backup, setup, teardown),
        cmocka_unit_test_setup_teardown(invalid_number_is_fetched_again, setup, teardown),
        cmocka_unit_test_setup_teardown(foreign_number_caught_by_validate, setup, teardown),
        cmocka_unit_test_setup_teardown(second_number_is_cancelled, setup, teardown),
        cmocka_unit_test_setup_teardown(answered_attempts_are_no_outage, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
