/* The ledger: idempotent lookups, duplicate records, cancel, truth lines, and the journal replay
 * that a SIGKILLed mock restarts from (including a torn last line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carrier/ledger.h"
#include "common/waybill.h"

static struct scenario sc;

static int setup(void **state)
{
    memset(&sc, 0, sizeof(sc));
    sc.seed = 42;
    sc.parcels = (struct parcel_mix){{60, 120}, {60, 120}, {2, 3}, 0, 0, 0};
    return 0;
}

static void test_create_find_cancel(void **state)
{
    char err[256];
    struct ledger *l = ledger_new(&sc, NULL, err, sizeof(err));
    assert_non_null(l);
    int a = ledger_create(l, "SF", "ORDER-1", 1000, 11, DUP_NONE, -1);
    int b = ledger_create(l, "ZTO", "ORDER-2", 2000, 22, DUP_NONE, -1);
    assert_int_equal(a, 0);
    assert_int_equal(b, 1);
    assert_true(waybill_valid("SF", ledger_record(l, a)->waybill));
    assert_true(waybill_valid("ZTO", ledger_record(l, b)->waybill));
    assert_int_equal(ledger_find_ref(l, "SF", "ORDER-1"), a);
    assert_int_equal(ledger_find_ref(l, "ZTO", "ORDER-1"), -1);
    assert_int_equal(ledger_find_waybill(l, ledger_record(l, b)->waybill), 1);
    /* a reused number: the other order of the same carrier */
    int other = ledger_other_parcel(l, "SF", "ORDER-3");
    assert_int_equal(other, 0);
    int c = ledger_create(l, "SF", "ORDER-3", 3000, 33, DUP_REUSED, other);
    assert_string_equal(ledger_record(l, c)->waybill, ledger_record(l, a)->waybill);
    assert_int_equal(ledger_parcel_count(l), 2);
    /* a retry duplicate: second number for the same ref, pointing at the first */
    int d = ledger_create(l, "SF", "ORDER-1", 4000, 11, DUP_RETRY, -1);
    assert_string_not_equal(ledger_record(l, d)->waybill, ledger_record(l, a)->waybill);
    assert_string_equal(ledger_record(l, d)->duplicate_of, ledger_record(l, a)->waybill);
    assert_int_equal(ledger_find_ref(l, "SF", "ORDER-1"), d);
    assert_int_equal(ledger_record(l, d)->prev_same_ref, a);
    ledger_cancel(l, a, 5000);
    assert_true(ledger_parcel_cancelled(l, 0));
    assert_int_equal(ledger_parcel_state(l, 0), -1);
    char *t = ledger_truth(l);
    assert_non_null(strstr(t, "\"type\":\"waybill\""));
    assert_non_null(strstr(t, "\"cancel_ms\":5000"));
    assert_non_null(strstr(t, "\"type\":\"parcel\""));
    free(t);
    ledger_free(l);
}

static void test_journal_replay(void **state)
{
    char path[] = "/tmp/shipsim-ledger-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256];
    struct ledger *l = ledger_new(&sc, path, err, sizeof(err));
    assert_non_null(l);
    int a = ledger_create(l, "SF", "R-1", 1000, 1, DUP_NONE, -1);
    (void)ledger_create(l, "YUNDA", "R-2", 1500, 2, DUP_NONE, -1);
    struct ledger_parcel *p = ledger_parcel(l, 0);
    p->done = 2;
    ledger_note_advance(l, 0);
    p->reminders = 1;
    ledger_note_remind(l, 0);
    parcel_plan_shift(&p->plan, 2, 7000);
    ledger_note_stall(l, 0, 2, 7000);
    ledger_cancel(l, 1, 1600);
    char wb[WAYBILL_BYTES_MAX];
    snprintf(wb, sizeof(wb), "%s", ledger_record(l, a)->waybill);
    int64_t shifted = p->plan.ev[2].sim_ms;
    ledger_free(l);

    /* a torn last line, as a SIGKILL mid-write leaves */
    FILE *f = fopen(path, "a");
    fputs("{\"j\":\"remind\",\"p", f);
    fclose(f);
    l = ledger_new(&sc, path, err, sizeof(err));
    assert_non_null(l);
    assert_int_equal(ledger_record_count(l), 2);
    assert_string_equal(ledger_record(l, 0)->waybill, wb);
    assert_int_equal(ledger_parcel(l, 0)->done, 2);
    assert_int_equal(ledger_parcel(l, 0)->reminders, 1);
    assert_int_equal(ledger_parcel(l, 0)->plan.ev[2].sim_ms, shifted);
    assert_int_equal(ledger_record(l, 1)->cancel_ms, 1600);
    /* new numbers continue after the replayed ones */
    int c = ledger_create(l, "SF", "R-3", 2000, 3, DUP_NONE, -1);
    assert_string_not_equal(ledger_record(l, c)->waybill, wb);
    ledger_free(l);

    /* a journal from another seed is refused with a message */
    struct scenario other = sc;
    other.seed = 43;
    l = ledger_new(&other, path, err, sizeof(err));
    assert_null(l);
    assert_non_null(strstr(err, "journal line 1"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_create_find_cancel, setup),
        cmocka_unit_test_setup(test_journal_replay, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
