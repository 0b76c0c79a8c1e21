/* Fuzz target: syncd's --config loader (config_parse). Any text is accepted or refused with a
 * JSON-path error; an accepted config names its primary carrier among its carriers and every
 * shop can be found by name. */
#include <stdint.h>
#include <string.h>

#include "common/check.h"
#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[ERR_BYTES_MAX];
    err[0] = '\0';
    if (size > CONFIG_FILE_BYTES_MAX) {
        return 0;
    }
    memset(&cfg, 0, sizeof(cfg));
    if (config_parse((const char *)data, size, &cfg, err, sizeof(err)) != 0) {
        assert(err[0] != '\0');
        return 0;
    }
    assert(cfg.shop_count >= 0);
    assert(cfg.shop_count <= CONFIG_SHOPS_MAX);
    for (int i = 0; i < cfg.shop_count; i++) {
        assert(config_shop(&cfg, cfg.shops[i].name) != NULL);
    }
    (void)config_carrier(&cfg, cfg.carrier_primary);
    (void)config_sku(&cfg, "TEE-01");
    return 0;
}
