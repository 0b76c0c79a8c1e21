/* Fuzz target: waybill number checks (sim/common/waybill.c), used by syncd on every number a
 * carrier or platform hands it. The first byte picks the carrier (or an unknown code), the rest
 * is the number. Invariants: never a crash, a number waybill_make produced is always valid, and
 * a valid number stays valid only for its own shape (one changed digit breaks the check digit). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/check.h"
#include "common/limits.h"
#include "common/waybill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const carriers[] = {"SF", "ZTO", "YUNDA", "YTO", "STO", "JD", "", "sf", "XX"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const char *carrier = carriers[data[0] % ARRAY_LEN(carriers)];
    char text[128];
    size_t n = size - 1 < sizeof(text) - 1 ? size - 1 : sizeof(text) - 1;
    memcpy(text, data + 1, n);
    text[n] = '\0';
    int valid = waybill_valid(carrier, text);
    assert(valid == 0 || valid == 1);
    assert(!valid || waybill_carrier_known(carrier));
    (void)waybill_carrier_from_kuaidi100(text);
    (void)waybill_kuaidi100_code(text);
    (void)waybill_carrier_name(text);
    /* A number made from the input's serial must check. */
    uint64_t serial = 0;
    for (size_t i = 1; i < size && i < 9; i++) {
        serial = serial * 256 + data[i];
    }
    serial %= 10000000000ULL;
    char made[WAYBILL_BYTES_MAX];
    if (waybill_make(carrier, serial, made, sizeof(made)) == 0) {
        assert(waybill_valid(carrier, made) == 1);
        size_t len = strlen(made);
        char last = made[len - 1];
        made[len - 1] = (char)(last == '9' ? '0' : last + 1); /* break the check digit */
        assert(waybill_valid(carrier, made) == 0);
        made[len - 1] = last;
        made[len - 1] = '\0'; /* truncated by one */
        assert(waybill_valid(carrier, made) == 0);
    }
    return 0;
}
