/* junit.xml: well-formed (xmllint --noout when installed, and always a small checker here) even
 * with markup, quotes and invalid UTF-8 in names and timelines; one testcase per threshold and per
 * invariant; failures carry the figure and the first violating orders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/esc.h"
#include "report/judge.h"
#include "report/junit.h"
#include "report/rundata.h"

#define DEPTH_MAX 32

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
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

static int entity_ok(const char *p)
{
    static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#39;"};
    for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
        if (strncmp(p, ents[i], strlen(ents[i])) == 0)
            return 1;
    return 0;
}

/* Returns NULL when well-formed, else what is wrong. A small checker, not a full XML parser:
 * balanced tags, quoted attributes, no raw < or bare & in text and values, valid UTF-8. */
static const char *xml_problem(const char *s)
{
    char stack[DEPTH_MAX][64];
    int depth = 0, roots = 0;
    for (const unsigned char *u = (const unsigned char *)s; *u;) {
        int n = esc_utf8_len(u);
        if (n == 0)
            return "invalid UTF-8";
        u += n;
    }
    if (strncmp(s, "<?xml", 5) == 0)
        s = strstr(s, "?>") + 2;
    while (*s) {
        if (*s == '&' && !entity_ok(s))
            return "bare & in text";
        if (*s != '<') {
            s++;
            continue;
        }
        if (s[1] == '/') {
            size_t len = strcspn(s + 2, ">");
            if (depth == 0 || strlen(stack[depth - 1]) != len ||
                strncmp(stack[depth - 1], s + 2, len) != 0)
                return "mismatched end tag";
            depth--;
            s += 3 + len;
            continue;
        }
        size_t len = strcspn(s + 1, " \t\n/>");
        if (len == 0 || len >= 64 || depth == DEPTH_MAX)
            return "bad tag name";
        char name[64];
        memcpy(name, s + 1, len);
        name[len] = '\0';
        s += 1 + len;
        for (;;) {
            s += strspn(s, " \t\n");
            if (*s == '>' || (s[0] == '/' && s[1] == '>'))
                break;
            size_t alen = strcspn(s, "=> \t\n");
            if (alen == 0 || s[alen] != '=' || (s[alen + 1] != '"'))
                return "attribute without a quoted value";
            const char *v = s + alen + 2;
            for (; *v && *v != '"'; v++) {
                if (*v == '<')
                    return "< in an attribute value";
                if (*v == '&' && !entity_ok(v))
                    return "bare & in an attribute value";
            }
            if (!*v)
                return "unterminated attribute";
            s = v + 1;
        }
        if (*s == '/') {
            s += 2;
            roots += depth == 0;
            continue;
        }
        s++;
        roots += depth == 0;
        snprintf(stack[depth++], 64, "%s", name);
    }
    if (depth != 0)
        return "unclosed element";
    return roots == 1 ? NULL : "not exactly one root element";
}

static struct run_data *load_fixture(void)
{
    const char *root = getenv("SHIPSIM_ROOT");
    char dir[512], err[512];
    snprintf(dir, sizeof(dir), "%s/tests/fixtures/report/run", root ? root : ".");
    struct run_data *rd = run_data_load(dir, err, sizeof(err));
    if (!rd)
        fail_msg("run_data_load: %s", err);
    return rd;
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

static void check_file(const char *path)
{
    char *xml = slurp(path);
    const char *problem = xml_problem(xml);
    if (problem)
        fail_msg("%s: %s", path, problem);
    free(xml);
    if (system("command -v xmllint >/dev/null 2>&1") == 0) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "xmllint --noout '%s'", path);
        assert_int_equal(system(cmd), 0);
    }
}

static void test_fixture(void **state)
{
    (void)state;
    struct run_data *rd = load_fixture();
    char path[] = "/tmp/shipsim-junit-XXXXXX", err[256];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(junit_write(rd, path, err, sizeof(err)), 0);
    check_file(path);
    char *xml = slurp(path);
    assert_int_equal(count(xml, "<testcase "), rd->threshold_count + judge_invariant_count);
    assert_int_equal(count(xml, "classname=\"shipsim.fixture-report.thresholds\""), 3);
    assert_non_null(strstr(xml, "message=\"lost_orders = 2, required == 0\""));
    assert_non_null(strstr(xml, "first violating orders: 220810038AB, 220810039AB"));
    assert_non_null(strstr(xml, "message=\"surplus_waybills_live = 1, required == 0 (default)\""));
    assert_non_null(strstr(xml, "first violating orders: 220810077AB"));
    assert_non_null(strstr(xml, "<skipped message=\"forged_accepted unavailable: null (no forged"));
    /* counts in the header agree with the cases */
    char head[200];
    snprintf(head, sizeof(head), "tests=\"%d\" failures=\"%d\"",
             rd->threshold_count + judge_invariant_count, count(xml, "<failure "));
    assert_non_null(strstr(xml, head));
    assert_non_null(strstr(xml, "<property name=\"seed\" value=\"42\"/>"));
    free(xml);
    unlink(path);
    run_data_free(rd);
}

static void test_hostile_text(void **state)
{
    (void)state;
    struct run_data *rd = load_fixture();
    snprintf(rd->scenario_name, sizeof(rd->scenario_name), "a<b>&\"c'\x01");
    snprintf(rd->thresholds[0].condition, sizeof(rd->thresholds[0].condition), "< 5 && >\"1\"");
    snprintf(rd->violations[0].order_id, sizeof(rd->violations[0].order_id), "\xff\xfe]]>x");
    snprintf(rd->git_revision, sizeof(rd->git_revision), "\xe9\x94\x99\xc3");
    char path[] = "/tmp/shipsim-junit-XXXXXX", err[256];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(junit_write(rd, path, err, sizeof(err)), 0);
    check_file(path);
    char *xml = slurp(path);
    assert_non_null(strstr(xml, "shipsim.a&lt;b&gt;&amp;&quot;c&#39;\xEF\xBF\xBD"));
    assert_non_null(strstr(xml, "\xEF\xBF\xBD\xEF\xBF\xBD]]&gt;x"));
    free(xml);
    unlink(path);
    run_data_free(rd);
}

static void test_checker_catches_bad_xml(void **state)
{
    (void)state;
    assert_null(xml_problem("<a><b x=\"1\"/>t &amp; u</a>"));
    assert_non_null(xml_problem("<a><b></a></b>"));
    assert_non_null(xml_problem("<a>x & y</a>"));
    assert_non_null(xml_problem("<a x=\"<\"></a>"));
    assert_non_null(xml_problem("<a>\xff</a>"));
    assert_non_null(xml_problem("<a></a><b></b>"));
}

static void test_unwritable(void **state)
{
    (void)state;
    struct run_data *rd = load_fixture();
    char err[256];
    assert_int_equal(junit_write(rd, "/nonexistent/dir/junit.xml", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/nonexistent/dir/junit.xml"));
    run_data_free(rd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_checker_catches_bad_xml),
        cmocka_unit_test(test_unwritable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
