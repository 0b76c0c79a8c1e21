/* Fuzz target: syncd's handling of Kuaidi100 answers (sim/core/tracking.c): the poll/query.do
 * answer (query_done: the JSON result, then the tracking validator apply_result/apply_event on
 * the parcel the store knows) and the subscribe answer (subscribe_done). These parsers only run
 * as HTTP client callbacks, so the target runs the real job runners (tracking_query_run,
 * tracking_subscribe_run) on a syncd core (tests/fuzz/core_env.h) whose tracking_url is an
 * evhttp server in the same process on 127.0.0.1:0 that answers with the fuzzed body.
 * Byte 0 picks the call (even: query, odd: subscribe), byte 1 the HTTP status, the rest is the
 * body. Checked: the callback runs exactly once (the job's in-flight slot is released); no known
 * order moves backwards and no stored event is lost; only clean events are stored; an open
 * parcel keeps a poll job (polling never stops before the parcel is final); the same query
 * answer taken twice changes no parcel, event or order the second time. */
#include <event2/event.h>
#include <event2/http.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "common/http_client.h"
#include "common/http_server.h"
#include "core/outbox.h"
#include "core_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define ANSWER_WAIT_MS 10000 /* > HTTP_TIMEOUT_MS_DEFAULT: the client gives up first */
#define JOBS_MAX 16

static const int statuses[] = {200, 500, 404, 429, 400, 503, 302, 200};

static int initialized;
static struct http_server *server;
static int answer_status;
static const char *answer_body;
static size_t answer_len;
static char asked_path[256];
static int asked;

static void answer(struct evhttp_request *req, void *arg)
{
    (void)arg;
    http_req_path(req, asked_path, sizeof(asked_path));
    asked++;
    http_reply(req, answer_status, "application/json;charset=UTF-8", answer_body, answer_len);
}

static void env_net_gone(void)
{
    http_client_free(env_core.http);
    http_server_free(server);
    event_base_free(env_core.base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char err[ERR_BYTES_MAX], url[128];
    initialized = 1;
    struct event_base *base = event_base_new();
    assert(base != NULL);
    server = http_server_new(base, "127.0.0.1", 0, err, sizeof(err));
    if (server == NULL) {
        fprintf(stderr, "fuzz_core_k100: %s\n", err);
    }
    assert(server != NULL);
    evhttp_set_gencb(http_server_evhttp(server), answer, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/kuaidi100", http_server_port(server));
    env_init("fuzz-k100", url);
    env_core.base = base;
    env_core.http = http_client_new(base, 4);
    assert(env_core.http != NULL);
    env_core.http_carrier = NULL; /* kuaidi100: calls use the platform client then */
    atexit(env_net_gone);
    return 0;
}

/* The pending job of kind for the parcel (due now or later), 0 when there is none. */
static int job_of(const char *kind, struct job_row *out)
{
    struct job_row rows[JOBS_MAX];
    int n = store_jobs_due(env_core.store, INT64_MAX / 2, rows, JOBS_MAX);
    assert(n >= 0);
    for (int i = 0; i < n; i++) {
        if (strcmp(rows[i].kind, kind) == 0 && strcmp(rows[i].order_id, env_waybill) == 0) {
            *out = rows[i];
            return 1;
        }
    }
    return 0;
}

/* Run the job as the pump would and turn the loop until its callback released it. */
static void run(const struct job_row *j, int query)
{
    int before = asked;
    env_core.inflight = 1;
    if (query) {
        tracking_query_run(&env_core, j);
    } else {
        tracking_subscribe_run(&env_core, j);
    }
    int64_t start_ms = mono_now_ns() / 1000000;
    while (env_core.inflight > 0) {
        assert(mono_now_ns() / 1000000 - start_ms < ANSWER_WAIT_MS);
        event_base_loop(env_core.base, EVLOOP_ONCE);
    }
    assert(env_core.inflight == 0);
    assert(env_core.calls == NULL); /* no call left in flight */
    if (asked > before) {
        assert(strcmp(asked_path, query ? "/kuaidi100/poll/query.do" : "/kuaidi100/poll") == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    if (!initialized) { /* replay.c calls it too; libFuzzer may not have */
        LLVMFuzzerInitialize(NULL, NULL);
    }
    int query = data[0] % 2 == 0;
    answer_status = statuses[data[1] % ARRAY_LEN(statuses)];
    answer_body = (const char *)data + 2;
    answer_len = size - 2;
    env_up(); /* with tracking_url set the parcel has a subscribe and a poll job */
    struct env_snapshot before, first, again;
    struct job_row j;
    assert(job_of(query ? JOB_TRACK : JOB_SUBSCRIBE, &j) == 1);
    env_snap(&before);
    run(&j, query);
    env_snap(&first);
    env_forward(&before, &first);
    if (getenv("FUZZ_K100_TRACE") != NULL) { /* seed check: how far each answer got */
        fprintf(stderr, "%s %d: events %d->%d parcel state %d->%d jobs %lld->%lld\n",
                query ? "query" : "subscribe", answer_status, before.events, first.events,
                before.parcel.state, first.parcel.state, (long long)before.jobs,
                (long long)first.jobs);
    }
    if (query) {
        /* answered or not, an open parcel is polled again (re-armed or retried) */
        int polled = job_of(JOB_TRACK, &j);
        assert(polled || first.parcel.final);
        if (polled) {
            run(&j, 1);
            env_snap(&again);
            env_forward(&first, &again);
            assert(again.events == first.events); /* answers carry the whole history */
            env_same_parcel(&first.parcel, &again.parcel);
            assert(memcmp(first.known_state, again.known_state, sizeof(first.known_state)) == 0);
        }
    }
    env_down();
    return 0;
}
