/* A finished run folder read back into plain structs, for the report, compare and replay.
 *
 * Every input is optional except summary.json: a missing or unreadable file leaves its part empty
 * and adds a line to notes (shown in the report), so a half-written folder still gets a report.
 * cJSON is used only inside rundata.c; callers see fixed-size structs bounded by the RUN_*_MAX
 * limits below (extra entries are dropped and counted in *_dropped). */
#ifndef SHIPSIM_REPORT_RUNDATA_H
#define SHIPSIM_REPORT_RUNDATA_H

#include <stdint.h>
#include "common/check.h"
#include "common/limits.h"
#include "report/hgrm.h"
#include "report/timeseries.h"

#define RUN_FIGURES_MAX 512          /* numeric summary figures, nested ones flattened */
#define RUN_FIGURE_NAME_BYTES_MAX 96 /* "faults_injected.lost_order" */
#define RUN_REASON_BYTES_MAX 256
#define RUN_THRESHOLDS_MAX 128
#define RUN_WINDOWS_MAX 512         /* fault rule windows + crash instants from scenario.json */
#define RUN_VIOLATIONS_KEPT_MAX 200 /* violations kept with their timelines */
#define RUN_TIMELINE_ITEMS_MAX 64   /* timeline entries kept per violation */
#define RUN_TIMELINE_ITEM_BYTES_MAX 512
#define RUN_STAGES_MAX 16 /* latency-<stage>.hgrm files */
#define RUN_NOTES_BYTES_MAX 4096
#define RUN_JSONL_LINE_BYTES_MAX (64 * 1024)
#define RUN_FILE_BYTES_MAX (64 * 1024 * 1024) /* summary.json / scenario.json read limit */

struct run_figure {
    char name[RUN_FIGURE_NAME_BYTES_MAX];
    int present; /* 1: value holds a number; 0: null in summary.json */
    double value;
    char reason[RUN_REASON_BYTES_MAX]; /* from "unavailable" when null ("" when none given) */
};

struct run_threshold {
    char figure[RUN_FIGURE_NAME_BYTES_MAX];
    char condition[80];
    int has_value; /* 0 when the figure was null */
    double value;
    int pass;
};

/* A fault rule's window or a crash instant (from_s == to_s) from scenario.json, sim seconds. */
struct run_window {
    char kind[48];
    double from_s;
    double to_s;
    double probability;              /* 1 for crashes */
    char target[ENDPOINT_BYTES_MAX]; /* rule target, or the crashed process */
};

struct run_violation {
    char invariant[RUN_FIGURE_NAME_BYTES_MAX];
    char order_id[ORDER_ID_BYTES_MAX * 2];
    int item_count;  /* timeline entries kept */
    int items_total; /* timeline entries in the file */
    char items[RUN_TIMELINE_ITEMS_MAX][RUN_TIMELINE_ITEM_BYTES_MAX]; /* compact JSON each */
};

struct run_stage {
    char name[32]; /* "ship" from latency-ship.hgrm */
    struct hgrm *hist;
};

struct run_data {
    char dir[1024];
    /* summary.json */
    int have_summary;
    char scenario_name[SCENARIO_NAME_BYTES_MAX];
    char git_revision[64];
    char verdict[16]; /* "pass" | "fail" | "" */
    int have_seed;
    uint64_t seed;
    struct run_figure figures[RUN_FIGURES_MAX];
    int figure_count;
    int figures_dropped;
    struct run_threshold thresholds[RUN_THRESHOLDS_MAX];
    int threshold_count;
    /* scenario.json */
    int have_scenario;
    struct run_window windows[RUN_WINDOWS_MAX];
    int window_count;
    /* violations.jsonl: kept ones, and the total per file */
    struct run_violation *violations; /* RUN_VIOLATIONS_KEPT_MAX entries allocated */
    int violation_count;
    int violations_total;
    /* timeseries.csv and latency-*.hgrm */
    struct ts *ts; /* NULL when missing */
    struct run_stage stages[RUN_STAGES_MAX];
    int stage_count;
    /* faults.jsonl / evidence.jsonl line counts (-1 when the file is missing) */
    long fault_lines;
    long evidence_lines;
    char notes[RUN_NOTES_BYTES_MAX]; /* "\n"-separated: what was missing or unreadable */
};

/* Read the folder. Returns NULL with err filled when summary.json is missing or not valid JSON
 * (nothing can be reported without it) or on allocation failure. Free with run_data_free. */
struct run_data *run_data_load(const char *dir, char *err, int err_len);
void run_data_free(struct run_data *rd);

/* Read only summary.json (for compare). Same contract as run_data_load. */
struct run_data *run_data_load_summary(const char *dir, char *err, int err_len);

/* A figure by name, or NULL when summary.json has no such key. */
const struct run_figure *run_figure_find(const struct run_data *rd, const char *name);
/* Add a note line (printf-style) to rd->notes, truncated when full. */
void run_note(struct run_data *rd, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* The run's seed: summary.json's "seed", else scenario.json's. Returns 0, or -1 with err. */
int run_seed_read(const char *dir, uint64_t *seed, char *err, int err_len);

/* One fault log line reduced to what replay compares. */
struct run_fault {
    char kind[48];
    char order[ORDER_ID_BYTES_MAX * 2];
    int attempt;
    int rule;
    char endpoint[ENDPOINT_BYTES_MAX];
    int64_t sim_ms;
};

/* Read a faults.jsonl file. *out is malloc'd (caller frees), *count its length. Blank lines are
 * skipped; a line that is not a JSON object with a string "kind" is an error naming the line.
 * Returns 0, or -1 with err filled. */
int run_faults_read(const char *path, struct run_fault **out, int *count, char *err, int err_len);

#endif
