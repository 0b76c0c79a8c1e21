/* report.html: one self-contained page (inline CSS and SVG, no script, no network) in the order a
 * reader needs it: verdict and failed thresholds, KPIs against the seed article's targets,
 * invariants, plots, fault table (configured / injected / detected), first violations with their
 * timelines, latency by stage, every summary figure, and notes on what was missing. */
#ifndef SHIPSIM_REPORT_HTML_H
#define SHIPSIM_REPORT_HTML_H

#include "common/check.h"
#include "report/plot.h"
#include "report/rundata.h"

#define HTML_VIOLATIONS_SHOWN_MAX 20
#define HTML_SVG_BYTES_MAX (8 * 1024 * 1024)

/* Write path. Returns 0, or -1 with err filled. */
int html_write(const struct run_data *rd, const struct plot_set *plots, const char *path, char *err,
               int err_len) WARN_UNUSED_RESULT;

#endif
