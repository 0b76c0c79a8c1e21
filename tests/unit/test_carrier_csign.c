/* Carrier signatures against vectors computed independently (Python hashlib/base64/urllib). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "carrier/csign.h"

#define MSG "{\"orderId\":\"QIAO-20200728-001\",\"remark\":\"易碎 *~ 轻放\"}"
#define TS "1595923200000"
#define CW "checkword123"

static void test_sf_digest_python_style(void **state)
{
    char d[CSIGN_DIGEST_BYTES_MAX];
    assert_int_equal(csign_sf_digest(MSG, TS, CW, CSIGN_PYTHON, d, sizeof(d)), 0);
    assert_string_equal(d, "1029a80pOOGlDTWvZLCiEw==");
}

static void test_sf_digest_java_style(void **state)
{
    char d[CSIGN_DIGEST_BYTES_MAX];
    assert_int_equal(csign_sf_digest(MSG, TS, CW, CSIGN_JAVA, d, sizeof(d)), 0);
    assert_string_equal(d, "sT3WBJ0qM2iZbNBcmDkh8w==");
}

static void test_sf_digest_check(void **state)
{
    assert_true(csign_sf_digest_ok(MSG, TS, CW, "1029a80pOOGlDTWvZLCiEw=="));
    assert_true(csign_sf_digest_ok(MSG, TS, CW, "sT3WBJ0qM2iZbNBcmDkh8w=="));
    assert_false(csign_sf_digest_ok(MSG, TS, "checkword124", "1029a80pOOGlDTWvZLCiEw=="));
    assert_false(csign_sf_digest_ok(MSG, "1595923200001", CW, "1029a80pOOGlDTWvZLCiEw=="));
    assert_false(csign_sf_digest_ok(MSG, TS, CW, "1029a80pOOGlDTWvZLCiEw="));
    assert_false(csign_sf_digest_ok(MSG, TS, CW, NULL));
}

static void test_urlencode_plus(void **state)
{
    char *a = csign_urlencode_plus("a b+c*~/", 8, CSIGN_JAVA);
    assert_string_equal(a, "a+b%2Bc*%7E%2F");
    char *b = csign_urlencode_plus("a b+c*~/", 8, CSIGN_PYTHON);
    assert_string_equal(b, "a+b%2Bc%2A~%2F");
    char *c = csign_urlencode_plus("成", strlen("成"), CSIGN_JAVA);
    assert_string_equal(c, "%E6%88%90");
    free(a);
    free(b);
    free(c);
}

static void test_kuaidi100_signs(void **state)
{
    const char *param = "{\"com\":\"shunfeng\",\"num\":\"SF1234\"}";
    assert_true(csign_k100_query_ok(param, "KEY", "CUST", "357229A4A292A61ED740302B0793DF6D"));
    assert_false(csign_k100_query_ok(param, "KEY", "CUST", "357229a4a292a61ed740302b0793df6d"));
    assert_false(csign_k100_query_ok(param, "KEZ", "CUST", "357229A4A292A61ED740302B0793DF6D"));
    char s[CSIGN_MD5_HEX_BYTES];
    csign_md5_upper("{\"a\":1}", "salt", NULL, s, sizeof(s));
    assert_string_equal(s, "B218F90555A22945EC35A666B2C7B040");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sf_digest_python_style), cmocka_unit_test(test_sf_digest_java_style),
        cmocka_unit_test(test_sf_digest_check),        cmocka_unit_test(test_urlencode_plus),
        cmocka_unit_test(test_kuaidi100_signs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
