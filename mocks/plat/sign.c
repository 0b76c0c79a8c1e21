/* Signatures: see sign.h. */
#include "plat/sign.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"

#define SIGN_BASE_BYTES_MAX 1024
#define SIGN_WECHAT_PARTS_MAX 4

static void to_hex(const unsigned char *d, unsigned n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[2 * n] = '\0';
}

void sign_hmac_sha256_hex(const char *key, const void *msg, size_t msg_len, char *out)
{
    assert(key != NULL);
    assert(out != NULL);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    unsigned char *r = HMAC(EVP_sha256(), key, (int)strlen(key), msg, msg_len, md, &md_len);
    assert(r != NULL);
    assert(md_len == 32);
    to_hex(md, md_len, out);
}

void sign_shopee_request(const char *partner_key, int64_t partner_id, const char *api_path,
                         int64_t timestamp, const char *access_token, int64_t shop_id, char *out)
{
    char base[SIGN_BASE_BYTES_MAX];
    int n;
    if (access_token != NULL)
        n = snprintf(base, sizeof(base), "%lld%s%lld%s%lld", (long long)partner_id, api_path,
                     (long long)timestamp, access_token, (long long)shop_id);
    else
        n = snprintf(base, sizeof(base), "%lld%s%lld", (long long)partner_id, api_path,
                     (long long)timestamp);
    assert(n > 0 && n < (int)sizeof(base));
    sign_hmac_sha256_hex(partner_key, base, (size_t)n, out);
}

void sign_shopee_push(const char *partner_key, const char *url, const char *body, size_t body_len,
                      char *out)
{
    size_t ul = strlen(url);
    char *msg = malloc(ul + 1 + body_len + 1);
    assert(msg != NULL); /* a push body is bounded by HTTP_BODY_BYTES_MAX */
    memcpy(msg, url, ul);
    msg[ul] = '|';
    memcpy(msg + ul + 1, body, body_len);
    sign_hmac_sha256_hex(partner_key, msg, ul + 1 + body_len, out);
    free(msg);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void sign_wechat(const char *const *parts, int count, char *out)
{
    assert(count > 0 && count <= SIGN_WECHAT_PARTS_MAX);
    const char *sorted[SIGN_WECHAT_PARTS_MAX];
    memcpy(sorted, parts, sizeof(parts[0]) * (size_t)count);
    qsort(sorted, (size_t)count, sizeof(sorted[0]), cmp_str);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert(ctx != NULL);
    int ok = EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
    for (int i = 0; i < count; i++)
        ok = ok && EVP_DigestUpdate(ctx, sorted[i], strlen(sorted[i]));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len);
    EVP_MD_CTX_free(ctx);
    assert(ok);
    assert(md_len == SHA_DIGEST_LENGTH);
    to_hex(md, md_len, out);
}

int sign_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned diff = (unsigned)(la ^ lb);
    for (size_t i = 0; i < la && i < lb; i++)
        diff |= (unsigned)(a[i] ^ b[i]);
    return diff == 0;
}
