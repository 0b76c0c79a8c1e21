/* A string -> int map (open addressing, linear probing) for the carrier mock's indexes: order
 * reference -> waybill record, waybill number -> parcel. Keys are copied. Bounded by CMAP_SIZE_MAX.
 */
#ifndef SHIPSIM_CARRIER_CMAP_H
#define SHIPSIM_CARRIER_CMAP_H

#include "common/check.h"

#define CMAP_SIZE_MAX (1 << 22) /* slots; the map refuses to grow past this */

struct cmap;

struct cmap *cmap_new(void);
void cmap_free(struct cmap *m); /* NULL is a no-op */
/* Insert or replace. Returns 0, or -1 when memory or CMAP_SIZE_MAX runs out. */
int cmap_put(struct cmap *m, const char *key, int value) WARN_UNUSED_RESULT;
/* The value, or -1 when the key is absent (values stored are >= 0). */
int cmap_get(const struct cmap *m, const char *key);
int cmap_count(const struct cmap *m);
void cmap_clear(struct cmap *m);

#endif
