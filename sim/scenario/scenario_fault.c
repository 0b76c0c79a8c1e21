/* The loader's "faults" and "crashes" sections, and fault rules given at run time.
 * Which keys apply to which kind, and the kinds' sides, are documented in scenarios/README.md. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/loader.h"
#include "scenario/scenario.h"

#define KIND_BIT(k) (1u << (k))
#define ATTEMPTS_MAX 1000000
#define DELAY_MS_MAX 600000.0
#define DRIFT_UNITS_MAX 1000000
#define RESTART_S_MAX 600.0
#define RESTART_S_DEFAULT 0.2

/* Parameters beyond the common keys, and the kinds each applies to. */
static const struct fault_param {
    const char *key;
    unsigned kinds;
} fault_params[] = {
    {"dist", KIND_BIT(FAULT_LATENCY)},
    {"delay_ms", KIND_BIT(FAULT_LATENCY)},
    {"delay_ms_max", KIND_BIT(FAULT_LATENCY)},
    {"max_age_s", KIND_BIT(FAULT_STALE_CACHE)},
    {"rate_per_s", KIND_BIT(FAULT_RATE_LIMIT)},
    {"duration_s", KIND_BIT(FAULT_TRACKING_STALL)},
    {"status", KIND_BIT(FAULT_ERROR)},
    {"drift_units", KIND_BIT(FAULT_STOCK_DRIFT)},
    {"mode", KIND_BIT(FAULT_GARBLED_TRACKING) | KIND_BIT(FAULT_MALFORMED) |
                 KIND_BIT(FAULT_FORGED_PUSH) | KIND_BIT(FAULT_DUPLICATE_WAYBILL)},
};

static const char *const common_keys[] = {"kind",        "target",   "shop",     "carrier",
                                          "probability", "window_s", "attempts", NULL};

static const char *const dist_names[] = {"fixed", "uniform", "long_tail", NULL};
static const char *const garbled_modes[] = {"mojibake", "invalid_utf8", "truncated_waybill",
                                            "repeated", "out_of_order", NULL};
static const char *const malformed_modes[] = {"truncated", "wrong_type", NULL};
static const char *const forged_modes[] = {"bad_signature", "tampered_body", NULL};
static const char *const dup_waybill_modes[] = {"foreign", "retry", NULL};

static int in_list(const char *s, const char *const *list)
{
    for (int i = 0; list[i] != NULL; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

static const struct fault_param *find_param(const char *key)
{
    for (size_t i = 0; i < ARRAY_LEN(fault_params); i++)
        if (strcmp(fault_params[i].key, key) == 0)
            return &fault_params[i];
    return NULL;
}

/* Every key of a rule is a common key or a parameter of its kind (kind < 0: unknown kind, only
 * keys that exist for no kind are reported). */
static void check_fault_keys(struct loader *L, const cJSON *o, int kind)
{
    for (const cJSON *c = o->child; c != NULL; c = c->next) {
        if (in_list(c->string, common_keys))
            continue;
        const struct fault_param *p = find_param(c->string);
        if (p != NULL && (kind < 0 || (p->kinds & KIND_BIT(kind)) != 0))
            continue;
        if (p == NULL) {
            json_fail(&L->r, c->string,
                      "unknown key (a fault rule has kind, target, shop, "
                      "carrier, probability, window_s, attempts and its kind's parameters)");
            continue;
        }
        char kinds[160] = "";
        size_t used = 0;
        for (int k = 0; k < FAULT_KIND_COUNT; k++)
            if ((p->kinds & KIND_BIT(k)) != 0)
                used += (size_t)snprintf(kinds + used, sizeof(kinds) - used, "%s%s",
                                         used ? ", " : "", fault_kind_name((enum fault_kind)k));
        json_fail(&L->r, c->string, "does not apply to kind %s (it applies to: %s)",
                  fault_kind_name((enum fault_kind)kind), kinds);
    }
}

/* kind: a known kind other than crash. Returns the kind or -1. */
static int parse_kind(struct loader *L, const cJSON *o)
{
    char name[32];
    if (json_get_string(&L->r, o, "kind", 1, name, sizeof(name), NULL) != 0)
        return -1;
    int k = fault_kind_parse(name);
    if (k == FAULT_CRASH) {
        json_fail(&L->r, "kind", "crash is not a fault rule: use the crashes list");
        return -1;
    }
    if (k < 0) {
        char list[400] = "";
        size_t used = 0;
        for (int i = 0; i < FAULT_KIND_COUNT; i++)
            if (i != FAULT_CRASH)
                used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "",
                                         fault_kind_name((enum fault_kind)i));
        json_fail(&L->r, "kind", "unknown fault kind '%s' (valid: %s)", name, list);
        return -1;
    }
    return k;
}

/* target: "*" (kinds of one side) or "<platform|carrier>:<endpoint glob>". */
static void parse_target(struct loader *L, const cJSON *o, int kind, struct fault_rule *f)
{
    if (json_get_string(&L->r, o, "target", 1, f->target, sizeof(f->target), NULL) != 0)
        return;
    unsigned sides = kind >= 0 ? fault_kind_sides((enum fault_kind)kind) : 0;
    const char *glob = NULL;
    if (strcmp(f->target, "*") == 0) {
        if (sides == (KIND_BIT(FAULT_SIDE_PLATFORM) | KIND_BIT(FAULT_SIDE_CARRIER)))
            json_fail(&L->r, "target",
                      "'*' is ambiguous for kind %s, which exists on both "
                      "sides: write 'platform:*' or 'carrier:*'",
                      fault_kind_name(kind));
        f->side = sides == KIND_BIT(FAULT_SIDE_CARRIER) ? FAULT_SIDE_CARRIER : FAULT_SIDE_PLATFORM;
        return;
    }
    if (strncmp(f->target, "platform:", 9) == 0) {
        f->side = FAULT_SIDE_PLATFORM;
        glob = f->target + 9;
    } else if (strncmp(f->target, "carrier:", 8) == 0) {
        f->side = FAULT_SIDE_CARRIER;
        glob = f->target + 8;
    } else {
        json_fail(&L->r, "target",
                  "must be '*' or '<platform|carrier>:<endpoint glob>', got "
                  "'%s'",
                  f->target);
        return;
    }
    for (const char *p = glob; *p != '\0'; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            glob = "";
    if (glob[0] == '\0')
        json_fail(&L->r, "target",
                  "the endpoint glob after the side must be non-empty "
                  "printable ASCII without spaces, got '%s'",
                  f->target);
    if (kind >= 0 && (sides & KIND_BIT(f->side)) == 0)
        json_fail(&L->r, "target",
                  "kind %s exists on the %s side only, but the target is on "
                  "the %s side",
                  fault_kind_name(kind),
                  fault_side_name(f->side == FAULT_SIDE_PLATFORM ? FAULT_SIDE_CARRIER
                                                                 : FAULT_SIDE_PLATFORM),
                  fault_side_name(f->side));
}

static int shop_known(const struct scenario *sc, const char *name)
{
    for (int g = 0; g < sc->shop_group_count; g++)
        if (strcmp(sc->shop_groups[g].id, name) == 0)
            return 1;
    return scenario_shop_index(sc, name) >= 0;
}

/* shop narrows platform rules, carrier narrows carrier rules; both must name what exists. */
static void parse_scope(struct loader *L, const cJSON *o, struct fault_rule *f)
{
    const struct scenario *sc = L->sc;
    if (json_get_string(&L->r, o, "shop", 0, f->shop, sizeof(f->shop), "") == 0 &&
        f->shop[0] != '\0') {
        if (f->side != FAULT_SIDE_PLATFORM)
            json_fail(&L->r, "shop", "applies to platform rules only");
        else if (!shop_known(sc, f->shop))
            json_fail(&L->r, "shop",
                      "unknown shop '%s' (not a shops[].id or an instance "
                      "name like '<id>-1')",
                      f->shop);
    }
    if (json_get_string(&L->r, o, "carrier", 0, f->carrier, sizeof(f->carrier), "") == 0 &&
        f->carrier[0] != '\0') {
        int found = 0;
        for (int k = 0; k < sc->carrier_count; k++)
            found |= strcmp(sc->carriers_enabled[k], f->carrier) == 0;
        if (f->side != FAULT_SIDE_CARRIER)
            json_fail(&L->r, "carrier", "applies to carrier rules only");
        else if (!found)
            json_fail(&L->r, "carrier", "unknown carrier '%s' (not in carriers.enabled)",
                      f->carrier);
    }
}

static void parse_latency(struct loader *L, const cJSON *o, struct fault_rule *f)
{
    int d = loader_get_enum(L, o, "dist", 0, dist_names, LATENCY_FIXED);
    f->dist = d < 0 ? LATENCY_FIXED : (enum latency_dist)d;
    (void)json_get_double(&L->r, o, "delay_ms", 0, &f->delay_ms, 100, 0, DELAY_MS_MAX);
    int has_max = cJSON_GetObjectItemCaseSensitive(o, "delay_ms_max") != NULL;
    if (f->dist == LATENCY_FIXED) {
        if (has_max)
            json_fail(&L->r, "delay_ms_max", "applies to dist uniform or long_tail only");
        return;
    }
    if (json_get_double(&L->r, o, "delay_ms_max", 1, &f->delay_ms_max, 0, 0, DELAY_MS_MAX) == 0 &&
        f->delay_ms_max < f->delay_ms)
        json_fail(&L->r, "delay_ms_max", "must be at least delay_ms (%g), got %g", f->delay_ms,
                  f->delay_ms_max);
}

static const char *const *modes_of(enum fault_kind k)
{
    switch (k) {
    case FAULT_GARBLED_TRACKING: return garbled_modes;
    case FAULT_MALFORMED: return malformed_modes;
    case FAULT_FORGED_PUSH: return forged_modes;
    case FAULT_DUPLICATE_WAYBILL: return dup_waybill_modes;
    default: return NULL;
    }
}

/* The kind's own parameters; others stay zero (check_fault_keys rejected them). */
static void parse_params(struct loader *L, const cJSON *o, enum fault_kind k, struct fault_rule *f)
{
    int64_t v = 0;
    switch (k) {
    case FAULT_LATENCY: parse_latency(L, o, f); break;
    case FAULT_STALE_CACHE:
        if (json_get_double(&L->r, o, "max_age_s", 0, &f->max_age_s, 600, 0,
                            SCENARIO_DURATION_S_MAX) == 0 &&
            !(f->max_age_s > 0))
            json_fail(&L->r, "max_age_s", "must be > 0, got %g", f->max_age_s);
        break;
    case FAULT_RATE_LIMIT:
        if (json_get_double(&L->r, o, "rate_per_s", 0, &f->rate_per_s, 10, 0,
                            SCENARIO_RATE_PER_S_MAX) == 0 &&
            !(f->rate_per_s > 0))
            json_fail(&L->r, "rate_per_s", "must be > 0, got %g", f->rate_per_s);
        break;
    case FAULT_TRACKING_STALL:
        if (json_get_double(&L->r, o, "duration_s", 0, &f->duration_s, 7200, 0,
                            SCENARIO_DURATION_S_MAX) == 0 &&
            !(f->duration_s > 0))
            json_fail(&L->r, "duration_s", "must be > 0, got %g", f->duration_s);
        break;
    case FAULT_ERROR:
        (void)json_get_int(&L->r, o, "status", 0, &v, 500, 500, 599);
        f->status = (int)v;
        break;
    case FAULT_STOCK_DRIFT:
        if (json_get_int(&L->r, o, "drift_units", 0, &f->drift_units, -5, -DRIFT_UNITS_MAX,
                         DRIFT_UNITS_MAX) == 0 &&
            f->drift_units == 0)
            json_fail(&L->r, "drift_units", "must not be 0");
        break;
    default: break;
    }
    const char *const *modes = modes_of(k);
    if (modes != NULL) {
        int m = loader_get_enum(L, o, "mode", 0, modes, -1);
        if (m >= 0)
            snprintf(f->mode, sizeof(f->mode), "%s", modes[m]);
    }
}

static void parse_fault(struct loader *L, const cJSON *o, struct fault_rule *f)
{
    memset(f, 0, sizeof(*f));
    double end_s = scenario_run_end_s(L->sc);
    int kind = parse_kind(L, o);
    f->kind = kind >= 0 ? (enum fault_kind)kind : FAULT_LOST_ORDER;
    check_fault_keys(L, o, kind);
    parse_target(L, o, kind, f);
    parse_scope(L, o, f);
    (void)json_get_double(&L->r, o, "probability", 1, &f->probability, 0, 0, 1);
    const double window_def[2] = {0, end_s};
    if (loader_get_pair(L, o, "window_s", f->window_s, window_def, 0, end_s, 0) == 0 &&
        !(f->window_s[0] < f->window_s[1]))
        json_fail(&L->r, "window_s", "must be [from, to) with from < to, got [%g, %g]",
                  f->window_s[0], f->window_s[1]);
    int64_t attempts = 0;
    (void)json_get_int(&L->r, o, "attempts", 0, &attempts, 0, 0, ATTEMPTS_MAX);
    f->attempts = (int)attempts;
    if (kind >= 0)
        parse_params(L, o, (enum fault_kind)kind, f);
}

void loader_parse_faults(struct loader *L, const cJSON *root)
{
    const cJSON *arr = json_get_array(&L->r, root, "faults", 0, 0, SCENARIO_FAULTS_MAX);
    if (arr == NULL)
        return;
    int saved = json_enter(&L->r, "faults", -1);
    int n = cJSON_GetArraySize(arr);
    for (int i = 0; i < n; i++) {
        const cJSON *o = loader_item_object(L, arr, i);
        if (o == NULL)
            continue;
        int s2 = json_enter(&L->r, NULL, i);
        parse_fault(L, o, &L->sc->faults[i]);
        json_leave(&L->r, s2);
    }
    L->sc->fault_count = n;
    json_leave(&L->r, saved);
}

/* ---- crashes ------------------------------------------------------------------------------ */

static int add_crash(struct loader *L, enum crash_process p, double at_s, double restart_s)
{
    struct scenario *sc = L->sc;
    if (sc->crash_count >= SCENARIO_CRASHES_MAX) {
        json_fail(&L->r, NULL, "more than %d crash events in all", SCENARIO_CRASHES_MAX);
        return -1;
    }
    struct crash_event *e = &sc->crashes[sc->crash_count++];
    e->process = p;
    e->at_s = at_s;
    e->restart_after_s = restart_s;
    return 0;
}

/* {"every_s", "count", "from_s"}: crashes at from_s + k * every_s, k = 0 .. count-1. */
static void parse_crash_series(struct loader *L, const cJSON *o, enum crash_process p,
                               double restart_s)
{
    double end_s = scenario_run_end_s(L->sc);
    double every_s = 0;
    double from_s = 0;
    int64_t count = 0;
    int ok = json_get_double(&L->r, o, "every_s", 1, &every_s, 0, 0, end_s) == 0;
    if (ok && !(every_s > 0)) {
        json_fail(&L->r, "every_s", "must be > 0, got %g", every_s);
        ok = 0;
    }
    ok &= json_get_int(&L->r, o, "count", 1, &count, 0, 1, SCENARIO_CRASHES_MAX) == 0;
    ok &= json_get_double(&L->r, o, "from_s", 0, &from_s, every_s, 0, end_s) == 0;
    if (!ok)
        return;
    double last_s = from_s + (double)(count - 1) * every_s;
    if (last_s > end_s) {
        json_fail(&L->r, NULL,
                  "the last of %lld crashes falls at %g s, past the end of the run "
                  "(%g s = sim.duration_s + sim.drain_s)",
                  (long long)count, last_s, end_s);
        return;
    }
    for (int64_t k = 0; k < count; k++)
        if (add_crash(L, p, from_s + (double)k * every_s, restart_s) != 0)
            return;
}

static void parse_crash(struct loader *L, const cJSON *o)
{
    static const char *const keys[] = {"process", "at_s", "restart_after_s", "every_s", "count",
                                       "from_s",  NULL};
    static const char *const procs[] = {"syncd", "mockplat", "mockcarrier", NULL};
    (void)json_check_keys(&L->r, o, keys);
    int p = loader_get_enum(L, o, "process", 1, procs, 0);
    double restart_s = RESTART_S_DEFAULT;
    int ok = json_get_double(&L->r, o, "restart_after_s", 0, &restart_s, RESTART_S_DEFAULT, 0,
                             RESTART_S_MAX) == 0;
    int has_at = cJSON_GetObjectItemCaseSensitive(o, "at_s") != NULL;
    int has_series = cJSON_GetObjectItemCaseSensitive(o, "every_s") != NULL ||
                     cJSON_GetObjectItemCaseSensitive(o, "count") != NULL ||
                     cJSON_GetObjectItemCaseSensitive(o, "from_s") != NULL;
    if (has_at && has_series) {
        json_fail(&L->r, NULL, "give either at_s, or every_s and count (with from_s), not both");
        return;
    }
    if (!has_at && !has_series) {
        json_fail(&L->r, NULL, "needs at_s, or every_s and count");
        return;
    }
    if (p < 0 || !ok)
        return;
    if (has_series) {
        parse_crash_series(L, o, (enum crash_process)p, restart_s);
        return;
    }
    double at_s = 0;
    if (json_get_double(&L->r, o, "at_s", 1, &at_s, 0, 0, scenario_run_end_s(L->sc)) == 0)
        (void)add_crash(L, (enum crash_process)p, at_s, restart_s);
}

/* Stable insertion sort by time (n <= SCENARIO_CRASHES_MAX): equal times keep file order. */
static void sort_crashes(struct scenario *sc)
{
    for (int i = 1; i < sc->crash_count; i++) {
        struct crash_event e = sc->crashes[i];
        int j = i;
        while (j > 0 && sc->crashes[j - 1].at_s > e.at_s) {
            sc->crashes[j] = sc->crashes[j - 1];
            j--;
        }
        sc->crashes[j] = e;
    }
    for (int i = 1; i < sc->crash_count; i++)
        assert(sc->crashes[i - 1].at_s <= sc->crashes[i].at_s);
}

void loader_parse_crashes(struct loader *L, const cJSON *root)
{
    const cJSON *arr = json_get_array(&L->r, root, "crashes", 0, 0, SCENARIO_CRASHES_MAX);
    if (arr == NULL)
        return;
    int saved = json_enter(&L->r, "crashes", -1);
    int n = cJSON_GetArraySize(arr);
    for (int i = 0; i < n; i++) {
        const cJSON *o = loader_item_object(L, arr, i);
        if (o == NULL)
            continue;
        int s2 = json_enter(&L->r, NULL, i);
        parse_crash(L, o);
        json_leave(&L->r, s2);
    }
    json_leave(&L->r, saved);
    sort_crashes(L->sc);
}

/* ---- rules at run time -------------------------------------------------------------------- */

int scenario_parse_fault_rules(const struct scenario *sc, const char *text, unsigned long len,
                               struct fault_rule *out, int max, int *count, char *err, int err_len)
{
    static const char *const keys[] = {"faults", NULL};
    assert(sc != NULL);
    assert(out != NULL);
    assert(count != NULL);
    cJSON *doc = json_parse(text, len, err, err_len);
    if (doc == NULL)
        return -1;
    struct scenario *tmp = malloc(sizeof(*tmp));
    if (tmp == NULL) {
        json_delete(doc);
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    memcpy(tmp, sc, sizeof(*tmp));
    tmp->fault_count = 0;
    struct loader L;
    loader_init(&L, tmp, err, err_len);
    if (!cJSON_IsObject(doc)) {
        json_fail(&L.r, NULL, "must be an object {\"faults\": [...]}, got %s", json_type_name(doc));
    } else {
        (void)json_check_keys(&L.r, doc, keys);
        if (json_get_array(&L.r, doc, "faults", 1, 0, SCENARIO_FAULTS_MAX) != NULL)
            loader_parse_faults(&L, doc);
        if (tmp->fault_count > max)
            json_fail(&L.r, "faults", "%d rules, at most %d here", tmp->fault_count, max);
    }
    int errors = loader_finish(&L);
    if (errors == 0) {
        memcpy(out, tmp->faults, sizeof(out[0]) * (size_t)tmp->fault_count);
        *count = tmp->fault_count;
    }
    free(tmp);
    json_delete(doc);
    return errors == 0 ? 0 : -1;
}
