/* Parcel flow: see track.h. */
#include "carrier/track.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier/csign.h"
#include "common/http_client.h"
#include "common/log.h"
#include "common/waybill.h"

#define K100_ACK_OK "{\"result\":true,\"returnCode\":\"200\",\"message\":\"成功\"}"
#define PUSH_STATUS_POLLING 0
#define PUSH_STATUS_SHUTDOWN 1
#define PUSH_STATUS_ABORT 2

static const char *const push_status_names[] = {"polling", "shutdown", "abort"};

static void notify_state(struct cm_app *app, int p, int state, int64_t sim_ms);
static void push_start(struct cm_app *app, int p, int status);

void track_schedule(struct cm_app *app, int p)
{
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    if (pp->done >= pp->plan.count || ledger_parcel_cancelled(app->ledger, p))
        return;
    int64_t due = pp->plan.ev[pp->done].sim_ms;
    if (pp->sched_ms == due)
        return; /* already queued for that time */
    if (sched_add(app->sched, due, JOB_ADVANCE, (uint32_t)p, app->reset_gen) != 0) {
        log_error("scheduler full: parcel %d will not move", p);
        return;
    }
    pp->sched_ms = due;
}

/* tracking_stall: before a transit event, maybe hold the parcel's remaining events back. */
static int maybe_stall(struct cm_app *app, int p, int64_t now_ms)
{
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    const struct ledger_waybill *r = ledger_record(app->ledger, pp->rec);
    struct fault_ctx fc = {"parcel", NULL, r->carrier, r->waybill, pp->stall_tries++};
    const struct fault_rule *rule = fault_decide(app->faults, FAULT_TRACKING_STALL, &fc);
    if (rule == NULL || rule->duration_s <= 0)
        return 0;
    int64_t shift = (int64_t)(rule->duration_s * 1000.0);
    /* the stall starts at the event's due time (or now when the loop is late) */
    int64_t due = pp->plan.ev[pp->done].sim_ms;
    shift += now_ms > due ? now_ms - due : 0;
    parcel_plan_shift(&pp->plan, pp->done, shift);
    pp->stalled = 1;
    ledger_note_stall(app->ledger, p, pp->done, shift);
    fault_record(app->faults, rule, &fc, "no events for %.0f sim s from event %d (%s)",
                 rule->duration_s, pp->done, parcel_state_name(pp->plan.ev[pp->done].state));
    return 1;
}

static void after_event(struct cm_app *app, int p, int i)
{
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    const struct parcel_event *e = &pp->plan.ev[i];
    app->n.events++;
    if (i == 0 || pp->plan.ev[i - 1].state != e->state)
        notify_state(app, p, e->state, e->sim_ms);
    if (pp->sub == SUB_ACTIVE)
        push_start(app, p,
                   parcel_state_final(e->state) ? PUSH_STATUS_SHUTDOWN : PUSH_STATUS_POLLING);
    if (pp->sub == SUB_ACTIVE && !parcel_state_final(e->state) &&
        sched_add(app->sched, e->sim_ms + K100_ABORT_MS, JOB_ABORT_CHECK, (uint32_t)p,
                  app->reset_gen) != 0)
        log_warn("scheduler full: no abort check for parcel %d", p);
}

void track_advance(struct cm_app *app, int p, int64_t now_ms)
{
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    if (ledger_parcel_cancelled(app->ledger, p))
        return; /* cancelled waybills never move */
    int moved = 0;
    while (pp->done < pp->plan.count && pp->plan.ev[pp->done].sim_ms <= now_ms) {
        const struct parcel_event *e = &pp->plan.ev[pp->done];
        if (!pp->stalled && e->state == K100_IN_TRANSIT && maybe_stall(app, p, now_ms))
            break;
        pp->done++;
        moved = 1;
        after_event(app, p, pp->done - 1);
    }
    if (moved)
        ledger_note_advance(app->ledger, p);
    track_schedule(app, p);
}

void track_catch_up(struct cm_app *app)
{
    int64_t now = simclock_now_ms(&app->clock);
    int n = ledger_parcel_count(app->ledger);
    for (int p = 0; p < n; p++) {
        struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
        if (pp->done < pp->plan.count && pp->plan.ev[pp->done].sim_ms <= now)
            track_advance(app, p, now);
    }
}

static void abort_check(struct cm_app *app, int p, int64_t now_ms)
{
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    if (pp->sub != SUB_ACTIVE)
        return;
    int64_t last = pp->done > 0 ? pp->plan.ev[pp->done - 1].sim_ms : pp->sub_ms;
    if (last < pp->sub_ms)
        last = pp->sub_ms;
    if (now_ms - last < K100_ABORT_MS)
        return; /* something happened since; a newer check is queued */
    push_start(app, p, PUSH_STATUS_ABORT);
}

void track_subscribed(struct cm_app *app, int p)
{
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    assert(pp->sub == SUB_ACTIVE);
    if (pp->done > 0)
        push_start(app, p,
                   parcel_state_final(ledger_parcel_state(app->ledger, p)) ? PUSH_STATUS_SHUTDOWN
                                                                           : PUSH_STATUS_POLLING);
    if (pp->sub == SUB_ACTIVE && sched_add(app->sched, pp->sub_ms + K100_ABORT_MS, JOB_ABORT_CHECK,
                                           (uint32_t)p, app->reset_gen) != 0)
        log_warn("scheduler full: no abort check for parcel %d", p);
}

/* --- views ------------------------------------------------------------------------------------ */

static void garble_view(struct cm_app *app, int p, const struct fault_ctx *fc, struct track_view *v)
{
    const struct fault_rule *r = fault_decide(app->faults, FAULT_GARBLED_TRACKING, fc);
    if (r == NULL)
        return;
    enum garble_mode m = garble_mode_pick(r->mode, fault_param_draw(app->faults, r, fc, "mode"));
    double u = fault_param_draw(app->faults, r, fc, "position");
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    const struct ledger_waybill *rec = ledger_record(app->ledger, pp->rec);
    if (garble_mode_is_text(m)) {
        if (v->n == 0)
            return;
        char ctx[PARCEL_CONTEXT_BYTES_MAX];
        int at = v->n - 1; /* the newest event: the one a sync core reads first */
        parcel_context(&pp->plan, v->idx[at], waybill_carrier_name(rec->carrier), ctx, sizeof(ctx));
        char *t = garble_text(m, ctx);
        if (t == NULL || strcmp(t, ctx) == 0) {
            free(t);
            return;
        }
        v->text_event = at;
        v->text = t;
    } else if (m == GARBLE_TRUNCATED_WAYBILL) {
        if (garble_waybill(v->waybill) != 0)
            return;
    } else {
        int n = garble_order(m, u, v->idx, v->n, (int)ARRAY_LEN(v->idx));
        if (n < 0)
            return;
        v->n = n;
    }
    fault_record(app->faults, r, fc, "%s on %d event(s)", garble_mode_name(m), v->n);
}

void track_view_make(struct cm_app *app, int p, const struct fault_ctx *fc, struct track_view *v)
{
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    const struct ledger_waybill *rec = ledger_record(app->ledger, pp->rec);
    memset(v, 0, sizeof(*v));
    v->text_event = -1;
    assert(pp->done <= PARCEL_EVENTS_MAX);
    for (int i = 0; i < pp->done; i++)
        v->idx[v->n++] = i;
    snprintf(v->waybill, sizeof(v->waybill), "%s", rec->waybill);
    if (fc != NULL)
        garble_view(app, p, fc, v);
}

void track_view_fini(struct track_view *v)
{
    free(v->text);
    v->text = NULL;
}

static void view_context(struct cm_app *app, int p, const struct track_view *v, int pos, char *buf,
                         int len)
{
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    if (pos == v->text_event) {
        snprintf(buf, (size_t)len, "%s", v->text);
        return;
    }
    const char *cname = waybill_carrier_name(ledger_record(app->ledger, pp->rec)->carrier);
    parcel_context(&pp->plan, v->idx[pos], cname, buf, len);
}

cJSON *track_k100_result(struct cm_app *app, int p, const struct track_view *v, int asc)
{
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    const struct ledger_waybill *rec = ledger_record(app->ledger, pp->rec);
    int state = ledger_parcel_state(app->ledger, p);
    char state_text[16];
    snprintf(state_text, sizeof(state_text), "%d", state >= 0 ? state : 0);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "message", "ok");
    cJSON_AddStringToObject(o, "nu", v->waybill);
    cJSON_AddStringToObject(o, "ischeck", state == K100_SIGNED ? "1" : "0");
    cJSON_AddStringToObject(o, "condition", "F00");
    cJSON_AddStringToObject(o, "com", waybill_kuaidi100_code(rec->carrier));
    cJSON_AddStringToObject(o, "status", "200");
    cJSON_AddStringToObject(o, "state", state_text);
    cJSON *data = cJSON_AddArrayToObject(o, "data");
    for (int k = 0; k < v->n; k++) {
        int pos = asc ? k : v->n - 1 - k;
        const struct parcel_event *e = &pp->plan.ev[v->idx[pos]];
        char when[24], ctx[PARCEL_CONTEXT_BYTES_MAX], st[16];
        parcel_format_time(e->sim_ms, when, sizeof(when));
        view_context(app, p, v, pos, ctx, sizeof(ctx));
        snprintf(st, sizeof(st), "%d", e->state);
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "time", when);
        cJSON_AddStringToObject(item, "ftime", when);
        cJSON_AddStringToObject(item, "context", ctx);
        cJSON_AddStringToObject(item, "location", "");
        cJSON_AddStringToObject(item, "status", parcel_state_word(e->state));
        cJSON_AddStringToObject(item, "statusCode", st);
        cJSON_AddStringToObject(item, "areaName", parcel_place_city(&pp->plan, v->idx[pos]));
        cJSON_AddItemToArray(data, item);
    }
    return o;
}

cJSON *track_sf_routes(struct cm_app *app, int p, const struct track_view *v)
{
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    cJSON *routes = cJSON_CreateArray();
    for (int pos = 0; pos < v->n; pos++) {
        const struct parcel_event *e = &pp->plan.ev[v->idx[pos]];
        char when[24], ctx[PARCEL_CONTEXT_BYTES_MAX], op[16];
        parcel_format_time(e->sim_ms, when, sizeof(when));
        view_context(app, p, v, pos, ctx, sizeof(ctx));
        snprintf(op, sizeof(op), "%d", e->opcode);
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "acceptTime", when);
        cJSON_AddStringToObject(item, "acceptAddress", parcel_place_city(&pp->plan, v->idx[pos]));
        cJSON_AddStringToObject(item, "remark", ctx);
        cJSON_AddStringToObject(item, "opCode", op);
        cJSON_AddItemToArray(routes, item);
    }
    return routes;
}

/* --- Kuaidi100 callback pushes --------------------------------------------------------------- */

/* An outbound call in flight (a push or a notification). The client frees its requests without
 * running their callbacks at shutdown, so every context is also linked into app->calls and
 * track_free_calls releases what is left. */
struct track_call {
    struct track_call *prev, *next;
    struct cm_app *app;
    int id; /* parcel (push) or notify slot */
    uint32_t gen;
    uint32_t reset_gen;
};

static struct track_call *call_new(struct cm_app *app, int id, uint32_t gen)
{
    struct track_call *x = malloc(sizeof(*x));
    if (x == NULL)
        return NULL;
    *x = (struct track_call){NULL, app->calls, app, id, gen, app->reset_gen};
    if (app->calls != NULL)
        app->calls->prev = x;
    app->calls = x;
    return x;
}

static void call_free(struct track_call *x)
{
    struct cm_app *app = x->app;
    assert(app->calls != NULL);
    if (x->prev != NULL)
        x->prev->next = x->next;
    else
        app->calls = x->next;
    if (x->next != NULL)
        x->next->prev = x->prev;
    free(x);
}

void track_free_calls(struct cm_app *app)
{
    for (size_t n = 0; app->calls != NULL && n < (size_t)HTTP_CLIENT_PENDING_MAX + 1024; n++)
        call_free(app->calls);
    assert(app->calls == NULL);
}

static char *push_param(struct cm_app *app, int p)
{
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    const struct ledger_waybill *rec = ledger_record(app->ledger, pp->rec);
    struct fault_ctx fc = {"push", NULL, rec->carrier, rec->waybill,
                           fault_next_attempt(app->faults, "push", rec->waybill)};
    struct track_view v;
    track_view_make(app, p, &fc, &v);
    cJSON *o = cJSON_CreateObject();
    int st = pp->push_status;
    int state = ledger_parcel_state(app->ledger, p);
    cJSON_AddStringToObject(o, "status", push_status_names[st]);
    cJSON_AddStringToObject(o, "billstatus", state == K100_SIGNED ? "check" : "got");
    cJSON_AddStringToObject(
        o, "message",
        st == PUSH_STATUS_ABORT ? (pp->done == 0 ? "3天查询无记录" : "60天无变化") : "");
    cJSON_AddStringToObject(o, "autoCheck", "0");
    cJSON_AddStringToObject(o, "comOld", "");
    cJSON_AddStringToObject(o, "comNew", "");
    cJSON_AddItemToObject(o, "lastResult", track_k100_result(app, p, &v, 0));
    track_view_fini(&v);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

static void push_done(const struct http_response *resp, void *arg);

static void push_send(struct cm_app *app, int p)
{
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    if (pp->callback_url == NULL)
        return;
    char *param = push_param(app, p);
    char *enc = param != NULL ? csign_urlencode_plus(param, strlen(param), CSIGN_JAVA) : NULL;
    char sign[CSIGN_MD5_HEX_BYTES];
    struct track_call *ctx = call_new(app, p, pp->push_gen);
    size_t cap = enc != NULL ? strlen(enc) + 64 : 0;
    char *body = enc != NULL ? malloc(cap) : NULL;
    if (param == NULL || enc == NULL || ctx == NULL || body == NULL) {
        app->n.push_dropped++;
        if (ctx != NULL)
            call_free(ctx);
        free(param), free(enc), free(body);
        return;
    }
    csign_md5_upper(param, pp->salt, NULL, sign, sizeof(sign));
    snprintf(body, cap, "param=%s&sign=%s", enc, sign);
    struct http_request req = {.method = "POST",
                               .url = pp->callback_url,
                               .body = body,
                               .body_len = strlen(body),
                               .content_type = "application/x-www-form-urlencoded",
                               .timeout_ms = OUTBOUND_TIMEOUT_MS};
    if (http_client_send(app->http, &req, push_done, ctx) != 0) {
        app->n.push_dropped++;
        call_free(ctx);
    } else {
        app->n.push_sent++;
        app->n.requests[EP_PUSH]++;
    }
    free(param), free(enc), free(body);
}

static void push_start(struct cm_app *app, int p, int status)
{
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    assert(pp->sub == SUB_ACTIVE);
    pp->push_gen++;
    pp->push_attempt = 0;
    pp->push_status = status;
    if (status != PUSH_STATUS_POLLING) {
        /* shutdown / abort end the subscription; its retries still go out */
        pp->sub = SUB_ENDED;
        ledger_note_sub_end(app->ledger, p);
    }
    push_send(app, p);
}

static void push_done(const struct http_response *resp, void *arg)
{
    struct track_call *ctx = arg;
    struct cm_app *app = ctx->app;
    int p = ctx->id;
    uint32_t gen = ctx->gen, reset_gen = ctx->reset_gen;
    call_free(ctx);
    if (reset_gen != app->reset_gen || p >= ledger_parcel_count(app->ledger))
        return;
    struct ledger_parcel *pp = ledger_parcel(app->ledger, p);
    if (resp->status == 200 && strcmp(resp->body, K100_ACK_OK) == 0) {
        app->n.push_acked++;
        return;
    }
    app->n.push_failed++;
    app->n.errors[EP_PUSH]++;
    if (gen != pp->push_gen || pp->push_attempt >= K100_PUSH_RETRIES_MAX)
        return; /* a newer push carries the data, or retries are used up */
    int64_t due = simclock_now_ms(&app->clock) + K100_PUSH_RETRY_MS;
    if (sched_add(app->sched, due, JOB_PUSH, (uint32_t)p, gen) != 0)
        log_warn("scheduler full: push retry for parcel %d dropped", p);
}

/* --- notifications to mockplat ---------------------------------------------------------------- */

static void notify_done(const struct http_response *resp, void *arg);

static void notify_release(struct cm_app *app, int slot)
{
    app->notifies[slot].next_free = app->notify_free;
    app->notify_free = slot;
}

static void notify_send(struct cm_app *app, int slot)
{
    const struct cm_notify *nt = &app->notifies[slot];
    char body[256];
    snprintf(body, sizeof(body),
             "{\"carrier\":\"%s\",\"waybill\":\"%s\",\"state\":\"%s\","
             "\"sim_ms\":%lld}",
             nt->carrier, nt->waybill, nt->state, (long long)nt->sim_ms);
    struct track_call *ctx = call_new(app, slot, 0);
    if (ctx == NULL) {
        app->n.notify_dropped++;
        notify_release(app, slot);
        return;
    }
    struct http_request req = {.method = "POST",
                               .url = app->notify_url,
                               .body = body,
                               .body_len = strlen(body),
                               .content_type = "application/json",
                               .timeout_ms = OUTBOUND_TIMEOUT_MS};
    if (app->token[0] != '\0') {
        static char header[SECRET_BYTES_MAX + 16];
        snprintf(header, sizeof(header), "X-Sim-Token: %s", app->token);
        req.headers[0] = header; /* copied by the client */
    }
    if (http_client_send(app->http, &req, notify_done, ctx) != 0) {
        call_free(ctx);
        app->n.notify_dropped++;
        notify_release(app, slot);
        return;
    }
    app->n.notify_sent++;
    app->n.requests[EP_NOTIFY]++;
}

static void notify_done(const struct http_response *resp, void *arg)
{
    struct track_call *ctx = arg;
    struct cm_app *app = ctx->app;
    int slot = ctx->id;
    uint32_t reset_gen = ctx->reset_gen;
    call_free(ctx);
    if (reset_gen != app->reset_gen) {
        notify_release(app, slot); /* from before a reset: that truth is gone */
        return;
    }
    if (resp->status >= 200 && resp->status < 300) {
        app->n.notify_acked++;
        notify_release(app, slot);
        return;
    }
    app->n.notify_failed++;
    app->n.errors[EP_NOTIFY]++;
    struct cm_notify *nt = &app->notifies[slot];
    if (++nt->attempt >= NOTIFY_ATTEMPTS_MAX) {
        log_warn("notify %s %s %s: gave up after %d attempts (%s)", nt->carrier, nt->waybill,
                 nt->state, nt->attempt, resp->error_text);
        app->n.notify_dropped++;
        notify_release(app, slot);
        return;
    }
    double wall_ms = (double)NOTIFY_BACKOFF_MS_MIN * (double)(1 << nt->attempt);
    int64_t due = simclock_now_ms(&app->clock) + (int64_t)(wall_ms * app->clock.scale);
    if (sched_add(app->sched, due, JOB_NOTIFY, (uint32_t)slot, app->reset_gen) != 0) {
        app->n.notify_dropped++;
        notify_release(app, slot);
    }
}

static int notify_slot(struct cm_app *app)
{
    if (app->notify_free >= 0) {
        int s = app->notify_free;
        app->notify_free = app->notifies[s].next_free;
        return s;
    }
    if (app->notify_count == app->notify_cap) {
        int cap = app->notify_cap == 0 ? 256 : app->notify_cap * 2;
        if (cap > LEDGER_RECORDS_MAX)
            return -1;
        struct cm_notify *n = realloc(app->notifies, (size_t)cap * sizeof(*n));
        if (n == NULL)
            return -1;
        app->notifies = n;
        app->notify_cap = cap;
    }
    return app->notify_count++;
}

static void notify_state(struct cm_app *app, int p, int state, int64_t sim_ms)
{
    const char *name = parcel_state_name(state);
    if (app->notify_url[0] == '\0' || name == NULL)
        return;
    int slot = notify_slot(app);
    if (slot < 0) {
        app->n.notify_dropped++;
        return;
    }
    const struct ledger_waybill *rec =
        ledger_record(app->ledger, ledger_parcel(app->ledger, p)->rec);
    struct cm_notify *nt = &app->notifies[slot];
    snprintf(nt->carrier, sizeof(nt->carrier), "%s", rec->carrier);
    snprintf(nt->waybill, sizeof(nt->waybill), "%s", rec->waybill);
    snprintf(nt->state, sizeof(nt->state), "%s", name);
    nt->sim_ms = sim_ms;
    nt->attempt = 0;
    nt->next_free = -1;
    notify_send(app, slot);
}

/* --- jobs ------------------------------------------------------------------------------------- */

void track_run_job(const struct sched_job *job, void *arg)
{
    struct cm_app *app = arg;
    int64_t now = simclock_now_ms(&app->clock);
    int id = (int)job->id;
    switch ((enum cm_job)job->kind) {
    case JOB_ADVANCE: {
        if (id >= ledger_parcel_count(app->ledger))
            return;
        struct ledger_parcel *pp = ledger_parcel(app->ledger, id);
        if (pp->sched_ms == job->due_ms)
            pp->sched_ms = -1;
        track_advance(app, id, now > job->due_ms ? now : job->due_ms);
        return;
    }
    case JOB_PUSH: {
        if (id >= ledger_parcel_count(app->ledger))
            return;
        struct ledger_parcel *pp = ledger_parcel(app->ledger, id);
        if (job->gen != pp->push_gen || pp->push_attempt >= K100_PUSH_RETRIES_MAX)
            return;
        pp->push_attempt++;
        push_send(app, id);
        return;
    }
    case JOB_ABORT_CHECK:
        if (id < ledger_parcel_count(app->ledger))
            abort_check(app, id, now);
        return;
    case JOB_NOTIFY:
        if (job->gen == app->reset_gen && id < app->notify_count)
            notify_send(app, id);
        return;
    }
    assert(0 && "unknown job kind");
}
