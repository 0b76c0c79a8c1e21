/* Carrier fault decisions in-process: tracking_stall holds a parcel's events back once,
 * garbled_tracking acts only on its target endpoint and is recorded, latency samples stay in their
 * bounds, and cancelled parcels never move. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "carrier/carriers.h"
#include "carrier/track.h"
#include "carrier/wire.h"

static const char *const scenario_text =
    "{\"name\":\"carrier-unit\",\"seed\":7,\"sim\":{\"duration_s\":86400,\"time_scale\":1},"
    "\"shops\":[{\"id\":\"sp1\",\"flavor\":\"shopee\"}],"
    "\"catalog\":[{\"sku\":\"TEE-01\",\"stock\":10,\"daily_mean_sales\":1}],"
    "\"load\":{\"stages\":[{\"ramp_to_per_s\":1,\"sim_s\":60}]},"
    "\"parcels\":{\"pickup_s\":[60,60],\"hop_s\":[60,60],\"hops\":[3,3],\"problem_share\":0,"
    "\"refuse_share\":0,\"return_share\":0},"
    "\"faults\":[{\"kind\":\"tracking_stall\",\"target\":\"carrier:parcel\",\"probability\":1,"
    "\"duration_s\":3600},"
    "{\"kind\":\"garbled_tracking\",\"target\":\"carrier:EXP_RECE_SEARCH_ROUTES\","
    "\"probability\":1,\"mode\":\"repeated\"}]}";

static struct cm_app *app;
static char path[] = "/tmp/shipsim-carrier-unit-XXXXXX";

static int setup(void **state)
{
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, scenario_text, strlen(scenario_text)) <= 0)
        return -1;
    close(fd);
    app = calloc(1, sizeof(*app));
    simclock_init(&app->clock, 0, 1.0);
    struct app_options o = {.scenario_path = path};
    char err[ERR_BYTES_MAX];
    if (app_open(app, &o, err, sizeof(err)) != 0) {
        fprintf(stderr, "app_open: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    app_close(app);
    free(app);
    unlink(path);
    return 0;
}

static void test_stall_holds_events_once(void **state)
{
    int64_t now = simclock_now_ms(&app->clock);
    int rec = ledger_create(app->ledger, "SF", "U-1", now, 1, DUP_NONE, -1);
    assert_true(rec >= 0);
    int p = ledger_record(app->ledger, rec)->parcel;
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    int64_t first_transit = pp->plan.ev[1].sim_ms;
    assert_int_equal(first_transit - pp->plan.ev[0].sim_ms, 60000);
    track_advance(app, p, first_transit);
    assert_int_equal(pp->done, 1); /* collected; the transit event was held back */
    assert_true(pp->stalled);
    assert_int_equal(pp->plan.ev[1].sim_ms, first_transit + 3600000);
    assert_int_equal(fault_count(app->faults, FAULT_TRACKING_STALL), 1);
    track_advance(app, p, first_transit + 3600000 + 60000);
    assert_int_equal(pp->done, 3); /* resumed; no second stall */
    assert_int_equal(fault_count(app->faults, FAULT_TRACKING_STALL), 1);
}

static void test_garble_only_on_target(void **state)
{
    int p = ledger_find_waybill(app->ledger, ledger_record(app->ledger, 0)->waybill);
    assert_true(p >= 0);
    int done = ledger_parcel(app->ledger, p)->done;
    struct fault_ctx q = {"poll/query.do", NULL, "SF", "x", 0};
    struct track_view v;
    track_view_make(app, p, &q, &v);
    assert_int_equal(v.n, done);
    track_view_fini(&v);
    assert_int_equal(fault_count(app->faults, FAULT_GARBLED_TRACKING), 0);
    struct fault_ctx r = {"EXP_RECE_SEARCH_ROUTES", NULL, "SF", "x", 0};
    track_view_make(app, p, &r, &v);
    assert_int_equal(v.n, done + 1);
    track_view_fini(&v);
    assert_int_equal(fault_count(app->faults, FAULT_GARBLED_TRACKING), 1);
    track_view_make(app, p, NULL, &v); /* truth-side view: never garbled */
    assert_int_equal(v.n, done);
    track_view_fini(&v);
}

static void test_cancelled_never_moves(void **state)
{
    int64_t now = simclock_now_ms(&app->clock);
    int rec = ledger_create(app->ledger, "ZTO", "U-2", now, 2, DUP_NONE, -1);
    int p = ledger_record(app->ledger, rec)->parcel;
    ledger_cancel(app->ledger, rec, now);
    track_advance(app, p, now + 100LL * 24 * 3600 * 1000);
    assert_int_equal(ledger_parcel(app->ledger, p)->done, 0);
}

static void test_latency_samples(void **state)
{
    struct fault_rule r;
    memset(&r, 0, sizeof(r));
    r.kind = FAULT_LATENCY;
    r.delay_ms = 100;
    r.dist = LATENCY_FIXED;
    assert_true(wire_latency_ms(&r, 0.7) == 100.0);
    r.dist = LATENCY_UNIFORM;
    r.delay_ms_max = 300;
    assert_true(wire_latency_ms(&r, 0.0) == 100.0);
    assert_true(wire_latency_ms(&r, 0.5) == 200.0);
    r.dist = LATENCY_LONG_TAIL;
    r.delay_ms_max = 5000;
    double lo = wire_latency_ms(&r, 0.0), mid = wire_latency_ms(&r, 0.5);
    double hi = wire_latency_ms(&r, 0.999999);
    assert_true(lo >= 100.0 && lo < mid);
    assert_true(mid < 200.0);  /* most answers near the floor */
    assert_true(hi == 5000.0); /* the cap */
}

/* A notification still in flight at shutdown (its peer accepts and never answers) is freed by
 * app_close: the HTTP client drops it without running its callback (LSan in `make test`). */
static void test_calls_in_flight_freed_on_close(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/__sim/parcel", ntohs(a.sin_port));
    struct cm_app *x = calloc(1, sizeof(*x));
    assert_non_null(x);
    x->base = event_base_new();
    simclock_init(&x->clock, 0, 1.0);
    struct app_options o = {.scenario_path = path, .notify_url = url};
    char err[ERR_BYTES_MAX];
    assert_int_equal(app_open(x, &o, err, sizeof(err)), 0);
    int64_t now = simclock_now_ms(&x->clock);
    int rec = ledger_create(x->ledger, "SF", "U-INFLIGHT", now, 3, DUP_NONE, -1);
    int p = ledger_record(x->ledger, rec)->parcel;
    track_advance(x, p, ledger_parcel(x->ledger, p)->plan.ev[0].sim_ms); /* collected */
    assert_non_null(x->calls); /* the notification is in flight */
    for (int i = 0; i < 20; i++)
        event_base_loop(x->base, EVLOOP_NONBLOCK);
    app_close(x);
    assert_null(x->calls);
    event_base_free(x->base);
    free(x);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stall_holds_events_once),
        cmocka_unit_test(test_garble_only_on_target),
        cmocka_unit_test(test_cancelled_never_moves),
        cmocka_unit_test(test_latency_samples),
        cmocka_unit_test(test_calls_in_flight_freed_on_close),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
