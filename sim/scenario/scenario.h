/* A scenario file -> a validated, read-only struct scenario (DESIGN.md section 9).
 *
 * The struct is a plain value type: everything is in fixed arrays bounded by limits.h, so it is
 * copied, never freed piecemeal. Readers treat it as const. scenarios/README.md documents every
 * key; scenario_load rejects unknown keys, wrong types, out-of-range values, unknown fault kinds
 * and contradictions with "<json path>: <reason>". */
#ifndef SHIPSIM_SCENARIO_H
#define SHIPSIM_SCENARIO_H

#include <stdint.h>
#include "common/check.h"
#include "common/limits.h"

enum platform_flavor { FLAVOR_SHOPEE = 0, FLAVOR_WECHAT = 1 };

enum fault_kind {
    FAULT_LOST_ORDER = 0,
    FAULT_DUPLICATE_ORDER,
    FAULT_DUPLICATE_WAYBILL,
    FAULT_STALE_CACHE,
    FAULT_GARBLED_TRACKING,
    FAULT_TRACKING_STALL,
    FAULT_CARRIER_AUTH,
    FAULT_MAINTENANCE,
    FAULT_RATE_LIMIT,
    FAULT_LATENCY,
    FAULT_ERROR,
    FAULT_TIMEOUT,
    FAULT_RESET,
    FAULT_MALFORMED,
    FAULT_FORGED_PUSH,
    FAULT_STOCK_DRIFT,
    FAULT_CRASH,
    FAULT_KIND_COUNT
};

/* Which process a fault rule acts in. */
enum fault_side { FAULT_SIDE_PLATFORM = 0, FAULT_SIDE_CARRIER = 1, FAULT_SIDE_RUNNER = 2 };

struct shop_group {
    char id[SHOP_NAME_BYTES_MAX]; /* "sp1" */
    enum platform_flavor flavor;
    int count; /* instances: "<id>-1" .. "<id>-<count>" */
};

/* One shop instance with the credentials the mock checks and the core is given. Derived from the
 * seed by scenario_shop(), so the mock and the runner agree without a shared file. */
struct shop_instance {
    char name[SHOP_NAME_BYTES_MAX]; /* "sp1-1" */
    enum platform_flavor flavor;
    int group;                          /* index into shop_groups */
    int64_t shop_id;                    /* Shopee shop_id (numeric); WeChat: same number, unused */
    int64_t partner_id;                 /* Shopee partner_id */
    char partner_key[SECRET_BYTES_MAX]; /* Shopee partner_key (HMAC key, also for pushes) */
    char refresh_token[SECRET_BYTES_MAX]; /* Shopee initial refresh_token */
    char appid[SECRET_BYTES_MAX];         /* WeChat appid */
    char secret[SECRET_BYTES_MAX];        /* WeChat app secret */
    char push_token[SECRET_BYTES_MAX];    /* WeChat push Token (message signature) */
};

/* A carrier with the credentials mockcarrier checks and the core is given. */
struct carrier_instance {
    char code[CARRIER_CODE_BYTES_MAX]; /* "SF", "ZTO", "YUNDA", "YTO", "STO", "JD" */
    char partner_id[SECRET_BYTES_MAX]; /* SF-style partnerID */
    char checkword[SECRET_BYTES_MAX];  /* SF-style checkword (msgDigest key) */
};

/* Tracking aggregator (Kuaidi100-style) credentials, one per run. */
struct tracking_account {
    char customer[SECRET_BYTES_MAX];
    char key[SECRET_BYTES_MAX];
    char salt[SECRET_BYTES_MAX]; /* callback sign salt */
};

enum ship_delay_class { SHIP_IMMEDIATE = 0, SHIP_DELAY_30MIN = 1, SHIP_PRESALE_24H = 2 };

struct sku {
    char sku[SKU_BYTES_MAX];
    int64_t stock;           /* initial units in the warehouse */
    double daily_mean_sales; /* units per sim-day, for safety stock */
    double weight;           /* relative share of order lines, default 1 */
    enum ship_delay_class ship_delay;
};

struct load_stage {
    double ramp_to_per_s; /* orders per sim-second reached at the end of the stage */
    double sim_s;         /* stage length in sim seconds */
};

struct buyer_mix {
    int64_t population;       /* distinct buyers */
    double repeat_share;      /* share of orders from a small pool of repeat buyers */
    double unpaid_share;      /* orders never paid */
    double cancel_share;      /* paid orders the buyer cancels */
    double burst_share;       /* orders in bursts of 4+ from one buyer (guard rule) */
    int lines_max;            /* lines per order, 1..SCENARIO_LINES_PER_ORDER_MAX */
    double pay_delay_s[2];    /* sim seconds from placing to paying, uniform in [lo, hi] */
    double cancel_delay_s[2]; /* sim seconds from paying to cancelling */
};

struct parcel_mix {
    double pickup_s[2];   /* waybill created -> collected, sim s */
    double hop_s[2];      /* between transit events */
    int hops[2];          /* transit events */
    double problem_share; /* parcels stuck ("problem", state 2) */
    double refuse_share;  /* refused at the door (14) then returned */
    double return_share;  /* returned to sender (6 -> 4) */
};

enum latency_dist { LATENCY_FIXED = 0, LATENCY_UNIFORM = 1, LATENCY_LONG_TAIL = 2 };

struct fault_rule {
    enum fault_kind kind;
    enum fault_side side;
    char target[ENDPOINT_BYTES_MAX];      /* "<platform|carrier|push>:<endpoint glob>" or "*" */
    char shop[SHOP_NAME_BYTES_MAX];       /* "" = every shop; else a group id or instance name */
    char carrier[CARRIER_CODE_BYTES_MAX]; /* "" = every carrier */
    double probability;                   /* [0,1] per decision */
    double window_s[2];                   /* sim seconds from run start, [from, to) */
    int attempts; /* 0: every attempt; N: only the first N attempts of a key */
    /* parameters; which apply depends on kind (scenarios/README.md) */
    enum latency_dist dist;
    double delay_ms;     /* latency: fixed or lower bound, wall ms */
    double delay_ms_max; /* latency: upper bound (uniform) or cap (long tail) */
    double max_age_s;    /* stale_cache: snapshot age, sim s */
    double rate_per_s;   /* rate_limit: allowed requests per wall second per shop */
    double duration_s;   /* tracking_stall: how long events stop, sim s */
    int status;          /* error: HTTP status (5xx) */
    int64_t drift_units; /* stock_drift: units changed behind the core's back */
    char mode[24];       /* garbled_tracking / malformed / forged_push variant, or "" */
};

enum crash_process { CRASH_SYNCD = 0, CRASH_MOCKPLAT = 1, CRASH_MOCKCARRIER = 2 };

struct crash_event {
    enum crash_process process;
    double at_s;            /* sim seconds from run start */
    double restart_after_s; /* wall seconds before restarting (default 0.2) */
};

enum threshold_op { OP_LT = 0, OP_LE, OP_EQ, OP_NE, OP_GE, OP_GT };

struct threshold {
    char figure[64]; /* "lost_orders", "faults_injected.lost_order", ... */
    enum threshold_op op;
    double value;
    char text[80]; /* the condition as written, "== 0" */
};

struct scenario {
    char name[SCENARIO_NAME_BYTES_MAX];
    char description[SCENARIO_TEXT_BYTES_MAX];
    uint64_t seed;
    double duration_s; /* sim seconds of load */
    double time_scale; /* sim ms per wall ms */
    double drain_s;    /* sim seconds allowed after the load for the system to settle */

    struct shop_group shop_groups[SCENARIO_SHOP_GROUPS_MAX];
    int shop_group_count;
    int shop_count; /* instances over all groups */

    char carrier_primary[CARRIER_CODE_BYTES_MAX];
    char carrier_backup[CARRIER_CODE_BYTES_MAX];
    char carriers_enabled[SCENARIO_CARRIERS_MAX][CARRIER_CODE_BYTES_MAX];
    int carrier_count;

    struct sku catalog[SCENARIO_SKUS_MAX];
    int sku_count;

    struct load_stage stages[SCENARIO_STAGES_MAX];
    int stage_count;

    struct buyer_mix buyers;
    struct parcel_mix parcels;

    struct fault_rule faults[SCENARIO_FAULTS_MAX];
    int fault_count;

    struct crash_event crashes[SCENARIO_CRASHES_MAX];
    int crash_count;

    double sla_ship_within_s;    /* paid -> marked shipped on the platform */
    double sla_deliver_within_s; /* paid -> delivered, for the KPI; 0 = not set */

    struct threshold thresholds[SCENARIO_THRESHOLDS_MAX];
    int threshold_count;
};

/* Load and validate a file. Returns 0, or -1 with one line per problem (at most err_len bytes,
 * "\n"-separated, each "<json path>: <reason>"; a JSON syntax error is "line L, column C: ...").
 * The struct is written only on success. */
int scenario_load(const char *path, struct scenario *out, char *err,
                  int err_len) WARN_UNUSED_RESULT;
/* Same from text in memory (for tests and the fuzzer). */
int scenario_parse(const char *text, unsigned long len, struct scenario *out, char *err,
                   int err_len) WARN_UNUSED_RESULT;
/* Write the scenario back as JSON (as run: overrides applied, seed included). malloc'd. */
char *scenario_to_json(const struct scenario *sc);

/* Shop instance i (0 .. shop_count-1), credentials derived from the seed. Returns 0 or -1. */
int scenario_shop(const struct scenario *sc, int i, struct shop_instance *out);
/* Find a shop instance by name; index or -1. */
int scenario_shop_index(const struct scenario *sc, const char *name);
/* Carrier i (0 .. carrier_count-1) with credentials derived from the seed. Returns 0 or -1. */
int scenario_carrier(const struct scenario *sc, int i, struct carrier_instance *out);
void scenario_tracking_account(const struct scenario *sc, struct tracking_account *out);

/* Total orders the load stages schedule (the integral of the rate). */
double scenario_expected_orders(const struct scenario *sc);

const char *fault_kind_name(enum fault_kind k);  /* "lost_order" */
int fault_kind_parse(const char *name);          /* -1 when unknown */
const char *flavor_name(enum platform_flavor f); /* "shopee" | "wechat" */
const char *crash_process_name(enum crash_process p);

/* Added with the loader (additive). */
const char *fault_side_name(enum fault_side s); /* "platform" | "carrier" | "runner" */
/* Sides a kind exists on: bit (1 << FAULT_SIDE_PLATFORM) and/or (1 << FAULT_SIDE_CARRIER);
 * crash: (1 << FAULT_SIDE_RUNNER). */
unsigned fault_kind_sides(enum fault_kind k);
const char *latency_dist_name(enum latency_dist d);   /* "fixed" | "uniform" | "long_tail" */
const char *ship_delay_name(enum ship_delay_class c); /* "immediate" | "30min" | "presale" */
/* 1 when name is a summary figure a threshold may name (scenarios/README.md lists them):
 * the fixed figures, "faults_injected.<kind>", "evidence.<evidence kind>" and
 * "<p50|p90|p99|p999|max>_<waybill|ship|track|deliver>_latency_ms". */
int scenario_figure_known(const char *name);
/* Parse fault rules given at run time ({"faults":[rules as in a scenario]}, the body of PUT
 * /__sim/faults) against a loaded scenario's shops, carriers and run length. Writes at most
 * max rules; returns 0 with *count set, or -1 with one line per problem in err. */
int scenario_parse_fault_rules(const struct scenario *sc, const char *text, unsigned long len,
                               struct fault_rule *out, int max, int *count, char *err,
                               int err_len) WARN_UNUSED_RESULT;

/* Evaluate a threshold against a figure value. */
int threshold_holds(const struct threshold *t, double value);
/* Parse "== 0", "< 7200000", ">= 0.999" into op/value. Returns 0 or -1. */
int threshold_parse(const char *text, enum threshold_op *op, double *value);

#endif
