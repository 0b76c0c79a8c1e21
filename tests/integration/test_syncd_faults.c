/* syncd against the real mocks with one fault kind at a time at 10% (issue 5): every paid order
 * shipped on the platform with one waybill no other order has, none shipped unpaid. Set
 * SHIPSIM_ONLY=<substring> to run one case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "syncd_harness.h"

static void one_fault_each(void **state)
{
    (void)state;
    static const char *const faults[] = {
        FAULT("lost_order", "platform:*", ""),
        FAULT("duplicate_order", "platform:*", ""),
        FAULT("maintenance", "platform:*", ""),
        FAULT("rate_limit", "platform:*", ""),
        FAULT("timeout", "platform:*", ""),
        FAULT("timeout", "carrier:*", ""),
        FAULT("reset", "platform:*", ""),
        FAULT("reset", "carrier:*", ""),
        FAULT("malformed", "platform:*", ""),
        FAULT("malformed", "carrier:*", ""),
        FAULT("duplicate_waybill", "carrier:*", ""),
        FAULT("stale_cache", "platform:*", ""),
    };
    const char *only = getenv("SHIPSIM_ONLY"); /* a substring to run one case while debugging */
    for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
        if (only != NULL && strstr(faults[i], only) == NULL) {
            continue;
        }
        run_case(faults[i], 30);
    }
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(one_fault_each, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
