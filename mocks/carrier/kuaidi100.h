/* Kuaidi100-shaped tracking (API.md 3.2, INTERFACES.md section 6) at /kuaidi100:
 * POST /kuaidi100/poll/query.do (form customer, sign, param) and POST /kuaidi100/poll (form
 * schema=json, param). Callback pushes are in track.c. Error returnCodes for query are
 * shipsim's choice where Kuaidi100's are UNCONFIRMED (mocks/carrier/README.md lists them). */
#ifndef SHIPSIM_CARRIER_KUAIDI100_H
#define SHIPSIM_CARRIER_KUAIDI100_H

#include "carrier/app.h"

struct evhttp_request;

void k100_handle_query(struct cm_app *app, struct evhttp_request *req);
void k100_handle_subscribe(struct cm_app *app, struct evhttp_request *req);
/* 1 when url is an http URL on 127.0.0.1 or localhost (the only network target allowed). */
int k100_callback_url_ok(const char *url);

#endif
