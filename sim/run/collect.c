/* After the loop: collect the mocks' truth and syncd's state and evidence into the run folder,
 * stop every child, run the checker, write the results and print the verdict. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/check.h"
#include "check/records.h"
#include "check/series.h"
#include "check/summary.h"
#include "load/loadgen.h"
#include "report/report.h"
#include "run/proc.h"
#include "run/runctx.h"

#define COLLECT_NOTE_BYTES_MAX 512

/* report_write lands with sim/report/report.c; until it links, the report step is skipped with
 * a note (a weak reference resolves to NULL when nothing defines it). */
extern int report_write(const char *run_dir, char *plots_note, int note_len, char *err, int err_len)
    __attribute__((weak));

struct paths {
    char truth_plat[RUN_PATH_BYTES_MAX + 64], truth_carrier[RUN_PATH_BYTES_MAX + 64];
    char state[RUN_PATH_BYTES_MAX + 64], evidence[RUN_PATH_BYTES_MAX + 64];
    char faults_plat[RUN_PATH_BYTES_MAX + 64], faults_carrier[RUN_PATH_BYTES_MAX + 64];
    char faults_runner[RUN_PATH_BYTES_MAX + 64], faults[RUN_PATH_BYTES_MAX + 64];
};

static void make_paths(const struct run_ctx *rc, struct paths *p)
{
    snprintf(p->truth_plat, sizeof(p->truth_plat), "%s/truth-platform.jsonl", rc->out);
    snprintf(p->truth_carrier, sizeof(p->truth_carrier), "%s/truth-carrier.jsonl", rc->out);
    snprintf(p->state, sizeof(p->state), "%s/syncd-state.jsonl", rc->out);
    snprintf(p->evidence, sizeof(p->evidence), "%s/evidence.jsonl", rc->out);
    snprintf(p->faults_plat, sizeof(p->faults_plat), "%s/faults-platform.jsonl", rc->out);
    snprintf(p->faults_carrier, sizeof(p->faults_carrier), "%s/faults-carrier.jsonl", rc->out);
    snprintf(p->faults_runner, sizeof(p->faults_runner), "%s/faults-runner.jsonl", rc->out);
    snprintf(p->faults, sizeof(p->faults), "%s/faults.jsonl", rc->out);
}

static int fetch(struct run_ctx *rc, struct proc *p, const char *path, const char *out)
{
    char err[256];
    if (p == NULL || !proc_alive(p)) {
        run_fail(rc, "collect: %s is not running", p ? proc_name(p) : "a process");
        return -1;
    }
    int st = -1;
    /* one more try: a dump is read-only, and a cut-short answer is detected (proc_http) */
    for (int attempt = 0; attempt < 2 && st != 200; attempt++)
        st = proc_http(proc_port(p), "GET", path, rc->token, NULL, out, NULL, 0,
                       RUN_COLLECT_TIMEOUT_MS, err, sizeof(err));
    if (st != 200) {
        run_fail(rc, "collect: GET %s from %s: %s (status %d)", path, proc_name(p),
                 st < 0 ? err : "unexpected answer", st);
        return -1;
    }
    return 0;
}

static int collect(struct run_ctx *rc, const struct paths *p)
{
    /* The clock keeps running while we download (a wall second is minutes of sim time), so
     * syncd goes first: everything it stored has happened by the time the truth is dumped, and a
     * tracking event that arrives in between is not mistaken for one the core made up. */
    int rc_ = 0;
    if (rc->syncd != NULL) {
        rc_ = fetch(rc, rc->syncd, "/__state", p->state);
        rc_ = rc_ == 0 ? fetch(rc, rc->syncd, "/__evidence", p->evidence) : -1;
    } else {
        FILE *f = fopen(p->evidence, "w"); /* external SUT: no journal, an empty file */
        if (f != NULL)
            fclose(f);
    }
    rc_ = rc_ == 0 ? fetch(rc, rc->carrier, "/__sim/truth", p->truth_carrier) : -1;
    rc_ = rc_ == 0 ? fetch(rc, rc->plat, "/__sim/truth", p->truth_plat) : -1;
    FILE *f = fopen(p->faults_runner, "w");
    for (int i = 0; f != NULL && i < rc->crash_line_count; i++)
        fprintf(f, "%s\n", rc->crash_lines[i]);
    if (f == NULL || fclose(f) != 0) {
        run_fail(rc, "cannot write %s", p->faults_runner);
        return -1;
    }
    return rc_;
}

static struct records *read_records(struct run_ctx *rc, const struct paths *p)
{
    char err[ERR_BYTES_MAX];
    struct records *r = records_new();
    if (r == NULL)
        return NULL;
    int ok = records_read_platform(r, p->truth_plat, err, sizeof(err)) == 0 &&
             records_read_carrier(r, p->truth_carrier, err, sizeof(err)) == 0 &&
             records_read_faults(r, p->faults_runner, err, sizeof(err)) == 0;
    /* A mock that injected nothing may not have created its fault log. */
    if (ok && access(p->faults_plat, R_OK) == 0)
        ok = records_read_faults(r, p->faults_plat, err, sizeof(err)) == 0;
    if (ok && access(p->faults_carrier, R_OK) == 0)
        ok = records_read_faults(r, p->faults_carrier, err, sizeof(err)) == 0;
    if (ok && rc->syncd != NULL)
        ok = records_read_state(r, p->state, err, sizeof(err)) == 0 &&
             records_read_evidence(r, p->evidence, err, sizeof(err)) == 0;
    if (!ok) {
        run_fail(rc, "reading the run's data: %s", err);
        records_free(r);
        return NULL;
    }
    records_index(r);
    return r;
}

/* faults.jsonl: every fault log of the run merged in time order. */
static int write_faults(const struct records *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    for (size_t i = 0; i < r->fault_count; i++)
        fprintf(f, "%s\n", r->faults[i].line);
    return fclose(f);
}

static void git_revision(const struct run_ctx *rc, char *out, int len)
{
    char cmd[RUN_PATH_BYTES_MAX + 64];
    snprintf(out, (size_t)len, "unknown");
    snprintf(cmd, sizeof(cmd), "git -C '%s/..' rev-parse --short=12 HEAD 2>/dev/null", rc->bin_dir);
    if (strchr(rc->bin_dir, '\'') != NULL)
        return;
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return;
    char line[64];
    if (fgets(line, sizeof(line), p) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] != '\0')
            snprintf(out, (size_t)len, "%s", line);
    }
    pclose(p);
}

static void runner_figures(struct run_ctx *rc, struct check *c)
{
    struct loadgen_stats ls;
    loadgen_get_stats(rc->lg, &ls);
    check_set(c, "sim_duration_s", (double)(rc->end_sim_ms - rc->clock.epoch_ms) / 1000.0);
    check_set(c, "wall_duration_s", (double)run_wall_ms(rc) / 1000.0);
    check_set(c, "load_behind_max_ms", ls.behind_max_ms > 0 ? ls.behind_max_ms : 0);
    check_set(c, "http_errors", (double)ls.http_errors);
    check_set(c, "orders_rejected", (double)ls.rejected);
    check_set(c, "orders_scheduled", (double)ls.scheduled);
}

static int write_results(struct run_ctx *rc, struct check *c, const struct check_input *in,
                         const struct paths *p, const struct summary_meta *meta)
{
    char err[ERR_BYTES_MAX];
    char path[RUN_PATH_BYTES_MAX + 64];
    snprintf(path, sizeof(path), "%s/summary.json", rc->out);
    int ok = summary_write(path, c, meta, err, sizeof(err)) == 0 &&
             summary_write_hgrms(rc->out, c, err, sizeof(err)) == 0;
    snprintf(path, sizeof(path), "%s/timeseries.csv", rc->out);
    ok = ok && series_write_csv(path, in, rc->end_sim_ms, rc->clock.scale, rc->samples,
                                rc->sample_count, err, sizeof(err)) == 0;
    snprintf(path, sizeof(path), "%s/violations.jsonl", rc->out);
    ok = ok && check_write_violations(c, path, p->truth_plat, p->truth_carrier,
                                      rc->syncd ? p->state : NULL, err, sizeof(err)) == 0;
    if (ok && write_faults(in->rec, p->faults) != 0) {
        snprintf(err, sizeof(err), "%.400s: write failed", p->faults);
        ok = 0;
    }
    if (!ok)
        run_fail(rc, "writing results: %s", err);
    return ok ? 0 : -1;
}

static void print_verdict(const struct run_ctx *rc, const struct check *c, int failed)
{
    double v;
    static const char *const keys[] = {"orders_placed",       "orders_shipped",
                                       "lost_orders",         "duplicate_waybills",
                                       "p99_ship_latency_ms", "fault_detection_rate"};
    printf("shipsim run: %s: %s (%d of %d thresholds failed)\n", rc->sc.name,
           failed ? "FAIL" : "PASS", failed, check_threshold_count(c));
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        if (check_get(c, keys[i], &v, NULL) == 1)
            printf("  %-24s %g\n", keys[i], v);
        else
            printf("  %-24s null\n", keys[i]);
    }
    for (int i = 0; i < check_threshold_count(c); i++) {
        const char *fig, *cond;
        int pass;
        check_threshold_result(c, i, &fig, &cond, &v, &pass);
        if (!pass)
            printf("  FAILED: %s %s (value %g)\n", fig, cond, v);
    }
    printf("  results: %s\n", rc->out);
}

static void run_report(const struct run_ctx *rc, char *note, int len)
{
    if (report_write == NULL) {
        snprintf(note, (size_t)len, "report step skipped: report_write is not linked yet");
        return;
    }
    char plots[COLLECT_NOTE_BYTES_MAX] = "", err[ERR_BYTES_MAX] = "";
    if (report_write(rc->out, plots, sizeof(plots), err, sizeof(err)) != 0)
        snprintf(note, (size_t)len, "report step failed: %.400s", err);
    else if (plots[0] != '\0')
        snprintf(note, (size_t)len, "%s", plots);
}

int collect_and_check(struct run_ctx *rc)
{
    struct paths p;
    make_paths(rc, &p);
    int collected = collect(rc, &p);
    proc_stop_all(PROC_STOP_GRACE_MS);
    struct records *r = collected == 0 ? read_records(rc, &p) : NULL;
    if (r == NULL) {
        fprintf(stderr, "shipsim run: %s\n", rc->fail_msg);
        return 1;
    }
    struct check_input in = {.sc = &rc->sc,
                             .rec = r,
                             .run_start_ms = rc->clock.epoch_ms,
                             .load_start_ms = loadgen_start_ms(rc->lg),
                             .load_end_ms = loadgen_end_ms(rc->lg)};
    in.sched_pay_ms = loadgen_sched_pay(rc->lg, &in.sched_count);
    in.clock_slack_ms = fmax(CHECK_CLOCK_SLACK_MS_MIN, 20.0 * rc->clock.scale);
    struct check *c = check_run(&in);
    if (c == NULL) {
        records_free(r);
        fprintf(stderr, "shipsim run: checker out of memory\n");
        return 1;
    }
    runner_figures(rc, c);
    int failed = check_thresholds(c, &rc->sc);
    char rev[64], bad[COLLECT_NOTE_BYTES_MAX] = "", report_note[COLLECT_NOTE_BYTES_MAX] = "";
    git_revision(rc, rev, sizeof(rev));
    if (r->bad_lines > 0)
        snprintf(bad, sizeof(bad), "%ld input lines were not JSON and were skipped (first: %s)",
                 r->bad_lines, r->bad_line_note);
    struct summary_meta meta = {
        .scenario = rc->sc.name, .seed = rc->sc.seed, .git_revision = rev, .passed = failed == 0};
    int k = 0;
    if (bad[0] != '\0')
        meta.notes[k++] = bad;
    if (rc->opt.sut_external)
        meta.notes[k++] = "external SUT: judged by ground truth alone";
    char cut[128];
    if (rc->opt.duration_s > 0 && rc->opt.duration_s < rc->sc.duration_s) {
        snprintf(cut, sizeof(cut), "--duration-s %g: the load was cut short of the scenario's %g s",
                 rc->opt.duration_s, rc->sc.duration_s);
        meta.notes[k++] = cut;
    }
    int code = write_results(rc, c, &in, &p, &meta) == 0 ? (failed ? 1 : 0) : 1;
    run_report(rc, report_note, sizeof(report_note));
    if (report_note[0] != '\0')
        fprintf(stderr, "shipsim run: note: %s\n", report_note);
    if (code == 1 && rc->failed)
        fprintf(stderr, "shipsim run: %s\n", rc->fail_msg);
    print_verdict(rc, c, failed);
    check_free(c);
    records_free(r);
    return code;
}
