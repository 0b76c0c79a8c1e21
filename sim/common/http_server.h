/* The evhttp scaffold every shipsim server shares (mockplat, mockcarrier, syncd):
 * bind (127.0.0.1 unless told otherwise; port 0 picks a free one), read the real port back,
 * print "listening on ADDR:PORT" as the first stdout line, size limits on headers and bodies,
 * timeouts, a read deadline per request, SIGTERM/SIGINT to stop the loop cleanly, and small reply
 * helpers. */
#ifndef SHIPSIM_HTTP_SERVER_H
#define SHIPSIM_HTTP_SERVER_H

#include <stddef.h>
#include "common/check.h"

struct event_base;
struct evhttp;
struct evhttp_request;
struct http_server;

/* The event base a server's process runs on: epoll's changelist, so evhttp and libcurl turning a
 * socket's write interest on and off within one loop turn cost one epoll_ctl, not four per request
 * (no shipsim server dup()s a socket, the changelist's one caveat). NULL on failure. */
struct event_base *http_server_base_new(void);
/* A server on base bound to addr:port. NULL with err filled ("port 8080 in use") on failure. */
struct http_server *http_server_new(struct event_base *base, const char *addr, int port, char *err,
                                    int err_len);
void http_server_free(struct http_server *s);
/* For evhttp options. Register the handler with http_server_set_handler, not evhttp_set_gencb:
 * the scaffold's dispatch is what ends a request's read deadline. */
struct evhttp *http_server_evhttp(struct http_server *s);
/* Serve every request, once read whole, with handler(req, arg); the reply may come later (a
 * timer). From then on each request must arrive whole within HTTP_REQUEST_READ_DEADLINE_MS of its
 * first byte, or its connection is closed (slowloris). Idle keep-alive time does not count. */
void http_server_set_handler(struct http_server *s,
                             void (*handler)(struct evhttp_request *req, void *arg), void *arg);
/* Tests only: a shorter read deadline than HTTP_REQUEST_READ_DEADLINE_MS. */
void http_server_set_read_deadline_ms(struct http_server *s, int ms);
/* Open connections the deadline watches: those reading a request or idle between requests (not
 * those whose request is with the handler). */
int http_server_watched(const struct http_server *s);
int http_server_port(const struct http_server *s);
/* Print "listening on ADDR:PORT\n" to stdout and flush. */
void http_server_announce(const struct http_server *s);
/* Stop base's loop on SIGTERM and SIGINT (events on base; freed with the server). */
int http_server_stop_on_signals(struct http_server *s);

/* Request helpers. The body is copied out NUL-terminated (at most HTTP_BODY_BYTES_MAX); returns
 * its length or -1 (too large). The returned pointer is malloc'd; caller frees. */
char *http_req_body(struct evhttp_request *req, size_t *len);
/* Path without query ("/api/v2/order/get_order_list"), copied into buf. */
void http_req_path(struct evhttp_request *req, char *buf, int buf_len);
/* A query parameter copied into buf; 0 when present, -1 when missing. */
int http_req_query(struct evhttp_request *req, const char *name, char *buf, int buf_len);
/* A request header, or NULL. */
const char *http_req_header(struct evhttp_request *req, const char *name);
/* 1 when the request carries header X-Sim-Token equal to token (constant-time compare). */
int http_req_token_ok(struct evhttp_request *req, const char *token);

/* Replies. reply_json sets Content-Type application/json. */
void http_reply(struct evhttp_request *req, int status, const char *content_type, const char *body,
                size_t len);
void http_reply_json(struct evhttp_request *req, int status, const char *json);
void http_reply_text(struct evhttp_request *req, int status, const char *text);

#endif
