/* replay's comparison: the same decisions in another order, at other times and with other crash
 * details all match; a changed attempt, a missing and an extra decision are each found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/replay.h"

static void load(const char *name, struct run_fault **out, int *count)
{
    const char *root = getenv("SHIPSIM_ROOT");
    char path[512], err[512];
    snprintf(path, sizeof(path), "%s/tests/fixtures/report/replay/%s", root ? root : ".", name);
    if (run_faults_read(path, out, count, err, sizeof(err)) != 0)
        fail_msg("run_faults_read: %s", err);
}

static void test_same_decisions_match(void **state)
{
    (void)state;
    struct run_fault *a, *b;
    int na, nb;
    load("old.jsonl", &a, &na);
    load("same.jsonl", &b, &nb);
    assert_int_equal(na, 53);
    assert_int_equal(nb, 53);
    assert_true(a[52].sim_ms != b[0].sim_ms); /* the crash line moved in time */
    struct replay_result r;
    assert_int_equal(replay_compare(a, na, b, nb, &r, NULL), 0);
    assert_int_equal(r.matched, 53);
    assert_int_equal(r.only_old, 0);
    assert_int_equal(r.only_new, 0);
    free(a);
    free(b);
}

static void test_differences_found(void **state)
{
    (void)state;
    struct run_fault *a, *b;
    int na, nb;
    load("old.jsonl", &a, &na);
    load("diff.jsonl", &b, &nb);
    struct replay_result r;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    assert_int_equal(replay_compare(a, na, b, nb, &r, f), 0);
    fclose(f);
    assert_int_equal(r.matched, 51);
    assert_int_equal(r.only_old, 2);
    assert_int_equal(r.only_new, 2);
    /* 003: attempt 0 in the original, 1 in the replay: the replay reached attempt 0 and decided
     * otherwise (mismatch); the original's last attempt was 0 (its 1 is beyond reach).
     * 005 gone and 999 new: never seen by the other log at all (mismatches). */
    assert_int_equal(r.mismatched, 3);
    assert_int_equal(r.beyond_reach, 1);
    assert_non_null(
        strstr(out, "only in the original run: lost_order|order/get_order_list|2208100003AB|0"));
    assert_non_null(strstr(
        out, "only in the replay: lost_order|order/get_order_list|2208100003AB|1 (beyond the other "
             "run's last attempt)"));
    assert_non_null(
        strstr(out, "only in the original run: lost_order|order/get_order_list|2208100005AB|0"));
    assert_non_null(
        strstr(out, "only in the replay: lost_order|order/get_order_list|220810999AB|0"));
    free(out);
    /* empty logs against each other match trivially; against a full one they do not */
    assert_int_equal(replay_compare(a, 0, b, 0, &r, NULL), 0);
    assert_int_equal(r.matched, 0);
    assert_int_equal(r.only_old + r.only_new, 0);
    assert_int_equal(replay_compare(a, na, b, 0, &r, NULL), 0);
    assert_int_equal(r.only_old, 53);
    free(a);
    free(b);
}

/* The core polled an order fewer times in one run: the faults on its later attempts are beyond
 * that run's reach, not a different decision. */
static void test_beyond_reach(void **state)
{
    (void)state;
    struct run_fault old_log[] = {
        {.kind = "lost_order", .order = "X", .attempt = 0},
        {.kind = "lost_order", .order = "X", .attempt = 3},
        {.kind = "lost_order", .order = "Y", .attempt = 2},
    };
    struct run_fault new_log[] = {
        {.kind = "lost_order", .order = "X", .attempt = 0},
        {.kind = "lost_order", .order = "Y", .attempt = 2},
        {.kind = "lost_order", .order = "Y", .attempt = 5},
    };
    struct replay_result r;
    assert_int_equal(replay_compare(old_log, 3, new_log, 3, &r, NULL), 0);
    assert_int_equal(r.matched, 2);
    assert_int_equal(r.beyond_reach, 2);
    assert_int_equal(r.mismatched, 0);
    /* a first attempt is always reached: a different kind there is a mismatch... */
    new_log[2].attempt = 0;
    snprintf(new_log[2].kind, sizeof(new_log[2].kind), "duplicate_order");
    assert_int_equal(replay_compare(old_log, 3, new_log, 3, &r, NULL), 0);
    assert_int_equal(r.beyond_reach, 1);
    assert_int_equal(r.mismatched, 1);
    /* ...while a later attempt of a subject the other run never logged may just not be reached */
    new_log[2].attempt = 4;
    assert_int_equal(replay_compare(old_log, 3, new_log, 3, &r, NULL), 0);
    assert_int_equal(r.beyond_reach, 2);
    assert_int_equal(r.mismatched, 0);
}

static void test_keys(void **state)
{
    (void)state;
    struct run_fault f = {
        .kind = "crash", .order = "", .attempt = 0, .rule = 2, .endpoint = "syncd", .sim_ms = 5};
    char key[REPLAY_KEY_BYTES_MAX];
    replay_key(&f, key, sizeof(key));
    assert_string_equal(key, "crash|syncd|rule 2|0");
    struct run_fault g = {.kind = "lost_order", .order = "X1", .attempt = 3, .endpoint = "push"};
    replay_key(&g, key, sizeof(key));
    assert_string_equal(key, "lost_order|push|X1|3");
}

static void test_bad_log(void **state)
{
    (void)state;
    char path[] = "/tmp/shipsim-faults-XXXXXX", err[256];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text =
        "{\"kind\":\"lost_order\",\"order\":\"A\",\"attempt\":0}\n\n{\"order\":\"B\"}\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct run_fault *out = NULL;
    int n = 0;
    assert_int_equal(run_faults_read(path, &out, &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":3: not a JSON object with a string \"kind\""));
    assert_null(out);
    unlink(path);
    assert_int_equal(run_faults_read("/nonexistent/faults.jsonl", &out, &n, err, sizeof(err)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_decisions_match),
        cmocka_unit_test(test_differences_found),
        cmocka_unit_test(test_beyond_reach),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_bad_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
