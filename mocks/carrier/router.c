/* Routing, control API and metrics: see router.h. */
#include "carrier/router.h"

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier/carriers.h"
#include "carrier/kuaidi100.h"
#include "carrier/sf.h"
#include "carrier/track.h"
#include "common/http_server.h"
#include "common/log.h"

#define TRUTH_CATCH_UP_ROUNDS_MAX 64
#define METRICS_BYTES_MAX (64 * 1024)

static void reply_error(struct evhttp_request *req, int status, const char *code, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", code);
    cJSON_AddStringToObject(o, "message", msg);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    http_reply_json(req, status, text != NULL ? text : "{\"error\":\"internal\"}");
    free(text);
}

char *router_stats_json(struct cm_app *app)
{
    int records, parcels, subscribed, cancelled;
    ledger_counts(app->ledger, &records, &parcels, &subscribed, &cancelled);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "waybills", records);
    cJSON_AddNumberToObject(o, "cancelled", cancelled);
    cJSON_AddNumberToObject(o, "parcels", parcels);
    cJSON_AddNumberToObject(o, "subscribed", subscribed);
    cJSON_AddNumberToObject(o, "events", (double)app->n.events);
    cJSON *states = cJSON_AddObjectToObject(o, "states");
    static const int all[] = {-1, 1, 0, 5, 3, 2, 14, 6, 4};
    for (size_t k = 0; k < ARRAY_LEN(all); k++) {
        int count = 0;
        for (int p = 0; p < parcels; p++)
            count += ledger_parcel_state(app->ledger, p) == all[k];
        const char *name = all[k] < 0 ? "created" : parcel_state_name(all[k]);
        cJSON_AddNumberToObject(states, name, count);
    }
    cJSON *req = cJSON_AddObjectToObject(o, "requests");
    cJSON *err = cJSON_AddObjectToObject(o, "errors");
    for (int e = 0; e < EP_COUNT; e++) {
        cJSON_AddNumberToObject(req, app_endpoint_name(e), (double)app->n.requests[e]);
        cJSON_AddNumberToObject(err, app_endpoint_name(e), (double)app->n.errors[e]);
    }
    cJSON *faults = cJSON_AddObjectToObject(o, "faults");
    for (int k = 0; k < FAULT_KIND_COUNT; k++)
        cJSON_AddNumberToObject(faults, fault_kind_name(k), (double)fault_count(app->faults, k));
    cJSON *push = cJSON_AddObjectToObject(o, "pushes");
    cJSON_AddNumberToObject(push, "sent", (double)app->n.push_sent);
    cJSON_AddNumberToObject(push, "acked", (double)app->n.push_acked);
    cJSON_AddNumberToObject(push, "failed", (double)app->n.push_failed);
    cJSON_AddNumberToObject(push, "dropped", (double)app->n.push_dropped);
    cJSON *nt = cJSON_AddObjectToObject(o, "notifies");
    cJSON_AddNumberToObject(nt, "sent", (double)app->n.notify_sent);
    cJSON_AddNumberToObject(nt, "acked", (double)app->n.notify_acked);
    cJSON_AddNumberToObject(nt, "failed", (double)app->n.notify_failed);
    cJSON_AddNumberToObject(nt, "dropped", (double)app->n.notify_dropped);
    cJSON_AddNumberToObject(o, "scheduled_jobs", (double)sched_size(app->sched));
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

char *router_metrics_text(struct cm_app *app)
{
    char *buf = malloc(METRICS_BYTES_MAX);
    if (buf == NULL)
        return NULL;
    size_t n = 0;
#define EMIT(...)                                                                                  \
    do {                                                                                           \
        int w_ = snprintf(buf + n, METRICS_BYTES_MAX - n, __VA_ARGS__);                            \
        if (w_ > 0 && (size_t)w_ < METRICS_BYTES_MAX - n)                                          \
            n += (size_t)w_;                                                                       \
    } while (0)
    int records, parcels, subscribed, cancelled;
    ledger_counts(app->ledger, &records, &parcels, &subscribed, &cancelled);
    EMIT("# TYPE shipsim_carrier_requests_total counter\n");
    for (int e = 0; e < EP_COUNT; e++)
        EMIT("shipsim_carrier_requests_total{endpoint=\"%s\"} %llu\n", app_endpoint_name(e),
             (unsigned long long)app->n.requests[e]);
    EMIT("# TYPE shipsim_carrier_errors_total counter\n");
    for (int e = 0; e < EP_COUNT; e++)
        EMIT("shipsim_carrier_errors_total{endpoint=\"%s\"} %llu\n", app_endpoint_name(e),
             (unsigned long long)app->n.errors[e]);
    EMIT("# TYPE shipsim_carrier_faults_total counter\n");
    for (int k = 0; k < FAULT_KIND_COUNT; k++)
        EMIT("shipsim_carrier_faults_total{kind=\"%s\"} %llu\n", fault_kind_name(k),
             (unsigned long long)fault_count(app->faults, k));
    EMIT("# TYPE shipsim_carrier_pushes_total counter\n");
    EMIT("shipsim_carrier_pushes_total{result=\"sent\"} %llu\n",
         (unsigned long long)app->n.push_sent);
    EMIT("shipsim_carrier_pushes_total{result=\"acked\"} %llu\n",
         (unsigned long long)app->n.push_acked);
    EMIT("shipsim_carrier_pushes_total{result=\"failed\"} %llu\n",
         (unsigned long long)app->n.push_failed);
    EMIT("# TYPE shipsim_carrier_notifies_total counter\n");
    EMIT("shipsim_carrier_notifies_total{result=\"sent\"} %llu\n",
         (unsigned long long)app->n.notify_sent);
    EMIT("shipsim_carrier_notifies_total{result=\"acked\"} %llu\n",
         (unsigned long long)app->n.notify_acked);
    EMIT("shipsim_carrier_notifies_total{result=\"failed\"} %llu\n",
         (unsigned long long)app->n.notify_failed);
    EMIT("# TYPE shipsim_carrier_events_total counter\n");
    EMIT("shipsim_carrier_events_total %llu\n", (unsigned long long)app->n.events);
    EMIT("# TYPE shipsim_carrier_waybills gauge\nshipsim_carrier_waybills %d\n", records);
    EMIT("# TYPE shipsim_carrier_waybills_cancelled gauge\nshipsim_carrier_waybills_cancelled %d\n",
         cancelled);
    EMIT("# TYPE shipsim_carrier_parcels gauge\nshipsim_carrier_parcels %d\n", parcels);
    EMIT("# TYPE shipsim_carrier_subscriptions gauge\nshipsim_carrier_subscriptions %d\n",
         subscribed);
    EMIT("# TYPE shipsim_carrier_scheduled_jobs gauge\nshipsim_carrier_scheduled_jobs %zu\n",
         sched_size(app->sched));
#undef EMIT
    return buf;
}

static void truth(struct cm_app *app, struct evhttp_request *req)
{
    /* run what is due first, so the dump is the truth at this instant */
    int64_t now = simclock_now_ms(&app->clock);
    for (int i = 0; i < TRUTH_CATCH_UP_ROUNDS_MAX; i++)
        if (sched_run_due(app->sched, now) < SCHED_BATCH_MAX)
            break;
    track_catch_up(app);
    char *text = ledger_truth(app->ledger);
    if (text == NULL) {
        reply_error(req, 500, "internal", "out of memory");
        return;
    }
    http_reply(req, 200, "application/x-ndjson", text, strlen(text));
    free(text);
}

/* PUT /__sim/faults: validate the rules with the scenario loader itself (exact JSON paths in the
 * error) by splicing them into the running scenario. */
static void put_faults(struct cm_app *app, struct evhttp_request *req)
{
    char *body = http_req_body(req, NULL);
    cJSON *in = body != NULL ? cJSON_Parse(body) : NULL;
    free(body);
    cJSON *rules = in != NULL ? cJSON_DetachItemFromObjectCaseSensitive(in, "faults") : NULL;
    cJSON_Delete(in);
    if (!cJSON_IsArray(rules)) {
        cJSON_Delete(rules);
        reply_error(req, 400, "bad_request", "body must be {\"faults\":[rules as in a scenario]}");
        return;
    }
    char *sc_text = scenario_to_json(&app->sc);
    cJSON *sc_json = sc_text != NULL ? cJSON_Parse(sc_text) : NULL;
    free(sc_text);
    if (sc_json == NULL) {
        cJSON_Delete(rules);
        reply_error(req, 500, "internal", "cannot rebuild the scenario");
        return;
    }
    cJSON_ReplaceItemInObjectCaseSensitive(sc_json, "faults", rules);
    char *joined = cJSON_PrintUnformatted(sc_json);
    cJSON_Delete(sc_json);
    struct scenario *next = malloc(sizeof(*next));
    char err[ERR_BYTES_MAX];
    int rc = joined != NULL && next != NULL
                 ? scenario_parse(joined, strlen(joined), next, err, sizeof(err))
                 : (snprintf(err, sizeof(err), "out of memory"), -1);
    free(joined);
    if (rc == 0 && fault_engine_set_rules(app->faults, next->faults, next->fault_count) != 0)
        rc = (snprintf(err, sizeof(err), "the fault engine refused the rules"), -1);
    if (rc != 0) {
        free(next);
        reply_error(req, 400, "bad_faults", err);
        return;
    }
    memcpy(app->sc.faults, next->faults, sizeof(app->sc.faults));
    app->sc.fault_count = next->fault_count;
    free(next);
    log_info("fault rules replaced: %d rule(s)", app->sc.fault_count);
    http_reply_json(req, 200, "{\"ok\":true}");
}

static void control(struct cm_app *app, struct evhttp_request *req, const char *path)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    if (app->token[0] != '\0' && !http_req_token_ok(req, app->token)) {
        reply_error(req, 401, "unauthorized", "X-Sim-Token missing or wrong");
        return;
    }
    if (strcmp(path, "/__sim/truth") == 0 && m == EVHTTP_REQ_GET) {
        truth(app, req);
    } else if (strcmp(path, "/__sim/stats") == 0 && m == EVHTTP_REQ_GET) {
        char *text = router_stats_json(app);
        http_reply_json(req, text != NULL ? 200 : 500, text != NULL ? text : "{}");
        free(text);
    } else if (strcmp(path, "/__sim/faults") == 0 && m == EVHTTP_REQ_PUT) {
        put_faults(app, req);
    } else if (strcmp(path, "/__sim/faults") == 0 && m == EVHTTP_REQ_DELETE) {
        if (fault_engine_set_rules(app->faults, NULL, 0) != 0) {
            reply_error(req, 500, "internal", "cannot clear the rules");
            return;
        }
        app->sc.fault_count = 0;
        http_reply_json(req, 200, "{\"ok\":true}");
    } else if (strcmp(path, "/__sim/reset") == 0 && m == EVHTTP_REQ_POST) {
        app_reset(app);
        http_reply_json(req, 200, "{\"ok\":true}");
    } else {
        reply_error(req, 404, "not_found", "unknown control call or method");
    }
}

/* "/SF/std/service" -> "SF" when the rest is "/std/service". */
static int carrier_path(const char *path, char *code, int len)
{
    if (path[0] != '/')
        return 0;
    const char *slash = strchr(path + 1, '/');
    if (slash == NULL || strcmp(slash, "/std/service") != 0)
        return 0;
    int n = (int)(slash - path - 1);
    if (n <= 0 || n >= len)
        return 0;
    memcpy(code, path + 1, (size_t)n);
    code[n] = '\0';
    return 1;
}

void router_handle(struct evhttp_request *req, void *arg)
{
    struct cm_app *app = arg;
    char path[HTTP_URL_BYTES_MAX];
    http_req_path(req, path, sizeof(path));
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    char code[CARRIER_CODE_BYTES_MAX];
    if (strcmp(path, "/healthz") == 0) {
        http_reply_json(req, 200, "{\"ok\":true}");
    } else if (strcmp(path, "/metrics") == 0) {
        char *text = router_metrics_text(app);
        http_reply(req, text != NULL ? 200 : 500, "text/plain; version=0.0.4",
                   text != NULL ? text : "", text != NULL ? strlen(text) : 0);
        free(text);
    } else if (strncmp(path, "/__sim/", 7) == 0) {
        control(app, req, path);
    } else if (m != EVHTTP_REQ_POST) {
        reply_error(req, 405, "method_not_allowed", "carrier APIs take POST");
    } else if (strcmp(path, "/kuaidi100/poll/query.do") == 0) {
        k100_handle_query(app, req);
    } else if (strcmp(path, "/kuaidi100/poll") == 0) {
        k100_handle_subscribe(app, req);
    } else if (carrier_path(path, code, sizeof(code)) && app_carrier(app, code) != NULL) {
        sf_handle(app, req, code);
    } else {
        reply_error(req, 404, "not_found", "no such carrier or path");
    }
}
