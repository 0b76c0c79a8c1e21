/* Internal to sim/run: the state of one run, shared by run.c (command and flow), sut.c (the
 * processes), loop.c (the event loop: load, crashes, progress, drain) and collect.c (truth,
 * check, results). Not for other folders. */
#ifndef SHIPSIM_RUN_RUNCTX_H
#define SHIPSIM_RUN_RUNCTX_H

#include <signal.h>
#include <stdint.h>

#include "check/records.h"
#include "check/series.h"
#include "common/limits.h"
#include "common/simclock.h"
#include "scenario/scenario.h"

#define RUN_PATH_BYTES_MAX 4096
#define RUN_TOKEN_BYTES 32 /* hex chars of the control token */
#define RUN_CRASH_LINES_MAX SCENARIO_CRASHES_MAX
#define RUN_SAMPLES_MAX 100000         /* stats samples kept for timeseries.csv */
#define RUN_STATS_INTERVAL_MS 1000     /* wall ms between /__sim/stats polls */
#define RUN_PROGRESS_PLAIN_MS 5000     /* wall ms between plain progress lines */
#define RUN_CONTROL_MS 50              /* wall ms between signal and phase checks */
#define RUN_COLLECT_TIMEOUT_MS 60000   /* one truth/state download */
#define RUN_LOAD_ANSWER_GRACE_MS 15000 /* after the load: wait for its last answers */
#define RUN_DRAIN_QUIET_MS 1000        /* a drain ends early after this long drained */
#define RUN_DRAIN_QUIET_HANG_MS                                                                    \
    6000 /* ... with a timeout fault: more than a SUT's call timeout                               \
          * (syncd: 5 s), so a call the mock left hanging has failed                               \
          * and been followed up (its create cancelled) */

enum run_phase { PHASE_LOAD = 0, PHASE_DRAIN, PHASE_DONE };

struct proc;
struct loadgen;
struct http_client;
struct event_base;
struct event;

struct run_opts {
    const char *scenario_path;
    const char *out_dir; /* NULL: results/<name>-<stamp> */
    int seed_set;
    uint64_t seed;
    double time_scale; /* 0: the scenario's */
    double duration_s; /* 0: the scenario's */
    int quiet;
    int sut_external;
    const char *sut_push_url;
};

struct run_ctx;
struct stats_req {
    struct run_ctx *rc;
    int plat;
};

struct crash_arg {
    struct run_ctx *rc;
    int index;
};

struct run_ctx {
    struct run_opts opt;
    struct scenario sc;
    char out[RUN_PATH_BYTES_MAX];  /* results folder */
    char priv[RUN_PATH_BYTES_MAX]; /* private 0700 temp folder: syncd config and db */
    char bin_dir[RUN_PATH_BYTES_MAX];
    char token[RUN_TOKEN_BYTES + 1];
    struct simclock clock;
    int64_t wall_start_ns;
    struct proc *plat, *carrier, *syncd;
    int syncd_port;
    struct event_base *base;
    struct loadgen *lg;
    struct http_client *stats_http;
    struct event *control_ev, *stats_ev;
    struct event *crash_ev[SCENARIO_CRASHES_MAX];
    struct crash_arg crash_args[SCENARIO_CRASHES_MAX];
    enum run_phase phase;
    int64_t load_end_wall_ms;  /* monotonic wall ms when the load was sent */
    int64_t drain_deadline_ms; /* monotonic wall ms */
    int64_t drained_since_ms;  /* monotonic wall ms the drain was first seen complete, 0 not */
    int64_t drain_quiet_ms;    /* how long drained must last to end the drain early */
    int restarts_pending;      /* processes killed by a crash and not restarted yet */
    int64_t end_sim_ms;        /* sim time the loop ended */
    char *crash_lines[RUN_CRASH_LINES_MAX];
    int crash_line_count;
    struct series_sample *samples;
    int sample_count;
    struct rec_stats plat_stats, carrier_stats;
    int plat_stats_valid;
    int64_t drain_started_ms; /* wall ms; stats answers older than it do not count */
    int64_t plat_stats_at_ms; /* wall ms of the last mockplat stats answer */
    int stats_inflight;
    struct stats_req stats_args[2];
    int64_t last_plain_ms;
    int progress_tty;
    int progress_drawn;
    int failed; /* the run itself failed (not a threshold) */
    char fail_msg[2048];
};

extern volatile sig_atomic_t run_interrupted;

/* sut.c */
int sut_start(struct run_ctx *rc);
int sut_register_callbacks(struct run_ctx *rc);
void sut_cleanup_private(struct run_ctx *rc);

/* loop.c */
int loop_run(struct run_ctx *rc);
/* Free the loop's events, the generator and the base (after the results are written). */
void loop_free(struct run_ctx *rc);

/* collect.c: collect, stop, check, write. Returns the exit code (0 pass, 1 fail). */
int collect_and_check(struct run_ctx *rc);

/* Wall ms since the run started (monotonic). */
int64_t run_wall_ms(const struct run_ctx *rc);
void run_fail(struct run_ctx *rc, const char *fmt, ...) PRINTF_LIKE(2, 3);

#endif
