/* Carrier waybill formats: see waybill.h.
 *
 * Each carrier keeps its documented shape (API.md 3.3) and issues numbers as
 *   <letters><prefix digits><serial, 10 digits><check digit>
 * where the check digit makes the whole digit run pass the Luhn mod-10 test. Luhn catches every
 * single-digit substitution and most adjacent transpositions; the fixed length catches truncation;
 * the prefix sets keep the numeric formats (ZTO, STO, YUNDA) apart. */
#include "common/waybill.h"

#include <stdio.h>
#include <string.h>

#include "common/check.h"

#define WAYBILL_SERIAL_DIGITS 10
#define WAYBILL_SERIAL_LIMIT 10000000000ULL /* 10^10 */
#define WAYBILL_PREFIXES_MAX 4
#define WAYBILL_DIGITS_TMP_MAX 24 /* scratch for the digit run of one number */

struct waybill_format {
    const char *carrier;
    const char *kuaidi100;
    const char *name;
    const char *letters;                            /* literal letters before the digits */
    const char *prefixes[WAYBILL_PREFIXES_MAX + 1]; /* allowed digit prefixes, NULL-terminated */
    int digits;                                     /* digits after the letters, check included */
};

/* The issued prefix is prefixes[serial % count]: every prefix of the set appears in practice. */
static const struct waybill_format formats[] = {
    {"SF", "shunfeng", "顺丰速运", "SF", {"14", "74", "31", NULL}, 13},
    {"ZTO", "zhongtong", "中通快递", "", {"786", "731", "751", "761", NULL}, 14},
    {"YUNDA", "yunda", "韵达快递", "", {"31", "43", "50", "10", NULL}, 13},
    {"YTO", "yuantong", "圆通速递", "YT", {"61", "46", NULL}, 13},
    {"STO", "shentong", "申通快递", "", {"268", "888", "558", "668", NULL}, 14},
    {"JD", "jd", "京东物流", "JDV", {"A", "B", "C", "D", NULL}, 11},
};

static const struct waybill_format *format_of(const char *carrier)
{
    if (carrier == NULL)
        return NULL;
    for (size_t i = 0; i < ARRAY_LEN(formats); i++)
        if (strcmp(formats[i].carrier, carrier) == 0)
            return &formats[i];
    return NULL;
}

int waybill_carrier_known(const char *carrier)
{
    return format_of(carrier) != NULL;
}

const char *waybill_kuaidi100_code(const char *carrier)
{
    const struct waybill_format *f = format_of(carrier);
    return f != NULL ? f->kuaidi100 : NULL;
}

const char *waybill_carrier_from_kuaidi100(const char *com)
{
    if (com == NULL)
        return NULL;
    for (size_t i = 0; i < ARRAY_LEN(formats); i++)
        if (strcmp(formats[i].kuaidi100, com) == 0)
            return formats[i].carrier;
    return NULL;
}

const char *waybill_carrier_name(const char *carrier)
{
    const struct waybill_format *f = format_of(carrier);
    return f != NULL ? f->name : NULL;
}

static int prefix_count(const struct waybill_format *f)
{
    int n = 0;
    while (n < WAYBILL_PREFIXES_MAX && f->prefixes[n] != NULL)
        n++;
    assert(n > 0);
    return n;
}

/* JD's prefix is a letter after "JDV"; the others are digits and count toward the length. */
static int prefix_is_digits(const struct waybill_format *f)
{
    return f->prefixes[0][0] >= '0' && f->prefixes[0][0] <= '9';
}

/* Luhn sum of digits[0..n) where the last digit is the check digit position. */
static int luhn_sum(const char *digits, int n)
{
    int sum = 0;
    for (int i = 0; i < n; i++) {
        int d = digits[n - 1 - i] - '0';
        assert(d >= 0 && d <= 9);
        if (i % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum;
}

static char luhn_check_digit(const char *payload, int n)
{
    char tmp[WAYBILL_DIGITS_TMP_MAX];
    assert(n + 1 < (int)sizeof(tmp));
    memcpy(tmp, payload, (size_t)n);
    tmp[n] = '0';
    int sum = luhn_sum(tmp, n + 1);
    return (char)('0' + (10 - sum % 10) % 10);
}

int waybill_make(const char *carrier, uint64_t serial, char *buf, int buf_len)
{
    const struct waybill_format *f = format_of(carrier);
    if (f == NULL || buf == NULL || serial >= WAYBILL_SERIAL_LIMIT)
        return -1;
    const char *prefix = f->prefixes[serial % (uint64_t)prefix_count(f)];
    char payload[WAYBILL_DIGITS_TMP_MAX];
    int n;
    if (prefix_is_digits(f))
        n = snprintf(payload, sizeof(payload), "%s%010llu", prefix, (unsigned long long)serial);
    else
        n = snprintf(payload, sizeof(payload), "%010llu", (unsigned long long)serial);
    assert(n > 0 && n < (int)sizeof(payload));
    assert(n == f->digits - 1);
    char check = luhn_check_digit(payload, n);
    const char *letter_prefix = prefix_is_digits(f) ? "" : prefix;
    int w = snprintf(buf, (size_t)buf_len, "%s%s%s%c", f->letters, letter_prefix, payload, check);
    if (w < 0 || w >= buf_len)
        return -1;
    assert(waybill_valid(carrier, buf));
    return 0;
}

static int all_digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int waybill_valid(const char *carrier, const char *s)
{
    const struct waybill_format *f = format_of(carrier);
    if (f == NULL || s == NULL)
        return 0;
    size_t letters = strlen(f->letters);
    if (strncmp(s, f->letters, letters) != 0)
        return 0;
    const char *p = s + letters;
    if (!prefix_is_digits(f)) {
        /* a single letter from the set, e.g. JDVA */
        int ok = 0;
        for (int i = 0; i < prefix_count(f); i++)
            if (p[0] != '\0' && p[0] == f->prefixes[i][0])
                ok = 1;
        if (!ok)
            return 0;
        p++;
    }
    if ((int)strlen(p) != f->digits || !all_digits(p, f->digits))
        return 0;
    if (prefix_is_digits(f)) {
        int ok = 0;
        for (int i = 0; i < prefix_count(f); i++)
            if (strncmp(p, f->prefixes[i], strlen(f->prefixes[i])) == 0)
                ok = 1;
        /* SF and YTO accept any leading digits: real numbers vary, only our issued ones use the set
         */
        if (!ok && f->letters[0] == '\0')
            return 0;
    }
    return luhn_sum(p, f->digits) % 10 == 0;
}
