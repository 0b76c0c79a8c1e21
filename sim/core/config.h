/* syncd's configuration (docs/INTERFACES.md section 5): shops with platform URL, flavor and
 * credentials; carriers (primary and backup); tracking service; catalog; intervals. Written by the
 * runner, or by a team for its own shops: syncd never reads a scenario. */
#ifndef SHIPSIM_CORE_CONFIG_H
#define SHIPSIM_CORE_CONFIG_H

#include <stdint.h>
#include "common/check.h"
#include "common/limits.h"

#define CONFIG_FILE_BYTES_MAX (1024 * 1024)
#define CONFIG_SHOPS_MAX 64
#define CONFIG_CARRIERS_MAX 8
#define CONFIG_SKUS_MAX 256
#define CONFIG_URL_BYTES_MAX 256
#define CONFIG_ID_BYTES_MAX 64
#define CONFIG_TOKEN_BYTES_MAX 256

enum flavor { FLAVOR_SHOPEE = 0, FLAVOR_WECHAT = 1 };
enum ship_delay { SHIP_IMMEDIATE = 0, SHIP_30MIN, SHIP_PRESALE };

struct shop_cfg {
    char name[SHOP_NAME_BYTES_MAX];
    enum flavor flavor;
    char base_url[CONFIG_URL_BYTES_MAX];
    int64_t shop_id, partner_id; /* shopee */
    char partner_key[SECRET_BYTES_MAX];
    char refresh_token[CONFIG_TOKEN_BYTES_MAX];
    char appid[CONFIG_ID_BYTES_MAX]; /* wechat */
    char secret[SECRET_BYTES_MAX];
    char push_token[SECRET_BYTES_MAX];
    char aes_key[CONFIG_ID_BYTES_MAX]; /* EncodingAESKey, optional */
};

struct carrier_cfg {
    char code[CARRIER_CODE_BYTES_MAX];
    char base_url[CONFIG_URL_BYTES_MAX];
    char partner_id[CONFIG_ID_BYTES_MAX];
    char checkword[SECRET_BYTES_MAX];
};

struct sku_cfg {
    char sku[SKU_BYTES_MAX];
    int64_t stock;
    double daily_mean_sales;
    enum ship_delay delay;
};

struct config {
    struct shop_cfg shops[CONFIG_SHOPS_MAX];
    int shop_count;
    struct carrier_cfg carriers[CONFIG_CARRIERS_MAX];
    int carrier_count;
    char carrier_primary[CARRIER_CODE_BYTES_MAX];
    char carrier_backup[CARRIER_CODE_BYTES_MAX]; /* "" when none */
    char tracking_url[CONFIG_URL_BYTES_MAX];     /* "" when no tracking service */
    char tracking_customer[CONFIG_ID_BYTES_MAX];
    char tracking_key[SECRET_BYTES_MAX];
    char tracking_salt[SECRET_BYTES_MAX];
    char push_base_url[CONFIG_URL_BYTES_MAX];
    struct sku_cfg skus[CONFIG_SKUS_MAX];
    int sku_count;
    int64_t sla_ship_within_s;
    int64_t poll_interval_s;
    int64_t reconcile_interval_s;
    int64_t stock_sync_interval_s;
    char admin_token[CONFIG_TOKEN_BYTES_MAX];
    /* optional knobs (defaults in config.c) */
    double shop_rate_per_s; /* platform calls per wall second per shop */
    int64_t retry_base_ms;  /* outbox backoff, wall ms */
    int64_t retry_max_ms;
    int64_t poll_overlap_s;          /* sim s the incremental window reaches back */
    int64_t reconcile_window_s;      /* sim s the reconciliation re-lists */
    int64_t initial_lookback_s;      /* sim s listed on the first start */
    int64_t carrier_outage_attempts; /* failed creates before the backup carrier is used */
    int64_t guard_orders_max;        /* orders per buyer per window before a hold */
    int64_t guard_window_s;
    int sync_full; /* SQLite synchronous=FULL */
    uint64_t seed; /* jitter seed; 0: from the clock */
    char backup_dir[CONFIG_URL_BYTES_MAX];
};

/* Load and validate the file. Errors name the JSON path ("shops[1].flavor: ..."). 0 or -1. */
int config_load(const char *path, struct config *cfg, char *err, int err_len) WARN_UNUSED_RESULT;
/* Parse from text (tests). */
int config_parse(const char *text, unsigned long len, struct config *cfg, char *err,
                 int err_len) WARN_UNUSED_RESULT;
const struct shop_cfg *config_shop(const struct config *cfg, const char *name);
const struct carrier_cfg *config_carrier(const struct config *cfg, const char *code);
const struct sku_cfg *config_sku(const struct config *cfg, const char *sku);

#endif
