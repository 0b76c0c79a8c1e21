/* The open-model rate profile (DESIGN.md section 6): the scenario's load stages -> the scheduled
 * sim time of each order.
 *
 * Stage i ramps the arrival rate linearly from the previous stage's end rate (0 before the first
 * stage) to its ramp_to_per_s over sim_s sim seconds; a stage whose rate equals the previous one
 * holds. The expected order count N(t) is the integral of the rate; order k (0-based) is due at
 * the sim offset t where N(t) = k + 1, so a constant rate r places order k at (k + 1) / r and the
 * profile schedules floor(N(end)) orders. Times do not depend on how fast the generator runs:
 * latency is measured from them (no coordinated omission). */
#ifndef SHIPSIM_LOAD_PROFILE_H
#define SHIPSIM_LOAD_PROFILE_H

#include <stdint.h>
#include "common/check.h"
#include "common/limits.h"

struct load_stage;

struct profile {
    int stage_count;
    double start_s[SCENARIO_STAGES_MAX];      /* stage start, sim s from run start */
    double len_s[SCENARIO_STAGES_MAX];        /* stage length, sim s (> 0) */
    double rate_from[SCENARIO_STAGES_MAX];    /* orders per sim s at the stage start */
    double rate_to[SCENARIO_STAGES_MAX];      /* orders per sim s at the stage end */
    double count_before[SCENARIO_STAGES_MAX]; /* N at the stage start */
    double total_s;                           /* sum of the stage lengths */
    double total_count;                       /* N at the end */
};

/* Build the profile from stages. Returns 0, or -1 with err filled when a stage has a length <= 0
 * or a negative or non-finite rate, or there are no stages or too many. */
int profile_init(struct profile *p, const struct load_stage *stages, int count, char *err,
                 int err_len) WARN_UNUSED_RESULT;
/* Orders the profile schedules, floor(N(end)), limited to duration_s when 0 < duration_s <
 * total_s (a run cut short by --duration-s). */
int64_t profile_orders(const struct profile *p, double duration_s);
/* Expected orders by sim offset t_s (clamped to [0, total_s]). */
double profile_count_at(const struct profile *p, double t_s);
/* Arrival rate (orders per sim s) at offset t_s; 0 outside the profile. */
double profile_rate_at(const struct profile *p, double t_s);
/* Scheduled sim offset in ms of order k (0 <= k < profile_orders(p, 0)). */
double profile_time_ms(const struct profile *p, int64_t k);

#endif
