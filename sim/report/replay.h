/* `shipsim replay DIR`: rerun DIR's scenario.json with its seed and check that the same faults hit
 * the same orders (DESIGN.md section 3).
 *
 * A fault decision is identified by (kind, order, attempt), with the endpoint, since attempts
 * count calls per (endpoint, key) as fault_decide draws them. Times (sim_ms) and the free-text
 * detail are never compared: they carry scheduling noise (a crash line's detail holds the killed
 * pid; its sim_ms depends on when the runner's timer fired). Lines with an empty order (crashes,
 * page-level faults) are identified by (kind, endpoint, rule, attempt) instead. The two logs are
 * compared as multisets of those keys.
 *
 * How often the core asks about an order depends on timing, so a run may end before the call that
 * the other run's log shows faulted. A decision only one log has is a mismatch when the other run
 * is known to have made that attempt (its log shows the same kind and subject at that attempt or
 * later, or the attempt is 0, which any run that asked at all made); otherwise it is "beyond
 * reach". --strict counts those too. */
#ifndef SHIPSIM_REPORT_REPLAY_H
#define SHIPSIM_REPORT_REPLAY_H

#include <stdio.h>
#include "report/rundata.h"

#define REPLAY_DIFFS_SHOWN_MAX 20
#define REPLAY_KEY_BYTES_MAX 256

struct replay_result {
    int old_count;
    int new_count;
    int matched;      /* decisions in both logs */
    int only_old;     /* in the original run only */
    int only_new;     /* in the replay only */
    int beyond_reach; /* of those: the other log's last attempt on the subject is lower */
    int mismatched;   /* of those: the other run reached that attempt, or never logged that
                       * kind on that subject at all */
};

/* The comparison key of one fault line into out ("lost_order|2208..|0"). */
void replay_key(const struct run_fault *f, char *out, int out_len);

/* Compare two fault logs; lists up to REPLAY_DIFFS_SHOWN_MAX differing keys to detail (may be
 * NULL). Returns 0, or -1 on allocation failure. */
int replay_compare(const struct run_fault *old_log, int old_count, const struct run_fault *new_log,
                   int new_count, struct replay_result *r, FILE *detail);

#endif
