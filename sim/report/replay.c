/* replay: rerun a run folder's scenario and seed, compare fault decisions. */
#include "report/replay.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report/report.h"

void replay_key(const struct run_fault *f, char *out, int out_len)
{
    if (f->order[0])
        snprintf(out, (size_t)out_len, "%s|%s|%s|%d", f->kind, f->endpoint, f->order, f->attempt);
    else
        snprintf(out, (size_t)out_len, "%s|%s|rule %d|%d", f->kind, f->endpoint, f->rule,
                 f->attempt);
}

/* What a decision is about: the order, or for order-less lines the endpoint and rule. */
/* What a decision is about: attempts count per (endpoint, key), so the endpoint and the order
 * (for order-less lines, the rule). */
static void subject_of(const struct run_fault *f, char *out, size_t len)
{
    if (f->order[0])
        snprintf(out, len, "%s|%s", f->endpoint, f->order);
    else
        snprintf(out, len, "%s|rule %d", f->endpoint, f->rule);
}

struct entry {
    char subject[REPLAY_KEY_BYTES_MAX];
    const struct run_fault *f;
};

static int cmp_entry(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    int c = strcmp(a->f->kind, b->f->kind);
    if (c == 0)
        c = strcmp(a->subject, b->subject);
    if (c == 0)
        c = (a->f->attempt > b->f->attempt) - (a->f->attempt < b->f->attempt);
    return c;
}

static struct entry *sorted_entries(const struct run_fault *log, int count)
{
    struct entry *e = malloc((size_t)(count ? count : 1) * sizeof(*e));
    if (!e)
        return NULL;
    for (int i = 0; i < count; i++) {
        e[i].f = &log[i];
        subject_of(&log[i], e[i].subject, sizeof(e[i].subject));
    }
    qsort(e, (size_t)count, sizeof(*e), cmp_entry);
    return e;
}

/* The highest attempt the other log shows for x's (kind, subject), or -1 when none. */
static int reach_of(const struct entry *x, const struct entry *other, int count)
{
    int lo = 0, hi = count, best = -1;
    while (lo < hi) { /* first entry not before (kind, subject) */
        int mid = (lo + hi) / 2;
        int c = strcmp(other[mid].f->kind, x->f->kind);
        if (c == 0)
            c = strcmp(other[mid].subject, x->subject);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (int i = lo; i < count && strcmp(other[i].f->kind, x->f->kind) == 0 &&
                     strcmp(other[i].subject, x->subject) == 0;
         i++)
        best = other[i].f->attempt;
    return best;
}

/* A decision one log has and the other lacks. A mismatch when the other run is known to have
 * made that attempt: its log shows the subject at that attempt or later, or the attempt is the
 * first (any run that asked about the subject at all made attempt 0). Otherwise the other run may
 * have stopped asking earlier (timing), and the decision is "beyond reach". */
static void unmatched(const struct entry *x, const struct entry *other, int count, const char *side,
                      struct replay_result *r, FILE *detail, int *shown)
{
    char key[REPLAY_KEY_BYTES_MAX];
    int reach = reach_of(x, other, count);
    int beyond = x->f->attempt > reach && x->f->attempt > 0;
    if (beyond)
        r->beyond_reach++;
    else
        r->mismatched++;
    if (!detail)
        return;
    replay_key(x->f, key, sizeof(key));
    if (*shown < REPLAY_DIFFS_SHOWN_MAX)
        fprintf(detail, "  only in %s: %s%s\n", side, key,
                beyond ? " (beyond the other run's last attempt)" : "");
    else if (*shown == REPLAY_DIFFS_SHOWN_MAX)
        fprintf(detail, "  ... more differences not listed\n");
    (*shown)++;
}

int replay_compare(const struct run_fault *old_log, int old_count, const struct run_fault *new_log,
                   int new_count, struct replay_result *r, FILE *detail)
{
    memset(r, 0, sizeof(*r));
    r->old_count = old_count;
    r->new_count = new_count;
    struct entry *a = sorted_entries(old_log, old_count);
    struct entry *b = sorted_entries(new_log, new_count);
    if (!a || !b) {
        free(a);
        free(b);
        return -1;
    }
    int i = 0, j = 0, shown = 0;
    while (i < old_count || j < new_count) {
        int c = i == old_count ? 1 : j == new_count ? -1 : cmp_entry(&a[i], &b[j]);
        if (c == 0) {
            r->matched++;
            i++;
            j++;
        } else if (c < 0) {
            unmatched(&a[i++], b, new_count, "the original run", r, detail, &shown);
            r->only_old++;
        } else {
            unmatched(&b[j++], a, old_count, "the replay", r, detail, &shown);
            r->only_new++;
        }
    }
    free(a);
    free(b);
    return 0;
}

const char report_replay_help[] =
    "usage: shipsim replay DIR [--out NEWDIR] [--strict]\n"
    "       shipsim replay --compare-logs OLD.jsonl NEW.jsonl [--strict]\n"
    "\n"
    "Rerun a results folder's scenario.json with its seed (shipsim run ... --quiet) into NEWDIR\n"
    "(default DIR-replay-<yyyymmdd-hhmmss>) and compare the new faults.jsonl with DIR's by\n"
    "(kind, endpoint, order, attempt); sim times and detail text (a crash's pid) are ignored.\n"
    "How often the core asks about an order depends on timing, so a decision only one log has\n"
    "is a mismatch only when the other run is known to have made that attempt (its log shows\n"
    "the same kind and order at that attempt or later, or it is attempt 0); otherwise it is\n"
    "counted as beyond the other run's reach. --strict counts those as mismatches too.\n"
    "--compare-logs compares two fault logs without running anything.\n"
    "\n"
    "exit: 0 no mismatch (with --strict: every decision in both logs), 1 a mismatch or the\n"
    "rerun failed, 2 bad command line or folder\n";

static int replay_usage(FILE *f, int code)
{
    fputs(report_replay_help, f);
    return code;
}

static int report_logs(const char *old_path, const char *new_path, int strict)
{
    char err[ERR_BYTES_MAX];
    struct run_fault *o = NULL, *n = NULL;
    int no = 0, nn = 0;
    if (run_faults_read(old_path, &o, &no, err, sizeof(err)) != 0 ||
        run_faults_read(new_path, &n, &nn, err, sizeof(err)) != 0) {
        fprintf(stderr, "shipsim replay: %s\n", err);
        free(o);
        return 1;
    }
    struct replay_result r;
    int rc = replay_compare(o, no, n, nn, &r, stdout);
    free(o);
    free(n);
    if (rc != 0) {
        fprintf(stderr, "shipsim replay: out of memory\n");
        return 1;
    }
    int all = strict ? r.only_old == 0 && r.only_new == 0 : r.mismatched == 0;
    printf("replay: %d of %d fault decisions matched (original %d, replay %d); %d only one run "
           "reached (the other's last attempt on that order was lower), %d mismatched: %s\n",
           r.matched, r.old_count > r.new_count ? r.old_count : r.new_count, r.old_count,
           r.new_count, r.beyond_reach, r.mismatched,
           all ? (r.beyond_reach ? "all decisions both runs reached matched" : "all matched")
               : "MISMATCH");
    return all ? 0 : 1;
}

/* Runs `<self> run SCENARIO --seed N --out NEWDIR --quiet`; returns its exit status or -1. */
static int rerun(const char *scenario, uint64_t seed, const char *out_dir)
{
    char exe[PATH_MAX], seed_text[32];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0)
        return -1;
    exe[len] = '\0';
    snprintf(seed_text, sizeof(seed_text), "%llu", (unsigned long long)seed);
    char *argv[] = {exe,     "run",           (char *)scenario, "--seed", seed_text,
                    "--out", (char *)out_dir, "--quiet",        NULL};
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execv(exe, argv);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void default_out(const char *dir, char *out, size_t len)
{
    char base[PATH_MAX];
    assert(len > 64);
    snprintf(base, sizeof(base), "%s", dir);
    size_t n = strlen(base);
    while (n > 1 && base[n - 1] == '/')
        base[--n] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[16];
    if (strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm) == 0)
        stamp[0] = '\0';
    snprintf(out, len, "%.*s-replay-%.15s", (int)(len - 32), base, stamp);
}

static int replay_dir(const char *dir, const char *out_opt, int strict)
{
    char err[ERR_BYTES_MAX], scenario[PATH_MAX + 16], old_log[PATH_MAX + 16],
        new_log[PATH_MAX + 16], out[PATH_MAX];
    snprintf(scenario, sizeof(scenario), "%s/scenario.json", dir);
    snprintf(old_log, sizeof(old_log), "%s/faults.jsonl", dir);
    struct stat st;
    if (stat(scenario, &st) != 0 || stat(old_log, &st) != 0) {
        fprintf(stderr, "shipsim replay: %s needs scenario.json and faults.jsonl\n", dir);
        return 2;
    }
    uint64_t seed = 0;
    if (run_seed_read(dir, &seed, err, sizeof(err)) != 0) {
        fprintf(stderr, "shipsim replay: %s\n", err);
        return 2;
    }
    if (out_opt)
        snprintf(out, sizeof(out), "%s", out_opt);
    else
        default_out(dir, out, sizeof(out));
    printf("replay: rerunning %s with seed %llu into %s\n", scenario, (unsigned long long)seed,
           out);
    int rc = rerun(scenario, seed, out);
    if (rc != 0 && rc != 1) {
        fprintf(stderr, "shipsim replay: the rerun failed (exit %d); see %s\n", rc, out);
        return 1;
    }
    snprintf(new_log, sizeof(new_log), "%s/faults.jsonl", out);
    return report_logs(old_log, new_log, strict);
}

int report_cmd_replay(int argc, char **argv)
{
    const char *dir = NULL, *out = NULL, *logs[2] = {NULL, NULL};
    int strict = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return replay_usage(stdout, 0);
        if (strcmp(argv[i], "--strict") == 0) {
            strict = 1;
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--compare-logs") == 0 && i + 2 < argc) {
            logs[0] = argv[++i];
            logs[1] = argv[++i];
        } else if (argv[i][0] != '-' && !dir) {
            dir = argv[i];
        } else {
            fprintf(stderr, "shipsim replay: unexpected argument \"%s\"\n", argv[i]);
            return replay_usage(stderr, 2);
        }
    }
    if (logs[0] && !dir && !out)
        return report_logs(logs[0], logs[1], strict);
    if (!dir || logs[0])
        return replay_usage(stderr, 2);
    return replay_dir(dir, out, strict);
}
