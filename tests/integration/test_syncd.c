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
    run_case("", 40, NULL);
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

/* Orders syncd knows in its state dump. */
static int core_orders(struct world *w)
{
    char *text = NULL;
    int n = 0;
    assert_int_equal(http("GET", w->syncd.port, "/__state", NULL, &text), 200);
    for (const char *p = text; (p = strstr(p, "\"type\":\"order\"")) != NULL; p++) {
        n++;
    }
    free(text);
    return n;
}

/* A backup taken while running, the database lost, a restart from the backup: reconciliation
 * catches up and nothing is lost or duplicated. */
static void restore_from_backup(void **state)
{
    (void)state;
    struct world w;
    char ids[40][40], *reply = NULL;
    start_world(&w, "");
    int paid = place_orders(&w, 0, 16, ids);
    assert_int_equal(wait_shipped(&w, paid).shipped, paid);
    assert_int_equal(http("POST", w.syncd.port, "/__backup", "", &reply), 200);
    cJSON *doc = cJSON_Parse(reply);
    free(reply);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(doc, "path")));
    snprintf(w.restore, sizeof(w.restore), "%s", cJSON_GetObjectItem(doc, "path")->valuestring);
    cJSON_Delete(doc);
    paid += place_orders(&w, 16, 12, ids);
    assert_int_equal(wait_shipped(&w, paid).shipped, paid);
    stop(&w.syncd, SIGKILL);
    char path[256];
    unlink(w.db);
    snprintf(path, sizeof(path), "%s-wal", w.db);
    unlink(path);
    snprintf(path, sizeof(path), "%s-shm", w.db);
    unlink(path);
    start_syncd(&w);
    paid += place_orders(&w, 28, 8, ids);
    struct tally t = wait_shipped(&w, paid);
    int known = 0;
    for (int waited = 0; waited < T_WAIT_MS && known < 36; waited += 250) {
        known = core_orders(&w);
        usleep(250 * 1000);
    }
    fprintf(stderr, "restore: paid %d shipped %d dup %d core knows %d of 36\n", t.paid, t.shipped,
            t.dup_waybills, known);
    stop_world(&w);
    assert_int_equal(t.shipped, paid);
    assert_int_equal(t.dup_waybills, 0);
    assert_int_equal(known, 36);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(no_faults, teardown),
        cmocka_unit_test_teardown(survives_sigkill, teardown),
        cmocka_unit_test_teardown(restore_from_backup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
