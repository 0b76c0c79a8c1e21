/* The open-model load generator: see loadgen.h. */
#include "load/loadgen.h"

#include <event2/event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_client.h"
#include "common/json.h"
#include "common/limits.h"
#include "common/simclock.h"
#include "load/mix.h"
#include "load/profile.h"
#include "scenario/scenario.h"

#define LOADGEN_MAGIC 0x4c4f4144u
#define LOAD_BODY_BYTES_MAX 1024

enum { ST_NEW = 0, ST_PLACING, ST_PLACED, ST_FAILED };
enum { F_PAY_WANTED = 1, F_PAYING = 2, F_PAID = 4, F_CANCEL_WANTED = 8 };
enum act_kind { ACT_PLACE = 0, ACT_PAY, ACT_CANCEL };

struct lg_order {
    char order_id[ORDER_ID_BYTES_MAX];
    uint8_t st;
    uint8_t flags;
};

struct act {
    double due_ms;
    int64_t seq;
    int kind;
};

struct lg_req {
    struct loadgen *lg;
    int64_t seq;
    int kind;
    struct lg_req *prev, *next; /* outstanding list: freed with the generator if never answered */
};

struct loadgen {
    unsigned magic;
    const struct scenario *sc;
    struct event_base *base;
    const struct simclock *clock;
    struct http_client *http;
    struct event *tick;
    struct profile profile;
    char url_place[HTTP_URL_BYTES_MAX];
    char url_pay[HTTP_URL_BYTES_MAX];
    char url_cancel[HTTP_URL_BYTES_MAX];
    char token_header[SECRET_BYTES_MAX + 16];
    char shop_names[SCENARIO_SHOPS_MAX][SHOP_NAME_BYTES_MAX];
    struct lg_order *orders;
    double *sched_pay;
    struct act *heap;
    size_t heap_len, heap_cap;
    int64_t next_seq;
    int64_t start_ms; /* sim time of order schedule offset 0 */
    int64_t end_ms;
    int stopped;
    int64_t cancel_refused;
    struct lg_req *outstanding;
    struct loadgen_stats st;
};

static void req_unlink(struct loadgen *lg, struct lg_req *r)
{
    if (r->prev != NULL)
        r->prev->next = r->next;
    else
        lg->outstanding = r->next;
    if (r->next != NULL)
        r->next->prev = r->prev;
}

/* --- the action heap (min on due time) ---------------------------------------------------- */

static int act_before(const struct act *a, const struct act *b)
{
    return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static int heap_push(struct loadgen *lg, struct act a)
{
    if (lg->heap_len == lg->heap_cap) {
        size_t cap = lg->heap_cap ? lg->heap_cap * 2 : 1024;
        struct act *h = realloc(lg->heap, cap * sizeof(*h));
        if (h == NULL)
            return -1;
        lg->heap = h;
        lg->heap_cap = cap;
    }
    size_t i = lg->heap_len++;
    lg->heap[i] = a;
    while (i > 0 && act_before(&lg->heap[i], &lg->heap[(i - 1) / 2])) {
        struct act t = lg->heap[i];
        lg->heap[i] = lg->heap[(i - 1) / 2];
        lg->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
    return 0;
}

static struct act heap_pop(struct loadgen *lg)
{
    assert(lg->heap_len > 0);
    struct act top = lg->heap[0];
    lg->heap[0] = lg->heap[--lg->heap_len];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1;
        size_t r = l + 1;
        size_t m = i;
        if (l < lg->heap_len && act_before(&lg->heap[l], &lg->heap[m]))
            m = l;
        if (r < lg->heap_len && act_before(&lg->heap[r], &lg->heap[m]))
            m = r;
        if (m == i)
            break;
        struct act t = lg->heap[i];
        lg->heap[i] = lg->heap[m];
        lg->heap[m] = t;
        i = m;
    }
    return top;
}

/* --- requests ------------------------------------------------------------------------------ */

static void done_cb(const struct http_response *resp, void *arg);

static void note_behind(struct loadgen *lg, double due_ms)
{
    double behind = (double)simclock_now_ms(lg->clock) - due_ms;
    if (behind > lg->st.behind_max_ms)
        lg->st.behind_max_ms = behind;
}

static int send_json(struct loadgen *lg, const char *url, const char *body, int64_t seq, int kind)
{
    struct lg_req *r = malloc(sizeof(*r));
    if (r == NULL)
        return -1;
    *r = (struct lg_req){lg, seq, kind, NULL, lg->outstanding};
    struct http_request req = {.method = "POST",
                               .url = url,
                               .body = body,
                               .body_len = strlen(body),
                               .content_type = "application/json",
                               .timeout_ms = LOAD_REQUEST_TIMEOUT_MS};
    req.headers[0] = lg->token_header[0] ? lg->token_header : NULL;
    if (http_client_send(lg->http, &req, done_cb, r) != 0) {
        free(r);
        lg->st.http_errors++;
        return -1;
    }
    if (lg->outstanding != NULL)
        lg->outstanding->prev = r;
    lg->outstanding = r;
    lg->st.pending++;
    return 0;
}

static int place_body(struct loadgen *lg, const struct mix_order *m, char *buf, int len)
{
    int n = snprintf(buf, (size_t)len, "{\"seq\":%lld,\"shop\":\"%s\",\"buyer\":\"%s\",\"lines\":[",
                     (long long)m->seq, lg->shop_names[m->shop], m->buyer);
    for (int i = 0; i < m->line_count && n < len; i++)
        n += snprintf(buf + n, (size_t)(len - n), "%s{\"sku\":\"%s\",\"qty\":%d}", i ? "," : "",
                      lg->sc->catalog[m->lines[i].sku].sku, m->lines[i].qty);
    if (n < len)
        n += snprintf(buf + n, (size_t)(len - n), "]}");
    return n < len ? 0 : -1;
}

/* Place order seq due at due_ms and schedule its pay and cancel from the scheduled times. */
static void place(struct loadgen *lg, int64_t seq, double due_ms)
{
    struct mix_order m;
    mix_draw(lg->sc, seq, &m);
    char body[LOAD_BODY_BYTES_MAX];
    struct lg_order *o = &lg->orders[seq];
    assert(o->st == ST_NEW);
    note_behind(lg, due_ms);
    lg->st.due++;
    if (place_body(lg, &m, body, sizeof(body)) != 0 ||
        send_json(lg, lg->url_place, body, seq, ACT_PLACE) != 0) {
        o->st = ST_FAILED;
        return;
    }
    o->st = ST_PLACING;
    if (m.unpaid)
        return;
    double pay_ms = due_ms + m.pay_delay_ms;
    lg->sched_pay[seq] = pay_ms;
    int rc = heap_push(lg, (struct act){pay_ms, seq, ACT_PAY});
    if (rc == 0 && m.cancel)
        rc = heap_push(lg, (struct act){pay_ms + m.cancel_delay_ms, seq, ACT_CANCEL});
    if (rc != 0)
        lg->st.http_errors++; /* out of memory: the action is lost, and counted */
}

static void send_pay(struct loadgen *lg, int64_t seq)
{
    struct lg_order *o = &lg->orders[seq];
    char body[96];
    snprintf(body, sizeof(body), "{\"order_id\":\"%s\"}", o->order_id);
    note_behind(lg, lg->sched_pay[seq]);
    if (send_json(lg, lg->url_pay, body, seq, ACT_PAY) == 0)
        o->flags |= F_PAYING;
}

static void send_cancel(struct loadgen *lg, int64_t seq)
{
    struct lg_order *o = &lg->orders[seq];
    char body[96];
    snprintf(body, sizeof(body), "{\"order_id\":\"%s\"}", o->order_id);
    (void)send_json(lg, lg->url_cancel, body, seq, ACT_CANCEL);
}

/* An action came due: send it now, or mark it wanted until the step before it is answered. */
static void run_action(struct loadgen *lg, const struct act *a)
{
    struct lg_order *o = &lg->orders[a->seq];
    if (o->st == ST_FAILED)
        return;
    if (a->kind == ACT_PAY) {
        if (o->st == ST_PLACED)
            send_pay(lg, a->seq);
        else
            o->flags |= F_PAY_WANTED;
        return;
    }
    assert(a->kind == ACT_CANCEL);
    note_behind(lg, a->due_ms);
    if (o->flags & F_PAID)
        send_cancel(lg, a->seq);
    else
        o->flags |= F_CANCEL_WANTED;
}

static void place_done(struct loadgen *lg, int64_t seq, const struct http_response *resp)
{
    struct lg_order *o = &lg->orders[seq];
    if (resp->status == 409) {
        lg->st.rejected++;
        o->st = ST_FAILED;
        return;
    }
    char err[ERR_BYTES_MAX];
    cJSON *doc = resp->status == 200 || resp->status == 201
                     ? json_parse(resp->body, resp->body_len, err, sizeof(err))
                     : NULL;
    struct json_reader r;
    json_reader_init(&r);
    if (doc == NULL ||
        json_get_string(&r, doc, "order_id", 1, o->order_id, sizeof(o->order_id), "") != 0) {
        lg->st.http_errors++;
        o->st = ST_FAILED;
        json_delete(doc);
        return;
    }
    json_delete(doc);
    o->st = ST_PLACED;
    lg->st.placed++;
    if (o->flags & F_PAY_WANTED)
        send_pay(lg, seq);
}

static void done_cb(const struct http_response *resp, void *arg)
{
    struct lg_req *r = arg;
    struct loadgen *lg = r->lg;
    assert(lg->magic == LOADGEN_MAGIC);
    req_unlink(lg, r);
    lg->st.pending--;
    struct lg_order *o = &lg->orders[r->seq];
    int ok = resp->error == HTTPC_OK && resp->status == 200;
    if (r->kind == ACT_PLACE) {
        place_done(lg, r->seq, resp);
    } else if (r->kind == ACT_PAY) {
        o->flags &= (uint8_t)~F_PAYING;
        if (ok) {
            o->flags |= F_PAID;
            lg->st.paid++;
            if (o->flags & F_CANCEL_WANTED)
                send_cancel(lg, r->seq);
        } else {
            lg->st.http_errors++;
        }
    } else if (ok) {
        lg->st.cancelled++;
    } else if (resp->status == 409) {
        lg->cancel_refused++; /* already shipped: the platform refuses, as the real one does */
    } else {
        lg->st.http_errors++;
    }
    free(r);
}

/* --- the tick ------------------------------------------------------------------------------ */

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct loadgen *lg = arg;
    assert(lg->magic == LOADGEN_MAGIC);
    if (lg->stopped)
        return;
    double now = (double)simclock_now_ms(lg->clock);
    double epoch = (double)lg->start_ms;
    int sends = 0;
    while (lg->next_seq < lg->st.scheduled && sends < LOAD_SENDS_PER_TICK_MAX) {
        double due = epoch + profile_time_ms(&lg->profile, lg->next_seq);
        if (due > now)
            break;
        place(lg, lg->next_seq++, due);
        sends++;
    }
    while (lg->heap_len > 0 && lg->heap[0].due_ms <= now && sends < LOAD_SENDS_PER_TICK_MAX) {
        struct act a = heap_pop(lg);
        run_action(lg, &a);
        sends++;
    }
    if (!loadgen_done(lg)) {
        struct timeval tv = {0, LOAD_TICK_MS * 1000};
        evtimer_add(lg->tick, &tv);
    }
}

static int loadgen_urls(struct loadgen *lg, const struct loadgen_config *cfg)
{
    int n1 = snprintf(lg->url_place, sizeof(lg->url_place), "%s/__sim/orders", cfg->plat_url);
    int n2 = snprintf(lg->url_pay, sizeof(lg->url_pay), "%s/__sim/orders/pay", cfg->plat_url);
    int n3 =
        snprintf(lg->url_cancel, sizeof(lg->url_cancel), "%s/__sim/orders/cancel", cfg->plat_url);
    if (cfg->token != NULL && cfg->token[0] != '\0')
        snprintf(lg->token_header, sizeof(lg->token_header), "X-Sim-Token: %s", cfg->token);
    return n1 < (int)sizeof(lg->url_place) && n2 < (int)sizeof(lg->url_pay) &&
                   n3 < (int)sizeof(lg->url_cancel)
               ? 0
               : -1;
}

static int loadgen_tables(struct loadgen *lg, const struct loadgen_config *cfg, char *err,
                          int err_len)
{
    const struct scenario *sc = cfg->sc;
    if (profile_init(&lg->profile, sc->stages, sc->stage_count, err, err_len) != 0)
        return -1;
    double duration = cfg->duration_s > 0 ? cfg->duration_s : sc->duration_s;
    lg->st.scheduled = profile_orders(&lg->profile, duration);
    if (lg->st.scheduled > LOAD_ORDERS_MAX) {
        snprintf(err, (size_t)err_len, "load: %lld orders scheduled, more than %d",
                 (long long)lg->st.scheduled, LOAD_ORDERS_MAX);
        return -1;
    }
    double end_s = duration > 0 && duration < lg->profile.total_s ? duration : lg->profile.total_s;
    lg->start_ms = cfg->start_ms > 0 ? cfg->start_ms : cfg->clock->epoch_ms;
    lg->end_ms = lg->start_ms + (int64_t)(end_s * 1000.0);
    size_t n = (size_t)(lg->st.scheduled > 0 ? lg->st.scheduled : 1);
    lg->orders = calloc(n, sizeof(*lg->orders));
    lg->sched_pay = malloc(n * sizeof(*lg->sched_pay));
    if (lg->orders == NULL || lg->sched_pay == NULL) {
        snprintf(err, (size_t)err_len, "load: out of memory for %zu orders", n);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        lg->sched_pay[i] = NAN;
    for (int i = 0; i < sc->shop_count && i < SCENARIO_SHOPS_MAX; i++) {
        struct shop_instance inst;
        if (scenario_shop(sc, i, &inst) != 0) {
            snprintf(err, (size_t)err_len, "load: shop %d of the scenario is missing", i);
            return -1;
        }
        snprintf(lg->shop_names[i], sizeof(lg->shop_names[i]), "%s", inst.name);
    }
    return 0;
}

struct loadgen *loadgen_new(const struct loadgen_config *cfg, char *err, int err_len)
{
    assert(cfg != NULL && cfg->sc != NULL && cfg->base != NULL && cfg->clock != NULL);
    struct loadgen *lg = calloc(1, sizeof(*lg));
    if (lg == NULL) {
        snprintf(err, (size_t)err_len, "load: out of memory");
        return NULL;
    }
    lg->magic = LOADGEN_MAGIC;
    lg->sc = cfg->sc;
    lg->base = cfg->base;
    lg->clock = cfg->clock;
    if (cfg->sc->shop_count < 1 || cfg->sc->sku_count < 1) {
        snprintf(err, (size_t)err_len, "load: the scenario needs shops and a catalog");
        goto fail;
    }
    if (loadgen_urls(lg, cfg) != 0) {
        snprintf(err, (size_t)err_len, "load: platform URL too long");
        goto fail;
    }
    if (loadgen_tables(lg, cfg, err, err_len) != 0)
        goto fail;
    int conns = cfg->max_connections > 0 ? cfg->max_connections : LOAD_CONNECTIONS_DEFAULT;
    lg->http = http_client_new(cfg->base, conns);
    lg->tick = evtimer_new(cfg->base, tick_cb, lg);
    if (lg->http == NULL || lg->tick == NULL) {
        snprintf(err, (size_t)err_len, "load: cannot create the HTTP client or timer");
        goto fail;
    }
    return lg;
fail:
    loadgen_free(lg);
    return NULL;
}

void loadgen_free(struct loadgen *lg)
{
    if (lg == NULL)
        return;
    assert(lg->magic == LOADGEN_MAGIC);
    if (lg->tick != NULL)
        event_free(lg->tick);
    /* http_client_free cancels requests in flight without their callbacks: free their state. */
    http_client_free(lg->http);
    while (lg->outstanding != NULL) {
        struct lg_req *r = lg->outstanding;
        lg->outstanding = r->next;
        free(r);
    }
    free(lg->orders);
    free(lg->sched_pay);
    free(lg->heap);
    lg->magic = 0;
    free(lg);
}

int loadgen_start(struct loadgen *lg)
{
    struct timeval tv = {0, 0};
    return evtimer_add(lg->tick, &tv);
}

int loadgen_done(const struct loadgen *lg)
{
    if (lg->stopped)
        return lg->st.pending == 0;
    return lg->next_seq >= lg->st.scheduled && lg->heap_len == 0 && lg->st.pending == 0;
}

void loadgen_stop(struct loadgen *lg)
{
    lg->stopped = 1;
    evtimer_del(lg->tick);
}

void loadgen_get_stats(const struct loadgen *lg, struct loadgen_stats *out)
{
    *out = lg->st;
}

const double *loadgen_sched_pay(const struct loadgen *lg, int64_t *count)
{
    *count = lg->st.scheduled;
    return lg->sched_pay;
}

int64_t loadgen_end_ms(const struct loadgen *lg)
{
    return lg->end_ms;
}

int64_t loadgen_start_ms(const struct loadgen *lg)
{
    return lg->start_ms;
}
