/* bin/mockcarrier: one libevent process serving several carriers in SF's shape and tracking in
 * Kuaidi100's shape, with parcels moving on the sim clock (DESIGN.md section 4, INTERFACES.md
 * sections 1, 4, 6). */
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier/carriers.h"
#include "carrier/router.h"
#include "common/http_server.h"
#include "common/log.h"

#define EXIT_USAGE 2

struct options {
    int port;
    const char *bind;
    struct app_options app;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mockcarrier --scenario FILE [--port N] [--bind ADDR] [--seed N]\n"
            "                   [--sim-epoch-ms N] [--sim-anchor-ns N] [--time-scale X]\n"
            "                   [--control-token T] [--fault-log FILE] [--state FILE]\n"
            "                   [--notify-url URL] [--log-level debug|info|warn|error]\n"
            "Serves /<CODE>/std/service (SF shape), /kuaidi100/poll/query.do, /kuaidi100/poll,\n"
            "/healthz, /metrics and /__sim/{truth,stats,faults,reset}.\n");
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (s[0] == '\0' || end == NULL || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Returns 0, 1 for --help, -1 on a bad command line (message printed). */
static int parse_args(int argc, char **argv, struct options *o, struct simclock *clock)
{
    for (int i = 1; i < argc; i++) {
        char err[ERR_BYTES_MAX];
        int took = simclock_parse_arg(clock, argc, argv, &i, err, sizeof(err));
        if (took < 0) {
            fprintf(stderr, "mockcarrier: %s\n", err);
            return -1;
        }
        if (took == 1)
            continue;
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0)
            return 1;
        if (i + 1 >= argc) {
            fprintf(stderr, "mockcarrier: %s: missing value or unknown option\n", a);
            return -1;
        }
        const char *v = argv[++i];
        long long n;
        if (strcmp(a, "--port") == 0 && parse_int(v, 0, 65535, &n) == 0) {
            o->port = (int)n;
        } else if (strcmp(a, "--bind") == 0) {
            o->bind = v;
        } else if (strcmp(a, "--scenario") == 0) {
            o->app.scenario_path = v;
        } else if (strcmp(a, "--seed") == 0 && parse_int(v, 0, INT64_MAX, &n) == 0) {
            o->app.seed_set = 1;
            o->app.seed = (uint64_t)n;
        } else if (strcmp(a, "--control-token") == 0) {
            o->app.token = v;
        } else if (strcmp(a, "--fault-log") == 0) {
            o->app.fault_log_path = v;
        } else if (strcmp(a, "--state") == 0) {
            o->app.state_path = v;
        } else if (strcmp(a, "--notify-url") == 0 && strncmp(v, "http://", 7) == 0 &&
                   strlen(v) < HTTP_URL_BYTES_MAX) {
            o->app.notify_url = v;
        } else if (strcmp(a, "--log-level") == 0 && log_level_parse(v) >= 0) {
            log_set_level((enum log_level)log_level_parse(v));
        } else {
            fprintf(stderr, "mockcarrier: %s %s: bad option or value\n", a, v);
            return -1;
        }
    }
    if (o->app.scenario_path == NULL) {
        fprintf(stderr, "mockcarrier: --scenario FILE is required\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options o = {0, "127.0.0.1", {0}};
    struct cm_app *app = calloc(1, sizeof(*app));
    if (app == NULL)
        return 1;
    simclock_init(&app->clock, 0, 1.0);
    o.app.token = getenv("SHIPSIM_CONTROL_TOKEN");
    int rc = parse_args(argc, argv, &o, &app->clock);
    if (rc != 0) {
        usage(rc > 0 ? stdout : stderr);
        free(app);
        return rc > 0 ? 0 : EXIT_USAGE;
    }
    log_init("mockcarrier", &app->clock);
    int status = 1;
    char err[ERR_BYTES_MAX];
    app->base = http_server_base_new();
    if (app->base == NULL)
        goto out;
    if (app_open(app, &o.app, err, sizeof(err)) != 0) {
        fprintf(stderr, "mockcarrier: %s\n", err);
        status = EXIT_USAGE;
        goto out;
    }
    app->server = http_server_new(app->base, o.bind, o.port, err, sizeof(err));
    if (app->server == NULL || http_server_stop_on_signals(app->server) != 0) {
        fprintf(stderr, "mockcarrier: %s\n", app->server == NULL ? err : "signals");
        goto out;
    }
    http_server_set_handler(app->server, router_handle, app);
    http_server_announce(app->server);
    log_info("serving %d carrier(s), scenario %s, seed %llu", app->carrier_count, app->sc.name,
             (unsigned long long)app->sc.seed);
    event_base_dispatch(app->base);
    status = 0;
out:
    app_close(app);
    http_server_free(app->server);
    if (app->base != NULL)
        event_base_free(app->base);
    free(app);
    return status;
}
