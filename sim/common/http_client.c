/* libcurl multi on libevent: see http_client.h. The shape follows curl's hiperfifo.c: curl tells
 * us which sockets to watch (socket_cb) and when to wake it (timer_cb); libevent tells curl what
 * happened (event_cb, timeout_cb) through curl_multi_socket_action; finished transfers are reaped
 * in check_multi_info. Transfers beyond max_connections wait in our own bounded FIFO so a burst of
 * requests never opens a burst of connections. */
#include "common/http_client.h"

#include <curl/curl.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/simclock.h"

#define HTTP_CLIENT_MAGIC 0x48434c54u

struct http_call {
    struct http_client *client;
    struct http_call *next; /* FIFO link while queued, running list link once added */
    struct http_call *prev; /* running list only */
    CURL *easy;
    struct curl_slist *headers;
    char *url;
    char *body;
    size_t body_len;
    char *resp;
    size_t resp_len;
    size_t resp_cap;
    int too_large;
    int64_t start_ns;
    http_done_cb cb;
    void *arg;
    char error_text[CURL_ERROR_SIZE];
};

struct http_client {
    unsigned magic;
    struct event_base *base;
    CURLM *multi;
    struct event *timer;
    int max_connections;
    int running;   /* added to the multi handle */
    size_t queued; /* waiting in the FIFO */
    struct http_call *queue_head;
    struct http_call *queue_tail;
    struct http_call *running_head; /* added to the multi handle, for http_client_free */
};

struct sock_watch {
    struct event *ev;
    struct http_client *client;
};

static int curl_ready;

static void check_multi_info(struct http_client *c);
static void pump(struct http_client *c);

static void call_free(struct http_call *call)
{
    if (call == NULL)
        return;
    if (call->easy != NULL)
        curl_easy_cleanup(call->easy);
    curl_slist_free_all(call->headers);
    free(call->url);
    free(call->body);
    free(call->resp);
    free(call);
}

static void event_cb(evutil_socket_t fd, short what, void *arg)
{
    struct http_client *c = arg;
    int flags = 0;
    if (what & EV_READ)
        flags |= CURL_CSELECT_IN;
    if (what & EV_WRITE)
        flags |= CURL_CSELECT_OUT;
    int running = 0;
    curl_multi_socket_action(c->multi, fd, flags, &running);
    check_multi_info(c);
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    struct http_client *c = arg;
    (void)fd;
    (void)what;
    int running = 0;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_multi_info(c);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    struct http_client *c = userp;
    (void)multi;
    if (timeout_ms < 0) {
        evtimer_del(c->timer);
        return 0;
    }
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    evtimer_add(c->timer, &tv);
    return 0;
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct http_client *c = userp;
    struct sock_watch *w = socketp;
    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (w != NULL) {
            event_free(w->ev);
            free(w);
        }
        curl_multi_assign(c->multi, s, NULL);
        return 0;
    }
    short kind = EV_PERSIST;
    if (what & CURL_POLL_IN)
        kind |= EV_READ;
    if (what & CURL_POLL_OUT)
        kind |= EV_WRITE;
    if (w == NULL) {
        w = calloc(1, sizeof(*w));
        if (w == NULL)
            return -1;
        w->client = c;
        curl_multi_assign(c->multi, s, w);
    } else {
        event_free(w->ev);
    }
    w->ev = event_new(c->base, s, kind, event_cb, c);
    if (w->ev == NULL)
        return -1;
    event_add(w->ev, NULL);
    return 0;
}

static size_t write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
    struct http_call *call = userp;
    size_t n = size * nmemb;
    if (call->resp_len + n > HTTP_BODY_BYTES_MAX) {
        call->too_large = 1;
        return 0; /* makes curl fail the transfer with CURLE_WRITE_ERROR */
    }
    if (call->resp_len + n + 1 > call->resp_cap) {
        size_t cap = call->resp_cap ? call->resp_cap : 1024;
        while (cap < call->resp_len + n + 1)
            cap *= 2;
        char *p = realloc(call->resp, cap);
        if (p == NULL)
            return 0;
        call->resp = p;
        call->resp_cap = cap;
    }
    memcpy(call->resp + call->resp_len, data, n);
    call->resp_len += n;
    call->resp[call->resp_len] = '\0';
    return n;
}

static enum http_error error_of(CURLcode rc, const struct http_call *call)
{
    switch (rc) {
    case CURLE_OK: return HTTPC_OK;
    case CURLE_OPERATION_TIMEDOUT: return HTTPC_ERR_TIMEOUT;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST: return HTTPC_ERR_CONNECT;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE: return HTTPC_ERR_RESET;
    case CURLE_WRITE_ERROR: return call->too_large ? HTTPC_ERR_TOO_LARGE : HTTPC_ERR_OTHER;
    default: return HTTPC_ERR_OTHER;
    }
}

static void running_unlink(struct http_client *c, struct http_call *call)
{
    assert(c->running > 0);
    if (call->prev != NULL)
        call->prev->next = call->next;
    else
        c->running_head = call->next;
    if (call->next != NULL)
        call->next->prev = call->prev;
    call->next = call->prev = NULL;
    c->running--;
}

static void finish(struct http_client *c, struct http_call *call, CURLcode rc)
{
    struct http_response resp;
    memset(&resp, 0, sizeof(resp));
    resp.error = error_of(rc, call);
    if (resp.error == HTTPC_OK)
        curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &resp.status);
    resp.body = call->resp != NULL ? call->resp : "";
    resp.body_len = call->resp_len;
    resp.latency_us = (mono_now_ns() - call->start_ns) / 1000;
    resp.error_text = call->error_text;
    curl_multi_remove_handle(c->multi, call->easy);
    running_unlink(c, call);
    call->cb(&resp, call->arg);
    call_free(call);
}

static void check_multi_info(struct http_client *c)
{
    CURLMsg *msg;
    int left = 0;
    while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct http_call *call = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&call);
        assert(call != NULL);
        assert(call->client == c);
        finish(c, call, msg->data.result);
    }
    pump(c);
}

/* Move queued calls into the multi handle while there is room. */
static void pump(struct http_client *c)
{
    while (c->queue_head != NULL && c->running < c->max_connections) {
        struct http_call *call = c->queue_head;
        c->queue_head = call->next;
        if (c->queue_head == NULL)
            c->queue_tail = NULL;
        assert(c->queued > 0);
        c->queued--;
        call->next = NULL;
        if (curl_multi_add_handle(c->multi, call->easy) != CURLM_OK) {
            struct http_response resp = {.status = 0,
                                         .error = HTTPC_ERR_OTHER,
                                         .body = "",
                                         .error_text = "curl_multi_add_handle failed"};
            call->cb(&resp, call->arg);
            call_free(call);
            continue;
        }
        call->next = c->running_head;
        if (c->running_head != NULL)
            c->running_head->prev = call;
        c->running_head = call;
        c->running++;
    }
}

struct http_client *http_client_new(struct event_base *base, int max_connections)
{
    assert(base != NULL);
    if (max_connections < 1 || max_connections > HTTP_CLIENT_CONNECTIONS_MAX)
        return NULL;
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return NULL;
        curl_ready = 1;
    }
    struct http_client *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->magic = HTTP_CLIENT_MAGIC;
    c->base = base;
    c->max_connections = max_connections;
    c->multi = curl_multi_init();
    c->timer = evtimer_new(base, timeout_cb, c);
    if (c->multi == NULL || c->timer == NULL) {
        http_client_free(c);
        return NULL;
    }
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)max_connections);
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)max_connections);
    return c;
}

void http_client_free(struct http_client *c)
{
    if (c == NULL)
        return;
    assert(c->magic == HTTP_CLIENT_MAGIC);
    while (c->queue_head != NULL) {
        struct http_call *call = c->queue_head;
        c->queue_head = call->next;
        call_free(call);
    }
    if (c->multi != NULL) {
        /* remove every running transfer; their callbacks do not run */
        while (c->running_head != NULL) {
            struct http_call *call = c->running_head;
            curl_multi_remove_handle(c->multi, call->easy);
            running_unlink(c, call);
            call_free(call);
        }
        curl_multi_cleanup(c->multi);
    }
    if (c->timer != NULL)
        event_free(c->timer);
    c->magic = 0;
    free(c);
}

static char *dup_bytes(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static int call_setup(struct http_call *call, const struct http_request *req)
{
    CURL *e = call->easy;
    int is_post = req->method != NULL && strcmp(req->method, "GET") != 0;
    curl_easy_setopt(e, CURLOPT_URL, call->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, call);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, call);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->error_text);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                     req->timeout_ms > 0 ? req->timeout_ms : (long)HTTP_TIMEOUT_MS_DEFAULT);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (is_post) {
        if (strcmp(req->method, "POST") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, call->body != NULL ? call->body : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)call->body_len);
    }
    /* no "Expect: 100-continue" round trip on larger bodies */
    call->headers = curl_slist_append(call->headers, "Expect:");
    if (req->content_type != NULL) {
        char line[128];
        snprintf(line, sizeof(line), "Content-Type: %s", req->content_type);
        call->headers = curl_slist_append(call->headers, line);
    }
    for (int i = 0; i < (int)ARRAY_LEN(req->headers) && req->headers[i] != NULL; i++)
        call->headers = curl_slist_append(call->headers, req->headers[i]);
    if (call->headers == NULL)
        return -1;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->headers);
    return 0;
}

int http_client_send(struct http_client *c, const struct http_request *req, http_done_cb cb,
                     void *arg)
{
    assert(c != NULL);
    assert(c->magic == HTTP_CLIENT_MAGIC);
    assert(cb != NULL);
    if (req == NULL || req->url == NULL || strlen(req->url) >= HTTP_URL_BYTES_MAX)
        return -1;
    if (req->body_len > HTTP_BODY_BYTES_MAX || c->queued >= HTTP_CLIENT_PENDING_MAX)
        return -1;
    struct http_call *call = calloc(1, sizeof(*call));
    if (call == NULL)
        return -1;
    call->client = c;
    call->cb = cb;
    call->arg = arg;
    call->start_ns = mono_now_ns();
    call->url = dup_bytes(req->url, strlen(req->url));
    call->body_len = req->body != NULL ? req->body_len : 0;
    call->body = req->body != NULL ? dup_bytes(req->body, req->body_len) : NULL;
    call->easy = curl_easy_init();
    if (call->url == NULL || (req->body != NULL && call->body == NULL) || call->easy == NULL ||
        call_setup(call, req) != 0) {
        call_free(call);
        return -1;
    }
    if (c->queue_tail != NULL)
        c->queue_tail->next = call;
    else
        c->queue_head = call;
    c->queue_tail = call;
    c->queued++;
    pump(c);
    return 0;
}

size_t http_client_pending(const struct http_client *c)
{
    assert(c != NULL);
    return (size_t)c->running + c->queued;
}

const char *http_error_name(enum http_error e)
{
    static const char *const names[] = {"ok", "timeout", "connect", "reset", "too_large", "other"};
    assert(e >= HTTPC_OK && e <= HTTPC_ERR_OTHER);
    return names[e];
}
