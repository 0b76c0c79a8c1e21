/* report.html writer. */
#include "report/html.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/esc.h"
#include "report/judge.h"

static const char *const css =
    "body{font-family:sans-serif;margin:1.5em auto;max-width:1100px;color:#222;padding:0 1em}"
    "h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".pass{color:#176f2c}.fail{color:#b00020;font-weight:bold}.na{color:#777}"
    "#verdict{padding:.6em 1em;border-radius:6px;margin:1em 0}"
    "#verdict.pass{background:#e6f4ea;border:2px solid #176f2c}"
    "#verdict.fail{background:#fdecea;border:2px solid #b00020}"
    "#verdict h2{border:0;margin:.2em 0}"
    "figure{margin:1em 0}figure svg{width:100%;height:auto;max-width:960px;border:1px solid #eee}"
    "figcaption{font-size:.9em;color:#555}"
    "pre,code{font-family:monospace;font-size:.85em;white-space:pre-wrap;word-break:break-all}"
    "details{margin:.4em 0}.meta{color:#555;font-size:.9em}";

static void esc(FILE *f, const char *s)
{
    esc_write(f, s);
}

/* A figure value for people: ms as a duration, shares as percentages, counts as integers. */
static void format_value(const char *name, double v, char *out, size_t len)
{
    size_t n = strlen(name);
    int is_ms = n > 3 && strcmp(name + n - 3, "_ms") == 0;
    int is_share = (n > 5 && strcmp(name + n - 5, "_rate") == 0) ||
                   (n > 6 && strcmp(name + n - 6, "_share") == 0) ||
                   (n > 8 && strcmp(name + n - 8, "accuracy") == 0);
    if (isnan(v))
        snprintf(out, len, "n/a");
    else if (is_ms && v >= 60000)
        snprintf(out, len, "%.1f min (%.0f ms)", v / 60000, v);
    else if (is_ms && v >= 1000)
        snprintf(out, len, "%.2f s (%.0f ms)", v / 1000, v);
    else if (is_share && v >= 0 && v <= 1)
        snprintf(out, len, "%.2f%%", v * 100);
    else if (v == floor(v) && fabs(v) < 1e15)
        snprintf(out, len, "%.0f", v);
    else
        snprintf(out, len, "%.4g", v);
}

static void figure_cell(FILE *f, const struct run_data *rd, const char *name)
{
    const struct run_figure *fig = run_figure_find(rd, name);
    char buf[96];
    if (!fig) {
        fputs("<td class=\"na\">not in summary.json</td>", f);
    } else if (!fig->present) {
        fputs("<td class=\"na\">unavailable", f);
        if (fig->reason[0]) {
            fputs(": ", f);
            esc(f, fig->reason);
        }
        fputs("</td>", f);
    } else {
        format_value(name, fig->value, buf, sizeof(buf));
        fputs("<td class=\"num\">", f);
        esc(f, buf);
        fputs("</td>", f);
    }
}

static void outcome_cell(FILE *f, enum judge_outcome o)
{
    static const char *const text[] = {"<td class=\"fail\">FAIL</td>",
                                       "<td class=\"pass\">pass</td>",
                                       "<td class=\"na\">unavailable</td>"};
    fputs(text[o], f);
}

static void write_head(FILE *f, const struct run_data *rd)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
          "shipsim report: ",
          f);
    esc(f, rd->scenario_name[0] ? rd->scenario_name : "run");
    fprintf(f, "</title>\n<style>%s</style>\n</head><body>\n<h1>shipsim report: ", css);
    esc(f, rd->scenario_name[0] ? rd->scenario_name : "run");
    fputs("</h1>\n<p class=\"meta\">seed ", f);
    if (rd->have_seed)
        fprintf(f, "%llu", (unsigned long long)rd->seed);
    else
        fputs("unknown", f);
    fputs(" &middot; git ", f);
    esc(f, rd->git_revision[0] ? rd->git_revision : "unknown");
    const struct run_figure *sim = run_figure_find(rd, "sim_duration_s");
    const struct run_figure *wall = run_figure_find(rd, "wall_duration_s");
    if (sim && sim->present)
        fprintf(f, " &middot; %.0f sim-s", sim->value);
    if (wall && wall->present)
        fprintf(f, " in %.1f wall-s", wall->value);
    fputs(" &middot; folder <code>", f);
    esc(f, rd->dir);
    fputs("</code></p>\n", f);
}

static void write_verdict(FILE *f, const struct run_data *rd)
{
    int failed = 0;
    for (int i = 0; i < rd->threshold_count; i++)
        failed += !rd->thresholds[i].pass;
    int pass = strcmp(rd->verdict, "pass") == 0 || (!rd->verdict[0] && failed == 0);
    fprintf(f, "<section id=\"verdict\" class=\"%s\">\n<h2>Verdict: %s</h2>\n",
            pass ? "pass" : "fail", pass ? "PASS" : "FAIL");
    fprintf(f, "<p>%d of %d thresholds held.</p>\n", rd->threshold_count - failed,
            rd->threshold_count);
    if (failed) {
        fputs("<p>Failed thresholds:</p>\n<ul>\n", f);
        for (int i = 0; i < rd->threshold_count; i++) {
            const struct run_threshold *t = &rd->thresholds[i];
            if (t->pass)
                continue;
            char buf[96];
            format_value(t->figure, t->has_value ? t->value : NAN, buf, sizeof(buf));
            fputs("<li class=\"fail\"><code>", f);
            esc(f, t->figure);
            fputs(" ", f);
            esc(f, t->condition);
            fputs("</code>: was ", f);
            esc(f, buf);
            fputs("</li>\n", f);
        }
        fputs("</ul>\n", f);
    }
    fputs("</section>\n", f);
}

static void write_kpis(FILE *f, const struct run_data *rd)
{
    fputs("<section id=\"kpis\"><h2>KPIs</h2>\n<p class=\"meta\">Targets from seed article "
          "000 (after its 30-day fix): sync lag 38 min, exception orders 1.2%, inventory "
          "accuracy 99.3%; 98% out within 24 h.</p>\n<table><tr><th>KPI</th><th>figure</th>"
          "<th>value</th><th>target</th><th>status</th></tr>\n",
          f);
    for (int i = 0; i < judge_kpi_count; i++) {
        const struct judge_kpi *k = &judge_kpis[i];
        char target[96];
        format_value(k->figure, k->target, target, sizeof(target));
        fputs("<tr><td>", f);
        esc(f, k->label);
        fputs("</td><td><code>", f);
        esc(f, k->figure);
        fputs("</code></td>", f);
        figure_cell(f, rd, k->figure);
        fprintf(f, "<td>%s ", k->higher_is_better ? "&ge;" : "&le;");
        esc(f, target);
        fputs("</td>", f);
        outcome_cell(f, judge_kpi(rd, k));
        fputs("</tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

static void write_invariants(FILE *f, const struct run_data *rd)
{
    fputs("<section id=\"invariants\"><h2>Invariants</h2>\n<table><tr><th>invariant</th>"
          "<th>figure</th><th>value</th><th>rule</th><th>status</th></tr>\n",
          f);
    for (int i = 0; i < judge_invariant_count; i++) {
        const struct judge_invariant *inv = &judge_invariants[i];
        const struct run_threshold *th = NULL;
        enum judge_outcome o = judge_invariant(rd, inv, &th);
        fputs("<tr><td>", f);
        esc(f, inv->rule);
        fputs("</td><td><code>", f);
        esc(f, inv->figure);
        fputs("</code></td>", f);
        figure_cell(f, rd, inv->figure);
        fputs("<td><code>", f);
        if (th) {
            esc(f, th->condition);
            fputs("</code> (scenario)", f);
        } else {
            fprintf(f, "%s %g</code> (default)", inv->default_op, inv->default_value);
        }
        fputs("</td>", f);
        outcome_cell(f, o);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<h3>All thresholds</h3>\n<table><tr><th>figure</th><th>condition</th>"
          "<th>value</th><th>status</th></tr>\n",
          f);
    for (int i = 0; i < rd->threshold_count; i++) {
        const struct run_threshold *t = &rd->thresholds[i];
        fputs("<tr><td><code>", f);
        esc(f, t->figure);
        fputs("</code></td><td><code>", f);
        esc(f, t->condition);
        fputs("</code></td>", f);
        figure_cell(f, rd, t->figure);
        outcome_cell(f, t->pass ? JUDGE_PASS : JUDGE_FAIL);
        fputs("</tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

/* Copies the <svg> element, prefixing ids and their references so several plots in one page
 * never share an id (gnuplot names its markers and clip paths the same in every file). */
static void inline_svg(FILE *f, const char *text, int n)
{
    const char *p = strstr(text, "<svg");
    if (!p)
        return;
    static const char *const marks[] = {"id=\"", "id='", "href=\"#", "href='#", "url(#"};
    while (*p) {
        size_t best = strlen(p);
        int which = -1;
        for (size_t i = 0; i < ARRAY_LEN(marks); i++) {
            const char *m = strstr(p, marks[i]);
            if (m && (size_t)(m - p) < best) {
                best = (size_t)(m - p);
                which = (int)i;
            }
        }
        if (which < 0) {
            fputs(p, f);
            return;
        }
        size_t mlen = strlen(marks[which]);
        fwrite(p, 1, best + mlen, f);
        fprintf(f, "p%d_", n);
        p += best + mlen;
    }
}

static char *read_small(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(HTML_SVG_BYTES_MAX + 1);
    size_t n = buf ? fread(buf, 1, HTML_SVG_BYTES_MAX, f) : 0;
    int bad = !buf || ferror(f) || (n == HTML_SVG_BYTES_MAX && fgetc(f) != EOF);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static void write_plots(FILE *f, const struct run_data *rd, const struct plot_set *plots)
{
    fputs("<section id=\"plots\"><h2>Plots</h2>\n", f);
    if (plots->note[0]) {
        fputs("<p class=\"na\">", f);
        esc(f, plots->note);
        fputs("</p>\n", f);
    }
    for (int i = 0; i < plots->count; i++) {
        const struct plot_result *r = &plots->plots[i];
        char path[1200];
        snprintf(path, sizeof(path), "%s/plots/%s.svg", rd->dir, r->name);
        char *svg = r->drawn ? read_small(path) : NULL;
        if (!svg)
            continue;
        fputs("<figure>\n", f);
        inline_svg(f, svg, i);
        free(svg);
        fputs("\n<figcaption>", f);
        esc(f, r->title);
        fprintf(f,
                " (<code>plots/%s.png</code>, <code>plots/%s.svg</code>)</figcaption>\n"
                "</figure>\n",
                r->name, r->name);
    }
    fputs("</section>\n", f);
}

static int configured_rules(const struct run_data *rd, const char *kind)
{
    int n = 0;
    for (int i = 0; i < rd->window_count; i++)
        n += strcmp(rd->windows[i].kind, kind) == 0;
    return n;
}

static void write_faults(FILE *f, const struct run_data *rd)
{
    fputs("<section id=\"faults\"><h2>Faults</h2>\n<p class=\"meta\">configured: rules (and "
          "crashes) in scenario.json; injected: <code>faults_injected</code> in summary.json; "
          "detected: records of the matching evidence kinds the core wrote.</p>\n<table><tr>"
          "<th>kind</th><th>configured</th><th>injected</th><th>detected</th>"
          "<th>evidence kinds</th></tr>\n",
          f);
    int quiet = 0;
    for (int k = 0; judge_fault_kinds[k]; k++) {
        const char *kind = judge_fault_kinds[k];
        char name[RUN_FIGURE_NAME_BYTES_MAX];
        snprintf(name, sizeof(name), "faults_injected.%s", kind);
        const struct run_figure *inj = run_figure_find(rd, name);
        int conf = configured_rules(rd, kind);
        if (!conf && !(inj && inj->present && inj->value > 0)) {
            quiet++;
            continue; /* listed once below, not as a row of zeros */
        }
        fputs("<tr><td><code>", f);
        esc(f, kind);
        fprintf(f, "</code></td><td class=\"num\">%d</td>", conf);
        figure_cell(f, rd, name);
        double detected = 0;
        int any = 0;
        const char *const *ev = judge_evidence_for(kind);
        for (int e = 0; ev[e]; e++) {
            snprintf(name, sizeof(name), "evidence.%s", ev[e]);
            const struct run_figure *d = run_figure_find(rd, name);
            if (d && d->present) {
                detected += d->value;
                any = 1;
            }
        }
        if (any)
            fprintf(f, "<td class=\"num\">%.0f</td><td>", detected);
        else
            fputs("<td class=\"na\">none recorded</td><td>", f);
        for (int e = 0; ev[e]; e++) {
            fputs(e ? ", " : "", f);
            esc(f, ev[e]);
        }
        fputs(ev[0] ? "</td></tr>\n" : "(not observable)</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    if (quiet)
        fprintf(f, "<p class=\"meta\">%d other kind(s): not configured, none injected.</p>\n",
                quiet);
    fputs("</section>\n", f);
}

static void write_violations(FILE *f, const struct run_data *rd)
{
    fprintf(f,
            "<section id=\"violations\"><h2>Violations</h2>\n<p>%d violation(s) in "
            "violations.jsonl",
            rd->violations_total);
    if (rd->violations_total > HTML_VIOLATIONS_SHOWN_MAX)
        fprintf(f, "; the first %d shown", HTML_VIOLATIONS_SHOWN_MAX);
    fputs(".</p>\n", f);
    for (int i = 0; i < rd->violation_count && i < HTML_VIOLATIONS_SHOWN_MAX; i++) {
        const struct run_violation *v = &rd->violations[i];
        fprintf(f, "<details%s><summary><code>", i < 3 ? " open" : "");
        esc(f, v->invariant);
        fputs("</code> order <code>", f);
        esc(f, v->order_id);
        fprintf(f, "</code> (%d events)</summary>\n<ol>\n", v->items_total);
        for (int j = 0; j < v->item_count; j++) {
            fputs("<li><code>", f);
            esc(f, v->items[j]);
            fputs("</code></li>\n", f);
        }
        if (v->items_total > v->item_count)
            fprintf(f, "<li class=\"na\">... %d more</li>\n", v->items_total - v->item_count);
        fputs("</ol></details>\n", f);
    }
    fputs("</section>\n", f);
}

static void write_latency(FILE *f, const struct run_data *rd)
{
    static const char *const stages[] = {"waybill", "ship", "track", "deliver"};
    static const char *const pcts[] = {"p50", "p90", "p99", "p999", "max"};
    fputs("<section id=\"latency\"><h2>Latency by stage (from payment)</h2>\n<table><tr>"
          "<th>stage</th>",
          f);
    for (size_t p = 0; p < ARRAY_LEN(pcts); p++)
        fprintf(f, "<th>%s</th>", pcts[p]);
    fputs("</tr>\n", f);
    for (size_t s = 0; s < ARRAY_LEN(stages); s++) {
        fprintf(f, "<tr><td>%s</td>", stages[s]);
        for (size_t p = 0; p < ARRAY_LEN(pcts); p++) {
            char name[64];
            snprintf(name, sizeof(name), "%s_%s_latency_ms", pcts[p], stages[s]);
            figure_cell(f, rd, name);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

static void write_figures(FILE *f, const struct run_data *rd)
{
    fputs("<section id=\"figures\"><h2>All summary figures</h2>\n<table><tr><th>figure</th>"
          "<th>value</th></tr>\n",
          f);
    for (int i = 0; i < rd->figure_count; i++) {
        fputs("<tr><td><code>", f);
        esc(f, rd->figures[i].name);
        fputs("</code></td>", f);
        figure_cell(f, rd, rd->figures[i].name);
        fputs("</tr>\n", f);
    }
    fputs("</table></section>\n", f);
    fputs("<section id=\"notes\"><h2>Notes</h2>\n", f);
    if (rd->notes[0]) {
        fputs("<pre>", f);
        esc(f, rd->notes);
        fputs("</pre>\n", f);
    } else {
        fputs("<p>Every input file was present and readable.</p>\n", f);
    }
    fprintf(f,
            "<p class=\"meta\">faults.jsonl: %ld lines; evidence.jsonl: %ld lines "
            "(-1: missing).</p>\n</section>\n",
            rd->fault_lines, rd->evidence_lines);
}

int html_write(const struct run_data *rd, const struct plot_set *plots, const char *path, char *err,
               int err_len)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, (size_t)err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    write_head(f, rd);
    write_verdict(f, rd);
    write_kpis(f, rd);
    write_invariants(f, rd);
    write_plots(f, rd, plots);
    write_faults(f, rd);
    write_violations(f, rd);
    write_latency(f, rd);
    write_figures(f, rd);
    fputs("</body></html>\n", f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, (size_t)err_len, "%s: write error", path);
        return -1;
    }
    return 0;
}
