/* How a call to a platform or carrier ended, in the terms the retry logic needs. */
#ifndef SHIPSIM_CORE_OUTCOME_H
#define SHIPSIM_CORE_OUTCOME_H

#include "core/evidence.h"

#define OUTCOME_TEXT_BYTES_MAX 160

enum call_result {
    CALL_OK = 0,
    CALL_RETRY, /* transient: maintenance, rate limit, timeout, reset, 5xx, malformed */
    CALL_AUTH,  /* credentials refused: refresh the token / switch carrier */
    CALL_REJECT /* the business answer was no (code in text) */
};

struct call_outcome {
    enum call_result result;
    int evidence;                      /* enum evidence_kind, or -1 */
    char text[OUTCOME_TEXT_BYTES_MAX]; /* error code / message for logs and evidence */
};

struct http_response;
/* Classify a transport-level result: CALL_OK when an HTTP answer with a 2xx..4xx status came
 * (the body decides), otherwise CALL_RETRY with timeout / reset / server_error evidence. */
void outcome_from_http(const struct http_response *r, struct call_outcome *o);
void outcome_set(struct call_outcome *o, enum call_result res, int evidence, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
