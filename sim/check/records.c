/* JSON-lines inputs -> compact tables: see records.h. */
#include "common/hdr.h"
#include "check/records.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct records *records_new(void)
{
    return calloc(1, sizeof(struct records));
}

static void free_texts(char **texts, int count)
{
    for (int i = 0; i < count; i++)
        free(texts[i]);
    free(texts);
}

static void free_events(struct rec_event *ev, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(ev[i].line);
    free(ev);
}

void records_free(struct records *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->parcel_count; i++)
        free_texts(r->parcels[i].contexts, r->parcels[i].context_count);
    for (size_t i = 0; i < r->core_count; i++)
        free_texts(r->core[i].contexts, r->core[i].context_count);
    free(r->orders);
    free(r->skus);
    free(r->waybills);
    free(r->parcels);
    free(r->core);
    free(r->stock);
    free_events(r->evidence, r->evidence_count);
    free_events(r->faults, r->fault_count);
    free(r);
}

/* Grow *arr (elements of size sz) so that index *count fits; returns the new slot or NULL. */
static void *grow(void **arr, size_t *count, size_t *cap, size_t sz)
{
    if (*count >= (size_t)REC_ROWS_MAX)
        return NULL;
    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 256;
        void *n = realloc(*arr, ncap * sz);
        if (n == NULL)
            return NULL;
        *arr = n;
        *cap = ncap;
    }
    char *slot = (char *)*arr + (*count) * sz;
    memset(slot, 0, sz);
    (*count)++;
    return slot;
}

static void get_str(const cJSON *o, const char *key, char *out, size_t out_len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    out[0] = '\0';
    if (cJSON_IsString(v) && v->valuestring != NULL)
        snprintf(out, out_len, "%s", v->valuestring);
}

static int64_t get_ms(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        return REC_NONE;
    return (int64_t)v->valuedouble;
}

static char **get_contexts(const cJSON *arr, int *count)
{
    *count = 0;
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
    if (n <= 0)
        return NULL;
    char **out = calloc((size_t)n, sizeof(char *));
    if (out == NULL)
        return NULL;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, arr)
    {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(ev, "context");
        out[*count] = strdup(cJSON_IsString(c) && c->valuestring ? c->valuestring : "");
        if (out[*count] != NULL)
            (*count)++;
    }
    return out;
}

typedef int (*line_fn)(struct records *r, const cJSON *o, const char *line);

/* Read path line by line, handing each parsed object to fn. */
static int read_lines(struct records *r, const char *path, line_fn fn, char *err, int err_len)
{
    if (path == NULL)
        return 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, (size_t)err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    int rc = 0;
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (len > REC_LINE_BYTES_MAX || len <= 1) {
            if (len > 1)
                r->bad_lines++;
            continue;
        }
        line[len - 1] = line[len - 1] == '\n' ? '\0' : line[len - 1];
        cJSON *o = cJSON_ParseWithLength(line, (size_t)len);
        if (!cJSON_IsObject(o)) {
            if (r->bad_lines++ == 0)
                snprintf(r->bad_line_note, sizeof(r->bad_line_note), "%s:%ld: not a JSON object",
                         path, lineno);
            cJSON_Delete(o);
            continue;
        }
        rc = fn(r, o, line);
        cJSON_Delete(o);
        if (rc != 0) {
            snprintf(err, (size_t)err_len, "%s:%ld: out of memory or over %ld rows", path, lineno,
                     REC_ROWS_MAX);
            break;
        }
    }
    free(line);
    fclose(f);
    return rc;
}

static int platform_line(struct records *r, const cJSON *o, const char *line)
{
    char type[16];
    get_str(o, "type", type, sizeof(type));
    if (strcmp(type, "order") == 0) {
        struct rec_order *x =
            grow((void **)&r->orders, &r->order_count, &r->cap_orders, sizeof(*x));
        if (x == NULL)
            return -1;
        get_str(o, "order_id", x->order_id, sizeof(x->order_id));
        get_str(o, "shop", x->shop, sizeof(x->shop));
        get_str(o, "state", x->state, sizeof(x->state));
        get_str(o, "waybill", x->waybill, sizeof(x->waybill));
        get_str(o, "carrier", x->carrier, sizeof(x->carrier));
        x->seq = get_ms(o, "seq");
        x->create_ms = get_ms(o, "create_ms");
        x->pay_ms = get_ms(o, "pay_ms");
        x->cancel_ms = get_ms(o, "cancel_ms");
        x->ship_ms = get_ms(o, "ship_ms");
        x->pickup_ms = get_ms(o, "pickup_ms");
        x->deliver_ms = get_ms(o, "deliver_ms");
    } else if (strcmp(type, "sku") == 0) {
        struct rec_sku *x = grow((void **)&r->skus, &r->sku_count, &r->cap_skus, sizeof(*x));
        if (x == NULL)
            return -1;
        get_str(o, "sku", x->sku, sizeof(x->sku));
        x->initial = get_ms(o, "initial");
        x->committed = get_ms(o, "committed");
        x->available = get_ms(o, "available");
    }
    (void)line;
    return 0;
}

void records_ref_to_order(char *ref)
{
    char *r = strrchr(ref, '-');
    if (r == NULL || r == ref || r[1] != 'R' || r[2] == '\0')
        return;
    for (const char *d = r + 2; *d != '\0'; d++)
        if (*d < '0' || *d > '9')
            return;
    *r = '\0';
}

static int carrier_line(struct records *r, const cJSON *o, const char *line)
{
    char type[16];
    get_str(o, "type", type, sizeof(type));
    if (strcmp(type, "waybill") == 0) {
        struct rec_waybill *x =
            grow((void **)&r->waybills, &r->waybill_count, &r->cap_waybills, sizeof(*x));
        if (x == NULL)
            return -1;
        get_str(o, "carrier", x->carrier, sizeof(x->carrier));
        get_str(o, "waybill", x->waybill, sizeof(x->waybill));
        get_str(o, "order_ref", x->order_ref, sizeof(x->order_ref));
        records_ref_to_order(x->order_ref);
        x->create_ms = get_ms(o, "create_ms");
        x->cancel_ms = get_ms(o, "cancel_ms");
        x->duplicate = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "duplicate_of"));
    } else if (strcmp(type, "parcel") == 0) {
        struct rec_parcel *x =
            grow((void **)&r->parcels, &r->parcel_count, &r->cap_parcels, sizeof(*x));
        if (x == NULL)
            return -1;
        get_str(o, "carrier", x->carrier, sizeof(x->carrier));
        get_str(o, "waybill", x->waybill, sizeof(x->waybill));
        get_str(o, "order_ref", x->order_ref, sizeof(x->order_ref));
        records_ref_to_order(x->order_ref);
        const cJSON *events = cJSON_GetObjectItemCaseSensitive(o, "events");
        x->first_event_ms = REC_NONE;
        if (cJSON_IsArray(events) && cJSON_GetArraySize(events) > 0)
            x->first_event_ms = get_ms(cJSON_GetArrayItem(events, 0), "sim_ms");
        x->signed_ms = REC_NONE;
        const cJSON *ev;
        cJSON_ArrayForEach(ev, events)
        {
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(ev, "state");
            if (cJSON_IsNumber(st) && st->valueint == REC_PARCEL_SIGNED) {
                x->signed_ms = get_ms(ev, "sim_ms");
                break;
            }
        }
        x->contexts = get_contexts(events, &x->context_count);
    }
    (void)line;
    return 0;
}

static void core_lists(struct rec_core_order *x, const cJSON *o)
{
    const cJSON *it;
    const cJSON *wbs = cJSON_GetObjectItemCaseSensitive(o, "waybills");
    cJSON_ArrayForEach(it, wbs)
    {
        if (x->waybill_count >= REC_WAYBILLS_PER_ORDER_MAX)
            break;
        struct rec_core_waybill *w = &x->waybills[x->waybill_count++];
        get_str(it, "carrier", w->carrier, sizeof(w->carrier));
        get_str(it, "waybill", w->waybill, sizeof(w->waybill));
        get_str(it, "status", w->status, sizeof(w->status));
    }
    const cJSON *hist = cJSON_GetObjectItemCaseSensitive(o, "history");
    cJSON_ArrayForEach(it, hist)
    {
        if (x->history_count >= REC_HISTORY_MAX)
            break;
        const cJSON *s = cJSON_GetArrayItem(it, 0);
        const cJSON *ms = cJSON_GetArrayItem(it, 1);
        if (!cJSON_IsString(s) || !cJSON_IsNumber(ms))
            continue;
        struct rec_step *st = &x->history[x->history_count++];
        snprintf(st->state, sizeof(st->state), "%s", s->valuestring);
        st->ms = (int64_t)ms->valuedouble;
    }
    x->contexts = get_contexts(cJSON_GetObjectItemCaseSensitive(o, "tracking"), &x->context_count);
}

static int state_line(struct records *r, const cJSON *o, const char *line)
{
    char type[16];
    get_str(o, "type", type, sizeof(type));
    if (strcmp(type, "order") == 0) {
        struct rec_core_order *x =
            grow((void **)&r->core, &r->core_count, &r->cap_core, sizeof(*x));
        if (x == NULL)
            return -1;
        get_str(o, "order_id", x->order_id, sizeof(x->order_id));
        get_str(o, "state", x->state, sizeof(x->state));
        get_str(o, "carrier", x->carrier, sizeof(x->carrier));
        get_str(o, "waybill", x->waybill, sizeof(x->waybill));
        char reason[8];
        get_str(o, "hold_reason", reason, sizeof(reason));
        x->held = strcmp(x->state, "hold") == 0 && reason[0] != '\0';
        x->seen_ms = get_ms(o, "seen_ms");
        x->pay_ms = get_ms(o, "pay_ms");
        x->waybill_ms = get_ms(o, "waybill_ms");
        x->ship_ms = get_ms(o, "ship_ms");
        x->pickup_ms = get_ms(o, "pickup_ms");
        x->deliver_ms = get_ms(o, "deliver_ms");
        core_lists(x, o);
    } else if (strcmp(type, "stock") == 0) {
        struct rec_stock *x = grow((void **)&r->stock, &r->stock_count, &r->cap_stock, sizeof(*x));
        if (x == NULL)
            return -1;
        get_str(o, "sku", x->sku, sizeof(x->sku));
        x->on_hand = get_ms(o, "on_hand");
    }
    (void)line;
    return 0;
}

static int event_line(struct rec_event *x, const cJSON *o, const char *line)
{
    x->sim_ms = get_ms(o, "sim_ms");
    get_str(o, "kind", x->kind, sizeof(x->kind));
    get_str(o, "order_id", x->order_id, sizeof(x->order_id));
    if (x->order_id[0] == '\0') {
        get_str(o, "order", x->order_id, sizeof(x->order_id));
        records_ref_to_order(x->order_id); /* a fault log's key: maybe a carrier reference */
    }
    x->line = strdup(line);
    return x->line == NULL ? -1 : 0;
}

static int evidence_line(struct records *r, const cJSON *o, const char *line)
{
    struct rec_event *x = grow((void **)&r->evidence, &r->evidence_count, &r->cap_ev, sizeof(*x));
    return x == NULL ? -1 : event_line(x, o, line);
}

static int fault_line(struct records *r, const cJSON *o, const char *line)
{
    struct rec_event *x = grow((void **)&r->faults, &r->fault_count, &r->cap_faults, sizeof(*x));
    return x == NULL ? -1 : event_line(x, o, line);
}

int records_read_platform(struct records *r, const char *path, char *err, int err_len)
{
    return read_lines(r, path, platform_line, err, err_len);
}

int records_read_carrier(struct records *r, const char *path, char *err, int err_len)
{
    return read_lines(r, path, carrier_line, err, err_len);
}

int records_read_state(struct records *r, const char *path, char *err, int err_len)
{
    if (path != NULL)
        r->have_state = 1;
    return read_lines(r, path, state_line, err, err_len);
}

int records_read_evidence(struct records *r, const char *path, char *err, int err_len)
{
    if (path != NULL)
        r->have_evidence = 1;
    return read_lines(r, path, evidence_line, err, err_len);
}

int records_read_faults(struct records *r, const char *path, char *err, int err_len)
{
    return read_lines(r, path, fault_line, err, err_len);
}

static int cmp_order(const void *a, const void *b)
{
    return strcmp(((const struct rec_order *)a)->order_id, ((const struct rec_order *)b)->order_id);
}

static int cmp_core(const void *a, const void *b)
{
    return strcmp(((const struct rec_core_order *)a)->order_id,
                  ((const struct rec_core_order *)b)->order_id);
}

static int cmp_parcel(const void *a, const void *b)
{
    return strcmp(((const struct rec_parcel *)a)->waybill, ((const struct rec_parcel *)b)->waybill);
}

static int cmp_stock(const void *a, const void *b)
{
    return strcmp(((const struct rec_stock *)a)->sku, ((const struct rec_stock *)b)->sku);
}

static int cmp_waybill_ref(const void *a, const void *b)
{
    const struct rec_waybill *x = a;
    const struct rec_waybill *y = b;
    int c = strcmp(x->order_ref, y->order_ref);
    if (c != 0)
        return c;
    if (x->create_ms != y->create_ms)
        return x->create_ms < y->create_ms ? -1 : 1;
    return strcmp(x->waybill, y->waybill);
}

static int cmp_event(const void *a, const void *b)
{
    const struct rec_event *x = a;
    const struct rec_event *y = b;
    if (x->sim_ms != y->sim_ms)
        return x->sim_ms < y->sim_ms ? -1 : 1;
    return strcmp(x->kind, y->kind);
}

/* qsort with an empty table may get NULL, which qsort must not see. */
static void sort_table(void *base, size_t count, size_t sz, int (*cmp)(const void *, const void *))
{
    if (count > 1)
        qsort(base, count, sz, cmp);
}

void records_index(struct records *r)
{
    assert(r != NULL);
    sort_table(r->orders, r->order_count, sizeof(*r->orders), cmp_order);
    sort_table(r->core, r->core_count, sizeof(*r->core), cmp_core);
    sort_table(r->parcels, r->parcel_count, sizeof(*r->parcels), cmp_parcel);
    sort_table(r->stock, r->stock_count, sizeof(*r->stock), cmp_stock);
    sort_table(r->waybills, r->waybill_count, sizeof(*r->waybills), cmp_waybill_ref);
    /* Events by time, stable enough for timelines: ties broken by kind. */
    sort_table(r->evidence, r->evidence_count, sizeof(*r->evidence), cmp_event);
    sort_table(r->faults, r->fault_count, sizeof(*r->faults), cmp_event);
}

/* Binary search on a table sorted by a string key at offset 0 of each element. */
static const void *find_key(const void *base, size_t count, size_t sz, const char *key)
{
    size_t lo = 0;
    size_t hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *k = (const char *)base + mid * sz;
        int c = strcmp(k, key);
        if (c == 0)
            return k;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct rec_order *records_order(const struct records *r, const char *order_id)
{
    return find_key(r->orders, r->order_count, sizeof(*r->orders), order_id);
}

const struct rec_core_order *records_core(const struct records *r, const char *order_id)
{
    return find_key(r->core, r->core_count, sizeof(*r->core), order_id);
}

const struct rec_stock *records_stock(const struct records *r, const char *sku)
{
    return find_key(r->stock, r->stock_count, sizeof(*r->stock), sku);
}

const struct rec_parcel *records_parcel(const struct records *r, const char *waybill)
{
    size_t lo = 0;
    size_t hi = r->parcel_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(r->parcels[mid].waybill, waybill);
        if (c == 0)
            return &r->parcels[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

size_t records_waybills_of(const struct records *r, const char *order_id,
                           const struct rec_waybill **first)
{
    size_t lo = 0;
    size_t hi = r->waybill_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(r->waybills[mid].order_ref, order_id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = 0;
    while (lo + n < r->waybill_count && strcmp(r->waybills[lo + n].order_ref, order_id) == 0)
        n++;
    *first = n > 0 ? &r->waybills[lo] : NULL;
    return n;
}

/* A cheap scan instead of a parse: timelines re-read whole truth files, line by line. */
int records_line_order_id(const char *line, char *buf, int buf_len)
{
    static const char *const keys[] = {"\"order_id\"", "\"order_ref\"", "\"order\""};
    assert(buf_len > 0);
    for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
        const char *p = strstr(line, keys[k]);
        if (p == NULL)
            continue;
        p += strlen(keys[k]);
        while (*p == ' ')
            p++;
        if (*p++ != ':')
            continue;
        while (*p == ' ')
            p++;
        if (*p++ != '"')
            continue;
        int n = 0;
        while (p[n] != '"' && p[n] != '\0' && p[n] != '\\' && n < buf_len - 1) {
            buf[n] = p[n];
            n++;
        }
        buf[n] = '\0';
        if (n > 0 && p[n] == '"')
            return 1;
    }
    buf[0] = '\0';
    return 0;
}

static double sum_members(const cJSON *obj)
{
    double sum = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        if (cJSON_IsNumber(it))
            sum += it->valuedouble;
    }
    return sum;
}

int records_parse_stats(const char *body, size_t len, struct rec_stats *out)
{
    memset(out, 0, sizeof(*out));
    cJSON *o = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return -1;
    }
    const cJSON *orders = cJSON_GetObjectItemCaseSensitive(o, "orders");
    if (cJSON_IsObject(orders)) {
        out->placed = get_ms(orders, "placed") == REC_NONE ? 0 : get_ms(orders, "placed");
        out->paid = get_ms(orders, "paid") == REC_NONE ? 0 : get_ms(orders, "paid");
        out->cancelled = get_ms(orders, "cancelled") == REC_NONE ? 0 : get_ms(orders, "cancelled");
        out->shipped = get_ms(orders, "shipped") == REC_NONE ? 0 : get_ms(orders, "shipped");
        out->delivered = get_ms(orders, "delivered") == REC_NONE ? 0 : get_ms(orders, "delivered");
    }
    out->requests = sum_members(cJSON_GetObjectItemCaseSensitive(o, "requests"));
    out->errors = sum_members(cJSON_GetObjectItemCaseSensitive(o, "errors"));
    out->faults = sum_members(cJSON_GetObjectItemCaseSensitive(o, "faults"));
    out->ship_p99_ms = -1;
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(o, "ship_latency_ms_hdr");
    struct hdr *h = cJSON_IsString(lat) ? hdr_new() : NULL;
    if (h != NULL && hdr_decode(h, lat->valuestring) == 0 && hdr_count(h) > 0)
        out->ship_p99_ms = hdr_percentile(h, 99.0);
    hdr_free(h);
    cJSON_Delete(o);
    return 0;
}
