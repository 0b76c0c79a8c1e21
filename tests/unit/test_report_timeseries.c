/* timeseries.csv: what ts_writer writes, ts_read reads back to the same doubles; bad files are
 * rejected with the file, line and column named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/timeseries.h"

static char path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof(path), "/tmp/shipsim-ts-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

static void write_text(const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_round_trip(void **state)
{
    (void)state;
    static const char *const cols[] = {"sim_s", "wall_s", "orders_placed", "ship_latency_p99_ms"};
    static const double rows[][4] = {
        {60, 0.1, 30, 1500000},
        {120, 1.0 / 3.0, 0, NAN},
        {180, 1e-7, 123456789012, 12345678.9},
        {240, -2.5, 1, 6.02214076e23},
    };
    char err[256];
    struct ts_writer *w = ts_writer_open(path, cols, 4, err, sizeof(err));
    assert_non_null(w);
    for (size_t r = 0; r < 4; r++)
        assert_int_equal(ts_writer_row(w, rows[r]), 0);
    assert_int_equal(ts_writer_close(w), 0);

    struct ts *t = ts_read(path, err, sizeof(err));
    if (!t)
        fail_msg("ts_read: %s", err);
    assert_int_equal(ts_columns(t), 4);
    assert_int_equal(ts_rows(t), 4);
    for (int c = 0; c < 4; c++)
        assert_string_equal(ts_column_name(t, c), cols[c]);
    assert_int_equal(ts_column_index(t, "orders_placed"), 2);
    assert_int_equal(ts_column_index(t, "nope"), -1);
    for (long r = 0; r < 4; r++) {
        for (int c = 0; c < 4; c++) {
            double want = rows[r][c], got = ts_value(t, r, c);
            if (isnan(want))
                assert_true(isnan(got));
            else if (want != got)
                fail_msg("row %ld col %d: wrote %.17g read %.17g", r, c, want, got);
        }
    }
    ts_free(t);
}

static void test_short_row_and_blank_lines(void **state)
{
    (void)state;
    write_text("sim_s,a,b\r\n1,2,3\r\n\n2,5\n");
    char err[256];
    struct ts *t = ts_read(path, err, sizeof(err));
    if (!t)
        fail_msg("ts_read: %s", err);
    assert_int_equal(ts_rows(t), 2);
    assert_true(ts_value(t, 0, 2) == 3);
    assert_true(ts_value(t, 1, 1) == 5);
    assert_true(isnan(ts_value(t, 1, 2)));
    ts_free(t);
}

static void expect_error(const char *text, const char *what)
{
    char err[256] = "";
    write_text(text);
    struct ts *t = ts_read(path, err, sizeof(err));
    assert_null(t);
    if (!strstr(err, what))
        fail_msg("error \"%s\" does not contain \"%s\"", err, what);
}

static void test_bad_files(void **state)
{
    (void)state;
    expect_error("", "empty file");
    expect_error("sim_s,a\n1,x\n", ":2: column a: \"x\" is not a number");
    expect_error("sim_s,a\n1,2,3\n", ":2: more cells");
    expect_error("sim_s,a,a\n", "column \"a\" appears twice");
    expect_error("sim_s,,b\n", "column 2: name empty");
    expect_error("sim_s\n1e999\n", "is not a number");
    char err[256];
    assert_null(ts_read("/nonexistent/timeseries.csv", err, sizeof(err)));
    assert_non_null(strstr(err, "No such file"));
}

static void test_writer_rejects_bad_names(void **state)
{
    (void)state;
    static const char *const bad[] = {"sim_s", "a,b"};
    char err[256];
    assert_null(ts_writer_open(path, bad, 2, err, sizeof(err)));
    assert_non_null(strstr(err, "comma"));
    assert_null(ts_writer_open(path, bad, 0, err, sizeof(err)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_row_and_blank_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_rejects_bad_names, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
