/* sim/load/loadgen.c against an in-process fake mockplat control API: every scheduled order is
 * placed once, paid unless drawn unpaid or rejected (409), cancelled when drawn so; pay times
 * count from the scheduled times; the token header is sent; connections stay bounded. */
#include <event2/event.h>
#include <event2/http.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/http_server.h"
#include "common/simclock.h"
#include "load/loadgen.h"
#include "load/mix.h"
#include "load/profile.h"
#include "scenario/scenario.h"

#define TEST_TIMEOUT_S 20
#define REJECT_EVERY 7 /* seq % 7 == 3 answers 409 out_of_stock */

struct fake {
    long placed, paid, cancelled, bad_token, shop_ok;
    unsigned char seen[4096];
};

static struct scenario sc;

static void handler(struct evhttp_request *req, void *arg)
{
    struct fake *f = arg;
    char path[128];
    http_req_path(req, path, sizeof(path));
    if (!http_req_token_ok(req, "tok123")) {
        f->bad_token++;
        http_reply_json(req, 401, "{\"error\":\"unauthorized\"}");
        return;
    }
    size_t len = 0;
    char *body = http_req_body(req, &len);
    if (strcmp(path, "/__sim/orders") == 0) {
        const char *s = body ? strstr(body, "\"seq\":") : NULL;
        long seq = s ? strtol(s + 6, NULL, 10) : -1;
        f->shop_ok += body && strstr(body, "\"shop\":\"sp1-1\"") != NULL;
        if (seq >= 0 && seq < 4096)
            f->seen[seq]++;
        if (seq % REJECT_EVERY == 3) {
            http_reply_json(req, 409, "{\"error\":\"out_of_stock\",\"message\":\"short\"}");
        } else {
            char out[96];
            snprintf(out, sizeof(out), "{\"order_id\":\"O%ld\",\"create_ms\":1}", seq);
            f->placed++;
            http_reply_json(req, 200, out);
        }
    } else if (strcmp(path, "/__sim/orders/pay") == 0) {
        f->paid++;
        http_reply_json(req, 200, "{\"order_id\":\"x\",\"pay_ms\":1}");
    } else {
        f->cancelled++;
        http_reply_json(req, 200, "{}");
    }
    free(body);
}

static void scenario_setup(void)
{
    memset(&sc, 0, sizeof(sc));
    sc.seed = 7;
    snprintf(sc.shop_groups[0].id, sizeof(sc.shop_groups[0].id), "sp1");
    sc.shop_groups[0].count = 1;
    sc.shop_group_count = 1;
    sc.shop_count = 1;
    sc.sku_count = 1;
    snprintf(sc.catalog[0].sku, SKU_BYTES_MAX, "TEE-01");
    sc.catalog[0].weight = 1;
    sc.buyers.population = 1000;
    sc.buyers.unpaid_share = 0.1;
    sc.buyers.cancel_share = 0.2;
    sc.buyers.lines_max = 1;
    sc.buyers.pay_delay_s[0] = 1;
    sc.buyers.pay_delay_s[1] = 30;
    sc.buyers.cancel_delay_s[0] = 1;
    sc.buyers.cancel_delay_s[1] = 5;
    /* 0 -> 20/s over 10 s, then 20/s for 90 s: 1900 orders in 100 sim s */
    sc.stages[0] = (struct load_stage){20, 10};
    sc.stages[1] = (struct load_stage){20, 90};
    sc.stage_count = 2;
    sc.duration_s = 100;
}

static struct event_base *test_base;

static void watch_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct loadgen *lg = arg;
    if (loadgen_done(lg))
        event_base_loopbreak(test_base);
}

static void test_open_model(void **state)
{
    (void)state;
    scenario_setup();
    test_base = event_base_new();
    char err[512];
    struct http_server *srv = http_server_new(test_base, "127.0.0.1", 0, err, sizeof(err));
    if (srv == NULL)
        fail_msg("%s", err);
    struct fake *f = calloc(1, sizeof(*f));
    evhttp_set_gencb(http_server_evhttp(srv), handler, f);
    struct simclock clock;
    simclock_init(&clock, 1700000000000LL, 50.0); /* 100 sim s + 30 s pay delays: ~2.6 wall s */
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", http_server_port(srv));
    struct loadgen_config cfg = {.sc = &sc,
                                 .base = test_base,
                                 .clock = &clock,
                                 .plat_url = url,
                                 .token = "tok123",
                                 .max_connections = 8};
    struct loadgen *lg = loadgen_new(&cfg, err, sizeof(err));
    if (lg == NULL)
        fail_msg("%s", err);
    assert_int_equal(loadgen_start(lg), 0);
    struct event *watch = event_new(test_base, -1, EV_PERSIST, watch_cb, lg);
    struct timeval every = {0, 20000}, limit = {TEST_TIMEOUT_S, 0};
    event_add(watch, &every);
    event_base_loopexit(test_base, &limit);
    event_base_dispatch(test_base);
    assert_true(loadgen_done(lg));

    struct loadgen_stats st;
    loadgen_get_stats(lg, &st);
    struct profile p;
    assert_int_equal(profile_init(&p, sc.stages, sc.stage_count, err, sizeof(err)), 0);
    assert_int_equal(st.scheduled, 1900);
    assert_int_equal(st.due, 1900);
    long rejected = 0, unpaid_placed = 0, cancels = 0;
    for (int64_t k = 0; k < 1900; k++) {
        assert_int_equal(f->seen[k], 1); /* each order placed exactly once */
        struct mix_order m;
        mix_draw(&sc, k, &m);
        if (k % REJECT_EVERY == 3) {
            rejected++;
            continue;
        }
        unpaid_placed += m.unpaid;
        cancels += m.cancel;
    }
    assert_int_equal(st.rejected, rejected);
    assert_int_equal(st.placed, 1900 - rejected);
    assert_int_equal(f->paid, st.placed - unpaid_placed);
    assert_int_equal(st.paid, f->paid);
    assert_int_equal(f->cancelled, cancels);
    assert_int_equal(st.http_errors, 0);
    assert_int_equal(f->bad_token, 0);
    assert_int_equal(f->shop_ok, 1900);
    /* scheduled pay = epoch + profile time + drawn delay, whatever happened on the wire */
    int64_t n = 0;
    const double *sched = loadgen_sched_pay(lg, &n);
    assert_int_equal(n, 1900);
    for (int64_t k = 0; k < 1900; k += 37) {
        struct mix_order m;
        mix_draw(&sc, k, &m);
        double want = 1700000000000.0 + profile_time_ms(&p, k) + m.pay_delay_ms;
        if (m.unpaid)
            assert_true(isnan(sched[k]));
        else
            assert_true(fabs(sched[k] - want) < 1e-3);
    }
    assert_true(st.behind_max_ms >= 0);
    assert_int_equal(loadgen_end_ms(lg), 1700000000000LL + 100000);
    event_free(watch);
    loadgen_free(lg);
    http_server_free(srv);
    event_base_free(test_base);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_open_model)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
