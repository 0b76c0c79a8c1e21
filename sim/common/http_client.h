/* An asynchronous HTTP client: libcurl multi driven by one libevent event_base, in the manner of
 * curl's docs/examples/hiperfifo.c (CURLMOPT_SOCKETFUNCTION + CURLMOPT_TIMERFUNCTION +
 * curl_multi_socket_action). Connections are kept alive and reused; at most max_connections run at
 * once per client and further requests queue (bounded by HTTP_CLIENT_PENDING_MAX). Nothing blocks.
 * No proxy is used, whatever http_proxy / no_proxy say: the targets are a run's own processes on
 * 127.0.0.1 (and libcurl would read those variables on every transfer).
 *
 * The completion callback runs on the event loop exactly once per accepted request, with the
 * status (0 when no HTTP answer came: timeout, reset, refused; see error), the body and the wall
 * latency in us measured from the submit call. The response and its body are valid only during
 * the callback. */
#ifndef SHIPSIM_HTTP_CLIENT_H
#define SHIPSIM_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include "common/check.h"

struct event_base;
struct http_client;

enum http_error {
    HTTPC_OK = 0,        /* an HTTP answer came (any status) */
    HTTPC_ERR_TIMEOUT,   /* no answer within the timeout */
    HTTPC_ERR_CONNECT,   /* refused or unreachable */
    HTTPC_ERR_RESET,     /* connection closed or reset mid-exchange */
    HTTPC_ERR_TOO_LARGE, /* body over HTTP_BODY_BYTES_MAX */
    HTTPC_ERR_OTHER
};

struct http_response {
    long status; /* 0 when error != HTTPC_OK */
    enum http_error error;
    const char *body; /* NUL-terminated, may be "" */
    size_t body_len;
    int64_t latency_us;     /* submit to completion, wall clock */
    const char *error_text; /* curl's message, "" when none */
};

typedef void (*http_done_cb)(const struct http_response *resp, void *arg);

struct http_request {
    const char *method; /* "GET" or "POST" (default GET) */
    const char *url;
    const char *body; /* POST body, may be NULL */
    size_t body_len;
    const char *content_type; /* e.g. "application/json"; NULL: none */
    const char *headers[8];   /* extra "Name: value" lines, NULL-terminated */
    long timeout_ms;          /* 0: HTTP_TIMEOUT_MS_DEFAULT */
};

/* A client on base with at most max_connections open at once (1..HTTP_CLIENT_CONNECTIONS_MAX).
 * NULL on failure. */
struct http_client *http_client_new(struct event_base *base, int max_connections);
/* Cancel every request in flight (their callbacks do not run) and free. NULL is a no-op. */
void http_client_free(struct http_client *c);

/* Submit a request; the strings are copied. Returns 0, or -1 when the queue is full or the
 * request is invalid (the callback will not run). */
int http_client_send(struct http_client *c, const struct http_request *req, http_done_cb cb,
                     void *arg) WARN_UNUSED_RESULT;

/* Requests accepted and not yet completed (running + queued). */
size_t http_client_pending(const struct http_client *c);
const char *http_error_name(enum http_error e);

#endif
