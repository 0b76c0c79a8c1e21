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
        cmocka_unit_test_setup_teardown(test_rejects_bad_requests, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
