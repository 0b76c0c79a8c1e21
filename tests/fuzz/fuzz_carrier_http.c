/* Fuzz target: a whole mockcarrier in-process (app_open + the real router on an evhttp server
 * bound to 127.0.0.1:0), driven over a loopback TCP connection. Byte 0 picks the request:
 *   0  SF POST /<CODE>/std/service with a correct partnerID, timestamp and msgDigest, so the
 *      fuzzed msgData (and serviceCode, from byte 1) reaches the business parsers in sf.c;
 *   1  Kuaidi100 POST /kuaidi100/poll/query.do with a correct customer and sign over the fuzzed
 *      param;
 *   2  Kuaidi100 POST /kuaidi100/poll (subscribe) with the fuzzed param;
 *   3  raw bytes after "POST /SF/std/service HTTP/1.1\r\n" (headers and body as sent).
 * Every request must be answered or the connection closed within REQUEST_WAIT_MS; the mock must
 * never crash. Outbound traffic: a subscribe's callback URL must be loopback
 * (k100_callback_url_ok); inputs that could name one (loopback text or any JSON escape) are
 * skipped, so the fuzzer never posts to other local servers. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "carrier/carriers.h"
#include "carrier/csign.h"
#include "carrier/router.h"
#include "common/check.h"
#include "common/http_server.h"
#include "common/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUEST_WAIT_MS 3000
#define INPUT_BYTES_MAX (256 * 1024)

static const char scenario_text[] =
    "{\"name\":\"fuzz-carrier\",\"seed\":11,\"sim\":{\"duration_s\":3600,\"time_scale\":1},"
    "\"shops\":[{\"id\":\"sp1\",\"flavor\":\"shopee\",\"count\":1}],"
    "\"carriers\":{\"primary\":\"SF\",\"backup\":\"ZTO\",\"enabled\":[\"SF\",\"ZTO\",\"YUNDA\"]},"
    "\"catalog\":[{\"sku\":\"TEE-01\",\"stock\":100,\"daily_mean_sales\":10}],"
    "\"load\":{\"stages\":[{\"ramp_to_per_s\":1,\"sim_s\":3600}]},"
    "\"buyers\":{\"population\":100},\"faults\":[],\"crashes\":[],"
    "\"sla\":{\"ship_within_s\":7200},\"thresholds\":{}}";

static const char *const services[] = {"EXP_RECE_CREATE_ORDER", "EXP_RECE_SEARCH_ORDER_RESP",
                                       "EXP_RECE_UPDATE_ORDER", "EXP_RECE_SEARCH_ROUTES",
                                       "EXP_RECE_REMIND",       "NO_SUCH_SERVICE"};

static struct cm_app *app;
static int port;

static void setup(void)
{
    char path[] = "/tmp/fuzz_carrier_XXXXXX";
    int fd = mkstemp(path);
    assert(fd >= 0);
    assert(write(fd, scenario_text, strlen(scenario_text)) == (ssize_t)strlen(scenario_text));
    close(fd);
    app = calloc(1, sizeof(*app));
    assert(app != NULL);
    simclock_init(&app->clock, 0, 1.0);
    log_init("fuzz-carrier", &app->clock);
    log_set_level(LOG_ERROR);
    app->base = event_base_new();
    assert(app->base != NULL);
    struct app_options o = {0};
    o.scenario_path = path;
    o.token = "fuzz-token";
    char err[ERR_BYTES_MAX];
    assert(app_open(app, &o, err, sizeof(err)) == 0);
    unlink(path);
    app->server = http_server_new(app->base, "127.0.0.1", 0, err, sizeof(err));
    assert(app->server != NULL);
    evhttp_set_gencb(http_server_evhttp(app->server), router_handle, app);
    port = http_server_port(app->server);
}

/* Send req to the in-process server and turn the loop until the answer is complete. */
static void exchange(const char *req, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert(fd >= 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    size_t off = 0;
    int64_t start = mono_now_ns() / 1000000;
    char buf[65536];
    int done = 0;
    while (!done && mono_now_ns() / 1000000 - start < REQUEST_WAIT_MS) {
        if (off < len) {
            ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                off += (size_t)n;
            } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                off = len; /* the server hung up early (413, 400): fine */
            }
            if (off == len) {
                shutdown(fd, SHUT_WR);
            }
        }
        event_base_loop(app->base, EVLOOP_NONBLOCK);
        struct pollfd p = {fd, POLLIN, 0};
        while (poll(&p, 1, 0) > 0) {
            ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
            if (n <= 0) {
                done = 1; /* answered (Connection: close) or closed */
                break;
            }
        }
        if (!done) {
            struct pollfd w = {fd, POLLIN, 0};
            (void)poll(&w, 1, 1);
        }
    }
    close(fd);
    if (!done) {
        fprintf(stderr, "no answer within %d ms\n", REQUEST_WAIT_MS);
        abort();
    }
}

static void post_form(const char *path, const char *form)
{
    size_t len = strlen(form) + 256;
    char *req = malloc(len);
    assert(req != NULL);
    int n = snprintf(req, len,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n"
                     "\r\n%s",
                     path, strlen(form), form);
    assert(n > 0 && (size_t)n < len);
    exchange(req, (size_t)n);
    free(req);
}

static void sf_request(const char *code, const char *service, const char *msg)
{
    const struct carrier_instance *ci = app_carrier(app, code);
    assert(ci != NULL);
    char ts[32], digest[CSIGN_DIGEST_BYTES_MAX], path[64];
    snprintf(ts, sizeof(ts), "%lld", (long long)simclock_now_ms(&app->clock));
    assert(csign_sf_digest(msg, ts, ci->checkword, CSIGN_JAVA, digest, sizeof(digest)) == 0);
    char *m = csign_urlencode_plus(msg, strlen(msg), CSIGN_JAVA);
    char *p = csign_urlencode_plus(ci->partner_id, strlen(ci->partner_id), CSIGN_JAVA);
    char *d = csign_urlencode_plus(digest, strlen(digest), CSIGN_JAVA);
    assert(m != NULL && p != NULL && d != NULL);
    size_t len = strlen(m) + strlen(p) + strlen(d) + 256;
    char *form = malloc(len);
    assert(form != NULL);
    snprintf(form, len,
             "partnerID=%s&requestID=r1&serviceCode=%s&timestamp=%s&msgDigest=%s&msgData=%s", p,
             service, ts, d, m);
    snprintf(path, sizeof(path), "/%s/std/service", code);
    post_form(path, form);
    free(form);
    free(m);
    free(p);
    free(d);
}

static void k100_request(const char *param, int subscribe)
{
    const struct tracking_account *ta = &app->account;
    char sign[CSIGN_MD5_HEX_BYTES];
    csign_md5_upper(param, ta->key, ta->customer, sign, sizeof(sign));
    char *pe = csign_urlencode_plus(param, strlen(param), CSIGN_JAVA);
    char *ce = csign_urlencode_plus(ta->customer, strlen(ta->customer), CSIGN_JAVA);
    assert(pe != NULL && ce != NULL);
    size_t len = strlen(pe) + strlen(ce) + 128;
    char *form = malloc(len);
    assert(form != NULL);
    if (subscribe) {
        snprintf(form, len, "schema=json&param=%s", pe);
        post_form("/kuaidi100/poll", form);
    } else {
        snprintf(form, len, "customer=%s&sign=%s&param=%s", ce, sign, pe);
        post_form("/kuaidi100/poll/query.do", form);
    }
    free(form);
    free(pe);
    free(ce);
}

/* 1 when text could name a loopback callback URL (directly or through a JSON escape). */
static int may_name_callback(const char *text)
{
    return strchr(text, '\\') != NULL || strstr(text, "127.") != NULL ||
           strcasestr(text, "localhost") != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > INPUT_BYTES_MAX) {
        return 0;
    }
    if (app == NULL) {
        setup();
    }
    char *text = malloc(size - 1);
    assert(text != NULL);
    memcpy(text, data + 2, size - 2);
    text[size - 2] = '\0';
    switch (data[0] % 4) {
    case 0: {
        static const char *const codes[] = {"SF", "ZTO", "YUNDA"};
        sf_request(codes[data[1] % 3], services[(data[1] / 3) % ARRAY_LEN(services)], text);
        break;
    }
    case 1: k100_request(text, 0); break;
    case 2:
        if (!may_name_callback(text)) {
            k100_request(text, 1);
        }
        break;
    default: {
        static const char line[] = "POST /SF/std/service HTTP/1.1\r\n";
        char *req = malloc(sizeof(line) + size);
        assert(req != NULL);
        memcpy(req, line, sizeof(line) - 1);
        memcpy(req + sizeof(line) - 1, data + 1, size - 1);
        exchange(req, sizeof(line) - 1 + size - 1);
        free(req);
        break;
    }
    }
    free(text);
    return 0;
}
