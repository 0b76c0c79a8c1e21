/* Carrier client in SF's shape (API.md 3.1, INTERFACES.md 6): one form endpoint per carrier at
 * <base_url>/std/service, msgDigest = base64(md5(urlencode_plus(msgData + timestamp +
 * checkword))), a reply envelope whose apiResultData is JSON inside a string. */
#ifndef SHIPSIM_CORE_CARRIER_H
#define SHIPSIM_CORE_CARRIER_H

#include <stddef.h>
#include "core/core.h"
#include "core/outcome.h"

#define CARRIER_WAYBILLS_MAX 4
#define CARRIER_ERROR_BYTES_MAX 64
#define CARRIER_REF_BYTES_MAX 65 /* SF orderId: up to 64 characters */

struct carrier_reply {
    int success;                                            /* apiResultData.success */
    char error_code[CARRIER_ERROR_BYTES_MAX];               /* apiResultData.errorCode */
    char waybills[CARRIER_WAYBILLS_MAX][WAYBILL_BYTES_MAX]; /* main waybills (type 1) */
    int waybill_count;
    int waybills_truncated;                /* more than fit or over-long numbers */
    char order_ref[CARRIER_REF_BYTES_MAX]; /* msgData.orderId ("" when absent or too long) */
};

typedef void (*carrier_cb)(struct core *c, const struct carrier_reply *reply,
                           const struct call_outcome *o, void *arg);

/* Call service (e.g. "EXP_RECE_CREATE_ORDER") at the carrier with code with msg_data (JSON
 * text). The callback runs exactly once (on a later loop turn on failure to send). */
void carrier_call(struct core *c, const char *code, const char *service, const char *msg_data,
                  carrier_cb cb, void *arg);
/* Parse a reply (pure; tests use it). Fills o: CALL_OK when the gateway said A1000 (then
 * reply->success says what the business answer was), CALL_AUTH for credential refusals,
 * CALL_RETRY for the rest. Returns 0, or -1 when the body was malformed. */
int carrier_parse(const char *body, size_t len, long status, struct carrier_reply *reply,
                  struct call_outcome *o);
/* The SF form body for a call (pure). Returns a malloc'd string or NULL. */
char *carrier_form(const char *partner_id, const char *checkword, const char *service,
                   const char *request_id, long long timestamp_ms, const char *msg_data);

#endif
