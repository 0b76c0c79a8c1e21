/* HdrHistogram percentile text reader. */
#include "report/hgrm.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"

#define HGRM_LINE_BYTES_MAX 512

static void set_err(char *err, int err_len, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void set_err(char *err, int err_len, const char *fmt, ...)
{
    if (!err || err_len <= 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, (size_t)err_len, fmt, ap);
    va_end(ap);
}

/* Reads the number after "<key> =" in a footer line; 0 or -1. */
static int footer_number(const char *line, const char *key, double *out)
{
    const char *p = strstr(line, key);
    if (!p)
        return -1;
    p = strchr(p + strlen(key), '=');
    if (!p)
        return -1;
    char *end = NULL;
    errno = 0;
    double v = strtod(p + 1, &end);
    if (end == p + 1 || errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

static int parse_footer(struct hgrm *h, const char *line, int lineno, char *err, int err_len)
{
    double a = 0, b = 0;
    if (strstr(line, "Mean")) {
        if (footer_number(line, "Mean", &a) != 0 || footer_number(line, "StdDeviation", &b) != 0)
            goto bad;
        h->mean = a;
        h->std_dev = b;
    } else if (strstr(line, "Max")) {
        if (footer_number(line, "Max", &a) != 0 || footer_number(line, "Total count", &b) != 0 ||
            b < 0)
            goto bad;
        h->max = a;
        h->total_count = (uint64_t)b;
        h->has_footer = 1;
    }
    return 0; /* other footer lines (Buckets) are informational */
bad:
    set_err(err, err_len, "line %d: footer \"%.60s\" does not parse", lineno, line);
    return -1;
}

static int parse_row(struct hgrm *h, char *line, int lineno, char *err, int err_len)
{
    char *p = line, *end = NULL;
    double v[4];
    int n = 0;
    for (; n < 4; n++) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        errno = 0;
        v[n] = strtod(p, &end); /* accepts "inf" and "Infinity" */
        if (end == p || errno == ERANGE || (*end != '\0' && *end != ' ' && *end != '\t')) {
            set_err(err, err_len, "line %d: field %d of \"%.60s\" is not a number", lineno, n + 1,
                    line);
            return -1;
        }
        p = end;
    }
    while (*p == ' ' || *p == '\t')
        p++;
    if (n < 3 || *p != '\0') {
        set_err(err, err_len, "line %d: expected 3 or 4 numbers: \"%.60s\"", lineno, line);
        return -1;
    }
    if (v[1] < 0 || v[1] > 1 || v[2] < 0 || isnan(v[0])) {
        set_err(err, err_len, "line %d: percentile %g not in [0,1] or count %g negative", lineno,
                v[1], v[2]);
        return -1;
    }
    if (h->row_count > 0) {
        const struct hgrm_row *prev = &h->rows[h->row_count - 1];
        if (v[1] < prev->percentile || (uint64_t)v[2] < prev->total_count) {
            set_err(err, err_len, "line %d: percentile or count decreases", lineno);
            return -1;
        }
    }
    if (h->row_count >= HGRM_ROWS_MAX) {
        set_err(err, err_len, "line %d: more than %d rows", lineno, HGRM_ROWS_MAX);
        return -1;
    }
    struct hgrm_row *r = &h->rows[h->row_count++];
    r->value = v[0];
    r->percentile = v[1];
    r->total_count = (uint64_t)v[2];
    r->inverse = n == 4 ? v[3] : INFINITY;
    return 0;
}

/* Copies the next line of text into buf; returns the offset after it. */
static size_t next_line(const char *text, size_t len, size_t off, char *buf, size_t buf_len,
                        int *too_long)
{
    size_t i = off, n = 0;
    *too_long = 0;
    while (i < len && text[i] != '\n') {
        if (n + 1 < buf_len)
            buf[n++] = text[i];
        else
            *too_long = 1;
        i++;
    }
    while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    buf[n] = '\0';
    return i < len ? i + 1 : i;
}

static int parse_line(struct hgrm *h, char *line, int lineno, char *err, int err_len)
{
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return 0;
    if (*p == '#')
        return parse_footer(h, p, lineno, err, err_len);
    if (strstr(p, "Value") && strstr(p, "Percentile"))
        return 0; /* header */
    return parse_row(h, p, lineno, err, err_len);
}

struct hgrm *hgrm_parse(const char *text, size_t len, char *err, int err_len)
{
    struct hgrm *h = calloc(1, sizeof(*h));
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    if (h)
        h->rows = calloc(lines < HGRM_ROWS_MAX ? lines : HGRM_ROWS_MAX, sizeof(struct hgrm_row));
    if (!h || !h->rows) {
        hgrm_free(h);
        set_err(err, err_len, "out of memory");
        return NULL;
    }
    char line[HGRM_LINE_BYTES_MAX];
    size_t off = 0;
    int lineno = 0;
    while (off < len) {
        int too_long = 0;
        off = next_line(text, len, off, line, sizeof(line), &too_long);
        lineno++;
        if (too_long) {
            set_err(err, err_len, "line %d: longer than %d bytes", lineno, HGRM_LINE_BYTES_MAX);
            hgrm_free(h);
            return NULL;
        }
        if (parse_line(h, line, lineno, err, err_len) != 0) {
            hgrm_free(h);
            return NULL;
        }
    }
    return h;
}

struct hgrm *hgrm_read(const char *path, char *err, int err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, err_len, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(HGRM_FILE_BYTES_MAX);
    size_t n = buf ? fread(buf, 1, HGRM_FILE_BYTES_MAX, f) : 0;
    int bad = !buf || ferror(f) || (n == HGRM_FILE_BYTES_MAX && fgetc(f) != EOF);
    fclose(f);
    if (bad) {
        set_err(err, err_len, "%s: unreadable or larger than %d bytes", path, HGRM_FILE_BYTES_MAX);
        free(buf);
        return NULL;
    }
    char inner[256];
    struct hgrm *h = hgrm_parse(buf, n, inner, sizeof(inner));
    free(buf);
    if (!h)
        set_err(err, err_len, "%s: %s", path, inner);
    return h;
}

void hgrm_free(struct hgrm *h)
{
    if (!h)
        return;
    free(h->rows);
    free(h);
}

double hgrm_value_at(const struct hgrm *h, double p)
{
    if (!h || h->row_count == 0)
        return NAN;
    double q = p / 100.0;
    for (int i = 0; i < h->row_count; i++)
        if (h->rows[i].percentile >= q - 1e-12)
            return h->rows[i].value;
    return h->rows[h->row_count - 1].value;
}
