/* The waybill allocator. The job row is the intent (committed before any call). The order id
 * (plus a generation suffix after a refused number) is the carrier's idempotency reference; any
 * attempt after the first searches by reference before it creates, so a lost reply or a restart
 * never makes a second waybill. Numbers are checked against the carrier's format and against the
 * numbers bound to other orders; surplus ones are cancelled; an auth refusal or a long outage
 * moves the order to the backup carrier. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "common/waybill.h"
#include "core/carrier.h"
#include "core/ingest.h"
#include "core/outbox.h"

#define WAYBILL_MSG_BYTES_MAX 2048

struct wb_ctx {
    struct job_row job;
    char carrier[CARRIER_CODE_BYTES_MAX];
    char ref[64];
    int searching;
    int fails; /* consecutive attempts the carrier did not answer (job arg "CODE|n") */
    struct carrier_reply got; /* the create / search answer while its number is validated */
};

static char *create_msg(const struct order_row *o, const char *ref)
{
    char err[ERR_BYTES_MAX];
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "language", "zh-CN");
    cJSON_AddStringToObject(m, "orderId", ref);
    cJSON_AddNumberToObject(m, "expressTypeId", 1);
    cJSON_AddNumberToObject(m, "payMethod", 1);
    cJSON_AddNumberToObject(m, "parcelQty", 1);
    cJSON *cargo = cJSON_AddArrayToObject(m, "cargoDetails");
    cJSON *lines = json_parse(o->lines, strlen(o->lines), err, sizeof(err));
    const cJSON *it;
    cJSON_ArrayForEach(it, lines)
    {
        const cJSON *sku = cJSON_GetObjectItemCaseSensitive(it, "sku");
        const cJSON *qty = cJSON_GetObjectItemCaseSensitive(it, "qty");
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", cJSON_IsString(sku) ? sku->valuestring : "goods");
        cJSON_AddNumberToObject(c, "count", cJSON_IsNumber(qty) ? qty->valuedouble : 1);
        cJSON_AddItemToArray(cargo, c);
    }
    json_delete(lines);
    cJSON *contacts = cJSON_AddArrayToObject(m, "contactInfoList");
    for (int type = 1; type <= 2; type++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddNumberToObject(c, "contactType", type);
        cJSON_AddStringToObject(c, "contact", type == 1 ? "shop" : "buyer");
        cJSON_AddStringToObject(c, "address", o->shop);
        cJSON_AddItemToArray(contacts, c);
    }
    char *text = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    return text;
}

static char *search_msg(const char *ref)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "orderId", ref);
    cJSON_AddStringToObject(m, "searchType", "1");
    char *text = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    return text;
}

static void finish(struct core *c, struct wb_ctx *w, int done)
{
    if (done) {
        outbox_done(c, &w->job);
    }
    outbox_release(c);
    free(w);
}

/* The job arg for the next attempt: the carrier code, and the count of consecutive attempts
 * without an answer when there are any. An attempt the carrier answered (a number we refused, a
 * validate call that failed after the search answered) is no outage: the count starts again. */
static const char *next_arg(const struct wb_ctx *w, int fails, char *buf, int len)
{
    if (fails == 0) {
        snprintf(buf, (size_t)len, "%s", w->carrier);
    } else {
        snprintf(buf, (size_t)len, "%s|%d", w->carrier, fails);
    }
    return buf;
}

/* Cancel what the carrier holds under ref (only the number waybill when given). The job key is
 * the number, or the reference when the number is not ours to name alone. */
static void queue_cancel_keyed(struct core *c, const char *carrier, const char *ref,
                               const char *waybill, const char *order_id, const char *key)
{
    char arg[STORE_JOB_ARG_BYTES_MAX];
    snprintf(arg, sizeof(arg), "%s|%s|%s|%s", carrier, ref, waybill, order_id);
    outbox_add(c, JOB_CANCEL, key, carrier, arg, 0, 0);
}

static void queue_cancel(struct core *c, const char *carrier, const char *ref, const char *waybill,
                         const char *order_id)
{
    queue_cancel_keyed(c, carrier, ref, waybill, order_id, waybill[0] != '\0' ? waybill : ref);
}

/* num belongs to another order: journaled, kept out of the order (never bound, never sent to the
 * platform), our reference's record of it cancelled at the carrier (the cancel names our
 * reference and the number, so the carrier cancels only our record: the genuine owner's parcel
 * is not touched), and the order moves to a new reference <order>-R<n>, since the same
 * reference would keep answering the same number. The next attempt searches by the new
 * reference before it creates. */
static void refuse_foreign(struct core *c, struct wb_ctx *w, struct order_row *o, const char *num,
                           const char *why, const char *owner)
{
    core_evidence(c, EVK_FOREIGN_WAYBILL, o->order_id, "a number of our own", num, "%s %s", why,
                  owner);
    if (store_waybill_reject(c->store, w->carrier, num, o->order_id, core_now_ms(c)) != 0) {
        core_fatal_store(c, "waybill reject");
    }
    queue_cancel_keyed(c, w->carrier, w->ref, num, o->order_id, w->ref);
    o->wb_gen++;
    ingest_save(c, o);
    struct call_outcome again;
    outcome_set(&again, CALL_RETRY, -1, "foreign waybill");
    char arg[STORE_JOB_ARG_BYTES_MAX];
    outbox_retry(c, &w->job, &again, next_arg(w, 0, arg, sizeof(arg)), 1);
}

/* Bind the first valid number; cancel the rest. Returns 1 when the job is finished. */
static int accept(struct core *c, struct wb_ctx *w, struct order_row *o,
                  const struct carrier_reply *r)
{
    char owner[ORDER_ID_BYTES_MAX];
    const char *num = r->waybills[0];
    if (!waybill_valid(w->carrier, num) || r->waybills_truncated) {
        core_evidence(c, EVK_INVALID_WAYBILL, o->order_id, "a well-formed number", num,
                      "carrier %s ref %s", w->carrier, w->ref);
        struct call_outcome retry;
        outcome_set(&retry, CALL_RETRY, -1, "invalid waybill number");
        char arg[STORE_JOB_ARG_BYTES_MAX]; /* next attempt searches by reference */
        outbox_retry(c, &w->job, &retry, next_arg(w, 0, arg, sizeof(arg)), 0);
        return 0;
    }
    int bound = store_waybill_bind(c->store, w->carrier, num, o->order_id, core_now_ms(c), owner,
                                   sizeof(owner));
    if (bound < 0) {
        core_fatal_store(c, "waybill bind");
    }
    if (bound == 1) {
        refuse_foreign(c, w, o, num, "bound to order", owner);
        return 0;
    }
    snprintf(o->waybill, sizeof(o->waybill), "%s", num);
    snprintf(o->carrier, sizeof(o->carrier), "%s", w->carrier);
    if (o->state == OS_SHIPPED) {
        /* a carrier switch: the platform still shows the old number until it is told */
        ingest_save(c, o);
        outbox_add(c, JOB_RESHIP, o->order_id, o->shop, "", 0, 0);
    } else {
        if (!ingest_move(c, o, OS_WAYBILLED)) {
            ingest_save(c, o);
        }
        outbox_add(c, JOB_SHIP, o->order_id, o->shop, "", ingest_ship_delay_ms(c, o), 0);
    }
    for (int i = 1; i < r->waybill_count; i++) {
        if (strcmp(r->waybills[i], num) != 0 && waybill_valid(w->carrier, r->waybills[i])) {
            core_evidence(c, EVK_SURPLUS_WAYBILL, o->order_id, num, r->waybills[i],
                          "second number for ref %s", w->ref);
            queue_cancel(c, w->carrier, w->ref, r->waybills[i], o->order_id);
        }
    }
    return 1;
}

/* A carrier failure: auth refusals and long outages switch to the backup carrier. */
static void carrier_failed(struct core *c, struct wb_ctx *w, const struct call_outcome *o)
{
    const char *backup = c->cfg->carrier_backup;
    int can_switch = backup[0] != '\0' && strcmp(backup, w->carrier) != 0;
    int outage = w->fails + 1 >= c->cfg->carrier_outage_attempts;
    if (can_switch && (o->result == CALL_AUTH || outage)) {
        core_evidence(c, o->result == CALL_AUTH ? EVK_CARRIER_AUTH : EVK_CARRIER_FALLBACK,
                      w->job.order_id, w->carrier, o->text, "switching to %s", backup);
        /* a create that may have reached the primary is cancelled there by reference */
        if (w->job.attempts > 0 || o->result != CALL_AUTH) {
            queue_cancel(c, w->carrier, w->ref, "", w->job.order_id);
        }
        struct call_outcome quiet = *o;
        quiet.evidence = -1;
        outbox_retry(c, &w->job, &quiet, backup, 1);
        return;
    }
    char arg[STORE_JOB_ARG_BYTES_MAX];
    outbox_retry(c, &w->job, o, next_arg(w, w->fails + 1, arg, sizeof(arg)), 0);
}

static void reply_cb(struct core *c, const struct carrier_reply *r, const struct call_outcome *o,
                     void *arg);

/* The carrier's EXP_RECE_VALIDATE_WAYBILLNO answer for the number to bind. */
static void validate_cb(struct core *c, const struct carrier_reply *r, const struct call_outcome *o,
                        void *arg)
{
    struct wb_ctx *w = arg;
    struct order_row ord;
    const char *num = w->got.waybills[0];
    if (store_order_get(c->store, w->job.order_id, &ord) != 1) {
        finish(c, w, 1);
        return;
    }
    if (o->result != CALL_OK) {
        char next[STORE_JOB_ARG_BYTES_MAX]; /* the next attempt searches and asks again */
        outbox_retry(c, &w->job, o, next_arg(w, 0, next, sizeof(next)), 0);
        finish(c, w, 0);
        return;
    }
    if (ord.state == OS_CANCELLED) {
        for (int i = 0; i < w->got.waybill_count; i++) {
            queue_cancel(c, w->carrier, w->ref, w->got.waybills[i], ord.order_id);
        }
        finish(c, w, 1);
        return;
    }
    if (!r->success) {
        /* the carrier disowns a number it just gave us: never bind it; ask again later */
        core_evidence(c, EVK_INVALID_WAYBILL, ord.order_id, "a number the carrier issued", num,
                      "validate said %s (carrier %s ref %s)", r->error_code, w->carrier, w->ref);
        struct call_outcome retry;
        outcome_set(&retry, CALL_RETRY, -1, "number not validated");
        char next[STORE_JOB_ARG_BYTES_MAX];
        outbox_retry(c, &w->job, &retry, next_arg(w, 0, next, sizeof(next)), 0);
        finish(c, w, 0);
        return;
    }
    if (strcmp(r->order_ref, w->ref) != 0) {
        refuse_foreign(c, w, &ord, num, "issued to carrier reference",
                       r->order_ref[0] != '\0' ? r->order_ref : "(none)");
        finish(c, w, 0);
        return;
    }
    finish(c, w, accept(c, w, &ord, &w->got));
}

/* Ask the carrier whose number the answer's first one is, before it is bound to the order. */
static void validate(struct core *c, struct wb_ctx *w)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "waybillNo", w->got.waybills[0]);
    char *msg = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    carrier_call(c, w->carrier, "EXP_RECE_VALIDATE_WAYBILLNO", msg != NULL ? msg : "{}",
                 validate_cb, w);
    cJSON_free(msg);
}

static void call_carrier(struct core *c, struct wb_ctx *w, const struct order_row *o)
{
#ifdef SYNCD_SABOTAGE_NO_IDEMPOTENCY /* test-only (tests/sabotage): a new reference per retry */
    char fresh[ORDER_ID_BYTES_MAX + 16];
    snprintf(fresh, sizeof(fresh), "%s-R%d", o->order_id, 100 + w->job.attempts);
    (void)search_msg;
    w->searching = 0;
    char *msg = create_msg(o, w->job.attempts > 0 ? fresh : w->ref);
#else
    char *msg = w->searching ? search_msg(w->ref) : create_msg(o, w->ref);
#endif
    if (msg == NULL) {
        finish(c, w, 0);
        return;
    }
    carrier_call(c, w->carrier,
                 w->searching ? "EXP_RECE_SEARCH_ORDER_RESP" : "EXP_RECE_CREATE_ORDER", msg,
                 reply_cb, w);
    cJSON_free(msg);
}

static void reply_cb(struct core *c, const struct carrier_reply *r, const struct call_outcome *o,
                     void *arg)
{
    struct wb_ctx *w = arg;
    struct order_row ord;
    if (store_order_get(c->store, w->job.order_id, &ord) != 1) {
        finish(c, w, 1);
        return;
    }
    if (o->result != CALL_OK) {
        carrier_failed(c, w, o);
        finish(c, w, 0);
        return;
    }
    if (ord.state == OS_CANCELLED) {
        /* cancelled while we asked: whatever was made for it goes back */
        for (int i = 0; i < r->waybill_count; i++) {
            queue_cancel(c, w->carrier, w->ref, r->waybills[i], ord.order_id);
        }
        finish(c, w, 1);
        return;
    }
    if (r->success && r->waybill_count > 0) {
        if (!waybill_valid(w->carrier, r->waybills[0]) || r->waybills_truncated) {
            finish(c, w, accept(c, w, &ord, r)); /* refused on its format: no need to ask */
            return;
        }
        w->got = *r;
        validate(c, w);
        return;
    }
    if (w->searching && !r->success) {
        w->searching = 0; /* nothing made under this reference yet: create (same turn, no write) */
        call_carrier(c, w, &ord);
        return;
    }
    struct call_outcome no;
    outcome_set(&no, CALL_RETRY, -1, "carrier said no: %s", r->error_code);
    carrier_failed(c, w, &no);
    finish(c, w, 0);
}

void waybill_run(struct core *c, const struct job_row *j)
{
    struct order_row o;
    struct wb_ctx *w = calloc(1, sizeof(*w));
    assert(w != NULL);
    w->job = *j;
    int found = store_order_get(c->store, j->order_id, &o);
    /* shipped without a number: in a carrier switch, between the old one's cancel and the new */
    int wanted = found == 1 &&
                 (o.state == OS_PAID || o.state == OS_WAYBILLED || o.state == OS_SHIPPED) &&
                 o.waybill[0] == '\0' && o.hold_reason[0] == '\0';
    char code[STORE_JOB_ARG_BYTES_MAX];
    snprintf(code, sizeof(code), "%s", j->arg);
    char *bar = strchr(code, '|');
    if (bar != NULL) {
        *bar = '\0';
        long n = strtol(bar + 1, NULL, 10);
        w->fails = n > 0 && n < 1000 ? (int)n : 0;
    }
    const struct carrier_cfg *cc = config_carrier(c->cfg, code);
    memcpy(w->carrier, cc != NULL ? cc->code : c->cfg->carrier_primary, sizeof(w->carrier));
    /* search first after any attempt, and for a job a previous process may have sent (it was
     * killed before the answer could be recorded) */
    w->searching = j->attempts > 0 || j->created_ms < c->start_ms;
    if (!wanted) {
        /* moot: cancelled, held, or already has its waybill. But a create whose answer never
         * came may have made a waybill: for a cancelled order, cancel whatever the carrier holds
         * under the reference (a reference with nothing live is fine for the carrier) */
        if (found == 1 && o.state == OS_CANCELLED && w->searching) {
            ingest_waybill_ref(&o, w->ref, sizeof(w->ref));
            queue_cancel(c, w->carrier, w->ref, "", o.order_id);
        } else if (found == 1 && w->searching && o.state < OS_SHIPPED &&
                   strcmp(o.hold_reason, INGEST_HOLD_IN_CANCEL) == 0) {
            /* ... and while the buyer's cancel request is open nobody knows yet whether that
             * waybill is to be cancelled or used: ask again when the request has ended */
            struct call_outcome wait;
            outcome_set(&wait, CALL_RETRY, -1, "a cancel request is open");
            outbox_retry(c, &w->job, &wait, NULL, 0);
            finish(c, w, 0);
            return;
        }
        finish(c, w, 1);
        return;
    }
    ingest_waybill_ref(&o, w->ref, sizeof(w->ref));
    call_carrier(c, w, &o);
}

/* --- cancel ----------------------------------------------------------------------------------- */

struct cancel_ctx {
    struct job_row job;
    char waybill[WAYBILL_BYTES_MAX];
    char order_id[ORDER_ID_BYTES_MAX];
};

static void cancel_cb(struct core *c, const struct carrier_reply *r, const struct call_outcome *o,
                      void *arg)
{
    struct cancel_ctx *x = arg;
    if (o->result != CALL_OK) {
        outbox_retry(c, &x->job, o, NULL, 0);
    } else {
        /* success, or the carrier has nothing live under it: either way it is not live now */
        char owner[ORDER_ID_BYTES_MAX];
        int ours = x->waybill[0] != '\0' &&
                   store_waybill_owner(c->store, x->waybill, owner, sizeof(owner)) == 1 &&
                   strcmp(owner, x->order_id) == 0;
        if (ours && store_waybill_set_status(c->store, x->waybill, WB_CANCELLED) != 0) {
            core_fatal_store(c, "waybill status");
        }
        outbox_done(c, &x->job);
    }
    outbox_release(c);
    free(x);
}

void waybill_cancel_run(struct core *c, const struct job_row *j)
{
    char arg[STORE_JOB_ARG_BYTES_MAX];
    char *fields[4] = {NULL, NULL, NULL, NULL};
    snprintf(arg, sizeof(arg), "%s", j->arg);
    char *p = arg;
    for (int i = 0; i < 4; i++) {
        fields[i] = p;
        p = strchr(p, '|');
        if (p == NULL) {
            break;
        }
        *p++ = '\0';
    }
    if (fields[3] == NULL || config_carrier(c->cfg, fields[0]) == NULL) {
        log_warn("outbox: cancel job %lld has a bad arg", (long long)j->id);
        outbox_done(c, j);
        outbox_release(c);
        return;
    }
    struct cancel_ctx *x = calloc(1, sizeof(*x));
    assert(x != NULL);
    x->job = *j;
    snprintf(x->waybill, sizeof(x->waybill), "%s", fields[2]);
    snprintf(x->order_id, sizeof(x->order_id), "%s", fields[3]);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "orderId", fields[1]);
    cJSON_AddNumberToObject(m, "dealType", 2);
    if (fields[2][0] != '\0') {
        cJSON *list = cJSON_AddArrayToObject(m, "waybillNoInfoList");
        cJSON *wb = cJSON_CreateObject();
        cJSON_AddNumberToObject(wb, "waybillType", 1);
        cJSON_AddStringToObject(wb, "waybillNo", fields[2]);
        cJSON_AddItemToArray(list, wb);
    }
    char *msg = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    carrier_call(c, fields[0], "EXP_RECE_UPDATE_ORDER", msg != NULL ? msg : "{}", cancel_cb, x);
    cJSON_free(msg);
}

/* --- the 4 h stall switch --------------------------------------------------------------------- */

struct switch_ctx {
    struct job_row job;
};

/* The old waybill is cancelled (its parcel can never be collected now): the order, still shipped,
 * waits for a number at the backup carrier; accept() then queues the platform update. */
static void switch_cancelled(struct core *c, const struct job_row *j, struct order_row *o)
{
    struct parcel_row p;
    if (store_waybill_set_status(c->store, o->waybill, WB_CANCELLED) != 0) {
        core_fatal_store(c, "waybill status");
    }
    if (store_parcel_get(c->store, o->waybill, &p) == 1) {
        p.final = 1; /* no more polling or ladder for a cancelled parcel */
        if (store_parcel_put(c->store, &p) != 0) {
            core_fatal_store(c, "parcel final");
        }
    }
    o->waybill[0] = '\0';
    snprintf(o->carrier, sizeof(o->carrier), "%s", c->cfg->carrier_backup);
    ingest_save(c, o);
    outbox_add(c, JOB_WAYBILL, o->order_id, o->shop, c->cfg->carrier_backup, 0, 0);
    log_info("switch %s: %s cancelled at %s, asking %s", o->order_id, j->arg, j->shop,
             c->cfg->carrier_backup);
}

static void switch_cb(struct core *c, const struct carrier_reply *r, const struct call_outcome *o,
                      void *arg)
{
    struct switch_ctx *x = arg;
    struct order_row ord;
    int found = store_order_get(c->store, x->job.order_id, &ord);
    if (o->result != CALL_OK) {
        outbox_retry(c, &x->job, o, NULL, 0);
    } else if (found == 1 && r->success && strcmp(ord.waybill, x->job.arg) == 0) {
        switch_cancelled(c, &x->job, &ord);
        outbox_done(c, &x->job);
    } else {
        /* collected meanwhile (8037) or moved on: the parcel stays with its carrier */
        log_info("switch %s: no switch (%s)", x->job.order_id,
                 r->success ? "order moved on" : r->error_code);
        outbox_done(c, &x->job);
    }
    outbox_release(c);
    free(x);
}

void waybill_switch_run(struct core *c, const struct job_row *j)
{
    struct order_row o;
    int found = store_order_get(c->store, j->order_id, &o);
    if (found != 1 || o.state != OS_SHIPPED || strcmp(o.waybill, j->arg) != 0 ||
        config_carrier(c->cfg, j->shop) == NULL) {
        outbox_done(c, j); /* collected, cancelled or already switched */
        outbox_release(c);
        return;
    }
    struct switch_ctx *x = calloc(1, sizeof(*x));
    assert(x != NULL);
    x->job = *j;
    char ref[64];
    ingest_waybill_ref(&o, ref, sizeof(ref));
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "orderId", ref);
    cJSON_AddNumberToObject(m, "dealType", 2);
    cJSON *list = cJSON_AddArrayToObject(m, "waybillNoInfoList");
    cJSON *wb = cJSON_CreateObject();
    cJSON_AddNumberToObject(wb, "waybillType", 1);
    cJSON_AddStringToObject(wb, "waybillNo", j->arg);
    cJSON_AddItemToArray(list, wb);
    char *msg = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    carrier_call(c, j->shop, "EXP_RECE_UPDATE_ORDER", msg != NULL ? msg : "{}", switch_cb, x);
    cJSON_free(msg);
}
