/* syncd: the sync core (DESIGN.md section 5), the system under test. One libevent loop: an evhttp
 * listener for pushes and the admin endpoints, libcurl multi for every outbound call, SQLite for
 * durable state with one transaction per loop turn (group commit). Reads only --config; never a
 * scenario. */
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_client.h"
#include "common/http_server.h"
#include "common/log.h"
#include "core/api.h"
#include "core/backup.h"
#include "core/core.h"
#include "core/ingest.h"
#include "core/metrics.h"
#include "core/outbox.h"
#include "core/poller.h"
#include "core/lost.h"
#include "core/stock.h"
#include "core/stocksync.h"
#include "core/store.h"
#include "core/tracking.h"

/* Platform and carrier traffic each get their own client (and connection pool), so carrier
 * calls never queue behind platform reads in one FIFO (BENCH.md point 4). */
#define SYNCD_CONNECTIONS HTTP_CLIENT_CONNECTIONS_MAX
#define SYNCD_COMMIT_DELAY_MS (2 * OUTBOX_PUMP_INTERVAL_MS)
#define SYNCD_PRIORITIES 3 /* 0 unused, 1 default (I/O, timers), 2 the group commit */
#define SYNCD_PATH_BYTES_MAX 1024

struct options {
    int port;
    char bind[64];
    char config[SYNCD_PATH_BYTES_MAX];
    char db[SYNCD_PATH_BYTES_MAX];
    char restore[SYNCD_PATH_BYTES_MAX];
    struct simclock clock;
    int log_level;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: syncd --config FILE [--db FILE] [--restore FILE] [--port N] [--bind ADDR]\n"
               "             [--sim-epoch-ms N --sim-anchor-ns N --time-scale X]\n"
               "             [--log-level debug|info|warn|error]\n");
}

static int parse_opts(int argc, char **argv, struct options *o)
{
    char err[ERR_BYTES_MAX];
    memset(o, 0, sizeof(*o));
    snprintf(o->bind, sizeof(o->bind), "127.0.0.1");
    snprintf(o->db, sizeof(o->db), "syncd.db");
    o->log_level = LOG_INFO;
    simclock_init(&o->clock, 0, 1.0);
    for (int i = 1; i < argc; i++) {
        int rc = simclock_parse_arg(&o->clock, argc, argv, &i, err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "syncd: %s\n", err);
            return -1;
        }
        if (rc == 1) {
            continue;
        }
        const char *opt = argv[i];
        if (strcmp(opt, "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "syncd: %s needs a value\n", opt);
            return -1;
        }
        const char *val = argv[++i];
        char *end = NULL;
        if (strcmp(opt, "--port") == 0) {
            long p = strtol(val, &end, 10);
            if (end == val || *end != '\0' || p < 0 || p > 65535) {
                fprintf(stderr, "syncd: --port: must be 0..65535, got '%s'\n", val);
                return -1;
            }
            o->port = (int)p;
        } else if (strcmp(opt, "--bind") == 0) {
            snprintf(o->bind, sizeof(o->bind), "%s", val);
        } else if (strcmp(opt, "--config") == 0) {
            snprintf(o->config, sizeof(o->config), "%s", val);
        } else if (strcmp(opt, "--db") == 0) {
            snprintf(o->db, sizeof(o->db), "%s", val);
        } else if (strcmp(opt, "--restore") == 0) {
            snprintf(o->restore, sizeof(o->restore), "%s", val);
        } else if (strcmp(opt, "--log-level") == 0) {
            o->log_level = log_level_parse(val);
            if (o->log_level < 0) {
                fprintf(stderr, "syncd: --log-level: unknown level '%s'\n", val);
                return -1;
            }
        } else {
            fprintf(stderr, "syncd: unknown option %s\n", opt);
            return -1;
        }
    }
    if (o->config[0] == '\0') {
        fprintf(stderr, "syncd: --config FILE is required\n");
        return -1;
    }
    return 0;
}

static void commit_cb(evutil_socket_t fd, short what, void *arg)
{
    core_commit(arg);
}

/* The first write after a commit arms a commit SYNCD_COMMIT_DELAY_MS later in case the pump
 * (which commits every OUTBOX_PUMP_INTERVAL_MS and disarms it) is late. A commit per loop turn
 * wrote the same index pages to the WAL ~400 times a second at 200 orders/s; answers to pushes
 * wait for the commit (core_reply_durable). */
static void dirty_cb(void *arg)
{
    struct core *c = arg;
    struct timeval delay = {0, SYNCD_COMMIT_DELAY_MS * 1000};
    if (!event_pending(c->commit_ev, EV_TIMEOUT, NULL)) {
        (void)event_add(c->commit_ev, &delay);
    }
}

static void pump_cb(evutil_socket_t fd, short what, void *arg)
{
    outbox_pump(arg);
}

static void sweep_cb(evutil_socket_t fd, short what, void *arg)
{
    tracking_sweep(arg);
    lost_sweep(arg);
    backup_maybe(arg);
}

/* --restore FILE: copy the backup into place before the store opens (then reconciliation
 * catches up from the platforms). */
static int restore_db(const char *from, const char *to)
{
    char err[ERR_BYTES_MAX];
    struct store *src = store_open(from, 0, err, sizeof(err));
    if (src == NULL) {
        fprintf(stderr, "syncd: --restore: %s\n", err);
        return -1;
    }
    int rc = store_backup(src, to, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "syncd: --restore: %s\n", err);
    }
    store_close(src);
    return rc;
}

static int run(struct core *c, const struct options *o)
{
    char err[ERR_BYTES_MAX];
    struct http_server *srv = NULL;
    struct event *pump = NULL;
    struct event *sweep = NULL;
    struct stocksync *stocks = NULL;
    int rc = 1;
    c->http = http_client_new(c->base, SYNCD_CONNECTIONS);
    c->http_carrier = http_client_new(c->base, SYNCD_CONNECTIONS);
    srv = http_server_new(c->base, o->bind, o->port, err, sizeof(err));
    c->commit_ev = event_new(c->base, -1, 0, commit_cb, c);
    pump = event_new(c->base, -1, EV_PERSIST, pump_cb, c);
    sweep = event_new(c->base, -1, EV_PERSIST, sweep_cb, c);
    c->metrics = metrics_new();
    c->poller = poller_new(c);
    stocks = stocksync_new(c);
    if (c->http == NULL || c->http_carrier == NULL || srv == NULL || c->commit_ev == NULL ||
        pump == NULL || sweep == NULL || c->metrics == NULL || c->poller == NULL ||
        stocks == NULL) {
        fprintf(stderr, "syncd: start-up failed: %s\n", srv == NULL ? err : "out of memory");
        goto done;
    }
    event_priority_set(c->commit_ev, SYNCD_PRIORITIES - 1);
    store_on_dirty(c->store, dirty_cb, c);
    http_server_set_handler(srv, api_handle, c);
    /* resume every pending call of a previous life, and give every open order its next job */
    char dir[SYNCD_PATH_BYTES_MAX + 16];
    snprintf(dir, sizeof(dir), "%s", c->cfg->backup_dir);
    if (dir[0] == '\0') {
        snprintf(dir, sizeof(dir), "%s.backups", o->db);
    }
    if (backup_init(dir) != 0) {
        fprintf(stderr, "syncd: cannot create the backup folder %s\n", dir);
        goto done;
    }
    c->start_ms = core_now_ms(c);
    stock_init(c);
    int64_t pending = store_jobs_resume(c->store, core_now_ms(c));
    ingest_heal(c);
    if (pending < 0 || store_commit(c->store) != 0) {
        core_fatal_store(c, "resume");
    }
    log_info("resumed %lld pending jobs", (long long)pending);
    struct timeval tick = {0, OUTBOX_PUMP_INTERVAL_MS * 1000};
    int64_t sweep_ms = (int64_t)simclock_wall_ms(&c->clock, (double)c->cfg->poll_interval_s * 1000);
    struct timeval sweep_tv = {(time_t)(sweep_ms / 1000), (suseconds_t)(sweep_ms % 1000) * 1000};
    if (event_add(pump, &tick) != 0 || event_add(sweep, &sweep_tv) != 0 ||
        poller_start(c->poller) != 0 || stocksync_start(stocks) != 0 ||
        http_server_stop_on_signals(srv) != 0) {
        goto done;
    }
    http_server_announce(srv);
    event_base_dispatch(c->base);
    rc = 0;
done:
    /* no new calls; every call in flight is finished as cancelled (its job stays pending), and
     * the deferred finishes queued on the loop run once */
    core_http_shutdown(c);
    (void)event_base_loop(c->base, EVLOOP_NONBLOCK);
    core_commit(c); /* and answer what waited for it, before the server goes */
    poller_free(c->poller);
    stocksync_free(stocks);
    if (pump != NULL) {
        event_free(pump);
    }
    if (sweep != NULL) {
        event_free(sweep);
    }
    http_server_free(srv);
    if (c->commit_ev != NULL) {
        event_free(c->commit_ev);
    }
    metrics_free(c->metrics);
    return rc;
}

int main(int argc, char **argv)
{
    static struct config cfg;
    static struct core core;
    struct options o;
    char err[ERR_BYTES_MAX];
    if (parse_opts(argc, argv, &o) != 0) {
        usage(stderr);
        return 2;
    }
    log_init("syncd", &o.clock);
    log_set_level((enum log_level)o.log_level);
#if defined(SYNCD_SABOTAGE_NO_RECONCILE) || defined(SYNCD_SABOTAGE_NO_IDEMPOTENCY) ||              \
    defined(SYNCD_SABOTAGE_NO_MOJIBAKE_CHECK) || defined(SYNCD_SABOTAGE_NO_SIGNATURE_CHECK) ||     \
    defined(SYNCD_SABOTAGE_NO_STOCK_SYNC)
    /* so a sabotaged test build (tests/sabotage) can never pass for the real core unnoticed */
    fprintf(stderr, "syncd: TEST BUILD with a safety turned off (SYNCD_SABOTAGE_*); not for use\n");
#endif
    if (config_load(o.config, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "syncd: %s\n", err);
        return 2;
    }
    if (o.restore[0] != '\0' && restore_db(o.restore, o.db) != 0) {
        return 1;
    }
    core.clock = o.clock;
    core.cfg = &cfg;
    core.seed = cfg.seed != 0 ? cfg.seed : (uint64_t)wall_now_ms();
    core.store = store_open(o.db, cfg.sync_full, err, sizeof(err));
    core.base = http_server_base_new();
    if (core.store == NULL || core.base == NULL ||
        event_base_priority_init(core.base, SYNCD_PRIORITIES) != 0) {
        fprintf(stderr, "syncd: %s\n", core.store == NULL ? err : "event base failed");
        store_close(core.store);
        return 1;
    }
    int rc = run(&core, &o);
    store_close(core.store);
    event_base_free(core.base);
    log_info("stopped");
    return rc;
}
