/* The heap scheduler: see sched.h. The timer is re-armed to the heap's minimum after every
 * change that lowers it and after every run, in wall ms through the sim clock. */
#include "carrier/sched.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#define SCHED_CAP_INITIAL 1024

struct sched {
    struct event_base *base;
    const struct simclock *clock;
    struct event *timer;
    struct sched_job *heap;
    size_t n, cap;
    int64_t armed_ms; /* due time the timer is set for, INT64_MAX when idle */
    sched_run_cb cb;
    void *arg;
};

static int earlier(const struct sched_job *a, const struct sched_job *b)
{
    return a->due_ms < b->due_ms;
}

static void sift_up(struct sched *s, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!earlier(&s->heap[i], &s->heap[parent]))
            break;
        struct sched_job t = s->heap[i];
        s->heap[i] = s->heap[parent];
        s->heap[parent] = t;
        i = parent;
    }
}

static void sift_down(struct sched *s, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->n && earlier(&s->heap[l], &s->heap[m]))
            m = l;
        if (r < s->n && earlier(&s->heap[r], &s->heap[m]))
            m = r;
        if (m == i)
            return;
        struct sched_job t = s->heap[i];
        s->heap[i] = s->heap[m];
        s->heap[m] = t;
        i = m;
    }
}

static void arm(struct sched *s)
{
    if (s->timer == NULL)
        return;
    if (s->n == 0) {
        evtimer_del(s->timer);
        s->armed_ms = INT64_MAX;
        return;
    }
    int64_t due = s->heap[0].due_ms;
    int64_t wall_ms = simclock_wall_ms_until(s->clock, due);
    struct timeval tv = {(time_t)(wall_ms / 1000), (suseconds_t)((wall_ms % 1000) * 1000)};
    evtimer_add(s->timer, &tv);
    s->armed_ms = due;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct sched *s = arg;
    s->armed_ms = INT64_MAX;
    sched_run_due(s, simclock_now_ms(s->clock));
    arm(s);
}

struct sched *sched_new(struct event_base *base, const struct simclock *clock, sched_run_cb cb,
                        void *arg)
{
    assert(clock != NULL && cb != NULL);
    struct sched *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->heap = malloc(SCHED_CAP_INITIAL * sizeof(*s->heap));
    if (base != NULL)
        s->timer = evtimer_new(base, on_timer, s);
    if (s->heap == NULL || (base != NULL && s->timer == NULL)) {
        sched_free(s);
        return NULL;
    }
    s->base = base;
    s->clock = clock;
    s->cap = SCHED_CAP_INITIAL;
    s->armed_ms = INT64_MAX;
    s->cb = cb;
    s->arg = arg;
    return s;
}

void sched_free(struct sched *s)
{
    if (s == NULL)
        return;
    if (s->timer != NULL)
        event_free(s->timer);
    free(s->heap);
    free(s);
}

int sched_add(struct sched *s, int64_t due_ms, uint32_t kind, uint32_t id, uint32_t gen)
{
    assert(s != NULL);
    if (s->n == s->cap) {
        if (s->cap * 2 > SCHED_JOBS_MAX)
            return -1;
        struct sched_job *h = realloc(s->heap, s->cap * 2 * sizeof(*h));
        if (h == NULL)
            return -1;
        s->heap = h;
        s->cap *= 2;
    }
    s->heap[s->n] = (struct sched_job){due_ms, kind, id, gen};
    sift_up(s, s->n++);
    if (due_ms < s->armed_ms)
        arm(s);
    return 0;
}

int sched_run_due(struct sched *s, int64_t now_ms)
{
    assert(s != NULL);
    int ran = 0;
    while (s->n > 0 && s->heap[0].due_ms <= now_ms && ran < SCHED_BATCH_MAX) {
        struct sched_job job = s->heap[0];
        s->heap[0] = s->heap[--s->n];
        sift_down(s, 0);
        s->cb(&job, s->arg); /* may add jobs */
        ran++;
    }
    return ran;
}

size_t sched_size(const struct sched *s)
{
    return s->n;
}

void sched_clear(struct sched *s)
{
    s->n = 0;
    arm(s);
}

int64_t sched_next_ms(const struct sched *s)
{
    return s->n > 0 ? s->heap[0].due_ms : INT64_MAX;
}
