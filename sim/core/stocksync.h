/* Two-way stock sync with the shops (issue 6): at start and every stock_sync_interval_s, for
 * every shop and catalog SKU, read the listed stock and compare it with what the core last set
 * (less the units of orders placed on that shop since, plus cancelled ones): stock_drift evidence
 * when they differ on two reads in a row and every order seen since has been read. Then set the
 * shop's share of what is left to sell (initial stock - units of every known uncancelled order,
 * split evenly over the shops, so the shops together never offer a unit twice). The core's on
 * hand stays the truth it keeps. */
#ifndef SHIPSIM_CORE_STOCKSYNC_H
#define SHIPSIM_CORE_STOCKSYNC_H

#include "core/core.h"

#define STOCKSYNC_RETRY_MAX 5         /* failed calls per (shop, SKU) before the round moves on */
#define STOCKSYNC_BUDGET_WAIT_MS 20   /* wall wait when the shop's request budget is empty */
#define STOCKSYNC_CANDIDATES_MAX 8    /* orders a drift is also journaled on (more: too vague) */
#define STOCKSYNC_CONFIRM_WAIT_MS 200 /* wall wait before a differing listing is read again */
#define STOCKSYNC_BUDGET_TRIES_MAX 3  /* waits before a call borrows from the budget */

struct stocksync;

struct stocksync *stocksync_new(struct core *c);
void stocksync_free(struct stocksync *s);
/* Arm the timer; the first round starts at once. 0 or -1. */
int stocksync_start(struct stocksync *s);
/* Start a round now unless one runs (tests, admin). */
void stocksync_round(struct stocksync *s);
/* Rounds completed (tests and metrics). */
long stocksync_rounds(const struct stocksync *s);

#endif
