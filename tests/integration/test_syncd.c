/* syncd against the real mocks on loopback (issue 5): orders placed and paid through mockplat's
 * control API must all be shipped on the platform, each with one waybill that no other order
 * has; and after repeated SIGKILL + restart of syncd nothing is lost or duplicated. Binaries from
 * $SHIPSIM_BIN. One fault kind at a time: test_syncd_faults.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "syncd_harness.h"

static void no_faults(void **state)
{
    (void)state;
    run_case("", 40);
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

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(no_faults, teardown),
        cmocka_unit_test_teardown(survives_sigkill, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
