/* Internal to sim/scenario: the state one load shares between scenario.c (sections) and
 * scenario_fault.c (fault rules and crashes). Not for other folders. */
#ifndef SHIPSIM_SCENARIO_LOADER_H
#define SHIPSIM_SCENARIO_LOADER_H

#include <stddef.h>

#include "common/json.h"
#include "scenario/scenario.h"

/* One load: a reader whose every error line is appended to the caller's buffer. */
struct loader {
    struct json_reader r;
    struct scenario *sc; /* being filled; cross-checks read the sections parsed so far */
    char *err;
    int err_len;
    size_t err_used;
    int truncated; /* some lines did not fit in err */
};

void loader_init(struct loader *L, struct scenario *sc, char *err, int err_len);
/* Close the error text (a note when lines were dropped). Returns the error count. */
int loader_finish(struct loader *L);

/* Item i of array arr when it is an object (fails "<path>[i]: must be an object" otherwise).
 * The caller has entered the array's path. */
const cJSON *loader_item_object(struct loader *L, const cJSON *arr, int i);
/* A [lo, hi] pair of numbers within [min, max], lo <= hi; integers only when integer is set.
 * Missing: out = def. Returns 0 or -1. */
int loader_get_pair(struct loader *L, const cJSON *obj, const char *field, double out[2],
                    const double def[2], double min, double max, int integer);
/* A string member that must be one of names (NULL-terminated); its index, def when missing,
 * -1 on error. */
int loader_get_enum(struct loader *L, const cJSON *obj, const char *field, int required,
                    const char *const *names, int def);

/* Sim seconds from the run start to the end of the drain: fault windows and crashes live in
 * [0, scenario_run_end_s]. */
double scenario_run_end_s(const struct scenario *sc);

/* scenario_fault.c: the "faults" and "crashes" arrays (paths already at the root). */
void loader_parse_faults(struct loader *L, const cJSON *root);
void loader_parse_crashes(struct loader *L, const cJSON *root);

#endif
