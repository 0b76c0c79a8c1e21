/* What the report judges and how: the invariant table (DESIGN.md section 7), the KPI targets of
 * seed article 000, and which evidence kinds count as the core detecting each fault kind. */
#ifndef SHIPSIM_REPORT_JUDGE_H
#define SHIPSIM_REPORT_JUDGE_H

#include "report/rundata.h"

struct judge_invariant {
    const char *figure;     /* summary.json key */
    const char *rule;       /* the invariant in words */
    const char *default_op; /* "==" */
    double default_value;   /* used when the scenario sets no threshold on the figure */
};

struct judge_kpi {
    const char *figure;
    const char *label;
    const char *unit; /* "ms", "share" */
    int higher_is_better;
    double target; /* inclusive bound */
};

extern const struct judge_invariant judge_invariants[];
extern const int judge_invariant_count;
extern const struct judge_kpi judge_kpis[];
extern const int judge_kpi_count;

enum judge_outcome { JUDGE_FAIL = 0, JUDGE_PASS = 1, JUDGE_UNAVAILABLE = 2 };

/* An invariant's outcome: judged by the scenario's threshold on its figure when there is one
 * (*th set to it), else by the default rule (*th NULL). A null or absent figure is UNAVAILABLE. */
enum judge_outcome judge_invariant(const struct run_data *rd, const struct judge_invariant *inv,
                                   const struct run_threshold **th);
/* A KPI's outcome against its target. */
enum judge_outcome judge_kpi(const struct run_data *rd, const struct judge_kpi *kpi);

/* 1 when a violations.jsonl invariant name belongs to this figure: equal, equal once a trailing
 * plural "s" is dropped ("lost_order" matches "lost_orders"), or the checker's singular names
 * ("surplus_waybill_live", "waybill_mismatch", "fault_undetected"). */
int judge_violation_matches(const char *invariant, const char *figure);

/* The evidence kinds that show the core saw a fault of this kind (the checker's map,
 * check_evidence_kinds_for); NULL-terminated, never NULL (empty when the core cannot see it). */
const char *const *judge_evidence_for(const char *fault_kind);

/* The fault kinds shipsim knows, in scenario.h order; NULL-terminated. */
extern const char *const judge_fault_kinds[];

#endif
