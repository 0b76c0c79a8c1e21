/* syncd's HTTP surface: /healthz, /metrics, the X-Sim-Token protected dumps /__state,
 * /__evidence, /__stock (JSON lines, docs/INTERFACES.md section 5) and the push routes. */
#ifndef SHIPSIM_CORE_API_H
#define SHIPSIM_CORE_API_H

#include <stddef.h>
#include "core/core.h"

#define API_DUMP_BYTES_MAX (256 * 1024 * 1024)
#define API_DUMP_TIMEOUT_S 120             /* a dump's connection: tens of MB to a busy reader */
#define API_DUMP_WRITE_BYTES (1024 * 1024) /* per loop turn (libevent's default: 16 KiB) */

struct evhttp_request;

/* The evhttp generic callback; arg is the struct core. */
void api_handle(struct evhttp_request *req, void *arg);
/* The dumps as malloc'd JSON lines (NULL on failure); *len gets the length. */
char *api_state_dump(struct core *c, size_t *len);
char *api_evidence_dump(struct core *c, size_t *len);
char *api_stock_dump(struct core *c, size_t *len);

#endif
