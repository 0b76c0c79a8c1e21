/* The sim clock: see simclock.h. */
#include "common/simclock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/check.h"
#include "common/limits.h"

int64_t mono_now_ns(void)
{
    struct timespec ts;
    int rc = clock_gettime(CLOCK_MONOTONIC, &ts);
    assert(rc == 0);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t wall_now_ms(void)
{
    struct timespec ts;
    int rc = clock_gettime(CLOCK_REALTIME, &ts);
    assert(rc == 0);
    return (int64_t)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void simclock_init(struct simclock *c, int64_t epoch_ms, double scale)
{
    assert(c != NULL);
    assert(scale > 0);
    c->epoch_ms = epoch_ms > 0 ? epoch_ms : wall_now_ms();
    c->anchor_ns = mono_now_ns();
    c->scale = scale;
}

int simclock_set(struct simclock *c, int64_t epoch_ms, int64_t anchor_ns, double scale)
{
    assert(c != NULL);
    if (!(scale > 0) || anchor_ns <= 0 || epoch_ms <= 0)
        return -1;
    c->epoch_ms = epoch_ms;
    c->anchor_ns = anchor_ns;
    c->scale = scale;
    return 0;
}

int64_t simclock_at_mono_ms(const struct simclock *c, int64_t mono_ns)
{
    assert(c != NULL);
    assert(c->scale > 0);
    double elapsed_ms = (double)(mono_ns - c->anchor_ns) / 1e6;
    return c->epoch_ms + (int64_t)(elapsed_ms * c->scale);
}

int64_t simclock_now_ms(const struct simclock *c)
{
    return simclock_at_mono_ms(c, mono_now_ns());
}

int64_t simclock_wall_ms_until(const struct simclock *c, int64_t sim_ms)
{
    int64_t now = simclock_now_ms(c);
    if (sim_ms <= now)
        return 0;
    /* round up so a timer never fires just before its sim time */
    double wall = (double)(sim_ms - now) / c->scale;
    int64_t w = (int64_t)wall;
    return w < wall ? w + 1 : w;
}

double simclock_wall_ms(const struct simclock *c, double sim_ms)
{
    assert(c->scale > 0);
    return sim_ms / c->scale;
}

static int parse_i64(const char *s, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

int simclock_parse_arg(struct simclock *c, int argc, char **argv, int *i, char *err, int err_len)
{
    const char *opt = argv[*i];
    int is_epoch = strcmp(opt, "--sim-epoch-ms") == 0;
    int is_anchor = strcmp(opt, "--sim-anchor-ns") == 0;
    int is_scale = strcmp(opt, "--time-scale") == 0;
    if (!is_epoch && !is_anchor && !is_scale)
        return 0;
    if (*i + 1 >= argc) {
        snprintf(err, err_len, "%s needs a value", opt);
        return -1;
    }
    const char *val = argv[++*i];
    if (is_scale) {
        char *end = NULL;
        double x = strtod(val, &end);
        if (end == val || *end != '\0' || !(x > 0) || x > SCENARIO_TIME_SCALE_MAX) {
            snprintf(err, err_len, "--time-scale: must be a number in (0, %g], got '%s'",
                     SCENARIO_TIME_SCALE_MAX, val);
            return -1;
        }
        c->scale = x;
        return 1;
    }
    int64_t v = 0;
    if (parse_i64(val, &v) != 0 || v <= 0) {
        snprintf(err, err_len, "%s: must be a positive integer, got '%s'", opt, val);
        return -1;
    }
    if (is_epoch)
        c->epoch_ms = v;
    else
        c->anchor_ns = v;
    return 1;
}

void simclock_format(int64_t sim_ms, char *buf, int buf_len)
{
    assert(buf_len >= 25);
    time_t secs = (time_t)(sim_ms / 1000);
    int ms = (int)(sim_ms % 1000);
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(buf, buf_len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}
