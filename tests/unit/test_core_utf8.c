/* Tracking text checks with real samples: GBK-read-as-UTF-8 and Latin-1-read-as-UTF-8 mojibake
 * (made with Python's codecs from the mock's own Chinese event texts), invalid UTF-8, controls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/utf8.h"

static void clean_texts_pass(void **state)
{
    (void)state;
    assert_int_equal(text_check("快件到达【深圳华南中转场】"), TEXT_OK);
    assert_int_equal(text_check("【深圳市南山区科技园营业点】已揽收"), TEXT_OK);
    assert_int_equal(text_check("派件中 派件人: 王师傅 电话 139****0909"), TEXT_OK);
    assert_int_equal(text_check("客户签收人: 门卫 已签收"), TEXT_OK);
    assert_int_equal(text_check("Delivered to the front desk"), TEXT_OK);
    assert_int_equal(text_check("Xã Phong Thạnh Tây B 🦋"), TEXT_OK);
    assert_int_equal(text_check(""), TEXT_OK);
}

static void gbk_mojibake(void **state)
{
    (void)state;
    /* "深圳" as UTF-8 bytes decoded as GBK: 娣卞湷 */
    assert_int_equal(text_check("\xe5\xa8\xa3\xe5\x8d\x9e\xe6\xb9\xb7"), TEXT_GBK_MOJIBAKE);
    /* "顺丰速运" the same way */
    assert_int_equal(text_check("\xe6\xa4\xa4\xe8\xbd\xb0\xe8\xb5\xb4\xe9\x96\xab\xe7\x86\xbb"
                                "\xe7\xb9\x8d"),
                     TEXT_GBK_MOJIBAKE);
    /* with replacement characters where a byte pair was not GBK ("已签收") */
    assert_int_not_equal(text_check("\xe5\xae\xb8\xe8\x8c\xac\xef\xbf\xbd\xe7\x82\xac\xe6\x95"
                                    "\xb9"),
                         TEXT_OK);
}

static void latin1_mojibake(void **state)
{
    (void)state;
    /* "已签收" as UTF-8 bytes decoded as Latin-1 */
    assert_int_not_equal(text_check("\xc3\xa5\xc2\xb7\xc2\xb2\xc3\xa7\xc2\xad\xc2\xbe\xc3\xa6"
                                    "\xc2\x94\xc2\xb6"),
                         TEXT_OK);
    /* "café" read as Latin-1 once: cafÃ© */
    assert_int_equal(text_check("caf\xc3\x83\xc2\xa9"), TEXT_LATIN1_MOJIBAKE);
    assert_int_equal(text_check("café"), TEXT_OK);
}

static void invalid_bytes(void **state)
{
    (void)state;
    assert_int_equal(text_check("已签\xe6\x94"), TEXT_INVALID_UTF8); /* cut short */
    assert_int_equal(text_check("ok \xff"), TEXT_INVALID_UTF8);
    assert_int_equal(text_check("\xc0\xaf"), TEXT_INVALID_UTF8);         /* overlong '/' */
    assert_int_equal(text_check("\xed\xa0\x80"), TEXT_INVALID_UTF8);     /* surrogate */
    assert_int_equal(text_check("\xf4\x90\x80\x80"), TEXT_INVALID_UTF8); /* > U+10FFFF */
    assert_int_equal(text_check("a\x01"
                                "b"),
                     TEXT_CONTROL);
    assert_true(utf8_valid("", 0));
    assert_false(utf8_valid("\x80", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_texts_pass),
        cmocka_unit_test(gbk_mojibake),
        cmocka_unit_test(latin1_mojibake),
        cmocka_unit_test(invalid_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
