/* report_write on the hand-made run folder tests/fixtures/report/run: every output exists, the
 * JUnit file is well-formed and carries the failed threshold, the page shows the verdict first,
 * escapes hostile timeline text and inlines the SVG plots; missing inputs are said, not fatal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Copies the fixture run folder into a fresh temp dir; returns it in out. */
static void copy_fixture(char *out, size_t len)
{
    const char *root = getenv("SHIPSIM_ROOT");
    char tmpl[] = "/tmp/shipsim-report-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    snprintf(out, len, "%s", tmpl);
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "cp -r '%s/tests/fixtures/report/run/.' '%s/'", root ? root : ".",
             out);
    assert_int_equal(system(cmd), 0);
}

static void remove_dir(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static int file_starts_with(const char *path, const void *magic, size_t n)
{
    char buf[16];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t got = fread(buf, 1, n, f);
    fclose(f);
    return got == n && memcmp(buf, magic, n) == 0;
}

static int have_gnuplot(void)
{
    return system("gnuplot --version >/dev/null 2>&1") == 0;
}

static void test_full_report(void **state)
{
    (void)state;
    char dir[256], note[1024], err[512], path[512];
    copy_fixture(dir, sizeof(dir));
    int rc = report_write(dir, note, sizeof(note), err, sizeof(err));
    if (rc != 0)
        fail_msg("report_write: %s", err);

    snprintf(path, sizeof(path), "%s/junit.xml", dir);
    char *junit = slurp(path);
    assert_non_null(junit);
    assert_non_null(strstr(junit, "name=\"lost_orders == 0\""));
    assert_non_null(strstr(junit, "lost_orders = 2, required == 0"));
    assert_non_null(strstr(junit, "first violating orders: 220810038AB, 220810039AB"));
    assert_non_null(strstr(junit, "<skipped message=\"forged_accepted unavailable"));
    assert_null(strstr(junit, "<script>"));
    free(junit);
    if (system("command -v xmllint >/dev/null 2>&1") == 0) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "xmllint --noout '%s/junit.xml'", dir);
        assert_int_equal(system(cmd), 0);
    }

    snprintf(path, sizeof(path), "%s/report.html", dir);
    char *html = slurp(path);
    assert_non_null(html);
    char *verdict = strstr(html, "Verdict: FAIL");
    char *kpis = strstr(html, "id=\"kpis\"");
    assert_non_null(verdict);
    assert_non_null(kpis);
    assert_true(verdict < kpis);
    assert_null(strstr(html, "<script"));
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    /* Self-contained: no external resource (SVG namespaces are names, not fetches). */
    assert_null(strstr(html, "src=\""));
    assert_null(strstr(html, "<link"));
    assert_null(strstr(html, "@import"));
    assert_null(strstr(html, "href=\"http"));
    if (have_gnuplot()) {
        assert_string_equal(note, "");
        assert_non_null(strstr(html, "<svg"));
        static const char *const names[] = {"throughput", "latency_time", "latency_dist",
                                            "anomalies", "stages"};
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            snprintf(path, sizeof(path), "%s/plots/%s.png", dir, names[i]);
            if (!file_starts_with(path, "\x89PNG\r\n\x1a\n", 8))
                fail_msg("%s is not a PNG", path);
            snprintf(path, sizeof(path), "%s/plots/%s.svg", dir, names[i]);
            char *svg = slurp(path);
            assert_non_null(svg);
            assert_non_null(strstr(svg, "<svg"));
            free(svg);
        }
    }
    free(html);
    remove_dir(dir);
}

static void test_missing_inputs_are_noted(void **state)
{
    (void)state;
    char dir[256], note[1024], err[512], path[512];
    copy_fixture(dir, sizeof(dir));
    static const char *const gone[] = {
        "timeseries.csv",       "violations.jsonl",   "scenario.json",
        "latency-ship.hgrm",    "latency-track.hgrm", "latency-waybill.hgrm",
        "latency-deliver.hgrm", "faults.jsonl",       "evidence.jsonl"};
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, gone[i]);
        assert_int_equal(unlink(path), 0);
    }
    if (report_write(dir, note, sizeof(note), err, sizeof(err)) != 0)
        fail_msg("report_write: %s", err);
    snprintf(path, sizeof(path), "%s/report.html", dir);
    char *html = slurp(path);
    assert_non_null(html);
    assert_non_null(strstr(html, "timeseries.csv: missing"));
    assert_non_null(strstr(html, "violations.jsonl: missing"));
    assert_non_null(strstr(html, "scenario.json: "));
    assert_non_null(strstr(html, "Verdict: FAIL"));
    free(html);
    remove_dir(dir);
}

static void test_no_summary_is_an_error(void **state)
{
    (void)state;
    char dir[256], note[64], err[512], path[512];
    copy_fixture(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/summary.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"lost_orders\": 2,", f); /* truncated */
    fclose(f);
    assert_int_equal(report_write(dir, note, sizeof(note), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "summary.json: not valid JSON"));
    assert_int_equal(unlink(path), 0);
    assert_int_equal(report_write(dir, note, sizeof(note), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "No such file"));
    remove_dir(dir);
}

static void test_gnuplot_missing_skips_plots(void **state)
{
    (void)state;
    char dir[256], note[1024], err[512], path[512];
    copy_fixture(dir, sizeof(dir));
    const char *old = getenv("PATH");
    char *saved = old ? strdup(old) : NULL;
    setenv("PATH", "/nonexistent", 1);
    int rc = report_write(dir, note, sizeof(note), err, sizeof(err));
    if (saved) {
        setenv("PATH", saved, 1);
        free(saved);
    }
    if (rc != 0)
        fail_msg("report_write: %s", err);
    assert_non_null(strstr(note, "gnuplot is not installed"));
    snprintf(path, sizeof(path), "%s/report.html", dir);
    char *html = slurp(path);
    assert_non_null(html);
    assert_non_null(strstr(html, "plots skipped: gnuplot is not installed"));
    free(html);
    snprintf(path, sizeof(path), "%s/junit.xml", dir);
    assert_int_equal(access(path, R_OK), 0);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_report),
        cmocka_unit_test(test_missing_inputs_are_noted),
        cmocka_unit_test(test_no_summary_is_an_error),
        cmocka_unit_test(test_gnuplot_missing_skips_plots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
