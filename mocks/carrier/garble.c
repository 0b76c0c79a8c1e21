/* Garbling: see garble.h. GBK decoding goes through iconv (glibc ships GBK); bytes GBK cannot
 * decode become U+FFFD, as a lenient real decoder does. */
#include "carrier/garble.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

static const char *const mode_names[GARBLE_MODE_COUNT] = {
    "gbk_mojibake",      "latin1_mojibake", "invalid_utf8",
    "truncated_waybill", "repeated_events", "out_of_order",
};

int garble_mode_parse(const char *name)
{
    if (name == NULL || name[0] == '\0')
        return -2;
    for (int i = 0; i < GARBLE_MODE_COUNT; i++)
        if (strcmp(name, mode_names[i]) == 0)
            return i;
    /* the scenario loader's short names (scenarios/README.md) */
    if (strcmp(name, "repeated") == 0)
        return GARBLE_REPEATED_EVENTS;
    if (strcmp(name, "mojibake") == 0)
        return -3;
    return -1;
}

const char *garble_mode_name(enum garble_mode m)
{
    assert(m >= 0 && m < GARBLE_MODE_COUNT);
    return mode_names[m];
}

enum garble_mode garble_mode_pick(const char *rule_mode, double u)
{
    assert(u >= 0.0 && u < 1.0);
    int m = garble_mode_parse(rule_mode);
    if (m >= 0)
        return (enum garble_mode)m;
    if (m == -3) /* "mojibake": GBK or Latin-1, one per draw */
        return u < 0.5 ? GARBLE_GBK_MOJIBAKE : GARBLE_LATIN1_MOJIBAKE;
    int i = (int)(u * GARBLE_MODE_COUNT);
    return (enum garble_mode)(i < GARBLE_MODE_COUNT ? i : GARBLE_MODE_COUNT - 1);
}

int garble_mode_is_text(enum garble_mode m)
{
    return m == GARBLE_GBK_MOJIBAKE || m == GARBLE_LATIN1_MOJIBAKE || m == GARBLE_INVALID_UTF8;
}

static char *gbk_mojibake(const char *s)
{
    size_t len = strlen(s);
    size_t cap = len * 4 + 4; /* one input byte yields at most one 3-byte char (U+FFFD) */
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    iconv_t cd = iconv_open("UTF-8", "GBK");
    if (cd == (iconv_t)-1) {
        free(out);
        return NULL;
    }
    char *in = (char *)s, *o = out;
    size_t in_left = len, out_left = cap - 1;
    for (int guard = 0; in_left > 0 && guard < (int)len + 1; guard++) {
        size_t r = iconv(cd, &in, &in_left, &o, &out_left);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG || out_left < 3)
            break;
        /* EILSEQ or EINVAL (a lead byte at the end): emit U+FFFD, skip one byte */
        memcpy(o, "\xEF\xBF\xBD", 3);
        o += 3;
        out_left -= 3;
        in++;
        in_left--;
    }
    iconv_close(cd);
    *o = '\0';
    return out;
}

static char *latin1_mojibake(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(len * 2 + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            out[o++] = (char)c;
        } else {
            out[o++] = (char)(0xC0 | (c >> 6));
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[o] = '\0';
    return out;
}

/* Keep the lead byte of the first multi-byte character, drop its continuation bytes, add 0xFF. */
static char *invalid_utf8(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(len + 2);
    if (out == NULL)
        return NULL;
    size_t o = 0, i = 0;
    int done = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        out[o++] = (char)c;
        i++;
        if (!done && c >= 0xC0) {
            while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
                i++;
            out[o++] = (char)0xFF;
            done = 1;
        }
    }
    out[o] = '\0';
    return out;
}

char *garble_text(enum garble_mode m, const char *s)
{
    assert(s != NULL);
    assert(garble_mode_is_text(m));
    if (m == GARBLE_GBK_MOJIBAKE)
        return gbk_mojibake(s);
    if (m == GARBLE_LATIN1_MOJIBAKE)
        return latin1_mojibake(s);
    return invalid_utf8(s);
}

int garble_waybill(char *s)
{
    assert(s != NULL);
    size_t len = strlen(s);
    if (len <= GARBLE_TRUNCATE_CHARS)
        return -1;
    s[len - GARBLE_TRUNCATE_CHARS] = '\0';
    return 0;
}

int garble_order(enum garble_mode m, double u, int *idx, int n, int cap)
{
    assert(idx != NULL);
    assert(n >= 0 && n <= cap);
    assert(m == GARBLE_REPEATED_EVENTS || m == GARBLE_OUT_OF_ORDER);
    if (m == GARBLE_REPEATED_EVENTS) {
        if (n < 1 || n + 1 > cap)
            return -1;
        int at = (int)(u * n);
        at = at < n ? at : n - 1;
        memmove(&idx[at + 1], &idx[at], (size_t)(n - at) * sizeof(*idx));
        return n + 1;
    }
    if (n < 2)
        return -1;
    int at = (int)(u * (n - 1));
    at = at < n - 1 ? at : n - 2;
    int t = idx[at];
    idx[at] = idx[at + 1];
    idx[at + 1] = t;
    return n;
}
