/* The report step (DESIGN.md section 8): reads a finished run folder's data files (summary.json,
 * timeseries.csv, latency-*.hgrm, faults.jsonl, evidence.jsonl, violations.jsonl, scenario.json)
 * and writes junit.xml, the gnuplot plots (PNG + SVG) and report.html into the same folder. */
#ifndef SHIPSIM_REPORT_H
#define SHIPSIM_REPORT_H

#include "common/check.h"

/* Write every report file for run_dir. Plots are skipped with a note in *plots_note (when gnuplot
 * is missing), never failing the report. Returns 0, or -1 with err filled. */
int report_write(const char *run_dir, char *plots_note, int note_len, char *err,
                 int err_len) WARN_UNUSED_RESULT;

/* `shipsim compare A B` and `shipsim replay DIR`: argv after the verb; exit codes as documented
 * in their --help (compare: 0 no regression, 1 regression, 2 usage; replay: 0 all matched,
 * 1 mismatch, 2 usage). */
int report_cmd_compare(int argc, char **argv);
int report_cmd_replay(int argc, char **argv);
/* `shipsim report DIR`: rewrite the report files of a finished run folder (after editing a plot
 * script, or for a folder copied from CI). 0 done, 1 report failed, 2 usage. */
int report_cmd_report(int argc, char **argv);

/* The --help texts of the three verbs, for the verb table in sim/run/main.c. */
extern const char report_compare_help[];
extern const char report_replay_help[];
extern const char report_report_help[];

#endif
