/* Flavor dispatch and the deferred-failure helper shared by the platform clients. */
#include "core/plat.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct deferred {
    struct plat_call *pc;
    struct call_outcome o;
};

int plat_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= ORDER_ID_BYTES_MAX) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        int ok = (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                 ch == '_' || ch == '-';
        if (!ok) {
            return 0;
        }
    }
    return 1;
}

void plat_finish(struct plat_call *pc, const struct plat_page *page,
                 const struct plat_order *orders, int n, const struct call_outcome *o)
{
    assert(pc != NULL);
    assert(o != NULL);
    if (pc->page_cb != NULL) {
        pc->page_cb(pc->c, pc->shop, o->result == CALL_OK ? page : NULL, o, pc->arg);
    } else if (pc->detail_cb != NULL) {
        pc->detail_cb(pc->c, pc->shop, orders, o->result == CALL_OK ? n : 0, o, pc->arg);
    } else if (pc->stock_cb != NULL) {
        pc->stock_cb(pc->c, pc->shop, pc->stock_value, o, pc->arg);
    } else {
        assert(pc->ship_cb != NULL);
        pc->ship_cb(pc->c, pc->shop, o, pc->arg);
    }
    free(pc);
}

static void deferred_cb(evutil_socket_t fd, short what, void *arg)
{
    struct deferred *d = arg;
    plat_finish(d->pc, NULL, NULL, 0, &d->o);
    free(d);
}

void plat_fail_later(struct plat_call *pc, const struct call_outcome *o)
{
    struct deferred *d = pc->c->stopping ? NULL : malloc(sizeof(*d));
    const struct timeval now = {0, 0};
    assert(o->result != CALL_OK);
    if (d != NULL) {
        d->pc = pc;
        d->o = *o;
        if (event_base_once(pc->c->base, -1, EV_TIMEOUT, deferred_cb, d, &now) == 0) {
            return;
        }
        free(d);
    }
    plat_finish(pc, NULL, NULL, 0, o); /* cannot defer: finish now (allocation failure only) */
}

static struct plat_call *new_call(struct core *c, int shop, void *arg)
{
    struct plat_call *pc = calloc(1, sizeof(*pc));
    assert(shop >= 0);
    assert(shop < c->cfg->shop_count);
    if (pc != NULL) {
        pc->c = c;
        pc->shop = shop;
        pc->arg = arg;
    }
    return pc;
}

static void oom(struct core *c, int shop, plat_page_cb pcb, plat_detail_cb dcb, plat_ship_cb scb,
                void *arg)
{
    struct call_outcome o;
    outcome_set(&o, CALL_RETRY, -1, "out of memory");
    if (pcb != NULL) {
        pcb(c, shop, NULL, &o, arg);
    } else if (dcb != NULL) {
        dcb(c, shop, NULL, 0, &o, arg);
    } else {
        scb(c, shop, &o, arg);
    }
}

void plat_list(struct core *c, int shop, int64_t from_s, int64_t to_s, const char *cursor,
               plat_page_cb cb, void *arg)
{
    struct plat_call *pc = new_call(c, shop, arg);
    if (pc == NULL) {
        oom(c, shop, cb, NULL, NULL, arg);
        return;
    }
    pc->page_cb = cb;
    if (c->cfg->shops[shop].flavor == FLAVOR_SHOPEE) {
        shopee_list(pc, from_s, to_s, cursor);
    } else {
        wechat_list(pc, from_s, to_s, cursor);
    }
}

void plat_detail(struct core *c, int shop, const char *const *ids, int n, plat_detail_cb cb,
                 void *arg)
{
    struct plat_call *pc = new_call(c, shop, arg);
    assert(n >= 1);
    if (pc == NULL) {
        oom(c, shop, NULL, cb, NULL, arg);
        return;
    }
    pc->detail_cb = cb;
    if (c->cfg->shops[shop].flavor == FLAVOR_SHOPEE) {
        shopee_detail(pc, ids, n);
    } else {
        wechat_detail(pc, ids[0]);
    }
}

/* Shopee has one ship call for both (ship_order carries the new number); WeChat updates a
 * shipped order's delivery info with a call of its own. */
static void ship_call(struct core *c, int shop, const char *order_id, const char *carrier,
                      const char *waybill, const char *lines, int reship, plat_ship_cb cb,
                      void *arg)
{
    struct plat_call *pc = new_call(c, shop, arg);
    if (pc == NULL) {
        oom(c, shop, NULL, NULL, cb, arg);
        return;
    }
    pc->ship_cb = cb;
    if (c->cfg->shops[shop].flavor == FLAVOR_SHOPEE) {
        shopee_ship(pc, order_id, waybill);
    } else if (reship) {
        wechat_reship(pc, order_id, carrier, waybill, lines);
    } else {
        wechat_ship(pc, order_id, carrier, waybill, lines);
    }
}

void plat_ship(struct core *c, int shop, const char *order_id, const char *carrier,
               const char *waybill, const char *lines, plat_ship_cb cb, void *arg)
{
    ship_call(c, shop, order_id, carrier, waybill, lines, 0, cb, arg);
}

void plat_reship(struct core *c, int shop, const char *order_id, const char *carrier,
                 const char *waybill, const char *lines, plat_ship_cb cb, void *arg)
{
    ship_call(c, shop, order_id, carrier, waybill, lines, 1, cb, arg);
}

static void stock_oom(struct core *c, int shop, plat_stock_cb cb, void *arg)
{
    struct call_outcome o;
    outcome_set(&o, CALL_RETRY, -1, "out of memory");
    cb(c, shop, 0, &o, arg);
}

void plat_stock_get(struct core *c, int shop, int k, plat_stock_cb cb, void *arg)
{
    struct plat_call *pc = new_call(c, shop, arg);
    assert(k >= 0);
    assert(k < c->cfg->sku_count);
    if (pc == NULL) {
        stock_oom(c, shop, cb, arg);
        return;
    }
    pc->stock_cb = cb;
    if (c->cfg->shops[shop].flavor == FLAVOR_SHOPEE) {
        shopee_stock_get(pc, k);
    } else {
        wechat_stock_get(pc, k);
    }
}

void plat_stock_set(struct core *c, int shop, int k, int64_t value, int64_t was, plat_stock_cb cb,
                    void *arg)
{
    struct plat_call *pc = new_call(c, shop, arg);
    assert(k >= 0);
    assert(k < c->cfg->sku_count);
    assert(value >= 0);
    if (pc == NULL) {
        stock_oom(c, shop, cb, arg);
        return;
    }
    pc->stock_cb = cb;
    pc->stock_value = value;
    if (c->cfg->shops[shop].flavor == FLAVOR_SHOPEE) {
        shopee_stock_set(pc, k, value);
    } else if (value == was) {
        struct call_outcome o;
        outcome_set(&o, CALL_OK, -1, "unchanged");
        plat_finish(pc, NULL, NULL, 0, &o);
    } else {
        wechat_stock_set(pc, k, value - was);
    }
}

int64_t plat_window_s(const struct core *c, int shop)
{
    /* a day short of the limit, so clock skew between us and the platform never trips it */
    return c->cfg->shops[shop].flavor == FLAVOR_SHOPEE ? PLAT_SHOPEE_WINDOW_S - 86400
                                                       : PLAT_WECHAT_WINDOW_S - 86400;
}
