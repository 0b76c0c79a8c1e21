/* Strict UTF-8 and mojibake checks; charset round trips through glibc iconv. */
#include "core/utf8.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"

#define UTF8_TEXT_BYTES_MAX 4096

/* Length of the sequence at s (1..4), or 0 when it is not strict UTF-8. */
static size_t seq_len(const unsigned char *s, size_t left, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2, min = 0x80, *cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, min = 0x800, *cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, min = 0x10000, *cp = c & 0x07;
    } else {
        return 0;
    }
    if (left < n) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) {
        return 0;
    }
    return n;
}

int utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = seq_len(p + i, len - i, &cp);
        if (n == 0) {
            return 0;
        }
        i += n;
    }
    assert(i == len);
    return 1;
}

/* 1 when s has a multi-byte sequence and is strict UTF-8 (real text, not chance bytes). */
static int multibyte_utf8(const char *s, size_t len)
{
    int multi = 0;
    for (size_t i = 0; i < len; i++) {
        multi |= (unsigned char)s[i] >= 0x80;
    }
    return multi && utf8_valid(s, len);
}

/* Encode UTF-8 text to charset; 1 when that succeeds and gives multi-byte UTF-8. */
static int round_trip_is_utf8(const char *s, const char *charset)
{
    size_t in_len = strlen(s);
    size_t out_cap = in_len * 2 + 4;
    char *out = malloc(out_cap);
    iconv_t cd = iconv_open(charset, "UTF-8");
    int result = 0;
    if (out != NULL && cd != (iconv_t)-1) {
        char *in = (char *)s, *o = out;
        size_t il = in_len, ol = out_cap;
        if (iconv(cd, &in, &il, &o, &ol) != (size_t)-1 && il == 0) {
            result = multibyte_utf8(out, (size_t)(o - out));
        }
    }
    if (cd != (iconv_t)-1) {
        iconv_close(cd);
    }
    free(out);
    return result;
}

static int has_controls(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = seq_len(p + i, len - i, &cp);
        if (n == 0) {
            return 1;
        }
        if ((cp < 0x20 && cp != '\t') || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFD) {
            return 1;
        }
        i += n;
    }
    return 0;
}

enum text_verdict text_check(const char *s)
{
    size_t len = strlen(s);
    if (len > UTF8_TEXT_BYTES_MAX || !utf8_valid(s, len)) {
        return TEXT_INVALID_UTF8;
    }
    if (has_controls(s)) {
        return TEXT_CONTROL;
    }
    if (round_trip_is_utf8(s, "GBK")) {
        return TEXT_GBK_MOJIBAKE;
    }
    if (round_trip_is_utf8(s, "ISO-8859-1")) {
        return TEXT_LATIN1_MOJIBAKE;
    }
    return TEXT_OK;
}

const char *text_verdict_name(enum text_verdict v)
{
    static const char *const names[] = {"ok", "invalid_utf8", "control_chars", "gbk_mojibake",
                                        "latin1_mojibake"};
    assert((unsigned)v < ARRAY_LEN(names));
    return names[v];
}
