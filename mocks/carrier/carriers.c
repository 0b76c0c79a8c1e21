/* Carrier mock context: see carriers.h and app.h. */
#include "carrier/carriers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier/track.h"
#include "carrier/wire.h"
#include "common/http_client.h"
#include "common/log.h"
#include "common/waybill.h"

static const char *const endpoint_names[EP_COUNT] = {
    "EXP_RECE_CREATE_ORDER",
    "EXP_RECE_SEARCH_ORDER_RESP",
    "EXP_RECE_UPDATE_ORDER",
    "EXP_RECE_SEARCH_ROUTES",
    "EXP_RECE_REMIND",
    "EXP_RECE_VALIDATE_WAYBILLNO",
    "poll/query.do",
    "poll",
    "push",
    "notify",
    "other",
};

const char *app_endpoint_name(enum cm_endpoint ep)
{
    assert(ep >= 0 && ep < EP_COUNT);
    return endpoint_names[ep];
}

const struct carrier_instance *app_carrier(const struct cm_app *app, const char *code)
{
    if (code == NULL)
        return NULL;
    for (int i = 0; i < app->carrier_count; i++)
        if (strcmp(app->carriers[i].code, code) == 0)
            return &app->carriers[i];
    return NULL;
}

static int load_carriers(struct cm_app *app, char *err, int err_len)
{
    for (int i = 0; i < app->sc.carrier_count; i++) {
        if (scenario_carrier(&app->sc, i, &app->carriers[i]) != 0) {
            snprintf(err, (size_t)err_len, "carrier %d: no credentials", i);
            return -1;
        }
        if (!waybill_carrier_known(app->carriers[i].code)) {
            snprintf(err, (size_t)err_len,
                     "carriers.enabled[%d]: %s has no waybill format "
                     "(known: SF ZTO YUNDA YTO STO JD)",
                     i, app->carriers[i].code);
            return -1;
        }
    }
    app->carrier_count = app->sc.carrier_count;
    scenario_tracking_account(&app->sc, &app->account);
    return 0;
}

/* After a replay: queue every parcel's next event and the abort checks of live subscriptions. */
static void resume(struct cm_app *app)
{
    int n = ledger_parcel_count(app->ledger);
    for (int p = 0; p < n; p++) {
        struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
        track_schedule(app, p);
        if (pp->sub == SUB_ACTIVE) {
            int64_t last = pp->done > 0 ? pp->plan.ev[pp->done - 1].sim_ms : pp->sub_ms;
            if (sched_add(app->sched, (last > pp->sub_ms ? last : pp->sub_ms) + K100_ABORT_MS,
                          JOB_ABORT_CHECK, (uint32_t)p, app->reset_gen) != 0)
                log_warn("scheduler full: no abort check for parcel %d", p);
        }
    }
    if (n > 0)
        log_info("replayed %d waybill records, %d parcels", ledger_record_count(app->ledger), n);
}

int app_open(struct cm_app *app, const struct app_options *o, char *err, int err_len)
{
    assert(app != NULL && o != NULL && o->scenario_path != NULL);
    app->notify_free = -1;
    if (scenario_load(o->scenario_path, &app->sc, err, err_len) != 0) {
        char why[ERR_BYTES_MAX];
        snprintf(why, sizeof(why), "%s", err);
        snprintf(err, (size_t)err_len, "%s: %s", o->scenario_path, why);
        return -1;
    }
    if (o->seed_set)
        app->sc.seed = o->seed;
    if (load_carriers(app, err, err_len) != 0)
        return -1;
    snprintf(app->notify_url, sizeof(app->notify_url), "%s", o->notify_url ? o->notify_url : "");
    snprintf(app->token, sizeof(app->token), "%s", o->token ? o->token : "");
    app->faults = fault_engine_new(&app->sc, FAULT_SIDE_CARRIER, &app->clock, o->fault_log_path);
    if (app->faults == NULL) {
        snprintf(err, (size_t)err_len, "fault engine: cannot start (fault log %s)",
                 o->fault_log_path ? o->fault_log_path : "none");
        return -1;
    }
    app->ledger = ledger_new(&app->sc, o->state_path, err, err_len);
    if (app->ledger == NULL)
        return -1;
    app->sched = sched_new(app->base, &app->clock, track_run_job, app);
    if (app->sched == NULL) {
        snprintf(err, (size_t)err_len, "scheduler: out of memory");
        return -1;
    }
    if (app->base != NULL) {
        app->http = http_client_new(app->base, OUTBOUND_CONNECTIONS_MAX);
        if (app->http == NULL) {
            snprintf(err, (size_t)err_len, "http client: cannot start");
            return -1;
        }
    }
    resume(app);
    return 0;
}

void app_close(struct cm_app *app)
{
    wire_free_pending(app);
    http_client_free(app->http);
    track_free_calls(app);
    sched_free(app->sched);
    ledger_free(app->ledger);
    fault_engine_free(app->faults);
    free(app->notifies);
    app->http = NULL;
    app->sched = NULL;
    app->ledger = NULL;
    app->faults = NULL;
    app->notifies = NULL;
}

void app_reset(struct cm_app *app)
{
    ledger_reset(app->ledger);
    sched_clear(app->sched);
    fault_reset_attempts(app->faults);
    app->reset_gen++;
    memset(&app->n, 0, sizeof(app->n));
}
