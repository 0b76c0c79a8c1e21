/* bin/shipsim: one table of verbs, each a function taking the arguments after the verb.
 *
 *   scenario file -> lint (here) | run (run.c) -> results/<run>/ -> compare | replay (report)
 *
 * Adding a verb is one line in the table below plus its help text. Exit codes follow DESIGN.md
 * section 7: 0 pass, 1 a failed threshold or regression, 2 a bad scenario or command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "common/limits.h"
#include "report/report.h"
#include "run/bench_http.h"
#include "run/run.h"
#include "scenario/scenario.h"

#define EXIT_USAGE 2
#define LINT_ERR_BYTES_MAX (64 * 1024) /* room for one line per problem of a bad file */

struct verb {
    const char *name;
    const char *summary; /* one line for `shipsim --help` */
    const char *help;    /* the whole `shipsim <verb> --help` */
    int (*fn)(int argc, char **argv);
};

static const char lint_help[] =
    "usage: shipsim lint FILE...\n"
    "\n"
    "Check scenario files without running them: JSON syntax (line and column), unknown keys,\n"
    "types, ranges, fault kinds and targets, shop and carrier names, crash times, thresholds.\n"
    "Every problem is printed on its own line as 'FILE: <json path>: <reason>'.\n"
    "scenarios/README.md documents every key.\n"
    "\n"
    "exit: 0 every file is valid, 2 some file is not (or no file was given)\n";

/* The help text of `run`, ready for when sim/run/run.c lands: it becomes one table line,
 * {"run", "run a scenario and check it", run_help, run_cmd} (int run_cmd(int, char **) from
 * sim/run/run.h), with this text as `static const char run_help[]`.
 *
 * run:
 *   "usage: shipsim run SCENARIO [--out DIR] [--seed N] [--time-scale X] [--quiet]\n"
 *   "                            [--sut external --sut-push-url URL]\n"
 *   "\n"
 *   "Run a scenario: start mockplat, mockcarrier and syncd on free 127.0.0.1 ports, drive the\n"
 *   "load, inject the faults and crashes, let the system drain, check ground truth against the\n"
 *   "sync core's state and write the results folder (default results/<name>-<yyyymmdd-hhmmss>/).\n"
 *   "  --out DIR          results folder\n"
 *   "  --seed N           override the scenario's seed\n"
 *   "  --time-scale X     override sim.time_scale (sim ms per wall ms)\n"
 *   "  --quiet            no progress line\n"
 *   "  --sut external     do not start syncd: judge a sync service pointed at the mocks\n"
 *   "\n"
 *   "exit: 0 every threshold holds, 1 one fails, 2 bad scenario or command line\n"
 */

static int lint_cmd(int argc, char **argv);

static const struct verb verbs[] = {
    {"lint", "check scenario files without running them", lint_help, lint_cmd},
    {"run", "run a scenario: mocks, syncd, load, faults, check, results folder", run_help, run_cmd},
    {"compare", "compare two results folders, exit 1 on a regression", report_compare_help,
     report_cmd_compare},
    {"replay", "rerun a results folder's scenario and seed, compare fault decisions",
     report_replay_help, report_cmd_replay},
    {"report", "rewrite a results folder's junit.xml, plots and report.html", report_report_help,
     report_cmd_report},
    {"bench-http", "benchmark helper: one URL through the generator's HTTP client", bench_http_help,
     bench_http_cmd},
};

static void print_usage(FILE *out)
{
    fprintf(out, "usage: shipsim <verb> [options]    (shipsim <verb> --help for one verb)\n\n"
                 "A chaos and load-testing harness for e-commerce order and shipping sync.\n\n"
                 "verbs:\n");
    for (size_t i = 0; i < ARRAY_LEN(verbs); i++)
        fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
    fprintf(out, "\nexit codes: 0 pass, 1 a failed threshold or regression, 2 bad input\n");
}

static int wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}

/* Print each line of err prefixed with the file name. */
static void print_errors(const char *file, const char *err)
{
    const char *p = err;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        int n = nl != NULL ? (int)(nl - p) : (int)strlen(p);
        printf("%s: %.*s\n", file, n, p);
        p += n;
        if (*p == '\n')
            p++;
    }
}

static int lint_cmd(int argc, char **argv)
{
    if (argc == 0) {
        fprintf(stderr, "%s", lint_help);
        return EXIT_USAGE;
    }
    char *err = malloc(LINT_ERR_BYTES_MAX);
    struct scenario *sc = malloc(sizeof(*sc));
    if (err == NULL || sc == NULL) {
        free(err);
        free(sc);
        fprintf(stderr, "shipsim lint: out of memory\n");
        return EXIT_USAGE;
    }
    int bad = 0;
    for (int i = 0; i < argc; i++) {
        if (scenario_load(argv[i], sc, err, LINT_ERR_BYTES_MAX) != 0) {
            print_errors(argv[i], err);
            bad++;
        }
    }
    fflush(stdout);
    if (bad > 0)
        fprintf(stderr, "shipsim lint: %d of %d file%s invalid\n", bad, argc, argc == 1 ? "" : "s");
    free(sc);
    free(err);
    return bad > 0 ? EXIT_USAGE : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < ARRAY_LEN(verbs); i++) {
        if (strcmp(argv[1], verbs[i].name) != 0)
            continue;
        if (wants_help(argc - 2, argv + 2)) {
            printf("%s", verbs[i].help);
            return 0;
        }
        return verbs[i].fn(argc - 2, argv + 2);
    }
    fprintf(stderr, "shipsim: unknown verb '%s'\n\n", argv[1]);
    print_usage(stderr);
    return EXIT_USAGE;
}
