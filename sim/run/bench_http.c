/* `shipsim bench-http`: the load generator's HTTP path (sim/common/http_client on one libevent
 * loop, as sim/load/loadgen.c sends) driven closed-loop against one URL, so bench/run.sh can set
 * its requests per second beside wrk's on the same endpoint (loadgen_vs_wrk in BENCH.md).
 * It keeps exactly `connections` requests in flight, as `wrk -c` does: each completion sends the
 * next one until the time is up. */
#include "run/bench_http.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_client.h"
#include "common/limits.h"
#include "common/simclock.h"

#define BENCH_HTTP_HEADERS_MAX 4        /* --header options kept (http_request has 8 slots) */
#define BENCH_HTTP_DURATION_S_MAX 600.0 /* one measurement never runs longer */
#define BENCH_HTTP_TIMEOUT_MS 5000      /* per request, as the generator's order of magnitude */
#define BENCH_HTTP_EXIT_USAGE 2

const char bench_http_help[] =
    "usage: shipsim bench-http --url URL [--body TEXT] [--header 'Name: value']...\n"
    "                          [--connections N] [--duration-s X]\n"
    "\n"
    "Benchmark helper for make bench: send the same request to URL through the load\n"
    "generator's HTTP client, keeping N requests in flight (default 48, the generator's\n"
    "connection count) for X wall seconds (default 5). POST with --body, else GET.\n"
    "Prints one JSON line: requests, status_2xx, status_other, errors, seconds,\n"
    "requests_per_s, latency_mean_us.\n"
    "\n"
    "exit: 0 some request succeeded, 1 none did, 2 bad command line\n";

struct bench_opts {
    const char *url;
    const char *body;
    const char *headers[BENCH_HTTP_HEADERS_MAX + 1];
    int header_count;
    int connections;
    double duration_s;
};

struct bench_state {
    struct event_base *base;
    struct http_client *http;
    struct http_request req;
    int stopping;
    long long requests;
    long long status_2xx;
    long long status_other;
    long long errors;
    long long send_failures;
    double latency_sum_us;
};

static void bench_done(const struct http_response *resp, void *arg);

static void bench_send(struct bench_state *st)
{
    assert(st != NULL);
    assert(!st->stopping);
    if (http_client_send(st->http, &st->req, bench_done, st) != 0)
        st->send_failures++;
}

static void bench_done(const struct http_response *resp, void *arg)
{
    struct bench_state *st = arg;
    assert(st != NULL);
    assert(resp != NULL);
    if (st->stopping)
        return;
    st->requests++;
    if (resp->error != HTTPC_OK)
        st->errors++;
    else if (resp->status >= 200 && resp->status < 300)
        st->status_2xx++;
    else
        st->status_other++;
    st->latency_sum_us += (double)resp->latency_us;
    bench_send(st);
}

static void bench_stop_cb(evutil_socket_t fd, short what, void *arg)
{
    struct bench_state *st = arg;
    assert(st != NULL);
    st->stopping = 1;
    event_base_loopbreak(st->base);
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

static int bench_parse(int argc, char **argv, struct bench_opts *o)
{
    *o = (struct bench_opts){.connections = 48, .duration_s = 5.0};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        double d = 0;
        if (v == NULL) {
            fprintf(stderr, "shipsim bench-http: %s: missing value\n", a);
            return -1;
        }
        i++;
        if (strcmp(a, "--url") == 0) {
            o->url = v;
        } else if (strcmp(a, "--body") == 0) {
            o->body = v;
        } else if (strcmp(a, "--header") == 0 && o->header_count < BENCH_HTTP_HEADERS_MAX) {
            o->headers[o->header_count++] = v;
        } else if (strcmp(a, "--connections") == 0 &&
                   parse_double(v, 1, HTTP_CLIENT_CONNECTIONS_MAX, &d) == 0 && d == (int)d) {
            o->connections = (int)d;
        } else if (strcmp(a, "--duration-s") == 0 &&
                   parse_double(v, 0.1, BENCH_HTTP_DURATION_S_MAX, &d) == 0) {
            o->duration_s = d;
        } else {
            fprintf(stderr, "shipsim bench-http: bad option or value: %s %s\n", a, v);
            return -1;
        }
    }
    if (o->url == NULL || strncmp(o->url, "http://127.0.0.1:", 17) != 0) {
        fprintf(stderr, "shipsim bench-http: --url http://127.0.0.1:PORT/... is required\n");
        return -1;
    }
    return 0;
}

static void bench_report(const struct bench_state *st, double seconds)
{
    double rps = seconds > 0 ? (double)st->requests / seconds : 0;
    double mean = st->requests > 0 ? st->latency_sum_us / (double)st->requests : 0;
    printf("{\"requests\":%lld,\"status_2xx\":%lld,\"status_other\":%lld,\"errors\":%lld,"
           "\"send_failures\":%lld,\"seconds\":%.3f,\"requests_per_s\":%.1f,"
           "\"latency_mean_us\":%.1f}\n",
           st->requests, st->status_2xx, st->status_other, st->errors, st->send_failures, seconds,
           rps, mean);
    fflush(stdout);
}

static int bench_run(const struct bench_opts *o, struct bench_state *st)
{
    st->req = (struct http_request){.method = o->body != NULL ? "POST" : "GET",
                                    .url = o->url,
                                    .body = o->body,
                                    .body_len = o->body != NULL ? strlen(o->body) : 0,
                                    .content_type = o->body != NULL ? "application/json" : NULL,
                                    .timeout_ms = BENCH_HTTP_TIMEOUT_MS};
    for (int i = 0; i < o->header_count; i++)
        st->req.headers[i] = o->headers[i];
    struct event *stop = evtimer_new(st->base, bench_stop_cb, st);
    if (stop == NULL)
        return -1;
    long long usec = (long long)(o->duration_s * 1e6);
    struct timeval tv = {(time_t)(usec / 1000000), (suseconds_t)(usec % 1000000)};
    int64_t start_ns = mono_now_ns();
    evtimer_add(stop, &tv);
    for (int i = 0; i < o->connections; i++)
        bench_send(st);
    event_base_dispatch(st->base);
    double seconds = (double)(mono_now_ns() - start_ns) / 1e9;
    event_free(stop);
    bench_report(st, seconds);
    return 0;
}

int bench_http_cmd(int argc, char **argv)
{
    struct bench_opts o;
    if (bench_parse(argc, argv, &o) != 0)
        return BENCH_HTTP_EXIT_USAGE;
    struct bench_state st = {0};
    st.base = event_base_new();
    st.http = st.base != NULL ? http_client_new(st.base, o.connections) : NULL;
    int rc = 1;
    if (st.http == NULL)
        fprintf(stderr, "shipsim bench-http: cannot create the event loop or HTTP client\n");
    else if (bench_run(&o, &st) != 0)
        fprintf(stderr, "shipsim bench-http: cannot create the stop timer\n");
    else
        rc = st.status_2xx > 0 ? 0 : 1;
    http_client_free(st.http); /* cancels what is still in flight: no callback runs */
    if (st.base != NULL)
        event_base_free(st.base);
    return rc;
}
