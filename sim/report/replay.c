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
        snprintf(out, (size_t)out_len, "%s|%s|%d", f->kind, f->order, f->attempt);
    else
        snprintf(out, (size_t)out_len, "%s|@%s|rule %d|%d", f->kind, f->endpoint, f->rule,
                 f->attempt);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted keys of a log in one allocation: an array of pointers followed by the strings. */
static char **sorted_keys(const struct run_fault *log, int count)
{
    size_t ptrs = (size_t)(count + 1) * sizeof(char *);
    char **keys = malloc(ptrs + (size_t)count * REPLAY_KEY_BYTES_MAX);
    if (!keys)
        return NULL;
    char *text = (char *)keys + ptrs;
    for (int i = 0; i < count; i++) {
        keys[i] = text + (size_t)i * REPLAY_KEY_BYTES_MAX;
        replay_key(&log[i], keys[i], REPLAY_KEY_BYTES_MAX);
    }
    qsort(keys, (size_t)count, sizeof(char *), cmp_str);
    return keys;
}

static void show(FILE *detail, int *shown, const char *side, const char *key)
{
    if (!detail)
        return;
    if (*shown < REPLAY_DIFFS_SHOWN_MAX)
        fprintf(detail, "  only in %s: %s\n", side, key);
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
    char **a = sorted_keys(old_log, old_count);
    char **b = sorted_keys(new_log, new_count);
    if (!a || !b) {
        free(a);
        free(b);
        return -1;
    }
    int i = 0, j = 0, shown = 0;
    while (i < old_count || j < new_count) {
        int c = i == old_count ? 1 : j == new_count ? -1 : strcmp(a[i], b[j]);
        if (c == 0) {
            r->matched++;
            i++;
            j++;
        } else if (c < 0) {
            show(detail, &shown, "the original run", a[i++]);
            r->only_old++;
        } else {
            show(detail, &shown, "the replay", b[j++]);
            r->only_new++;
        }
    }
    free(a);
    free(b);
    return 0;
}

const char report_replay_help[] =
    "usage: shipsim replay DIR [--out NEWDIR]\n"
    "       shipsim replay --compare-logs OLD.jsonl NEW.jsonl\n"
    "\n"
    "Rerun a results folder's scenario.json with its seed (shipsim run ... --quiet) into NEWDIR\n"
    "(default DIR-replay-<yyyymmdd-hhmmss>) and compare the new faults.jsonl with DIR's by\n"
    "(kind, order, attempt); sim times and detail text (a crash's pid) are ignored. Prints how\n"
    "many fault decisions matched and the first that differ. --compare-logs compares two fault\n"
    "logs without running anything.\n"
    "\n"
    "exit: 0 every fault decision matched, 1 some did not or the rerun failed, 2 bad command\n"
    "line or folder\n";

static int replay_usage(FILE *f, int code)
{
    fputs(report_replay_help, f);
    return code;
}

static int report_logs(const char *old_path, const char *new_path)
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
    int all = r.only_old == 0 && r.only_new == 0;
    printf("replay: %d of %d fault decisions matched (original %d, replay %d, only in original "
           "%d, only in replay %d): %s\n", r.matched, r.old_count > r.new_count ? r.old_count
           : r.new_count, r.old_count, r.new_count, r.only_old, r.only_new,
           all ? "all matched" : "MISMATCH");
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
    char *argv[] = {exe, "run", (char *)scenario, "--seed", seed_text, "--out", (char *)out_dir,
                    "--quiet", NULL};
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

static int replay_dir(const char *dir, const char *out_opt)
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
    return report_logs(old_log, new_log);
}

int report_cmd_replay(int argc, char **argv)
{
    if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0))
        return replay_usage(stdout, 0);
    if (argc == 3 && strcmp(argv[0], "--compare-logs") == 0)
        return report_logs(argv[1], argv[2]);
    if (argc == 1 && argv[0][0] != '-')
        return replay_dir(argv[0], NULL);
    if (argc == 3 && argv[0][0] != '-' && strcmp(argv[1], "--out") == 0)
        return replay_dir(argv[0], argv[2]);
    return replay_usage(stderr, 2);
}
