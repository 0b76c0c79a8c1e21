/* Waybill formats: every carrier's issued numbers pass, every single-digit change, truncation and
 * extension fails, serials give distinct numbers, and the Kuaidi100 codes map both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "common/waybill.h"

static const char *const carriers[] = {"SF", "ZTO", "YUNDA", "YTO", "STO", "JD"};
#define SERIALS 40

static void test_issued_numbers_are_valid(void **state)
{
    for (size_t c = 0; c < sizeof(carriers) / sizeof(carriers[0]); c++) {
        for (uint64_t s = 0; s < SERIALS; s++) {
            char wb[32];
            assert_int_equal(waybill_make(carriers[c], 1234567890ULL + s * 7919, wb, sizeof(wb)),
                             0);
            assert_true(waybill_valid(carriers[c], wb));
        }
    }
}

static void test_shapes_match_api_md(void **state)
{
    char wb[32];
    assert_int_equal(waybill_make("SF", 42, wb, sizeof(wb)), 0);
    assert_int_equal(strlen(wb), 15); /* SF + 13 digits */
    assert_memory_equal(wb, "SF", 2);
    assert_int_equal(waybill_make("YTO", 42, wb, sizeof(wb)), 0);
    assert_int_equal(strlen(wb), 15);
    assert_memory_equal(wb, "YT", 2);
    assert_int_equal(waybill_make("ZTO", 42, wb, sizeof(wb)), 0);
    assert_int_equal(strlen(wb), 14);
    assert_int_equal(waybill_make("STO", 42, wb, sizeof(wb)), 0);
    assert_int_equal(strlen(wb), 14);
    assert_int_equal(waybill_make("YUNDA", 42, wb, sizeof(wb)), 0);
    assert_int_equal(strlen(wb), 13);
    assert_int_equal(waybill_make("JD", 42, wb, sizeof(wb)), 0);
    assert_int_equal(strlen(wb), 15); /* JDV + letter + 11 digits */
    assert_memory_equal(wb, "JDV", 3);
}

static void test_every_single_digit_change_fails(void **state)
{
    for (size_t c = 0; c < sizeof(carriers) / sizeof(carriers[0]); c++) {
        for (uint64_t s = 0; s < SERIALS; s++) {
            char wb[32];
            assert_int_equal(waybill_make(carriers[c], 987654321ULL + s * 104729, wb, sizeof(wb)),
                             0);
            size_t len = strlen(wb);
            for (size_t i = 0; i < len; i++) {
                if (wb[i] < '0' || wb[i] > '9')
                    continue;
                for (char d = '0'; d <= '9'; d++) {
                    if (d == wb[i])
                        continue;
                    char m[32];
                    memcpy(m, wb, len + 1);
                    m[i] = d;
                    if (waybill_valid(carriers[c], m))
                        fail_msg("%s: %s -> %s passed", carriers[c], wb, m);
                }
            }
        }
    }
}

static void test_truncation_and_extension_fail(void **state)
{
    for (size_t c = 0; c < sizeof(carriers) / sizeof(carriers[0]); c++) {
        char wb[32];
        assert_int_equal(waybill_make(carriers[c], 5555555555ULL, wb, sizeof(wb)), 0);
        size_t len = strlen(wb);
        for (size_t cut = 0; cut < len; cut++) {
            char m[32];
            memcpy(m, wb, cut);
            m[cut] = '\0';
            assert_false(waybill_valid(carriers[c], m));
        }
        char longer[40];
        snprintf(longer, sizeof(longer), "%s0", wb);
        assert_false(waybill_valid(carriers[c], longer));
    }
}

static void test_letters_and_foreign_formats_fail(void **state)
{
    char wb[32];
    assert_int_equal(waybill_make("SF", 77, wb, sizeof(wb)), 0);
    assert_false(waybill_valid("ZTO", wb));
    wb[1] = 'G';
    assert_false(waybill_valid("SF", wb));
    assert_int_equal(waybill_make("JD", 77, wb, sizeof(wb)), 0);
    wb[3] = 'Z'; /* JDV + letter outside A-D */
    assert_false(waybill_valid("JD", wb));
    assert_int_equal(waybill_make("ZTO", 77, wb, sizeof(wb)), 0);
    assert_false(waybill_valid("STO", wb)); /* disjoint prefixes */
    assert_false(waybill_valid("SF", NULL));
    assert_false(waybill_valid("DHL", "SF1234567890123"));
    assert_false(waybill_valid("SF", "SF12345678901a3"));
}

static void test_distinct_serials_distinct_numbers(void **state)
{
    char a[32], b[32];
    for (uint64_t s = 0; s < 200; s++) {
        assert_int_equal(waybill_make("ZTO", s, a, sizeof(a)), 0);
        assert_int_equal(waybill_make("ZTO", s + 1, b, sizeof(b)), 0);
        assert_string_not_equal(a, b);
    }
    assert_int_equal(waybill_make("SF", 10000000000ULL, a, sizeof(a)), -1); /* serial < 10^10 */
    assert_int_equal(waybill_make("SF", 1, a, 8), -1);                      /* small buffer */
    assert_int_equal(waybill_make("XX", 1, a, sizeof(a)), -1);
}

static void test_kuaidi100_codes(void **state)
{
    assert_string_equal(waybill_kuaidi100_code("SF"), "shunfeng");
    assert_string_equal(waybill_kuaidi100_code("ZTO"), "zhongtong");
    assert_string_equal(waybill_kuaidi100_code("YUNDA"), "yunda");
    assert_string_equal(waybill_carrier_from_kuaidi100("yuantong"), "YTO");
    assert_null(waybill_carrier_from_kuaidi100("dhl"));
    assert_null(waybill_kuaidi100_code("DHL"));
    assert_string_equal(waybill_carrier_name("SF"), "顺丰速运");
    assert_true(waybill_carrier_known("JD"));
    assert_false(waybill_carrier_known("sf"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issued_numbers_are_valid),
        cmocka_unit_test(test_shapes_match_api_md),
        cmocka_unit_test(test_every_single_digit_change_fails),
        cmocka_unit_test(test_truncation_and_extension_fail),
        cmocka_unit_test(test_letters_and_foreign_formats_fail),
        cmocka_unit_test(test_distinct_serials_distinct_numbers),
        cmocka_unit_test(test_kuaidi100_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
