/* Fuzz target: the scenario loader (scenario_parse, the code behind `shipsim lint` and every
 * --scenario FILE). Any input must give 0 or -1 with an error text, never a crash. A file it
 * accepts must survive the round trip scenario_to_json -> scenario_parse (the runner writes the
 * scenario "as run" and the mocks read it back), and derive credentials for every shop and
 * carrier. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scenario sc, again;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[4096];
    err[0] = '\0';
    if (size > SCENARIO_FILE_BYTES_MAX) {
        return 0;
    }
    if (scenario_parse((const char *)data, size, &sc, err, sizeof(err)) != 0) {
        assert(err[0] != '\0'); /* a refusal always says why */
        assert(strlen(err) < sizeof(err));
        return 0;
    }
    for (int i = 0; i < sc.shop_count; i++) {
        struct shop_instance s;
        assert(scenario_shop(&sc, i, &s) == 0);
        assert(scenario_shop_index(&sc, s.name) == i);
    }
    for (int i = 0; i < sc.carrier_count; i++) {
        struct carrier_instance c;
        assert(scenario_carrier(&sc, i, &c) == 0);
    }
    (void)scenario_expected_orders(&sc);
    char *text = scenario_to_json(&sc);
    assert(text != NULL);
    int rc = scenario_parse(text, strlen(text), &again, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "round trip refused: %s\n%s\n", err, text);
    }
    assert(rc == 0);
    assert(again.shop_count == sc.shop_count);
    assert(again.fault_count == sc.fault_count);
    assert(again.seed == sc.seed);
    free(text);
    return 0;
}
