/* The outbox pump: due jobs -> runners, with backoff and jitter on failure. */
#include "core/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/log.h"
#include "core/ingest.h"
#include "core/metrics.h"
#include "core/tracking.h"

int64_t outbox_backoff_ms(int64_t base_ms, int64_t max_ms, int attempt, uint64_t seed,
                          int64_t job_id)
{
    assert(base_ms >= 1);
    assert(max_ms >= base_ms);
    int64_t d = base_ms;
    for (int i = 0; i < attempt && d < max_ms; i++) {
        d *= 2;
    }
    if (d > max_ms) {
        d = max_ms;
    }
    char key[32];
    snprintf(key, sizeof(key), "%lld", (long long)job_id);
    int64_t half = d / 2;
    int64_t jitter = draw_range(seed, "outbox_backoff", key, (uint64_t)attempt, 0, d - half);
    int64_t wait = half + jitter;
    assert(wait <= max_ms);
    return wait < 1 ? 1 : wait;
}

void outbox_add(struct core *c, const char *kind, const char *key, const char *shop,
                const char *arg, int64_t delay_ms, int rerun)
{
    assert(delay_ms >= 0);
    if (store_job_add(c->store, kind, key, shop, arg, core_now_ms(c) + delay_ms, rerun) < 0) {
        core_fatal_store(c, "job add");
    }
}

void outbox_done(struct core *c, const struct job_row *j)
{
    if (store_job_done(c->store, j->id, core_now_ms(c)) != 0) {
        core_fatal_store(c, "job done");
    }
}

void outbox_retry(struct core *c, const struct job_row *j, const struct call_outcome *o,
                  const char *new_arg, int now)
{
    int64_t wait_ms = 0;
    if (!now) {
        wait_ms = outbox_backoff_ms(c->cfg->retry_base_ms, c->cfg->retry_max_ms, j->attempts,
                                    c->seed, j->id);
    }
    if (o->evidence >= 0) {
        const char *order = strcmp(j->kind, JOB_CANCEL) == 0 ? "" : j->order_id;
        core_evidence(c, (enum evidence_kind)o->evidence, order, "a good answer", o->text,
                      "%s attempt %d", j->kind, j->attempts + 1);
    }
    char name[64];
    snprintf(name, sizeof(name), "retries_%s", j->kind);
    metrics_inc(c->metrics, name);
    log_debug("outbox: %s %s: %s, retry in %lld ms", j->kind, j->order_id, o->text,
              (long long)wait_ms);
    int64_t next = core_now_ms(c) + core_sim_of_wall_ms(c, wait_ms);
    if (store_job_retry(c->store, j->id, next, o->text, new_arg) != 0) {
        core_fatal_store(c, "job retry");
    }
}

void outbox_release(struct core *c)
{
    assert(c->inflight > 0);
    c->inflight--;
}

static int shop_of_job(struct core *c, const struct job_row *j)
{
    int shop = core_shop_index(c, j->shop);
    return shop;
}

static void lease(struct core *c, const struct job_row *j, int64_t until)
{
    if (store_job_lease(c->store, j->id, until) != 0) {
        core_fatal_store(c, "job lease");
    }
}

/* Collect the due detail jobs of j's shop (from index i on) into one batch and run it. */
static void run_detail(struct core *c, struct job_row *due, int n, int i, char *used, int64_t until)
{
    int shop = shop_of_job(c, &due[i]);
    int max = c->cfg->shops[shop].flavor == FLAVOR_SHOPEE ? PLAT_DETAIL_BATCH_MAX : 1;
    struct job_row *batch = malloc(sizeof(*batch) * PLAT_DETAIL_BATCH_MAX);
    int count = 0;
    if (batch == NULL) {
        return;
    }
    for (int k = i; k < n && count < max; k++) {
        if (!used[k] && strcmp(due[k].kind, JOB_DETAIL) == 0 &&
            strcmp(due[k].shop, due[i].shop) == 0) {
            used[k] = 1;
            lease(c, &due[k], until);
            batch[count++] = due[k];
        }
    }
    c->inflight++;
    ingest_detail_run(c, shop, batch, count);
    free(batch);
}

static void drop_unknown(struct core *c, const struct job_row *j)
{
    /* A job naming a shop no longer configured cannot run; keep it (never drop) far out. */
    log_warn("outbox: %s %s: unknown shop %s", j->kind, j->order_id, j->shop);
    lease(c, j, core_now_ms(c) + 3600 * 1000);
}

/* Shopee reads up to PLAT_DETAIL_BATCH_MAX orders a call, but detail jobs come due one by one
 * (~1.4 a call measured): a short batch waits until its oldest job has been due for
 * OUTBOX_DETAIL_GATHER_WALL_MS, so one call carries what came due meanwhile. Returns 1 when
 * the shop's detail jobs in due[i..n) should wait (they are marked used for this turn). */
static int detail_gathering(struct core *c, struct job_row *due, int n, int i, char *used, int shop)
{
    if (c->cfg->shops[shop].flavor != FLAVOR_SHOPEE) {
        return 0;
    }
    int count = 0;
    for (int k = i; k < n && count < PLAT_DETAIL_BATCH_MAX; k++) {
        if (!used[k] && strcmp(due[k].kind, JOB_DETAIL) == 0 &&
            strcmp(due[k].shop, due[i].shop) == 0) {
            count++;
        }
    }
    int64_t waited = core_now_ms(c) - due[i].next_ms; /* due[] is ordered by next_ms */
    if (count >= PLAT_DETAIL_BATCH_MAX ||
        waited >= core_sim_of_wall_ms(c, OUTBOX_DETAIL_GATHER_WALL_MS)) {
        return 0;
    }
    for (int k = i; k < n; k++) {
        if (strcmp(due[k].kind, JOB_DETAIL) == 0 && strcmp(due[k].shop, due[i].shop) == 0) {
            used[k] = 1;
        }
    }
    return 1;
}

static void dispatch(struct core *c, struct job_row *due, int n, int i, char *used, int64_t until)
{
    struct job_row *j = &due[i];
    int platform = strcmp(j->kind, JOB_DETAIL) == 0 || strcmp(j->kind, JOB_SHIP) == 0 ||
                   strcmp(j->kind, JOB_RESHIP) == 0;
    if (platform) {
        int shop = shop_of_job(c, j);
        if (shop < 0) {
            drop_unknown(c, j);
            return;
        }
        if (strcmp(j->kind, JOB_DETAIL) == 0 && detail_gathering(c, due, n, i, used, shop)) {
            return;
        }
        if (!core_shop_take(c, shop)) {
            return; /* over the shop's rate: stays due */
        }
        if (strcmp(j->kind, JOB_DETAIL) == 0) {
            run_detail(c, due, n, i, used, until);
            return;
        }
    }
    used[i] = 1;
    lease(c, j, until);
    c->inflight++;
    if (strcmp(j->kind, JOB_SHIP) == 0) {
        ship_run(c, j);
    } else if (strcmp(j->kind, JOB_WAYBILL) == 0) {
        waybill_run(c, j);
    } else if (strcmp(j->kind, JOB_CANCEL) == 0) {
        waybill_cancel_run(c, j);
    } else if (strcmp(j->kind, JOB_SUBSCRIBE) == 0) {
        tracking_subscribe_run(c, j);
    } else if (strcmp(j->kind, JOB_TRACK) == 0) {
        tracking_query_run(c, j);
    } else if (strcmp(j->kind, JOB_REMIND) == 0) {
        tracking_remind_run(c, j);
    } else if (strcmp(j->kind, JOB_SWITCH) == 0) {
        waybill_switch_run(c, j);
    } else if (strcmp(j->kind, JOB_RESHIP) == 0) {
        ship_reship_run(c, j);
    } else if (strcmp(j->kind, JOB_REREAD) == 0) {
        ingest_reread_run(c, j);
    } else {
        log_warn("outbox: unknown job kind %s", j->kind);
        outbox_done(c, j);
        outbox_release(c);
    }
}

void outbox_pump(struct core *c)
{
    /* Everything written so far (state changes and intents) is committed before any call. */
    core_commit(c);
    if (c->inflight >= OUTBOX_INFLIGHT_MAX) {
        return;
    }
    struct job_row *due = malloc(sizeof(*due) * OUTBOX_DUE_BATCH_MAX);
    char used[OUTBOX_DUE_BATCH_MAX] = {0};
    if (due == NULL) {
        return;
    }
    int64_t now = core_now_ms(c);
    int n = store_jobs_due(c->store, now, due, OUTBOX_DUE_BATCH_MAX);
    int64_t until = now + core_sim_of_wall_ms(c, OUTBOX_LEASE_WALL_MS);
    /* Two passes: calls that move orders forward (ship, waybill, ...) take the shops' request
     * budget and the in-flight slots before detail reads do. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < n && c->inflight < OUTBOX_INFLIGHT_MAX; i++) {
            int read = strcmp(due[i].kind, JOB_DETAIL) == 0;
            if (!used[i] && read == pass) {
                dispatch(c, due, n, i, used, until);
            }
        }
    }
    free(due);
}
