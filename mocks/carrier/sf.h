/* SF-shaped waybill API (API.md 3.1, INTERFACES.md section 6): POST /<CODE>/std/service, form
 * partnerID, requestID, serviceCode, timestamp, msgDigest, msgData; the envelope's apiResultData
 * is a JSON string holding {"success","errorCode","errorMsg","msgData"}. */
#ifndef SHIPSIM_CARRIER_SF_H
#define SHIPSIM_CARRIER_SF_H

#include "carrier/app.h"

struct evhttp_request;

#define SF_TRACKING_NUMBERS_MAX 10 /* per route query */
#define SF_WAYBILL_LIST_MAX 4      /* live numbers listed in one order answer */

/* Serve one request for carrier `code` (already known to be enabled). */
void sf_handle(struct cm_app *app, struct evhttp_request *req, const char *code);
/* The request timestamp in ms (10-digit seconds are accepted too); -1 when not a number. */
int64_t sf_timestamp_ms(const char *text);
/* 1 for an acceptable orderId: 1..64 chars of [A-Za-z0-9_.:-]. */
int sf_order_ref_ok(const char *ref);

#endif
