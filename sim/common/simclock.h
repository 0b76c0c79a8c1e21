/* The sim clock (DESIGN.md section 2): sim_ms = epoch_ms + (mono_now - anchor) * scale.
 *
 * Every process of a run gets the same epoch, scale and anchor from the runner, so they agree on
 * sim time to within scheduling noise, even across a kill and restart. The anchor is a
 * CLOCK_MONOTONIC reading in ns, which is system-wide on one machine. */
#ifndef SHIPSIM_SIMCLOCK_H
#define SHIPSIM_SIMCLOCK_H

#include <stdint.h>

struct simclock {
    int64_t epoch_ms;  /* sim time at the anchor, unix ms */
    int64_t anchor_ns; /* CLOCK_MONOTONIC at the epoch */
    double scale;      /* sim ms per wall ms, > 0 */
};

/* Monotonic clock in ns and wall clock in unix ms. */
int64_t mono_now_ns(void);
int64_t wall_now_ms(void);

/* Start a clock now: epoch = wall clock now (epoch_ms <= 0) or epoch_ms, scale as given. */
void simclock_init(struct simclock *c, int64_t epoch_ms, double scale);
/* A clock from a runner's three numbers. Returns 0, or -1 when scale <= 0 or anchor <= 0. */
int simclock_set(struct simclock *c, int64_t epoch_ms, int64_t anchor_ns, double scale);

/* Sim time now, and the conversions the event loops need. */
int64_t simclock_now_ms(const struct simclock *c);
int64_t simclock_at_mono_ms(const struct simclock *c, int64_t mono_ns);
/* Wall ms to wait until sim time sim_ms (0 when it has passed). */
int64_t simclock_wall_ms_until(const struct simclock *c, int64_t sim_ms);
/* Sim ms -> wall ms for a duration (a timer of sim_ms sim milliseconds). */
double simclock_wall_ms(const struct simclock *c, double sim_ms);

/* Parse the standard options: "--sim-epoch-ms N", "--sim-anchor-ns N", "--time-scale X".
 * Call with argv[i] the option; consumes argv[i+1]. Returns 1 when it took the option (and *i was
 * advanced), 0 when argv[i] is not a clock option, -1 with err filled on a bad value. */
int simclock_parse_arg(struct simclock *c, int argc, char **argv, int *i, char *err, int err_len);

/* Format sim ms as "2026-11-21T23:18:31.123Z" (UTC) into buf (>= 25 bytes). */
void simclock_format(int64_t sim_ms, char *buf, int buf_len);

#endif
