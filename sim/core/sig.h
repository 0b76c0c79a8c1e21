/* Signing and encoding helpers for the real APIs' schemes (API.md 1.1, 1.5, 2.4, 3.1, 3.2), on
 * OpenSSL libcrypto. Outputs go into caller buffers; each returns 0, or -1 when it does not fit. */
#ifndef SHIPSIM_CORE_SIG_H
#define SHIPSIM_CORE_SIG_H

#include <stddef.h>
#include "common/check.h"

/* Lower-case hex HMAC-SHA256 (Shopee request sign and push Authorization). out >= 65 bytes. */
int sig_hmac_sha256_hex(const char *key, const void *msg, size_t msg_len, char *out, int out_len);
/* Upper-case hex MD5 (Kuaidi100 sign). out >= 33 bytes. */
int sig_md5_upper_hex(const void *msg, size_t len, char *out, int out_len);
/* Lower-case hex SHA1 (WeChat signature). out >= 41 bytes. */
int sig_sha1_hex(const void *msg, size_t len, char *out, int out_len);
/* SF msgDigest: base64(md5(urlencode_plus(text))). */
int sig_sf_digest(const char *text, char *out, int out_len);
/* application/x-www-form-urlencoded encoding of s: alnum and -_.* kept, space as '+', the rest
 * %XX upper-case (Java URLEncoder, which SF's SDKs use). */
int sig_urlencode_plus(const char *s, char *out, size_t out_len);
/* Decode a form value in place ('+' -> space, %XX); -1 on a bad escape. */
int sig_urldecode(char *s);
/* Constant-time compare of two NUL-terminated strings (case-insensitive for hex when ci). */
int sig_equal(const char *a, const char *b, int ci);
/* WeChat: sha1 of the sorted concatenation of n strings. */
int sig_wechat(const char *const *parts, int n, char *out, int out_len);

#endif
