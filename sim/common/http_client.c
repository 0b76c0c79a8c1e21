/* libcurl multi on libevent: see http_client.h. The shape follows curl's hiperfifo.c: curl tells
 * us which sockets to watch (socket_cb) and when to wake it (timer_cb); libevent tells curl what
 * happened (event_cb, timeout_cb) through curl_multi_socket_action; finished transfers are reaped
 * in check_multi_info. Transfers beyond max_connections wait in our own bounded FIFO so a burst of
 * requests never opens a burst of connections.
 *
 * CPU per request matters here (the load generator's rate: BENCH.md loadgen_vs_wrk), so the hot
 * path allocates nothing of ours: a finished transfer's call (its easy handle with the options
 * that never change, its parsed URL, header list and request and response buffers) goes to a free
 * list and carries the next request, setting again only what differs. A new easy handle per
 * request cost a zeroed struct, its own allocations and every option (~12% of the client's
 * instructions); curl_easy_reset would clear the options too. Only a request that must wait in
 * the FIFO is copied into one allocation of its own. */
#include "common/http_client.h"

#include <curl/curl.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/simclock.h"

#define HTTP_CLIENT_MAGIC 0x48434c54u
/* A reused call keeps its request and response buffers up to this size; larger ones are freed
 * when it goes back to the free list so one big answer does not pin memory per connection. */
#define HTTP_CLIENT_KEEP_BUFFER_BYTES (64 * 1024)
#define HTTP_CLIENT_RESP_FIRST_BYTES 1024
#define HTTP_CLIENT_CONTENT_TYPE_BYTES 128 /* the "Content-Type: ..." line, as before */

enum call_method { METHOD_UNSET = 0, METHOD_GET, METHOD_POST, METHOD_CUSTOM };

/* One easy handle and what a transfer on it needs. While running it is on the client's running
 * list; idle ones wait on the free list (at most max_connections of them). */
struct http_call {
    struct http_client *client;
    struct http_call *next; /* running list, or free list */
    struct http_call *prev; /* running list only */
    CURL *easy;
    CURLU *url_parsed; /* url, parsed once for every request to it (CURLOPT_CURLU) */
    char *url;         /* the URL the easy handle is set to */
    size_t url_cap;
    int url_parsed_ok;          /* url is in url_parsed and set as CURLOPT_CURLU */
    struct curl_slist *headers; /* kept while the next request asks for the same lines */
    enum call_method method;    /* what the easy handle is set to now */
    long timeout_ms;            /* what the easy handle is set to now, 0: not yet */
    char *body;
    size_t body_cap;
    char *resp;
    size_t resp_len;
    size_t resp_cap;
    int too_large;
    int64_t start_ns;
    http_done_cb cb;
    void *arg;
    char error_text[CURL_ERROR_SIZE];
};

/* A request waiting in the FIFO: a copy of the caller's strings in one allocation. */
struct http_queued {
    struct http_queued *next;
    struct http_request req; /* its strings point into data */
    int64_t start_ns;
    http_done_cb cb;
    void *arg;
    char data[];
};

/* One socket curl asked us to watch. Reused: curl drops a keep-alive socket from its interest
 * when the transfer on it ends and asks again for the next one. */
struct sock_watch {
    struct event *ev;
    short kind; /* EV_READ | EV_WRITE | EV_PERSIST the event is added with, 0: not added */
    struct sock_watch *next_free;
};

struct http_client {
    unsigned magic;
    struct event_base *base;
    CURLM *multi;
    struct event *timer;
    int max_connections;
    int running;   /* added to the multi handle */
    size_t queued; /* waiting in the FIFO */
    struct http_queued *queue_head;
    struct http_queued *queue_tail;
    struct http_call *running_head; /* added to the multi handle, for http_client_free */
    struct http_call *free_calls;
    int free_call_count; /* <= max_connections */
    struct sock_watch *free_watches;
    int free_watch_count; /* <= max_connections */
};

static int curl_ready;

static void check_multi_info(struct http_client *c);
static void pump(struct http_client *c);

static void call_destroy(struct http_call *call)
{
    if (call == NULL)
        return;
    if (call->easy != NULL)
        curl_easy_cleanup(call->easy);
    curl_url_cleanup(call->url_parsed);
    free(call->url);
    curl_slist_free_all(call->headers);
    free(call->body);
    free(call->resp);
    free(call);
}

/* Back to the free list, or freed when the list is full. */
static void call_release(struct http_client *c, struct http_call *call)
{
    assert(call->client == c);
    if (c->free_call_count >= c->max_connections) {
        call_destroy(call);
        return;
    }
    if (call->body_cap > HTTP_CLIENT_KEEP_BUFFER_BYTES) {
        free(call->body);
        call->body = NULL;
        call->body_cap = 0;
    }
    if (call->resp_cap > HTTP_CLIENT_KEEP_BUFFER_BYTES) {
        free(call->resp);
        call->resp = NULL;
        call->resp_cap = 0;
    }
    call->cb = NULL;
    call->arg = NULL;
    call->next = c->free_calls;
    call->prev = NULL;
    c->free_calls = call;
    c->free_call_count++;
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

static void watch_release(struct http_client *c, struct sock_watch *w)
{
    if (w->kind != 0)
        event_del(w->ev);
    w->kind = 0;
    if (c->free_watch_count >= c->max_connections) {
        event_free(w->ev);
        free(w);
        return;
    }
    w->next_free = c->free_watches;
    c->free_watches = w;
    c->free_watch_count++;
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct http_client *c = userp;
    struct sock_watch *w = socketp;
    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (w != NULL)
            watch_release(c, w);
        curl_multi_assign(c->multi, s, NULL);
        return 0;
    }
    short kind = EV_PERSIST;
    if (what & CURL_POLL_IN)
        kind |= EV_READ;
    if (what & CURL_POLL_OUT)
        kind |= EV_WRITE;
    if (w == NULL) {
        if (c->free_watches != NULL) {
            w = c->free_watches;
            c->free_watches = w->next_free;
            c->free_watch_count--;
        } else {
            w = calloc(1, sizeof(*w));
            if (w == NULL)
                return -1;
            /* assigned for real below; event_assign needs an event to fill */
            w->ev = event_new(c->base, -1, 0, event_cb, c);
            if (w->ev == NULL) {
                free(w);
                return -1;
            }
        }
        w->kind = 0;
        w->next_free = NULL;
        curl_multi_assign(c->multi, s, w);
    } else if (w->kind == kind) {
        return 0; /* already watched for exactly this */
    }
    if (w->kind != 0)
        event_del(w->ev);
    w->kind = 0;
    if (event_assign(w->ev, c->base, s, kind, event_cb, c) != 0 || event_add(w->ev, NULL) != 0)
        return -1;
    w->kind = kind;
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
        size_t cap = call->resp_cap ? call->resp_cap : HTTP_CLIENT_RESP_FIRST_BYTES;
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
    resp.body = call->resp_len > 0 ? call->resp : "";
    resp.body_len = call->resp_len;
    resp.latency_us = (mono_now_ns() - call->start_ns) / 1000;
    resp.error_text = call->error_text;
    curl_multi_remove_handle(c->multi, call->easy);
    running_unlink(c, call);
    /* released after the callback: resp points into call, and a request the callback sends
     * takes another call (the free list's, or a new one) */
    call->cb(&resp, call->arg);
    call_release(c, call);
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

/* A new easy handle with the options every request of this client shares. */
static CURL *easy_new(struct http_call *call)
{
    CURL *e = curl_easy_init();
    if (e == NULL)
        return NULL;
    int bad = 0;
    bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, call) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, call) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->error_text) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    /* No proxy, whatever http_proxy / no_proxy say (http_client.h): the targets are a run's own
     * processes on 127.0.0.1, and libcurl would otherwise getenv those variables per transfer. */
    bad |= curl_easy_setopt(e, CURLOPT_PROXY, "") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_NOPROXY, "*") != CURLE_OK;
    if (bad) {
        curl_easy_cleanup(e);
        return NULL;
    }
    return e;
}

static struct http_call *call_get(struct http_client *c)
{
    struct http_call *call = c->free_calls;
    if (call != NULL) {
        c->free_calls = call->next;
        c->free_call_count--;
        call->next = NULL;
        return call;
    }
    call = calloc(1, sizeof(*call));
    if (call == NULL)
        return NULL;
    call->client = c;
    call->easy = easy_new(call);
    call->url_parsed = curl_url();
    if (call->easy == NULL || call->url_parsed == NULL) {
        call_destroy(call);
        return NULL;
    }
    return call;
}

/* Whether call's header list already holds exactly the lines req asks for. */
static int headers_match(const struct http_call *call, const struct http_request *req)
{
    static const char ct_prefix[] = "Content-Type: ";
    const struct curl_slist *h = call->headers;
    if (h == NULL)
        return 0;
    h = h->next; /* "Expect:", always first */
    if (req->content_type != NULL) {
        if (h == NULL || strncmp(h->data, ct_prefix, sizeof(ct_prefix) - 1) != 0 ||
            strcmp(h->data + sizeof(ct_prefix) - 1, req->content_type) != 0)
            return 0;
        h = h->next;
    }
    for (int i = 0; i < (int)ARRAY_LEN(req->headers) && req->headers[i] != NULL; i++) {
        if (h == NULL || strcmp(h->data, req->headers[i]) != 0)
            return 0;
        h = h->next;
    }
    return h == NULL;
}

static int headers_set(struct http_call *call, const struct http_request *req)
{
    if (headers_match(call, req))
        return 0;
    /* no "Expect: 100-continue" round trip on larger bodies */
    struct curl_slist *list = curl_slist_append(NULL, "Expect:");
    if (list != NULL && req->content_type != NULL) {
        char line[HTTP_CLIENT_CONTENT_TYPE_BYTES];
        snprintf(line, sizeof(line), "Content-Type: %s", req->content_type);
        struct curl_slist *l = curl_slist_append(list, line);
        if (l == NULL)
            curl_slist_free_all(list);
        list = l;
    }
    for (int i = 0; list != NULL && i < (int)ARRAY_LEN(req->headers) && req->headers[i] != NULL;
         i++) {
        struct curl_slist *l = curl_slist_append(list, req->headers[i]);
        if (l == NULL)
            curl_slist_free_all(list);
        list = l;
    }
    if (list == NULL)
        return -1;
    curl_easy_setopt(call->easy, CURLOPT_HTTPHEADER, list);
    curl_slist_free_all(call->headers);
    call->headers = list;
    return 0;
}

static int body_set(struct http_call *call, const char *body, size_t len)
{
    if (len + 1 > call->body_cap) {
        char *p = malloc(len + 1);
        if (p == NULL)
            return -1;
        free(call->body);
        call->body = p;
        call->body_cap = len + 1;
    }
    memcpy(call->body, body, len);
    call->body[len] = '\0';
    return 0;
}

/* Set the URL, parsed only when it differs from the previous request's on this handle: libcurl
 * parses CURLOPT_URL again on every transfer (and prints it back normalised), but takes a parsed
 * CURLU as it is. The flags are the ones libcurl parses CURLOPT_URL with; a URL it would reject
 * goes in as plain CURLOPT_URL so the transfer fails with libcurl's own error, as before. */
static int url_set(struct http_call *call, const char *url)
{
    if (call->url_parsed_ok && strcmp(call->url, url) == 0)
        return 0;
    size_t n = strlen(url);
    if (n + 1 > call->url_cap) {
        char *p = realloc(call->url, n + 1);
        if (p == NULL)
            return -1;
        call->url = p;
        call->url_cap = n + 1;
    }
    memcpy(call->url, url, n + 1);
    call->url_parsed_ok = 0;
    CURLUcode uc = curl_url_set(call->url_parsed, CURLUPART_URL, url,
                                CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME);
    /* CURLOPT_URL as well: libcurl 7.x keeps it as the transfer's URL when a CURLU is set */
    if (curl_easy_setopt(call->easy, CURLOPT_CURLU, uc == CURLUE_OK ? call->url_parsed : NULL) !=
            CURLE_OK ||
        curl_easy_setopt(call->easy, CURLOPT_URL, url) != CURLE_OK)
        return -1;
    call->url_parsed_ok = uc == CURLUE_OK;
    return 0;
}

/* Point call's easy handle at req. Only what differs from the previous request on this handle
 * is set again; the shared options stay from easy_new. */
static int call_setup(struct http_call *call, const struct http_request *req)
{
    CURL *e = call->easy;
    int is_post = req->method != NULL && strcmp(req->method, "GET") != 0;
    if (url_set(call, req->url) != 0)
        return -1;
    long timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : (long)HTTP_TIMEOUT_MS_DEFAULT;
    if (call->timeout_ms != timeout_ms) {
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
        call->timeout_ms = timeout_ms;
    }
    if (is_post) {
        int custom = strcmp(req->method, "POST") != 0;
        if (custom || call->method == METHOD_CUSTOM)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, custom ? req->method : NULL);
        size_t len = req->body != NULL ? req->body_len : 0;
        if (body_set(call, req->body != NULL ? req->body : "", len) != 0)
            return -1;
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, call->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)len);
        call->method = custom ? METHOD_CUSTOM : METHOD_POST;
    } else if (call->method != METHOD_GET && call->method != METHOD_UNSET) {
        if (call->method == METHOD_CUSTOM)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        call->method = METHOD_GET;
    }
    if (headers_set(call, req) != 0)
        return -1;
    call->resp_len = 0;
    if (call->resp != NULL)
        call->resp[0] = '\0';
    call->too_large = 0;
    call->error_text[0] = '\0';
    return 0;
}

/* Start req now on a call of its own. 0: running, or its callback already ran with the failure
 * to add it; -1: nothing happened (the callback will not run). */
static int start(struct http_client *c, const struct http_request *req, int64_t start_ns,
                 http_done_cb cb, void *arg)
{
    assert(c->running < c->max_connections);
    struct http_call *call = call_get(c);
    if (call == NULL)
        return -1;
    if (call_setup(call, req) != 0) {
        call_release(c, call);
        return -1;
    }
    call->cb = cb;
    call->arg = arg;
    call->start_ns = start_ns;
    if (curl_multi_add_handle(c->multi, call->easy) != CURLM_OK) {
        struct http_response resp = {.status = 0,
                                     .error = HTTPC_ERR_OTHER,
                                     .body = "",
                                     .error_text = "curl_multi_add_handle failed"};
        call_release(c, call);
        cb(&resp, arg);
        return 0;
    }
    call->next = c->running_head;
    if (c->running_head != NULL)
        c->running_head->prev = call;
    c->running_head = call;
    c->running++;
    return 0;
}

/* Move queued requests into the multi handle while there is room. */
static void pump(struct http_client *c)
{
    while (c->queue_head != NULL && c->running < c->max_connections) {
        struct http_queued *q = c->queue_head;
        c->queue_head = q->next;
        if (c->queue_head == NULL)
            c->queue_tail = NULL;
        assert(c->queued > 0);
        c->queued--;
        if (start(c, &q->req, q->start_ns, q->cb, q->arg) != 0) {
            /* out of memory after the request was accepted: it still gets its one callback */
            struct http_response resp = {.status = 0,
                                         .error = HTTPC_ERR_OTHER,
                                         .body = "",
                                         .latency_us = (mono_now_ns() - q->start_ns) / 1000,
                                         .error_text = "out of memory starting the request"};
            q->cb(&resp, q->arg);
        }
        free(q);
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
        struct http_queued *q = c->queue_head;
        c->queue_head = q->next;
        free(q);
    }
    if (c->multi != NULL) {
        /* remove every running transfer; their callbacks do not run */
        while (c->running_head != NULL) {
            struct http_call *call = c->running_head;
            curl_multi_remove_handle(c->multi, call->easy);
            running_unlink(c, call);
            call_destroy(call);
        }
    }
    while (c->free_calls != NULL) {
        struct http_call *call = c->free_calls;
        c->free_calls = call->next;
        call_destroy(call);
    }
    /* closes the kept-alive connections: socket_cb REMOVE hands their watches back */
    if (c->multi != NULL)
        curl_multi_cleanup(c->multi);
    while (c->free_watches != NULL) {
        struct sock_watch *w = c->free_watches;
        c->free_watches = w->next_free;
        event_free(w->ev);
        free(w);
    }
    if (c->timer != NULL)
        event_free(c->timer);
    c->magic = 0;
    free(c);
}

static size_t len_or_0(const char *s)
{
    return s != NULL ? strlen(s) + 1 : 0;
}

static const char *copy_in(char **at, const char *s, size_t n)
{
    if (s == NULL)
        return NULL;
    char *p = *at;
    memcpy(p, s, n);
    *at += n;
    return p;
}

/* The request as one allocation that owns its strings. */
static struct http_queued *queued_new(const struct http_request *req, size_t body_len)
{
    size_t method_n = len_or_0(req->method), url_n = strlen(req->url) + 1;
    size_t ct_n = len_or_0(req->content_type);
    size_t body_n = req->body != NULL ? body_len + 1 : 0;
    size_t total = method_n + url_n + ct_n + body_n;
    size_t header_n[ARRAY_LEN(req->headers)] = {0};
    for (size_t i = 0; i < ARRAY_LEN(req->headers) && req->headers[i] != NULL; i++) {
        header_n[i] = strlen(req->headers[i]) + 1;
        total += header_n[i];
    }
    struct http_queued *q = malloc(sizeof(*q) + total);
    if (q == NULL)
        return NULL;
    memset(q, 0, sizeof(*q));
    char *at = q->data;
    q->req.method = copy_in(&at, req->method, method_n);
    q->req.url = copy_in(&at, req->url, url_n);
    q->req.content_type = copy_in(&at, req->content_type, ct_n);
    if (req->body != NULL) {
        q->req.body = copy_in(&at, req->body, body_len);
        *at++ = '\0';
    }
    q->req.body_len = body_len;
    for (size_t i = 0; i < ARRAY_LEN(req->headers) && req->headers[i] != NULL; i++)
        q->req.headers[i] = copy_in(&at, req->headers[i], header_n[i]);
    q->req.timeout_ms = req->timeout_ms;
    assert(at == q->data + total);
    return q;
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
    int64_t start_ns = mono_now_ns();
    if (c->queue_head == NULL && c->running < c->max_connections)
        return start(c, req, start_ns, cb, arg); /* the strings are copied by then */
    struct http_queued *q = queued_new(req, req->body != NULL ? req->body_len : 0);
    if (q == NULL)
        return -1;
    q->start_ns = start_ns;
    q->cb = cb;
    q->arg = arg;
    if (c->queue_tail != NULL)
        c->queue_tail->next = q;
    else
        c->queue_head = q;
    c->queue_tail = q;
    c->queued++;
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
