/* Carrier signatures: see csign.h. */
#include "carrier/csign.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static int kept_plain(unsigned char c, enum csign_plus_style style)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return 1;
    if (c == '.' || c == '-' || c == '_')
        return 1;
    return style == CSIGN_JAVA ? c == '*' : c == '~';
}

char *csign_urlencode_plus(const char *s, size_t len, enum csign_plus_style style)
{
    static const char hex[] = "0123456789ABCDEF";
    assert(s != NULL);
    char *out = malloc(len * 3 + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (kept_plain(c, style)) {
            out[o++] = (char)c;
        } else if (c == ' ') {
            out[o++] = '+';
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    assert(o <= len * 3);
    out[o] = '\0';
    return out;
}

static void md5_of(const void *data, size_t len, unsigned char digest[16])
{
    unsigned int n = 0;
    int ok = EVP_Digest(data, len, digest, &n, EVP_md5(), NULL);
    assert(ok == 1);
    assert(n == 16);
}

int csign_sf_digest(const char *msg_data, const char *timestamp, const char *checkword,
                    enum csign_plus_style style, char *out, int out_len)
{
    assert(msg_data != NULL && timestamp != NULL && checkword != NULL);
    assert(out_len >= CSIGN_DIGEST_BYTES_MAX);
    size_t a = strlen(msg_data), b = strlen(timestamp), c = strlen(checkword);
    char *joined = malloc(a + b + c + 1);
    if (joined == NULL)
        return -1;
    memcpy(joined, msg_data, a);
    memcpy(joined + a, timestamp, b);
    memcpy(joined + a + b, checkword, c);
    joined[a + b + c] = '\0';
    char *enc = csign_urlencode_plus(joined, a + b + c, style);
    free(joined);
    if (enc == NULL)
        return -1;
    unsigned char digest[16];
    md5_of(enc, strlen(enc), digest);
    free(enc);
    int n = EVP_EncodeBlock((unsigned char *)out, digest, 16);
    assert(n == 24);
    return 0;
}

int csign_sf_digest_ok(const char *msg_data, const char *timestamp, const char *checkword,
                       const char *digest)
{
    if (msg_data == NULL || timestamp == NULL || checkword == NULL || digest == NULL)
        return 0;
    char want[CSIGN_DIGEST_BYTES_MAX];
    for (int style = CSIGN_JAVA; style <= CSIGN_PYTHON; style++) {
        if (csign_sf_digest(msg_data, timestamp, checkword, (enum csign_plus_style)style, want,
                            sizeof(want)) != 0)
            return 0;
        if (strcmp(want, digest) == 0)
            return 1;
    }
    return 0;
}

void csign_md5_upper(const char *a, const char *b, const char *c, char *out, int out_len)
{
    static const char hex[] = "0123456789ABCDEF";
    assert(a != NULL && b != NULL);
    assert(out_len >= CSIGN_MD5_HEX_BYTES);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert(ctx != NULL);
    int ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
    ok &= EVP_DigestUpdate(ctx, a, strlen(a));
    ok &= EVP_DigestUpdate(ctx, b, strlen(b));
    if (c != NULL)
        ok &= EVP_DigestUpdate(ctx, c, strlen(c));
    unsigned char digest[16];
    unsigned int n = 0;
    ok &= EVP_DigestFinal_ex(ctx, digest, &n);
    EVP_MD_CTX_free(ctx);
    assert(ok == 1);
    assert(n == 16);
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[32] = '\0';
}

int csign_k100_query_ok(const char *param, const char *key, const char *customer, const char *sign)
{
    if (param == NULL || key == NULL || customer == NULL || sign == NULL)
        return 0;
    char want[CSIGN_MD5_HEX_BYTES];
    csign_md5_upper(param, key, customer, want, sizeof(want));
    return strcmp(want, sign) == 0;
}
