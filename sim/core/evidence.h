/* The evidence journal's fixed list of kinds (docs/INTERFACES.md section 5). Every anomaly syncd
 * sees is journaled under one of these names with sim time, order id, expected and seen; the
 * checker matches injected faults against them, so names are part of the contract. */
#ifndef SHIPSIM_CORE_EVIDENCE_H
#define SHIPSIM_CORE_EVIDENCE_H

#include <stdint.h>
#include "common/check.h"

#define EVIDENCE_KINDS(X)                                                                          \
    X(EVK_LOST_ORDER_FOUND, "lost_order_found")                                                    \
    X(EVK_DUPLICATE_ORDER, "duplicate_order")                                                      \
    X(EVK_DUPLICATE_PUSH, "duplicate_push")                                                        \
    X(EVK_STALE_READ, "stale_read")                                                                \
    X(EVK_SURPLUS_WAYBILL, "surplus_waybill")                                                      \
    X(EVK_FOREIGN_WAYBILL, "foreign_waybill")                                                      \
    X(EVK_INVALID_WAYBILL, "invalid_waybill")                                                      \
    X(EVK_MAINTENANCE, "maintenance")                                                              \
    X(EVK_RATE_LIMITED, "rate_limited")                                                            \
    X(EVK_MALFORMED_BODY, "malformed_body")                                                        \
    X(EVK_BAD_SIGNATURE, "bad_signature")                                                          \
    X(EVK_GARBLED_EVENT, "garbled_event")                                                          \
    X(EVK_STALL_1H, "stall_1h")                                                                    \
    X(EVK_STALL_2H, "stall_2h")                                                                    \
    X(EVK_STALL_4H, "stall_4h")                                                                    \
    X(EVK_STALL_24H, "stall_24h")                                                                  \
    X(EVK_CARRIER_AUTH, "carrier_auth")                                                            \
    X(EVK_STOCK_DRIFT, "stock_drift")                                                              \
    X(EVK_OVERSELL, "oversell")                                                                    \
    X(EVK_OUT_OF_STOCK, "out_of_stock")                                                            \
    X(EVK_BUYER_BURST_HOLD, "buyer_burst_hold")                                                    \
    X(EVK_TIMEOUT, "timeout")                                                                      \
    X(EVK_RESET, "reset")                                                                          \
    X(EVK_SERVER_ERROR, "server_error")                                                            \
    X(EVK_CARRIER_FALLBACK, "carrier_fallback")                                                    \
    X(EVK_PLATFORM_REJECT, "platform_reject")                                                      \
    X(EVK_LOW_STOCK, "low_stock")                                                                  \
    X(EVK_PUSH_MISSING, "push_missing")

enum evidence_kind {
#define EVIDENCE_ENUM(id, name) id,
    EVIDENCE_KINDS(EVIDENCE_ENUM)
#undef EVIDENCE_ENUM
        EVK_KIND_COUNT
};

/* The wire name of a kind ("lost_order_found"). */
const char *evidence_kind_name(enum evidence_kind kind);
/* The kind of a wire name, or -1 when unknown. */
int evidence_kind_parse(const char *name);

#endif
