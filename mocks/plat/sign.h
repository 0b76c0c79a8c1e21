/* Signatures of the real APIs (API.md 1.1, 1.5, 2.4), on OpenSSL libcrypto. */
#ifndef SHIPSIM_PLAT_SIGN_H
#define SHIPSIM_PLAT_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define SIGN_HEX_BYTES 65 /* 64 hex digits of SHA-256 + NUL */
#define SHA1_HEX_BYTES 41

/* Lower-case hex HMAC-SHA256 of msg under key into out (SIGN_HEX_BYTES). */
void sign_hmac_sha256_hex(const char *key, const void *msg, size_t msg_len, char *out);
/* Shopee request sign: base = partner_id + api_path + timestamp [+ access_token + shop_id]
 * (access_token NULL: public API). */
void sign_shopee_request(const char *partner_key, int64_t partner_id, const char *api_path,
                         int64_t timestamp, const char *access_token, int64_t shop_id, char *out);
/* Shopee push Authorization: hex HMAC-SHA256(partner_key, url + "|" + body). */
void sign_shopee_push(const char *partner_key, const char *url, const char *body, size_t body_len,
                      char *out);
/* Lower-case hex SHA-1 of the sorted, concatenated strings (WeChat signature and msg_signature:
 * sha1(sort([token, timestamp, nonce(, body)]) joined)). */
void sign_wechat(const char *const *parts, int count, char *out);
/* Constant-time equality of two NUL-terminated strings (1 when equal). */
int sign_equal(const char *a, const char *b);

#endif
