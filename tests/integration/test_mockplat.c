/* bin/mockplat over real HTTP (libcurl): auth errors of both flavors, signed Shopee calls,
 * WeChat token calls, full lifecycles through the control API with signed pushes to a local
 * listener, cursor pagination, every platform fault kind at probability 1 seen on the wire and
 * in the fault log, the same seed giving the same fault log twice, and SIGKILL + restart from
 * the --state journal keeping the ground truth. The mock runs at time scale 1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/simclock.h"
#include "scenario/scenario.h"

#define TOKEN "plat-test-token"
#define WAIT_MS_MAX 5000
#define BODY_MAX (256 * 1024)
#define GOT_MAX 2000

static const char *const scenario_text =
    "{\"name\":\"mockplat-test\",\"seed\":4242,\"sim\":{\"duration_s\":7200,\"time_scale\":1},"
    "\"shops\":[{\"id\":\"sp1\",\"flavor\":\"shopee\",\"count\":1},{\"id\":\"wx1\",\"flavor\":"
    "\"wechat\",\"count\":1}],"
    "\"carriers\":{\"primary\":\"SF\",\"backup\":\"ZTO\",\"enabled\":[\"SF\",\"ZTO\"]},"
    "\"catalog\":[{\"sku\":\"TEE-01\",\"stock\":5000,\"daily_mean_sales\":10},"
    "{\"sku\":\"MUG-02\",\"stock\":100,\"daily_mean_sales\":10}],"
    "\"load\":{\"stages\":[{\"ramp_to_per_s\":1,\"sim_s\":60}]},"
    "\"faults\":[],\"sla\":{\"ship_within_s\":3600},\"thresholds\":{}}";

static struct scenario sc;
static struct shop_instance sp, wx;
static struct simclock clk;
static char scenario_path[64] = "/tmp/shipsim-mp-scenario-XXXXXX";
static char state_path[64] = "/tmp/shipsim-mp-state-XXXXXX";
static char fault_log[64] = "/tmp/shipsim-mp-faults-XXXXXX";
static pid_t mock_pid = -1;
static pid_t started[16]; /* every mock this test started, killed at teardown whatever failed */
static int started_n;
static int mock_port;
static char sp_token[64], wx_token[64];
static int seq_next = 1;

/* --- a tiny HTTP listener for pushes -----------------------------------------------------------
 */

struct received {
    char target[512];
    char auth[96];
    char *body;
};
static struct received got[GOT_MAX];
static int got_n;
static volatile int listener_stop;
static int listen_fd = -1, listen_port;
static pthread_t listener;
static pthread_mutex_t got_mu = PTHREAD_MUTEX_INITIALIZER;

static void record_request(const char *buf, const char *body)
{
    pthread_mutex_lock(&got_mu);
    if (got_n < GOT_MAX) {
        struct received *g = &got[got_n++];
        sscanf(buf, "POST %511s", g->target);
        const char *a = strcasestr(buf, "\r\nAuthorization: ");
        if (a != NULL)
            sscanf(a + 17, "%95s", g->auth);
        g->body = strdup(body);
    }
    pthread_mutex_unlock(&got_mu);
}

static void serve_one(int fd)
{
    char *buf = malloc(BODY_MAX + 1);
    size_t n = 0;
    long want = -1;
    char *hdr_end = NULL;
    for (int rounds = 0; rounds < 1000 && n < BODY_MAX; rounds++) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 2000) <= 0)
            break;
        ssize_t r = read(fd, buf + n, BODY_MAX - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        buf[n] = '\0';
        if (hdr_end == NULL && (hdr_end = strstr(buf, "\r\n\r\n")) != NULL) {
            const char *cl = strcasestr(buf, "Content-Length:");
            want = cl != NULL ? strtol(cl + 15, NULL, 10) : 0;
        }
        if (hdr_end != NULL && (long)(n - (size_t)(hdr_end + 4 - buf)) >= want)
            break;
    }
    if (hdr_end != NULL) {
        record_request(buf, hdr_end + 4);
        /* Shopee wants 2xx + empty body, WeChat the word success; a URL check its echostr */
        const char *ack = strstr(buf, "/wechat/") != NULL ? "success" : "";
        char echo[64] = "";
        const char *e = strstr(buf, "echostr=");
        if (strncmp(buf, "GET ", 4) == 0 && e != NULL && sscanf(e + 8, "%63[0-9]", echo) == 1)
            ack = echo;
        char reply[256];
        int len = snprintf(reply, sizeof(reply),
                           "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
                           "Connection: close\r\n\r\n%s",
                           strlen(ack), ack);
        ssize_t w = write(fd, reply, (size_t)len);
        (void)w;
    }
    free(buf);
    close(fd);
}

static void *listen_loop(void *arg)
{
    (void)arg;
    while (!listener_stop) {
        struct pollfd p = {listen_fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int fd = accept(listen_fd, NULL, NULL);
        if (fd >= 0)
            serve_one(fd);
    }
    return NULL;
}

static void listener_start(void)
{
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(listen_fd, 64), 0);
    socklen_t len = sizeof(a);
    getsockname(listen_fd, (struct sockaddr *)&a, &len);
    listen_port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&listener, NULL, listen_loop, NULL), 0);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Pushes whose body holds needle (and needle2 when not NULL). */
static int count_got(const char *needle, const char *needle2)
{
    int c = 0;
    pthread_mutex_lock(&got_mu);
    for (int i = 0; i < got_n; i++)
        if (strstr(got[i].body, needle) && (needle2 == NULL || strstr(got[i].body, needle2)))
            c++;
    pthread_mutex_unlock(&got_mu);
    return c;
}

static int wait_got(const char *needle, const char *needle2, int at_least)
{
    for (int waited = 0; waited < WAIT_MS_MAX; waited += 20) {
        if (count_got(needle, needle2) >= at_least)
            return 1;
        sleep_ms(20);
    }
    return 0;
}

/* --- the mock process ------------------------------------------------------------------------ */

static int start_mock_at(const char *state, const char *flog, uint64_t seed)
{
    const char *bin = getenv("SHIPSIM_BIN");
    char exe[1024], seed_text[32];
    snprintf(exe, sizeof(exe), "%s/mockplat", bin != NULL ? bin : "bin");
    snprintf(seed_text, sizeof(seed_text), "%llu", (unsigned long long)seed);
    int out[2];
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        char epoch[32], anchor[32];
        snprintf(epoch, sizeof(epoch), "%lld", (long long)clk.epoch_ms);
        snprintf(anchor, sizeof(anchor), "%lld", (long long)clk.anchor_ns);
        execl(exe, exe, "--port", "0", "--scenario", scenario_path, "--time-scale", "1",
              "--sim-epoch-ms", epoch, "--sim-anchor-ns", anchor, "--control-token", TOKEN,
              "--state", state, "--fault-log", flog, "--seed", seed_text, "--log-level", "warn",
              (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    if (started_n < (int)(sizeof(started) / sizeof(started[0])))
        started[started_n++] = pid;
    char line[128] = {0};
    size_t n = 0;
    for (int i = 0; i < 200 && n < sizeof(line) - 1; i++) {
        struct pollfd p = {out[0], POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t r = read(out[0], line + n, 1);
        if (r <= 0 || line[n] == '\n')
            break;
        n++;
    }
    close(out[0]);
    mock_pid = pid;
    assert_true(sscanf(line, "listening on 127.0.0.1:%d", &mock_port) == 1);
    return 0;
}

static void stop_mock(int sig)
{
    if (mock_pid <= 0)
        return;
    kill(mock_pid, sig);
    int st = 0;
    waitpid(mock_pid, &st, 0);
    for (int i = 0; i < started_n; i++) /* reaped: never signal this pid again */
        if (started[i] == mock_pid)
            started[i] = 0;
    if (sig == SIGTERM)
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    mock_pid = -1;
}

/* --- HTTP ---------------------------------------------------------------------------------- */

struct reply {
    long status;
    CURLcode rc;
    char body[BODY_MAX];
    size_t len;
    double seconds;
    cJSON *json;
};

static size_t sink(char *p, size_t sz, size_t n, void *arg)
{
    struct reply *r = arg;
    size_t k = sz * n;
    if (r->len + k < sizeof(r->body)) {
        memcpy(r->body + r->len, p, k);
        r->len += k;
        r->body[r->len] = '\0';
    }
    return k;
}

static struct reply *http(const char *method, const char *path, const char *body, long timeout_ms)
{
    struct reply *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    char url[2048];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", mock_port, path);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "X-Sim-Token: " TOKEN);
    h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body != NULL)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 5000L);
    r->rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &r->seconds);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    r->json = cJSON_Parse(r->body);
    return r;
}

static void reply_free(struct reply *r)
{
    cJSON_Delete(r->json);
    free(r);
}

static const char *jstr(const cJSON *o, const char *path)
{
    /* "a.b.c" walks objects */
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    const cJSON *cur = o;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && cur;
         k = strtok_r(NULL, ".", &save))
        cur = cJSON_GetObjectItemCaseSensitive(cur, k);
    return cJSON_IsString(cur) ? cur->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    const cJSON *cur = o;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && cur;
         k = strtok_r(NULL, ".", &save))
        cur = cJSON_GetObjectItemCaseSensitive(cur, k);
    return cJSON_IsNumber(cur) ? cur->valuedouble : -1;
}

static void hmac_hex(const char *key, const char *msg, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg, len, md, &n);
    for (unsigned i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* A signed Shopee call (API.md 1.1), computed here independently of the mock's sign.c. */
static struct reply *sp_call(const char *method, const char *api, const char *query,
                             const char *body, int public, long timeout_ms)
{
    char path[256], base[512], sign[65], url[2048];
    snprintf(path, sizeof(path), "/api/v2/%s", api);
    long long ts = simclock_now_ms(&clk) / 1000;
    if (public)
        snprintf(base, sizeof(base), "%lld%s%lld", (long long)sp.partner_id, path, ts);
    else
        snprintf(base, sizeof(base), "%lld%s%lld%s%lld", (long long)sp.partner_id, path, ts,
                 sp_token, (long long)sp.shop_id);
    hmac_hex(sp.partner_key, base, strlen(base), sign);
    int n = snprintf(url, sizeof(url), "%s?partner_id=%lld&timestamp=%lld&sign=%s", path,
                     (long long)sp.partner_id, ts, sign);
    if (!public)
        n += snprintf(url + n, sizeof(url) - (size_t)n, "&access_token=%s&shop_id=%lld", sp_token,
                      (long long)sp.shop_id);
    if (query != NULL)
        snprintf(url + n, sizeof(url) - (size_t)n, "&%s", query);
    return http(method, url, body, timeout_ms);
}

static struct reply *wx_call(const char *api, const char *body, long timeout_ms)
{
    char url[512];
    snprintf(url, sizeof(url), "/channels/ec/%s?access_token=%s", api, wx_token);
    return http("POST", url, body, timeout_ms);
}

/* Place (and optionally pay) an order through the control API; its id into id. */
static void place(const struct shop_instance *shop, const char *sku, int pay, char *id, int len)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"seq\":%d,\"shop\":\"%s\",\"buyer\":\"b%06d\",\"lines\":"
             "[{\"sku\":\"%s\",\"qty\":1}]}",
             seq_next, shop->name, seq_next, sku);
    seq_next++;
    struct reply *r = http("POST", "/__sim/orders", body, 0);
    assert_int_equal(r->status, 200);
    assert_non_null(jstr(r->json, "order_id"));
    snprintf(id, len, "%s", jstr(r->json, "order_id"));
    reply_free(r);
    if (!pay)
        return;
    snprintf(body, sizeof(body), "{\"order_id\":\"%s\"}", id);
    r = http("POST", "/__sim/orders/pay", body, 0);
    assert_int_equal(r->status, 200);
    reply_free(r);
}

static void tokens_fetch(void)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"partner_id\":%lld,\"refresh_token\":\"%s\",\"shop_id\":%lld}",
             (long long)sp.partner_id, sp.refresh_token, (long long)sp.shop_id);
    struct reply *r = sp_call("POST", "auth/access_token/get", NULL, body, 1, 0);
    assert_int_equal(r->status, 200);
    assert_non_null(jstr(r->json, "access_token"));
    snprintf(sp_token, sizeof(sp_token), "%s", jstr(r->json, "access_token"));
    assert_int_equal((int)jnum(r->json, "expire_in"), 14400);
    reply_free(r);
    snprintf(body, sizeof(body),
             "{\"grant_type\":\"client_credential\",\"appid\":\"%s\",\"secret\":\"%s\"}", wx.appid,
             wx.secret);
    r = http("POST", "/cgi-bin/stable_token", body, 0);
    assert_non_null(jstr(r->json, "access_token"));
    snprintf(wx_token, sizeof(wx_token), "%s", jstr(r->json, "access_token"));
    reply_free(r);
}

static void register_callbacks(void)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"shop\":\"%s\",\"url\":\"http://127.0.0.1:%d/push/shopee/%s\"}",
             sp.name, listen_port, sp.name);
    struct reply *r = http("POST", "/__sim/callbacks", body, 0);
    assert_int_equal(r->status, 200);
    reply_free(r);
    snprintf(body, sizeof(body), "{\"shop\":\"%s\",\"url\":\"http://127.0.0.1:%d/push/wechat/%s\"}",
             wx.name, listen_port, wx.name);
    r = http("POST", "/__sim/callbacks", body, 0);
    assert_int_equal(r->status, 200);
    reply_free(r);
}

/* Lines of the fault log file holding "kind":"<kind>". */
static int log_count(const char *path, const char *kind)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    char needle[64], line[2048];
    snprintf(needle, sizeof(needle), "\"kind\":\"%s\"", kind);
    int n = 0;
    while (fgets(line, sizeof(line), f) != NULL)
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

static void set_rule(const char *rule_json)
{
    char body[1024];
    snprintf(body, sizeof(body), "{\"faults\":[%s]}", rule_json);
    struct reply *r = http("PUT", "/__sim/faults", body, 0);
    if (r->status != 200)
        fprintf(stderr, "PUT faults: %s\n", r->body);
    assert_int_equal(r->status, 200);
    reply_free(r);
}

static void clear_rules(void)
{
    struct reply *r = http("DELETE", "/__sim/faults", NULL, 0);
    assert_int_equal(r->status, 200);
    reply_free(r);
}

static int group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int fd = mkstemp(scenario_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, scenario_text, strlen(scenario_text)),
                     (ssize_t)strlen(scenario_text));
    close(fd);
    close(mkstemp(state_path));
    close(mkstemp(fault_log));
    unlink(state_path);
    char err[1024] = "";
    assert_int_equal(scenario_load(scenario_path, &sc, err, sizeof(err)), 0);
    assert_int_equal(scenario_shop(&sc, 0, &sp), 0);
    assert_int_equal(scenario_shop(&sc, 1, &wx), 0);
    simclock_init(&clk, 0, 1.0);
    listener_start();
    start_mock_at(state_path, fault_log, sc.seed);
    tokens_fetch();
    register_callbacks();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    stop_mock(SIGTERM);
    for (int i = 0; i < started_n; i++) /* a failed test may have left one running */
        if (started[i] > 0 && kill(started[i], SIGKILL) == 0)
            waitpid(started[i], NULL, 0);
    listener_stop = 1;
    pthread_join(listener, NULL);
    close(listen_fd);
    for (int i = 0; i < got_n; i++)
        free(got[i].body);
    unlink(scenario_path);
    unlink(state_path);
    unlink(fault_log);
    curl_global_cleanup();
    return 0;
}

/* --- tests ----------------------------------------------------------------------------------- */

static void test_health_and_auth_errors(void **state)
{
    (void)state;
    struct reply *r = http("GET", "/healthz", NULL, 0);
    assert_int_equal(r->status, 200);
    reply_free(r);
    r = http("GET", "/api/v2/order/get_order_list?time_range_field=create_time", NULL, 0);
    assert_int_equal(r->status, 403);
    assert_non_null(jstr(r->json, "error"));
    assert_true(strlen(jstr(r->json, "error")) > 0);
    assert_non_null(jstr(r->json, "request_id"));
    reply_free(r);
    char saved[64];
    snprintf(saved, sizeof(saved), "%s", sp_token);
    snprintf(sp_token, sizeof(sp_token), "0000%s", saved + 4); /* the sign covers the token */
    r = sp_call("GET", "order/get_order_list", "time_range_field=create_time", NULL, 0, 0);
    assert_string_equal(jstr(r->json, "error"), "invalid_acceess_token");
    reply_free(r);
    snprintf(sp_token, sizeof(sp_token), "%s", saved);
    char url[256];
    snprintf(url, sizeof(url),
             "/api/v2/order/get_order_list?partner_id=%lld&timestamp=%lld&sign=%064d"
             "&access_token=%s&shop_id=%lld",
             (long long)sp.partner_id, (long long)(simclock_now_ms(&clk) / 1000), 0, sp_token,
             (long long)sp.shop_id);
    r = http("GET", url, NULL, 0);
    assert_string_equal(jstr(r->json, "error"), "error_sign");
    reply_free(r);
    r = http("POST", "/channels/ec/order/list/get", "{}", 0);
    assert_true(jnum(r->json, "errcode") > 0);
    reply_free(r);
    r = http("POST", "/channels/ec/order/list/get?access_token=nope", "{}", 0);
    assert_int_equal((int)jnum(r->json, "errcode"), 40001);
    reply_free(r);
    /* the refresh token is single-use */
    char body[256];
    snprintf(body, sizeof(body), "{\"partner_id\":%lld,\"refresh_token\":\"%s\",\"shop_id\":%lld}",
             (long long)sp.partner_id, sp.refresh_token, (long long)sp.shop_id);
    r = sp_call("POST", "auth/access_token/get", NULL, body, 1, 0);
    assert_string_equal(jstr(r->json, "error"), "error_auth");
    reply_free(r);
    r = http("GET", "/metrics", NULL, 0);
    assert_non_null(strstr(r->body, "mockplat_requests_total{endpoint=\"order/get_order_list\"}"));
    reply_free(r);
}

static void test_control_token(void **state)
{
    (void)state;
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/__sim/stats", mock_port);
    CURL *c = curl_easy_init();
    long status = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
    FILE *devnull = fopen("/dev/null", "w");
    curl_easy_setopt(c, CURLOPT_WRITEDATA, devnull);
    curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    fclose(devnull);
    assert_int_equal(status, 401);
}

/* A push of this order with this status arrived, signed HMAC-SHA256(partner_key, url|body). */
static int shopee_push_ok(const char *id, const char *status)
{
    char a[96], b[64], url[256], sign[65];
    snprintf(a, sizeof(a), "\"ordersn\":\"%s\"", id);
    snprintf(b, sizeof(b), "%s", status);
    if (!wait_got(a, b, 1))
        return 0;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/push/shopee/%s", listen_port, sp.name);
    int ok = 0;
    pthread_mutex_lock(&got_mu);
    for (int i = 0; i < got_n; i++) {
        if (!strstr(got[i].body, a) || !strstr(got[i].body, b))
            continue;
        size_t n = strlen(url) + 1 + strlen(got[i].body);
        char *msg = malloc(n + 1);
        snprintf(msg, n + 1, "%s|%s", url, got[i].body);
        hmac_hex(sp.partner_key, msg, n, sign);
        free(msg);
        ok |= strcmp(sign, got[i].auth) == 0;
    }
    pthread_mutex_unlock(&got_mu);
    return ok;
}

static void detail_status(const char *id, char *out, int len)
{
    char q[128];
    snprintf(q, sizeof(q), "order_sn_list=%s&response_optional_fields=pay_time,item_list", id);
    struct reply *r = sp_call("GET", "order/get_order_detail", q, NULL, 0, 0);
    const cJSON *o =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(r->json, "response"), "order_list"),
                           0);
    snprintf(out, len, "%s", o != NULL && jstr(o, "order_status") ? jstr(o, "order_status") : "?");
    reply_free(r);
}

static void parcel(const char *waybill, const char *st)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"carrier\":\"SF\",\"waybill\":\"%s\",\"state\":\"%s\",\"sim_ms\":0}", waybill, st);
    struct reply *r = http("POST", "/__sim/parcel", body, 0);
    assert_int_equal(r->status, 200);
    reply_free(r);
}

static void test_shopee_lifecycle(void **state)
{
    (void)state;
    char id[32], other[32], status[32], body[256], q[256];
    place(&sp, "TEE-01", 1, id, sizeof(id));
    place(&sp, "TEE-01", 1, other, sizeof(other));
    long long now = simclock_now_ms(&clk) / 1000;
    snprintf(q, sizeof(q),
             "time_range_field=update_time&time_from=%lld&time_to=%lld&page_size=100"
             "&response_optional_fields=order_status",
             now - 600, now + 5);
    struct reply *r = sp_call("GET", "order/get_order_list", q, NULL, 0, 0);
    assert_non_null(strstr(r->body, id));
    assert_false(cJSON_IsTrue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(r->json, "response"), "more")));
    reply_free(r);
    detail_status(id, status, sizeof(status));
    assert_string_equal(status, "READY_TO_SHIP");
    snprintf(body, sizeof(body),
             "{\"order_sn\":\"%s\",\"non_integrated\":{\"tracking_number\":\"SF7444407228423\"}}",
             id);
    r = sp_call("POST", "logistics/ship_order", NULL, body, 0, 0);
    assert_string_equal(jstr(r->json, "error"), "");
    assert_null(cJSON_GetObjectItem(r->json, "response"));
    reply_free(r);
    r = sp_call("POST", "logistics/ship_order", NULL, body, 0, 0);
    assert_string_equal(jstr(r->json, "error"), "logistics.package_already_shipped");
    reply_free(r);
    snprintf(body, sizeof(body),
             "{\"order_sn\":\"%s\",\"non_integrated\":{\"tracking_number\":\"SF7444407228423\"}}",
             other);
    r = sp_call("POST", "logistics/ship_order", NULL, body, 0, 0);
    assert_non_null(strstr(r->body, "used by other orders"));
    reply_free(r);
    snprintf(q, sizeof(q), "order_sn=%s", id);
    r = sp_call("GET", "logistics/get_tracking_number", q, NULL, 0, 0);
    assert_string_equal(jstr(r->json, "response.tracking_number"), "SF7444407228423");
    reply_free(r);
    parcel("SF7444407228423", "collected");
    detail_status(id, status, sizeof(status));
    assert_string_equal(status, "SHIPPED");
    parcel("SF7444407228423", "signed");
    detail_status(id, status, sizeof(status));
    assert_string_equal(status, "TO_CONFIRM_RECEIVE");
    const char *seen[] = {"UNPAID", "READY_TO_SHIP", "PROCESSED", "SHIPPED", "TO_CONFIRM_RECEIVE"};
    for (size_t i = 0; i < 5; i++) {
        char st[48];
        snprintf(st, sizeof(st), "\"status\":\"%s\"", seen[i]);
        assert_true(shopee_push_ok(id, st));
    }
    assert_true(shopee_push_ok(id, "\"tracking_no\":\"SF7444407228423\""));
    r = http("GET", "/__sim/truth", NULL, 0);
    char want[128];
    snprintf(want, sizeof(want), "\"order_id\":\"%s\",\"shop\":\"%s\"", id, sp.name);
    assert_non_null(strstr(r->body, want));
    assert_non_null(strstr(r->body, "\"state\":\"delivered\""));
    assert_non_null(strstr(r->body, "\"ship_calls\":2,\"ship_rejected\":1"));
    reply_free(r);
}

static void test_wechat_lifecycle(void **state)
{
    (void)state;
    char id[32], body[512];
    place(&wx, "MUG-02", 1, id, sizeof(id));
    long long now = simclock_now_ms(&clk) / 1000;
    snprintf(body, sizeof(body),
             "{\"create_time_range\":{\"start_time\":%lld,\"end_time\":%lld},\"page_size\":50}",
             now - 600, now + 5);
    struct reply *r = wx_call("order/list/get", body, 0);
    assert_int_equal((int)jnum(r->json, "errcode"), 0);
    assert_true(
        cJSON_IsString(cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "order_id_list"), 0)));
    assert_non_null(strstr(r->body, id));
    reply_free(r);
    snprintf(body, sizeof(body), "{\"order_id\":\"%s\"}", id);
    r = wx_call("order/get", body, 0);
    assert_int_equal((int)jnum(r->json, "order.status"), 20);
    reply_free(r);
    snprintf(body, sizeof(body),
             "{\"order_id\":\"%s\",\"delivery_list\":[{\"delivery_id\":\"ZTO\","
             "\"waybill_id\":\"78636098066239\",\"deliver_type\":1}]}",
             id);
    r = wx_call("order/delivery/send", body, 0);
    assert_int_equal((int)jnum(r->json, "errcode"), 0);
    reply_free(r);
    r = wx_call("order/delivery/send", body, 0);
    assert_int_equal((int)jnum(r->json, "errcode"), 109001);
    reply_free(r);
    parcel("78636098066239", "signed");
    snprintf(body, sizeof(body), "{\"order_id\":\"%s\"}", id);
    r = wx_call("order/get", body, 0);
    assert_int_equal((int)jnum(r->json, "order.status"), 100);
    reply_free(r);
    /* events carry the 19-digit id as a JSON number; msg_signature over token,ts,nonce,body */
    char num[64];
    snprintf(num, sizeof(num), "\"order_id\":%s", id);
    assert_true(wait_got(num, "channels_ec_order_pay", 1));
    assert_true(wait_got(num, "channels_ec_order_deliver", 1));
    assert_true(wait_got(num, "channels_ec_order_confirm", 1));
    r = http("GET", "/__sim/stats", NULL, 0);
    assert_true(jnum(r->json, "pushes.acked") >= 8);
    assert_true(jnum(r->json, "pushes.url_checks_ok") >= 1); /* the GET echostr check */
    reply_free(r);
}

/* A carrier switch before pickup: Shopee accepts ship_order again with a new tracking number
 * while PROCESSED (shipsim's "re-arrange shipment"), WeChat order/deliveryinfo/update moves the
 * delivery; both are refused once the parcel was collected. */
static void test_reship_before_pickup(void **state)
{
    (void)state;
    char id[32], body[512], q[64];
    place(&sp, "TEE-01", 1, id, sizeof(id));
    snprintf(body, sizeof(body),
             "{\"order_sn\":\"%s\",\"non_integrated\":{\"tracking_number\":\"SF1400000001234\"}}",
             id);
    struct reply *r = sp_call("POST", "logistics/ship_order", NULL, body, 0, 0);
    assert_string_equal(jstr(r->json, "error"), "");
    reply_free(r);
    snprintf(body, sizeof(body),
             "{\"order_sn\":\"%s\",\"non_integrated\":{\"tracking_number\":\"78600000001234\"}}",
             id);
    r = sp_call("POST", "logistics/ship_order", NULL, body, 0, 0);
    assert_string_equal(jstr(r->json, "error"), "");
    reply_free(r);
    snprintf(q, sizeof(q), "order_sn=%s", id);
    r = sp_call("GET", "logistics/get_tracking_number", q, NULL, 0, 0);
    assert_string_equal(jstr(r->json, "response.tracking_number"), "78600000001234");
    reply_free(r);
    /* the old number no longer names the order: news of it is only kept for a later binder */
    r = http("POST", "/__sim/parcel",
             "{\"carrier\":\"SF\",\"waybill\":\"SF1400000001234\",\"state\":\"collected\","
             "\"sim_ms\":0}",
             0);
    assert_int_equal(r->status, 200);
    reply_free(r);
    char status[32];
    detail_status(id, status, sizeof(status));
    assert_string_equal(status, "PROCESSED");
    parcel("78600000001234", "collected");
    detail_status(id, status, sizeof(status));
    assert_string_equal(status, "SHIPPED");
    snprintf(body, sizeof(body),
             "{\"order_sn\":\"%s\",\"non_integrated\":{\"tracking_number\":\"SF1400000009999\"}}",
             id);
    r = sp_call("POST", "logistics/ship_order", NULL, body, 0, 0);
    assert_string_equal(jstr(r->json, "error"), "logistics.package_already_shipped");
    reply_free(r);

    place(&wx, "MUG-02", 1, id, sizeof(id));
    const char *fmt = "{\"order_id\":\"%s\",\"delivery_list\":[{\"delivery_id\":\"%s\","
                      "\"waybill_id\":\"%s\",\"deliver_type\":1}]}";
    snprintf(body, sizeof(body), fmt, id, "ZTO", "78600000005678");
    r = wx_call("order/deliveryinfo/update", body, 0);
    assert_int_equal((int)jnum(r->json, "errcode"), 109002); /* not delivered yet */
    reply_free(r);
    snprintf(body, sizeof(body), fmt, id, "SF", "SF1400000005678");
    r = wx_call("order/delivery/send", body, 0);
    assert_int_equal((int)jnum(r->json, "errcode"), 0);
    reply_free(r);
    snprintf(body, sizeof(body), fmt, id, "ZTO", "78600000005678");
    r = wx_call("order/deliveryinfo/update", body, 0);
    assert_int_equal((int)jnum(r->json, "errcode"), 0);
    reply_free(r);
    r = wx_call("order/deliveryinfo/update", body, 0); /* the same again: nothing changes */
    assert_int_equal((int)jnum(r->json, "errcode"), 0);
    reply_free(r);
    snprintf(body, sizeof(body), "{\"order_id\":\"%s\"}", id);
    r = wx_call("order/get", body, 0);
    assert_non_null(strstr(r->body, "\"waybill_id\":\"78600000005678\""));
    assert_non_null(strstr(r->body, "\"delivery_id\":\"ZTO\""));
    reply_free(r);
    parcel("78600000005678", "collected");
    snprintf(body, sizeof(body), fmt, id, "YUNDA", "3100000005678");
    r = wx_call("order/deliveryinfo/update", body, 0);
    assert_int_equal((int)jnum(r->json, "errcode"), 109003);
    reply_free(r);
}

static void test_pagination(void **state)
{
    (void)state;
    long long from = simclock_now_ms(&clk) / 1000 - 1;
    char ids[25][32];
    for (int i = 0; i < 25; i++)
        place(&sp, "TEE-01", 0, ids[i], sizeof(ids[i]));
    long long to = simclock_now_ms(&clk) / 1000 + 1;
    char cursor[96] = "", q[512];
    int seen = 0, pages = 0, more = 1;
    while (more && pages++ < 10) {
        snprintf(q, sizeof(q),
                 "time_range_field=create_time&time_from=%lld&time_to=%lld&page_size=10&cursor=%s",
                 from, to, cursor);
        struct reply *r = sp_call("GET", "order/get_order_list", q, NULL, 0, 0);
        const cJSON *resp = cJSON_GetObjectItem(r->json, "response");
        more = cJSON_IsTrue(cJSON_GetObjectItem(resp, "more"));
        const cJSON *o;
        cJSON_ArrayForEach(o, cJSON_GetObjectItem(resp, "order_list"))
        {
            for (int i = 0; i < 25; i++)
                seen += strcmp(jstr(o, "order_sn"), ids[i]) == 0;
        }
        snprintf(cursor, sizeof(cursor), "%s", jstr(resp, "next_cursor"));
        assert_true(more ? cursor[0] != '\0' : cursor[0] == '\0');
        reply_free(r);
    }
    assert_int_equal(seen, 25);
    assert_int_equal(pages, 3);
    snprintf(q, sizeof(q),
             "time_range_field=create_time&time_from=%lld&time_to=%lld&page_size=10&cursor=1-2",
             from, to);
    struct reply *r = sp_call("GET", "order/get_order_list", q, NULL, 0, 0);
    assert_string_equal(jstr(r->json, "error"), "error_param");
    reply_free(r);
    snprintf(q, sizeof(q), "time_range_field=create_time&time_from=%lld&time_to=%lld&page_size=10",
             from, from + 16 * 86400);
    r = sp_call("GET", "order/get_order_list", q, NULL, 0, 0);
    assert_string_equal(jstr(r->json, "error"), "order.order_list_invalid_time");
    reply_free(r);
}

/* Each platform fault kind at probability 1: visible on the wire and in the fault log. */
static struct reply *list_recent(void)
{
    long long now = simclock_now_ms(&clk) / 1000;
    char q[256];
    snprintf(q, sizeof(q), "time_range_field=create_time&time_from=%lld&time_to=%lld&page_size=100",
             now - 600, now + 5);
    return sp_call("GET", "order/get_order_list", q, NULL, 0, 0);
}

static int occurrences(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_fault_list_kinds(void **state)
{
    (void)state;
    char id[32], q[96];
    set_rule(
        "{\"kind\":\"lost_order\",\"target\":\"platform:order/get_order_list\",\"probability\":1}");
    place(&sp, "TEE-01", 0, id, sizeof(id));
    struct reply *r = list_recent();
    assert_string_equal(jstr(r->json, "error"), "");
    assert_null(strstr(r->body, id));
    reply_free(r);
    char ordersn[64];
    snprintf(ordersn, sizeof(ordersn), "\"ordersn\":\"%s\"", id);
    sleep_ms(300);
    assert_int_equal(count_got(ordersn, NULL), 0); /* its push was dropped too */
    assert_true(log_count(fault_log, "lost_order") >= 2);
    set_rule("{\"kind\":\"duplicate_order\",\"target\":\"platform:order/"
             "get_order_list\",\"probability\":1}");
    char dup[32];
    place(&sp, "TEE-01", 0, dup, sizeof(dup));
    r = list_recent();
    assert_int_equal(occurrences(r->body, dup), 2);
    reply_free(r);
    snprintf(ordersn, sizeof(ordersn), "\"ordersn\":\"%s\"", dup);
    assert_true(wait_got(ordersn, NULL, 2)); /* the push delivered twice */
    assert_true(log_count(fault_log, "duplicate_order") >= 2);
    /* stale_cache: paid 50 ms ago, created 1.1 s ago; a snapshot 0.5..1 s old shows UNPAID */
    clear_rules();
    char stale[32];
    place(&sp, "TEE-01", 0, stale, sizeof(stale));
    sleep_ms(1100);
    char body[96];
    snprintf(body, sizeof(body), "{\"order_id\":\"%s\"}", stale);
    reply_free(http("POST", "/__sim/orders/pay", body, 0));
    set_rule("{\"kind\":\"stale_cache\",\"target\":\"platform:order/"
             "get_order_detail\",\"probability\":1,\"max_age_s\":1}");
    char status[32];
    detail_status(stale, status, sizeof(status));
    assert_string_equal(status, "UNPAID");
    assert_true(log_count(fault_log, "stale_cache") >= 1);
    clear_rules();
    detail_status(stale, status, sizeof(status));
    assert_string_equal(status, "READY_TO_SHIP");
    (void)q;
}

static void test_fault_outage_kinds(void **state)
{
    (void)state;
    char id[32], q[96];
    place(&sp, "TEE-01", 1, id, sizeof(id));
    snprintf(q, sizeof(q), "order_sn=%s", id);
    set_rule("{\"kind\":\"maintenance\",\"target\":\"platform:logistics/*\",\"probability\":1}");
    struct reply *r = sp_call("GET", "logistics/get_tracking_number", q, NULL, 0, 0);
    assert_int_equal(r->status, 503);
    assert_string_equal(jstr(r->json, "error"), "error_server");
    reply_free(r);
    set_rule("{\"kind\":\"error\",\"target\":\"platform:logistics/"
             "*\",\"probability\":1,\"status\":502}");
    r = sp_call("GET", "logistics/get_tracking_number", q, NULL, 0, 0);
    assert_int_equal(r->status, 502);
    reply_free(r);
    set_rule("{\"kind\":\"rate_limit\",\"target\":\"platform:logistics/"
             "*\",\"probability\":1,\"rate_per_s\":0.01}");
    int limited = 0;
    for (int i = 0; i < 3; i++) {
        r = sp_call("GET", "logistics/get_tracking_number", q, NULL, 0, 0);
        limited += r->status == 429 && jstr(r->json, "error") &&
                   strcmp(jstr(r->json, "error"), "error_rate_limit") == 0;
        reply_free(r);
    }
    assert_int_equal(limited, 2);
    set_rule("{\"kind\":\"latency\",\"target\":\"platform:logistics/"
             "*\",\"probability\":1,\"dist\":\"fixed\",\"delay_ms\":300}");
    r = sp_call("GET", "logistics/get_tracking_number", q, NULL, 0, 0);
    assert_int_equal(r->status, 200);
    assert_true(r->seconds >= 0.29);
    reply_free(r);
    set_rule("{\"kind\":\"reset\",\"target\":\"platform:logistics/*\",\"probability\":1}");
    r = sp_call("GET", "logistics/get_tracking_number", q, NULL, 0, 0);
    assert_true(r->rc != CURLE_OK);
    assert_int_equal(r->status, 0);
    reply_free(r);
    set_rule("{\"kind\":\"timeout\",\"target\":\"platform:logistics/*\",\"probability\":1}");
    r = sp_call("GET", "logistics/get_tracking_number", q, NULL, 0, 1500);
    assert_int_equal(r->rc, CURLE_OPERATION_TIMEDOUT);
    reply_free(r);
    clear_rules();
    const char *kinds[] = {"maintenance", "error", "rate_limit", "latency", "reset", "timeout"};
    for (size_t i = 0; i < 6; i++)
        assert_true(log_count(fault_log, kinds[i]) >= 1);
}

static void test_fault_payload_kinds(void **state)
{
    (void)state;
    char id[32], q[96], body[256];
    place(&sp, "TEE-01", 1, id, sizeof(id));
    snprintf(q, sizeof(q), "order_sn_list=%s", id);
    set_rule("{\"kind\":\"malformed\",\"target\":\"platform:order/"
             "get_order_detail\",\"probability\":1,\"mode\":\"truncated\"}");
    struct reply *r = sp_call("GET", "order/get_order_detail", q, NULL, 0, 0);
    assert_int_equal(r->status, 200);
    assert_null(r->json);
    reply_free(r);
    set_rule("{\"kind\":\"malformed\",\"target\":\"platform:order/"
             "get_order_detail\",\"probability\":1,\"mode\":\"wrong_type\"}");
    r = sp_call("GET", "order/get_order_detail", q, NULL, 0, 0);
    assert_non_null(strstr(r->body, "\"create_time\":\""));
    reply_free(r);
    char wid[32];
    place(&wx, "MUG-02", 1, wid, sizeof(wid));
    snprintf(body, sizeof(body), "{\"order_id\":\"%s\"}", wid);
    set_rule("{\"kind\":\"malformed\",\"target\":\"platform:order/"
             "get\",\"probability\":1,\"mode\":\"wrong_type\"}");
    r = wx_call("order/get", body, 0);
    char bare[64];
    snprintf(bare, sizeof(bare), "\"order_id\":%s", wid); /* 19 digits as a JSON number */
    assert_non_null(strstr(r->body, bare));
    reply_free(r);
    assert_true(log_count(fault_log, "malformed") >= 3);
}

static void test_fault_stock_drift(void **state)
{
    (void)state;
    struct reply *r;
    /* stock_drift: listed stock changes by drift_units (-7) behind the seller's back */
    set_rule("{\"kind\":\"stock_drift\",\"target\":\"platform:product/"
             "*\",\"probability\":1,\"drift_units\":-7}");
    r = sp_call("GET", "product/get_model_list", "item_id=800000001", NULL, 0, 0);
    const cJSON *m = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(r->json, "response"), "model"), 0);
    double listed = jnum(m, "stock_info_v2.summary_info.total_available_stock");
    reply_free(r);
    clear_rules();
    r = sp_call("GET", "product/get_model_list", "item_id=800000001", NULL, 0, 0);
    m = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r->json, "response"), "model"),
                           0);
    assert_true(jnum(m, "stock_info_v2.summary_info.total_available_stock") == listed);
    assert_true(listed == 100 - 7);
    reply_free(r);
    /* and at an order placement, keyed on the order: its SKU's listing moves on top of the sale */
    set_rule("{\"kind\":\"stock_drift\",\"target\":\"platform:product/"
             "*\",\"probability\":1,\"drift_units\":-7}");
    char did[32];
    place(&sp, "MUG-02", 0, did, sizeof(did));
    clear_rules();
    r = sp_call("GET", "product/get_model_list", "item_id=800000001", NULL, 0, 0);
    m = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r->json, "response"), "model"),
                           0);
    assert_true(jnum(m, "stock_info_v2.summary_info.total_available_stock") == 100 - 7 - 1 - 7);
    reply_free(r);
    assert_true(log_count(fault_log, "stock_drift") >= 1);
}

static void test_fault_forged_push(void **state)
{
    (void)state;
    /* forged_push: a second copy of the push whose signature does not verify */
    set_rule("{\"kind\":\"forged_push\",\"target\":\"platform:push\",\"probability\":1,\"mode\":"
             "\"bad_signature\"}");
    char fid[32], ordersn[64];
    place(&sp, "TEE-01", 0, fid, sizeof(fid));
    clear_rules();
    snprintf(ordersn, sizeof(ordersn), "\"ordersn\":\"%s\"", fid);
    assert_true(wait_got(ordersn, NULL, 2));
    assert_true(shopee_push_ok(fid, "UNPAID"));
    int bad = 0;
    char url[256], sign[65];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/push/shopee/%s", listen_port, sp.name);
    pthread_mutex_lock(&got_mu);
    for (int i = 0; i < got_n; i++) {
        if (!strstr(got[i].body, ordersn))
            continue;
        char msg[2048];
        int n = snprintf(msg, sizeof(msg), "%s|%s", url, got[i].body);
        hmac_hex(sp.partner_key, msg, (size_t)n, sign);
        bad += strcmp(sign, got[i].auth) != 0;
    }
    pthread_mutex_unlock(&got_mu);
    assert_int_equal(bad, 1);
    assert_true(log_count(fault_log, "forged_push") >= 1);
}

/* The fault log without its sim_ms stamps. */
static char *log_without_times(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t cap = 1 << 20, n = 0;
    char *out = calloc(1, cap), line[2048];
    while (fgets(line, sizeof(line), f) != NULL) {
        const char *rest = strstr(line, "\"kind\"");
        size_t k = rest != NULL ? strlen(rest) : 0;
        if (n + k + 1 < cap) {
            memcpy(out + n, rest, k);
            n += k;
        }
    }
    fclose(f);
    return out;
}

static void scripted_run(const char *state, const char *flog)
{
    unlink(state);
    unlink(flog);
    start_mock_at(state, flog, sc.seed); /* shop credentials derive from the seed */
    tokens_fetch();
    set_rule("{\"kind\":\"lost_order\",\"target\":\"platform:order/"
             "get_order_list\",\"probability\":0.3},"
             "{\"kind\":\"duplicate_order\",\"target\":\"platform:order/*\",\"probability\":0.3},"
             "{\"kind\":\"malformed\",\"target\":\"platform:order/"
             "get_order_detail\",\"probability\":0.3}");
    seq_next = 5000;
    char ids[20][32];
    for (int i = 0; i < 20; i++)
        place(&sp, "TEE-01", i % 2, ids[i], sizeof(ids[i]));
    for (int round = 0; round < 2; round++) {
        reply_free(list_recent());
        for (int i = 0; i < 20; i++) {
            char q[128];
            snprintf(q, sizeof(q), "order_sn_list=%.31s", ids[i]);
            reply_free(sp_call("GET", "order/get_order_detail", q, NULL, 0, 0));
        }
    }
    /* no callback registered here: every Shopee push not dropped went to the lost-push store */
    struct reply *r = sp_call("GET", "push/get_lost_push_message", NULL, NULL, 1, 0);
    const cJSON *resp = cJSON_GetObjectItem(r->json, "response");
    int lost = cJSON_GetArraySize(cJSON_GetObjectItem(resp, "push_message_list"));
    assert_in_range(lost, 1, 100);
    char body[96];
    snprintf(body, sizeof(body), "{\"last_message_id\":%.0f}", jnum(resp, "last_message_id"));
    reply_free(r);
    reply_free(sp_call("POST", "push/confirm_consumed_lost_push_message", NULL, body, 1, 0));
    r = sp_call("GET", "push/get_lost_push_message", NULL, NULL, 1, 0);
    resp = cJSON_GetObjectItem(r->json, "response");
    int left = cJSON_GetArraySize(cJSON_GetObjectItem(resp, "push_message_list"));
    assert_true(lost == 100 ? left > 0 : left == 0);
    reply_free(r);
    stop_mock(SIGTERM);
}

static void test_same_seed_same_fault_log(void **state)
{
    (void)state;
    pid_t main_pid = mock_pid;
    int main_port = mock_port, main_seq = seq_next;
    char sp_saved[64], wx_saved[64];
    snprintf(sp_saved, sizeof(sp_saved), "%s", sp_token);
    snprintf(wx_saved, sizeof(wx_saved), "%s", wx_token);
    const char *st[2] = {"/tmp/shipsim-mp-seed-state-a.jsonl",
                         "/tmp/shipsim-mp-seed-state-b.jsonl"};
    const char *lg[2] = {"/tmp/shipsim-mp-seed-log-a.jsonl", "/tmp/shipsim-mp-seed-log-b.jsonl"};
    char *logs[2];
    for (int run = 0; run < 2; run++) {
        scripted_run(st[run], lg[run]);
        logs[run] = log_without_times(lg[run]);
    }
    assert_true(occurrences(logs[0], "\"kind\":\"lost_order\"") > 0);
    assert_true(occurrences(logs[0], "\"kind\":\"malformed\"") > 0);
    assert_string_equal(logs[0], logs[1]);
    for (int run = 0; run < 2; run++) {
        free(logs[run]);
        unlink(st[run]);
        unlink(lg[run]);
    }
    mock_pid = main_pid;
    mock_port = main_port;
    seq_next = main_seq;
    snprintf(sp_token, sizeof(sp_token), "%s", sp_saved);
    snprintf(wx_token, sizeof(wx_token), "%s", wx_saved);
}

static void test_kill_restart_keeps_truth(void **state)
{
    (void)state;
    char id[32];
    place(&wx, "TEE-01", 1, id, sizeof(id));
    struct reply *before = http("GET", "/__sim/truth", NULL, 0);
    assert_int_equal(before->status, 200);
    stop_mock(SIGKILL);
    start_mock_at(state_path, fault_log, sc.seed);
    struct reply *after = http("GET", "/__sim/truth", NULL, 0);
    assert_string_equal(before->body, after->body);
    reply_free(before);
    reply_free(after);
    /* tokens and callbacks survive too: the old token works and the next push arrives */
    char body[96], num[64];
    snprintf(body, sizeof(body), "{\"order_id\":\"%s\"}", id);
    struct reply *r = wx_call("order/get", body, 0);
    assert_int_equal((int)jnum(r->json, "order.status"), 20);
    reply_free(r);
    reply_free(http("POST", "/__sim/orders/cancel", body, 0));
    snprintf(num, sizeof(num), "\"order_id\":%s", id);
    assert_true(wait_got(num, "channels_ec_order_cancel", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_and_auth_errors),
        cmocka_unit_test(test_control_token),
        cmocka_unit_test(test_shopee_lifecycle),
        cmocka_unit_test(test_wechat_lifecycle),
        cmocka_unit_test(test_reship_before_pickup),
        cmocka_unit_test(test_pagination),
        cmocka_unit_test(test_fault_list_kinds),
        cmocka_unit_test(test_fault_outage_kinds),
        cmocka_unit_test(test_fault_payload_kinds),
        cmocka_unit_test(test_fault_stock_drift),
        cmocka_unit_test(test_fault_forged_push),
        cmocka_unit_test(test_kill_restart_keeps_truth),
        cmocka_unit_test(test_same_seed_same_fault_log),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
