/* Text checks for tracking events (issue 6): strict UTF-8 validity and mojibake detection. A
 * mojibake text is valid UTF-8 that is really UTF-8 bytes read as GBK or Latin-1 and encoded
 * again: re-encoding it to that charset gives back valid multi-byte UTF-8. */
#ifndef SHIPSIM_CORE_UTF8_H
#define SHIPSIM_CORE_UTF8_H

#include <stddef.h>

enum text_verdict {
    TEXT_OK = 0,
    TEXT_INVALID_UTF8, /* bad lead byte, cut sequence, overlong, surrogate, > U+10FFFF */
    TEXT_CONTROL,      /* C0/C1 controls or U+FFFD replacement characters */
    TEXT_GBK_MOJIBAKE,
    TEXT_LATIN1_MOJIBAKE
};

/* 1 when s[0..len) is strict UTF-8. */
int utf8_valid(const char *s, size_t len);
/* The verdict on a NUL-terminated text. */
enum text_verdict text_check(const char *s);
const char *text_verdict_name(enum text_verdict v);

#endif
