/* Order states and platform status mapping (API.md 1.4 and 2.3). */
#include "core/order.h"

#include <string.h>

static const char *const state_names[OS_COUNT] = {
    "new",        "paid",      "hold",     "waybilled", "shipped",
    "in_transit", "delivered", "returned", "cancelled",
};

const char *order_state_name(enum order_state s)
{
    assert((int)s >= 0);
    assert(s < OS_COUNT);
    return state_names[s];
}

int order_state_parse(const char *name)
{
    assert(name != NULL);
    for (int s = 0; s < OS_COUNT; s++) {
        if (strcmp(state_names[s], name) == 0) {
            return s;
        }
    }
    return -1;
}

int order_state_terminal(enum order_state s)
{
    assert(s < OS_COUNT);
    return s == OS_DELIVERED || s == OS_RETURNED || s == OS_CANCELLED;
}

int order_transition_ok(enum order_state from, enum order_state to)
{
    assert(from < OS_COUNT);
    assert(to < OS_COUNT);
    if (from == to || order_state_terminal(from)) {
        return 0;
    }
    if (to == OS_CANCELLED) {
        return from < OS_SHIPPED;
    }
    if (to == OS_RETURNED) {
        return from >= OS_SHIPPED;
    }
    /* The forward chain new < paid < hold < waybilled < shipped < in_transit < delivered. A held
     * order is released straight to waybilled; a paid one may skip hold. */
    return to > from;
}

struct rank_name {
    const char *status;
    enum plat_rank rank;
};

static const struct rank_name shopee_ranks[] = {
    {"UNPAID", PR_UNPAID},          {"PENDING", PR_UNPAID},
    {"INVOICE_PENDING", PR_UNPAID}, {"READY_TO_SHIP", PR_PAID},
    {"RETRY_SHIP", PR_PAID},        {"PROCESSED", PR_SHIPPED},
    {"SHIPPED", PR_PICKED_UP},      {"TO_CONFIRM_RECEIVE", PR_DELIVERED},
    {"COMPLETED", PR_DELIVERED},    {"IN_CANCEL", PR_CANCELLING},
    {"CANCELLED", PR_CANCELLED},    {"TO_RETURN", PR_RETURNED},
};

enum plat_rank order_rank_shopee(const char *status)
{
    assert(status != NULL);
    for (unsigned i = 0; i < ARRAY_LEN(shopee_ranks); i++) {
        if (strcmp(shopee_ranks[i].status, status) == 0) {
            return shopee_ranks[i].rank;
        }
    }
    return PR_UNKNOWN;
}

enum plat_rank order_rank_wechat(long status)
{
    switch (status) {
    case 10: return PR_UNPAID;
    case 20: return PR_PAID;
    case 21: /* partly shipped: our shipment was accepted */
    case 30: return PR_SHIPPED;
    case 100: return PR_DELIVERED;
    case 190:
    case 200:
    case 250: return PR_CANCELLED;
    default: return PR_UNKNOWN;
    }
}

int order_rank_stale(enum plat_rank known, enum plat_rank seen)
{
    if (seen == PR_UNKNOWN || known == PR_UNKNOWN) {
        return 0;
    }
    if (known == PR_CANCELLING && seen == PR_PAID) {
        return 0; /* the buyer withdrew the cancel request */
    }
    return seen < known;
}

enum order_state order_state_for_rank(enum plat_rank r)
{
    switch (r) {
    case PR_UNPAID: return OS_NEW;
    case PR_PAID: return OS_PAID;
    case PR_SHIPPED: return OS_SHIPPED;
    case PR_PICKED_UP: return OS_IN_TRANSIT;
    case PR_DELIVERED: return OS_DELIVERED;
    case PR_CANCELLED: return OS_CANCELLED;
    case PR_RETURNED: return OS_RETURNED;
    case PR_CANCELLING: /* not cancelled yet, but never ship it: handled by the caller */
    case PR_UNKNOWN:
    default: return OS_COUNT;
    }
}
