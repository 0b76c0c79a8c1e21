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
/* The order's payment was confirmed: deduct its lines. Returns 0, or -1 when some line was not
 * on hand (the order must be held; evidence written; nothing deducted). */
int stock_on_paid(struct core *c, const struct order_row *o);
/* A paid order was cancelled before shipping: its units come back. */
void stock_on_cancel(struct core *c, const struct order_row *o);

#endif
