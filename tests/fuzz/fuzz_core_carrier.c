/* Fuzz target: syncd's SF reply parser (carrier_parse: the envelope and the JSON string inside
 * apiResultData). Byte 0 picks the HTTP status, the rest is the body. The reply must be
 * understood or refused as malformed, with the waybill count within its array and every number
 * NUL-terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "core/carrier.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long statuses[] = {200, 400, 401, 403, 500, 502, 503, 0};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    long status = statuses[data[0] % ARRAY_LEN(statuses)];
    size_t len = size - 1;
    char *body = malloc(len + 1);
    assert(body != NULL);
    memcpy(body, data + 1, len);
    body[len] = '\0';
    struct carrier_reply reply;
    struct call_outcome o;
    memset(&reply, 0, sizeof(reply));
    memset(&o, 0, sizeof(o));
    int rc = carrier_parse(body, len, status, &reply, &o);
    assert(rc == 0 || rc == -1);
    assert(memchr(o.text, '\0', sizeof(o.text)) != NULL);
    if (rc == 0) {
        assert(reply.waybill_count >= 0);
        assert(reply.waybill_count <= CARRIER_WAYBILLS_MAX);
        for (int i = 0; i < reply.waybill_count; i++) {
            assert(memchr(reply.waybills[i], '\0', sizeof(reply.waybills[i])) != NULL);
        }
        assert(memchr(reply.error_code, '\0', sizeof(reply.error_code)) != NULL);
    }
    free(body);
    return 0;
}
