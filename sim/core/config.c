/* Config file loader on the shared JSON reader (errors carry the JSON path). */
#include "core/config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "common/waybill.h"

static void read_shop(struct json_reader *r, const cJSON *o, void *item)
{
    struct shop_cfg *s = item;
    char flavor[16];
    json_get_string(r, o, "name", 1, s->name, sizeof(s->name), "");
    json_get_string(r, o, "flavor", 1, flavor, sizeof(flavor), "");
    json_get_string(r, o, "base_url", 1, s->base_url, sizeof(s->base_url), "");
    if (strcmp(flavor, "shopee") == 0) {
        s->flavor = FLAVOR_SHOPEE;
        json_get_int(r, o, "shop_id", 1, &s->shop_id, 0, 0, INT64_MAX);
        json_get_int(r, o, "partner_id", 1, &s->partner_id, 0, 0, INT64_MAX);
        json_get_string(r, o, "partner_key", 1, s->partner_key, sizeof(s->partner_key), "");
        json_get_string(r, o, "refresh_token", 1, s->refresh_token, sizeof(s->refresh_token), "");
    } else if (strcmp(flavor, "wechat") == 0) {
        s->flavor = FLAVOR_WECHAT;
        json_get_string(r, o, "appid", 1, s->appid, sizeof(s->appid), "");
        json_get_string(r, o, "secret", 1, s->secret, sizeof(s->secret), "");
        json_get_string(r, o, "push_token", 0, s->push_token, sizeof(s->push_token), "");
        json_get_string(r, o, "aes_key", 0, s->aes_key, sizeof(s->aes_key), "");
    } else {
        json_fail(r, "flavor", "must be \"shopee\" or \"wechat\", got \"%s\"", flavor);
    }
}

static void read_carrier(struct json_reader *r, const cJSON *o, void *item)
{
    struct carrier_cfg *c = item;
    json_get_string(r, o, "code", 1, c->code, sizeof(c->code), "");
    json_get_string(r, o, "base_url", 1, c->base_url, sizeof(c->base_url), "");
    json_get_string(r, o, "partner_id", 1, c->partner_id, sizeof(c->partner_id), "");
    json_get_string(r, o, "checkword", 1, c->checkword, sizeof(c->checkword), "");
    if (!r->failed && !waybill_carrier_known(c->code)) {
        json_fail(r, "code", "unknown carrier \"%s\"", c->code);
    }
}

static void read_sku(struct json_reader *r, const cJSON *o, void *item)
{
    struct sku_cfg *k = item;
    char delay[16];
    json_get_string(r, o, "sku", 1, k->sku, sizeof(k->sku), "");
    json_get_int(r, o, "stock", 1, &k->stock, 0, 0, INT32_MAX);
    json_get_double(r, o, "daily_mean_sales", 0, &k->daily_mean_sales, 0, 0, 1e9);
    json_get_string(r, o, "ship_delay", 0, delay, sizeof(delay), "immediate");
    if (strcmp(delay, "immediate") == 0) {
        k->delay = SHIP_IMMEDIATE;
    } else if (strcmp(delay, "30min") == 0) {
        k->delay = SHIP_30MIN;
    } else if (strcmp(delay, "presale") == 0) {
        k->delay = SHIP_PRESALE;
    } else {
        json_fail(r, "ship_delay", "must be immediate, 30min or presale, got \"%s\"", delay);
    }
}

/* Walk an array of objects, calling read for each with the path entered. */
static int read_list(struct json_reader *r, const cJSON *root, const char *field, int required,
                     int max, void *items, size_t item_size,
                     void (*read)(struct json_reader *, const cJSON *, void *))
{
    const cJSON *arr = json_get_array(r, root, field, required, required ? 1 : 0, max);
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        int saved = json_enter(r, field, n);
        if (!cJSON_IsObject(it)) {
            json_fail(r, NULL, "must be an object, got %s", json_type_name(it));
        } else {
            read(r, it, (char *)items + (size_t)n * item_size);
        }
        json_leave(r, saved);
        n++;
    }
    return n;
}

static void read_tracking(struct json_reader *r, const cJSON *root, struct config *c)
{
    const cJSON *t = json_get_object(r, root, "tracking", 0);
    if (t == NULL) {
        return;
    }
    int saved = json_enter(r, "tracking", -1);
    json_get_string(r, t, "base_url", 1, c->tracking_url, sizeof(c->tracking_url), "");
    json_get_string(r, t, "customer", 1, c->tracking_customer, sizeof(c->tracking_customer), "");
    json_get_string(r, t, "key", 1, c->tracking_key, sizeof(c->tracking_key), "");
    json_get_string(r, t, "salt", 0, c->tracking_salt, sizeof(c->tracking_salt), "");
    json_leave(r, saved);
}

static void read_knobs(struct json_reader *r, const cJSON *root, struct config *c)
{
    double seed = 0;
    json_get_int(r, root, "sla_ship_within_s", 0, &c->sla_ship_within_s, 7200, 1, 30 * 86400);
    json_get_int(r, root, "poll_interval_s", 0, &c->poll_interval_s, 60, 1, 86400);
    json_get_int(r, root, "reconcile_interval_s", 0, &c->reconcile_interval_s, 900, 1, 86400);
    json_get_int(r, root, "stock_sync_interval_s", 0, &c->stock_sync_interval_s, 300, 1, 86400);
    json_get_string(r, root, "admin_token", 0, c->admin_token, sizeof(c->admin_token), "");
    json_get_double(r, root, "shop_rate_per_s", 0, &c->shop_rate_per_s, 50, 0.1, 100000);
    json_get_int(r, root, "retry_base_ms", 0, &c->retry_base_ms, 100, 1, 60000);
    json_get_int(r, root, "retry_max_ms", 0, &c->retry_max_ms, 3000, 1, 3600000);
    json_get_int(r, root, "poll_overlap_s", 0, &c->poll_overlap_s, 300, 0, 86400);
    json_get_int(r, root, "reconcile_window_s", 0, &c->reconcile_window_s, 3 * 86400, 60,
                 30 * 86400);
    json_get_int(r, root, "initial_lookback_s", 0, &c->initial_lookback_s, 86400, 0, 30 * 86400);
    json_get_int(r, root, "carrier_outage_attempts", 0, &c->carrier_outage_attempts, 6, 1, 1000);
    json_get_int(r, root, "guard_orders_max", 0, &c->guard_orders_max, 3, 1, 1000000);
    json_get_int(r, root, "guard_window_s", 0, &c->guard_window_s, 600, 1, 86400);
    json_get_bool(r, root, "sync_full", 0, &c->sync_full, 0);
    /* a 64-bit seed cannot pass through a double exactly; any value will do for jitter */
    json_get_double(r, root, "seed", 0, &seed, 0, 0, 1.8e19);
    c->seed = (uint64_t)seed;
    json_get_string(r, root, "backup_dir", 0, c->backup_dir, sizeof(c->backup_dir), "");
    if (c->retry_max_ms < c->retry_base_ms) {
        json_fail(r, "retry_max_ms", "must be >= retry_base_ms");
    }
}

static void check_carriers(struct json_reader *r, struct config *c)
{
    if (r->failed) {
        return;
    }
    if (config_carrier(c, c->carrier_primary) == NULL) {
        json_fail(r, "carrier_primary", "\"%s\" is not in carriers", c->carrier_primary);
    }
    if (c->carrier_backup[0] != '\0' && config_carrier(c, c->carrier_backup) == NULL) {
        json_fail(r, "carrier_backup", "\"%s\" is not in carriers", c->carrier_backup);
    }
}

int config_parse(const char *text, unsigned long len, struct config *cfg, char *err, int err_len)
{
    memset(cfg, 0, sizeof(*cfg));
    cJSON *root = json_parse(text, len, err, err_len);
    if (root == NULL) {
        return -1;
    }
    struct json_reader r;
    json_reader_init(&r);
    if (!cJSON_IsObject(root)) {
        /* nothing below can be read from a non-object: stop here (the readers assert objects) */
        snprintf(err, (size_t)err_len, "the configuration must be a JSON object, got %s",
                 json_type_name(root));
        json_delete(root);
        return -1;
    }
    cfg->shop_count = read_list(&r, root, "shops", 1, CONFIG_SHOPS_MAX, cfg->shops,
                                sizeof(cfg->shops[0]), read_shop);
    cfg->carrier_count = read_list(&r, root, "carriers", 1, CONFIG_CARRIERS_MAX, cfg->carriers,
                                   sizeof(cfg->carriers[0]), read_carrier);
    cfg->sku_count = read_list(&r, root, "catalog", 0, CONFIG_SKUS_MAX, cfg->skus,
                               sizeof(cfg->skus[0]), read_sku);
    json_get_string(&r, root, "carrier_primary", 1, cfg->carrier_primary,
                    sizeof(cfg->carrier_primary), "");
    json_get_string(&r, root, "carrier_backup", 0, cfg->carrier_backup, sizeof(cfg->carrier_backup),
                    "");
    json_get_string(&r, root, "push_base_url", 0, cfg->push_base_url, sizeof(cfg->push_base_url),
                    "");
    read_tracking(&r, root, cfg);
    read_knobs(&r, root, cfg);
    check_carriers(&r, cfg);
    json_delete(root);
    if (r.failed) {
        snprintf(err, (size_t)err_len, "%s", r.err);
        return -1;
    }
    return 0;
}

int config_load(const char *path, struct config *cfg, char *err, int err_len)
{
    char perr[ERR_BYTES_MAX];
    cJSON *root = json_parse_file(path, CONFIG_FILE_BYTES_MAX, perr, sizeof(perr));
    if (root == NULL) {
        snprintf(err, (size_t)err_len, "%s: %s", path, perr);
        return -1;
    }
    char *text = cJSON_PrintUnformatted(root);
    json_delete(root);
    if (text == NULL) {
        snprintf(err, (size_t)err_len, "%s: out of memory", path);
        return -1;
    }
    int rc = config_parse(text, strlen(text), cfg, perr, sizeof(perr));
    cJSON_free(text);
    if (rc != 0) {
        snprintf(err, (size_t)err_len, "%s: %s", path, perr);
    }
    return rc;
}

const struct shop_cfg *config_shop(const struct config *cfg, const char *name)
{
    for (int i = 0; i < cfg->shop_count; i++) {
        if (strcmp(cfg->shops[i].name, name) == 0) {
            return &cfg->shops[i];
        }
    }
    return NULL;
}

const struct carrier_cfg *config_carrier(const struct config *cfg, const char *code)
{
    for (int i = 0; i < cfg->carrier_count; i++) {
        if (strcmp(cfg->carriers[i].code, code) == 0) {
            return &cfg->carriers[i];
        }
    }
    return NULL;
}

const struct sku_cfg *config_sku(const struct config *cfg, const char *sku)
{
    for (int i = 0; i < cfg->sku_count; i++) {
        if (strcmp(cfg->skus[i].sku, sku) == 0) {
            return &cfg->skus[i];
        }
    }
    return NULL;
}
