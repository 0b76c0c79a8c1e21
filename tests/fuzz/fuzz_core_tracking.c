/* Fuzz target: syncd's tracking event checks (sim/core/utf8.c, tracking.c): strict UTF-8,
 * the text verdict (controls, mojibake) and the Kuaidi100 time parser. utf8_valid is checked
 * against an independent strict decoder written here from RFC 3629 (differential fuzzing), and
 * text_check must call a text invalid exactly when utf8_valid does. Byte 0 picks the function. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "core/tracking.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF. */
static int reference_utf8(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t b = s[i];
        int n;
        uint32_t cp, min;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            n = 1, cp = b & 0x1F, min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            n = 2, cp = b & 0x0F, min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            n = 3, cp = b & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (i + (size_t)n >= len) { /* the sequence is cut short */
            return 0;
        }
        for (int k = 1; k <= n; k++) {
            if ((s[i + (size_t)k] & 0xC0) != 0x80) {
                return 0;
            }
            cp = cp << 6 | (s[i + (size_t)k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return 0;
        }
        i += (size_t)n + 1;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const uint8_t *s = data + 1;
    size_t len = size - 1;
    char *text = malloc(len + 1);
    assert(text != NULL);
    memcpy(text, s, len);
    text[len] = '\0';
    switch (data[0] % 2) {
    case 0: {
        int got = utf8_valid((const char *)s, len);
        int want = reference_utf8(s, len);
        if (got != want) {
            fprintf(stderr, "utf8_valid says %d, RFC 3629 says %d\n", got, want);
        }
        assert(got == want);
        if (memchr(s, '\0', len) == NULL) {
            enum text_verdict v = text_check(text);
            assert(text_verdict_name(v) != NULL);
            assert((v == TEXT_INVALID_UTF8) == !want);
        }
        break;
    }
    default: {
        int64_t ms = tracking_parse_time(text);
        assert(ms >= -1);
        break;
    }
    }
    free(text);
    return 0;
}
