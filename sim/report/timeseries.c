/* timeseries.csv reader and writer. */
#include "report/timeseries.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ts {
    char names[TS_COLUMNS_MAX][TS_COLUMN_NAME_BYTES_MAX];
    int columns;
    long rows;
    long capacity; /* rows allocated */
    double *cells; /* rows * columns, row-major */
};

struct ts_writer {
    FILE *f;
    int columns;
    int failed;
};

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

static void chomp(char *line)
{
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
}

/* Split line at commas in place; returns the field count or -1 when over max. */
static int split_commas(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return -1;
        fields[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            return n;
        *c = '\0';
        p = c + 1;
    }
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static int parse_header(struct ts *t, char *line, const char *path, char *err, int err_len)
{
    char *fields[TS_COLUMNS_MAX];
    int n = split_commas(line, fields, TS_COLUMNS_MAX);
    if (n < 0) {
        set_err(err, err_len, "%s:1: more than %d columns", path, TS_COLUMNS_MAX);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char *name = trim(fields[i]);
        size_t len = strlen(name);
        if (len == 0 || len >= TS_COLUMN_NAME_BYTES_MAX) {
            set_err(err, err_len, "%s:1: column %d: name empty or longer than %d bytes", path,
                    i + 1, TS_COLUMN_NAME_BYTES_MAX - 1);
            return -1;
        }
        for (int j = 0; j < i; j++) {
            if (strcmp(t->names[j], name) == 0) {
                set_err(err, err_len, "%s:1: column \"%s\" appears twice", path, name);
                return -1;
            }
        }
        memcpy(t->names[i], name, len + 1);
    }
    t->columns = n;
    return 0;
}

static int grow(struct ts *t)
{
    if (t->rows < t->capacity)
        return 0;
    long cap = t->capacity ? t->capacity * 2 : 256;
    double *cells = realloc(t->cells, (size_t)cap * (size_t)t->columns * sizeof(double));
    if (!cells)
        return -1;
    t->cells = cells;
    t->capacity = cap;
    return 0;
}

static int parse_row(struct ts *t, char *line, long lineno, const char *path, char *err,
                     int err_len)
{
    char *fields[TS_COLUMNS_MAX + 1];
    int n = split_commas(line, fields, TS_COLUMNS_MAX + 1);
    if (n < 0 || n > t->columns) {
        set_err(err, err_len, "%s:%ld: more cells than the %d columns of the header", path, lineno,
                t->columns);
        return -1;
    }
    if (t->rows >= TS_ROWS_MAX) {
        set_err(err, err_len, "%s:%ld: more than %ld rows", path, lineno, TS_ROWS_MAX);
        return -1;
    }
    if (grow(t) != 0) {
        set_err(err, err_len, "%s: out of memory", path);
        return -1;
    }
    double *row = t->cells + t->rows * t->columns;
    for (int i = 0; i < t->columns; i++) {
        char *cell = i < n ? trim(fields[i]) : "";
        if (*cell == '\0') {
            row[i] = NAN;
            continue;
        }
        char *end = NULL;
        errno = 0;
        double v = strtod(cell, &end);
        if (end == cell || *end != '\0' || errno == ERANGE) {
            set_err(err, err_len, "%s:%ld: column %s: \"%.40s\" is not a number", path, lineno,
                    t->names[i], cell);
            return -1;
        }
        row[i] = v;
    }
    t->rows++;
    return 0;
}

struct ts *ts_read(const char *path, char *err, int err_len)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        set_err(err, err_len, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct ts *t = calloc(1, sizeof(*t));
    char *line = malloc(TS_LINE_BYTES_MAX);
    int rc = (t && line) ? 0 : -1;
    if (rc != 0)
        set_err(err, err_len, "%s: out of memory", path);
    long lineno = 0;
    while (rc == 0 && fgets(line, TS_LINE_BYTES_MAX, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == TS_LINE_BYTES_MAX - 1 && line[len - 1] != '\n') {
            set_err(err, err_len, "%s:%ld: line longer than %d bytes", path, lineno,
                    TS_LINE_BYTES_MAX);
            rc = -1;
            break;
        }
        chomp(line);
        if (lineno == 1)
            rc = parse_header(t, line, path, err, err_len);
        else if (line[0] != '\0')
            rc = parse_row(t, line, lineno, path, err, err_len);
    }
    if (rc == 0 && ferror(f)) {
        set_err(err, err_len, "%s: read error", path);
        rc = -1;
    }
    if (rc == 0 && lineno == 0) {
        set_err(err, err_len, "%s: empty file (no header row)", path);
        rc = -1;
    }
    fclose(f);
    free(line);
    if (rc != 0) {
        ts_free(t);
        return NULL;
    }
    return t;
}

void ts_free(struct ts *t)
{
    if (!t)
        return;
    free(t->cells);
    free(t);
}

int ts_columns(const struct ts *t)
{
    return t->columns;
}

const char *ts_column_name(const struct ts *t, int col)
{
    assert(col >= 0);
    assert(col < t->columns);
    return t->names[col];
}

int ts_column_index(const struct ts *t, const char *name)
{
    for (int i = 0; i < t->columns; i++)
        if (strcmp(t->names[i], name) == 0)
            return i;
    return -1;
}

long ts_rows(const struct ts *t)
{
    return t->rows;
}

double ts_value(const struct ts *t, long row, int col)
{
    assert(row >= 0);
    assert(row < t->rows);
    assert(col >= 0);
    assert(col < t->columns);
    return t->cells[row * t->columns + col];
}

struct ts_writer *ts_writer_open(const char *path, const char *const *columns, int count, char *err,
                                 int err_len)
{
    if (count <= 0 || count > TS_COLUMNS_MAX) {
        set_err(err, err_len, "%s: column count %d not in 1..%d", path, count, TS_COLUMNS_MAX);
        return NULL;
    }
    for (int i = 0; i < count; i++) {
        size_t len = strlen(columns[i]);
        if (len == 0 || len >= TS_COLUMN_NAME_BYTES_MAX || strpbrk(columns[i], ",\"\r\n")) {
            set_err(err, err_len,
                    "%s: column %d name \"%.40s\" is empty, too long or has a "
                    "comma, quote or newline",
                    path, i + 1, columns[i]);
            return NULL;
        }
    }
    struct ts_writer *w = calloc(1, sizeof(*w));
    if (!w) {
        set_err(err, err_len, "%s: out of memory", path);
        return NULL;
    }
    w->f = fopen(path, "w");
    if (!w->f) {
        set_err(err, err_len, "%s: %s", path, strerror(errno));
        free(w);
        return NULL;
    }
    w->columns = count;
    for (int i = 0; i < count; i++)
        if (fprintf(w->f, "%s%s", i ? "," : "", columns[i]) < 0)
            w->failed = 1;
    if (fputc('\n', w->f) == EOF)
        w->failed = 1;
    return w;
}

/* Shortest of %.15g / %.17g that reads back as the same double. */
static int write_number(FILE *f, double v)
{
    if (isnan(v))
        return 0;
    if (v == floor(v) && fabs(v) < 1e15)
        return fprintf(f, "%.0f", v) < 0 ? -1 : 0;
    char buf[40];
    snprintf(buf, sizeof(buf), "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, sizeof(buf), "%.17g", v);
    return fputs(buf, f) == EOF ? -1 : 0;
}

int ts_writer_row(struct ts_writer *w, const double *values)
{
    assert(w);
    for (int i = 0; i < w->columns; i++) {
        if (i && fputc(',', w->f) == EOF)
            w->failed = 1;
        if (write_number(w->f, values[i]) != 0)
            w->failed = 1;
    }
    if (fputc('\n', w->f) == EOF)
        w->failed = 1;
    return w->failed ? -1 : 0;
}

int ts_writer_close(struct ts_writer *w)
{
    if (!w)
        return -1;
    int failed = w->failed;
    if (fclose(w->f) != 0)
        failed = 1;
    free(w);
    return failed ? -1 : 0;
}
