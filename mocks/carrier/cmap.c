/* String -> int map: see cmap.h. Values are indexes (>= 0); removal is not needed (truth only
 * grows until a reset clears everything). */
#include "carrier/cmap.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"

#define CMAP_SIZE_INITIAL 1024

struct cmap_slot {
    char *key; /* NULL: empty */
    int value;
};

struct cmap {
    struct cmap_slot *slots;
    int size; /* power of two */
    int count;
};

struct cmap *cmap_new(void)
{
    struct cmap *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return NULL;
    m->slots = calloc(CMAP_SIZE_INITIAL, sizeof(*m->slots));
    if (m->slots == NULL) {
        free(m);
        return NULL;
    }
    m->size = CMAP_SIZE_INITIAL;
    return m;
}

void cmap_clear(struct cmap *m)
{
    assert(m != NULL);
    for (int i = 0; i < m->size; i++) {
        free(m->slots[i].key);
        m->slots[i].key = NULL;
    }
    m->count = 0;
}

void cmap_free(struct cmap *m)
{
    if (m == NULL)
        return;
    cmap_clear(m);
    free(m->slots);
    free(m);
}

static int find_slot(const struct cmap_slot *slots, int size, const char *key)
{
    unsigned mask = (unsigned)size - 1;
    unsigned i = (unsigned)hash_str(key) & mask;
    for (int probes = 0; probes < size; probes++) {
        if (slots[i].key == NULL || strcmp(slots[i].key, key) == 0)
            return (int)i;
        i = (i + 1) & mask;
    }
    return -1; /* full: cannot happen while the load stays under 1/2 */
}

static int grow(struct cmap *m)
{
    int size = m->size * 2;
    if (size > CMAP_SIZE_MAX)
        return -1;
    struct cmap_slot *slots = calloc((size_t)size, sizeof(*slots));
    if (slots == NULL)
        return -1;
    for (int i = 0; i < m->size; i++) {
        if (m->slots[i].key == NULL)
            continue;
        int j = find_slot(slots, size, m->slots[i].key);
        assert(j >= 0);
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->size = size;
    return 0;
}

int cmap_put(struct cmap *m, const char *key, int value)
{
    assert(m != NULL);
    assert(key != NULL);
    assert(value >= 0);
    if ((m->count + 1) * 2 > m->size && grow(m) != 0)
        return -1;
    int i = find_slot(m->slots, m->size, key);
    assert(i >= 0);
    if (m->slots[i].key == NULL) {
        m->slots[i].key = strdup(key);
        if (m->slots[i].key == NULL)
            return -1;
        m->count++;
    }
    m->slots[i].value = value;
    return 0;
}

int cmap_get(const struct cmap *m, const char *key)
{
    assert(m != NULL);
    if (key == NULL)
        return -1;
    int i = find_slot(m->slots, m->size, key);
    if (i < 0 || m->slots[i].key == NULL)
        return -1;
    return m->slots[i].value;
}

int cmap_count(const struct cmap *m)
{
    assert(m != NULL);
    return m->count;
}
