/* Fuzz target: the pure parts of syncd's push handlers (sim/core/push.c, sig.c): the Shopee
 * Authorization check, the WeChat order id scan over raw JSON, the WXBizMsgCrypt decrypt, and the
 * form decoding every push and carrier form goes through. Byte 0 picks the function; string
 * arguments are the rest of the input split at '\n'. A signature made with the right key over the
 * input must verify, and one over a changed body must not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "core/push.h"
#include "core/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PARTS_MAX 4

/* Split text (modified) at '\n' into at most PARTS_MAX strings; missing ones are "". */
static void split(char *text, char **parts)
{
    int n = 0;
    parts[n++] = text;
    for (char *p = text; *p != '\0' && n < PARTS_MAX; p++) {
        if (*p == '\n') {
            *p = '\0';
            parts[n++] = p + 1;
        }
    }
    static char empty[] = "";
    while (n < PARTS_MAX) {
        parts[n++] = empty;
    }
}

static void shopee_sig(char **parts)
{
    const char *key = parts[0], *url = parts[1], *body = parts[2];
    size_t len = strlen(body);
    (void)push_shopee_sig_ok(key, url, body, len, parts[3]);
    /* The real signature over url|body must pass; over a changed body it must fail. */
    size_t msg_len = strlen(url) + 1 + len;
    char *msg = malloc(msg_len + 1);
    assert(msg != NULL);
    memcpy(msg, url, strlen(url));
    msg[strlen(url)] = '|';
    memcpy(msg + strlen(url) + 1, body, len + 1);
    char auth[80];
    if (sig_hmac_sha256_hex(key, msg, msg_len, auth, sizeof(auth)) == 0) {
        assert(push_shopee_sig_ok(key, url, body, len, auth) == 1);
        if (len > 0) {
            char *changed = malloc(len + 1);
            assert(changed != NULL);
            memcpy(changed, body, len + 1);
            changed[0] = (char)(changed[0] ^ 1);
            assert(push_shopee_sig_ok(key, url, changed, len, auth) == 0);
            free(changed);
        }
    }
    free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    char *text = malloc(size);
    assert(text != NULL);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    char *parts[PARTS_MAX];
    char out[4096];
    switch (data[0] % 5) {
    case 0:
        split(text, parts);
        shopee_sig(parts);
        break;
    case 1:
        if (push_wechat_order_id(text, out, 64) == 0) {
            assert(strlen(out) < 64);
        }
        break;
    case 2:
        split(text, parts);
        if (push_wechat_decrypt(parts[0], parts[1], out, (int)sizeof(out)) == 0) {
            assert(strlen(out) < sizeof(out));
        }
        break;
    case 3: {
        size_t before = strlen(text);
        if (sig_urldecode(text) == 0) {
            assert(strlen(text) <= before);
        }
        break;
    }
    default: {
        char *enc = malloc(3 * size + 1);
        assert(enc != NULL);
        if (sig_urlencode_plus(text, enc, 3 * size + 1) == 0) {
            assert(sig_urldecode(enc) == 0);
            assert(strcmp(enc, text) == 0); /* decode(encode(s)) == s */
        }
        free(enc);
        break;
    }
    }
    free(text);
    return 0;
}
