/* garbled_tracking transformations, one mode at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "carrier/garble.h"

static int utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80             ? 0
                : (*p & 0xE0) == 0xC0 ? 1
                : (*p & 0xF0) == 0xE0 ? 2
                : (*p & 0xF8) == 0xF0 ? 3
                                      : -1;
        if (n < 0)
            return 0;
        p++;
        for (int i = 0; i < n; i++, p++)
            if ((*p & 0xC0) != 0x80)
                return 0;
    }
    return 1;
}

static void test_gbk_mojibake_matches_python(void **state)
{
    /* Python: '成功'.encode('utf-8').decode('gbk') == '鎴愬姛' */
    char *g = garble_text(GARBLE_GBK_MOJIBAKE, "成功");
    assert_non_null(g);
    assert_string_equal(g, "鎴愬姛");
    assert_true(utf8_valid(g));
    free(g);
    char *h = garble_text(GARBLE_GBK_MOJIBAKE, "快件到达【深圳华南中转场】");
    assert_string_not_equal(h, "快件到达【深圳华南中转场】");
    assert_true(utf8_valid(h));
    free(h);
}

static void test_latin1_mojibake_matches_python(void **state)
{
    /* Python: '已签收'.encode('utf-8').decode('latin-1') */
    char *g = garble_text(GARBLE_LATIN1_MOJIBAKE, "已签收");
    assert_string_equal(g,
                        "\xc3\xa5\xc2\xb7\xc2\xb2\xc3\xa7\xc2\xad\xc2\xbe\xc3\xa6\xc2\x94\xc2\xb6");
    assert_true(utf8_valid(g));
    free(g);
}

static void test_invalid_utf8(void **state)
{
    char *g = garble_text(GARBLE_INVALID_UTF8, "已签收 ok");
    assert_false(utf8_valid(g));
    assert_non_null(strchr(g, (char)0xFF));
    free(g);
    char *a = garble_text(GARBLE_INVALID_UTF8, "ascii only");
    assert_string_equal(a, "ascii only"); /* nothing to break: caller does not record */
    free(a);
}

static void test_truncate_waybill(void **state)
{
    char wb[] = "SF1400012345679";
    assert_int_equal(garble_waybill(wb), 0);
    assert_string_equal(wb, "SF1400012345");
    char tiny[] = "SF1";
    assert_int_equal(garble_waybill(tiny), -1);
}

static void test_order_modes(void **state)
{
    int idx[8] = {0, 1, 2, 3};
    assert_int_equal(garble_order(GARBLE_REPEATED_EVENTS, 0.5, idx, 4, 8), 5);
    assert_int_equal(idx[2], 2);
    assert_int_equal(idx[3], 2);
    assert_int_equal(idx[4], 3);
    int o[8] = {0, 1, 2, 3};
    assert_int_equal(garble_order(GARBLE_OUT_OF_ORDER, 0.0, o, 4, 8), 4);
    assert_int_equal(o[0], 1);
    assert_int_equal(o[1], 0);
    int one[2] = {0};
    assert_int_equal(garble_order(GARBLE_OUT_OF_ORDER, 0.3, one, 1, 2), -1);
    assert_int_equal(garble_order(GARBLE_REPEATED_EVENTS, 0.3, one, 0, 2), -1);
}

static void test_mode_names_and_pick(void **state)
{
    assert_int_equal(garble_mode_parse("gbk_mojibake"), GARBLE_GBK_MOJIBAKE);
    assert_int_equal(garble_mode_parse("repeated"), GARBLE_REPEATED_EVENTS);
    assert_int_equal(garble_mode_parse(""), -2);
    assert_int_equal(garble_mode_parse("mojibake"), -3);
    assert_int_equal(garble_mode_parse("nonsense"), -1);
    assert_int_equal(garble_mode_pick("mojibake", 0.1), GARBLE_GBK_MOJIBAKE);
    assert_int_equal(garble_mode_pick("mojibake", 0.9), GARBLE_LATIN1_MOJIBAKE);
    assert_int_equal(garble_mode_pick("out_of_order", 0.1), GARBLE_OUT_OF_ORDER);
    int seen[GARBLE_MODE_COUNT] = {0};
    for (int i = 0; i < 60; i++)
        seen[garble_mode_pick("", i / 60.0)]++;
    for (int m = 0; m < GARBLE_MODE_COUNT; m++)
        assert_true(seen[m] > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gbk_mojibake_matches_python),
        cmocka_unit_test(test_latin1_mojibake_matches_python),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_truncate_waybill),
        cmocka_unit_test(test_order_modes),
        cmocka_unit_test(test_mode_names_and_pick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
