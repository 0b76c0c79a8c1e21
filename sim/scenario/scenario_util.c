/* Names, threshold figures and conditions, derived credentials and the expected order count. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "scenario/scenario.h"

#define SIDE_P (1u << FAULT_SIDE_PLATFORM)
#define SIDE_C (1u << FAULT_SIDE_CARRIER)
#define SIDE_R (1u << FAULT_SIDE_RUNNER)
/* Numeric ids look like the real ones and stay distinct per index. */
#define SHOP_ID_BASE 322300000LL
#define PARTNER_ID_BASE 2001000LL

static const struct {
    const char *name;
    unsigned sides;
} kinds[FAULT_KIND_COUNT] = {
    [FAULT_LOST_ORDER] = {"lost_order", SIDE_P},
    [FAULT_DUPLICATE_ORDER] = {"duplicate_order", SIDE_P},
    [FAULT_DUPLICATE_WAYBILL] = {"duplicate_waybill", SIDE_C},
    [FAULT_STALE_CACHE] = {"stale_cache", SIDE_P},
    [FAULT_GARBLED_TRACKING] = {"garbled_tracking", SIDE_C},
    [FAULT_TRACKING_STALL] = {"tracking_stall", SIDE_C},
    [FAULT_CARRIER_AUTH] = {"carrier_auth", SIDE_C},
    [FAULT_MAINTENANCE] = {"maintenance", SIDE_P},
    [FAULT_RATE_LIMIT] = {"rate_limit", SIDE_P},
    [FAULT_LATENCY] = {"latency", SIDE_P | SIDE_C},
    [FAULT_ERROR] = {"error", SIDE_P | SIDE_C},
    [FAULT_TIMEOUT] = {"timeout", SIDE_P | SIDE_C},
    [FAULT_RESET] = {"reset", SIDE_P | SIDE_C},
    [FAULT_MALFORMED] = {"malformed", SIDE_P | SIDE_C},
    [FAULT_FORGED_PUSH] = {"forged_push", SIDE_P | SIDE_C},
    [FAULT_STOCK_DRIFT] = {"stock_drift", SIDE_P},
    [FAULT_CRASH] = {"crash", SIDE_R},
};

const char *fault_kind_name(enum fault_kind k)
{
    assert(k >= 0 && k < FAULT_KIND_COUNT);
    assert(kinds[k].name != NULL);
    return kinds[k].name;
}

int fault_kind_parse(const char *name)
{
    assert(name != NULL);
    for (int k = 0; k < FAULT_KIND_COUNT; k++)
        if (strcmp(kinds[k].name, name) == 0)
            return k;
    return -1;
}

unsigned fault_kind_sides(enum fault_kind k)
{
    assert(k >= 0 && k < FAULT_KIND_COUNT);
    return kinds[k].sides;
}

const char *fault_side_name(enum fault_side s)
{
    static const char *const names[] = {"platform", "carrier", "runner"};
    assert(s >= 0 && s < (int)ARRAY_LEN(names));
    return names[s];
}

const char *flavor_name(enum platform_flavor f)
{
    assert(f == FLAVOR_SHOPEE || f == FLAVOR_WECHAT);
    return f == FLAVOR_SHOPEE ? "shopee" : "wechat";
}

const char *crash_process_name(enum crash_process p)
{
    static const char *const names[] = {"syncd", "mockplat", "mockcarrier"};
    assert(p >= 0 && p < (int)ARRAY_LEN(names));
    return names[p];
}

const char *latency_dist_name(enum latency_dist d)
{
    static const char *const names[] = {"fixed", "uniform", "long_tail"};
    assert(d >= 0 && d < (int)ARRAY_LEN(names));
    return names[d];
}

const char *ship_delay_name(enum ship_delay_class c)
{
    static const char *const names[] = {"immediate", "30min", "presale"};
    assert(c >= 0 && c < (int)ARRAY_LEN(names));
    return names[c];
}

/* ---- threshold figures -------------------------------------------------------------------- */

static const char *const fixed_figures[] = {"lost_orders",
                                            "late_orders",
                                            "duplicate_waybills",
                                            "surplus_waybills_live",
                                            "waybill_mismatches",
                                            "garbled_propagated",
                                            "state_regressions",
                                            "forged_accepted",
                                            "inventory_accuracy",
                                            "oversold_units",
                                            "fault_detection_rate",
                                            "orders_placed",
                                            "orders_paid",
                                            "orders_shipped",
                                            "orders_delivered",
                                            "orders_cancelled",
                                            "inflight_max",
                                            "orders_per_s",
                                            "exception_order_rate",
                                            "shipped_within_24h_share",
                                            "sync_lag_p50_ms",
                                            "sync_lag_p99_ms",
                                            "load_behind_max_ms",
                                            "http_errors",
                                            NULL};

/* The evidence kinds of sim/core/evidence.h (which owns the list; scenario may not include core,
 * so keep this copy in step with it). */
static const char *const evidence_kinds[] = {
    "lost_order_found", "duplicate_order", "duplicate_push", "stale_read",   "surplus_waybill",
    "foreign_waybill",  "invalid_waybill", "maintenance",    "rate_limited", "malformed_body",
    "bad_signature",    "garbled_event",   "stall_1h",       "stall_2h",     "stall_4h",
    "stall_24h",        "carrier_auth",    "stock_drift",    "oversell",     "out_of_stock",
    "buyer_burst_hold", "timeout",         "reset",          "server_error", "carrier_fallback",
    "platform_reject",  "low_stock",       "push_missing",   NULL,
};

static int in_list(const char *s, const char *const *list)
{
    for (int i = 0; list[i] != NULL; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

/* "<p50|p90|p99|p999|max>_<waybill|ship|track|deliver>_latency_ms" */
static int latency_figure(const char *name)
{
    static const char *const pcts[] = {"p50", "p90", "p99", "p999", "max", NULL};
    static const char *const stages[] = {"waybill", "ship", "track", "deliver", NULL};
    for (int p = 0; pcts[p] != NULL; p++)
        for (int s = 0; stages[s] != NULL; s++) {
            char fig[64];
            snprintf(fig, sizeof(fig), "%s_%s_latency_ms", pcts[p], stages[s]);
            if (strcmp(fig, name) == 0)
                return 1;
        }
    return 0;
}

int scenario_figure_known(const char *name)
{
    assert(name != NULL);
    if (in_list(name, fixed_figures) || latency_figure(name))
        return 1;
    if (strncmp(name, "faults_injected.", 16) == 0)
        return fault_kind_parse(name + 16) >= 0;
    if (strncmp(name, "evidence.", 9) == 0)
        return in_list(name + 9, evidence_kinds);
    return 0;
}

int threshold_parse(const char *text, enum threshold_op *op, double *value)
{
    static const struct {
        const char *sym;
        enum threshold_op op;
    } ops[] = {{"<=", OP_LE}, {">=", OP_GE}, {"==", OP_EQ},
               {"!=", OP_NE}, {"<", OP_LT},  {">", OP_GT}}; /* two-char operators first */
    assert(text != NULL);
    const char *p = text;
    while (*p == ' ')
        p++;
    int found = -1;
    for (int i = 0; i < (int)ARRAY_LEN(ops) && found < 0; i++)
        if (strncmp(p, ops[i].sym, strlen(ops[i].sym)) == 0)
            found = i;
    if (found < 0)
        return -1;
    p += strlen(ops[found].sym);
    while (*p == ' ')
        p++;
    if (*p == '\0' || *p == '=' || *p == '<' || *p == '>')
        return -1;
    char *end = NULL;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno != 0 || !isfinite(v))
        return -1;
    while (*end == ' ')
        end++;
    if (*end != '\0')
        return -1;
    *op = ops[found].op;
    *value = v;
    return 0;
}

int threshold_holds(const struct threshold *t, double value)
{
    assert(t != NULL);
    if (isnan(value))
        return 0; /* a figure that was not measured never passes */
    switch (t->op) {
    case OP_LT: return value < t->value;
    case OP_LE: return value <= t->value;
    case OP_EQ: return value == t->value;
    case OP_NE: return value != t->value;
    case OP_GE: return value >= t->value;
    case OP_GT: return value > t->value;
    }
    assert(0 && "unknown threshold op");
    return 0;
}

/* ---- credentials -------------------------------------------------------------------------- */

/* nhex hex digits (<= 64) drawn from (seed, stream, who): stable for a seed, distinct per who. */
static void secret_hex(uint64_t seed, const char *stream, const char *who, int nhex, int upper,
                       char *out, int out_len)
{
    assert(nhex > 0 && nhex <= 64);
    assert(out_len > nhex);
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (int i = 0; i < nhex; i += 16) {
        uint64_t x = draw_u64(seed, stream, who, (uint64_t)(i / 16));
        for (int j = 0; j < 16 && i + j < nhex; j++)
            out[i + j] = digits[(x >> (60 - 4 * j)) & 0xf];
    }
    out[nhex] = '\0';
}

int scenario_shop(const struct scenario *sc, int i, struct shop_instance *out)
{
    assert(sc != NULL);
    assert(out != NULL);
    if (i < 0 || i >= sc->shop_count)
        return -1;
    int left = i;
    int g = 0;
    while (g < sc->shop_group_count && left >= sc->shop_groups[g].count)
        left -= sc->shop_groups[g++].count;
    assert(g < sc->shop_group_count);
    memset(out, 0, sizeof(*out));
    const struct shop_group *grp = &sc->shop_groups[g];
    snprintf(out->name, sizeof(out->name), "%s-%d", grp->id, left + 1);
    out->flavor = grp->flavor;
    out->group = g;
    out->shop_id = SHOP_ID_BASE + i + 1;
    out->partner_id = PARTNER_ID_BASE + i + 1;
    secret_hex(sc->seed, "cred.partner_key", out->name, 64, 0, out->partner_key,
               sizeof(out->partner_key));
    secret_hex(sc->seed, "cred.refresh_token", out->name, 32, 0, out->refresh_token,
               sizeof(out->refresh_token));
    /* a WeChat appid is "wx" and 16 hex digits */
    out->appid[0] = 'w';
    out->appid[1] = 'x';
    secret_hex(sc->seed, "cred.appid", out->name, 16, 0, out->appid + 2, sizeof(out->appid) - 2);
    secret_hex(sc->seed, "cred.secret", out->name, 32, 0, out->secret, sizeof(out->secret));
    secret_hex(sc->seed, "cred.push_token", out->name, 32, 0, out->push_token,
               sizeof(out->push_token));
    return 0;
}

int scenario_shop_index(const struct scenario *sc, const char *name)
{
    assert(sc != NULL);
    assert(name != NULL);
    int base = 0;
    for (int g = 0; g < sc->shop_group_count; g++) {
        const struct shop_group *grp = &sc->shop_groups[g];
        size_t n = strlen(grp->id);
        if (strncmp(name, grp->id, n) == 0 && name[n] == '-') {
            char *end = NULL;
            long k = strtol(name + n + 1, &end, 10);
            if (end != name + n + 1 && *end == '\0' && name[n + 1] != '0' && k >= 1 &&
                k <= grp->count)
                return base + (int)k - 1;
        }
        base += grp->count;
    }
    return -1;
}

int scenario_carrier(const struct scenario *sc, int i, struct carrier_instance *out)
{
    assert(sc != NULL);
    assert(out != NULL);
    if (i < 0 || i >= sc->carrier_count)
        return -1;
    memset(out, 0, sizeof(*out));
    snprintf(out->code, sizeof(out->code), "%s", sc->carriers_enabled[i]);
    /* partnerID: the code and 10 upper-case hex digits, e.g. "SF0A1B2C3D4E" */
    size_t n = strlen(out->code);
    memcpy(out->partner_id, out->code, n);
    secret_hex(sc->seed, "cred.carrier_partner", out->code, 10, 1, out->partner_id + n,
               (int)(sizeof(out->partner_id) - n));
    secret_hex(sc->seed, "cred.checkword", out->code, 32, 0, out->checkword,
               sizeof(out->checkword));
    return 0;
}

void scenario_tracking_account(const struct scenario *sc, struct tracking_account *out)
{
    assert(sc != NULL);
    assert(out != NULL);
    memset(out, 0, sizeof(*out));
    /* Kuaidi100 customer ids are 32 upper-case hex digits */
    secret_hex(sc->seed, "cred.tracking", "customer", 32, 1, out->customer, sizeof(out->customer));
    secret_hex(sc->seed, "cred.tracking", "key", 16, 0, out->key, sizeof(out->key));
    secret_hex(sc->seed, "cred.tracking", "salt", 16, 0, out->salt, sizeof(out->salt));
}

/* Each stage ramps linearly from the previous stage's rate (0 before the first) to its
 * ramp_to_per_s, so its orders are the trapezoid's area. */
double scenario_expected_orders(const struct scenario *sc)
{
    assert(sc != NULL);
    double total = 0;
    double rate = 0;
    for (int i = 0; i < sc->stage_count; i++) {
        const struct load_stage *st = &sc->stages[i];
        total += 0.5 * (rate + st->ramp_to_per_s) * st->sim_s;
        rate = st->ramp_to_per_s;
    }
    assert(total >= 0);
    return total;
}
