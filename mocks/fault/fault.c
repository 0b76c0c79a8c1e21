/* The fault engine: see fault.h. Decisions are pure functions of (seed, rule index, kind, key,
 * attempt) through draw_*(), so two runs with one seed decide alike whatever the scheduling. */
#include "fault/fault.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/limits.h"

#define FAULT_MAGIC 0x6661756cU
#define FAULT_LOG_LINE_BYTES_MAX 1024
#define FAULT_LOG_MEM_BYTES_MAX (32 * 1024 * 1024) /* in-memory copy for fault_engine_dump */
#define FAULT_ATTEMPT_SLOTS_MIN 1024
#define FAULT_ATTEMPT_SLOTS_MAX (1u << 24) /* (endpoint, key) pairs counted */
#define FAULT_STREAM_BYTES_MAX 160

struct fault_engine {
    unsigned magic;
    uint64_t seed;
    enum fault_side side;
    const struct simclock *clock;
    struct fault_rule rules[SCENARIO_FAULTS_MAX];
    int rule_ids[SCENARIO_FAULTS_MAX]; /* index of the rule in the list it came from */
    int rule_count;
    unsigned kind_mask; /* bit k set when some rule has kind k */
    FILE *log;
    uint64_t counts[FAULT_KIND_COUNT];
    char *mem; /* every log line, for fault_engine_dump */
    size_t mem_len;
    size_t mem_cap;
    uint64_t mem_dropped;
    uint64_t *slot_keys; /* open addressing: hash of (endpoint, key); 0 = empty */
    uint32_t *slot_vals;
    size_t slot_cap;
    size_t slot_used;
};

STATIC_ASSERT(FAULT_KIND_COUNT < 32, "kind_mask holds every kind");

static void engine_take_rules(struct fault_engine *fe, const struct fault_rule *rules, int count)
{
    fe->rule_count = 0;
    fe->kind_mask = 0;
    for (int i = 0; i < count; i++) {
        if (rules[i].side != fe->side)
            continue;
        assert(rules[i].kind >= 0 && rules[i].kind < FAULT_KIND_COUNT);
        fe->rules[fe->rule_count] = rules[i];
        fe->rule_ids[fe->rule_count] = i;
        fe->rule_count++;
        fe->kind_mask |= 1u << rules[i].kind;
    }
    assert(fe->rule_count <= SCENARIO_FAULTS_MAX);
}

struct fault_engine *fault_engine_new(const struct scenario *sc, enum fault_side side,
                                      const struct simclock *clock, const char *log_path)
{
    assert(sc != NULL);
    assert(clock != NULL);
    struct fault_engine *fe = calloc(1, sizeof(*fe));
    if (fe == NULL)
        return NULL;
    fe->magic = FAULT_MAGIC;
    fe->seed = sc->seed;
    fe->side = side;
    fe->clock = clock;
    engine_take_rules(fe, sc->faults, sc->fault_count);
    fe->slot_cap = FAULT_ATTEMPT_SLOTS_MIN;
    fe->slot_keys = calloc(fe->slot_cap, sizeof(*fe->slot_keys));
    fe->slot_vals = calloc(fe->slot_cap, sizeof(*fe->slot_vals));
    if (fe->slot_keys == NULL || fe->slot_vals == NULL)
        goto fail;
    if (log_path != NULL) {
        fe->log = fopen(log_path, "a");
        if (fe->log == NULL)
            goto fail;
    }
    return fe;
fail:
    fault_engine_free(fe);
    return NULL;
}

void fault_engine_free(struct fault_engine *fe)
{
    if (fe == NULL)
        return;
    assert(fe->magic == FAULT_MAGIC);
    if (fe->log != NULL)
        fclose(fe->log);
    free(fe->mem);
    free(fe->slot_keys);
    free(fe->slot_vals);
    fe->magic = 0;
    free(fe);
}

int fault_engine_set_rules(struct fault_engine *fe, const struct fault_rule *rules, int count)
{
    assert(fe != NULL);
    assert(fe->magic == FAULT_MAGIC);
    if (count < 0 || count > SCENARIO_FAULTS_MAX || (count > 0 && rules == NULL))
        return -1;
    for (int i = 0; i < count; i++)
        if (rules[i].kind < 0 || rules[i].kind >= FAULT_KIND_COUNT)
            return -1;
    engine_take_rules(fe, rules, count);
    return 0;
}

int fault_engine_rule_count(const struct fault_engine *fe)
{
    assert(fe != NULL);
    return fe->rule_count;
}

const struct fault_rule *fault_engine_rule(const struct fault_engine *fe, int i)
{
    assert(fe != NULL);
    assert(i >= 0 && i < fe->rule_count);
    return &fe->rules[i];
}

int fault_engine_has_kind(const struct fault_engine *fe, enum fault_kind kind)
{
    assert(fe != NULL);
    assert(kind >= 0 && kind < FAULT_KIND_COUNT);
    return (fe->kind_mask >> kind) & 1u;
}

/* "platform:order/..." against side and endpoint; "*" matches everything of the engine's side.
 * "push:<glob>" names the outbound callbacks of either side (endpoint "push"). */
int fault_target_match(const char *target, enum fault_side side, const char *endpoint)
{
    assert(target != NULL);
    assert(endpoint != NULL);
    if (strcmp(target, "*") == 0 || target[0] == '\0')
        return 1;
    const char *colon = strchr(target, ':');
    if (colon == NULL)
        return fnmatch(target, endpoint, 0) == 0;
    size_t plen = (size_t)(colon - target);
    const char *glob = colon + 1;
    if (plen == 4 && strncmp(target, "push", 4) == 0)
        return strcmp(endpoint, "push") == 0;
    const char *want = side == FAULT_SIDE_CARRIER ? "carrier" : "platform";
    if (strlen(want) != plen || strncmp(target, want, plen) != 0)
        return 0;
    return fnmatch(glob, endpoint, 0) == 0;
}

/* A rule's shop "" matches all; "sp1" matches the group's instances "sp1-1", "sp1-2", ... */
static int shop_match(const char *rule_shop, const char *shop)
{
    if (rule_shop[0] == '\0')
        return 1;
    if (shop == NULL)
        return 0;
    size_t n = strlen(rule_shop);
    if (strncmp(rule_shop, shop, n) != 0)
        return 0;
    return shop[n] == '\0' || shop[n] == '-';
}

static int window_holds(const struct fault_engine *fe, const struct fault_rule *r)
{
    double t_s = (double)(simclock_now_ms(fe->clock) - fe->clock->epoch_ms) / 1000.0;
    if (t_s < r->window_s[0])
        return 0;
    /* an unset end (<= start) leaves the window open */
    if (r->window_s[1] > r->window_s[0] && t_s >= r->window_s[1])
        return 0;
    return 1;
}

static int rule_index(const struct fault_engine *fe, const struct fault_rule *rule)
{
    assert(rule >= fe->rules);
    assert(rule < fe->rules + fe->rule_count);
    return (int)(rule - fe->rules);
}

static void stream_name(const struct fault_engine *fe, const struct fault_rule *rule,
                        const char *what, char *buf, int len)
{
    int i = rule_index(fe, rule);
    snprintf(buf, len, "fault/%d/%s%s%s", fe->rule_ids[i], fault_kind_name(rule->kind),
             what != NULL ? "/" : "", what != NULL ? what : "");
}

int fault_rule_active(struct fault_engine *fe, const struct fault_rule *r,
                      const struct fault_ctx *ctx)
{
    assert(fe != NULL);
    assert(ctx != NULL);
    assert(ctx->endpoint != NULL);
    if (!fault_target_match(r->target, fe->side, ctx->endpoint))
        return 0;
    if (!shop_match(r->shop, ctx->shop))
        return 0;
    if (r->carrier[0] != '\0' && (ctx->carrier == NULL || strcmp(r->carrier, ctx->carrier) != 0))
        return 0;
    if (r->attempts > 0 && ctx->attempt >= r->attempts)
        return 0;
    return window_holds(fe, r);
}

const struct fault_rule *fault_decide(struct fault_engine *fe, enum fault_kind kind,
                                      const struct fault_ctx *ctx)
{
    assert(fe != NULL);
    assert(fe->magic == FAULT_MAGIC);
    assert(ctx != NULL);
    if (!fault_engine_has_kind(fe, kind))
        return NULL;
    for (int i = 0; i < fe->rule_count; i++) {
        const struct fault_rule *r = &fe->rules[i];
        if (r->kind != kind || !fault_rule_active(fe, r, ctx))
            continue;
        char stream[FAULT_STREAM_BYTES_MAX];
        stream_name(fe, r, NULL, stream, sizeof(stream));
        if (draw_bernoulli(fe->seed, stream, ctx->key != NULL ? ctx->key : "",
                           (uint64_t)ctx->attempt, r->probability))
            return r;
    }
    return NULL;
}

double fault_param_draw(struct fault_engine *fe, const struct fault_rule *rule,
                        const struct fault_ctx *ctx, const char *what)
{
    assert(fe != NULL);
    assert(rule != NULL);
    assert(what != NULL);
    char stream[FAULT_STREAM_BYTES_MAX];
    stream_name(fe, rule, what, stream, sizeof(stream));
    return draw_unit(fe->seed, stream, ctx->key != NULL ? ctx->key : "", (uint64_t)ctx->attempt);
}

/* JSON string body of s (no quotes) appended at out[*n]; stops short of len. */
static void json_escape_into(char *out, int len, int *n, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p; p++) {
        if (*n + 7 >= len)
            return;
        if (*p == '"' || *p == '\\') {
            out[(*n)++] = '\\';
            out[(*n)++] = (char)*p;
        } else if (*p < 0x20) {
            out[(*n)++] = '\\';
            out[(*n)++] = 'u';
            out[(*n)++] = '0';
            out[(*n)++] = '0';
            out[(*n)++] = hex[*p >> 4];
            out[(*n)++] = hex[*p & 15];
        } else {
            out[(*n)++] = (char)*p;
        }
    }
    out[*n] = '\0';
}

static void put_field(char *line, int len, int *n, const char *name, const char *value)
{
    int w = snprintf(line + *n, (size_t)(len - *n), ",\"%s\":\"", name);
    if (w < 0 || *n + w >= len)
        return;
    *n += w;
    json_escape_into(line, len, n, value);
    if (*n + 1 < len) {
        line[(*n)++] = '"';
        line[*n] = '\0';
    }
}

static void mem_append(struct fault_engine *fe, const char *line, size_t n)
{
    if (fe->mem_len + n > FAULT_LOG_MEM_BYTES_MAX) {
        fe->mem_dropped++;
        return;
    }
    if (fe->mem_len + n + 1 > fe->mem_cap) {
        size_t cap = fe->mem_cap == 0 ? 64 * 1024 : fe->mem_cap * 2;
        while (cap < fe->mem_len + n + 1)
            cap *= 2;
        char *m = realloc(fe->mem, cap);
        if (m == NULL) {
            fe->mem_dropped++;
            return;
        }
        fe->mem = m;
        fe->mem_cap = cap;
    }
    memcpy(fe->mem + fe->mem_len, line, n);
    fe->mem_len += n;
    fe->mem[fe->mem_len] = '\0';
}

void fault_record(struct fault_engine *fe, const struct fault_rule *rule,
                  const struct fault_ctx *ctx, const char *detail_fmt, ...)
{
    assert(fe != NULL);
    assert(rule != NULL);
    assert(ctx != NULL);
    assert(rule->kind >= 0 && rule->kind < FAULT_KIND_COUNT);
    fe->counts[rule->kind]++;
    char detail[512];
    va_list ap;
    va_start(ap, detail_fmt);
    vsnprintf(detail, sizeof(detail), detail_fmt, ap);
    va_end(ap);
    char line[FAULT_LOG_LINE_BYTES_MAX];
    int n =
        snprintf(line, sizeof(line), "{\"sim_ms\":%lld,\"kind\":\"%s\",\"side\":\"%s\",\"rule\":%d",
                 (long long)simclock_now_ms(fe->clock), fault_kind_name(rule->kind),
                 fe->side == FAULT_SIDE_CARRIER ? "carrier" : "platform",
                 fe->rule_ids[rule_index(fe, rule)]);
    assert(n > 0 && n < (int)sizeof(line));
    put_field(line, (int)sizeof(line), &n, "endpoint", ctx->endpoint);
    put_field(line, (int)sizeof(line), &n, "shop", ctx->shop);
    put_field(line, (int)sizeof(line), &n, "carrier", ctx->carrier);
    put_field(line, (int)sizeof(line), &n, "order", ctx->key);
    int w = snprintf(line + n, sizeof(line) - (size_t)n, ",\"attempt\":%d", ctx->attempt);
    if (w > 0 && n + w < (int)sizeof(line))
        n += w;
    put_field(line, (int)sizeof(line), &n, "detail", detail);
    if (n + 3 > (int)sizeof(line))
        n = (int)sizeof(line) - 3; /* cannot happen with the field sizes above; stay valid */
    line[n++] = '}';
    line[n++] = '\n';
    line[n] = '\0';
    if (fe->log != NULL) {
        fputs(line, fe->log);
        fflush(fe->log); /* a crash loses nothing already injected */
    }
    mem_append(fe, line, (size_t)n);
}

static int slots_grow(struct fault_engine *fe)
{
    size_t cap = fe->slot_cap * 2;
    if (cap > FAULT_ATTEMPT_SLOTS_MAX)
        return -1;
    uint64_t *keys = calloc(cap, sizeof(*keys));
    uint32_t *vals = calloc(cap, sizeof(*vals));
    if (keys == NULL || vals == NULL) {
        free(keys);
        free(vals);
        return -1;
    }
    for (size_t i = 0; i < fe->slot_cap; i++) {
        if (fe->slot_keys[i] == 0)
            continue;
        size_t j = fe->slot_keys[i] & (cap - 1);
        while (keys[j] != 0)
            j = (j + 1) & (cap - 1);
        keys[j] = fe->slot_keys[i];
        vals[j] = fe->slot_vals[i];
    }
    free(fe->slot_keys);
    free(fe->slot_vals);
    fe->slot_keys = keys;
    fe->slot_vals = vals;
    fe->slot_cap = cap;
    return 0;
}

int fault_next_attempt(struct fault_engine *fe, const char *endpoint, const char *key)
{
    assert(fe != NULL);
    assert(endpoint != NULL);
    uint64_t h = hash_mix64(hash_str(endpoint) ^ hash_mix64(hash_str(key != NULL ? key : "")));
    if (h == 0)
        h = 1;
    if ((fe->slot_used + 1) * 10 > fe->slot_cap * 7 && slots_grow(fe) != 0)
        return 0; /* table at its bound: further keys count as first attempts */
    size_t j = h & (fe->slot_cap - 1);
    while (fe->slot_keys[j] != 0 && fe->slot_keys[j] != h)
        j = (j + 1) & (fe->slot_cap - 1);
    if (fe->slot_keys[j] == 0) {
        fe->slot_keys[j] = h;
        fe->slot_vals[j] = 0;
        fe->slot_used++;
    }
    uint32_t a = fe->slot_vals[j];
    if (a < UINT32_MAX / 2)
        fe->slot_vals[j] = a + 1;
    return (int)a;
}

void fault_reset_attempts(struct fault_engine *fe)
{
    assert(fe != NULL);
    memset(fe->slot_keys, 0, fe->slot_cap * sizeof(*fe->slot_keys));
    fe->slot_used = 0;
}

uint64_t fault_count(const struct fault_engine *fe, enum fault_kind kind)
{
    assert(fe != NULL);
    assert(kind >= 0 && kind < FAULT_KIND_COUNT);
    return fe->counts[kind];
}

uint64_t fault_count_total(const struct fault_engine *fe)
{
    assert(fe != NULL);
    uint64_t t = 0;
    for (int k = 0; k < FAULT_KIND_COUNT; k++)
        t += fe->counts[k];
    return t;
}

char *fault_engine_dump(const struct fault_engine *fe)
{
    assert(fe != NULL);
    char *out = malloc(fe->mem_len + 1);
    if (out == NULL)
        return NULL;
    if (fe->mem_len > 0)
        memcpy(out, fe->mem, fe->mem_len);
    out[fe->mem_len] = '\0';
    return out;
}
