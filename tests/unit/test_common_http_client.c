/* http_client against a real evhttp server (http_server) on 127.0.0.1:0, one event loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_client.h"
#include "common/http_server.h"
#include "common/limits.h"

#define CONNS_SEEN_MAX 256

struct fixture {
    struct event_base *base;
    struct http_server *server;
    struct http_client *client;
    char url[128];
    int done;
    int expected;
    long statuses[64];
    enum http_error errors[64];
    char bodies[64][64];
    char error_texts[64][64];
    int resend_left; /* chain_cb sends the next request while this is > 0 */
    const struct http_request *resend;
    struct evhttp_connection *conns[CONNS_SEEN_MAX];
    int conn_count;
    int concurrent;
    int concurrent_max;
    struct evhttp_request *held[64];
    int held_count;
};

static void note_conn(struct fixture *f, struct evhttp_request *req)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    for (int i = 0; i < f->conn_count; i++)
        if (f->conns[i] == conn)
            return;
    if (f->conn_count < CONNS_SEEN_MAX)
        f->conns[f->conn_count++] = conn;
}

static void release_cb(evutil_socket_t fd, short what, void *arg)
{
    struct fixture *f = arg;
    (void)fd;
    (void)what;
    for (int i = 0; i < f->held_count; i++) {
        http_reply_text(f->held[i], 200, "late");
        f->concurrent--;
    }
    f->held_count = 0;
}

static void handler(struct evhttp_request *req, void *arg)
{
    struct fixture *f = arg;
    char path[128];
    http_req_path(req, path, sizeof(path));
    note_conn(f, req);
    if (strcmp(path, "/echo") == 0) {
        size_t len = 0;
        char *body = http_req_body(req, &len);
        http_reply(req, 200, "text/plain", body, len);
        free(body);
    } else if (strcmp(path, "/never") == 0) {
        f->held[f->held_count++] = req; /* answered at teardown */
    } else if (strcmp(path, "/slow") == 0) {
        f->concurrent++;
        if (f->concurrent > f->concurrent_max)
            f->concurrent_max = f->concurrent;
        f->held[f->held_count++] = req;
        struct timeval tv = {0, 20000};
        event_base_once(f->base, -1, EV_TIMEOUT, release_cb, f, &tv);
    } else if (strcmp(path, "/show") == 0) {
        /* what arrived: method, content type, X-Test header, body */
        static const char *const names[] = {"?", "GET", "POST", "HEAD", "PUT", "DELETE"};
        enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
        const char *method = cmd == EVHTTP_REQ_GET      ? names[1]
                             : cmd == EVHTTP_REQ_POST   ? names[2]
                             : cmd == EVHTTP_REQ_HEAD   ? names[3]
                             : cmd == EVHTTP_REQ_PUT    ? names[4]
                             : cmd == EVHTTP_REQ_DELETE ? names[5]
                                                        : names[0];
        struct evkeyvalq *in = evhttp_request_get_input_headers(req);
        const char *ct = evhttp_find_header(in, "Content-Type");
        const char *xt = evhttp_find_header(in, "X-Test");
        size_t len = 0;
        char *body = http_req_body(req, &len);
        char text[256];
        snprintf(text, sizeof(text), "%s|%s|%s|%s", method, ct != NULL ? ct : "-",
                 xt != NULL ? xt : "-", body != NULL ? body : "");
        free(body);
        http_reply_text(req, 200, text);
    } else if (strcmp(path, "/empty") == 0) {
        http_reply(req, 200, "text/plain", "", 0);
    } else if (strcmp(path, "/big") == 0) {
        size_t n = HTTP_BODY_BYTES_MAX + 10;
        char *big = malloc(n);
        memset(big, 'x', n);
        http_reply(req, 200, "text/plain", big, n);
        free(big);
    } else {
        http_reply_json(req, 404, "{\"error\":\"not_found\"}");
    }
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256];
    f->base = event_base_new();
    f->server = http_server_new(f->base, "127.0.0.1", 0, err, sizeof(err));
    assert_non_null(f->server);
    evhttp_set_gencb(http_server_evhttp(f->server), handler, f);
    f->client = http_client_new(f->base, 4);
    assert_non_null(f->client);
    snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", http_server_port(f->server));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    http_client_free(f->client);
    for (int i = 0; i < f->held_count; i++)
        evhttp_send_error(f->held[i], 500, NULL);
    http_server_free(f->server);
    event_base_free(f->base);
    free(f);
    return 0;
}

static void done_cb(const struct http_response *resp, void *arg)
{
    struct fixture *f = arg;
    int i = f->done++;
    assert_true(i < 64);
    f->statuses[i] = resp->status;
    f->errors[i] = resp->error;
    snprintf(f->bodies[i], sizeof(f->bodies[i]), "%s", resp->body);
    snprintf(f->error_texts[i], sizeof(f->error_texts[i]), "%s", resp->error_text);
    assert_int_equal(strlen(resp->body), resp->body_len);
    assert_true(resp->latency_us >= 0);
    if (f->done == f->expected)
        event_base_loopexit(f->base, NULL);
}

static void run_until_done(struct fixture *f, int expected)
{
    f->expected = expected;
    struct timeval limit = {10, 0};
    event_base_loopexit(f->base, &limit); /* a broken client must not hang the test */
    event_base_dispatch(f->base);
    assert_int_equal(f->done, expected);
}

static void test_get_and_post(void **state)
{
    struct fixture *f = *state;
    char url[160];
    snprintf(url, sizeof(url), "%s/echo", f->url);
    struct http_request post = {
        .method = "POST", .url = url, .body = "hello", .body_len = 5, .content_type = "text/plain"};
    assert_int_equal(http_client_send(f->client, &post, done_cb, f), 0);
    snprintf(url, sizeof(url), "%s/missing", f->url);
    struct http_request get = {.url = url};
    assert_int_equal(http_client_send(f->client, &get, done_cb, f), 0);
    run_until_done(f, 2);
    int echo = strcmp(f->bodies[0], "hello") == 0 ? 0 : 1;
    assert_int_equal(f->statuses[echo], 200);
    assert_string_equal(f->bodies[echo], "hello");
    assert_int_equal(f->statuses[1 - echo], 404);
    assert_int_equal(f->errors[1 - echo], HTTPC_OK);
}

static void test_keepalive_reuses_connections(void **state)
{
    struct fixture *f = *state;
    char url[160];
    snprintf(url, sizeof(url), "%s/echo", f->url);
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 4; i++) {
            struct http_request req = {.method = "POST", .url = url, .body = "x", .body_len = 1};
            assert_int_equal(http_client_send(f->client, &req, done_cb, f), 0);
        }
        run_until_done(f, 4 * (round + 1));
    }
    /* 20 requests over at most 4 connections, not 20 */
    assert_true(f->conn_count >= 1);
    assert_true(f->conn_count <= 4);
}

static void test_concurrency_is_bounded(void **state)
{
    struct fixture *f = *state;
    char url[160];
    snprintf(url, sizeof(url), "%s/slow", f->url);
    for (int i = 0; i < 12; i++) {
        struct http_request req = {.url = url};
        assert_int_equal(http_client_send(f->client, &req, done_cb, f), 0);
    }
    assert_int_equal(http_client_pending(f->client), 12);
    run_until_done(f, 12);
    assert_true(f->concurrent_max <= 4);
    assert_int_equal(http_client_pending(f->client), 0);
    for (int i = 0; i < 12; i++)
        assert_int_equal(f->statuses[i], 200);
}

static void test_timeout_refused_and_too_large(void **state)
{
    struct fixture *f = *state;
    char url[160];
    snprintf(url, sizeof(url), "%s/never", f->url);
    struct http_request slow = {.url = url, .timeout_ms = 200};
    assert_int_equal(http_client_send(f->client, &slow, done_cb, f), 0);
    run_until_done(f, 1);
    assert_int_equal(f->errors[0], HTTPC_ERR_TIMEOUT);
    assert_int_equal(f->statuses[0], 0);

    struct http_request refused = {.url = "http://127.0.0.1:1/x", .timeout_ms = 2000};
    assert_int_equal(http_client_send(f->client, &refused, done_cb, f), 0);
    run_until_done(f, 2);
    assert_int_equal(f->errors[1], HTTPC_ERR_CONNECT);

    snprintf(url, sizeof(url), "%s/big", f->url);
    struct http_request big = {.url = url};
    assert_int_equal(http_client_send(f->client, &big, done_cb, f), 0);
    run_until_done(f, 3);
    assert_int_equal(f->errors[2], HTTPC_ERR_TOO_LARGE);
}

/* One connection, so every request below runs on the same reused easy handle: nothing of one
 * request (method, body, headers, answer, error) may leak into the next. */
static void test_reused_handle_carries_nothing_over(void **state)
{
    struct fixture *f = *state;
    http_client_free(f->client);
    f->client = http_client_new(f->base, 1);
    assert_non_null(f->client);
    char show[160], empty[160], never[160], bad[] = "http://[::1/x";
    snprintf(show, sizeof(show), "%s/show", f->url);
    snprintf(empty, sizeof(empty), "%s/empty", f->url);
    snprintf(never, sizeof(never), "%s/never", f->url);
    struct http_request reqs[] = {
        {.method = "POST",
         .url = show,
         .body = "one",
         .body_len = 3,
         .content_type = "text/a",
         .headers = {"X-Test: 1"}},
        {.method = "GET", .url = show},
        {.method = "PUT", .url = show, .body = "three", .body_len = 5},
        {.method = "POST",
         .url = show,
         .body = "four!",
         .body_len = 4,
         .content_type = "text/a",
         .headers = {"X-Test: 1"}},
        {.url = empty},
        {.url = never, .timeout_ms = 200},
        {.url = "http://127.0.0.1:1/refused", .timeout_ms = 2000},
        {.url = bad},
        {.method = "DELETE", .url = show, .headers = {"X-Test: 9"}},
        {.url = show, .headers = {"X-Test: 10"}},
    };
    for (size_t i = 0; i < ARRAY_LEN(reqs); i++)
        assert_int_equal(http_client_send(f->client, &reqs[i], done_cb, f), 0);
    assert_int_equal(http_client_pending(f->client), ARRAY_LEN(reqs));
    run_until_done(f, (int)ARRAY_LEN(reqs));
    /* one connection: the FIFO keeps the order */
    assert_string_equal(f->bodies[0], "POST|text/a|1|one");
    assert_string_equal(f->bodies[1], "GET|-|-|");
    assert_string_equal(f->bodies[2], "PUT|application/x-www-form-urlencoded|-|three");
    assert_string_equal(f->bodies[3], "POST|text/a|1|four");
    assert_int_equal(f->statuses[4], 200);
    assert_string_equal(f->bodies[4], "");
    assert_string_equal(f->error_texts[4], "");
    assert_int_equal(f->errors[5], HTTPC_ERR_TIMEOUT);
    assert_true(f->error_texts[5][0] != '\0');
    assert_int_equal(f->errors[6], HTTPC_ERR_CONNECT);
    assert_int_equal(f->errors[7], HTTPC_ERR_OTHER); /* libcurl rejects the URL, as before */
    assert_string_equal(f->bodies[8], "DELETE|application/x-www-form-urlencoded|9|");
    assert_int_equal(f->errors[9], HTTPC_OK);
    assert_string_equal(f->error_texts[9], "");
    assert_string_equal(f->bodies[9], "GET|-|10|");
}

static void chain_cb(const struct http_response *resp, void *arg)
{
    struct fixture *f = arg;
    done_cb(resp, arg);
    if (f->resend_left > 0) {
        f->resend_left--;
        assert_int_equal(http_client_send(f->client, f->resend, chain_cb, f), 0);
    }
}

/* The load generator's pattern: each answer's callback sends the next request while the answer
 * is still being read; answers must stay intact. */
static void test_send_from_callback(void **state)
{
    struct fixture *f = *state;
    char url[160];
    snprintf(url, sizeof(url), "%s/echo", f->url);
    struct http_request req = {.method = "POST", .url = url, .body = "again", .body_len = 5};
    f->resend = &req;
    f->resend_left = 40;
    for (int i = 0; i < 4; i++)
        assert_int_equal(http_client_send(f->client, &req, chain_cb, f), 0);
    run_until_done(f, 44);
    for (int i = 0; i < 44; i++) {
        assert_int_equal(f->statuses[i], 200);
        assert_string_equal(f->bodies[i], "again");
    }
    assert_int_equal(http_client_pending(f->client), 0);
}

/* Free with requests running and queued: no callback runs, nothing leaks (ASan). */
static void test_free_with_requests_in_flight(void **state)
{
    struct fixture *f = *state;
    char url[160];
    snprintf(url, sizeof(url), "%s/never", f->url);
    for (int i = 0; i < 7; i++) {
        struct http_request req = {.method = "POST", .url = url, .body = "b", .body_len = 1};
        assert_int_equal(http_client_send(f->client, &req, done_cb, f), 0);
    }
    struct timeval tv = {0, 100000};
    event_base_loopexit(f->base, &tv);
    event_base_dispatch(f->base);
    assert_int_equal(http_client_pending(f->client), 7);
    http_client_free(f->client);
    f->client = NULL;
    assert_int_equal(f->done, 0);
}

static void test_rejects_bad_requests(void **state)
{
    struct fixture *f = *state;
    struct http_request none = {.url = NULL};
    assert_int_equal(http_client_send(f->client, &none, done_cb, f), -1);
    assert_null(http_client_new(f->base, 0));
    assert_null(http_client_new(f->base, HTTP_CLIENT_CONNECTIONS_MAX + 1));
    assert_string_equal(http_error_name(HTTPC_ERR_RESET), "reset");
    http_client_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_and_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keepalive_reuses_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrency_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_refused_and_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reused_handle_carries_nothing_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_from_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_with_requests_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejects_bad_requests, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
