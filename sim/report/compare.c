/* compare: figure-by-figure table of two runs and the regression rule. */
#include "report/compare.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

enum kind { K_INFO = 0, K_COUNT, K_LATENCY, K_LOWER_BETTER, K_HIGHER_BETTER };

struct kpi_margin {
    const char *name;
    enum kind kind;
    double margin;
};

static const struct kpi_margin kpi_margins[] = {
    {"exception_order_rate", K_LOWER_BETTER, 0.002},
    {"inventory_accuracy", K_HIGHER_BETTER, 0.001},
    {"shipped_within_24h_share", K_HIGHER_BETTER, 0.01},
    {"fault_detection_rate", K_HIGHER_BETTER, 0.01},
};

static const char *const invariant_counts[] = {
    "lost_orders",           "late_orders",        "duplicate_waybills",
    "surplus_waybills_live", "waybill_mismatches", "garbled_propagated",
    "state_regressions",     "forged_accepted",    "oversold_units"};

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static enum kind classify(const char *name, double *margin)
{
    *margin = 0;
    for (size_t i = 0; i < ARRAY_LEN(invariant_counts); i++)
        if (strcmp(name, invariant_counts[i]) == 0)
            return K_COUNT;
    for (size_t i = 0; i < ARRAY_LEN(kpi_margins); i++) {
        if (strcmp(name, kpi_margins[i].name) == 0) {
            *margin = kpi_margins[i].margin;
            return kpi_margins[i].kind;
        }
    }
    if (!strchr(name, '.') && (ends_with(name, "_latency_ms") ||
                               (strncmp(name, "sync_lag_", 9) == 0 && ends_with(name, "_ms"))))
        return K_LATENCY;
    return K_INFO;
}

enum compare_mark compare_figure(const char *name, int a_present, double a, int b_present, double b,
                                 const struct compare_margins *m)
{
    double margin = 0;
    enum kind k = classify(name, &margin);
    if (!a_present && !b_present)
        return CMP_SAME;
    if (a_present && !b_present)
        return k == K_INFO ? CMP_CHANGED : CMP_REGRESSION;
    if (!a_present)
        return CMP_CHANGED;
    if (a == b)
        return CMP_SAME;
    switch (k) {
    case K_COUNT: return b > a ? CMP_REGRESSION : CMP_BETTER;
    case K_LATENCY: {
        double d = b - a;
        int beyond = fabs(d) > m->latency_abs_ms && fabs(d) > m->latency_rel * fabs(a);
        if (!beyond)
            return CMP_CHANGED;
        return d > 0 ? CMP_REGRESSION : CMP_BETTER;
    }
    case K_LOWER_BETTER:
        if (fabs(b - a) <= margin)
            return CMP_CHANGED;
        return b > a ? CMP_REGRESSION : CMP_BETTER;
    case K_HIGHER_BETTER:
        if (fabs(b - a) <= margin)
            return CMP_CHANGED;
        return b < a ? CMP_REGRESSION : CMP_BETTER;
    case K_INFO: break;
    }
    return CMP_CHANGED;
}

static void cell(char *out, size_t len, const struct run_figure *f)
{
    if (!f)
        snprintf(out, len, "-");
    else if (!f->present)
        snprintf(out, len, "null");
    else
        snprintf(out, len, "%.10g", f->value);
}

static void change_text(char *out, size_t len, const struct run_figure *a,
                        const struct run_figure *b)
{
    if (!a || !b || !a->present || !b->present) {
        snprintf(out, len, "%s", "");
        return;
    }
    double d = b->value - a->value;
    if (a->value != 0)
        snprintf(out, len, "%+.6g (%+.1f%%)", d, 100.0 * d / fabs(a->value));
    else
        snprintf(out, len, "%+.6g", d);
}

static int print_row(FILE *out, const char *name, const struct run_figure *fa,
                     const struct run_figure *fb, const struct compare_margins *m)
{
    static const char *const marks[] = {"", "", "better", "REGRESSION"};
    enum compare_mark mk = compare_figure(name, fa && fa->present, fa ? fa->value : NAN,
                                          fb && fb->present, fb ? fb->value : NAN, m);
    char a[40], b[40], ch[64];
    cell(a, sizeof(a), fa);
    cell(b, sizeof(b), fb);
    change_text(ch, sizeof(ch), fa, fb);
    fprintf(out, "%-40s %16s %16s %-26s %s\n", name, a, b, ch, marks[mk]);
    return mk == CMP_REGRESSION;
}

int compare_runs(const struct run_data *a, const struct run_data *b,
                 const struct compare_margins *m, FILE *out)
{
    int regressions = 0;
    fprintf(out, "%-40s %16s %16s %-26s %s\n", "figure", "A", "B", "change", "mark");
    for (int i = 0; i < a->figure_count; i++) {
        const struct run_figure *fa = &a->figures[i];
        regressions += print_row(out, fa->name, fa, run_figure_find(b, fa->name), m);
    }
    for (int i = 0; i < b->figure_count; i++) {
        const struct run_figure *fb = &b->figures[i];
        if (!run_figure_find(a, fb->name))
            regressions += print_row(out, fb->name, NULL, fb, m);
    }
    int verdict_regressed = strcmp(a->verdict, "fail") != 0 && strcmp(b->verdict, "fail") == 0;
    fprintf(out, "%-40s %16s %16s %-26s %s\n", "verdict", a->verdict[0] ? a->verdict : "-",
            b->verdict[0] ? b->verdict : "-", "", verdict_regressed ? "REGRESSION" : "");
    return regressions + verdict_regressed;
}

static int parse_margin(const char *text, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

const char report_compare_help[] =
    "usage: shipsim compare A B [--latency-margin-pct P] [--latency-margin-ms M]\n"
    "\n"
    "Compare two results folders figure by figure (A the baseline, B the candidate): every\n"
    "numeric figure of their summary.json with A, B and the change. Regressions of B are marked:\n"
    "an invariant count that grew; a latency figure worse by more than P% (default 10) and more\n"
    "than M sim-ms (default 1000); exception_order_rate up by more than 0.002,\n"
    "inventory_accuracy down by more than 0.001, shipped_within_24h_share or\n"
    "fault_detection_rate down by more than 0.01; one of those figures gone null; the verdict\n"
    "going from pass to fail. results/README.md documents the rule.\n"
    "\n"
    "exit: 0 no regression, 1 B regresses against A, 2 bad command line or folder\n";

static int compare_usage(FILE *f, int code)
{
    fputs(report_compare_help, f);
    return code;
}

int report_cmd_compare(int argc, char **argv)
{
    struct compare_margins m = {COMPARE_LATENCY_REL_DEFAULT, COMPARE_LATENCY_ABS_MS_DEFAULT};
    const char *dirs[2];
    int ndirs = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return compare_usage(stdout, 0);
        if (strcmp(argv[i], "--latency-margin-pct") == 0 && i + 1 < argc) {
            double pct = 0;
            if (parse_margin(argv[++i], 0, 1000, &pct) != 0) {
                fprintf(stderr,
                        "shipsim compare: --latency-margin-pct: expected 0..1000, got "
                        "\"%s\"\n",
                        argv[i]);
                return 2;
            }
            m.latency_rel = pct / 100;
        } else if (strcmp(argv[i], "--latency-margin-ms") == 0 && i + 1 < argc) {
            if (parse_margin(argv[++i], 0, 1e12, &m.latency_abs_ms) != 0) {
                fprintf(stderr,
                        "shipsim compare: --latency-margin-ms: expected a number >= 0, "
                        "got \"%s\"\n",
                        argv[i]);
                return 2;
            }
        } else if (argv[i][0] == '-' || ndirs == 2) {
            fprintf(stderr, "shipsim compare: unexpected argument \"%s\"\n", argv[i]);
            return compare_usage(stderr, 2);
        } else {
            dirs[ndirs++] = argv[i];
        }
    }
    if (ndirs != 2)
        return compare_usage(stderr, 2);
    char err[ERR_BYTES_MAX];
    struct run_data *a = run_data_load_summary(dirs[0], err, sizeof(err));
    if (!a) {
        fprintf(stderr, "shipsim compare: A: %s\n", err);
        return 2;
    }
    struct run_data *b = run_data_load_summary(dirs[1], err, sizeof(err));
    if (!b) {
        fprintf(stderr, "shipsim compare: B: %s\n", err);
        run_data_free(a);
        return 2;
    }
    printf("A: %s\nB: %s\n\n", dirs[0], dirs[1]);
    int regressions = compare_runs(a, b, &m, stdout);
    printf("\n%d regression(s)\n", regressions);
    run_data_free(a);
    run_data_free(b);
    return regressions ? 1 : 0;
}
