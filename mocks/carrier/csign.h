/* The carrier-side signatures (INTERFACES.md section 6, API.md 3.1 and 3.2).
 *   SF msgDigest:        base64(md5(urlencode_plus(msgData + timestamp + checkword)))
 *   Kuaidi100 query:     upper(hex(md5(param + key + customer)))
 *   Kuaidi100 callback:  upper(hex(md5(param + salt)))
 * urlencode_plus follows Java's URLEncoder (what SF's own SDK uses): A-Z a-z 0-9 . - * _ kept,
 * space -> '+', every other byte %XX upper-case. Python's quote_plus keeps '~' and encodes '*'
 * instead; the check accepts either spelling because clients in both languages exist. */
#ifndef SHIPSIM_CARRIER_CSIGN_H
#define SHIPSIM_CARRIER_CSIGN_H

#include <stddef.h>
#include "common/check.h"

#define CSIGN_DIGEST_BYTES_MAX 32 /* base64 of 16 bytes is 24 chars + NUL */
#define CSIGN_MD5_HEX_BYTES 33

enum csign_plus_style { CSIGN_JAVA = 0, CSIGN_PYTHON = 1 };

/* URL-encode s (len bytes) with '+' for space into a malloc'd string; NULL on allocation failure.
 */
char *csign_urlencode_plus(const char *s, size_t len, enum csign_plus_style style);
/* The SF msgDigest into out (>= CSIGN_DIGEST_BYTES_MAX). Returns 0 or -1 (allocation). */
int csign_sf_digest(const char *msg_data, const char *timestamp, const char *checkword,
                    enum csign_plus_style style, char *out, int out_len) WARN_UNUSED_RESULT;
/* 1 when digest matches msgData + timestamp + checkword in either encoding style. */
int csign_sf_digest_ok(const char *msg_data, const char *timestamp, const char *checkword,
                       const char *digest);
/* upper(hex(md5(a + b + c))) into out (>= CSIGN_MD5_HEX_BYTES); c may be NULL. */
void csign_md5_upper(const char *a, const char *b, const char *c, char *out, int out_len);
/* Kuaidi100 checks: 1 when sign matches (case-sensitive: the real service wants upper case). */
int csign_k100_query_ok(const char *param, const char *key, const char *customer, const char *sign);

#endif
