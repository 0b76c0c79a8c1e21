/* Evidence kind names: one table, so the enum and the wire names cannot drift apart. */
#include "core/evidence.h"

#include <string.h>

static const char *const kind_names[EVK_KIND_COUNT] = {
#define EVIDENCE_NAME(id, name) [id] = name,
    EVIDENCE_KINDS(EVIDENCE_NAME)
#undef EVIDENCE_NAME
};

const char *evidence_kind_name(enum evidence_kind kind)
{
    assert((int)kind >= 0);
    assert(kind < EVK_KIND_COUNT);
    return kind_names[kind];
}

int evidence_kind_parse(const char *name)
{
    assert(name != NULL);
    for (int k = 0; k < EVK_KIND_COUNT; k++) {
        if (strcmp(kind_names[k], name) == 0) {
            return k;
        }
    }
    return -1;
}
