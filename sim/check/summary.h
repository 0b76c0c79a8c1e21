/* summary.json and latency-<stage>.hgrm of a run (DESIGN.md section 8).
 *
 * summary.json: {"scenario","seed","git_revision","verdict":"pass|fail", then every figure of
 * the checker by name (null when unavailable), "faults_injected":{kind:n}, "evidence":{kind:n},
 * "unavailable":{figure: reason}, "thresholds":[{"figure","condition","value","pass"}],
 * "notes":[..]}. Figures named "faults_injected.<kind>" and "evidence.<kind>" are written inside
 * those objects. */
#ifndef SHIPSIM_CHECK_SUMMARY_H
#define SHIPSIM_CHECK_SUMMARY_H

#include <stdint.h>
#include "common/check.h"

#define SUMMARY_NOTES_MAX 8

struct check;

struct summary_meta {
    const char *scenario;
    uint64_t seed;
    const char *git_revision;
    int passed;                           /* every threshold held */
    const char *notes[SUMMARY_NOTES_MAX]; /* NULL-terminated or full */
};

int summary_write(const char *path, const struct check *c, const struct summary_meta *meta,
                  char *err, int err_len) WARN_UNUSED_RESULT;
/* latency-<stage>.hgrm for the four stages and latency-sync_lag.hgrm, values in sim ms.
 * Returns 0 or -1 with err. */
int summary_write_hgrms(const char *dir, const struct check *c, char *err,
                        int err_len) WARN_UNUSED_RESULT;

#endif
