/* The buyer mix (DESIGN.md sections 3 and 6): everything about order number seq, drawn from
 * (scenario seed, stream, seq) so the same seed gives the same orders whatever the timing.
 *
 * - shop: uniform over the shop instances;
 * - buyer: orders in a burst block (MIX_BURST_ORDERS consecutive seqs, chosen with probability
 *   burst_share per block) share one buyer "k<block>" (the guard rule: >3 orders in 10 sim-min);
 *   else with probability repeat_share a buyer of the small repeat pool "r<n>"
 *   (MIX_REPEAT_POOL_SHARE of the population, at least MIX_REPEAT_POOL_MIN); else "b<n>" uniform
 *   over the population;
 * - lines: 1..lines_max lines, SKUs by catalog weight (distinct per order), qty 1..MIX_QTY_MAX;
 * - unpaid (never paid) with unpaid_share; else paid after a delay uniform in pay_delay_s;
 * - cancelled with cancel_share of the paid ones, after a delay uniform in cancel_delay_s. */
#ifndef SHIPSIM_LOAD_MIX_H
#define SHIPSIM_LOAD_MIX_H

#include <stdint.h>
#include "common/limits.h"

#define MIX_BURST_ORDERS 5
#define MIX_REPEAT_POOL_SHARE 0.001
#define MIX_REPEAT_POOL_MIN 20
#define MIX_QTY_MAX 3
#define MIX_BUYER_BYTES_MAX 24

struct scenario;

struct mix_line {
    int sku; /* catalog index */
    int qty;
};

struct mix_order {
    int64_t seq;
    int shop; /* shop instance index */
    char buyer[MIX_BUYER_BYTES_MAX];
    int burst; /* 1 when part of a burst block */
    int line_count;
    struct mix_line lines[SCENARIO_LINES_PER_ORDER_MAX];
    int unpaid;             /* never paid */
    int cancel;             /* paid, then cancelled by the buyer */
    double pay_delay_ms;    /* sim ms from placing to paying */
    double cancel_delay_ms; /* sim ms from paying to cancelling */
};

/* Draw order seq of the scenario's mix. The scenario must have shops and a catalog. */
void mix_draw(const struct scenario *sc, int64_t seq, struct mix_order *out);

#endif
