/* Fuzz target: run-time fault rules (scenario_parse_fault_rules, the body of PUT /__sim/faults on
 * both mocks) against a fixed small scenario. Any body gives 0 with a count in range, or -1 with
 * an error text. */
#include <stdint.h>
#include <string.h>

#include "common/check.h"
#include "scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_text[] =
    "{\"name\":\"fuzz-faults\",\"seed\":7,\"sim\":{\"duration_s\":3600,\"time_scale\":100},"
    "\"shops\":[{\"id\":\"sp1\",\"flavor\":\"shopee\",\"count\":2},"
    "{\"id\":\"wx1\",\"flavor\":\"wechat\",\"count\":1}],"
    "\"carriers\":{\"primary\":\"SF\",\"backup\":\"ZTO\",\"enabled\":[\"SF\",\"ZTO\",\"YUNDA\"]},"
    "\"catalog\":[{\"sku\":\"TEE-01\",\"stock\":100,\"daily_mean_sales\":10}],"
    "\"load\":{\"stages\":[{\"ramp_to_per_s\":1,\"sim_s\":3600}]},"
    "\"buyers\":{\"population\":100},\"faults\":[],\"crashes\":[],"
    "\"sla\":{\"ship_within_s\":7200},\"thresholds\":{}}";

static struct scenario sc;
static int loaded;
static struct fault_rule rules[SCENARIO_FAULTS_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[4096];
    if (!loaded) {
        assert(scenario_parse(base_text, strlen(base_text), &sc, err, sizeof(err)) == 0);
        loaded = 1;
    }
    int count = -1;
    err[0] = '\0';
    if (scenario_parse_fault_rules(&sc, (const char *)data, size, rules, SCENARIO_FAULTS_MAX,
                                   &count, err, sizeof(err)) == 0) {
        assert(count >= 0);
        assert(count <= SCENARIO_FAULTS_MAX);
    } else {
        assert(err[0] != '\0');
    }
    return 0;
}
