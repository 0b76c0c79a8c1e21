/* mocks/plat/sign.c and the list cursors: published vectors (RFC 4231, API.md's Shopee base
 * string, WeChat's worked URL-check example) and cursor binding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plat/plat.h"
#include "plat/sign.h"

static void test_hmac_rfc4231(void **state)
{
    (void)state;
    char out[SIGN_HEX_BYTES];
    const char *msg = "what do ya want for nothing?";
    sign_hmac_sha256_hex("Jefe", msg, strlen(msg), out);
    assert_string_equal(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* API.md 1.1: base = partner_id + api_path + timestamp + access_token + shop_id, e.g.
 * 2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711 */
static void test_shopee_base_string(void **state)
{
    (void)state;
    const char *key = "test-partner-key";
    const char *base =
        "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711";
    char want[SIGN_HEX_BYTES], got[SIGN_HEX_BYTES];
    sign_hmac_sha256_hex(key, base, strlen(base), want);
    sign_shopee_request(key, 2001887, "/api/v2/shop/get_shop_info", 1655714431,
                        "59777174636562737266615546704c6d", 14701711, got);
    assert_string_equal(got, want);
    assert_int_equal(strlen(got), 64);
    /* public API: no token, no shop */
    const char *pub = "2001887/api/v2/auth/access_token/get1655714431";
    sign_hmac_sha256_hex(key, pub, strlen(pub), want);
    sign_shopee_request(key, 2001887, "/api/v2/auth/access_token/get", 1655714431, NULL, 0, got);
    assert_string_equal(got, want);
}

static void test_shopee_push_signature(void **state)
{
    (void)state;
    const char *url = "http://127.0.0.1:9000/push/shopee/sp1-1";
    const char *body = "{\"code\":3}";
    const char *joined = "http://127.0.0.1:9000/push/shopee/sp1-1|{\"code\":3}";
    char want[SIGN_HEX_BYTES], got[SIGN_HEX_BYTES];
    sign_hmac_sha256_hex("k", joined, strlen(joined), want);
    sign_shopee_push("k", url, body, strlen(body), got);
    assert_string_equal(got, want);
}

/* API.md 2.4: token AAAAA, timestamp 1714036504, nonce 1514711492 ->
 * f464b24fc39322e44b38aa78f5edd27bd1441696 */
static void test_wechat_signature_example(void **state)
{
    (void)state;
    char out[SHA1_HEX_BYTES];
    const char *parts[] = {"AAAAA", "1714036504", "1514711492"};
    sign_wechat(parts, 3, out);
    assert_string_equal(out, "f464b24fc39322e44b38aa78f5edd27bd1441696");
    const char *shuffled[] = {"1514711492", "AAAAA", "1714036504"};
    sign_wechat(shuffled, 3, out);
    assert_string_equal(out, "f464b24fc39322e44b38aa78f5edd27bd1441696");
}

static void test_sign_equal(void **state)
{
    (void)state;
    assert_true(sign_equal("abc", "abc"));
    assert_false(sign_equal("abc", "abd"));
    assert_false(sign_equal("abc", "abcd"));
    assert_false(sign_equal("", "a"));
}

static void test_cursor_roundtrip_and_scope(void **state)
{
    (void)state;
    char text[64];
    uint64_t serial = 0;
    plat_cursor_encode("sp1-1|update_time|1|2|", 12345, text, sizeof(text));
    assert_int_equal(plat_cursor_decode("sp1-1|update_time|1|2|", text, &serial), 0);
    assert_true(serial == 12345);
    assert_int_equal(plat_cursor_decode("sp1-2|update_time|1|2|", text, &serial), -1);
    assert_int_equal(plat_cursor_decode("sp1-1|update_time|1|2|", "12345", &serial), -1);
    assert_int_equal(plat_cursor_decode("sp1-1|update_time|1|2|", "zz-00000000", &serial), -1);
    assert_int_equal(plat_cursor_decode("x", "", &serial), 0);
    assert_true(serial == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_shopee_base_string),
        cmocka_unit_test(test_shopee_push_signature),
        cmocka_unit_test(test_wechat_signature_example),
        cmocka_unit_test(test_sign_equal),
        cmocka_unit_test(test_cursor_roundtrip_and_scope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
