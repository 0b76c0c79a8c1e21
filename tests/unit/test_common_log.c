/* log: level filter, line format with process name and sim time, one line per call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

static char *capture(void (*fn)(void))
{
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    dup2(fileno(tmp), 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    long n = ftell(tmp);
    rewind(tmp);
    char *buf = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, tmp), (size_t)n);
    fclose(tmp);
    return buf;
}

static struct simclock clock_fixed;

static void emit(void)
{
    log_init("syncd", &clock_fixed);
    log_set_level(LOG_WARN);
    log_info("not shown %d", 1);
    log_warn("outbox: retry %s in %ds", "220810QSK8S7BX", 4);
    log_error("x");
}

static void test_format_and_filter(void **state)
{
    (void)state;
    /* scale tiny so sim time stays at the epoch for the duration of the test */
    simclock_init(&clock_fixed, 1700000000123LL, 1e-9);
    char *out = capture(emit);
    assert_null(strstr(out, "not shown"));
    assert_non_null(
        strstr(out, "2023-11-14T22:13:20.123Z syncd WARN outbox: retry 220810QSK8S7BX in 4s\n"));
    assert_non_null(strstr(out, "syncd ERROR x\n"));
    free(out);
}

static void test_level_parse(void **state)
{
    (void)state;
    assert_int_equal(log_level_parse("debug"), LOG_DEBUG);
    assert_int_equal(log_level_parse("error"), LOG_ERROR);
    assert_int_equal(log_level_parse("loud"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_and_filter),
        cmocka_unit_test(test_level_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
