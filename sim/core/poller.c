/* List passes per shop on libevent timers. */
#include "core/poller.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/log.h"
#include "core/ingest.h"
#include "core/lost.h"
#include "core/outbox.h"
#include "core/plat.h"

enum pass_kind { PASS_INCREMENTAL = 0, PASS_RECONCILE };

struct shop_poll {
    struct poller *p;
    int shop;
    struct event *tick_ev;  /* incremental */
    struct event *recon_ev; /* reconciliation */
    struct event *page_ev;  /* next page / retry */
    int running;
    int recon_pending;
    enum pass_kind kind;
    int64_t from_s, to_s, chunk_from_s, chunk_to_s;
    char cursor[CORE_CURSOR_BYTES_MAX];
    int failures;
    uint64_t seen[POLLER_SEEN_SLOTS]; /* hashes of ids seen this pass (0 = empty) */
};

struct poller {
    struct core *c;
    struct shop_poll *shops[CONFIG_SHOPS_MAX];
    long passes;
};

static void page_next(struct shop_poll *sp);

static struct timeval wall_tv(int64_t ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
    return tv;
}

static int64_t wall_of_sim_s(const struct core *c, int64_t sim_s)
{
    int64_t ms = (int64_t)simclock_wall_ms(&c->clock, (double)sim_s * 1000.0);
    return ms < 1 ? 1 : ms;
}

/* 1 when id was already seen in this pass. */
static int seen_before(struct shop_poll *sp, const char *id)
{
    uint64_t h = hash_str(id) | 1u;
    for (unsigned i = 0; i < POLLER_SEEN_SLOTS; i++) {
        uint64_t *slot = &sp->seen[(h + i) % POLLER_SEEN_SLOTS];
        if (*slot == h) {
            return 1;
        }
        if (*slot == 0) {
            *slot = h;
            return 0;
        }
    }
    return 0; /* table full: duplicates are no longer detected this pass, still harmless */
}

static void watermark_key(const struct core *c, int shop, char *key, int len)
{
    snprintf(key, (size_t)len, "poll_watermark:%s", c->cfg->shops[shop].name);
}

/* Where the first complete incremental pass began: lists are contiguous from there on. */
static void covered_key(const struct core *c, int shop, char *key, int len)
{
    snprintf(key, (size_t)len, "poll_covered_from:%s", c->cfg->shops[shop].name);
}

static int64_t kv_int(struct core *c, const char *key)
{
    char val[32];
    int rc = store_kv_get(c->store, key, val, sizeof(val));
    if (rc < 0) {
        core_fatal_store(c, "kv read");
    }
    return rc == 1 ? strtoll(val, NULL, 10) : 0;
}

int poller_polled(struct core *c, int shop, int64_t *from_s, int64_t *to_s)
{
    char key[64];
    covered_key(c, shop, key, sizeof(key));
    *from_s = kv_int(c, key);
    watermark_key(c, shop, key, sizeof(key));
    *to_s = kv_int(c, key);
    return *from_s > 0 && *to_s > *from_s;
}

/* 1 when this pass listed id (lookup only). */
static int listed_in_pass(const char *id, void *arg)
{
    const struct shop_poll *sp = arg;
    uint64_t h = hash_str(id) | 1u;
    for (unsigned i = 0; i < POLLER_SEEN_SLOTS; i++) {
        uint64_t slot = sp->seen[(h + i) % POLLER_SEEN_SLOTS];
        if (slot == h) {
            return 1;
        }
        if (slot == 0) {
            return 0;
        }
    }
    return 1; /* table full: cannot tell, so never a suspect */
}

static void pass_start(struct shop_poll *sp, enum pass_kind kind)
{
    struct core *c = sp->p->c;
    char key[64], val[32];
    int64_t now_s = core_now_ms(c) / 1000;
    int64_t mark = 0;
    watermark_key(c, sp->shop, key, sizeof(key));
    if (store_kv_get(c->store, key, val, sizeof(val)) == 1) {
        mark = strtoll(val, NULL, 10);
    }
    if (mark <= 0) {
        mark = now_s - c->cfg->initial_lookback_s;
    }
    sp->kind = kind;
    if (kind == PASS_INCREMENTAL) {
        sp->from_s = mark - c->cfg->poll_overlap_s;
        sp->to_s = now_s;
    } else {
        /* up to what incremental passes covered: newer orders are theirs to find */
        sp->from_s = now_s - c->cfg->reconcile_window_s;
        sp->to_s = mark;
        ingest_heal(c);
    }
    if (sp->from_s > sp->to_s) {
        sp->from_s = sp->to_s;
    }
    sp->chunk_from_s = sp->from_s;
    sp->chunk_to_s = sp->from_s + plat_window_s(c, sp->shop);
    if (sp->chunk_to_s > sp->to_s) {
        sp->chunk_to_s = sp->to_s;
    }
    sp->cursor[0] = '\0';
    sp->failures = 0;
    sp->running = 1;
    memset(sp->seen, 0, sizeof(sp->seen));
    page_next(sp);
}

static void pass_end(struct shop_poll *sp, int complete)
{
    struct core *c = sp->p->c;
    sp->running = 0;
    if (complete && sp->kind == PASS_RECONCILE) {
        lost_pass_done(c, sp->shop, sp->from_s, sp->to_s, 1, listed_in_pass, sp);
    }
    if (complete && sp->kind == PASS_INCREMENTAL) {
        char key[64], val[32];
        lost_pass_done(c, sp->shop, sp->from_s, sp->to_s, 0, listed_in_pass, sp);
        watermark_key(c, sp->shop, key, sizeof(key));
        snprintf(val, sizeof(val), "%lld", (long long)sp->to_s);
        if (store_kv_set(c->store, key, val) != 0) {
            core_fatal_store(c, "watermark");
        }
        covered_key(c, sp->shop, key, sizeof(key));
        snprintf(val, sizeof(val), "%lld", (long long)sp->from_s);
        if (kv_int(c, key) <= 0 && store_kv_set(c->store, key, val) != 0) {
            core_fatal_store(c, "coverage");
        }
    }
    sp->p->passes += complete;
    if (sp->recon_pending) {
        sp->recon_pending = 0;
        pass_start(sp, PASS_RECONCILE);
    }
}

static void later(struct shop_poll *sp, int64_t wall_ms)
{
    struct timeval tv = wall_tv(wall_ms);
    event_add(sp->page_ev, &tv);
}

static void page_cb(struct core *c, int shop, const struct plat_page *page,
                    const struct call_outcome *o, void *arg)
{
    struct shop_poll *sp = arg;
    if (o->result != CALL_OK || page == NULL) {
        if (o->evidence >= 0) {
            core_evidence(c, (enum evidence_kind)o->evidence, "", "a list page", o->text,
                          "shop %s list", c->cfg->shops[shop].name);
        }
        if (++sp->failures > POLLER_PAGE_RETRY_MAX) {
            log_warn("poller %s: giving up this pass: %s", c->cfg->shops[shop].name, o->text);
            pass_end(sp, 0);
            return;
        }
        if (o->result == CALL_REJECT && sp->cursor[0] == '\0') {
            log_warn("poller %s: list refused, pass ends: %s", c->cfg->shops[shop].name, o->text);
            pass_end(sp, 0); /* waiting would not change the answer; the next tick tries again */
            return;
        }
        if (o->result == CALL_REJECT) {
            /* a cursor the platform no longer takes (expired, or the listing moved): the chunk
             * starts over; waiting would not make it valid again */
            log_warn("poller %s: cursor refused, chunk restarted: %s", c->cfg->shops[shop].name,
                     o->text);
            sp->cursor[0] = '\0';
            page_next(sp);
            return;
        }
        later(sp, outbox_backoff_ms(c->cfg->retry_base_ms, c->cfg->retry_max_ms, sp->failures - 1,
                                    c->seed, shop));
        return;
    }
    sp->failures = 0;
    enum ingest_source src = sp->kind == PASS_RECONCILE ? SRC_RECONCILE : SRC_LIST;
    for (int i = 0; i < page->n; i++) {
        if (seen_before(sp, page->ids[i])) {
            core_evidence(c, EVK_DUPLICATE_ORDER, page->ids[i], "once per listing", "repeated",
                          "shop %s list", c->cfg->shops[shop].name);
            continue;
        }
        ingest_seen(c, shop, page->ids[i], page->status[i][0] ? page->status[i] : NULL, src);
    }
    if (page->more) {
        snprintf(sp->cursor, sizeof(sp->cursor), "%s", page->next_cursor);
    } else if (sp->chunk_to_s < sp->to_s) {
        sp->chunk_from_s = sp->chunk_to_s;
        sp->chunk_to_s = sp->chunk_from_s + plat_window_s(c, shop);
        if (sp->chunk_to_s > sp->to_s) {
            sp->chunk_to_s = sp->to_s;
        }
        sp->cursor[0] = '\0';
    } else {
        pass_end(sp, 1);
        return;
    }
    page_next(sp);
}

static void page_next(struct shop_poll *sp)
{
    struct core *c = sp->p->c;
    if (!core_shop_take(c, sp->shop)) {
        later(sp, POLLER_BUDGET_WAIT_MS);
        return;
    }
    plat_list(c, sp->shop, sp->chunk_from_s, sp->chunk_to_s, sp->cursor, page_cb, sp);
}

static void page_ev_cb(evutil_socket_t fd, short what, void *arg)
{
    page_next(arg);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    struct shop_poll *sp = arg;
    if (!sp->running) {
        pass_start(sp, PASS_INCREMENTAL);
    }
}

static void recon_cb(evutil_socket_t fd, short what, void *arg)
{
    struct shop_poll *sp = arg;
    if (sp->running) {
        sp->recon_pending = 1;
    } else {
        pass_start(sp, PASS_RECONCILE);
    }
}

struct poller *poller_new(struct core *c)
{
    struct poller *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return NULL;
    }
    p->c = c;
    for (int i = 0; i < c->cfg->shop_count; i++) {
        struct shop_poll *sp = calloc(1, sizeof(*sp));
        if (sp == NULL) {
            poller_free(p);
            return NULL;
        }
        p->shops[i] = sp;
        sp->p = p;
        sp->shop = i;
        sp->tick_ev = event_new(c->base, -1, EV_PERSIST, tick_cb, sp);
        sp->recon_ev = event_new(c->base, -1, EV_PERSIST, recon_cb, sp);
        sp->page_ev = event_new(c->base, -1, 0, page_ev_cb, sp);
        if (sp->tick_ev == NULL || sp->recon_ev == NULL || sp->page_ev == NULL) {
            poller_free(p);
            return NULL;
        }
    }
    return p;
}

void poller_free(struct poller *p)
{
    if (p == NULL) {
        return;
    }
    for (int i = 0; i < CONFIG_SHOPS_MAX; i++) {
        struct shop_poll *sp = p->shops[i];
        if (sp == NULL) {
            continue;
        }
        if (sp->tick_ev != NULL) {
            event_free(sp->tick_ev);
        }
        if (sp->recon_ev != NULL) {
            event_free(sp->recon_ev);
        }
        if (sp->page_ev != NULL) {
            event_free(sp->page_ev);
        }
        free(sp);
    }
    free(p);
}

int poller_start(struct poller *p)
{
    struct core *c = p->c;
    struct timeval tick = wall_tv(wall_of_sim_s(c, c->cfg->poll_interval_s));
    struct timeval recon = wall_tv(wall_of_sim_s(c, c->cfg->reconcile_interval_s));
    for (int i = 0; i < c->cfg->shop_count; i++) {
        struct shop_poll *sp = p->shops[i];
#ifdef SYNCD_SABOTAGE_NO_RECONCILE /* test-only (tests/sabotage): no reconciliation pass */
        (void)recon;
        if (event_add(sp->tick_ev, &tick) != 0) {
#else
        if (event_add(sp->tick_ev, &tick) != 0 || event_add(sp->recon_ev, &recon) != 0) {
#endif
            return -1;
        }
        event_active(sp->tick_ev, EV_TIMEOUT, 0);
    }
    return 0;
}

long poller_passes(const struct poller *p)
{
    return p->passes;
}
