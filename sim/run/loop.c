/* The runner's event loop: the load generator, the crash schedule, the stats poll behind the
 * progress line and timeseries.csv, and the bounded drain. Ctrl-C (a flag set by the signal
 * handler, read by a 50 ms control timer) or a failure of the runner's own breaks the loop; the
 * caller then stops every child. */
#include <event2/event.h>
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/http_client.h"
#include "load/loadgen.h"
#include "run/proc.h"
#include "run/runctx.h"

#define LOOP_PROGRESS_BYTES_MAX 256

static struct proc **crash_target(struct run_ctx *rc, enum crash_process p)
{
    switch (p) {
    case CRASH_SYNCD: return &rc->syncd;
    case CRASH_MOCKPLAT: return &rc->plat;
    case CRASH_MOCKCARRIER: return &rc->carrier;
    }
    return NULL;
}

static void restart_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct crash_arg *ca = arg;
    struct run_ctx *rc = ca->rc;
    const struct crash_event *ce = &rc->sc.crashes[ca->index];
    struct proc *p = *crash_target(rc, ce->process);
    char err[PROC_TAIL_BYTES_MAX + 512];
    assert(rc->restarts_pending > 0);
    rc->restarts_pending--;
    /* Blocking by design: a restart takes tens of ms and the generator counts any lateness. */
    if (proc_restart(p, err, sizeof(err)) != 0) {
        run_fail(rc, "restart after crash: %s", err);
        event_base_loopbreak(rc->base);
        return;
    }
    if (ce->process == CRASH_MOCKPLAT && sut_register_callbacks(rc) != 0)
        event_base_loopbreak(rc->base);
}

static void crash_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct crash_arg *ca = arg;
    struct run_ctx *rc = ca->rc;
    const struct crash_event *ce = &rc->sc.crashes[ca->index];
    struct proc *p = *crash_target(rc, ce->process);
    if (p == NULL || rc->crash_line_count >= RUN_CRASH_LINES_MAX)
        return; /* syncd under --sut external: nothing of ours to kill */
    int pid = (int)proc_pid(p);
    proc_kill9(p);
    rc->restarts_pending++; /* the drain may not end (and collect) while it is down */
    char line[512];
    snprintf(line, sizeof(line),
             "{\"sim_ms\":%lld,\"kind\":\"crash\",\"side\":\"runner\",\"rule\":-1,"
             "\"endpoint\":\"\",\"shop\":\"\",\"carrier\":\"\",\"order\":\"\",\"attempt\":0,"
             "\"process\":\"%s\",\"detail\":\"SIGKILL %s pid %d, restart after %.3g s\"}",
             (long long)simclock_now_ms(&rc->clock), crash_process_name(ce->process),
             crash_process_name(ce->process), pid, ce->restart_after_s);
    rc->crash_lines[rc->crash_line_count] = strdup(line);
    rc->crash_line_count += rc->crash_lines[rc->crash_line_count] != NULL;
    double ms = ce->restart_after_s * 1000.0;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)fmod(ms, 1000.0) * 1000};
    if (event_base_once(rc->base, -1, EV_TIMEOUT, restart_cb, ca, &tv) != 0) {
        run_fail(rc, "cannot schedule the restart of %s", proc_name(p));
        event_base_loopbreak(rc->base);
    }
}

static int schedule_crashes(struct run_ctx *rc)
{
    for (int i = 0; i < rc->sc.crash_count; i++) {
        rc->crash_args[i] = (struct crash_arg){rc, i};
        rc->crash_ev[i] = evtimer_new(rc->base, crash_cb, &rc->crash_args[i]);
        if (rc->crash_ev[i] == NULL)
            return -1;
        double ms =
            simclock_wall_ms(&rc->clock, rc->sc.crashes[i].at_s * 1000.0) - (double)run_wall_ms(rc);
        ms = ms > 0 ? ms : 0;
        struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)fmod(ms, 1000.0) * 1000};
        if (evtimer_add(rc->crash_ev[i], &tv) != 0)
            return -1;
    }
    return 0;
}

/* --- stats and progress -------------------------------------------------------------------- */

static void progress(struct run_ctx *rc, int final)
{
    if (rc->opt.quiet)
        return;
    int64_t wall = run_wall_ms(rc);
    if (!rc->progress_tty && !final && wall - rc->last_plain_ms < RUN_PROGRESS_PLAIN_MS)
        return;
    rc->last_plain_ms = wall;
    struct loadgen_stats ls;
    loadgen_get_stats(rc->lg, &ls);
    const struct rec_stats *s = &rc->plat_stats;
    int64_t sim_s = (simclock_now_ms(&rc->clock) - rc->clock.epoch_ms) / 1000;
    double rate = sim_s > 0 ? (double)ls.placed / (double)sim_s : 0.0;
    int64_t inflight = s->placed - s->delivered - s->cancelled;
    char p99[32] = "-";
    if (s->ship_p99_ms >= 0)
        snprintf(p99, sizeof(p99), "%.0fs", (double)s->ship_p99_ms / 1000.0);
    char line[LOOP_PROGRESS_BYTES_MAX];
    snprintf(line, sizeof(line),
             "%s sim %02lld:%02lld:%02lld wall %.1fs | placed %lld shipped %lld delivered %lld "
             "inflight %lld | %.3g/s | p99 ship %s | faults %.0f | errors %lld | behind %.0fms",
             rc->phase == PHASE_LOAD ? "load " : "drain", (long long)(sim_s / 3600),
             (long long)(sim_s / 60 % 60), (long long)(sim_s % 60), (double)wall / 1000.0,
             (long long)ls.placed, (long long)s->shipped, (long long)s->delivered,
             (long long)(inflight > 0 ? inflight : 0), rate, p99,
             rc->plat_stats.faults + rc->carrier_stats.faults, (long long)ls.http_errors,
             ls.behind_max_ms);
    if (rc->progress_tty) {
        fprintf(stderr, "\r%s\033[K%s", line, final ? "\n" : "");
        rc->progress_drawn = !final;
    } else {
        fprintf(stderr, "%s\n", line);
    }
}

static void add_sample(struct run_ctx *rc)
{
    if (rc->sample_count >= RUN_SAMPLES_MAX)
        return;
    if (rc->samples == NULL) {
        rc->samples = calloc(RUN_SAMPLES_MAX, sizeof(*rc->samples));
        if (rc->samples == NULL)
            return;
    }
    struct series_sample *s = &rc->samples[rc->sample_count++];
    s->sim_ms = simclock_now_ms(&rc->clock);
    s->plat_requests = rc->plat_stats.requests;
    s->plat_errors = rc->plat_stats.errors;
    s->carrier_requests = rc->carrier_stats.requests;
    s->carrier_errors = rc->carrier_stats.errors;
}

static void stats_done(const struct http_response *resp, void *arg)
{
    struct stats_req *sr = arg;
    struct run_ctx *rc = sr->rc;
    rc->stats_inflight--;
    struct rec_stats st;
    if (resp->error == HTTPC_OK && resp->status == 200 &&
        records_parse_stats(resp->body, resp->body_len, &st) == 0) {
        if (sr->plat) {
            rc->plat_stats = st;
            rc->plat_stats_valid = 1;
            rc->plat_stats_at_ms = run_wall_ms(rc);
            add_sample(rc);
        } else {
            rc->carrier_stats = st;
        }
    }
    if (rc->stats_inflight == 0)
        progress(rc, 0);
}

static void stats_get(struct run_ctx *rc, struct proc *p, int plat)
{
    if (p == NULL || !proc_alive(p))
        return;
    char url[128], tok[RUN_TOKEN_BYTES + 32];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/__sim/stats", proc_port(p));
    snprintf(tok, sizeof(tok), "X-Sim-Token: %s", rc->token);
    struct http_request req = {.method = "GET", .url = url, .timeout_ms = 2000};
    req.headers[0] = tok;
    /* One request per mock at most (stats_cb never piles up): the args live in rc. */
    struct stats_req *sr = &rc->stats_args[plat ? 0 : 1];
    *sr = (struct stats_req){rc, plat};
    if (http_client_send(rc->stats_http, &req, stats_done, sr) != 0)
        return;
    rc->stats_inflight++;
}

static void stats_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct run_ctx *rc = arg;
    if (rc->stats_inflight > 0)
        return; /* the previous poll is still out: never pile up */
    stats_get(rc, rc->plat, 1);
    stats_get(rc, rc->carrier, 0);
}

/* --- phases -------------------------------------------------------------------------------- */

/* 1 when every paid, uncancelled order is shipped, by a stats answer taken during the drain. */
static int drained(const struct run_ctx *rc)
{
    if (!rc->plat_stats_valid || rc->plat_stats_at_ms < rc->drain_started_ms)
        return 0;
    const struct rec_stats *s = &rc->plat_stats;
    return s->shipped >= s->paid - s->cancelled;
}

static void control_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct run_ctx *rc = arg;
    if (run_interrupted || rc->failed) {
        event_base_loopbreak(rc->base);
        return;
    }
    int64_t wall = run_wall_ms(rc);
    /* The load lasts its whole sim duration, even when the last stretch schedules nothing. */
    if (rc->phase == PHASE_LOAD && loadgen_done(rc->lg) &&
        simclock_now_ms(&rc->clock) >= loadgen_end_ms(rc->lg)) {
        rc->phase = PHASE_DRAIN;
        rc->drain_started_ms = wall;
        rc->drain_deadline_ms =
            wall + (int64_t)simclock_wall_ms(&rc->clock, rc->sc.drain_s * 1000.0);
    }
    if (rc->phase == PHASE_DRAIN && (!drained(rc) || rc->restarts_pending > 0)) {
        rc->drained_since_ms = 0;
    } else if (rc->phase == PHASE_DRAIN && rc->drained_since_ms == 0) {
        rc->drained_since_ms = wall;
    }
    if (rc->phase == PHASE_DRAIN &&
        ((wall >= rc->drain_deadline_ms && rc->restarts_pending == 0) ||
         (rc->drained_since_ms > 0 && wall - rc->drained_since_ms >= rc->drain_quiet_ms))) {
        rc->phase = PHASE_DONE;
        rc->end_sim_ms = simclock_now_ms(&rc->clock);
        event_base_loopbreak(rc->base);
    }
}

/* Wall ms the drain must stay complete before it ends early: long enough that no call a fault
 * holds at a mock (a timeout, a slow answer) is still open when the truth is taken. */
static int64_t drain_quiet_ms(const struct scenario *sc)
{
    double quiet = RUN_DRAIN_QUIET_MS;
    for (int i = 0; i < sc->fault_count; i++) {
        const struct fault_rule *f = &sc->faults[i];
        if (f->kind == FAULT_TIMEOUT && quiet < RUN_DRAIN_QUIET_HANG_MS)
            quiet = RUN_DRAIN_QUIET_HANG_MS;
        double slow = (f->delay_ms_max > f->delay_ms ? f->delay_ms_max : f->delay_ms) + 1000.0;
        if (f->kind == FAULT_LATENCY && quiet < slow)
            quiet = slow;
    }
    return (int64_t)quiet;
}

static double cfg_duration(const struct run_ctx *rc)
{
    if (rc->opt.duration_s > 0 && rc->opt.duration_s < rc->sc.duration_s)
        return rc->opt.duration_s;
    return rc->sc.duration_s;
}

static int loop_setup(struct run_ctx *rc)
{
    char err[ERR_BYTES_MAX], url[64];
    rc->drain_quiet_ms = drain_quiet_ms(&rc->sc);
    rc->base = event_base_new();
    if (rc->base == NULL) {
        run_fail(rc, "cannot create the event loop");
        return -1;
    }
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", proc_port(rc->plat));
    struct loadgen_config cfg = {.sc = &rc->sc,
                                 .base = rc->base,
                                 .clock = &rc->clock,
                                 .start_ms = simclock_now_ms(&rc->clock),
                                 .plat_url = url,
                                 .token = rc->token,
                                 .duration_s = cfg_duration(rc)};
    rc->lg = loadgen_new(&cfg, err, sizeof(err));
    if (rc->lg == NULL) {
        run_fail(rc, "%s", err);
        return -1;
    }
    rc->stats_http = http_client_new(rc->base, 2);
    rc->control_ev = event_new(rc->base, -1, EV_PERSIST, control_cb, rc);
    rc->stats_ev = event_new(rc->base, -1, EV_PERSIST, stats_cb, rc);
    struct timeval control = {0, RUN_CONTROL_MS * 1000};
    struct timeval stats = {RUN_STATS_INTERVAL_MS / 1000, (RUN_STATS_INTERVAL_MS % 1000) * 1000};
    if (rc->stats_http == NULL || rc->control_ev == NULL || rc->stats_ev == NULL ||
        event_add(rc->control_ev, &control) != 0 || event_add(rc->stats_ev, &stats) != 0 ||
        schedule_crashes(rc) != 0 || loadgen_start(rc->lg) != 0) {
        run_fail(rc, "cannot set up the event loop");
        return -1;
    }
    return 0;
}

int loop_run(struct run_ctx *rc)
{
    rc->progress_tty = isatty(2);
    rc->phase = PHASE_LOAD;
    if (loop_setup(rc) != 0)
        return -1;
    if (!rc->opt.quiet)
        fprintf(stderr,
                "shipsim run: %s, seed %llu, %.0f sim s of load at scale %g, results in %s\n",
                rc->sc.name, (unsigned long long)rc->sc.seed, cfg_duration(rc), rc->clock.scale,
                rc->out);
    event_base_dispatch(rc->base);
    if (rc->end_sim_ms == 0)
        rc->end_sim_ms = simclock_now_ms(&rc->clock);
    loadgen_stop(rc->lg);
    progress(rc, 1);
    return rc->failed ? -1 : 0;
}

void loop_free(struct run_ctx *rc)
{
    for (int i = 0; i < SCENARIO_CRASHES_MAX; i++)
        if (rc->crash_ev[i] != NULL)
            event_free(rc->crash_ev[i]);
    if (rc->control_ev != NULL)
        event_free(rc->control_ev);
    if (rc->stats_ev != NULL)
        event_free(rc->stats_ev);
    http_client_free(rc->stats_http);
    loadgen_free(rc->lg);
    if (rc->base != NULL)
        event_base_free(rc->base);
    rc->base = NULL;
}
