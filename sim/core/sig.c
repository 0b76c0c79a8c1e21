/* OpenSSL-backed signing helpers. */
#include "core/sig.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIG_WECHAT_PARTS_MAX 8
#define SIG_WECHAT_BYTES_MAX 8192

static int hex(const unsigned char *d, unsigned n, int upper, char *out, int out_len)
{
    static const char lower_digits[] = "0123456789abcdef";
    static const char upper_digits[] = "0123456789ABCDEF";
    const char *digits = upper ? upper_digits : lower_digits;
    if (out_len < (int)(2 * n + 1)) {
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
    return 0;
}

int sig_hmac_sha256_hex(const char *key, const void *msg, size_t msg_len, char *out, int out_len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    assert(key != NULL);
    if (HMAC(EVP_sha256(), key, (int)strlen(key), msg, msg_len, md, &md_len) == NULL) {
        return -1;
    }
    return hex(md, md_len, 0, out, out_len);
}

static int digest(const EVP_MD *type, const void *msg, size_t len, unsigned char *md,
                  unsigned *md_len)
{
    return EVP_Digest(msg, len, md, md_len, type, NULL) == 1 ? 0 : -1;
}

int sig_md5_upper_hex(const void *msg, size_t len, char *out, int out_len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    if (digest(EVP_md5(), msg, len, md, &md_len) != 0) {
        return -1;
    }
    return hex(md, md_len, 1, out, out_len);
}

int sig_sha1_hex(const void *msg, size_t len, char *out, int out_len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    if (digest(EVP_sha1(), msg, len, md, &md_len) != 0) {
        return -1;
    }
    return hex(md, md_len, 0, out, out_len);
}

int sig_urlencode_plus(const char *s, char *out, size_t out_len)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t o = 0;
    assert(out_len > 0);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (o + 4 > out_len) {
            return -1;
        }
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '*') {
            out[o++] = (char)*p;
        } else if (*p == ' ') {
            out[o++] = '+';
        } else {
            out[o++] = '%';
            out[o++] = digits[*p >> 4];
            out[o++] = digits[*p & 15];
        }
    }
    out[o] = '\0';
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int sig_urldecode(char *s)
{
    char *w = s;
    for (char *p = s; *p != '\0'; p++) {
        if (*p == '+') {
            *w++ = ' ';
        } else if (*p == '%') {
            int hi = hexval((unsigned char)p[1]);
            int lo = hi < 0 ? -1 : hexval((unsigned char)p[2]);
            if (lo < 0) {
                return -1;
            }
            *w++ = (char)(hi * 16 + lo);
            p += 2;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    return 0;
}

int sig_sf_digest(const char *text, char *out, int out_len)
{
    size_t cap = strlen(text) * 3 + 1;
    char *enc = malloc(cap);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    int rc = -1;
    if (enc != NULL && sig_urlencode_plus(text, enc, cap) == 0 &&
        digest(EVP_md5(), enc, strlen(enc), md, &md_len) == 0 && out_len >= 4 * 6 + 1) {
        EVP_EncodeBlock((unsigned char *)out, md, (int)md_len);
        rc = 0;
    }
    free(enc);
    return rc;
}

int sig_equal(const char *a, const char *b, int ci)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);
    unsigned diff = la != lb;
    size_t n = la < lb ? la : lb;
    for (size_t i = 0; i < n; i++) {
        int ca = ci ? tolower((unsigned char)a[i]) : (unsigned char)a[i];
        int cb = ci ? tolower((unsigned char)b[i]) : (unsigned char)b[i];
        diff |= (unsigned)(ca ^ cb);
    }
    return diff == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int sig_wechat(const char *const *parts, int n, char *out, int out_len)
{
    const char *sorted[SIG_WECHAT_PARTS_MAX];
    char buf[SIG_WECHAT_BYTES_MAX];
    size_t len = 0;
    if (n <= 0 || n > SIG_WECHAT_PARTS_MAX) {
        return -1;
    }
    memcpy(sorted, parts, sizeof(parts[0]) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof(sorted[0]), cmp_str);
    for (int i = 0; i < n; i++) {
        size_t l = strlen(sorted[i]);
        if (len + l >= sizeof(buf)) {
            return -1;
        }
        memcpy(buf + len, sorted[i], l);
        len += l;
    }
    return sig_sha1_hex(buf, len, out, out_len);
}
