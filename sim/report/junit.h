/* junit.xml: one <testcase> per threshold (classname <suite>.thresholds) and per invariant
 * (<suite>.invariants), as Jenkins, GitLab and GitHub JUnit readers expect. A failure's message
 * names the figure, its value and the condition; its text lists the first violating orders and
 * the first one's timeline. An unavailable figure is <skipped> with the reason. */
#ifndef SHIPSIM_REPORT_JUNIT_H
#define SHIPSIM_REPORT_JUNIT_H

#include "common/check.h"
#include "report/rundata.h"

#define JUNIT_ORDERS_LISTED_MAX 10

/* Write path from rd. Returns 0, or -1 with err filled. */
int junit_write(const struct run_data *rd, const char *path, char *err,
                int err_len) WARN_UNUSED_RESULT;

#endif
