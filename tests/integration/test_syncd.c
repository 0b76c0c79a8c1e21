/* syncd against the real mocks on loopback (issue 5): orders placed and paid through mockplat's
 * control API must all be shipped on the platform, each with one waybill that no other order
 * has; and after repeated SIGKILL + restart of syncd nothing is lost or duplicated. Binaries from
 * $SHIPSIM_BIN. One fault kind at a time: test_syncd_faults.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/sha.h>

#include "syncd_harness.h"

static void no_faults(void **state)
{
    (void)state;
    run_case("", 40, NULL);
}

static void survives_sigkill(void **state)
{
    (void)state;
    struct world w;
    char ids[60][40];
    start_world(&w, FAULT("timeout", "carrier:*", ""));
    int paid = place_orders(&w, 0, 30, ids);
    for (int k = 0; k < 3; k++) {
        usleep((useconds_t)(300 + 200 * k) * 1000);
        stop(&w.syncd, SIGKILL);
        start_syncd(&w);
    }
    paid += place_orders(&w, 30, 10, ids);
    struct tally t = wait_shipped(&w, paid);
    fprintf(stderr, "sigkill: paid %d shipped %d dup %d\n", t.paid, t.shipped, t.dup_waybills);
    stop_world(&w);
    assert_true(t.shipped >= paid);
    assert_int_equal(t.dup_waybills, 0);
}

/* Orders syncd knows in its state dump. */
static int core_orders(struct world *w)
{
    char *text = NULL;
    int n = 0;
    assert_int_equal(http("GET", w->syncd.port, "/__state", NULL, &text), 200);
    for (const char *p = text; (p = strstr(p, "\"type\":\"order\"")) != NULL; p++) {
        n++;
    }
    free(text);
    return n;
}

/* A backup taken while running, the database lost, a restart from the backup: reconciliation
 * catches up and nothing is lost or duplicated. */
static void restore_from_backup(void **state)
{
    (void)state;
    struct world w;
    char ids[40][40], *reply = NULL;
    start_world(&w, "");
    int paid = place_orders(&w, 0, 16, ids);
    assert_int_equal(wait_shipped(&w, paid).shipped, paid);
    assert_int_equal(http("POST", w.syncd.port, "/__backup", "", &reply), 200);
    cJSON *doc = cJSON_Parse(reply);
    free(reply);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(doc, "path")));
    snprintf(w.restore, sizeof(w.restore), "%s", cJSON_GetObjectItem(doc, "path")->valuestring);
    cJSON_Delete(doc);
    paid += place_orders(&w, 16, 12, ids);
    assert_int_equal(wait_shipped(&w, paid).shipped, paid);
    stop(&w.syncd, SIGKILL);
    char path[256];
    unlink(w.db);
    snprintf(path, sizeof(path), "%s-wal", w.db);
    unlink(path);
    snprintf(path, sizeof(path), "%s-shm", w.db);
    unlink(path);
    start_syncd(&w);
    paid += place_orders(&w, 28, 8, ids);
    struct tally t = wait_shipped(&w, paid);
    int known = 0;
    for (int waited = 0; waited < T_WAIT_MS && known < 36; waited += 250) {
        known = core_orders(&w);
        usleep(250 * 1000);
    }
    fprintf(stderr, "restore: paid %d shipped %d dup %d core knows %d of 36\n", t.paid, t.shipped,
            t.dup_waybills, known);
    stop_world(&w);
    assert_int_equal(t.shipped, paid);
    assert_int_equal(t.dup_waybills, 0);
    assert_int_equal(known, 36);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* WeChat's sha1(sort(parts)) in hex. */
static void wx_sign(const char **parts, int n, char out[41])
{
    char joined[1024] = "";
    unsigned char md[SHA_DIGEST_LENGTH];
    qsort(parts, (size_t)n, sizeof(*parts), cmp_str);
    for (int i = 0; i < n; i++) {
        strncat(joined, parts[i], sizeof(joined) - strlen(joined) - 1);
    }
    SHA1((const unsigned char *)joined, strlen(joined), md);
    for (int i = 0; i < SHA_DIGEST_LENGTH; i++) {
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
}

/* POST a WeChat event signed at sim second ts_s: msg_signature over signed_body, body sent. */
static long wx_push(struct world *w, const char *token, long long ts_s, const char *signed_body,
                    const char *body)
{
    char ts[24], path[512], sig[41], msg_sig[41];
    snprintf(ts, sizeof(ts), "%lld", ts_s);
    const char *p3[3] = {token, ts, "4242"};
    const char *p4[4] = {token, ts, "4242", signed_body};
    wx_sign(p3, 3, sig);
    wx_sign(p4, 4, msg_sig);
    snprintf(path, sizeof(path),
             "/push/wechat/wx1-1?signature=%s&timestamp=%s&nonce=4242&encrypt_type=plain"
             "&msg_signature=%s",
             sig, ts, msg_sig);
    return http("POST", w->syncd.port, path, body, NULL);
}

/* A WeChat push is taken only when msg_signature covers its body and its timestamp is fresh:
 * `signature` alone (token, timestamp, nonce) says nothing about the body. */
static void wechat_push_body_signed(struct world *w)
{
    const char *token = NULL;
    for (int i = 0; i < w->sc->shop_count; i++) {
        static struct shop_instance s;
        assert_int_equal(scenario_shop(w->sc, i, &s), 0);
        if (strcmp(s.name, "wx1-1") == 0) {
            token = s.push_token;
        }
    }
    assert_non_null(token);
    long long now_s =
        (strtoll(w->clock_epoch, NULL, 10) + (mono_now_ns() - strtoll(w->clock_anchor, NULL, 10)) /
                                                 1000000 * strtoll(T_SCALE, NULL, 10)) /
        1000;
    const char *genuine = "{\"ToUserName\":\"gh_x\",\"MsgType\":\"event\",\"Event\":\"ping\"}";
    const char *tampered = "{\"ToUserName\":\"gh_y\",\"MsgType\":\"event\",\"Event\":\"ping\"}";
    assert_int_equal(wx_push(w, token, now_s, genuine, genuine), 200);
    assert_int_equal(wx_push(w, token, now_s, genuine, tampered), 401);       /* body changed */
    assert_int_equal(wx_push(w, token, now_s - 7200, genuine, genuine), 401); /* a replay */
}

/* Bad input from the network: garbage, truncated and wrongly typed bodies, forged signatures,
 * oversized bodies, unknown shops, missing tokens. Each is refused; syncd keeps serving. */
static void bad_input_is_refused(void **state)
{
    (void)state;
    struct world w;
    start_world(&w, "");
    int port = w.syncd.port;
    static const char *const bodies[] = {
        "",
        "{",
        "null",
        "[]",
        "{\"code\":3,\"shop_id\":\"x\",\"data\":7}",
        "{\"code\":3,\"data\":{\"ordersn\":\"../../x\"}}",
        "\xff\xfe garbage",
    };
    for (unsigned i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        long st = http("POST", port, "/push/shopee/sp1-1", bodies[i], NULL);
        assert_true(st >= 400 && st < 500); /* no valid Authorization: refused */
        st = http("POST", port, "/push/wechat/wx1-1?timestamp=1&nonce=2&signature=x", bodies[i],
                  NULL);
        assert_true(st >= 400 && st < 500);
        st = http("POST", port, "/push/kuaidi100", bodies[i], NULL);
        assert_true(st >= 400 && st < 500);
    }
    assert_int_equal(http("POST", port, "/push/kuaidi100", "param=%7B%7D&sign=00", NULL), 400);
    assert_int_equal(http("POST", port, "/push/shopee/nope", "{}", NULL), 404);
    assert_int_equal(http("GET", port, "/push/wechat/wx1-1?echostr=x", NULL, NULL), 401);
    size_t big_len = 5 * 1024 * 1024;
    char *big = malloc(big_len + 1);
    memset(big, 'a', big_len);
    big[big_len] = '\0';
    long st = http("POST", port, "/push/shopee/sp1-1", big, NULL);
    free(big);
    assert_true(st == 0 || (st >= 400 && st < 500)); /* refused or the connection closed */
    /* the dumps need the admin token */
    CURL *h = curl_easy_init();
    char url[128];
    long code = 0;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/__state", port);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(h);
    assert_int_equal(code, 401);
    assert_int_equal(http("GET", port, "/healthz", NULL, NULL), 200);
    wechat_push_body_signed(&w);
    int journaled = evidence_has(&w, "bad_signature");
    stop_world(&w);
    assert_true(journaled);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(no_faults, teardown),
        cmocka_unit_test_teardown(survives_sigkill, teardown),
        cmocka_unit_test_teardown(restore_from_backup, teardown),
        cmocka_unit_test_teardown(bad_input_is_refused, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
