/* Ground truth and its journal: see ledger.h.
 *
 * Journal lines (one JSON object each, flushed per line):
 *   {"j":"create","carrier","waybill","ref","ms","dup","hash","reuse"}   reuse: parcel index or -1
 *   {"j":"cancel","rec","ms"}          {"j":"advance","p","done"} {"j":"stall","p","from","shift"}
 *   {"j":"remind","p"}                 {"j":"sub","p","url","salt","ms"}   {"j":"subend","p"}
 * Parcel plans are not journaled: they are a pure function of seed, number and create time. */
#include "carrier/ledger.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carrier/cmap.h"
#include "common/hash.h"
#include "common/waybill.h"

#define LEDGER_CAP_INITIAL 256
#define SERIAL_BASE_MIN 1000000000ULL
#define SERIAL_BASE_SPAN 8000000000ULL
#define LEDGER_PROBES_MAX 1000 /* collisions are ~1 in 10^4 at 100k waybills */

struct ledger {
    struct parcel_mix mix;
    uint64_t seed;
    struct ledger_waybill *recs;
    int rec_count, rec_cap;
    struct ledger_parcel *parcels;
    int parcel_count, parcel_cap;
    struct cmap *by_ref;     /* "carrier|ref" -> latest record */
    struct cmap *by_waybill; /* number -> parcel */
    FILE *journal;
    int replaying; /* while replaying, nothing is written back */
};

static void ref_key(const char *carrier, const char *ref, char *buf, int len)
{
    snprintf(buf, (size_t)len, "%s|%s", carrier, ref);
}

static void journal(struct ledger *l, cJSON *line)
{
    if (l->journal == NULL || l->replaying) {
        cJSON_Delete(line);
        return;
    }
    char *text = cJSON_PrintUnformatted(line);
    cJSON_Delete(line);
    if (text == NULL)
        return;
    fputs(text, l->journal);
    fputc('\n', l->journal);
    fflush(l->journal); /* a SIGKILL may come at any instant */
    free(text);
}

static cJSON *jline(const char *kind)
{
    cJSON *o = cJSON_CreateObject();
    assert(o != NULL);
    cJSON_AddStringToObject(o, "j", kind);
    return o;
}

static int grow(void **arr, int *cap, size_t elem)
{
    int ncap = *cap == 0 ? LEDGER_CAP_INITIAL : *cap * 2;
    if (ncap > LEDGER_RECORDS_MAX)
        return -1;
    void *p = realloc(*arr, (size_t)ncap * elem);
    if (p == NULL)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

static int new_parcel(struct ledger *l, int rec, int64_t now_ms)
{
    if (l->parcel_count == l->parcel_cap &&
        grow((void **)&l->parcels, &l->parcel_cap, sizeof(*l->parcels)) != 0)
        return -1;
    struct ledger_parcel *p = &l->parcels[l->parcel_count];
    memset(p, 0, sizeof(*p));
    p->rec = rec;
    p->last_query_ms = -1;
    p->sched_ms = -1;
    if (parcel_plan_make(&l->mix, l->seed, l->recs[rec].waybill, now_ms, &p->plan) != 0)
        return -1;
    if (cmap_put(l->by_waybill, l->recs[rec].waybill, l->parcel_count) != 0)
        return -1;
    return l->parcel_count++;
}

/* The number for the n-th waybill of (carrier, ref) is drawn from the seed and the reference, not
 * from arrival order, so the same order gets the same number (and parcel plan) in every run of a
 * seed whatever the scheduling: faults keyed on waybills replay. A rare collision probes on. */
static int make_number(const struct ledger *l, const char *carrier, const char *ref, int prev,
                       char *out, int out_len)
{
    uint64_t nth = 0;
    for (int j = prev; j >= 0; j = l->recs[j].prev_same_ref)
        nth++;
    char key[CARRIER_CODE_BYTES_MAX + LEDGER_REF_BYTES_MAX + 2];
    ref_key(carrier, ref, key, sizeof(key));
    uint64_t serial =
        SERIAL_BASE_MIN + draw_u64(l->seed, "waybill-number", key, nth) % SERIAL_BASE_SPAN;
    for (int probe = 0; probe < LEDGER_PROBES_MAX; probe++, serial++) {
        if (waybill_make(carrier, serial, out, out_len) != 0)
            return -1;
        if (cmap_get(l->by_waybill, out) < 0)
            return 0;
    }
    return -1;
}

static int apply_create(struct ledger *l, const char *carrier, const char *ref, int64_t now_ms,
                        uint64_t data_hash, enum ledger_dup dup, int reuse_parcel)
{
    if (l->rec_count == l->rec_cap && grow((void **)&l->recs, &l->rec_cap, sizeof(*l->recs)) != 0)
        return -1;
    int i = l->rec_count;
    struct ledger_waybill *r = &l->recs[i];
    memset(r, 0, sizeof(*r));
    snprintf(r->carrier, sizeof(r->carrier), "%s", carrier);
    snprintf(r->order_ref, sizeof(r->order_ref), "%s", ref);
    r->create_ms = now_ms;
    r->cancel_ms = -1;
    r->dup = dup;
    r->data_hash = data_hash;
    char key[CARRIER_CODE_BYTES_MAX + LEDGER_REF_BYTES_MAX + 2];
    ref_key(carrier, ref, key, sizeof(key));
    r->prev_same_ref = cmap_get(l->by_ref, key);
    if (reuse_parcel >= 0) {
        assert(reuse_parcel < l->parcel_count);
        const struct ledger_waybill *owner = &l->recs[l->parcels[reuse_parcel].rec];
        snprintf(r->waybill, sizeof(r->waybill), "%s", owner->waybill);
        snprintf(r->duplicate_of, sizeof(r->duplicate_of), "%s", owner->waybill);
        r->parcel = reuse_parcel;
    } else {
        if (make_number(l, carrier, ref, r->prev_same_ref, r->waybill, sizeof(r->waybill)) != 0)
            return -1;
        if (dup == DUP_RETRY && r->prev_same_ref >= 0) {
            int first = r->prev_same_ref;
            while (l->recs[first].prev_same_ref >= 0)
                first = l->recs[first].prev_same_ref;
            snprintf(r->duplicate_of, sizeof(r->duplicate_of), "%s", l->recs[first].waybill);
        }
        r->parcel = new_parcel(l, i, now_ms);
        if (r->parcel < 0)
            return -1;
    }
    if (cmap_put(l->by_ref, key, i) != 0)
        return -1;
    l->rec_count++;
    return i;
}

int ledger_create(struct ledger *l, const char *carrier, const char *ref, int64_t now_ms,
                  uint64_t data_hash, enum ledger_dup dup, int reuse_parcel)
{
    assert(l != NULL && carrier != NULL && ref != NULL);
    assert(strlen(ref) < LEDGER_REF_BYTES_MAX);
    int i = apply_create(l, carrier, ref, now_ms, data_hash, dup, reuse_parcel);
    if (i < 0)
        return -1;
    cJSON *o = jline("create");
    cJSON_AddStringToObject(o, "carrier", carrier);
    cJSON_AddStringToObject(o, "waybill", l->recs[i].waybill);
    cJSON_AddStringToObject(o, "ref", ref);
    cJSON_AddNumberToObject(o, "ms", (double)now_ms);
    cJSON_AddNumberToObject(o, "dup", dup);
    char hex[17];
    snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)data_hash);
    cJSON_AddStringToObject(o, "hash", hex);
    cJSON_AddNumberToObject(o, "reuse", reuse_parcel);
    journal(l, o);
    return i;
}

int ledger_find_ref(const struct ledger *l, const char *carrier, const char *ref)
{
    char key[CARRIER_CODE_BYTES_MAX + LEDGER_REF_BYTES_MAX + 2];
    ref_key(carrier, ref, key, sizeof(key));
    return cmap_get(l->by_ref, key);
}

int ledger_find_waybill(const struct ledger *l, const char *waybill)
{
    return cmap_get(l->by_waybill, waybill);
}

int ledger_other_parcel(const struct ledger *l, const char *carrier, const char *ref)
{
    for (int i = l->rec_count - 1, n = 0; i >= 0 && n < LEDGER_RECORDS_MAX; i--, n++) {
        const struct ledger_waybill *r = &l->recs[i];
        if (strcmp(r->carrier, carrier) == 0 && strcmp(r->order_ref, ref) != 0)
            return r->parcel;
    }
    return -1;
}

void ledger_cancel(struct ledger *l, int rec, int64_t now_ms)
{
    assert(rec >= 0 && rec < l->rec_count);
    if (l->recs[rec].cancel_ms >= 0)
        return;
    l->recs[rec].cancel_ms = now_ms;
    cJSON *o = jline("cancel");
    cJSON_AddNumberToObject(o, "rec", rec);
    cJSON_AddNumberToObject(o, "ms", (double)now_ms);
    journal(l, o);
}

int ledger_record_count(const struct ledger *l)
{
    return l->rec_count;
}
int ledger_parcel_count(const struct ledger *l)
{
    return l->parcel_count;
}

struct ledger_waybill *ledger_record(struct ledger *l, int i)
{
    assert(i >= 0 && i < l->rec_count);
    return &l->recs[i];
}

struct ledger_parcel *ledger_parcel(struct ledger *l, int i)
{
    assert(i >= 0 && i < l->parcel_count);
    return &l->parcels[i];
}

int ledger_parcel_cancelled(const struct ledger *l, int p)
{
    assert(p >= 0 && p < l->parcel_count);
    return l->recs[l->parcels[p].rec].cancel_ms >= 0;
}

int ledger_parcel_state(const struct ledger *l, int p)
{
    assert(p >= 0 && p < l->parcel_count);
    const struct ledger_parcel *pp = &l->parcels[p];
    return pp->done > 0 ? pp->plan.ev[pp->done - 1].state : -1;
}

void ledger_note_advance(struct ledger *l, int p)
{
    cJSON *o = jline("advance");
    cJSON_AddNumberToObject(o, "p", p);
    cJSON_AddNumberToObject(o, "done", l->parcels[p].done);
    journal(l, o);
}

void ledger_note_stall(struct ledger *l, int p, int from, int64_t shift_ms)
{
    cJSON *o = jline("stall");
    cJSON_AddNumberToObject(o, "p", p);
    cJSON_AddNumberToObject(o, "from", from);
    cJSON_AddNumberToObject(o, "shift", (double)shift_ms);
    journal(l, o);
}

void ledger_note_remind(struct ledger *l, int p)
{
    cJSON *o = jline("remind");
    cJSON_AddNumberToObject(o, "p", p);
    journal(l, o);
}

void ledger_note_subscribe(struct ledger *l, int p)
{
    const struct ledger_parcel *pp = &l->parcels[p];
    cJSON *o = jline("sub");
    cJSON_AddNumberToObject(o, "p", p);
    cJSON_AddStringToObject(o, "url", pp->callback_url != NULL ? pp->callback_url : "");
    cJSON_AddStringToObject(o, "salt", pp->salt);
    cJSON_AddNumberToObject(o, "ms", (double)pp->sub_ms);
    journal(l, o);
}

void ledger_note_sub_end(struct ledger *l, int p)
{
    cJSON *o = jline("subend");
    cJSON_AddNumberToObject(o, "p", p);
    journal(l, o);
}

/* --- replay ----------------------------------------------------------------------------------- */

static int num_field(const cJSON *o, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsNumber(v) || v->valuedouble < (double)lo || v->valuedouble > (double)hi)
        return -1;
    *out = (int64_t)v->valuedouble;
    return 0;
}

static const char *str_field(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int replay_create(struct ledger *l, const cJSON *o)
{
    const char *carrier = str_field(o, "carrier"), *ref = str_field(o, "ref");
    const char *hex = str_field(o, "hash"), *waybill = str_field(o, "waybill");
    int64_t ms, dup, reuse;
    if (carrier == NULL || ref == NULL || hex == NULL || waybill == NULL ||
        !waybill_carrier_known(carrier) || strlen(ref) >= LEDGER_REF_BYTES_MAX ||
        num_field(o, "ms", 0, INT64_MAX / 2, &ms) != 0 || num_field(o, "dup", 0, 2, &dup) != 0 ||
        num_field(o, "reuse", -1, l->parcel_count - 1, &reuse) != 0)
        return -1;
    uint64_t hash = strtoull(hex, NULL, 16);
    int i = apply_create(l, carrier, ref, ms, hash, (enum ledger_dup)dup, (int)reuse);
    /* the same seed must give the same number; anything else means another run's journal */
    return i >= 0 && strcmp(l->recs[i].waybill, waybill) == 0 ? 0 : -1;
}

static int replay_parcel_line(struct ledger *l, const char *kind, const cJSON *o)
{
    int64_t p, v, w;
    if (num_field(o, "p", 0, l->parcel_count - 1, &p) != 0)
        return -1;
    struct ledger_parcel *pp = &l->parcels[p];
    if (strcmp(kind, "advance") == 0) {
        if (num_field(o, "done", 0, pp->plan.count, &v) != 0)
            return -1;
        pp->done = (int)v;
    } else if (strcmp(kind, "stall") == 0) {
        if (num_field(o, "from", 0, pp->plan.count, &v) != 0 ||
            num_field(o, "shift", 0, INT64_MAX / 4, &w) != 0)
            return -1;
        parcel_plan_shift(&pp->plan, (int)v, w);
        pp->stalled = 1;
    } else if (strcmp(kind, "remind") == 0) {
        pp->reminders++;
    } else if (strcmp(kind, "sub") == 0) {
        const char *url = str_field(o, "url"), *salt = str_field(o, "salt");
        if (url == NULL || salt == NULL || strlen(url) >= HTTP_URL_BYTES_MAX ||
            strlen(salt) >= SECRET_BYTES_MAX || num_field(o, "ms", 0, INT64_MAX / 2, &v) != 0)
            return -1;
        free(pp->callback_url);
        pp->callback_url = strdup(url);
        snprintf(pp->salt, sizeof(pp->salt), "%s", salt);
        pp->sub_ms = v;
        pp->sub = SUB_ACTIVE;
    } else if (strcmp(kind, "subend") == 0) {
        pp->sub = SUB_ENDED;
    } else {
        return -1;
    }
    return 0;
}

static int replay_line(struct ledger *l, const char *line)
{
    cJSON *o = cJSON_Parse(line);
    if (o == NULL)
        return -1;
    const char *kind = str_field(o, "j");
    int rc = -1;
    int64_t rec, ms;
    if (kind == NULL)
        rc = -1;
    else if (strcmp(kind, "create") == 0)
        rc = replay_create(l, o);
    else if (strcmp(kind, "cancel") == 0)
        rc = num_field(o, "rec", 0, l->rec_count - 1, &rec) == 0 &&
                     num_field(o, "ms", 0, INT64_MAX / 2, &ms) == 0
                 ? (l->recs[rec].cancel_ms = ms, 0)
                 : -1;
    else
        rc = replay_parcel_line(l, kind, o);
    cJSON_Delete(o);
    return rc;
}

static int replay(struct ledger *l, FILE *f, char *err, int err_len)
{
    char *line = malloc(LEDGER_JOURNAL_LINE_BYTES_MAX);
    if (line == NULL)
        return -1;
    l->replaying = 1;
    int n = 0, rc = 0;
    while (fgets(line, LEDGER_JOURNAL_LINE_BYTES_MAX, f) != NULL && n < LEDGER_RECORDS_MAX * 16) {
        n++;
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
            snprintf(err, (size_t)err_len, "journal line %d: longer than %d bytes", n,
                     LEDGER_JOURNAL_LINE_BYTES_MAX);
            rc = -1;
            break;
        }
        if (len <= 1)
            continue;
        if (replay_line(l, line) != 0) {
            /* a torn last line (killed mid-write) is expected; anything earlier is corruption */
            int c = fgetc(f);
            if (c == EOF && line[len - 1] != '\n')
                break;
            snprintf(err, (size_t)err_len, "journal line %d: not a valid entry of this run", n);
            rc = -1;
            break;
        }
    }
    l->replaying = 0;
    free(line);
    return rc;
}

struct ledger *ledger_new(const struct scenario *sc, const char *journal_path, char *err,
                          int err_len)
{
    assert(sc != NULL);
    struct ledger *l = calloc(1, sizeof(*l));
    if (l == NULL) {
        snprintf(err, (size_t)err_len, "out of memory");
        return NULL;
    }
    l->mix = sc->parcels;
    l->seed = sc->seed;
    l->by_ref = cmap_new();
    l->by_waybill = cmap_new();
    if (l->by_ref == NULL || l->by_waybill == NULL) {
        snprintf(err, (size_t)err_len, "out of memory");
        ledger_free(l);
        return NULL;
    }
    if (journal_path == NULL)
        return l;
    FILE *f = fopen(journal_path, "r");
    if (f != NULL) {
        int rc = replay(l, f, err, err_len);
        fclose(f);
        if (rc != 0) {
            ledger_free(l);
            return NULL;
        }
    }
    l->journal = fopen(journal_path, "a");
    if (l->journal == NULL) {
        snprintf(err, (size_t)err_len, "%s: %s", journal_path, strerror(errno));
        ledger_free(l);
        return NULL;
    }
    return l;
}

static void forget(struct ledger *l)
{
    for (int i = 0; i < l->parcel_count; i++)
        free(l->parcels[i].callback_url);
    l->parcel_count = 0;
    l->rec_count = 0;
    cmap_clear(l->by_ref);
    cmap_clear(l->by_waybill);
}

void ledger_free(struct ledger *l)
{
    if (l == NULL)
        return;
    if (l->by_ref != NULL && l->by_waybill != NULL)
        forget(l);
    cmap_free(l->by_ref);
    cmap_free(l->by_waybill);
    free(l->recs);
    free(l->parcels);
    if (l->journal != NULL)
        fclose(l->journal);
    free(l);
}

void ledger_reset(struct ledger *l)
{
    assert(l != NULL);
    forget(l);
    if (l->journal != NULL) {
        fflush(l->journal);
        if (ftruncate(fileno(l->journal), 0) != 0)
            fprintf(stderr, "mockcarrier: cannot truncate the journal: %s\n", strerror(errno));
    }
}

void ledger_counts(const struct ledger *l, int *records, int *parcels, int *subscribed,
                   int *cancelled)
{
    int subs = 0, canc = 0;
    for (int i = 0; i < l->parcel_count; i++)
        subs += l->parcels[i].sub != SUB_NONE;
    for (int i = 0; i < l->rec_count; i++)
        canc += l->recs[i].cancel_ms >= 0;
    *records = l->rec_count;
    *parcels = l->parcel_count;
    *subscribed = subs;
    *cancelled = canc;
}

/* --- truth ------------------------------------------------------------------------------------ */

static void add_ms_or_null(cJSON *o, const char *name, int64_t ms)
{
    if (ms >= 0)
        cJSON_AddNumberToObject(o, name, (double)ms);
    else
        cJSON_AddNullToObject(o, name);
}

static cJSON *truth_record(const struct ledger_waybill *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "waybill");
    cJSON_AddStringToObject(o, "carrier", r->carrier);
    cJSON_AddStringToObject(o, "waybill", r->waybill);
    cJSON_AddStringToObject(o, "order_ref", r->order_ref);
    cJSON_AddNumberToObject(o, "create_ms", (double)r->create_ms);
    add_ms_or_null(o, "cancel_ms", r->cancel_ms);
    if (r->dup != DUP_NONE)
        cJSON_AddStringToObject(o, "duplicate_of", r->duplicate_of);
    else
        cJSON_AddNullToObject(o, "duplicate_of");
    return o;
}

static cJSON *truth_parcel(const struct ledger *l, int p)
{
    const struct ledger_parcel *pp = &l->parcels[p];
    const struct ledger_waybill *r = &l->recs[pp->rec];
    const char *cname = waybill_carrier_name(r->carrier);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "parcel");
    cJSON_AddStringToObject(o, "carrier", r->carrier);
    cJSON_AddStringToObject(o, "waybill", r->waybill);
    cJSON_AddStringToObject(o, "order_ref", r->order_ref);
    int state = ledger_parcel_state(l, p);
    if (state >= 0)
        cJSON_AddNumberToObject(o, "state", state);
    else
        cJSON_AddNullToObject(o, "state");
    cJSON *events = cJSON_AddArrayToObject(o, "events");
    for (int i = 0; i < pp->done; i++) {
        const struct parcel_event *e = &pp->plan.ev[i];
        char text[PARCEL_CONTEXT_BYTES_MAX];
        parcel_context(&pp->plan, i, cname != NULL ? cname : r->carrier, text, sizeof(text));
        cJSON *ev = cJSON_CreateObject();
        cJSON_AddNumberToObject(ev, "sim_ms", (double)e->sim_ms);
        cJSON_AddNumberToObject(ev, "state", e->state);
        cJSON_AddNumberToObject(ev, "opcode", e->opcode);
        cJSON_AddStringToObject(ev, "context", text);
        cJSON_AddItemToArray(events, ev);
    }
    cJSON_AddNumberToObject(o, "reminders", pp->reminders);
    cJSON_AddBoolToObject(o, "subscribed", pp->sub != SUB_NONE);
    cJSON_AddBoolToObject(o, "stalled", pp->stalled);
    return o;
}

struct textbuf {
    char *s;
    size_t len, cap;
};

static int tb_add(struct textbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 2 > b->cap) {
        size_t cap = (b->cap == 0 ? 4096 : b->cap * 2) + n;
        char *p = realloc(b->s, cap);
        if (p == NULL)
            return -1;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len++] = '\n';
    b->s[b->len] = '\0';
    return 0;
}

static int tb_add_json(struct textbuf *b, cJSON *o)
{
    if (o == NULL)
        return -1;
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (text == NULL)
        return -1;
    int rc = tb_add(b, text);
    free(text);
    return rc;
}

char *ledger_truth(const struct ledger *l)
{
    struct textbuf b = {NULL, 0, 0};
    b.s = calloc(1, 1);
    if (b.s == NULL)
        return NULL;
    b.cap = 1;
    for (int i = 0; i < l->rec_count; i++)
        if (tb_add_json(&b, truth_record(&l->recs[i])) != 0)
            goto err;
    for (int p = 0; p < l->parcel_count; p++)
        if (tb_add_json(&b, truth_parcel(l, p)) != 0)
            goto err;
    return b.s;
err:
    free(b.s);
    return NULL;
}
