/* Mark-shipped through the outbox: Shopee ship_order (non_integrated tracking number) or WeChat
 * delivery/send. "Already shipped" is success; a number the platform says belongs to another
 * order is replaced (old one cancelled at the carrier); every other failure is retried. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "core/ingest.h"
#include "core/outbox.h"
#include "core/tracking.h"

struct ship_ctx {
    struct job_row job;
    char waybill[WAYBILL_BYTES_MAX];
};

/* The platform refused our number as another order's: cancel it and get a new one. */
static void replace_waybill(struct core *c, struct order_row *o)
{
    char ref[64], arg[STORE_JOB_ARG_BYTES_MAX];
    core_evidence(c, EVK_FOREIGN_WAYBILL, o->order_id, "a number of our own", o->waybill,
                  "platform refused it for this order");
    ingest_waybill_ref(o, ref, sizeof(ref));
    snprintf(arg, sizeof(arg), "%s|%s|%s|%s", o->carrier, ref, o->waybill, o->order_id);
    outbox_add(c, JOB_CANCEL, o->waybill, o->carrier, arg, 0, 0);
    o->waybill[0] = '\0';
    o->wb_gen++;
    ingest_save(c, o);
    outbox_add(c, JOB_WAYBILL, o->order_id, o->shop, o->carrier, 0, 0);
}

static void ship_cb(struct core *c, int shop, const struct call_outcome *o, void *arg)
{
    struct ship_ctx *x = arg;
    struct order_row ord;
    int found = store_order_get(c->store, x->job.order_id, &ord);
    if (found != 1 || strcmp(ord.waybill, x->waybill) != 0) {
        outbox_done(c, &x->job); /* the order moved on while we called */
    } else if (o->result == CALL_OK) {
        (void)ingest_move(c, &ord, OS_SHIPPED);
        outbox_done(c, &x->job);
    } else if (o->result == CALL_REJECT && o->evidence == EVK_FOREIGN_WAYBILL) {
        replace_waybill(c, &ord);
        outbox_done(c, &x->job);
    } else if (o->result == CALL_REJECT) {
        /* not shippable now: read the order again; the ship stays queued (never dropped) */
        core_evidence(c, EVK_PLATFORM_REJECT, ord.order_id, "ship accepted", o->text, "ship");
        outbox_add(c, JOB_DETAIL, ord.order_id, ord.shop, "", 0, 1);
        struct call_outcome quiet = *o;
        quiet.evidence = -1;
        outbox_retry(c, &x->job, &quiet, NULL, 0);
    } else {
        outbox_retry(c, &x->job, o, NULL, o->result == CALL_AUTH && x->job.attempts < 3);
    }
    outbox_release(c);
    free(x);
}

void ship_run(struct core *c, const struct job_row *j)
{
    struct order_row o;
    int found = store_order_get(c->store, j->order_id, &o);
    int shop = found == 1 ? core_shop_index(c, o.shop) : -1;
    if (found != 1 || shop < 0 || o.state != OS_WAYBILLED || o.waybill[0] == '\0' ||
        o.hold_reason[0] != '\0') {
        /* moot: shipped, cancelled, held (released later by ingest) or waiting for a number */
        outbox_done(c, j);
        outbox_release(c);
        return;
    }
    struct ship_ctx *x = calloc(1, sizeof(*x));
    assert(x != NULL);
    x->job = *j;
    snprintf(x->waybill, sizeof(x->waybill), "%s", o.waybill);
    plat_ship(c, shop, o.order_id, o.carrier, o.waybill, o.lines, ship_cb, x);
}

/* --- carrier switch: the platform learns the new number --------------------------------------- */

struct switched {
    const char *to_carrier;
    struct waybill_row from; /* the order's last cancelled waybill at another carrier */
};

static int switched_from(const struct waybill_row *w, void *arg)
{
    struct switched *sw = arg;
    if (w->status == WB_CANCELLED && strcmp(w->carrier, sw->to_carrier) != 0) {
        sw->from = *w; /* listed by time: the last one wins */
    }
    return 0;
}

static void reship_cb(struct core *c, int shop, const struct call_outcome *o, void *arg)
{
    struct ship_ctx *x = arg;
    struct order_row ord;
    (void)shop;
    int found = store_order_get(c->store, x->job.order_id, &ord);
    if (found != 1 || strcmp(ord.waybill, x->waybill) != 0) {
        outbox_done(c, &x->job); /* the order moved on while we called */
    } else if (o->result == CALL_OK) {
        struct switched sw;
        memset(&sw, 0, sizeof(sw));
        sw.to_carrier = ord.carrier;
        if (store_waybills_each(c->store, ord.order_id, switched_from, &sw) != 0) {
            core_fatal_store(c, "waybills");
        }
        core_evidence(c, EVK_CARRIER_FALLBACK, ord.order_id, sw.from.waybill, ord.waybill,
                      "carrier switch after a 4 h stall: %s %s cancelled, %s %s on the platform",
                      sw.from.carrier, sw.from.waybill, ord.carrier, ord.waybill);
        tracking_start(c, ord.order_id, ord.carrier, ord.waybill);
        outbox_done(c, &x->job);
    } else {
        /* never dropped: maintenance, limits and refusals are retried */
        outbox_retry(c, &x->job, o, NULL, 0);
    }
    outbox_release(c);
    free(x);
}

void ship_reship_run(struct core *c, const struct job_row *j)
{
    struct order_row o;
    int found = store_order_get(c->store, j->order_id, &o);
    int shop = found == 1 ? core_shop_index(c, o.shop) : -1;
    if (found != 1 || shop < 0 || o.state != OS_SHIPPED || o.waybill[0] == '\0') {
        outbox_done(c, j); /* moot: cancelled, or the platform moved it on */
        outbox_release(c);
        return;
    }
    struct ship_ctx *x = calloc(1, sizeof(*x));
    assert(x != NULL);
    x->job = *j;
    snprintf(x->waybill, sizeof(x->waybill), "%s", o.waybill);
    plat_reship(c, shop, o.order_id, o.carrier, o.waybill, o.lines, reship_cb, x);
}
