/* XML/HTML escaping with UTF-8 validation. */
#include "report/esc.h"

#include <string.h>

int esc_utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    int n;
    unsigned int cp;
    if (c < 0x80)
        return c ? 1 : 0;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8. */
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return n;
}

int esc_write(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    int rc = 0;
    while (*p && rc >= 0) {
        switch (*p) {
        case '&':
            rc = fputs("&amp;", f);
            p++;
            continue;
        case '<':
            rc = fputs("&lt;", f);
            p++;
            continue;
        case '>':
            rc = fputs("&gt;", f);
            p++;
            continue;
        case '"':
            rc = fputs("&quot;", f);
            p++;
            continue;
        case '\'':
            rc = fputs("&#39;", f);
            p++;
            continue;
        default: break;
        }
        if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
            rc = fputs("\xEF\xBF\xBD", f);
            p++;
            continue;
        }
        int n = esc_utf8_len(p);
        if (n == 0) {
            rc = fputs("\xEF\xBF\xBD", f);
            p++;
            continue;
        }
        rc = fwrite(p, 1, (size_t)n, f) == (size_t)n ? 0 : -1;
        p += n;
    }
    return rc < 0 ? -1 : 0;
}
