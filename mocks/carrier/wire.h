/* What happens on the wire around a request's business logic: the request-level carrier faults
 * (carrier_auth, reset, error, latency, timeout, malformed) and the replies in each shape.
 *
 * A handler fills a wire_req (endpoint, carrier, key), calls wire_pre (which may answer or drop the
 * request itself: then the handler stops), does its work, and answers through wire_send_sf or
 * wire_send_k100. Every fault that acts is recorded through fault_record with what was done. */
#ifndef SHIPSIM_CARRIER_WIRE_H
#define SHIPSIM_CARRIER_WIRE_H

#include "carrier/app.h"

#define WIRE_TIMEOUT_HOLD_MS 30000 /* wall ms a "timeout" holds the request before closing */
#define WIRE_KEY_BYTES_MAX 72

struct evhttp_request;

struct wire_req {
    struct cm_app *app;
    struct evhttp_request *req;
    enum cm_endpoint ep;
    int sf_shape;                         /* 1: SF envelope; 0: Kuaidi100 JSON */
    char endpoint[ENDPOINT_BYTES_MAX];    /* fault endpoint name */
    char carrier[CARRIER_CODE_BYTES_MAX]; /* "" when unknown */
    char key[WIRE_KEY_BYTES_MAX];         /* order ref or waybill the draws key on */
    struct fault_ctx fc;
    const struct fault_rule *timeout_rule; /* decided in wire_pre, acted on in the send */
    double latency_ms;                     /* wall ms to hold the answer, 0 none */
};

/* Set up the request context and draw the attempt number. */
void wire_init(struct wire_req *w, struct cm_app *app, struct evhttp_request *req,
               enum cm_endpoint ep, int sf_shape, const char *endpoint, const char *carrier,
               const char *key);
/* The faults that act before the business logic. Returns 1 when the request is finished (answered
 * or dropped), 0 to go on. */
int wire_pre(struct wire_req *w);

/* SF envelope: {"apiResultCode","apiErrorMsg","apiResponseID","apiResultData":"<data>"}; data is
 * the JSON text of the business result (NULL: null). */
void wire_send_sf(struct wire_req *w, const char *code, const char *msg, const char *data);
/* A Kuaidi100 answer body (JSON text) with HTTP 200. */
void wire_send_k100(struct wire_req *w, const char *json);
/* Kuaidi100 error body {"result":false,"returnCode":code,"message":msg}. */
void wire_send_k100_error(struct wire_req *w, const char *code, const char *msg);

/* Free what is still held (at shutdown). */
void wire_free_pending(struct cm_app *app);
/* Sample a latency in wall ms for a rule (fixed, uniform or long-tailed) from draw u. */
double wire_latency_ms(const struct fault_rule *r, double u);

#endif
