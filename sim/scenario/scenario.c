/* The scenario loader: JSON sections -> struct scenario, every problem reported with its JSON path.
 * scenarios/README.md is the reference for keys, defaults and limits; keep the two in step. */
#include "scenario/scenario.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/loader.h"

#define SEED_MAX 9007199254740991LL /* 2^53 - 1: a JSON number holds it exactly */
#define STOCK_UNITS_MAX 1000000000LL
#define SALES_PER_DAY_MAX 1e9
#define SKU_WEIGHT_MAX 1e6
#define TIME_SCALE_MIN 0.001
#define RESTART_S_DEFAULT 0.2
#define SLA_SHIP_S_DEFAULT 7200.0
#define HOPS_MAX 50
#define DELAY_S_MAX (30.0 * 24 * 3600)

static const char *const known_carriers[] = {"SF", "ZTO", "YUNDA", "YTO", "STO", "JD", NULL};
static const char *const flavor_names[] = {"shopee", "wechat", NULL};
static const char *const ship_delay_names[] = {"immediate", "30min", "presale", NULL};

/* ---- the loader's shared helpers (loader.h) ------------------------------------------------ */

static void loader_sink(void *arg, const char *line)
{
    struct loader *L = arg;
    size_t n = strlen(line);
    /* keep room for the newline, the NUL and a closing note */
    if (L->truncated || L->err_used + n + 2 + 40 > (size_t)L->err_len) {
        L->truncated = 1;
        return;
    }
    memcpy(L->err + L->err_used, line, n);
    L->err_used += n;
    L->err[L->err_used++] = '\n';
    L->err[L->err_used] = '\0';
}

void loader_init(struct loader *L, struct scenario *sc, char *err, int err_len)
{
    assert(err != NULL);
    assert(err_len >= 64);
    memset(L, 0, sizeof(*L));
    json_reader_init(&L->r);
    L->r.on_error = loader_sink;
    L->r.on_error_arg = L;
    L->sc = sc;
    L->err = err;
    L->err_len = err_len;
    err[0] = '\0';
}

int loader_finish(struct loader *L)
{
    if (L->truncated)
        snprintf(L->err + L->err_used, (size_t)L->err_len - L->err_used,
                 "(%d errors in all; the rest are not shown)", L->r.error_count);
    else if (L->err_used > 0)
        L->err[L->err_used - 1] = '\0'; /* no newline after the last line */
    return L->r.error_count;
}

const cJSON *loader_item_object(struct loader *L, const cJSON *arr, int i)
{
    const cJSON *item = cJSON_GetArrayItem(arr, i);
    assert(item != NULL);
    char idx[24];
    snprintf(idx, sizeof(idx), "[%d]", i);
    if (!cJSON_IsObject(item)) {
        json_fail(&L->r, idx, "must be an object, got %s", json_type_name(item));
        return NULL;
    }
    return item;
}

int loader_get_pair(struct loader *L, const cJSON *obj, const char *field, double out[2],
                    const double def[2], double min, double max, int integer)
{
    const cJSON *arr = json_get_array(&L->r, obj, field, 0, 2, 2);
    if (arr == NULL) {
        if (cJSON_GetObjectItemCaseSensitive(obj, field) != NULL)
            return -1; /* present but not a pair: json_get_array said why */
        out[0] = def[0];
        out[1] = def[1];
        return 0;
    }
    double v[2];
    for (int k = 0; k < 2; k++) {
        const cJSON *x = cJSON_GetArrayItem(arr, k);
        v[k] = cJSON_IsNumber(x) ? x->valuedouble : NAN;
        char sub[80];
        snprintf(sub, sizeof(sub), "%s[%d]", field, k);
        if (!cJSON_IsNumber(x) || !isfinite(v[k])) {
            json_fail(&L->r, sub, "must be a number, got %s", json_type_name(x));
            return -1;
        }
        if (integer && v[k] != floor(v[k])) {
            json_fail(&L->r, sub, "must be an integer, got %g", v[k]);
            return -1;
        }
        if (v[k] < min || v[k] > max) {
            json_fail(&L->r, sub, "must be in [%g,%g], got %g", min, max, v[k]);
            return -1;
        }
    }
    if (v[0] > v[1]) {
        json_fail(&L->r, field, "must be [lo, hi] with lo <= hi, got [%g, %g]", v[0], v[1]);
        return -1;
    }
    out[0] = v[0];
    out[1] = v[1];
    return 0;
}

int loader_get_enum(struct loader *L, const cJSON *obj, const char *field, int required,
                    const char *const *names, int def)
{
    char text[64];
    if (json_get_string(&L->r, obj, field, required, text, sizeof(text), NULL) != 0)
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(obj, field) == NULL)
        return def;
    char list[256] = "";
    size_t used = 0;
    for (int i = 0; names[i] != NULL; i++) {
        if (strcmp(text, names[i]) == 0)
            return i;
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", names[i]);
        assert(used < sizeof(list));
    }
    json_fail(&L->r, field, "must be one of %s, got '%s'", list, text);
    return -1;
}

double scenario_run_end_s(const struct scenario *sc)
{
    return sc->duration_s + sc->drain_s;
}

/* ---- small checks ------------------------------------------------------------------------- */

/* Names that end up in file names, URLs and ids: letters, digits and extra. */
static int name_ok(const char *s, const char *extra)
{
    if (s[0] == '\0')
        return 0;
    for (const char *p = s; *p != '\0'; p++) {
        int alnum =
            (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
        if (!alnum && strchr(extra, *p) == NULL)
            return 0;
    }
    return 1;
}

static int in_list(const char *s, const char *const *list)
{
    for (int i = 0; list[i] != NULL; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

/* A carrier code member: known, or an error naming the known ones. */
static int get_carrier_code(struct loader *L, const cJSON *obj, const char *field, char *out,
                            const char *def)
{
    if (json_get_string(&L->r, obj, field, 0, out, CARRIER_CODE_BYTES_MAX, def) != 0)
        return -1;
    if (!in_list(out, known_carriers)) {
        json_fail(&L->r, field, "unknown carrier '%s' (known: SF, ZTO, YUNDA, YTO, STO, JD)", out);
        return -1;
    }
    return 0;
}

/* ---- sections ----------------------------------------------------------------------------- */

static void parse_meta(struct loader *L, const cJSON *root)
{
    struct scenario *sc = L->sc;
    if (json_get_string(&L->r, root, "name", 1, sc->name, sizeof(sc->name), NULL) == 0 &&
        !name_ok(sc->name, "._-"))
        json_fail(&L->r, "name",
                  "must be letters, digits, '.', '_' or '-' (it names the results "
                  "folder), got '%s'",
                  sc->name);
    (void)json_get_string(&L->r, root, "description", 0, sc->description, sizeof(sc->description),
                          "");
    int64_t seed = 1;
    (void)json_get_int(&L->r, root, "seed", 0, &seed, 1, 0, SEED_MAX);
    sc->seed = (uint64_t)seed;
}

/* sim{}; drain_s is settled after sla{} (its default is the ship SLA). Returns 1 when drain_s
 * was given. */
static int parse_sim(struct loader *L, const cJSON *root)
{
    static const char *const keys[] = {"duration_s", "time_scale", "drain_s", NULL};
    struct scenario *sc = L->sc;
    const cJSON *o = json_get_object(&L->r, root, "sim", 1);
    if (o == NULL)
        return 0;
    int saved = json_enter(&L->r, "sim", -1);
    (void)json_check_keys(&L->r, o, keys);
    (void)json_get_double(&L->r, o, "duration_s", 1, &sc->duration_s, 0, 1,
                          SCENARIO_DURATION_S_MAX);
    (void)json_get_double(&L->r, o, "time_scale", 0, &sc->time_scale, 1, TIME_SCALE_MIN,
                          SCENARIO_TIME_SCALE_MAX);
    (void)json_get_double(&L->r, o, "drain_s", 0, &sc->drain_s, -1, 0, SCENARIO_DURATION_S_MAX);
    json_leave(&L->r, saved);
    return cJSON_GetObjectItemCaseSensitive(o, "drain_s") != NULL;
}

static void parse_shop_group(struct loader *L, const cJSON *o, int i)
{
    static const char *const keys[] = {"id", "flavor", "count", NULL};
    struct scenario *sc = L->sc;
    struct shop_group *g = &sc->shop_groups[i];
    (void)json_check_keys(&L->r, o, keys);
    /* ids leave room for "-NN" (instance names) and never contain '-' themselves */
    if (json_get_string(&L->r, o, "id", 1, g->id, SHOP_NAME_BYTES_MAX - 3, NULL) == 0) {
        if (!name_ok(g->id, "_"))
            json_fail(&L->r, "id", "must be letters, digits or '_', got '%s'", g->id);
        for (int k = 0; k < i; k++)
            if (strcmp(sc->shop_groups[k].id, g->id) == 0)
                json_fail(&L->r, "id", "duplicate shop id '%s' (also shops[%d])", g->id, k);
    }
    int flavor = loader_get_enum(L, o, "flavor", 1, flavor_names, 0);
    g->flavor = flavor == 1 ? FLAVOR_WECHAT : FLAVOR_SHOPEE;
    int64_t count = 1;
    (void)json_get_int(&L->r, o, "count", 0, &count, 1, 1, SCENARIO_SHOPS_PER_GROUP_MAX);
    g->count = (int)count;
}

static void parse_shops(struct loader *L, const cJSON *root)
{
    struct scenario *sc = L->sc;
    const cJSON *arr = json_get_array(&L->r, root, "shops", 1, 1, SCENARIO_SHOP_GROUPS_MAX);
    if (arr == NULL)
        return;
    int saved = json_enter(&L->r, "shops", -1);
    int n = cJSON_GetArraySize(arr);
    for (int i = 0; i < n; i++) {
        const cJSON *o = loader_item_object(L, arr, i);
        if (o == NULL)
            continue;
        int s2 = json_enter(&L->r, NULL, i);
        parse_shop_group(L, o, i);
        json_leave(&L->r, s2);
        sc->shop_count += sc->shop_groups[i].count;
    }
    sc->shop_group_count = n;
    json_leave(&L->r, saved);
    if (sc->shop_count > SCENARIO_SHOPS_MAX)
        json_fail(&L->r, "shops", "%d shop instances in all, at most %d", sc->shop_count,
                  SCENARIO_SHOPS_MAX);
}

static void parse_enabled(struct loader *L, const cJSON *o)
{
    struct scenario *sc = L->sc;
    const cJSON *arr = json_get_array(&L->r, o, "enabled", 0, 1, SCENARIO_CARRIERS_MAX);
    if (arr == NULL) {
        if (cJSON_GetObjectItemCaseSensitive(o, "enabled") != NULL)
            return;
        /* default: the primary and the backup */
        snprintf(sc->carriers_enabled[0], CARRIER_CODE_BYTES_MAX, "%s", sc->carrier_primary);
        snprintf(sc->carriers_enabled[1], CARRIER_CODE_BYTES_MAX, "%s", sc->carrier_backup);
        sc->carrier_count = 2;
        return;
    }
    int saved = json_enter(&L->r, "enabled", -1);
    int n = cJSON_GetArraySize(arr);
    for (int i = 0; i < n; i++) {
        const cJSON *x = cJSON_GetArrayItem(arr, i);
        char idx[24];
        snprintf(idx, sizeof(idx), "[%d]", i);
        if (!cJSON_IsString(x) || !in_list(x->valuestring, known_carriers)) {
            json_fail(&L->r, idx, "unknown carrier %s%s%s (known: SF, ZTO, YUNDA, YTO, STO, JD)",
                      cJSON_IsString(x) ? "'" : "",
                      cJSON_IsString(x) ? x->valuestring : json_type_name(x),
                      cJSON_IsString(x) ? "'" : "");
            continue;
        }
        for (int k = 0; k < sc->carrier_count; k++)
            if (strcmp(sc->carriers_enabled[k], x->valuestring) == 0)
                json_fail(&L->r, idx, "carrier '%s' is listed twice", x->valuestring);
        snprintf(sc->carriers_enabled[sc->carrier_count++], CARRIER_CODE_BYTES_MAX, "%s",
                 x->valuestring);
    }
    json_leave(&L->r, saved);
}

static int carrier_enabled(const struct scenario *sc, const char *code)
{
    for (int k = 0; k < sc->carrier_count; k++)
        if (strcmp(sc->carriers_enabled[k], code) == 0)
            return 1;
    return 0;
}

static void parse_carriers(struct loader *L, const cJSON *root)
{
    static const char *const keys[] = {"primary", "backup", "enabled", NULL};
    static const cJSON empty = {.type = cJSON_Object};
    struct scenario *sc = L->sc;
    const cJSON *o = json_get_object(&L->r, root, "carriers", 0);
    if (o == NULL && cJSON_GetObjectItemCaseSensitive(root, "carriers") != NULL)
        return;
    int absent = o == NULL;
    if (absent)
        o = &empty;
    int saved = json_enter(&L->r, "carriers", -1);
    (void)json_check_keys(&L->r, o, keys);
    int ok = get_carrier_code(L, o, "primary", sc->carrier_primary, "SF") == 0;
    ok &= get_carrier_code(L, o, "backup", sc->carrier_backup, "ZTO") == 0;
    if (absent) {
        static const char *const def[] = {"SF", "ZTO", "YUNDA"};
        for (int i = 0; i < 3; i++)
            snprintf(sc->carriers_enabled[i], CARRIER_CODE_BYTES_MAX, "%s", def[i]);
        sc->carrier_count = 3;
    } else {
        parse_enabled(L, o);
    }
    if (ok && strcmp(sc->carrier_primary, sc->carrier_backup) == 0)
        json_fail(&L->r, "backup", "must differ from primary (both '%s')", sc->carrier_backup);
    if (ok && !carrier_enabled(sc, sc->carrier_primary))
        json_fail(&L->r, "primary", "'%s' is not in carriers.enabled", sc->carrier_primary);
    if (ok && !carrier_enabled(sc, sc->carrier_backup))
        json_fail(&L->r, "backup", "'%s' is not in carriers.enabled", sc->carrier_backup);
    json_leave(&L->r, saved);
}

static void parse_sku(struct loader *L, const cJSON *o, int i)
{
    static const char *const keys[] = {"sku",    "stock",      "daily_mean_sales",
                                       "weight", "ship_delay", NULL};
    struct scenario *sc = L->sc;
    struct sku *s = &sc->catalog[i];
    (void)json_check_keys(&L->r, o, keys);
    if (json_get_string(&L->r, o, "sku", 1, s->sku, sizeof(s->sku), NULL) == 0) {
        if (!name_ok(s->sku, "_.-"))
            json_fail(&L->r, "sku", "must be letters, digits, '_', '.' or '-', got '%s'", s->sku);
        for (int k = 0; k < i; k++)
            if (strcmp(sc->catalog[k].sku, s->sku) == 0)
                json_fail(&L->r, "sku", "duplicate sku '%s' (also catalog[%d])", s->sku, k);
    }
    (void)json_get_int(&L->r, o, "stock", 1, &s->stock, 0, 0, STOCK_UNITS_MAX);
    (void)json_get_double(&L->r, o, "daily_mean_sales", 0, &s->daily_mean_sales, 0, 0,
                          SALES_PER_DAY_MAX);
    if (json_get_double(&L->r, o, "weight", 0, &s->weight, 1, 0, SKU_WEIGHT_MAX) == 0 &&
        !(s->weight > 0))
        json_fail(&L->r, "weight", "must be > 0, got %g", s->weight);
    int d = loader_get_enum(L, o, "ship_delay", 0, ship_delay_names, 0);
    s->ship_delay = d < 0 ? SHIP_IMMEDIATE : (enum ship_delay_class)d;
}

static void parse_catalog(struct loader *L, const cJSON *root)
{
    const cJSON *arr = json_get_array(&L->r, root, "catalog", 1, 1, SCENARIO_SKUS_MAX);
    if (arr == NULL)
        return;
    int saved = json_enter(&L->r, "catalog", -1);
    int n = cJSON_GetArraySize(arr);
    for (int i = 0; i < n; i++) {
        const cJSON *o = loader_item_object(L, arr, i);
        if (o == NULL)
            continue;
        int s2 = json_enter(&L->r, NULL, i);
        parse_sku(L, o, i);
        json_leave(&L->r, s2);
    }
    L->sc->sku_count = n;
    json_leave(&L->r, saved);
}

static void parse_stages(struct loader *L, const cJSON *arr)
{
    static const char *const keys[] = {"ramp_to_per_s", "sim_s", NULL};
    struct scenario *sc = L->sc;
    int n = cJSON_GetArraySize(arr);
    double total_s = 0;
    for (int i = 0; i < n; i++) {
        const cJSON *o = loader_item_object(L, arr, i);
        if (o == NULL)
            continue;
        struct load_stage *st = &sc->stages[i];
        int saved = json_enter(&L->r, NULL, i);
        (void)json_check_keys(&L->r, o, keys);
        (void)json_get_double(&L->r, o, "ramp_to_per_s", 1, &st->ramp_to_per_s, 0, 0,
                              SCENARIO_RATE_PER_S_MAX);
        if (json_get_double(&L->r, o, "sim_s", 1, &st->sim_s, 0, 0, SCENARIO_DURATION_S_MAX) == 0 &&
            !(st->sim_s > 0))
            json_fail(&L->r, "sim_s", "must be > 0, got %g", st->sim_s);
        total_s += st->sim_s;
        json_leave(&L->r, saved);
    }
    sc->stage_count = n;
    if (sc->duration_s > 0 && total_s > sc->duration_s)
        json_fail(&L->r, NULL, "the stages last %g sim s in all, past sim.duration_s (%g)", total_s,
                  sc->duration_s);
}

static void parse_load(struct loader *L, const cJSON *root)
{
    static const char *const keys[] = {"stages", NULL};
    const cJSON *o = json_get_object(&L->r, root, "load", 1);
    if (o == NULL)
        return;
    int saved = json_enter(&L->r, "load", -1);
    (void)json_check_keys(&L->r, o, keys);
    const cJSON *arr = json_get_array(&L->r, o, "stages", 1, 1, SCENARIO_STAGES_MAX);
    if (arr != NULL) {
        int s2 = json_enter(&L->r, "stages", -1);
        parse_stages(L, arr);
        json_leave(&L->r, s2);
    }
    json_leave(&L->r, saved);
}

/* An optional section: the object, or an empty one when absent; NULL when present but wrong. */
static const cJSON *optional_section(struct loader *L, const cJSON *root, const char *name)
{
    static const cJSON empty = {.type = cJSON_Object};
    const cJSON *o = json_get_object(&L->r, root, name, 0);
    if (o != NULL)
        return o;
    return cJSON_GetObjectItemCaseSensitive(root, name) == NULL ? &empty : NULL;
}

static void check_share_sum(struct loader *L, const char *a, double x, const char *b, double y)
{
    if (x + y > 1.0 + 1e-12)
        json_fail(&L->r, NULL, "%s + %s = %g, must be at most 1", a, b, x + y);
}

static void parse_buyers(struct loader *L, const cJSON *root)
{
    static const char *const keys[] = {"population",   "repeat_share",   "unpaid_share",
                                       "cancel_share", "burst_share",    "lines_max",
                                       "pay_delay_s",  "cancel_delay_s", NULL};
    static const double pay_def[2] = {5, 120};
    static const double cancel_def[2] = {60, 1800};
    struct buyer_mix *b = &L->sc->buyers;
    const cJSON *o = optional_section(L, root, "buyers");
    if (o == NULL)
        return;
    int saved = json_enter(&L->r, "buyers", -1);
    (void)json_check_keys(&L->r, o, keys);
    (void)json_get_int(&L->r, o, "population", 0, &b->population, 10000, 1, SCENARIO_BUYERS_MAX);
    (void)json_get_double(&L->r, o, "repeat_share", 0, &b->repeat_share, 0.1, 0, 1);
    (void)json_get_double(&L->r, o, "unpaid_share", 0, &b->unpaid_share, 0.05, 0, 1);
    (void)json_get_double(&L->r, o, "cancel_share", 0, &b->cancel_share, 0.02, 0, 1);
    (void)json_get_double(&L->r, o, "burst_share", 0, &b->burst_share, 0, 0, 1);
    int64_t lines = 2;
    (void)json_get_int(&L->r, o, "lines_max", 0, &lines, 2, 1, SCENARIO_LINES_PER_ORDER_MAX);
    b->lines_max = (int)lines;
    (void)loader_get_pair(L, o, "pay_delay_s", b->pay_delay_s, pay_def, 0, DELAY_S_MAX, 0);
    (void)loader_get_pair(L, o, "cancel_delay_s", b->cancel_delay_s, cancel_def, 0, DELAY_S_MAX, 0);
    /* an order is unpaid or (paid and) cancelled, never both; a buyer is a repeat buyer or a
     * burst buyer, never both */
    check_share_sum(L, "unpaid_share", b->unpaid_share, "cancel_share", b->cancel_share);
    check_share_sum(L, "repeat_share", b->repeat_share, "burst_share", b->burst_share);
    json_leave(&L->r, saved);
}

static void parse_parcels(struct loader *L, const cJSON *root)
{
    static const char *const keys[] = {"pickup_s",     "hop_s",        "hops", "problem_share",
                                       "refuse_share", "return_share", NULL};
    static const double pickup_def[2] = {1800, 7200};
    static const double hop_def[2] = {3600, 14400};
    static const double hops_def[2] = {2, 5};
    struct parcel_mix *p = &L->sc->parcels;
    const cJSON *o = optional_section(L, root, "parcels");
    if (o == NULL)
        return;
    int saved = json_enter(&L->r, "parcels", -1);
    (void)json_check_keys(&L->r, o, keys);
    (void)loader_get_pair(L, o, "pickup_s", p->pickup_s, pickup_def, 0, DELAY_S_MAX, 0);
    (void)loader_get_pair(L, o, "hop_s", p->hop_s, hop_def, 0, DELAY_S_MAX, 0);
    double hops[2];
    (void)loader_get_pair(L, o, "hops", hops, hops_def, 0, HOPS_MAX, 1);
    p->hops[0] = (int)hops[0];
    p->hops[1] = (int)hops[1];
    (void)json_get_double(&L->r, o, "problem_share", 0, &p->problem_share, 0.01, 0, 1);
    (void)json_get_double(&L->r, o, "refuse_share", 0, &p->refuse_share, 0.005, 0, 1);
    (void)json_get_double(&L->r, o, "return_share", 0, &p->return_share, 0.005, 0, 1);
    double sum = p->problem_share + p->refuse_share + p->return_share;
    if (sum > 1.0 + 1e-12)
        json_fail(&L->r, NULL,
                  "problem_share + refuse_share + return_share = %g, must be at "
                  "most 1",
                  sum);
    json_leave(&L->r, saved);
}

static void parse_sla(struct loader *L, const cJSON *root)
{
    static const char *const keys[] = {"ship_within_s", "deliver_within_s", NULL};
    struct scenario *sc = L->sc;
    sc->sla_ship_within_s = SLA_SHIP_S_DEFAULT;
    const cJSON *o = optional_section(L, root, "sla");
    if (o == NULL)
        return;
    int saved = json_enter(&L->r, "sla", -1);
    (void)json_check_keys(&L->r, o, keys);
    if (json_get_double(&L->r, o, "ship_within_s", 0, &sc->sla_ship_within_s, SLA_SHIP_S_DEFAULT, 0,
                        SCENARIO_DURATION_S_MAX) == 0 &&
        !(sc->sla_ship_within_s > 0))
        json_fail(&L->r, "ship_within_s", "must be > 0, got %g", sc->sla_ship_within_s);
    if (json_get_double(&L->r, o, "deliver_within_s", 0, &sc->sla_deliver_within_s, 0, 0,
                        SCENARIO_DURATION_S_MAX) == 0 &&
        sc->sla_deliver_within_s > 0 && sc->sla_deliver_within_s < sc->sla_ship_within_s)
        json_fail(&L->r, "deliver_within_s", "must be at least ship_within_s (%g), got %g",
                  sc->sla_ship_within_s, sc->sla_deliver_within_s);
    json_leave(&L->r, saved);
}

static void parse_threshold(struct loader *L, const cJSON *item, struct threshold *t)
{
    const char *fig = item->string;
    if (strlen(fig) >= sizeof(t->figure)) {
        json_fail(&L->r, fig, "figure name longer than %zu bytes", sizeof(t->figure) - 1);
        return;
    }
    if (!scenario_figure_known(fig))
        json_fail(&L->r, fig,
                  "unknown figure (scenarios/README.md lists them: lost_orders, "
                  "late_orders, duplicate_waybills, ..., faults_injected.<kind>, "
                  "evidence.<kind>, p99_ship_latency_ms, ...)");
    if (!cJSON_IsString(item)) {
        json_fail(&L->r, fig, "must be a condition string like \"== 0\", got %s",
                  json_type_name(item));
        return;
    }
    const char *text = item->valuestring;
    if (strlen(text) >= sizeof(t->text) || threshold_parse(text, &t->op, &t->value) != 0) {
        json_fail(&L->r, fig,
                  "bad condition '%.60s': must be '<op> <number>' with op one of "
                  "< <= == != >= >",
                  text);
        return;
    }
    snprintf(t->figure, sizeof(t->figure), "%s", fig);
    snprintf(t->text, sizeof(t->text), "%s", text);
}

static void parse_thresholds(struct loader *L, const cJSON *root)
{
    struct scenario *sc = L->sc;
    const cJSON *o = json_get_object(&L->r, root, "thresholds", 0);
    if (o == NULL)
        return;
    int saved = json_enter(&L->r, "thresholds", -1);
    int n = cJSON_GetArraySize(o);
    if (n > SCENARIO_THRESHOLDS_MAX) {
        json_fail(&L->r, NULL, "%d thresholds, at most %d", n, SCENARIO_THRESHOLDS_MAX);
        n = SCENARIO_THRESHOLDS_MAX;
    }
    int i = 0;
    for (const cJSON *c = o->child; c != NULL && i < n; c = c->next, i++)
        parse_threshold(L, c, &sc->thresholds[i]);
    sc->threshold_count = n;
    /* a figure named twice: cJSON keeps both, the second would silently lose */
    for (const cJSON *c = o->child; c != NULL; c = c->next)
        for (const cJSON *d = o->child; d != c; d = d->next)
            if (strcmp(c->string, d->string) == 0) {
                json_fail(&L->r, c->string, "figure appears more than once");
                break;
            }
    json_leave(&L->r, saved);
}

/* ---- the whole document ------------------------------------------------------------------- */

static void parse_root(struct loader *L, const cJSON *root)
{
    static const char *const keys[] = {"name",     "description", "seed", "sim",        "shops",
                                       "carriers", "catalog",     "load", "buyers",     "parcels",
                                       "faults",   "crashes",     "sla",  "thresholds", NULL};
    struct scenario *sc = L->sc;
    if (!cJSON_IsObject(root)) {
        json_fail(&L->r, NULL, "a scenario must be a JSON object, got %s", json_type_name(root));
        return;
    }
    (void)json_check_keys(&L->r, root, keys);
    parse_meta(L, root);
    int drain_given = parse_sim(L, root);
    parse_sla(L, root);
    if (!drain_given)
        sc->drain_s = sc->sla_ship_within_s; /* time for the last orders to meet the SLA */
    parse_shops(L, root);
    parse_carriers(L, root);
    parse_catalog(L, root);
    parse_load(L, root);
    parse_buyers(L, root);
    parse_parcels(L, root);
    loader_parse_faults(L, root);
    loader_parse_crashes(L, root);
    parse_thresholds(L, root);
}

int scenario_parse(const char *text, unsigned long len, struct scenario *out, char *err,
                   int err_len)
{
    assert(out != NULL);
    assert(err != NULL);
    assert(err_len > 0);
    err[0] = '\0';
    if (len > SCENARIO_FILE_BYTES_MAX) {
        snprintf(err, err_len, "file is larger than %d bytes", SCENARIO_FILE_BYTES_MAX);
        return -1;
    }
    cJSON *doc = json_parse(text, len, err, err_len);
    if (doc == NULL)
        return -1;
    /* the struct is large (fixed arrays): build it on the heap, publish only when valid */
    struct scenario *sc = calloc(1, sizeof(*sc));
    if (sc == NULL) {
        json_delete(doc);
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    struct loader L;
    loader_init(&L, sc, err, err_len);
    parse_root(&L, doc);
    int errors = loader_finish(&L);
    json_delete(doc);
    if (errors == 0)
        memcpy(out, sc, sizeof(*sc));
    free(sc);
    return errors == 0 ? 0 : -1;
}

int scenario_load(const char *path, struct scenario *out, char *err, int err_len)
{
    assert(path != NULL);
    assert(err_len > 0);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, err_len, "cannot open: %s", strerror(errno));
        return -1;
    }
    char *buf = malloc(SCENARIO_FILE_BYTES_MAX + 1);
    if (buf == NULL) {
        fclose(f);
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    size_t n = fread(buf, 1, SCENARIO_FILE_BYTES_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    int rc = -1;
    if (bad)
        snprintf(err, err_len, "cannot read the file");
    else if (n > SCENARIO_FILE_BYTES_MAX)
        snprintf(err, err_len, "file is larger than %d bytes", SCENARIO_FILE_BYTES_MAX);
    else
        rc = scenario_parse(buf, (unsigned long)n, out, err, err_len);
    free(buf);
    return rc;
}
