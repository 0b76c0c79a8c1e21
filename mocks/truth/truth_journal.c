/* The truth journal (--state FILE) and the truth dump. The journal is JSON lines: an order line
 * (the dump line plus the fields a replay needs) after every change of that order, a listing line
 * after every stock change, and modules' own lines (tokens). Replay keeps the last line of each
 * order and listing; a torn last line (the process died mid-write) is skipped. */
#include <cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "truth/truth_internal.h"

#define TRUTH_LINE_BYTES_MAX 4096
#define JOURNAL_LINE_BYTES_MAX (64 * 1024)

static int put(char *buf, int len, int *n, const char *fmt, ...) PRINTF_LIKE(4, 5);

static int put(char *buf, int len, int *n, const char *fmt, ...)
{
    if (*n >= len)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *n, (size_t)(len - *n), fmt, ap);
    va_end(ap);
    if (w < 0 || *n + w >= len) {
        *n = len;
        return -1;
    }
    *n += w;
    return 0;
}

static void put_ms(char *buf, int len, int *n, const char *name, int64_t ms)
{
    if (ms > 0)
        put(buf, len, n, ",\"%s\":%lld", name, (long long)ms);
    else
        put(buf, len, n, ",\"%s\":null", name);
}

/* Strings inside orders were validated on entry (ids, buyer, waybill, carrier are plain ASCII
 * tokens without quotes or backslashes), so they are printed as they are. */
static void put_str_or_null(char *buf, int len, int *n, const char *name, const char *s)
{
    if (s[0] != '\0')
        put(buf, len, n, ",\"%s\":\"%s\"", name, s);
    else
        put(buf, len, n, ",\"%s\":null", name);
}

int truth_order_json(const struct truth *t, const struct truth_order *o, int journal, char *buf,
                     int len)
{
    int n = 0;
    put(buf, len, &n,
        "{\"type\":\"order\",\"order_id\":\"%s\",\"shop\":\"%s\",\"flavor\":\"%s\","
        "\"seq\":%lld,\"buyer\":\"%s\",\"lines\":[",
        o->id, t->shop_names[o->shop], flavor_name(o->flavor), (long long)o->seq, o->buyer);
    for (int k = 0; k < o->line_count; k++) {
        put(buf, len, &n, "%s{\"sku\":\"%s\",\"qty\":%d", k ? "," : "",
            t->sc->catalog[o->lines[k].sku].sku, o->lines[k].qty);
        if (journal)
            put(buf, len, &n, ",\"price_fen\":%d", o->lines[k].price_fen);
        put(buf, len, &n, "}");
    }
    put(buf, len, &n, "],\"status\":\"%s\",\"state\":\"%s\"", truth_raw_status(o->flavor, o->state),
        truth_state_name(o->state));
    put_ms(buf, len, &n, "create_ms", o->create_ms);
    put_ms(buf, len, &n, "pay_ms", o->pay_ms);
    put_ms(buf, len, &n, "cancel_ms", o->cancel_ms);
    put_ms(buf, len, &n, "ship_ms", o->ship_ms);
    put_ms(buf, len, &n, "pickup_ms", o->pickup_ms);
    put_ms(buf, len, &n, "deliver_ms", o->deliver_ms);
    put_str_or_null(buf, len, &n, "waybill", o->waybill);
    put_str_or_null(buf, len, &n, "carrier", o->carrier);
    put(buf, len, &n, ",\"ship_calls\":%d,\"ship_rejected\":%d,\"status_history\":[", o->ship_calls,
        o->ship_rejected);
    for (int h = 0; h < o->hist_count; h++)
        put(buf, len, &n, "%s[\"%s\",%lld]", h ? "," : "", truth_state_name(o->hist[h].state),
            (long long)o->hist[h].ms);
    put(buf, len, &n, "]");
    if (journal)
        put(buf, len, &n, ",\"update_ms\":%lld,\"serial\":%llu,\"package\":\"%s\"",
            (long long)o->update_ms, (unsigned long long)o->update_serial, o->package);
    put(buf, len, &n, "}\n");
    assert(n < len); /* TRUTH_LINE_BYTES_MAX holds the longest order */
    return n;
}

static void journal_write(struct truth *t, const char *line, size_t len)
{
    if (t->journal == NULL || t->replaying)
        return;
    if (fwrite(line, 1, len, t->journal) != len || fflush(t->journal) != 0)
        fprintf(stderr, "truth: journal write failed\n");
}

void truth_journal_order(struct truth *t, const struct truth_order *o)
{
    if (t->journal == NULL || t->replaying)
        return;
    char line[TRUTH_LINE_BYTES_MAX];
    int n = truth_order_json(t, o, 1, line, sizeof(line));
    journal_write(t, line, (size_t)n);
}

void truth_journal_listing(struct truth *t, int shop, int sku)
{
    if (t->journal == NULL || t->replaying)
        return;
    char line[256];
    int n = snprintf(line, sizeof(line),
                     "{\"type\":\"listing\",\"shop\":\"%s\",\"sku\":\"%s\","
                     "\"listed\":%lld}\n",
                     t->shop_names[shop], t->sc->catalog[sku].sku,
                     (long long)truth_listed(t, shop, sku));
    assert(n > 0 && n < (int)sizeof(line));
    journal_write(t, line, (size_t)n);
}

void truth_journal_aux(struct truth *t, const char *line)
{
    assert(t != NULL);
    assert(line != NULL);
    if (t->journal == NULL || t->replaying)
        return;
    journal_write(t, line, strlen(line));
    journal_write(t, "\n", 1);
}

/* ---- replay -------------------------------------------------------------------------------- */

static int64_t num(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static const char *str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static int shop_index(const struct truth *t, const char *name)
{
    for (int s = 0; s < t->shop_count; s++)
        if (strcmp(t->shop_names[s], name) == 0)
            return s;
    return -1;
}

static int replay_lines(struct truth *t, struct truth_order *o, const cJSON *doc)
{
    const cJSON *lines = cJSON_GetObjectItemCaseSensitive(doc, "lines");
    const cJSON *ln;
    o->line_count = 0;
    cJSON_ArrayForEach(ln, lines)
    {
        int sku = truth_sku_index(t, str(ln, "sku"));
        if (sku < 0 || o->line_count >= SCENARIO_LINES_PER_ORDER_MAX)
            return -1;
        o->lines[o->line_count++] = (struct truth_line){.sku = (int16_t)sku,
                                                        .qty = (int16_t)num(ln, "qty"),
                                                        .price_fen = (int32_t)num(ln, "price_fen")};
    }
    const cJSON *hist = cJSON_GetObjectItemCaseSensitive(doc, "status_history");
    const cJSON *h;
    o->hist_count = 0;
    cJSON_ArrayForEach(h, hist)
    {
        int s = truth_state_parse(
            cJSON_IsString(cJSON_GetArrayItem(h, 0)) ? cJSON_GetArrayItem(h, 0)->valuestring : "");
        if (s < 0 || o->hist_count >= TRUTH_HISTORY_MAX ||
            !cJSON_IsNumber(cJSON_GetArrayItem(h, 1)))
            return -1;
        o->hist[o->hist_count++] = (struct truth_hist){
            .ms = (int64_t)cJSON_GetArrayItem(h, 1)->valuedouble, .state = (uint8_t)s};
    }
    return o->line_count > 0 && o->hist_count > 0 ? 0 : -1;
}

static int replay_order(struct truth *t, const cJSON *doc)
{
    struct truth_order o;
    memset(&o, 0, sizeof(o));
    int shop = shop_index(t, str(doc, "shop"));
    int state = truth_state_parse(str(doc, "state"));
    if (shop < 0 || state < 0 || strlen(str(doc, "order_id")) >= sizeof(o.id))
        return -1;
    snprintf(o.id, sizeof(o.id), "%s", str(doc, "order_id"));
    snprintf(o.buyer, sizeof(o.buyer), "%s", str(doc, "buyer"));
    snprintf(o.waybill, sizeof(o.waybill), "%s", str(doc, "waybill"));
    snprintf(o.carrier, sizeof(o.carrier), "%s", str(doc, "carrier"));
    snprintf(o.package, sizeof(o.package), "%s", str(doc, "package"));
    o.shop = (int16_t)shop;
    o.flavor = t->shop_flavors[shop];
    o.state = (uint8_t)state;
    o.seq = num(doc, "seq");
    o.ship_calls = (int32_t)num(doc, "ship_calls");
    o.ship_rejected = (int32_t)num(doc, "ship_rejected");
    o.create_ms = num(doc, "create_ms");
    o.pay_ms = num(doc, "pay_ms");
    o.cancel_ms = num(doc, "cancel_ms");
    o.ship_ms = num(doc, "ship_ms");
    o.pickup_ms = num(doc, "pickup_ms");
    o.deliver_ms = num(doc, "deliver_ms");
    o.update_ms = num(doc, "update_ms");
    o.update_serial = (uint64_t)num(doc, "serial");
    if (replay_lines(t, &o, doc) != 0)
        return -1;
    const struct truth_order *old = truth_find(t, o.id);
    if (old != NULL) {
        t->orders[old - t->orders] = o;
        return 0;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap == 0 ? 1024 : t->cap * 2;
        struct truth_order *v = realloc(t->orders, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        t->orders = v;
        t->cap = cap;
    }
    t->orders[t->n++] = o;
    /* only the id table is needed while replaying; the rest is rebuilt at the end */
    return truth_index_order(t, (uint32_t)(t->n - 1));
}

static int replay_listing(struct truth *t, const cJSON *doc)
{
    int shop = shop_index(t, str(doc, "shop"));
    int sku = truth_sku_index(t, str(doc, "sku"));
    if (shop < 0 || sku < 0)
        return -1;
    truth_listing(t, shop, sku)->listed = num(doc, "listed");
    return 0;
}

static int replay_line(struct truth *t, const char *line, truth_aux_cb aux, void *aux_arg)
{
    cJSON *doc = cJSON_Parse(line);
    if (doc == NULL)
        return -1;
    const char *type = str(doc, "type");
    int rc = 0;
    if (strcmp(type, "order") == 0)
        rc = replay_order(t, doc);
    else if (strcmp(type, "listing") == 0)
        rc = replay_listing(t, doc);
    else if (aux != NULL)
        aux(aux_arg, line);
    cJSON_Delete(doc);
    return rc;
}

static int replay_file(struct truth *t, FILE *f, truth_aux_cb aux, void *aux_arg, char *err,
                       int err_len)
{
    char *line = malloc(JOURNAL_LINE_BYTES_MAX);
    if (line == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    long lineno = 0, bad = 0;
    t->replaying = 1;
    while (fgets(line, JOURNAL_LINE_BYTES_MAX, f) != NULL) {
        lineno++;
        size_t n = strlen(line);
        if (n == 0 || line[n - 1] != '\n') {
            bad++; /* torn tail of a killed writer */
            continue;
        }
        if (replay_line(t, line, aux, aux_arg) != 0)
            bad++;
    }
    t->replaying = 0;
    free(line);
    if (bad > 0)
        fprintf(stderr, "truth: journal: %ld of %ld lines skipped\n", bad, lineno);
    if (truth_rebuild_indexes(t) != 0) {
        snprintf(err, err_len, "out of memory rebuilding indexes");
        return -1;
    }
    return 0;
}

int truth_open_journal(struct truth *t, const char *path, truth_aux_cb aux, void *aux_arg,
                       char *err, int err_len)
{
    assert(t != NULL);
    assert(path != NULL);
    assert(t->journal == NULL);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        int rc = replay_file(t, f, aux, aux_arg, err, err_len);
        fclose(f);
        if (rc != 0)
            return -1;
    }
    t->journal = fopen(path, "a");
    if (t->journal == NULL) {
        snprintf(err, err_len, "cannot open state file %s for appending", path);
        return -1;
    }
    return 0;
}

/* ---- dump ---------------------------------------------------------------------------------- */

void truth_dump(const struct truth *t, truth_write_cb write, void *arg)
{
    assert(t != NULL);
    assert(write != NULL);
    char line[TRUTH_LINE_BYTES_MAX];
    for (size_t i = 0; i < t->n; i++) {
        int n = truth_order_json(t, &t->orders[i], 0, line, sizeof(line));
        write(arg, line, (size_t)n);
    }
    for (int k = 0; k < t->sc->sku_count; k++) {
        int64_t initial = t->sc->catalog[k].stock;
        int n = snprintf(line, sizeof(line),
                         "{\"type\":\"sku\",\"sku\":\"%s\",\"initial\":%lld,"
                         "\"committed\":%lld,\"available\":%lld}\n",
                         t->sc->catalog[k].sku, (long long)initial, (long long)t->committed[k],
                         (long long)(initial - t->committed[k]));
        write(arg, line, (size_t)n);
    }
    for (int s = 0; s < t->shop_count; s++)
        for (int k = 0; k < t->sc->sku_count; k++) {
            int n =
                snprintf(line, sizeof(line),
                         "{\"type\":\"listing\",\"shop\":\"%s\","
                         "\"sku\":\"%s\",\"listed\":%lld}\n",
                         t->shop_names[s], t->sc->catalog[k].sku, (long long)truth_listed(t, s, k));
            write(arg, line, (size_t)n);
        }
}
