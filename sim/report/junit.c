/* JUnit XML writer. */
#include "report/junit.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/esc.h"
#include "report/judge.h"

struct counts {
    int tests;
    int failures;
    int skipped;
};

static void figure_text(const struct run_data *rd, const char *figure, char *out, size_t len)
{
    const struct run_figure *f = run_figure_find(rd, figure);
    if (!f)
        snprintf(out, len, "absent from summary.json");
    else if (!f->present)
        snprintf(out, len, "null (%s)", f->reason[0] ? f->reason : "no reason given");
    else
        snprintf(out, len, "%.10g", f->value);
}

/* The first violating orders of figure, and the first one's timeline. */
static void write_violations(FILE *f, const struct run_data *rd, const char *figure)
{
    int listed = 0;
    const struct run_violation *first = NULL;
    for (int i = 0; i < rd->violation_count && listed < JUNIT_ORDERS_LISTED_MAX; i++) {
        const struct run_violation *v = &rd->violations[i];
        if (!judge_violation_matches(v->invariant, figure))
            continue;
        fputs(listed ? ", " : "first violating orders: ", f);
        esc_write(f, v->order_id);
        listed++;
        if (!first)
            first = v;
    }
    if (!first) {
        fputs("no violation timeline recorded for this figure", f);
        return;
    }
    fputs("\ntimeline of ", f);
    esc_write(f, first->order_id);
    fputs(":\n", f);
    for (int i = 0; i < first->item_count; i++) {
        fputs("  ", f);
        esc_write(f, first->items[i]);
        fputc('\n', f);
    }
    if (first->items_total > first->item_count)
        fprintf(f, "  ... %d more\n", first->items_total - first->item_count);
}

static void write_case(FILE *f, const char *classname, const char *name)
{
    fputs("    <testcase classname=\"", f);
    esc_write(f, classname);
    fputs("\" name=\"", f);
    esc_write(f, name);
    fputs("\" time=\"0\"", f);
}

static void write_threshold(FILE *f, const struct run_data *rd, const char *cls,
                            const struct run_threshold *th, struct counts *c)
{
    char name[200], value[RUN_REASON_BYTES_MAX + 40];
    snprintf(name, sizeof(name), "%s %s", th->figure, th->condition);
    figure_text(rd, th->figure, value, sizeof(value));
    if (th->has_value)
        snprintf(value, sizeof(value), "%.10g", th->value);
    write_case(f, cls, name);
    c->tests++;
    if (th->pass) {
        fputs("/>\n", f);
        return;
    }
    c->failures++;
    fputs(">\n      <failure type=\"threshold\" message=\"", f);
    esc_write(f, th->figure);
    fputs(" = ", f);
    esc_write(f, value);
    fputs(", required ", f);
    esc_write(f, th->condition);
    fputs("\">", f);
    write_violations(f, rd, th->figure);
    fputs("</failure>\n    </testcase>\n", f);
}

static void write_invariant(FILE *f, const struct run_data *rd, const char *cls,
                            const struct judge_invariant *inv, struct counts *c)
{
    const struct run_threshold *th = NULL;
    enum judge_outcome o = judge_invariant(rd, inv, &th);
    char value[RUN_REASON_BYTES_MAX + 40], rule[120];
    figure_text(rd, inv->figure, value, sizeof(value));
    if (th)
        snprintf(rule, sizeof(rule), "%s (scenario threshold)", th->condition);
    else
        snprintf(rule, sizeof(rule), "%s %g (default)", inv->default_op, inv->default_value);
    write_case(f, cls, inv->figure);
    c->tests++;
    if (o == JUDGE_PASS) {
        fputs("/>\n", f);
        return;
    }
    if (o == JUDGE_UNAVAILABLE) {
        c->skipped++;
        fputs(">\n      <skipped message=\"", f);
        esc_write(f, inv->figure);
        fputs(" unavailable: ", f);
        esc_write(f, value);
        fputs("\"/>\n    </testcase>\n", f);
        return;
    }
    c->failures++;
    fputs(">\n      <failure type=\"invariant\" message=\"", f);
    esc_write(f, inv->figure);
    fputs(" = ", f);
    esc_write(f, value);
    fputs(", required ", f);
    esc_write(f, rule);
    fputs("\">", f);
    esc_write(f, inv->rule);
    fputs("\n", f);
    write_violations(f, rd, inv->figure);
    fputs("</failure>\n    </testcase>\n", f);
}

/* Cases go to a memory stream first: the suite's counts must precede them. */
static int write_cases(const struct run_data *rd, const char *suite, char **buf, size_t *len,
                       struct counts *c)
{
    FILE *m = open_memstream(buf, len);
    if (!m)
        return -1;
    char cls[160];
    snprintf(cls, sizeof(cls), "%s.thresholds", suite);
    for (int i = 0; i < rd->threshold_count; i++)
        write_threshold(m, rd, cls, &rd->thresholds[i], c);
    snprintf(cls, sizeof(cls), "%s.invariants", suite);
    for (int i = 0; i < judge_invariant_count; i++)
        write_invariant(m, rd, cls, &judge_invariants[i], c);
    return fclose(m) == 0 ? 0 : -1;
}

static void write_property(FILE *f, const char *name, const char *value)
{
    fprintf(f, "      <property name=\"%s\" value=\"", name);
    esc_write(f, value);
    fputs("\"/>\n", f);
}

int junit_write(const struct run_data *rd, const char *path, char *err, int err_len)
{
    char suite[SCENARIO_NAME_BYTES_MAX + 16], seed[32];
    snprintf(suite, sizeof(suite), "shipsim.%s", rd->scenario_name[0] ? rd->scenario_name : "run");
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)rd->seed);
    struct counts c = {0, 0, 0};
    char *cases = NULL;
    size_t cases_len = 0;
    if (write_cases(rd, suite, &cases, &cases_len, &c) != 0) {
        snprintf(err, (size_t)err_len, "junit: out of memory");
        return -1;
    }
    const struct run_figure *wall = run_figure_find(rd, "wall_duration_s");
    double t = (wall && wall->present) ? wall->value : 0;
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, (size_t)err_len, "%s: %s", path, strerror(errno));
        free(cases);
        return -1;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f,
            "<testsuites name=\"shipsim\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
            "skipped=\"%d\" time=\"%.3f\">\n",
            c.tests, c.failures, c.skipped, t);
    fputs("  <testsuite name=\"", f);
    esc_write(f, suite);
    fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\">\n",
            c.tests, c.failures, c.skipped, t);
    fputs("    <properties>\n", f);
    write_property(f, "seed", rd->have_seed ? seed : "");
    write_property(f, "git_revision", rd->git_revision);
    write_property(f, "verdict", rd->verdict);
    fputs("    </properties>\n", f);
    fwrite(cases, 1, cases_len, f);
    fputs("  </testsuite>\n</testsuites>\n", f);
    free(cases);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, (size_t)err_len, "%s: write error", path);
        return -1;
    }
    return 0;
}
