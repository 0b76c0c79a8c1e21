/* Fuzz target: sim/common/json.c (json_parse and the typed readers every loader uses). Any text
 * parses or fails with "line L, column C: ..."; the readers on whatever parsed never crash and
 * keep their first error. */
#include <stdint.h>
#include <string.h>

#include "common/check.h"
#include <cjson/cJSON.h>

#include "common/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The readers take an object (their documented precondition, asserted): read every object of
 * the document, to a bounded depth. */
static void read_fields(const cJSON *doc, int depth)
{
    if (!cJSON_IsObject(doc) || depth > 8) {
        return;
    }
    static const char *const names[] = {"a", "b", "name", "faults", "x", ""};
    static const char *const allowed[] = {"a", "b", "name", NULL};
    struct json_reader r;
    json_reader_init(&r);
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        char s[64];
        int64_t n;
        double d;
        int b;
        (void)json_get_string(&r, doc, names[i], 0, s, sizeof(s), "def");
        assert(strlen(s) < sizeof(s));
        (void)json_get_int(&r, doc, names[i], 0, &n, 0, -1000000, 1000000);
        (void)json_get_double(&r, doc, names[i], 0, &d, 0.0, -1e9, 1e9);
        (void)json_get_bool(&r, doc, names[i], 0, &b, 0);
        int saved = json_enter(&r, names[i], (int)i);
        (void)json_get_object(&r, doc, names[i], 0);
        (void)json_get_array(&r, doc, names[i], 0, 0, 8);
        json_leave(&r, saved);
        (void)json_type_name(doc);
    }
    (void)json_check_keys(&r, doc, allowed);
    for (const cJSON *m = doc->child; m != NULL; m = m->next) {
        read_fields(m, depth + 1);
    }
    assert(r.failed == (r.err[0] != '\0'));
    assert(strlen(r.err) < sizeof(r.err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[ERR_BYTES_MAX];
    err[0] = '\0';
    cJSON *doc = json_parse((const char *)data, size, err, sizeof(err));
    if (doc == NULL) {
        assert(err[0] != '\0');
        return 0;
    }
    read_fields(doc, 0);
    json_delete(doc);
    return 0;
}
