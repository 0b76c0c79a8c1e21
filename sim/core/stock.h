/* Stock in the core (issue 6): per SKU on hand, deducted when an order's payment is confirmed and
 * given back when a paid order is cancelled before shipping; safety stock = daily mean sales x
 * 1.5; alerts when on hand crosses 30, 20 and 10 units; a SKU at or below its safety stock is
 * frozen (flagged for the shops' listings); an order whose units are not on hand is held as
 * out_of_stock ("awaiting shipment") with an alert, never shipped automatically. */
#ifndef SHIPSIM_CORE_STOCK_H
#define SHIPSIM_CORE_STOCK_H

#include <stdint.h>
#include "core/core.h"

#define STOCK_SAFETY_FACTOR 1.5
#define STOCK_HOLD_OUT_OF_STOCK "out_of_stock"

/* Create the rows of catalog SKUs not yet in the store. */
void stock_init(struct core *c);
/* Safety stock for a daily mean (pure): ceil(mean * 1.5). */
int64_t stock_safety(double daily_mean_sales);
/* The order's payment was confirmed (or the platform is past it): deduct its lines, once per
 * order. On hand is initial - units of paid, uncancelled orders, so the units are deducted even
 * when they are not there (on hand below zero: oversold). Returns 0, or -1 when some line was
 * not on hand (the order must be held; out_of_stock and oversell evidence written). */
int stock_on_paid(struct core *c, const struct order_row *o);
/* The order was cancelled before shipping: deducted units come back, reserved ones are freed. */
void stock_on_cancel(struct core *c, const struct order_row *o);
/* The order's lines became known: its units count in its shop's listing reserve (once).
 * create_s: its platform create time (0 unknown). */
void stock_on_lines(struct core *c, const struct order_row *o, int64_t create_s);
/* The listing shop `index` of `shops` gets of avail units: an even split, so the shops together
 * never offer more than there is (0 when avail <= 0). Pure. */
int64_t stock_share(int64_t avail, int shops, int index);
/* The listing the core expects now: what it set, less the units of orders placed on that shop
 * since (reserved grew), plus cancelled ones. Pure. */
int64_t stock_expected_listing(const struct listing_row *lr);

#endif
