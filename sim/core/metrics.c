/* Fixed-size counter tables; Prometheus text rendered on demand. */
#include "core/metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "core/order.h"

#define METRICS_TEXT_BYTES_MAX (256 * 1024)

struct endpoint_stat {
    char name[ENDPOINT_BYTES_MAX];
    int64_t calls, errors, latency_us_sum;
};

struct named {
    char name[64];
    int64_t value;
};

struct metrics {
    struct endpoint_stat eps[METRICS_ENDPOINTS_MAX];
    int ep_count;
    struct named names[METRICS_NAMES_MAX];
    int name_count;
};

struct metrics *metrics_new(void)
{
    return calloc(1, sizeof(struct metrics));
}

void metrics_free(struct metrics *m)
{
    free(m);
}

void metrics_call(struct metrics *m, const char *endpoint, int error, int64_t latency_us)
{
    struct endpoint_stat *e = NULL;
    for (int i = 0; i < m->ep_count && e == NULL; i++) {
        if (strcmp(m->eps[i].name, endpoint) == 0) {
            e = &m->eps[i];
        }
    }
    if (e == NULL) {
        if (m->ep_count >= METRICS_ENDPOINTS_MAX) {
            return; /* bounded: further endpoint names are not tracked */
        }
        e = &m->eps[m->ep_count++];
        snprintf(e->name, sizeof(e->name), "%s", endpoint);
    }
    e->calls++;
    e->errors += error != 0;
    e->latency_us_sum += latency_us;
}

static struct named *find_name(struct metrics *m, const char *name, int create)
{
    for (int i = 0; i < m->name_count; i++) {
        if (strcmp(m->names[i].name, name) == 0) {
            return &m->names[i];
        }
    }
    if (!create || m->name_count >= METRICS_NAMES_MAX) {
        return NULL;
    }
    struct named *n = &m->names[m->name_count++];
    snprintf(n->name, sizeof(n->name), "%s", name);
    return n;
}

void metrics_inc(struct metrics *m, const char *name)
{
    struct named *n = find_name(m, name, 1);
    if (n != NULL) {
        n->value++;
    }
}

int64_t metrics_get(const struct metrics *m, const char *name)
{
    struct named *n = find_name((struct metrics *)m, name, 0);
    return n != NULL ? n->value : 0;
}

struct text {
    char *buf;
    size_t len;
};

static void put(struct text *t, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void put(struct text *t, const char *fmt, ...)
{
    va_list ap;
    if (t->len >= METRICS_TEXT_BYTES_MAX) {
        return;
    }
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, METRICS_TEXT_BYTES_MAX - t->len, fmt, ap);
    va_end(ap);
    if (n > 0) {
        t->len += (size_t)n;
    }
    if (t->len >= METRICS_TEXT_BYTES_MAX) {
        t->len = METRICS_TEXT_BYTES_MAX - 1;
    }
}

static int evidence_line(const char *kind, int64_t n, void *arg)
{
    put(arg, "syncd_evidence_total{kind=\"%s\"} %lld\n", kind, (long long)n);
    return 0;
}

char *metrics_render(const struct metrics *m, struct store *s)
{
    struct text t = {malloc(METRICS_TEXT_BYTES_MAX), 0};
    int64_t counts[OS_COUNT];
    if (t.buf == NULL) {
        return NULL;
    }
    t.buf[0] = '\0';
    put(&t, "# TYPE syncd_orders gauge\n");
    if (store_order_counts(s, counts, OS_COUNT) == 0) {
        for (int i = 0; i < OS_COUNT; i++) {
            put(&t, "syncd_orders{state=\"%s\"} %lld\n", order_state_name(i), (long long)counts[i]);
        }
    }
    put(&t, "# TYPE syncd_outbox_depth gauge\nsyncd_outbox_depth %lld\n",
        (long long)store_jobs_pending(s));
    put(&t, "# TYPE syncd_calls_total counter\n# TYPE syncd_call_errors_total counter\n");
    for (int i = 0; i < m->ep_count; i++) {
        const struct endpoint_stat *e = &m->eps[i];
        put(&t, "syncd_calls_total{endpoint=\"%s\"} %lld\n", e->name, (long long)e->calls);
        put(&t, "syncd_call_errors_total{endpoint=\"%s\"} %lld\n", e->name, (long long)e->errors);
        put(&t, "syncd_call_latency_us_sum{endpoint=\"%s\"} %lld\n", e->name,
            (long long)e->latency_us_sum);
    }
    put(&t, "# TYPE syncd_events_total counter\n");
    for (int i = 0; i < m->name_count; i++) {
        put(&t, "syncd_events_total{name=\"%s\"} %lld\n", m->names[i].name,
            (long long)m->names[i].value);
    }
    put(&t, "# TYPE syncd_evidence_total counter\n");
    (void)store_evidence_counts(s, evidence_line, &t);
    return t.buf;
}
