/* The fault engine shared by both mocks (DESIGN.md section 4).
 *
 * Rules come from the scenario (and may be replaced at run time). A decision is a pure function of
 * (seed, rule index, key, attempt) through draw(), so the same seed hits the same orders in every
 * run whatever the scheduling. Every fault that actually happens is recorded: counted by kind and
 * appended as one JSON line to the fault log:
 *   {"sim_ms":..,"kind":"lost_order","side":"platform","rule":0,"endpoint":"order/get_order_list",
 *    "shop":"sp1-1","carrier":"","order":"220810QSK8S7BX","attempt":0,"detail":"..."}
 * Only record what was really done on the wire: a rule that fires but cannot act (nothing to
 * drop) is not recorded. */
#ifndef SHIPSIM_FAULT_H
#define SHIPSIM_FAULT_H

#include <stdint.h>
#include "common/check.h"
#include "common/simclock.h"
#include "scenario/scenario.h"

struct fault_engine;

/* An engine for one side (platform or carrier) with the scenario's rules of that side. log_path
 * may be NULL (no file; records are still counted and kept for fault_engine_dump). Run start is
 * the clock's epoch: rule windows count from there. NULL on failure. */
struct fault_engine *fault_engine_new(const struct scenario *sc, enum fault_side side,
                                      const struct simclock *clock, const char *log_path);
void fault_engine_free(struct fault_engine *fe);

/* Replace the rules at run time (those of other sides are ignored). Returns 0 or -1. */
int fault_engine_set_rules(struct fault_engine *fe, const struct fault_rule *rules, int count);

/* The context of one decision. endpoint is the canonical endpoint name ("order/get_order_list",
 * "push", "EXP_RECE_CREATE_ORDER", "poll/query.do"); key is the order id, waybill or request key
 * the draw is made on; attempt counts from 0 for each (endpoint, key) as the caller sees it. */
struct fault_ctx {
    const char *endpoint;
    const char *shop;    /* may be NULL */
    const char *carrier; /* may be NULL */
    const char *key;
    int attempt;
};

/* The first active rule of this kind that matches the context and whose draw fires, or NULL.
 * Active: now within the window, target/shop/carrier match, attempt < attempts (when set). */
const struct fault_rule *fault_decide(struct fault_engine *fe, enum fault_kind kind,
                                      const struct fault_ctx *ctx);
/* A further uniform draw in [0,1) tied to the rule and context (latency size, mode choice). */
double fault_param_draw(struct fault_engine *fe, const struct fault_rule *rule,
                        const struct fault_ctx *ctx, const char *what);
/* Record a fault that happened: count it and log it. */
void fault_record(struct fault_engine *fe, const struct fault_rule *rule,
                  const struct fault_ctx *ctx, const char *detail_fmt, ...) PRINTF_LIKE(4, 5);

/* Per-key attempt counter: returns the attempt number of this call (0, 1, ...) for the
 * (endpoint, key) pair and bumps it. */
int fault_next_attempt(struct fault_engine *fe, const char *endpoint, const char *key);

uint64_t fault_count(const struct fault_engine *fe, enum fault_kind kind);
/* The fault log as JSON lines (malloc'd, caller frees). */
char *fault_engine_dump(const struct fault_engine *fe);

/* Additions (mockplat). The rules this engine holds (those of its side), in order. */
int fault_engine_rule_count(const struct fault_engine *fe);
const struct fault_rule *fault_engine_rule(const struct fault_engine *fe, int i);
/* 1 when some rule of this kind is loaded: a cheap test before building a context. */
int fault_engine_has_kind(const struct fault_engine *fe, enum fault_kind kind);
/* 1 when a rule target ("*", "platform:order/...", "push:...") covers endpoint on that side. */
int fault_target_match(const char *target, enum fault_side side, const char *endpoint);
/* 1 when rule r applies to ctx now (target, shop, carrier, attempts, window), before the draw. */
int fault_rule_active(struct fault_engine *fe, const struct fault_rule *r,
                      const struct fault_ctx *ctx);
/* Forget every attempt counter (a mock's reset). */
void fault_reset_attempts(struct fault_engine *fe);
/* Faults recorded over all kinds. */
uint64_t fault_count_total(const struct fault_engine *fe);

#endif
