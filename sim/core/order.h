/* The order state machine of syncd. States only move forward (DESIGN.md section 5): a stale
 * platform answer can never take an order back. The platform's own status is mapped to a
 * platform rank, which is what stale-read detection compares. */
#ifndef SHIPSIM_CORE_ORDER_H
#define SHIPSIM_CORE_ORDER_H

#include "common/check.h"

enum order_state {
    OS_NEW = 0,    /* seen, not known to be paid */
    OS_PAID,       /* payment confirmed by a fresh detail read */
    OS_HOLD,       /* paid, held for review or out of stock (hold_reason says why) */
    OS_WAYBILLED,  /* a valid waybill is bound; shipping pending */
    OS_SHIPPED,    /* the platform accepted the shipment */
    OS_IN_TRANSIT, /* the carrier picked the parcel up */
    OS_DELIVERED,  /* signed by the buyer */
    OS_RETURNED,   /* returned to the sender */
    OS_CANCELLED,  /* cancelled before shipping */
    OS_COUNT
};

/* Platform-side progress, in the order it can only advance. */
enum plat_rank {
    PR_UNKNOWN = 0,
    PR_UNPAID,
    PR_PAID,
    PR_SHIPPED,    /* ship call accepted (PROCESSED / 21 / 30) */
    PR_PICKED_UP,  /* Shopee SHIPPED */
    PR_DELIVERED,  /* TO_CONFIRM_RECEIVE, COMPLETED, 100 */
    PR_CANCELLING, /* IN_CANCEL */
    PR_CANCELLED,  /* CANCELLED, 190/200/250 */
    PR_RETURNED    /* TO_RETURN */
};

const char *order_state_name(enum order_state s);
/* The state of a name ("paid"), -1 when unknown. */
int order_state_parse(const char *name);
/* 1 when an order may move from `from` to `to` (never backwards; cancelled and returned are
 * terminal; cancel only before shipping). Staying in the same state is not a transition. */
int order_transition_ok(enum order_state from, enum order_state to);
/* 1 for states no platform answer can change any more. */
int order_state_terminal(enum order_state s);

/* Shopee order_status string -> rank; PR_UNKNOWN for an unknown status. */
enum plat_rank order_rank_shopee(const char *status);
/* WeChat numeric status -> rank; PR_UNKNOWN for an unknown status. */
enum plat_rank order_rank_wechat(long status);
/* 1 when a platform answer of rank `seen` is older than what is known (rank `known`): a status
 * can only advance, except that a cancel request may be withdrawn back to paid. */
int order_rank_stale(enum plat_rank known, enum plat_rank seen);
/* The core state an order should reach when the platform is at rank r (OS_COUNT: none). */
enum order_state order_state_for_rank(enum plat_rank r);

#endif
