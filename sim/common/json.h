/* Typed reads over cJSON with JSON-path error messages.
 *
 * A struct json_reader walks one document; every read names the field's path
 * ("faults[2].probability") in its error. The first error is kept (later ones are ignored), so a
 * loader can read every field and check once at the end. cJSON types stay visible to callers that
 * include cJSON.h themselves (only json.c and sim/scenario do). */
#ifndef SHIPSIM_JSON_H
#define SHIPSIM_JSON_H

#include <stdint.h>
#include "common/check.h"
#include "common/limits.h"

typedef struct cJSON cJSON;

/* Parse text (len bytes, need not be NUL-terminated). On a syntax error returns NULL and writes
 * "line L, column C: <what>" into err. The result is freed with json_delete. */
cJSON *json_parse(const char *text, unsigned long len, char *err, int err_len);
void json_delete(cJSON *doc);
/* Read a whole file (at most max_bytes) and parse it; err names the file problem or position. */
cJSON *json_parse_file(const char *path, unsigned long max_bytes, char *err, int err_len);

struct json_reader {
    char path[256];          /* the path of the object being read, "" at the root */
    char err[ERR_BYTES_MAX]; /* first error, "" when none */
    int failed;
    /* Optional sink (additive): when set, json_fail also hands it every error line, not only the
     * first, so a loader can report all problems of a file at once. json_reader_init clears it. */
    void (*on_error)(void *arg, const char *line);
    void *on_error_arg;
    int error_count; /* errors recorded so far (first one in err) */
};

void json_reader_init(struct json_reader *r);
/* Record an error "<path>.<field>: <message>" unless one is already recorded. */
void json_fail(struct json_reader *r, const char *field, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Enter a child path ("faults[2]"), returning the old path length for json_leave. */
int json_enter(struct json_reader *r, const char *field, int index);
void json_leave(struct json_reader *r, int saved_len);

/* Field readers on an object. "required" reads fail when the field is missing; optional ones
 * leave *out at the default given. Range checks are inclusive. Each returns 0 or -1. */
int json_get_string(struct json_reader *r, const cJSON *obj, const char *field, int required,
                    char *out, int out_len, const char *def);
int json_get_int(struct json_reader *r, const cJSON *obj, const char *field, int required,
                 int64_t *out, int64_t def, int64_t lo, int64_t hi);
int json_get_double(struct json_reader *r, const cJSON *obj, const char *field, int required,
                    double *out, double def, double lo, double hi);
int json_get_bool(struct json_reader *r, const cJSON *obj, const char *field, int required,
                  int *out, int def);
/* An object or array member (NULL when missing; fails when required or of the wrong type). */
const cJSON *json_get_object(struct json_reader *r, const cJSON *obj, const char *field,
                             int required);
const cJSON *json_get_array(struct json_reader *r, const cJSON *obj, const char *field,
                            int required, int min_items, int max_items);
/* The JSON type of an item as a word for messages: "null", "a bool", "a number", "a string",
 * "an array", "an object" ("nothing" for NULL). */
const char *json_type_name(const cJSON *item);
/* A JSON number as int64 (truncated), or def when item is not a finite number inside the int64
 * range: casting such a double is undefined behaviour, and network input can hold any number. */
int64_t json_i64(const cJSON *item, int64_t def);

/* Fail on any key of obj not in the NULL-terminated list allowed. */
int json_check_keys(struct json_reader *r, const cJSON *obj, const char *const *allowed);

#endif
