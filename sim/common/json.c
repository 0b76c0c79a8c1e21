/* Typed reads over cJSON with JSON-path errors: see json.h. */
#include "common/json.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2^53: beyond it a JSON number (a double) no longer holds every integer exactly. */
#define JSON_INT_EXACT_MAX 9007199254740992.0
#define JSON_KEYS_LIST_BYTES_MAX 400

/* Line and column (1-based, column in bytes) of offset in text. */
static void json_position(const char *text, unsigned long len, unsigned long offset, int *line,
                          int *column)
{
    assert(offset <= len);
    *line = 1;
    *column = 1;
    for (unsigned long i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            *line += 1;
            *column = 1;
        } else {
            *column += 1;
        }
    }
}

#define JSON_SCAN_DEPTH_MAX 64

/* cJSON reports a failed string one byte late: where an object key was expected (after '{' or
 * ',') or just inside an opening quote. Scan text (string-aware) up to offset - 1 and step back
 * when that byte is such a place, so the column names the offending byte. */
static unsigned long json_fix_offset(const char *text, unsigned long offset)
{
    if (offset == 0)
        return offset;
    unsigned long p = offset - 1;
    char stack[JSON_SCAN_DEPTH_MAX];
    int depth = 0;
    int in_string = 0;
    char last = '\0'; /* last structural or value byte outside strings */
    for (unsigned long i = 0; i < p; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\' && i + 1 < p)
                i++;
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if (c == '"')
            in_string = 1;
        else if ((c == '{' || c == '[') && depth < JSON_SCAN_DEPTH_MAX)
            stack[depth++] = c;
        else if ((c == '}' || c == ']') && depth > 0)
            depth--;
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            last = c;
    }
    if (in_string)
        return offset;
    if (text[p] == '"')
        return p; /* a string opening at p failed */
    int key_expected = depth > 0 && stack[depth - 1] == '{' && (last == '{' || last == ',');
    return key_expected && text[p] != ' ' && text[p] != '\n' ? p : offset;
}

/* What the parser stopped at, as words for the message. */
static void json_describe_at(const char *text, unsigned long len, unsigned long offset, char *out,
                             int out_len)
{
    unsigned long i = offset;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    if (i >= len) {
        snprintf(out, out_len, "unexpected end of input");
        return;
    }
    unsigned char c = (unsigned char)text[i];
    if (c >= 0x20 && c < 0x7f)
        snprintf(out, out_len, "invalid JSON at '%c'", c);
    else
        snprintf(out, out_len, "invalid JSON at byte 0x%02x", c);
}

cJSON *json_parse(const char *text, unsigned long len, char *err, int err_len)
{
    assert(text != NULL || len == 0);
    assert(err != NULL);
    err[0] = '\0';
    /* cJSON wants a NUL-terminated buffer to reject trailing garbage; copy to get one. */
    char *buf = malloc(len + 1);
    if (buf == NULL) {
        snprintf(err, err_len, "out of memory (%lu bytes)", len + 1);
        return NULL;
    }
    if (len > 0)
        memcpy(buf, text, len);
    buf[len] = '\0';
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
    if (doc == NULL) {
        unsigned long offset = len;
        if (end != NULL && end >= buf && end <= buf + len)
            offset = (unsigned long)(end - buf);
        else if (cJSON_GetErrorPtr() != NULL)
            offset = (unsigned long)(cJSON_GetErrorPtr() - buf);
        if (offset > len)
            offset = len;
        offset = json_fix_offset(buf, offset);
        int line = 0;
        int column = 0;
        json_position(buf, len, offset, &line, &column);
        char what[64];
        json_describe_at(buf, len, offset, what, sizeof(what));
        if (len == 0 || strspn(buf, " \t\r\n") == len)
            snprintf(what, sizeof(what), "empty document");
        snprintf(err, err_len, "line %d, column %d: %s", line, column, what);
    }
    free(buf);
    return doc;
}

void json_delete(cJSON *doc)
{
    cJSON_Delete(doc);
}

cJSON *json_parse_file(const char *path, unsigned long max_bytes, char *err, int err_len)
{
    assert(path != NULL);
    assert(max_bytes > 0);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, err_len, "cannot open: %s", strerror(errno));
        return NULL;
    }
    char *buf = malloc(max_bytes + 1);
    if (buf == NULL) {
        fclose(f);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    /* read one byte past the limit to tell "exactly max" from "too large" */
    size_t n = fread(buf, 1, max_bytes + 1, f);
    int read_error = ferror(f);
    fclose(f);
    cJSON *doc = NULL;
    if (read_error)
        snprintf(err, err_len, "cannot read: %s", strerror(errno));
    else if (n > max_bytes)
        snprintf(err, err_len, "file is larger than %lu bytes", max_bytes);
    else
        doc = json_parse(buf, (unsigned long)n, err, err_len);
    free(buf);
    return doc;
}

void json_reader_init(struct json_reader *r)
{
    assert(r != NULL);
    memset(r, 0, sizeof(*r));
}

/* Append "sep + text" to the path, truncating at the buffer end (a path that long is already
 * unreadable; the message stays a valid string). */
static void path_append(struct json_reader *r, const char *text)
{
    size_t used = strlen(r->path);
    assert(used < sizeof(r->path));
    snprintf(r->path + used, sizeof(r->path) - used, "%s", text);
}

void json_fail(struct json_reader *r, const char *field, const char *fmt, ...)
{
    assert(r != NULL);
    assert(fmt != NULL);
    char msg[ERR_BYTES_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* build "<path>[.<field>]: <msg>" piecewise: long paths or messages truncate, by design */
    char line[ERR_BYTES_MAX];
    int has_field = field != NULL && field[0] != '\0';
    const char *parts[5] = {r->path, "", "", ": ", msg};
    if (r->path[0] == '\0')
        parts[0] = has_field ? field : "(root)";
    else if (has_field) {
        parts[1] = field[0] == '[' ? "" : ".";
        parts[2] = field;
    }
    size_t used = 0;
    for (int k = 0; k < 5; k++) {
        size_t n = strlen(parts[k]);
        if (n > sizeof(line) - 1 - used)
            n = sizeof(line) - 1 - used;
        memcpy(line + used, parts[k], n);
        used += n;
    }
    line[used] = '\0';
    if (!r->failed) {
        memcpy(r->err, line, used + 1);
        STATIC_ASSERT(sizeof(r->err) == sizeof(line), "err holds a whole line");
        r->failed = 1;
    }
    r->error_count++;
    if (r->on_error != NULL)
        r->on_error(r->on_error_arg, line);
}

int json_enter(struct json_reader *r, const char *field, int index)
{
    assert(r != NULL);
    int saved = (int)strlen(r->path);
    if (field != NULL && field[0] != '\0') {
        if (r->path[0] != '\0')
            path_append(r, ".");
        path_append(r, field);
    }
    if (index >= 0) {
        char idx[24];
        snprintf(idx, sizeof(idx), "[%d]", index);
        path_append(r, idx);
    }
    return saved;
}

void json_leave(struct json_reader *r, int saved_len)
{
    assert(r != NULL);
    assert(saved_len >= 0);
    assert(saved_len <= (int)strlen(r->path));
    r->path[saved_len] = '\0';
}

const char *json_type_name(const cJSON *item)
{
    if (item == NULL)
        return "nothing";
    if (cJSON_IsNull(item))
        return "null";
    if (cJSON_IsBool(item))
        return "a bool";
    if (cJSON_IsNumber(item))
        return "a number";
    if (cJSON_IsString(item))
        return "a string";
    if (cJSON_IsArray(item))
        return "an array";
    if (cJSON_IsObject(item))
        return "an object";
    return "an unknown value";
}

/* The member named field of obj, or NULL (failing when required). */
static const cJSON *member(struct json_reader *r, const cJSON *obj, const char *field, int required)
{
    assert(cJSON_IsObject(obj));
    assert(field != NULL);
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (item == NULL && required)
        json_fail(r, field, "missing (required)");
    return item;
}

int json_get_string(struct json_reader *r, const cJSON *obj, const char *field, int required,
                    char *out, int out_len, const char *def)
{
    assert(out != NULL);
    assert(out_len > 0);
    const cJSON *item = member(r, obj, field, required);
    if (item == NULL) {
        snprintf(out, out_len, "%s", def != NULL ? def : "");
        return required ? -1 : 0;
    }
    if (!cJSON_IsString(item)) {
        json_fail(r, field, "must be a string, got %s", json_type_name(item));
        return -1;
    }
    size_t n = strlen(item->valuestring);
    if (n >= (size_t)out_len) {
        json_fail(r, field, "must be at most %d bytes long, got %zu", out_len - 1, n);
        return -1;
    }
    memcpy(out, item->valuestring, n + 1);
    return 0;
}

/* A number member in [lo, hi]; the shared part of the int and double readers. */
static int number_member(struct json_reader *r, const cJSON *obj, const char *field, int required,
                         const cJSON **item_out)
{
    const cJSON *item = member(r, obj, field, required);
    *item_out = item;
    if (item == NULL)
        return required ? -1 : 1;
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble)) {
        json_fail(r, field, "must be a number, got %s", json_type_name(item));
        return -1;
    }
    return 0;
}

int json_get_int(struct json_reader *r, const cJSON *obj, const char *field, int required,
                 int64_t *out, int64_t def, int64_t lo, int64_t hi)
{
    assert(out != NULL);
    assert(lo <= hi);
    const cJSON *item = NULL;
    int rc = number_member(r, obj, field, required, &item);
    if (rc != 0) {
        *out = def;
        return rc < 0 ? -1 : 0;
    }
    double v = item->valuedouble;
    if (v != floor(v) || fabs(v) > JSON_INT_EXACT_MAX) {
        json_fail(r, field, "must be an integer, got %.17g", v);
        return -1;
    }
    if (v < (double)lo || v > (double)hi) {
        json_fail(r, field, "must be in [%lld,%lld], got %.17g", (long long)lo, (long long)hi, v);
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

int json_get_double(struct json_reader *r, const cJSON *obj, const char *field, int required,
                    double *out, double def, double lo, double hi)
{
    assert(out != NULL);
    assert(lo <= hi);
    const cJSON *item = NULL;
    int rc = number_member(r, obj, field, required, &item);
    if (rc != 0) {
        *out = def;
        return rc < 0 ? -1 : 0;
    }
    double v = item->valuedouble;
    if (v < lo || v > hi) {
        json_fail(r, field, "must be in [%g,%g], got %g", lo, hi, v);
        return -1;
    }
    *out = v;
    return 0;
}

int json_get_bool(struct json_reader *r, const cJSON *obj, const char *field, int required,
                  int *out, int def)
{
    assert(out != NULL);
    const cJSON *item = member(r, obj, field, required);
    if (item == NULL) {
        *out = def;
        return required ? -1 : 0;
    }
    if (!cJSON_IsBool(item)) {
        json_fail(r, field, "must be true or false, got %s", json_type_name(item));
        return -1;
    }
    *out = cJSON_IsTrue(item) ? 1 : 0;
    return 0;
}

const cJSON *json_get_object(struct json_reader *r, const cJSON *obj, const char *field,
                             int required)
{
    const cJSON *item = member(r, obj, field, required);
    if (item == NULL)
        return NULL;
    if (!cJSON_IsObject(item)) {
        json_fail(r, field, "must be an object, got %s", json_type_name(item));
        return NULL;
    }
    return item;
}

const cJSON *json_get_array(struct json_reader *r, const cJSON *obj, const char *field,
                            int required, int min_items, int max_items)
{
    assert(min_items >= 0);
    assert(min_items <= max_items);
    const cJSON *item = member(r, obj, field, required);
    if (item == NULL)
        return NULL;
    if (!cJSON_IsArray(item)) {
        json_fail(r, field, "must be an array, got %s", json_type_name(item));
        return NULL;
    }
    int n = cJSON_GetArraySize(item);
    if (n < min_items) {
        json_fail(r, field, "must have at least %d item%s, got %d", min_items,
                  min_items == 1 ? "" : "s", n);
        return NULL;
    }
    if (n > max_items) {
        json_fail(r, field, "must have at most %d items, got %d", max_items, n);
        return NULL;
    }
    return item;
}

static int key_allowed(const char *key, const char *const *allowed)
{
    for (int i = 0; allowed[i] != NULL; i++)
        if (strcmp(key, allowed[i]) == 0)
            return 1;
    return 0;
}

int json_check_keys(struct json_reader *r, const cJSON *obj, const char *const *allowed)
{
    assert(cJSON_IsObject(obj));
    assert(allowed != NULL);
    char list[JSON_KEYS_LIST_BYTES_MAX] = "";
    size_t used = 0;
    for (int i = 0; allowed[i] != NULL && used < sizeof(list); i++)
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i > 0 ? ", " : "",
                                 allowed[i]);
    int rc = 0;
    for (const cJSON *c = obj->child; c != NULL; c = c->next) {
        assert(c->string != NULL);
        if (!key_allowed(c->string, allowed)) {
            json_fail(r, c->string, "unknown key (allowed: %s)", list);
            rc = -1;
            continue;
        }
        /* cJSON keeps both copies of a repeated key and reads the first: say so */
        for (const cJSON *d = obj->child; d != c; d = d->next) {
            if (strcmp(d->string, c->string) == 0) {
                json_fail(r, c->string, "key appears more than once");
                rc = -1;
                break;
            }
        }
    }
    return rc;
}

int64_t json_i64(const cJSON *item, int64_t def)
{
    if (!cJSON_IsNumber(item))
        return def;
    double v = item->valuedouble;
    /* 2^63 is exactly representable; every double below it converts */
    if (!isfinite(v) || v >= 9223372036854775808.0 || v < -9223372036854775808.0)
        return def;
    return (int64_t)v;
}
