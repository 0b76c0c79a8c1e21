/* Stages -> scheduled times: see profile.h. */
#include "load/profile.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scenario/scenario.h"

int profile_init(struct profile *p, const struct load_stage *stages, int count, char *err,
                 int err_len)
{
    assert(p != NULL);
    assert(err != NULL);
    memset(p, 0, sizeof(*p));
    if (count < 1 || count > SCENARIO_STAGES_MAX) {
        snprintf(err, (size_t)err_len, "load.stages: need 1..%d stages, got %d",
                 SCENARIO_STAGES_MAX, count);
        return -1;
    }
    double rate = 0.0;
    double start = 0.0;
    double n = 0.0;
    for (int i = 0; i < count; i++) {
        const struct load_stage *s = &stages[i];
        if (!(s->sim_s > 0.0) || !isfinite(s->sim_s)) {
            snprintf(err, (size_t)err_len, "load.stages[%d].sim_s: must be > 0, got %g", i,
                     s->sim_s);
            return -1;
        }
        if (!(s->ramp_to_per_s >= 0.0) || !isfinite(s->ramp_to_per_s)) {
            snprintf(err, (size_t)err_len, "load.stages[%d].ramp_to_per_s: must be >= 0, got %g", i,
                     s->ramp_to_per_s);
            return -1;
        }
        p->start_s[i] = start;
        p->len_s[i] = s->sim_s;
        p->rate_from[i] = rate;
        p->rate_to[i] = s->ramp_to_per_s;
        p->count_before[i] = n;
        n += (rate + s->ramp_to_per_s) * 0.5 * s->sim_s; /* trapezoid: exact for linear */
        start += s->sim_s;
        rate = s->ramp_to_per_s;
    }
    p->stage_count = count;
    p->total_s = start;
    p->total_count = n;
    assert(p->total_count >= 0.0);
    return 0;
}

double profile_count_at(const struct profile *p, double t_s)
{
    assert(p->stage_count > 0);
    if (t_s <= 0.0)
        return 0.0;
    if (t_s >= p->total_s)
        return p->total_count;
    int i = p->stage_count - 1;
    while (i > 0 && p->start_s[i] > t_s)
        i--;
    double x = t_s - p->start_s[i];
    double slope = (p->rate_to[i] - p->rate_from[i]) / p->len_s[i];
    return p->count_before[i] + p->rate_from[i] * x + 0.5 * slope * x * x;
}

double profile_rate_at(const struct profile *p, double t_s)
{
    assert(p->stage_count > 0);
    if (t_s < 0.0 || t_s > p->total_s)
        return 0.0;
    int i = p->stage_count - 1;
    while (i > 0 && p->start_s[i] > t_s)
        i--;
    double x = t_s - p->start_s[i];
    return p->rate_from[i] + (p->rate_to[i] - p->rate_from[i]) * x / p->len_s[i];
}

int64_t profile_orders(const struct profile *p, double duration_s)
{
    double n = p->total_count;
    if (duration_s > 0.0 && duration_s < p->total_s)
        n = profile_count_at(p, duration_s);
    /* A hair of slack so that 10.0 computed as 9.999999 still schedules 10 orders. */
    return (int64_t)floor(n + 1e-9);
}

/* Offset x within stage i where the stage has produced `need` orders: solve
 * a x + (b - a) x^2 / (2 L) = need for the root in [0, L]. */
static double stage_solve(const struct profile *p, int i, double need)
{
    double a = p->rate_from[i];
    double b = p->rate_to[i];
    double len = p->len_s[i];
    assert(need >= 0.0);
    double x;
    if (fabs(b - a) < 1e-12) {
        x = a > 0.0 ? need / a : len;
    } else {
        double k = (b - a) / (2.0 * len);
        double disc = a * a + 4.0 * k * need;
        if (disc < 0.0)
            disc = 0.0;
        /* Numerically stable form of (-a + sqrt(disc)) / (2k). */
        x = 2.0 * need / (a + sqrt(disc));
        if (!isfinite(x))
            x = len;
    }
    if (x < 0.0)
        x = 0.0;
    if (x > len)
        x = len;
    return x;
}

double profile_time_ms(const struct profile *p, int64_t k)
{
    assert(k >= 0);
    assert(p->stage_count > 0);
    double target = (double)k + 1.0;
    if (target > p->total_count)
        target = p->total_count;
    int i = 0;
    while (i + 1 < p->stage_count && p->count_before[i + 1] < target)
        i++;
    double x = stage_solve(p, i, target - p->count_before[i]);
    return (p->start_s[i] + x) * 1000.0;
}
