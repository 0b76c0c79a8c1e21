/* Transport-level classification shared by the platform and carrier clients. */
#include "core/outcome.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/http_client.h"

void outcome_set(struct call_outcome *o, enum call_result res, int evidence, const char *fmt, ...)
{
    va_list ap;
    o->result = res;
    o->evidence = evidence;
    va_start(ap, fmt);
    vsnprintf(o->text, sizeof(o->text), fmt, ap);
    va_end(ap);
}

void outcome_from_http(const struct http_response *r, struct call_outcome *o)
{
    assert(r != NULL);
    if (r->error == HTTPC_ERR_TIMEOUT) {
        outcome_set(o, CALL_RETRY, EVK_TIMEOUT, "timeout");
    } else if (r->error == HTTPC_ERR_RESET || r->error == HTTPC_ERR_CONNECT) {
        outcome_set(o, CALL_RETRY, EVK_RESET, "%s", http_error_name(r->error));
    } else if (r->error == HTTPC_ERR_OTHER && r->error_text != NULL &&
               strcmp(r->error_text, "shutdown") == 0) {
        outcome_set(o, CALL_RETRY, -1, "cancelled by shutdown"); /* not an anomaly seen */
    } else if (r->error != HTTPC_OK) {
        outcome_set(o, CALL_RETRY, EVK_MALFORMED_BODY, "%s", http_error_name(r->error));
    } else if (r->status >= 500 && r->status != 503) {
        outcome_set(o, CALL_RETRY, EVK_SERVER_ERROR, "http %ld", r->status);
    } else {
        outcome_set(o, CALL_OK, -1, "http %ld", r->status); /* the body decides */
    }
}
