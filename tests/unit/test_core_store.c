/* The store: rows, job semantics, the waybill unique constraint, the file mode, and recovery after
 * a process dies without closing (SIGKILL after a commit, with a later transaction still open). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/store.h"

struct fixture {
    char path[128];
    struct store *s;
};

static void remove_db(const char *path)
{
    char p[160];
    unlink(path);
    snprintf(p, sizeof(p), "%.150s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%.150s-shm", path);
    unlink(p);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256];
    snprintf(f->path, sizeof(f->path), "/tmp/test_core_store_%d.db", (int)getpid());
    remove_db(f->path);
    f->s = store_open(f->path, 0, err, sizeof(err));
    assert_non_null(f->s);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->s);
    remove_db(f->path);
    free(f);
    return 0;
}

static struct order_row sample(const char *id)
{
    struct order_row o;
    memset(&o, 0, sizeof(o));
    snprintf(o.order_id, sizeof(o.order_id), "%s", id);
    snprintf(o.shop, sizeof(o.shop), "sp1-1");
    snprintf(o.lines, sizeof(o.lines), "[{\"sku\":\"TEE-01\",\"qty\":2}]");
    o.state = 1;
    o.seen_ms = 1000;
    return o;
}

static void file_is_private(void **state)
{
    struct fixture *f = *state;
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void order_round_trip(void **state)
{
    struct fixture *f = *state;
    struct order_row o = sample("220810QSK8S7BX"), back;
    snprintf(o.buyer, sizeof(o.buyer), "b000123");
    o.pay_ms = 1234;
    assert_int_equal(store_order_put(f->s, &o), 0);
    assert_true(store_in_tx(f->s));
    assert_int_equal(store_commit(f->s), 0);
    assert_false(store_in_tx(f->s));
    assert_int_equal(store_order_get(f->s, o.order_id, &back), 1);
    assert_string_equal(back.buyer, "b000123");
    assert_string_equal(back.lines, o.lines);
    assert_int_equal(back.pay_ms, 1234);
    assert_int_equal(store_order_get(f->s, "nope", &back), 0);
    int64_t counts[9];
    assert_int_equal(store_order_counts(f->s, counts, 9), 0);
    assert_int_equal(counts[1], 1);
    assert_int_equal(store_buyer_orders_since(f->s, "b000123", 0), 1);
    assert_int_equal(store_buyer_orders_since(f->s, "b000123", 5000), 0);
}

static void waybill_unique(void **state)
{
    struct fixture *f = *state;
    char owner[32];
    assert_int_equal(store_waybill_bind(f->s, "SF", "SF1234567890123", "A", 1, owner, 32), 0);
    assert_int_equal(store_waybill_bind(f->s, "SF", "SF1234567890123", "A", 2, owner, 32), 0);
    assert_int_equal(store_waybill_bind(f->s, "SF", "SF1234567890123", "B", 3, owner, 32), 1);
    assert_string_equal(owner, "A");
    assert_int_equal(store_waybill_reject(f->s, "SF", "SF1234567890123", "B", 3), 0);
    assert_int_equal(store_waybill_set_status(f->s, "SF1234567890123", WB_CANCELLED), 0);
}

static int count_jobs(struct store *s, int64_t now)
{
    struct job_row rows[16];
    return store_jobs_due(s, now, rows, 16);
}

static void jobs_unique_rerun_lease(void **state)
{
    struct fixture *f = *state;
    struct job_row rows[4];
    assert_int_equal(store_job_add(f->s, "ship", "A", "sp1-1", "", 100, 0), 1);
    assert_int_equal(store_job_add(f->s, "ship", "A", "sp1-1", "", 100, 0), 0);
    assert_int_equal(store_job_add(f->s, "detail", "A", "sp1-1", "", 50, 0), 1);
    assert_int_equal(store_jobs_pending(f->s), 2);
    assert_int_equal(count_jobs(f->s, 49), 0);
    assert_int_equal(store_jobs_due(f->s, 100, rows, 4), 2);
    assert_string_equal(rows[0].kind, "detail"); /* due order */
    /* a lease hides the job until it ends; a retry bumps attempts */
    assert_int_equal(store_job_lease(f->s, rows[0].id, 10000), 0);
    assert_int_equal(count_jobs(f->s, 200), 1);
    assert_int_equal(store_job_retry(f->s, rows[0].id, 300, "timeout", "x"), 0);
    assert_int_equal(store_jobs_due(f->s, 300, rows, 4), 2);
    assert_int_equal(rows[1].attempts, 1);
    assert_string_equal(rows[1].arg, "x");
    /* rerun: a request while pending makes done re-arm once instead of delete */
    assert_int_equal(store_job_add(f->s, "detail", "A", "sp1-1", "", 0, 1), 0);
    assert_int_equal(store_job_done(f->s, rows[1].id, 400), 0);
    assert_int_equal(store_jobs_pending(f->s), 2);
    assert_int_equal(store_job_done(f->s, rows[1].id, 400), 0);
    assert_int_equal(store_jobs_pending(f->s), 1);
    assert_int_equal(store_job_exists(f->s, "ship", "A"), 1);
    assert_int_equal(store_job_exists(f->s, "detail", "A"), 0);
}

static void kv_and_evidence(void **state)
{
    struct fixture *f = *state;
    char v[64];
    struct evidence_row e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(store_kv_get(f->s, "k", v, sizeof(v)), 0);
    assert_int_equal(store_kv_set(f->s, "k", "one"), 0);
    assert_int_equal(store_kv_set(f->s, "k", "two"), 0);
    assert_int_equal(store_kv_get(f->s, "k", v, sizeof(v)), 1);
    assert_string_equal(v, "two");
    e.sim_ms = 5;
    snprintf(e.kind, sizeof(e.kind), "stale_read");
    assert_int_equal(store_evidence_add(f->s, &e), 0);
    assert_int_equal(store_push_seen(f->s, "d1", 1), 0);
    assert_int_equal(store_push_seen(f->s, "d1", 2), 1);
}

/* The child commits order A, then writes order B and a job without committing, then dies by
 * SIGKILL: the reopened store must have A (and its job) and nothing of B. */
static void crash_and_reopen(void **state)
{
    struct fixture *f = *state;
    char err[256];
    store_close(f->s);
    f->s = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct store *s = store_open(f->path, 0, err, sizeof(err));
        struct order_row a = sample("A"), b = sample("B");
        if (s == NULL || store_order_put(s, &a) != 0 ||
            store_job_add(s, "waybill", "A", "sp1-1", "SF", 10, 0) != 1 || store_commit(s) != 0 ||
            store_order_put(s, &b) != 0 || store_job_add(s, "ship", "B", "sp1-1", "", 10, 0) != 1) {
            _exit(3);
        }
        raise(SIGKILL);
        _exit(4);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
    f->s = store_open(f->path, 0, err, sizeof(err));
    assert_non_null(f->s);
    struct order_row back;
    assert_int_equal(store_order_get(f->s, "A", &back), 1);
    assert_int_equal(store_order_get(f->s, "B", &back), 0);
    assert_int_equal(store_job_exists(f->s, "waybill", "A"), 1);
    assert_int_equal(store_job_exists(f->s, "ship", "B"), 0);
    /* resume makes every pending job due now */
    assert_int_equal(store_job_lease(f->s, 1, 999999), 0);
    assert_int_equal(store_jobs_resume(f->s, 20), 1);
    assert_int_equal(count_jobs(f->s, 20), 1);
}

static void backup_copy(void **state)
{
    struct fixture *f = *state;
    char err[256], path[160];
    struct order_row o = sample("C"), back;
    assert_int_equal(store_order_put(f->s, &o), 0);
    assert_int_equal(store_commit(f->s), 0);
    snprintf(path, sizeof(path), "%s.bak", f->path);
    remove_db(path);
    assert_int_equal(store_backup(f->s, path, err, sizeof(err)), 0);
    struct store *b = store_open(path, 0, err, sizeof(err));
    assert_non_null(b);
    assert_int_equal(store_order_get(b, "C", &back), 1);
    store_close(b);
    remove_db(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(file_is_private, setup, teardown),
        cmocka_unit_test_setup_teardown(order_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(waybill_unique, setup, teardown),
        cmocka_unit_test_setup_teardown(jobs_unique_rerun_lease, setup, teardown),
        cmocka_unit_test_setup_teardown(kv_and_evidence, setup, teardown),
        cmocka_unit_test_setup_teardown(crash_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(backup_copy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
