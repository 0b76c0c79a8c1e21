/* The evhttp scaffold: see http_server.h. */
#include "common/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <sys/queue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/limits.h"
#include "common/log.h"

/* The read deadline. libevent 2.1's read timeout restarts on every byte and 2.1 has no new-request
 * hook, so the scaffold follows each connection while it reads a request: evhttp_set_bevcb hands
 * over a new connection's bufferevent, an input callback sees a request's first byte (that starts
 * the deadline), the dispatch to the handler sees the request read whole (the watch ends), and the
 * request's on-complete callback sees the reply sent (a new watch for the next request on the
 * connection). The watch owns the connection's close callback only between those points, when no
 * handler has seen the connection (mockplat uses it while it holds a request): that is how it
 * learns of the connection's end, and why it never outlives it. */
struct conn_watch {
    struct http_server *s;
    struct evhttp_connection *conn; /* NULL until adopted, just after evhttp made it */
    struct bufferevent *bev;
    struct evbuffer_cb_entry *input_cb;
    struct event *timer; /* adopts the connection, then runs the deadline */
    int reading;         /* a request's first byte is in: the deadline runs */
    struct conn_watch *prev, *next;
};

struct http_server {
    struct event_base *base;
    struct evhttp *http;
    struct event *sig_term;
    struct event *sig_int;
    char addr[64];
    int port;
    void (*handler)(struct evhttp_request *req, void *arg);
    void *handler_arg;
    struct timeval deadline; /* a common timeout of base: every connection adds the same one */
    int deadline_ms;
    struct conn_watch *watches;
    int watched;
};

static void stop_cb(evutil_socket_t sig, short what, void *arg)
{
    struct http_server *s = arg;
    (void)sig;
    (void)what;
    event_base_loopexit(s->base, NULL);
}

/* ---- the read deadline ---------------------------------------------------------------------- */

static void watch_fire(evutil_socket_t fd, short what, void *arg);
static void watch_input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg);

static struct conn_watch *watch_new(struct http_server *s, struct bufferevent *bev)
{
    struct conn_watch *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->s = s;
    w->bev = bev;
    w->timer = evtimer_new(s->base, watch_fire, w);
    w->input_cb = evbuffer_add_cb(bufferevent_get_input(bev), watch_input_cb, w);
    if (w->timer == NULL || w->input_cb == NULL) {
        if (w->input_cb != NULL)
            evbuffer_remove_cb_entry(bufferevent_get_input(bev), w->input_cb);
        if (w->timer != NULL)
            event_free(w->timer);
        free(w);
        return NULL;
    }
    w->next = s->watches;
    if (s->watches != NULL)
        s->watches->prev = w;
    s->watches = w;
    s->watched++;
    return w;
}

/* Only while bev lives (the close callback runs before evhttp frees it). */
static void watch_free(struct conn_watch *w)
{
    struct http_server *s = w->s;
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        s->watches = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    s->watched--;
    assert(s->watched >= 0);
    if (w->conn != NULL)
        evhttp_connection_set_closecb(w->conn, NULL, NULL);
    evbuffer_remove_cb_entry(bufferevent_get_input(w->bev), w->input_cb);
    event_free(w->timer);
    free(w);
}

static void conn_closed_cb(struct evhttp_connection *conn, void *arg)
{
    struct conn_watch *w = arg;
    assert(w->conn == conn);
    watch_free(w);
}

static void watch_start(struct conn_watch *w)
{
    w->reading = 1;
    evtimer_add(w->timer, &w->s->deadline);
}

static void watch_input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct conn_watch *w = arg;
    (void)buf;
    if (!w->reading && info->n_added > 0) {
        if (w->conn != NULL)
            watch_start(w);
        else
            w->reading = 1; /* adoption starts the deadline */
    }
}

/* Just after evhttp made the connection around bev (evhttp_get_request runs the bevcb and then
 * sets bev's callbacks with the connection as their argument, all before any read on it). */
static void watch_adopt(struct conn_watch *w)
{
    bufferevent_event_cb eventcb = NULL;
    void *conn = NULL;
    bufferevent_getcb(w->bev, NULL, NULL, &eventcb, &conn);
    if (eventcb == NULL || conn == NULL) {
        watch_free(w); /* evhttp could not set the connection up and freed bev (pending) */
        return;
    }
    assert(evhttp_connection_get_bufferevent(conn) == w->bev);
    w->conn = conn;
    evhttp_connection_set_closecb(w->conn, conn_closed_cb, w);
    if (w->reading)
        watch_start(w);
}

static void watch_fire(evutil_socket_t fd, short what, void *arg)
{
    struct conn_watch *w = arg;
    (void)fd;
    (void)what;
    if (w->conn == NULL) {
        watch_adopt(w);
        return;
    }
    assert(w->reading);
    char *addr = NULL;
    ev_uint16_t port = 0;
    evhttp_connection_get_peer(w->conn, &addr, &port);
    log_info("http: closing the connection from %s:%d: request not read whole within %d ms",
             addr != NULL ? addr : "?", (int)port, w->s->deadline_ms);
    /* frees its request too (never handed to a handler) and runs conn_closed_cb: w goes */
    evhttp_connection_free(w->conn);
}

/* evhttp_set_bevcb: the bufferevent evhttp would make itself, watched. */
static struct bufferevent *conn_new_cb(struct event_base *base, void *arg)
{
    struct http_server *s = arg;
    struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
    if (bev == NULL)
        return NULL; /* evhttp tries itself; such a connection goes unwatched */
    struct conn_watch *w = watch_new(s, bev);
    if (w != NULL)
        event_active(w->timer, EV_TIMEOUT, 1); /* adopt the connection once evhttp made it */
    return bev;
}

static struct conn_watch *watch_of(struct http_server *s, struct evhttp_connection *conn)
{
    for (struct conn_watch *w = s->watches; w != NULL; w = w->next)
        if (w->conn == conn)
            return w;
    return NULL;
}

/* The reply is sent; evhttp reads the connection's next request (or frees it) right after. */
static void request_done_cb(struct evhttp_request *req, void *arg)
{
    struct http_server *s = arg;
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    if (conn == NULL)
        return;
    assert(watch_of(s, conn) == NULL);
    struct bufferevent *bev = evhttp_connection_get_bufferevent(conn);
    struct conn_watch *w = watch_new(s, bev);
    if (w == NULL)
        return; /* out of memory: this connection goes unwatched */
    w->conn = conn;
    evhttp_connection_set_closecb(conn, conn_closed_cb, w);
    if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
        watch_start(w); /* a pipelined request is in already */
}

static void dispatch_cb(struct evhttp_request *req, void *arg)
{
    struct http_server *s = arg;
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    struct conn_watch *w = conn != NULL ? watch_of(s, conn) : NULL;
    if (w != NULL)
        watch_free(w); /* read whole: the handler may answer when it likes, and owns closecb */
    evhttp_request_set_on_complete_cb(req, request_done_cb, s);
    s->handler(req, s->handler_arg);
}

void http_server_set_handler(struct http_server *s,
                             void (*handler)(struct evhttp_request *req, void *arg), void *arg)
{
    assert(s != NULL);
    assert(handler != NULL);
    s->handler = handler;
    s->handler_arg = arg;
    evhttp_set_gencb(s->http, dispatch_cb, s);
    evhttp_set_bevcb(s->http, conn_new_cb, s);
}

void http_server_set_read_deadline_ms(struct http_server *s, int ms)
{
    assert(s != NULL);
    assert(ms > 0);
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    const struct timeval *common = event_base_init_common_timeout(s->base, &tv);
    s->deadline = common != NULL ? *common : tv;
    s->deadline_ms = ms;
}

int http_server_watched(const struct http_server *s)
{
    assert(s != NULL);
    return s->watched;
}

/* ---- the server ----------------------------------------------------------------------------- */

struct event_base *http_server_base_new(void)
{
    struct event_config *cfg = event_config_new();
    if (cfg == NULL)
        return NULL;
    (void)event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    struct event_base *base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    return base;
}

struct http_server *http_server_new(struct event_base *base, const char *addr, int port, char *err,
                                    int err_len)
{
    assert(base != NULL);
    assert(addr != NULL);
    if (port < 0 || port > 65535) {
        snprintf(err, err_len, "port must be in 0..65535, got %d", port);
        return NULL;
    }
    /* a peer that vanishes mid-reply must not kill the process */
    signal(SIGPIPE, SIG_IGN);
    struct http_server *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    s->base = base;
    http_server_set_read_deadline_ms(s, HTTP_REQUEST_READ_DEADLINE_MS);
    s->http = evhttp_new(base);
    if (s->http == NULL) {
        snprintf(err, err_len, "evhttp_new failed");
        goto fail;
    }
    evhttp_set_max_body_size(s->http, HTTP_BODY_BYTES_MAX);
    evhttp_set_max_headers_size(s->http, HTTP_HEADERS_BYTES_MAX);
    evhttp_set_timeout(s->http, HTTP_SERVER_TIMEOUT_S);
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                            EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
    struct evhttp_bound_socket *bound = evhttp_bind_socket_with_handle(s->http, addr, port);
    if (bound == NULL) {
        int e = errno;
        snprintf(err, err_len, "cannot listen on %s:%d: %s%s", addr, port, strerror(e),
                 e == EADDRINUSE ? " (port in use: pick another or use --port 0)" : "");
        goto fail;
    }
    evutil_socket_t fd = evhttp_bound_socket_get_fd(bound);
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        snprintf(err, err_len, "getsockname: %s", strerror(errno));
        goto fail;
    }
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        s->port = ntohs(in->sin_port);
        inet_ntop(AF_INET, &in->sin_addr, s->addr, sizeof(s->addr));
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        s->port = ntohs(in6->sin6_port);
        inet_ntop(AF_INET6, &in6->sin6_addr, s->addr, sizeof(s->addr));
    }
    assert(s->port > 0);
    return s;
fail:
    http_server_free(s);
    return NULL;
}

void http_server_free(struct http_server *s)
{
    if (s == NULL)
        return;
    if (s->sig_term != NULL)
        event_free(s->sig_term);
    if (s->sig_int != NULL)
        event_free(s->sig_int);
    if (s->http != NULL)
        evhttp_free(s->http); /* frees every connection: their watches go with them */
    while (s->watches != NULL) {
        /* only ones not adopted yet: evhttp has freed bev, but finalizes it in a later loop */
        assert(s->watches->conn == NULL);
        watch_free(s->watches);
    }
    free(s);
}

struct evhttp *http_server_evhttp(struct http_server *s)
{
    assert(s != NULL);
    return s->http;
}

int http_server_port(const struct http_server *s)
{
    assert(s != NULL);
    return s->port;
}

void http_server_announce(const struct http_server *s)
{
    assert(s != NULL);
    printf("listening on %s:%d\n", s->addr, s->port);
    fflush(stdout);
}

int http_server_stop_on_signals(struct http_server *s)
{
    assert(s != NULL);
    assert(s->sig_term == NULL);
    s->sig_term = evsignal_new(s->base, SIGTERM, stop_cb, s);
    s->sig_int = evsignal_new(s->base, SIGINT, stop_cb, s);
    if (s->sig_term == NULL || s->sig_int == NULL)
        return -1;
    if (event_add(s->sig_term, NULL) != 0 || event_add(s->sig_int, NULL) != 0)
        return -1;
    return 0;
}

char *http_req_body(struct evhttp_request *req, size_t *len)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    if (n > HTTP_BODY_BYTES_MAX)
        return NULL;
    char *body = malloc(n + 1);
    if (body == NULL)
        return NULL;
    if (n > 0 && evbuffer_copyout(in, body, n) != (ev_ssize_t)n) {
        free(body);
        return NULL;
    }
    body[n] = '\0';
    if (len != NULL)
        *len = n;
    return body;
}

void http_req_path(struct evhttp_request *req, char *buf, int buf_len)
{
    assert(buf_len > 0);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    snprintf(buf, buf_len, "%s", path != NULL && path[0] != '\0' ? path : "/");
}

int http_req_query(struct evhttp_request *req, const char *name, char *buf, int buf_len)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
    if (query == NULL)
        return -1;
    struct evkeyvalq params;
    TAILQ_INIT(&params);
    if (evhttp_parse_query_str(query, &params) != 0) {
        evhttp_clear_headers(&params);
        return -1;
    }
    const char *v = evhttp_find_header(&params, name);
    int rc = -1;
    if (v != NULL) {
        snprintf(buf, buf_len, "%s", v);
        rc = 0;
    }
    evhttp_clear_headers(&params);
    return rc;
}

const char *http_req_header(struct evhttp_request *req, const char *name)
{
    return evhttp_find_header(evhttp_request_get_input_headers(req), name);
}

int http_req_token_ok(struct evhttp_request *req, const char *token)
{
    assert(token != NULL);
    const char *got = http_req_header(req, "X-Sim-Token");
    if (got == NULL)
        return 0;
    size_t a = strlen(got), b = strlen(token);
    /* constant time over the expected token's length */
    unsigned diff = (unsigned)(a ^ b);
    for (size_t i = 0; i < b; i++)
        diff |= (unsigned)(unsigned char)token[i] ^ (unsigned)(unsigned char)(i < a ? got[i] : 0);
    return diff == 0;
}

static const char *reason_of(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

void http_reply(struct evhttp_request *req, int status, const char *content_type, const char *body,
                size_t len)
{
    assert(status >= 100 && status <= 599);
    if (content_type != NULL)
        evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", content_type);
    /* straight into the request's own output buffer: no buffer made, moved and freed per reply */
    if (len > 0 && evbuffer_add(evhttp_request_get_output_buffer(req), body, len) != 0) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    evhttp_send_reply(req, status, reason_of(status), NULL);
}

void http_reply_json(struct evhttp_request *req, int status, const char *json)
{
    http_reply(req, status, "application/json", json, strlen(json));
}

void http_reply_text(struct evhttp_request *req, int status, const char *text)
{
    http_reply(req, status, "text/plain; charset=utf-8", text, strlen(text));
}
