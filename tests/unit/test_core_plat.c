/* The platform and carrier parsers and the signing helpers on good, truncated and wrongly typed
 * bodies: every bad input is a precise outcome (retry + malformed_body), never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/carrier.h"
#include "core/order.h"
#include "core/plat.h"
#include "core/push.h"
#include "core/sig.h"

static void shopee_pages(void **state)
{
    (void)state;
    struct plat_page p;
    struct call_outcome o;
    const char *good =
        "{\"error\":\"\",\"message\":\"\",\"request_id\":\"r\",\"response\":{\"more\":"
        "true,\"next_cursor\":\"20\",\"order_list\":[{\"order_sn\":\"201218V2Y6E59M\","
        "\"order_status\":\"READY_TO_SHIP\"},{\"order_sn\":\"201218V2W2SG1E\"}]}}";
    assert_int_equal(shopee_parse_page(good, strlen(good), 200, &p, &o), 0);
    assert_int_equal(o.result, CALL_OK);
    assert_int_equal(p.n, 2);
    assert_true(p.more);
    assert_string_equal(p.next_cursor, "20");
    assert_string_equal(p.status[0], "READY_TO_SHIP");
    assert_int_equal(shopee_parse_page(good, strlen(good) / 2, 200, &p, &o), -1); /* truncated */
    assert_int_equal(o.result, CALL_RETRY);
    assert_int_equal(o.evidence, EVK_MALFORMED_BODY);
    const char *typed = "{\"error\":\"\",\"response\":{\"more\":\"1\",\"order_list\":[]}}";
    assert_int_equal(shopee_parse_page(typed, strlen(typed), 200, &p, &o), -1);
    const char *inject = "{\"error\":\"\",\"response\":{\"more\":false,\"next_cursor\":\"\","
                         "\"order_list\":[{\"order_sn\":\"../../etc\"}]}}";
    assert_int_equal(shopee_parse_page(inject, strlen(inject), 200, &p, &o), -1);
    const char *rate = "{\"error\":\"error_rate_limit\",\"message\":\"Too many requests.\"}";
    assert_int_equal(shopee_parse_page(rate, strlen(rate), 429, &p, &o), 0);
    assert_int_equal(o.result, CALL_RETRY);
    assert_int_equal(o.evidence, EVK_RATE_LIMITED);
    const char *maint = "<html>down</html>";
    (void)shopee_parse_page(maint, strlen(maint), 503, &p, &o);
    assert_int_equal(o.evidence, EVK_MAINTENANCE);
    const char *auth =
        "{\"error\":\"invalid_acceess_token\",\"message\":\"Invalid access_token.\"}";
    assert_int_equal(shopee_parse_page(auth, strlen(auth), 403, &p, &o), 0);
    assert_int_equal(o.result, CALL_AUTH);
}

static void shopee_detail_and_ship(void **state)
{
    (void)state;
    struct plat_order orders[4];
    struct call_outcome o;
    int n = 0;
    const char *good =
        "{\"error\":\"\",\"response\":{\"order_list\":[{\"order_sn\":\"220810QSK8S7BX\","
        "\"order_status\":\"READY_TO_SHIP\",\"update_time\":1660123127,\"pay_time\":"
        "1660123000,\"buyer_username\":\"b1\",\"item_list\":[{\"model_sku\":\"TEE-01\","
        "\"model_quantity_purchased\":2}]}]}}";
    assert_int_equal(shopee_parse_detail(good, strlen(good), 200, orders, 4, &n, &o), 0);
    assert_int_equal(n, 1);
    assert_int_equal(orders[0].rank, PR_PAID);
    assert_int_equal(orders[0].update_s, 1660123127);
    assert_string_equal(orders[0].buyer, "b1");
    assert_non_null(strstr(orders[0].lines, "\"TEE-01\""));
    const char *typed = "{\"error\":\"\",\"response\":{\"order_list\":[{\"order_sn\":\"X1\","
                        "\"order_status\":\"READY_TO_SHIP\",\"update_time\":\"1660123127\"}]}}";
    assert_int_equal(shopee_parse_detail(typed, strlen(typed), 200, orders, 4, &n, &o), -1);
    assert_int_equal(n, 0);
    const char *shipped = "{\"error\":\"logistics.package_already_shipped\",\"message\":\"\"}";
    assert_int_equal(shopee_parse_ship(shipped, strlen(shipped), 200, &o), 0);
    assert_int_equal(o.result, CALL_OK);
    const char *used = "{\"error\":\"logistics.error_param\",\"message\":\"The tracking number has "
                       "been used by other orders, please fill in a valid one.\"}";
    assert_int_equal(shopee_parse_ship(used, strlen(used), 200, &o), 0);
    assert_int_equal(o.result, CALL_REJECT);
    assert_int_equal(o.evidence, EVK_FOREIGN_WAYBILL);
}

static void wechat_bodies(void **state)
{
    (void)state;
    struct plat_page p;
    struct plat_order po;
    struct call_outcome o;
    const char *list =
        "{\"errcode\":0,\"errmsg\":\"ok\",\"order_id_list\":[\"3705115058471208928\"],"
        "\"next_key\":\"k\",\"has_more\":false}";
    assert_int_equal(wechat_parse_page(list, strlen(list), &p, &o), 0);
    assert_int_equal(p.n, 1);
    const char *bare = "{\"errcode\":0,\"order_id_list\":[3705115058471208928]}"; /* number */
    assert_int_equal(wechat_parse_page(bare, strlen(bare), &p, &o), -1);
    const char *det =
        "{\"errcode\":0,\"order\":{\"order_id\":\"3732676853715311104\",\"status\":20,"
        "\"update_time\":1764642403,\"openid\":\"OPENID\",\"order_detail\":{"
        "\"product_infos\":[{\"product_id\":\"1\",\"sku_id\":\"2\",\"sku_code\":"
        "\"MIC4007\",\"sku_cnt\":1}],\"pay_info\":{\"pay_time\":1764642403}}}}";
    assert_int_equal(wechat_parse_detail(det, strlen(det), &po, &o), 0);
    assert_int_equal(po.rank, PR_PAID);
    assert_string_equal(po.buyer, "OPENID");
    const char *busy = "{\"errcode\":-1,\"errmsg\":\"system busy\"}";
    assert_int_equal(wechat_parse_ship(busy, strlen(busy), &o), 0);
    assert_int_equal(o.evidence, EVK_MAINTENANCE);
    const char *again = "{\"errcode\":109001,\"errmsg\":\"already\"}";
    assert_int_equal(wechat_parse_ship(again, strlen(again), &o), 0);
    assert_int_equal(o.result, CALL_OK);
    const char *quota = "{\"errcode\":45011,\"errmsg\":\"api minute-quota reach limit\"}";
    assert_int_equal(wechat_parse_ship(quota, strlen(quota), &o), 0);
    assert_int_equal(o.evidence, EVK_RATE_LIMITED);
}

static void carrier_bodies(void **state)
{
    (void)state;
    struct carrier_reply r;
    struct call_outcome o;
    const char *good = "{\"apiResultCode\":\"A1000\",\"apiErrorMsg\":\"\",\"apiResponseID\":\"x\","
                       "\"apiResultData\":\"{\\\"success\\\":true,\\\"errorCode\\\":\\\"S0000\\\","
                       "\\\"msgData\\\":{\\\"waybillNoInfoList\\\":[{\\\"waybillType\\\":1,"
                       "\\\"waybillNo\\\":\\\"SF7444407228423\\\"}]}}\"}";
    assert_int_equal(carrier_parse(good, strlen(good), 200, &r, &o), 0);
    assert_int_equal(o.result, CALL_OK);
    assert_true(r.success);
    assert_int_equal(r.waybill_count, 1);
    assert_string_equal(r.waybills[0], "SF7444407228423");
    const char *object = "{\"apiResultCode\":\"A1000\",\"apiResultData\":{\"success\":true}}";
    assert_int_equal(carrier_parse(object, strlen(object), 200, &r, &o), -1);
    assert_int_equal(o.evidence, EVK_MALFORMED_BODY);
    const char *auth =
        "{\"apiResultCode\":\"A1004\",\"apiErrorMsg\":\"no\",\"apiResultData\":null}";
    assert_int_equal(carrier_parse(auth, strlen(auth), 200, &r, &o), 0);
    assert_int_equal(o.result, CALL_AUTH);
    assert_int_equal(carrier_parse("{\"apiRes", 8, 200, &r, &o), -1);
    /* EXP_RECE_VALIDATE_WAYBILLNO: the reference that owns the number */
    const char *owner = "{\"apiResultCode\":\"A1000\",\"apiResultData\":\"{\\\"success\\\":true,"
                        "\\\"errorCode\\\":\\\"S0000\\\",\\\"msgData\\\":{\\\"waybillNo\\\":"
                        "\\\"SF7444407228423\\\",\\\"orderId\\\":\\\"2611220FV31LHE-R1\\\"}}\"}";
    assert_int_equal(carrier_parse(owner, strlen(owner), 200, &r, &o), 0);
    assert_int_equal(o.result, CALL_OK);
    assert_string_equal(r.order_ref, "2611220FV31LHE-R1");
    assert_int_equal(r.waybill_count, 0);
    char longref[256];
    snprintf(longref, sizeof(longref),
             "{\"apiResultCode\":\"A1000\",\"apiResultData\":\"{\\\"success\\\":true,"
             "\\\"msgData\\\":{\\\"orderId\\\":\\\"%070d\\\"}}\"}",
             7);
    assert_int_equal(carrier_parse(longref, strlen(longref), 200, &r, &o), 0);
    assert_string_equal(r.order_ref, ""); /* over SF's 64: not taken */
}

static void signatures(void **state)
{
    (void)state;
    char out[80];
    /* WeChat's worked example (API.md 2.4) */
    const char *parts[] = {"AAAAA", "1714036504", "1514711492"};
    assert_int_equal(sig_wechat(parts, 3, out, sizeof(out)), 0);
    assert_string_equal(out, "f464b24fc39322e44b38aa78f5edd27bd1441696");
    /* RFC 4231 test case 2 */
    assert_int_equal(
        sig_hmac_sha256_hex("Jefe", "what do ya want for nothing?", 28, out, sizeof(out)), 0);
    assert_string_equal(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assert_int_equal(sig_md5_upper_hex("", 0, out, sizeof(out)), 0);
    assert_string_equal(out, "D41D8CD98F00B204E9800998ECF8427E");
    assert_int_equal(sig_urlencode_plus("a b+c/中", out, sizeof(out)), 0);
    assert_string_equal(out, "a+b%2Bc%2F%E4%B8%AD");
    char dec[] = "a+b%2Bc%2F";
    assert_int_equal(sig_urldecode(dec), 0);
    assert_string_equal(dec, "a b+c/");
    char bad[] = "%G1";
    assert_int_equal(sig_urldecode(bad), -1);
    assert_true(sig_equal("abc", "ABC", 1));
    assert_false(sig_equal("abc", "abd", 1));
    assert_false(sig_equal("abc", "abcd", 0));
}

static void pushes(void **state)
{
    (void)state;
    char sign[80], id[32];
    const char *url = "http://127.0.0.1:9/push/shopee/sp1-1";
    const char *body = "{\"code\":3}";
    char msg[128];
    snprintf(msg, sizeof(msg), "%s|%s", url, body);
    assert_int_equal(sig_hmac_sha256_hex("key", msg, strlen(msg), sign, sizeof(sign)), 0);
    assert_true(push_shopee_sig_ok("key", url, body, strlen(body), sign));
    assert_false(push_shopee_sig_ok("key", url, "{\"code\":4}", 10, sign)); /* tampered */
    assert_false(push_shopee_sig_ok("other", url, body, strlen(body), sign));
    assert_false(push_shopee_sig_ok("key", url, body, strlen(body), NULL));
    assert_int_equal(
        push_wechat_order_id("{\"order_info\":{\"order_id\":3705115058471208928}}", id, sizeof(id)),
        0);
    assert_string_equal(id, "3705115058471208928"); /* not through a double */
    assert_int_equal(push_wechat_order_id("{\"x\":1}", id, sizeof(id)), -1);
    char plain[64];
    assert_int_equal(push_wechat_decrypt("short", "AAAA", plain, sizeof(plain)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shopee_pages),  cmocka_unit_test(shopee_detail_and_ship),
        cmocka_unit_test(wechat_bodies), cmocka_unit_test(carrier_bodies),
        cmocka_unit_test(signatures),    cmocka_unit_test(pushes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
