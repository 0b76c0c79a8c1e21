/* The order state machine: forward only, cancel only before shipping, platform ranks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/order.h"

static void forward_only(void **state)
{
    (void)state;
    for (int a = 0; a < OS_COUNT; a++) {
        for (int b = 0; b < OS_COUNT; b++) {
            int ok = order_transition_ok(a, b);
            if (b <= a && !(b == OS_CANCELLED || b == OS_RETURNED)) {
                assert_int_equal(ok, 0); /* never backwards, never a self-loop */
            }
            if (order_state_terminal(a)) {
                assert_int_equal(ok, 0);
            }
        }
    }
    assert_true(order_transition_ok(OS_NEW, OS_PAID));
    assert_true(order_transition_ok(OS_PAID, OS_WAYBILLED));
    assert_true(order_transition_ok(OS_HOLD, OS_WAYBILLED));
    assert_true(order_transition_ok(OS_WAYBILLED, OS_SHIPPED));
    assert_true(order_transition_ok(OS_SHIPPED, OS_DELIVERED));
    assert_false(order_transition_ok(OS_SHIPPED, OS_PAID));
    assert_false(order_transition_ok(OS_DELIVERED, OS_IN_TRANSIT));
}

static void cancel_before_shipping_only(void **state)
{
    (void)state;
    assert_true(order_transition_ok(OS_NEW, OS_CANCELLED));
    assert_true(order_transition_ok(OS_PAID, OS_CANCELLED));
    assert_true(order_transition_ok(OS_WAYBILLED, OS_CANCELLED));
    assert_false(order_transition_ok(OS_SHIPPED, OS_CANCELLED));
    assert_false(order_transition_ok(OS_IN_TRANSIT, OS_CANCELLED));
    assert_false(order_transition_ok(OS_CANCELLED, OS_PAID));
    assert_true(order_transition_ok(OS_IN_TRANSIT, OS_RETURNED));
    assert_false(order_transition_ok(OS_PAID, OS_RETURNED));
}

static void names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < OS_COUNT; s++) {
        assert_int_equal(order_state_parse(order_state_name(s)), s);
    }
    assert_string_equal(order_state_name(OS_IN_TRANSIT), "in_transit");
    assert_int_equal(order_state_parse("shipping"), -1);
}

static void platform_ranks(void **state)
{
    (void)state;
    assert_int_equal(order_rank_shopee("UNPAID"), PR_UNPAID);
    assert_int_equal(order_rank_shopee("READY_TO_SHIP"), PR_PAID);
    assert_int_equal(order_rank_shopee("PROCESSED"), PR_SHIPPED);
    assert_int_equal(order_rank_shopee("IN_CANCEL"), PR_CANCELLING);
    assert_int_equal(order_rank_shopee("bogus"), PR_UNKNOWN);
    assert_int_equal(order_rank_wechat(20), PR_PAID);
    assert_int_equal(order_rank_wechat(30), PR_SHIPPED);
    assert_int_equal(order_rank_wechat(250), PR_CANCELLED);
    assert_int_equal(order_rank_wechat(7), PR_UNKNOWN);
    assert_int_equal(order_state_for_rank(PR_PAID), OS_PAID);
    assert_int_equal(order_state_for_rank(PR_CANCELLING), OS_COUNT);
}

static void stale_reads(void **state)
{
    (void)state;
    assert_true(order_rank_stale(PR_PAID, PR_UNPAID)); /* paid shown unpaid */
    assert_true(order_rank_stale(PR_SHIPPED, PR_PAID));
    assert_false(order_rank_stale(PR_PAID, PR_SHIPPED));
    assert_false(order_rank_stale(PR_PAID, PR_PAID));
    assert_false(order_rank_stale(PR_CANCELLING, PR_PAID)); /* cancel request withdrawn */
    assert_false(order_rank_stale(PR_UNKNOWN, PR_UNPAID));
    assert_true(order_rank_stale(PR_CANCELLED, PR_PAID));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forward_only),     cmocka_unit_test(cancel_before_shipping_only),
        cmocka_unit_test(names_round_trip), cmocka_unit_test(platform_ranks),
        cmocka_unit_test(stale_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
