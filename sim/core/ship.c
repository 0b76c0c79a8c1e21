/* Mark-shipped through the outbox: Shopee ship_order (non_integrated tracking number) or WeChat
 * delivery/send. "Already shipped" is success; a number the platform says belongs to another
 * order is replaced (old one cancelled at the carrier); every other failure is retried. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "core/ingest.h"
#include "core/outbox.h"

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
