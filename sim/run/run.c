/* `shipsim run`: options, scenario, results folder, and the flow on one screen:
 * scenario_load -> sut_start -> loop_run (load, crashes, drain) -> collect_and_check. */
#include "run/run.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "run/proc.h"
#include "run/runctx.h"

#define EXIT_PASS 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130
#define RUN_ERR_BYTES_MAX (64 * 1024)

const char run_help[] =
    "usage: shipsim run SCENARIO [--out DIR] [--seed N] [--time-scale X] [--quiet]\n"
    "                            [--duration-s X] [--sut syncd|external] [--sut-push-url URL]\n"
    "\n"
    "Run a scenario: start mockplat, mockcarrier and syncd on free 127.0.0.1 ports, drive the\n"
    "open-model load, inject the faults and crashes, let the system drain, check ground truth\n"
    "against the sync core's state and write the results folder\n"
    "(default results/<name>-<yyyymmdd-hhmmss>/; sim/run/README.md lists every file).\n"
    "  --out DIR            results folder\n"
    "  --seed N             override the scenario's seed\n"
    "  --time-scale X       override sim.time_scale (sim ms per wall ms)\n"
    "  --duration-s X       cut the load to X sim seconds (for tests; the stages are cut, the\n"
    "                       thresholds stay as written)\n"
    "  --quiet              no progress line\n"
    "  --sut external       do not start syncd: judge a sync service pointed at the mocks\n"
    "                       (time scale 1); figures that need syncd's state are null, with a\n"
    "                       reason, in summary.json\n"
    "  --sut-push-url URL   with --sut external: where mockplat pushes order events; \"{shop}\"\n"
    "                       and \"{flavor}\" are replaced, else /push/<flavor>/<shop> is appended\n"
    "\n"
    "exit: 0 every threshold holds, 1 one fails or the run failed, 2 bad scenario or command\n"
    "line, 130 interrupted\n";

volatile sig_atomic_t run_interrupted;

static void on_signal(int sig)
{
    (void)sig;
    run_interrupted = 1;
}

int64_t run_wall_ms(const struct run_ctx *rc)
{
    return (mono_now_ns() - rc->wall_start_ns) / 1000000;
}

void run_fail(struct run_ctx *rc, const char *fmt, ...)
{
    if (rc->failed)
        return; /* the first failure is the cause; later ones follow from it */
    rc->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rc->fail_msg, sizeof(rc->fail_msg), fmt, ap);
    va_end(ap);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "shipsim run: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(shipsim run --help for usage)\n");
    return EXIT_USAGE;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* One option at argv[*i]; 0, or an exit code. */
static int parse_opt(struct run_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    int takes = strcmp(a, "--out") == 0 || strcmp(a, "--seed") == 0 ||
                strcmp(a, "--time-scale") == 0 || strcmp(a, "--duration-s") == 0 ||
                strcmp(a, "--sut") == 0 || strcmp(a, "--sut-push-url") == 0;
    if (strcmp(a, "--quiet") == 0) {
        o->quiet = 1;
        return 0;
    }
    if (!takes)
        return usage_error("unknown option '%s'", a);
    if (v == NULL)
        return usage_error("option '%s' needs a value", a);
    (*i)++;
    if (strcmp(a, "--out") == 0) {
        o->out_dir = v;
    } else if (strcmp(a, "--seed") == 0) {
        char *end = NULL;
        errno = 0;
        unsigned long long s = strtoull(v, &end, 10);
        if (errno != 0 || end == v || *end != '\0' || v[0] == '-')
            return usage_error("--seed: not a non-negative integer: '%s'", v);
        o->seed_set = 1;
        o->seed = s;
    } else if (strcmp(a, "--time-scale") == 0) {
        if (parse_double(v, 1e-3, SCENARIO_TIME_SCALE_MAX, &o->time_scale) != 0)
            return usage_error("--time-scale: must be a number in (0, 100000], got '%s'", v);
    } else if (strcmp(a, "--duration-s") == 0) {
        if (parse_double(v, 1e-3, SCENARIO_DURATION_S_MAX, &o->duration_s) != 0)
            return usage_error("--duration-s: must be a positive number of sim seconds, got '%s'",
                               v);
    } else if (strcmp(a, "--sut") == 0) {
        if (strcmp(v, "syncd") != 0 && strcmp(v, "external") != 0)
            return usage_error("--sut: must be syncd or external, got '%s'", v);
        o->sut_external = strcmp(v, "external") == 0;
    } else {
        o->sut_push_url = v;
    }
    return 0;
}

static int parse_args(struct run_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof(*o));
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] == '-') {
            int rc = parse_opt(o, argc, argv, &i);
            if (rc != 0)
                return rc;
        } else if (o->scenario_path == NULL) {
            o->scenario_path = argv[i];
        } else {
            return usage_error("more than one scenario given ('%s')", argv[i]);
        }
    }
    if (o->scenario_path == NULL)
        return usage_error("%s", "no scenario file given");
    if (o->sut_external && o->sut_push_url == NULL)
        return usage_error("%s", "--sut external needs --sut-push-url URL");
    if (!o->sut_external && o->sut_push_url != NULL)
        return usage_error("%s", "--sut-push-url is only for --sut external");
    if (o->sut_push_url != NULL && strncmp(o->sut_push_url, "http://127.0.0.1", 16) != 0)
        return usage_error("--sut-push-url: must be http://127.0.0.1..., got '%s'",
                           o->sut_push_url);
    return 0;
}

/* Load and validate, printing problems as lint does; apply the overrides. */
static int load_scenario(struct run_ctx *rc)
{
    char *err = malloc(RUN_ERR_BYTES_MAX);
    if (err == NULL)
        return EXIT_FAIL;
    int bad = scenario_load(rc->opt.scenario_path, &rc->sc, err, RUN_ERR_BYTES_MAX) != 0;
    if (bad) {
        const char *p = err;
        while (*p != '\0') {
            const char *nl = strchr(p, '\n');
            int n = nl ? (int)(nl - p) : (int)strlen(p);
            fprintf(stderr, "%s: %.*s\n", rc->opt.scenario_path, n, p);
            p += n + (nl != NULL);
        }
    }
    free(err);
    if (bad)
        return EXIT_USAGE;
    if (rc->opt.seed_set)
        rc->sc.seed = rc->opt.seed;
    if (rc->opt.time_scale > 0)
        rc->sc.time_scale = rc->opt.time_scale;
    if (rc->opt.sut_external)
        rc->sc.time_scale = 1.0; /* outside software keeps real time (DESIGN.md section 1) */
    /* --duration-s cuts only the load: scenario.json keeps the file's duration (the mocks load
     * it, and its fault windows are checked against it); summary.json notes the cut. */
    return 0;
}

static int mkdir_p(const char *path)
{
    char buf[RUN_PATH_BYTES_MAX];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* A reused folder must not hand a mock the previous run's journal (it would replay that truth)
 * nor mix old data into the new results: remove the files a run writes. */
static void clear_out(const struct run_ctx *rc)
{
    static const char *const names[] = {"journal-platform.jsonl", "journal-carrier.jsonl",
                                        "faults-platform.jsonl",  "faults-carrier.jsonl",
                                        "faults-runner.jsonl",    "faults.jsonl",
                                        "evidence.jsonl",         "violations.jsonl",
                                        "truth-platform.jsonl",   "truth-carrier.jsonl",
                                        "syncd-state.jsonl",      "summary.json",
                                        "timeseries.csv",         "mockplat.log",
                                        "mockcarrier.log",        "syncd.log"};
    char path[RUN_PATH_BYTES_MAX + 64];
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        snprintf(path, sizeof(path), "%s/%s", rc->out, names[i]);
        unlink(path);
    }
}

static int prepare_out(struct run_ctx *rc)
{
    if (rc->opt.out_dir != NULL) {
        snprintf(rc->out, sizeof(rc->out), "%s", rc->opt.out_dir);
    } else {
        char stamp[32];
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
        snprintf(rc->out, sizeof(rc->out), "results/%s-%s", rc->sc.name, stamp);
    }
    if (mkdir_p(rc->out) != 0) {
        fprintf(stderr, "shipsim run: cannot create %s: %s\n", rc->out, strerror(errno));
        return EXIT_USAGE;
    }
    clear_out(rc);
    char path[RUN_PATH_BYTES_MAX + 32];
    snprintf(path, sizeof(path), "%s/scenario.json", rc->out);
    char *json = scenario_to_json(&rc->sc);
    FILE *f = json ? fopen(path, "w") : NULL;
    int ok = f != NULL && fputs(json, f) >= 0;
    ok = f != NULL && fclose(f) == 0 && ok;
    free(json);
    if (!ok) {
        fprintf(stderr, "shipsim run: cannot write %s\n", path);
        return EXIT_USAGE;
    }
    return 0;
}

/* The folder of this executable: the other binaries are its siblings. */
static int find_bin_dir(struct run_ctx *rc)
{
    ssize_t n = readlink("/proc/self/exe", rc->bin_dir, sizeof(rc->bin_dir) - 1);
    if (n <= 0)
        return -1;
    rc->bin_dir[n] = '\0';
    char *slash = strrchr(rc->bin_dir, '/');
    if (slash == NULL)
        return -1;
    *slash = '\0';
    return 0;
}

static int make_token(char *out, int len)
{
    unsigned char raw[RUN_TOKEN_BYTES / 2];
    FILE *f = fopen("/dev/urandom", "rb");
    int ok = f != NULL && fread(raw, 1, sizeof(raw), f) == sizeof(raw);
    if (f != NULL)
        fclose(f);
    if (!ok || len < RUN_TOKEN_BYTES + 1)
        return -1;
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int run_prepare(struct run_ctx *rc, int argc, char **argv)
{
    int code = parse_args(&rc->opt, argc, argv);
    if (code == 0)
        code = load_scenario(rc);
    if (code == 0)
        code = prepare_out(rc);
    if (code != 0)
        return code;
    if (find_bin_dir(rc) != 0 || make_token(rc->token, sizeof(rc->token)) != 0) {
        fprintf(stderr, "shipsim run: cannot find this executable's folder or read /dev/urandom\n");
        return EXIT_FAIL;
    }
    return 0;
}

static void run_release(struct run_ctx *rc)
{
    proc_stop_all(PROC_STOP_GRACE_MS);
    proc_free(rc->plat);
    proc_free(rc->carrier);
    proc_free(rc->syncd);
    rc->plat = rc->carrier = rc->syncd = NULL;
    sut_cleanup_private(rc);
    loop_free(rc);
    for (int i = 0; i < rc->crash_line_count; i++)
        free(rc->crash_lines[i]);
    free(rc->samples);
}

int run_cmd(int argc, char **argv)
{
    struct run_ctx *rc = calloc(1, sizeof(*rc));
    if (rc == NULL)
        return EXIT_FAIL;
    install_signals();
    int code = run_prepare(rc, argc, argv);
    if (code == 0) {
        simclock_init(&rc->clock, 0, rc->sc.time_scale);
        rc->wall_start_ns = rc->clock.anchor_ns;
        if (sut_start(rc) == 0 && !run_interrupted)
            loop_run(rc);
        if (run_interrupted) {
            fprintf(stderr, "\nshipsim run: interrupted; stopping every child\n");
            code = EXIT_INTERRUPTED;
        } else if (rc->failed) {
            fprintf(stderr, "shipsim run: %s\n", rc->fail_msg);
            code = EXIT_FAIL;
        } else {
            code = collect_and_check(rc);
        }
    }
    run_release(rc);
    free(rc);
    return code;
}
