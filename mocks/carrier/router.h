/* The carrier mock's HTTP surface: routes /<CODE>/std/service, /kuaidi100/poll/query.do,
 * /kuaidi100/poll, /healthz, /metrics and the control API /__sim/{truth,stats,faults,reset}
 * (X-Sim-Token when the mock has a token). */
#ifndef SHIPSIM_CARRIER_ROUTER_H
#define SHIPSIM_CARRIER_ROUTER_H

#include "carrier/app.h"

struct evhttp_request;

/* evhttp generic callback; arg is the struct cm_app. */
void router_handle(struct evhttp_request *req, void *arg);
/* The stats and metrics bodies (malloc'd). */
char *router_stats_json(struct cm_app *app);
char *router_metrics_text(struct cm_app *app);

#endif
