/* Push verification (issue 6, push security): WeChat msg_signature must cover the body and the
 * timestamp be fresh (signature alone does not cover the body: a tampered body with the genuine
 * signature is refused); Shopee's Authorization HMAC covers url|body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/push.h"
#include "core/sig.h"

#define TOKEN "push-token-1"
#define NOW_S 1795305600.0

static const char body[] = "{\"ToUserName\":\"gh_x\",\"MsgType\":\"event\","
                           "\"Event\":\"channels_ec_order_pay\",\"order_info\":{\"order_id\":"
                           "3705115058471208192}}";
static const char tampered[] =
    "{\"ToUserName\":\"gh_x\",\"MsgType\":\"event\","
    "\"Event\":\"channels_ec_order_cancel\",\"order_info\":{\"order_id\":"
    "3705115058471208192}}";

static void msg_sig(const char *ts, const char *nonce, const char *text, char *out, int len)
{
    const char *parts[4] = {TOKEN, ts, nonce, text};
    assert_int_equal(sig_wechat(parts, 4, out, len), 0);
}

static void wechat_msg_signature(void **state)
{
    (void)state;
    char sig[64], wrong[64];
    const char *why = NULL;
    msg_sig("1795305600", "12345", body, sig, sizeof(sig));
    assert_true(push_wechat_verify(TOKEN, "1795305600", "12345", sig, body, NOW_S, &why));
    /* the forged_push "tampered_body" copy: new body, the genuine body's signatures */
    assert_false(push_wechat_verify(TOKEN, "1795305600", "12345", sig, tampered, NOW_S, &why));
    assert_string_equal(why, "msg_signature does not match");
    /* the "bad_signature" copy: one wrong hex digit */
    snprintf(wrong, sizeof(wrong), "%s", sig);
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    assert_false(push_wechat_verify(TOKEN, "1795305600", "12345", wrong, body, NOW_S, &why));
    /* another nonce, another token: the signature no longer matches */
    assert_false(push_wechat_verify(TOKEN, "1795305600", "12346", sig, body, NOW_S, &why));
    assert_false(push_wechat_verify("other", "1795305600", "12345", sig, body, NOW_S, &why));
    /* a genuine signature on an old push (a replay) */
    msg_sig("1795300000", "12345", body, sig, sizeof(sig));
    assert_false(push_wechat_verify(TOKEN, "1795300000", "12345", sig, body, NOW_S, &why));
    assert_string_equal(why, "stale timestamp");
    msg_sig("17953x", "12345", body, sig, sizeof(sig));
    assert_false(push_wechat_verify(TOKEN, "17953x", "12345", sig, body, NOW_S, &why));
    assert_string_equal(why, "timestamp is not a number");
}

static void freshness(void **state)
{
    (void)state;
    assert_true(push_fresh(NOW_S, NOW_S));
    assert_true(push_fresh(NOW_S - PUSH_FRESH_S + 1, NOW_S));
    assert_true(push_fresh(NOW_S - 2171, NOW_S)); /* a platform's last retry of a push */
    assert_false(push_fresh(NOW_S - PUSH_FRESH_S - 1, NOW_S));
    assert_false(push_fresh(NOW_S + PUSH_FRESH_S + 1, NOW_S));
    assert_false(push_fresh(0, NOW_S));
}

static void shopee_authorization(void **state)
{
    (void)state;
    const char *url = "http://127.0.0.1:8080/push/shopee/sp1-1";
    const char *b = "{\"data\":{\"ordersn\":\"261122ABCDEF12\",\"status\":\"READY_TO_SHIP\"},"
                    "\"shop_id\":1001,\"code\":3,\"timestamp\":1795305600}";
    const char *t = "{\"data\":{\"ordersn\":\"261122ABCDEF12\",\"status\":\"CANCELLED\"},"
                    "\"shop_id\":1001,\"code\":3,\"timestamp\":1795305600}";
    char msg[512], auth[80];
    int n = snprintf(msg, sizeof(msg), "%s|%s", url, b);
    assert_int_equal(sig_hmac_sha256_hex("pkey", msg, (size_t)n, auth, sizeof(auth)), 0);
    assert_true(push_shopee_sig_ok("pkey", url, b, strlen(b), auth));
    assert_false(push_shopee_sig_ok("pkey", url, t, strlen(t), auth)); /* tampered body */
    assert_false(push_shopee_sig_ok("other", url, b, strlen(b), auth));
    assert_false(push_shopee_sig_ok("pkey", "http://127.0.0.1:9/x", b, strlen(b), auth));
    assert_false(push_shopee_sig_ok("pkey", url, b, strlen(b), NULL));
    auth[5] = auth[5] == '0' ? '1' : '0';
    assert_false(push_shopee_sig_ok("pkey", url, b, strlen(b), auth));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wechat_msg_signature),
        cmocka_unit_test(freshness),
        cmocka_unit_test(shopee_authorization),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
