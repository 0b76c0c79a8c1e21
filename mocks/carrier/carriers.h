/* Setting up and tearing down the carrier mock's context (app.h) from its options: the enabled
 * carriers and their credentials (scenario_carrier), the tracking account, the fault engine, the
 * ledger (replaying --state), the scheduler and the outbound HTTP client. Kept out of main.c so
 * tests can build a whole mock in-process. */
#ifndef SHIPSIM_CARRIER_CARRIERS_H
#define SHIPSIM_CARRIER_CARRIERS_H

#include "carrier/app.h"

struct app_options {
    const char *scenario_path;
    int seed_set;
    uint64_t seed;
    const char *state_path;     /* NULL: no journal */
    const char *fault_log_path; /* NULL: no fault log file */
    const char *notify_url;     /* NULL or "": no notifications */
    const char *token;          /* NULL or "": open control API */
};

/* Fill app (zeroed by the caller; base and clock already set). Returns 0, or -1 with err. */
int app_open(struct cm_app *app, const struct app_options *o, char *err,
             int err_len) WARN_UNUSED_RESULT;
void app_close(struct cm_app *app);
/* Forget all truth (POST /__sim/reset). */
void app_reset(struct cm_app *app);

#endif
