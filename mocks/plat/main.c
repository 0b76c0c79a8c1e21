/* bin/mockplat: the platform mock (DESIGN.md section 4, INTERFACES.md sections 1-4).
 *   mockplat --scenario FILE [--port N] [--bind ADDR] [--seed N] [--control-token T]
 *            [--fault-log FILE] [--state FILE] [--sim-epoch-ms N --sim-anchor-ns N
 *            --time-scale X] [--log-level L]
 * One libevent loop serves every shop of the scenario (Shopee-like and WeChat-like), the
 * /__sim control API, /healthz and /metrics; pushes go out through the shared HTTP client. */
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_client.h"
#include "common/http_server.h"
#include "common/log.h"
#include "plat/plat.h"

/* pushes in flight to the shops' callback URLs; syncd acks a push after its group commit
 * (~10 ms), so 16 capped pushes near 1,300/s, about 300 orders/s */
#define PUSH_CONNECTIONS 64

struct options {
    const char *scenario;
    const char *bind;
    const char *fault_log;
    const char *state;
    const char *token;
    int port;
    int has_seed;
    uint64_t seed;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: mockplat --scenario FILE [--port N] [--bind ADDR] [--seed N]\n"
               "                [--control-token T] [--fault-log FILE] [--state FILE]\n"
               "                [--sim-epoch-ms N] [--sim-anchor-ns N] [--time-scale X]\n"
               "                [--log-level debug|info|warn|error]\n");
}

static int parse_num(const char *s, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Returns 0, 1 (--help printed) or -1 (error printed). */
static int parse_args(int argc, char **argv, struct options *o, struct simclock *clock)
{
    char err[ERR_BYTES_MAX];
    for (int i = 1; i < argc; i++) {
        int c = simclock_parse_arg(clock, argc, argv, &i, err, sizeof(err));
        if (c < 0)
            return fprintf(stderr, "mockplat: %s\n", err), -1;
        if (c > 0)
            continue;
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0)
            return usage(stdout), 1;
        if (i + 1 >= argc)
            return fprintf(stderr, "mockplat: %s needs a value (or unknown option)\n", a), -1;
        const char *v = argv[++i];
        long long n = 0;
        if (strcmp(a, "--scenario") == 0) {
            o->scenario = v;
        } else if (strcmp(a, "--bind") == 0) {
            o->bind = v;
        } else if (strcmp(a, "--fault-log") == 0) {
            o->fault_log = v;
        } else if (strcmp(a, "--state") == 0) {
            o->state = v;
        } else if (strcmp(a, "--control-token") == 0) {
            o->token = v;
        } else if (strcmp(a, "--port") == 0) {
            if (parse_num(v, 0, 65535, &n) != 0)
                return fprintf(stderr, "mockplat: --port: must be 0..65535, got '%s'\n", v), -1;
            o->port = (int)n;
        } else if (strcmp(a, "--seed") == 0) {
            char *end = NULL;
            o->seed = strtoull(v, &end, 10);
            if (end == v || *end != '\0')
                return fprintf(stderr, "mockplat: --seed: not a number: '%s'\n", v), -1;
            o->has_seed = 1;
        } else if (strcmp(a, "--log-level") == 0) {
            int l = log_level_parse(v);
            if (l < 0)
                return fprintf(stderr, "mockplat: --log-level: unknown level '%s'\n", v), -1;
            log_set_level((enum log_level)l);
        } else {
            return fprintf(stderr, "mockplat: unknown option %s\n", a), usage(stderr), -1;
        }
    }
    if (o->scenario == NULL)
        return fprintf(stderr, "mockplat: --scenario FILE is required\n"), usage(stderr), -1;
    return 0;
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    struct plat *p = arg;
    (void)truth_tick(p->truth);
}

static int plat_setup(struct plat *p, const struct options *o, char *err, int err_len)
{
    p->shop_count = p->sc.shop_count;
    for (int i = 0; i < p->shop_count; i++)
        if (scenario_shop(&p->sc, i, &p->shops[i].si) != 0)
            return snprintf(err, err_len, "cannot derive shop %d", i), -1;
    tokens_init(p);
    p->truth = truth_new(&p->sc, &p->clock);
    p->faults = fault_engine_new(&p->sc, FAULT_SIDE_PLATFORM, &p->clock, o->fault_log);
    p->client = http_client_new(p->base, PUSH_CONNECTIONS);
    p->push = push_new(p);
    if (p->truth == NULL || p->faults == NULL || p->client == NULL || p->push == NULL)
        return snprintf(err, err_len, "cannot start (fault log %s?)",
                        o->fault_log ? o->fault_log : "-"),
               -1;
    if (o->state != NULL &&
        truth_open_journal(p->truth, o->state, tokens_replay_line, p, err, err_len) != 0)
        return -1;
    truth_set_listener(p->truth, push_order_changed, p->push);
    p->tick = event_new(p->base, -1, EV_PERSIST, tick_cb, p);
    struct timeval tv = {.tv_sec = 0, .tv_usec = PLAT_TICK_MS * 1000};
    if (p->tick == NULL || event_add(p->tick, &tv) != 0)
        return snprintf(err, err_len, "cannot start the tick timer"), -1;
    return 0;
}

static void plat_teardown(struct plat *p)
{
    if (p->tick != NULL)
        event_free(p->tick);
    push_free(p->push);
    http_client_free(p->client);
    fault_engine_free(p->faults);
    truth_free(p->truth);
}

int main(int argc, char **argv)
{
    struct options o = {.bind = "127.0.0.1"};
    struct plat *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return 1;
    simclock_init(&p->clock, 0, 1.0);
    int rc = parse_args(argc, argv, &o, &p->clock);
    if (rc != 0) {
        free(p);
        return rc > 0 ? 0 : 2;
    }
    log_init("mockplat", &p->clock);
    const char *env_token = getenv("SHIPSIM_CONTROL_TOKEN");
    snprintf(p->control_token, sizeof(p->control_token), "%s",
             o.token != NULL     ? o.token
             : env_token != NULL ? env_token
                                 : "");
    char err[ERR_BYTES_MAX * 4];
    if (scenario_load(o.scenario, &p->sc, err, sizeof(err)) != 0) {
        fprintf(stderr, "mockplat: %s: %s\n", o.scenario, err);
        free(p);
        return 2;
    }
    if (o.has_seed)
        p->sc.seed = o.seed;
    rc = 1;
    struct http_server *srv = NULL;
    p->base = http_server_base_new();
    if (p->base == NULL || plat_setup(p, &o, err, sizeof(err)) != 0) {
        fprintf(stderr, "mockplat: %s\n", err);
        goto out;
    }
    srv = http_server_new(p->base, o.bind, o.port, err, sizeof(err));
    if (srv == NULL || http_server_stop_on_signals(srv) != 0) {
        fprintf(stderr, "mockplat: %s\n", srv == NULL ? err : "cannot install signal handlers");
        goto out;
    }
    http_server_set_handler(srv, plat_dispatch, p);
    http_server_announce(srv);
    log_info("serving %d shops, %d fault rules, seed %llu", p->shop_count,
             fault_engine_rule_count(p->faults), (unsigned long long)p->sc.seed);
    event_base_dispatch(p->base);
    log_info("stopping");
    rc = 0;
out:
    p->stopping = 1;
    http_server_free(srv); /* frees the connections and requests of held calls too */
    plat_release_held(p);
    plat_teardown(p);
    if (p->base != NULL)
        event_base_free(p->base);
    free(p);
    return rc;
}
