/* http_server's read deadline against raw sockets: a server on 127.0.0.1:0 runs its event loop in
 * a thread with a short deadline (DEADLINE_MS); the test thread is the client. Slow headers and
 * slow bodies are cut off, a reply deferred past the deadline is not, keep-alive connections start
 * a new deadline per request (idle time does not count), pipelined requests are served, and
 * clients that leave at any point leave no watch behind (ASan: no use after free). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/http_server.h"
#include "common/limits.h"

#define DEADLINE_MS 400
#define DRIBBLE_MS 50       /* one byte per DRIBBLE_MS: evhttp's own read timeout never fires */
#define CUT_LATE_MS 1500    /* a cut may come this late (sanitizers, a busy 2-core box) */
#define ANSWER_WAIT_MS 5000 /* a normal request is answered by then */
#define TICK_MS 10          /* the server loop looks at the stop flag this often */

struct fixture {
    struct event_base *base;
    struct http_server *srv;
    struct event *tick;
    pthread_t thread;
    atomic_int stop;
    int port;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the server (its own thread) ------------------------------------------------------------ */

static void hold_fire(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    http_reply_text(arg, 200, "late"); /* frees a request whose client left (detached) */
}

static void handler(struct evhttp_request *req, void *arg)
{
    struct fixture *f = arg;
    char path[64], ms[16];
    http_req_path(req, path, sizeof(path));
    if (strcmp(path, "/hold") == 0 && http_req_query(req, "ms", ms, sizeof(ms)) == 0) {
        int n = (int)strtol(ms, NULL, 10);
        struct timeval tv = {n / 1000, (n % 1000) * 1000};
        if (event_base_once(f->base, -1, EV_TIMEOUT, hold_fire, req, &tv) != 0)
            http_reply_text(req, 500, "no timer"); /* (no cmocka asserts off the test thread) */
        return;
    }
    http_reply_text(req, 200, "ok");
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
}

static void *serve(void *arg)
{
    struct fixture *f = arg;
    while (!atomic_load(&f->stop))
        event_base_loop(f->base, EVLOOP_ONCE);
    return NULL;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    char err[256];
    f->base = event_base_new();
    assert_non_null(f->base);
    f->srv = http_server_new(f->base, "127.0.0.1", 0, err, sizeof(err));
    assert_non_null(f->srv);
    http_server_set_handler(f->srv, handler, f);
    http_server_set_read_deadline_ms(f->srv, DEADLINE_MS);
    f->port = http_server_port(f->srv);
    f->tick = event_new(f->base, -1, EV_PERSIST, tick_cb, NULL);
    struct timeval tv = {0, TICK_MS * 1000};
    assert_int_equal(event_add(f->tick, &tv), 0);
    assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
    *state = f;
    return 0;
}

static void stop_server(struct fixture *f)
{
    if (atomic_exchange(&f->stop, 1) == 0)
        pthread_join(f->thread, NULL);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    stop_server(f);
    http_server_free(f->srv);
    event_free(f->tick);
    event_base_free(f->base);
    free(f);
    return 0;
}

/* ---- the client (the test thread) ----------------------------------------------------------- */

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static void send_text(int fd, const char *text)
{
    size_t len = strlen(text);
    assert_int_equal(send(fd, text, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* A client connection with what it has read and not consumed yet. */
struct client {
    int fd;
    char buf[8192];
    size_t have;
};

static void client_open(struct client *c, int port)
{
    c->fd = tcp_connect(port);
    c->have = 0;
}

/* The next whole response: its status, 0 when the server closed first, -1 on timeout. */
static int read_response(struct client *c, int wait_ms)
{
    int64_t end = now_ms() + wait_ms;
    for (;;) {
        c->buf[c->have] = '\0';
        char *head_end = strstr(c->buf, "\r\n\r\n");
        if (head_end != NULL) {
            const char *cl = strstr(c->buf, "Content-Length: ");
            size_t body = cl != NULL && cl < head_end ? strtoul(cl + 16, NULL, 10) : 0;
            size_t whole = (size_t)(head_end + 4 - c->buf) + body;
            if (c->have >= whole) {
                int status = (int)strtol(c->buf + 9, NULL, 10);
                memmove(c->buf, c->buf + whole, c->have - whole);
                c->have -= whole;
                return status;
            }
        }
        int64_t left = end - now_ms();
        if (left <= 0)
            return -1;
        struct pollfd pfd = {c->fd, POLLIN, 0};
        if (poll(&pfd, 1, (int)left) <= 0)
            continue;
        assert_true(c->have < sizeof(c->buf) - 1);
        ssize_t n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - 1 - c->have, 0);
        if (n <= 0)
            return 0;
        c->have += (size_t)n;
    }
}

static int request(struct client *c, const char *path)
{
    char req[256];
    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
    send_text(c->fd, req);
    return read_response(c, ANSWER_WAIT_MS);
}

/* Send start, then one byte of filler per DRIBBLE_MS until the server hangs up. Returns the ms
 * from the first byte to the hang-up, -1 when it never came. */
static int64_t dribble_until_cut(int fd, int64_t t0, const char *start, const char *filler)
{
    if (start != NULL)
        send_text(fd, start);
    while (now_ms() - t0 < DEADLINE_MS + CUT_LATE_MS) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, DRIBBLE_MS) > 0) {
            char c;
            assert_true(recv(fd, &c, 1, 0) <= 0); /* a close, not an answer */
            return now_ms() - t0;
        }
        if (send(fd, filler, 1, MSG_NOSIGNAL) != 1)
            return now_ms() - t0; /* reset */
    }
    return -1;
}

static int fresh_request(struct fixture *f, const char *path)
{
    struct client c;
    client_open(&c, f->port);
    int status = request(&c, path);
    close(c.fd);
    return status;
}

static void assert_cut_in_time(int64_t took)
{
    fprintf(stderr, "   cut after %lld ms (deadline %d ms)\n", (long long)took, DEADLINE_MS);
    assert_true(took >= DEADLINE_MS - DRIBBLE_MS);
    assert_true(took <= DEADLINE_MS + CUT_LATE_MS);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void slow_headers_are_cut(void **state)
{
    struct fixture *f = *state;
    int fd = tcp_connect(f->port);
    int64_t t0 = now_ms();
    assert_cut_in_time(
        dribble_until_cut(fd, t0, "GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", "a"));
    close(fd);
    assert_int_equal(fresh_request(f, "/ok"), 200);
}

static void slow_body_is_cut(void **state)
{
    struct fixture *f = *state;
    int fd = tcp_connect(f->port);
    int64_t t0 = now_ms();
    assert_cut_in_time(dribble_until_cut(
        fd, t0, "POST /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n", " "));
    close(fd);
    assert_int_equal(fresh_request(f, "/ok"), 200);
}

/* A request line alone, byte by byte from the first one. */
static void slow_request_line_is_cut(void **state)
{
    struct fixture *f = *state;
    int fd = tcp_connect(f->port);
    int64_t t0 = now_ms();
    assert_cut_in_time(dribble_until_cut(fd, t0, NULL, "G"));
    close(fd);
}

/* Read whole, answered 2.5 deadlines later (mockplat's latency faults): not cut. */
static void deferred_reply_is_not_cut(void **state)
{
    struct fixture *f = *state;
    int64_t t0 = now_ms();
    assert_int_equal(fresh_request(f, "/hold?ms=1000"), 200);
    assert_true(now_ms() - t0 >= 1000 - TICK_MS); /* (libevent's clock rounds) */
    struct client c;
    client_open(&c, f->port);
    send_text(c.fd,
              "POST /hold?ms=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}");
    assert_int_equal(read_response(&c, ANSWER_WAIT_MS), 200);
    close(c.fd);
}

/* One connection: idle time between requests does not count, a deferred reply ends with a fresh
 * deadline for the next request, and a slow request after all that is still cut. */
static void keep_alive_starts_a_deadline_per_request(void **state)
{
    struct fixture *f = *state;
    struct client c;
    client_open(&c, f->port);
    assert_int_equal(request(&c, "/ok"), 200);
    sleep_ms(2 * DEADLINE_MS); /* idle, well under evhttp's HTTP_SERVER_TIMEOUT_S */
    assert_int_equal(request(&c, "/ok"), 200);
    assert_int_equal(request(&c, "/hold?ms=600"), 200);
    assert_int_equal(request(&c, "/ok"), 200);
    for (int i = 0; i < 50; i++)
        assert_int_equal(request(&c, "/ok"), 200);
    sleep_ms(DEADLINE_MS / 2);
    int64_t t0 = now_ms();
    assert_cut_in_time(dribble_until_cut(c.fd, t0, "GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n", "b"));
    close(c.fd);
}

/* Two requests in one write: the second is already in when the first is answered. */
static void pipelined_requests_are_served(void **state)
{
    struct fixture *f = *state;
    struct client c;
    client_open(&c, f->port);
    send_text(c.fd, "GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    "GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assert_int_equal(read_response(&c, ANSWER_WAIT_MS), 200);
    assert_int_equal(read_response(&c, ANSWER_WAIT_MS), 200);
    sleep_ms(DEADLINE_MS + 200); /* idle after both: still open, still served */
    assert_int_equal(request(&c, "/ok"), 200);
    close(c.fd);
}

/* Connections the server closes (a reply with Connection: close, a 413, a cut) leave nothing on
 * their file descriptors: the next connections, which get the same numbers, are served at once. */
static void closed_connections_do_not_haunt_their_fds(void **state)
{
    struct fixture *f = *state;
    char big[256];
    snprintf(big, sizeof(big), "POST /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n",
             HTTP_BODY_BYTES_MAX + 1);
    for (int i = 0; i < 20; i++) {
        struct client c;
        client_open(&c, f->port);
        send_text(c.fd, i % 2 == 0
                            ? "GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                            : big);
        assert_true(read_response(&c, ANSWER_WAIT_MS) > 0);
        assert_int_equal(read_response(&c, ANSWER_WAIT_MS), 0); /* then the server closes */
        close(c.fd);
        assert_int_equal(fresh_request(f, "/ok"), 200);
    }
    int fd = tcp_connect(f->port);
    assert_cut_in_time(dribble_until_cut(fd, now_ms(), "GET /ok HTTP/1.1\r\n", "c"));
    close(fd);
    int64_t t0 = now_ms();
    assert_int_equal(fresh_request(f, "/ok"), 200);
    assert_true(now_ms() - t0 < DEADLINE_MS);
}

/* Clients leaving at every stage; then every watch is let go within a deadline or two. */
static void clients_that_leave_leave_nothing(void **state)
{
    struct fixture *f = *state;
    static const char *const sends[] = {
        NULL,                                                   /* nothing sent */
        "GET /ok HTT",                                          /* half a request line */
        "GET /hold?ms=600 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", /* gone while held */
        "POST /hold?ms=600 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}",
        "POST /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nabc", /* half a body */
    };
    struct client c[ARRAY_LEN(sends) + 1];
    for (size_t i = 0; i < ARRAY_LEN(sends); i++) {
        client_open(&c[i], f->port);
        if (sends[i] != NULL)
            send_text(c[i].fd, sends[i]);
    }
    client_open(&c[ARRAY_LEN(sends)], f->port);
    assert_int_equal(request(&c[ARRAY_LEN(sends)], "/ok"), 200); /* then idle keep-alive */
    sleep_ms(100);
    for (size_t i = 0; i < ARRAY_LEN(c); i++)
        close(c[i].fd);
    sleep_ms(2 * DEADLINE_MS + 600); /* the holds answer their gone clients; polls run */
    assert_int_equal(fresh_request(f, "/ok"), 200);
    sleep_ms(2 * DEADLINE_MS + 200);
    stop_server(f);
    assert_int_equal(http_server_watched(f->srv), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(slow_headers_are_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(slow_body_is_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(slow_request_line_is_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(deferred_reply_is_not_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(keep_alive_starts_a_deadline_per_request, setup, teardown),
        cmocka_unit_test_setup_teardown(pipelined_requests_are_served, setup, teardown),
        cmocka_unit_test_setup_teardown(closed_connections_do_not_haunt_their_fds, setup, teardown),
        cmocka_unit_test_setup_teardown(clients_that_leave_leave_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
