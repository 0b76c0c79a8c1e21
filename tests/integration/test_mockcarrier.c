/* bin/mockcarrier over real HTTP: SF-shape create/search/cancel/routes/remind with msgDigest,
 * Kuaidi100 query (sign, lock) and subscribe with signed callback pushes to a local listener,
 * notifications to a stand-in mockplat, every carrier fault kind at probability 1 seen on the wire
 * and in the fault log, control API, metrics, and SIGKILL + restart from the --state journal.
 *
 * The mock runs at time scale 600 (a sim-minute is 0.1 wall s); parcels are collected 600..900
 * sim s after creation, so a cancel right after a create still finds them uncollected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
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

#define TIME_SCALE "600"
#define TOKEN "carrier-test-token"
#define WAIT_MS_MAX 15000
#define LISTEN_BODIES_MAX 4000
#define BODY_MAX (256 * 1024)
#define K100_ACK "{\"result\":true,\"returnCode\":\"200\",\"message\":\"成功\"}"

static struct scenario sc;
static struct carrier_instance sf, zto;
static struct tracking_account k100_acct;
static char scenario_path[64] = "/tmp/shipsim-mc-scenario-XXXXXX";
static char state_path[64] = "/tmp/shipsim-mc-state-XXXXXX";
static char fault_log[64] = "/tmp/shipsim-mc-faults-XXXXXX";
static struct simclock clk; /* the same sim clock as the mock, so SF timestamps are current */
static pid_t mock_pid = -1;
static int mock_port;

/* --- a tiny HTTP listener for callbacks and notifications ------------------------------------ */

struct received {
    char path[64];
    char *body;
};
static struct received got[LISTEN_BODIES_MAX];
static int got_n;
static int ack_right = 1; /* 0: answer a wrong ack so Kuaidi100 pushes are retried */
static volatile int listener_stop;
static int listen_fd = -1, listen_port;
static pthread_t listener;
static pthread_mutex_t got_mu = PTHREAD_MUTEX_INITIALIZER;

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
        pthread_mutex_lock(&got_mu);
        if (got_n < LISTEN_BODIES_MAX) {
            sscanf(buf, "POST %63s", got[got_n].path);
            got[got_n].body = strdup(hdr_end + 4);
            got_n++;
        }
        int right = ack_right;
        pthread_mutex_unlock(&got_mu);
        const char *ack = right ? K100_ACK : "{\"result\":true}";
        char reply[512];
        int len = snprintf(reply, sizeof(reply),
                           "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                           "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
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

/* Count received bodies on path containing needle (NULL: any). */
static int count_got(const char *path, const char *needle)
{
    int c = 0;
    pthread_mutex_lock(&got_mu);
    for (int i = 0; i < got_n; i++)
        if (strcmp(got[i].path, path) == 0 && (needle == NULL || strstr(got[i].body, needle)))
            c++;
    pthread_mutex_unlock(&got_mu);
    return c;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int wait_got(const char *path, const char *needle, int at_least)
{
    for (int waited = 0; waited < WAIT_MS_MAX; waited += 50) {
        if (count_got(path, needle) >= at_least)
            return 1;
        sleep_ms(50);
    }
    return 0;
}

/* Bodies on path holding both needles. */
static int count_got2(const char *path, const char *a, const char *b)
{
    int c = 0;
    pthread_mutex_lock(&got_mu);
    for (int i = 0; i < got_n; i++)
        if (strcmp(got[i].path, path) == 0 && strstr(got[i].body, a) && strstr(got[i].body, b))
            c++;
    pthread_mutex_unlock(&got_mu);
    return c;
}

/* --- the mock process ------------------------------------------------------------------------ */

static void start_mock(void)
{
    const char *bin = getenv("SHIPSIM_BIN");
    char exe[1024], notify[128];
    snprintf(exe, sizeof(exe), "%s/mockcarrier", bin != NULL ? bin : "bin");
    snprintf(notify, sizeof(notify), "http://127.0.0.1:%d/__sim/parcel", listen_port);
    int out[2];
    assert_int_equal(pipe(out), 0);
    mock_pid = fork();
    assert_true(mock_pid >= 0);
    if (mock_pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        char epoch[32], anchor[32];
        snprintf(epoch, sizeof(epoch), "%lld", (long long)clk.epoch_ms);
        snprintf(anchor, sizeof(anchor), "%lld", (long long)clk.anchor_ns);
        execl(exe, exe, "--port", "0", "--scenario", scenario_path, "--time-scale", TIME_SCALE,
              "--sim-epoch-ms", epoch, "--sim-anchor-ns", anchor, "--control-token", TOKEN,
              "--state", state_path, "--fault-log", fault_log, "--notify-url", notify,
              "--log-level", "warn", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
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
    assert_true(sscanf(line, "listening on 127.0.0.1:%d", &mock_port) == 1);
}

static void stop_mock(int sig)
{
    if (mock_pid <= 0)
        return;
    kill(mock_pid, sig);
    int st = 0;
    waitpid(mock_pid, &st, 0);
    if (sig == SIGTERM)
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    mock_pid = -1;
}

/* --- HTTP helpers ---------------------------------------------------------------------------- */

struct reply {
    long status;
    CURLcode rc;
    char body[BODY_MAX];
    size_t len;
    double seconds;
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

static void http(const char *method, const char *path, const char *body, const char *ctype,
                 long timeout_ms, struct reply *r)
{
    memset(r, 0, sizeof(*r));
    char url[256], ct[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", mock_port, path);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "X-Sim-Token: " TOKEN);
    if (ctype != NULL) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
        h = curl_slist_append(h, ct);
    }
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
}

static char *enc(const char *s)
{
    CURL *c = curl_easy_init();
    char *e = curl_easy_escape(c, s, 0);
    char *copy = strdup(e);
    curl_free(e);
    curl_easy_cleanup(c);
    return copy;
}

/* msgDigest computed here the Python way (quote_plus), independent of the mock's csign.c. */
static void sf_digest(const char *msg, const char *ts, const char *cw, char out[32])
{
    size_t jl = strlen(msg) + strlen(ts) + strlen(cw) + 1;
    char *joined = malloc(jl);
    snprintf(joined, jl, "%s%s%s", msg, ts, cw);
    char *e = malloc(strlen(joined) * 3 + 1);
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)joined; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '_' || *p == '.' || *p == '-' || *p == '~')
            e[o++] = (char)*p;
        else if (*p == ' ')
            e[o++] = '+';
        else
            o += (size_t)snprintf(e + o, 4, "%%%02X", *p);
    }
    e[o] = '\0';
    unsigned char md[16];
    unsigned int mdlen = 0;
    EVP_Digest(e, o, md, &mdlen, EVP_md5(), NULL);
    EVP_EncodeBlock((unsigned char *)out, md, 16);
    free(joined);
    free(e);
}

static void sf_call(const struct carrier_instance *ci, const char *service, const char *msg,
                    int good_digest, long timeout_ms, struct reply *r)
{
    char ts[32], digest[32], path[64];
    snprintf(ts, sizeof(ts), "%lld", (long long)simclock_now_ms(&clk));
    sf_digest(msg, ts, good_digest ? ci->checkword : "wrong", digest);
    char *m = enc(msg), *d = enc(digest);
    size_t cap = strlen(m) + 512;
    char *body = malloc(cap);
    snprintf(body, cap,
             "partnerID=%s&requestID=req-1&serviceCode=%s&timestamp=%s&msgDigest=%s"
             "&msgData=%s",
             ci->partner_id, service, ts, d, m);
    snprintf(path, sizeof(path), "/%s/std/service", ci->code);
    http("POST", path, body, "application/x-www-form-urlencoded", timeout_ms, r);
    free(m), free(d), free(body);
}

/* apiResultData of an SF reply parsed (the string decoded); NULL when absent or not a string. */
static cJSON *sf_result(const struct reply *r, char *code_out)
{
    cJSON *o = cJSON_Parse(r->body);
    if (o == NULL)
        return NULL;
    const cJSON *code = cJSON_GetObjectItem(o, "apiResultCode");
    if (code_out != NULL)
        snprintf(code_out, 16, "%s", cJSON_IsString(code) ? code->valuestring : "");
    const cJSON *data = cJSON_GetObjectItem(o, "apiResultData");
    cJSON *res = cJSON_IsString(data) ? cJSON_Parse(data->valuestring) : NULL;
    cJSON_Delete(o);
    return res;
}

static void create(const struct carrier_instance *ci, const char *ref, const char *who,
                   char *waybill_out, char *code_out)
{
    char msg[512];
    snprintf(msg, sizeof(msg),
             "{\"language\":\"zh-CN\",\"orderId\":\"%s\",\"cargoDetails\":"
             "[{\"name\":\"T恤\",\"count\":1}],\"contactInfoList\":[{\"contactType\":2,"
             "\"contact\":\"%s\",\"mobile\":\"139****0909\",\"address\":\"北京市朝阳区望京\"}]}",
             ref, who);
    struct reply r;
    sf_call(ci, "EXP_RECE_CREATE_ORDER", msg, 1, 0, &r);
    assert_int_equal(r.status, 200);
    char gw[16];
    cJSON *res = sf_result(&r, gw);
    assert_string_equal(gw, "A1000");
    assert_non_null(res);
    const cJSON *ec = cJSON_GetObjectItem(res, "errorCode");
    snprintf(code_out, 16, "%s", ec->valuestring);
    waybill_out[0] = '\0';
    const cJSON *m = cJSON_GetObjectItem(res, "msgData");
    const cJSON *list = m != NULL ? cJSON_GetObjectItem(m, "waybillNoInfoList") : NULL;
    if (cJSON_GetArraySize(list) > 0)
        snprintf(waybill_out, 32, "%s",
                 cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "waybillNo")->valuestring);
    cJSON_Delete(res);
}

static void md5_upper(const char *a, const char *b, const char *c, char out[33])
{
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    EVP_DigestInit_ex(x, EVP_md5(), NULL);
    EVP_DigestUpdate(x, a, strlen(a));
    EVP_DigestUpdate(x, b, strlen(b));
    if (c != NULL)
        EVP_DigestUpdate(x, c, strlen(c));
    unsigned char md[16];
    unsigned int n = 0;
    EVP_DigestFinal_ex(x, md, &n);
    EVP_MD_CTX_free(x);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02X", md[i]);
}

static void k100_query(const char *com, const char *num, int good_sign, struct reply *r)
{
    char param[256], sign[33];
    snprintf(param, sizeof(param), "{\"com\":\"%s\",\"num\":\"%s\",\"phone\":\"0909\"}", com, num);
    md5_upper(param, good_sign ? k100_acct.key : "nokey", k100_acct.customer, sign);
    char *p = enc(param), body[1024];
    snprintf(body, sizeof(body), "customer=%s&sign=%s&param=%s", k100_acct.customer, sign, p);
    free(p);
    http("POST", "/kuaidi100/poll/query.do", body, "application/x-www-form-urlencoded", 0, r);
}

static void k100_subscribe(const char *com, const char *num, const char *salt, struct reply *r)
{
    char param[512];
    snprintf(param, sizeof(param),
             "{\"company\":\"%s\",\"number\":\"%s\",\"key\":\"%s\","
             "\"parameters\":{\"callbackurl\":\"http://127.0.0.1:%d/k100\",\"salt\":\"%s\","
             "\"resultv2\":\"4\"}}",
             com, num, k100_acct.key, listen_port, salt);
    char *p = enc(param), body[2048];
    snprintf(body, sizeof(body), "schema=json&param=%s", p);
    free(p);
    http("POST", "/kuaidi100/poll", body, "application/x-www-form-urlencoded", 0, r);
}

static void set_faults(const char *rules)
{
    char body[2048];
    snprintf(body, sizeof(body), "{\"faults\":[%s]}", rules);
    struct reply r;
    http("PUT", "/__sim/faults", body, "application/json", 0, &r);
    if (r.status != 200)
        fail_msg("PUT /__sim/faults %s -> %ld %s", rules, r.status, r.body);
}

static void clear_faults(void)
{
    struct reply r;
    http("DELETE", "/__sim/faults", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
}

static int fault_logged(const char *kind)
{
    FILE *f = fopen(fault_log, "r");
    if (f == NULL)
        return 0;
    char line[4096], needle[64];
    snprintf(needle, sizeof(needle), "\"kind\":\"%s\"", kind);
    int n = 0;
    while (fgets(line, sizeof(line), f) != NULL)
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

/* --- tests ----------------------------------------------------------------------------------- */

static void test_digest_and_idempotent_create(void **state)
{
    struct reply r;
    sf_call(&sf, "EXP_RECE_CREATE_ORDER", "{\"orderId\":\"BAD-1\"}", 0, 0, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"apiResultCode\":\"A1006\""));

    char wb1[32], wb2[32], wb3[32], code[16];
    create(&sf, "ORD-1", "张三", wb1, code);
    assert_string_equal(code, "S0000");
    assert_int_equal(strlen(wb1), 15);
    assert_memory_equal(wb1, "SF", 2);
    create(&sf, "ORD-1", "张三", wb2, code);
    assert_string_equal(wb1, wb2); /* same reference, same waybill */
    create(&sf, "ORD-1", "李四", wb3, code);
    assert_string_equal(code, "8016"); /* same reference, different data */

    sf_call(&sf, "EXP_RECE_SEARCH_ORDER_RESP", "{\"orderId\":\"ORD-1\"}", 1, 0, &r);
    assert_non_null(strstr(r.body, wb1));
    sf_call(&sf, "EXP_RECE_SEARCH_ORDER_RESP", "{\"orderId\":\"NOPE\"}", 1, 0, &r);
    assert_non_null(strstr(r.body, "8018"));

    /* ZTO numbers come from the ZTO format */
    char z[32];
    create(&zto, "ORD-Z1", "王五", z, code);
    assert_int_equal(strlen(z), 14);

    /* cancel before pickup; the parcel never moves; search still finds it */
    char c[32];
    create(&sf, "ORD-CANCEL", "赵六", c, code);
    sf_call(&sf, "EXP_RECE_UPDATE_ORDER", "{\"orderId\":\"ORD-CANCEL\",\"dealType\":2}", 1, 0, &r);
    assert_non_null(strstr(r.body, "S0000"));
    assert_non_null(strstr(r.body, "resStatus"));
    sf_call(&sf, "EXP_RECE_REMIND", "{\"orderId\":\"ORD-1\"}", 1, 0, &r);
    assert_non_null(strstr(r.body, "remindCount"));
}

static void test_lifecycle_subscribe_callbacks(void **state)
{
    char wb[32], code[16];
    create(&sf, "ORD-TRACK", "孙七", wb, code);
    struct reply r;
    k100_subscribe("shunfeng", wb, "salt-1", &r);
    assert_non_null(strstr(r.body, "\"returnCode\":\"200\""));
    k100_subscribe("shunfeng", wb, "salt-1", &r);
    assert_non_null(strstr(r.body, "\"returnCode\":\"501\""));

    /* the parcel moves on the sim clock; every push is signed; the last says shutdown */
    assert_true(wait_got("/k100", "shutdown", 1));
    pthread_mutex_lock(&got_mu);
    int checked = 0;
    for (int i = 0; i < got_n; i++) {
        if (strcmp(got[i].path, "/k100") != 0)
            continue;
        char *b = got[i].body, *amp = strstr(b, "&sign=");
        assert_non_null(amp);
        *amp = '\0';
        for (char *q = b; *q; q++) /* form encoding: '+' is a space */
            if (*q == '+')
                *q = ' ';
        CURL *c = curl_easy_init();
        int plen = 0;
        char *param = curl_easy_unescape(c, b + 6, 0, &plen);
        char want[33];
        md5_upper(param, "salt-1", NULL, want);
        assert_string_equal(amp + 6, want);
        assert_non_null(strstr(param, wb));
        curl_free(param);
        curl_easy_cleanup(c);
        *amp = '&';
        checked++;
    }
    pthread_mutex_unlock(&got_mu);
    assert_true(checked >= 3);

    /* notifications to the stand-in mockplat name the states */
    assert_true(wait_got("/__sim/parcel", "\"state\":\"signed\"", 1));
    assert_true(count_got("/__sim/parcel", "\"state\":\"collected\"") >= 1);
    assert_true(count_got("/__sim/parcel", "\"state\":\"out_for_delivery\"") >= 1);

    /* query: bad sign refused; good one answers; a second within 30 sim-min is locked */
    k100_query("shunfeng", wb, 0, &r);
    assert_non_null(strstr(r.body, "\"returnCode\":\"503\""));
    k100_query("shunfeng", wb, 1, &r);
    assert_non_null(strstr(r.body, "\"ischeck\":\"1\""));
    assert_non_null(strstr(r.body, "\"state\":\"3\""));
    assert_non_null(strstr(r.body, "已签收"));
    k100_query("shunfeng", wb, 1, &r);
    assert_non_null(strstr(r.body, "\"returnCode\":\"502\""));

    /* cancelled parcels never move: truth shows no events for ORD-CANCEL */
    http("GET", "/__sim/truth", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    const char *line = strstr(r.body, "\"type\":\"parcel\",\"carrier\":\"SF\"");
    assert_non_null(line);
    const char *cancel =
        strstr(r.body, "\"order_ref\":\"ORD-CANCEL\",\"state\":null,\"events\":[]");
    assert_non_null(cancel);
    assert_non_null(strstr(r.body, "\"reminders\":1"));
}

static void test_wrong_ack_is_retried(void **state)
{
    char wb[32], code[16];
    create(&sf, "ORD-RETRY", "周八", wb, code);
    pthread_mutex_lock(&got_mu);
    ack_right = 0;
    pthread_mutex_unlock(&got_mu);
    struct reply r;
    k100_subscribe("shunfeng", wb, "salt-2", &r);
    assert_non_null(strstr(r.body, "\"returnCode\":\"200\""));
    /* one shutdown push when signed, then the same push again 35 sim-min (3.5 wall s) later */
    int retried = 0;
    for (int waited = 0; waited < WAIT_MS_MAX && !retried; waited += 100) {
        retried = count_got2("/k100", wb, "shutdown") >= 2;
        sleep_ms(100);
    }
    assert_true(retried);
    pthread_mutex_lock(&got_mu);
    ack_right = 1;
    pthread_mutex_unlock(&got_mu);
    http("GET", "/__sim/stats", NULL, NULL, 0, &r);
    cJSON *o = cJSON_Parse(r.body);
    const cJSON *p = cJSON_GetObjectItem(o, "pushes");
    assert_true(cJSON_GetObjectItem(p, "failed")->valuedouble >= 2);
    cJSON_Delete(o);
}

static void test_fault_auth_reset_error_latency(void **state)
{
    struct reply r;
    char wb[32], code[16];
    set_faults("{\"kind\":\"carrier_auth\",\"target\":\"carrier:*\",\"carrier\":\"ZTO\","
               "\"probability\":1}");
    sf_call(&zto, "EXP_RECE_CREATE_ORDER", "{\"orderId\":\"ORD-AUTH\"}", 1, 0, &r);
    assert_non_null(strstr(r.body, "\"apiResultCode\":\"A1004\""));
    create(&sf, "ORD-AUTH-SF", "吴九", wb, code); /* SF is not affected */
    assert_string_equal(code, "S0000");

    set_faults("{\"kind\":\"reset\",\"target\":\"carrier:EXP_RECE_SEARCH_ORDER_RESP\","
               "\"probability\":1}");
    sf_call(&sf, "EXP_RECE_SEARCH_ORDER_RESP", "{\"orderId\":\"ORD-1\"}", 1, 0, &r);
    assert_true(r.rc == CURLE_RECV_ERROR || r.rc == CURLE_GOT_NOTHING);

    set_faults("{\"kind\":\"error\",\"target\":\"carrier:EXP_RECE_SEARCH_ORDER_RESP\","
               "\"probability\":1,\"status\":503}");
    sf_call(&sf, "EXP_RECE_SEARCH_ORDER_RESP", "{\"orderId\":\"ORD-1\"}", 1, 0, &r);
    assert_int_equal(r.status, 503);

    set_faults("{\"kind\":\"latency\",\"target\":\"carrier:EXP_RECE_SEARCH_ORDER_RESP\","
               "\"probability\":1,\"delay_ms\":400}");
    sf_call(&sf, "EXP_RECE_SEARCH_ORDER_RESP", "{\"orderId\":\"ORD-1\"}", 1, 0, &r);
    assert_int_equal(r.status, 200);
    assert_true(r.seconds >= 0.39);

    set_faults("{\"kind\":\"malformed\",\"target\":\"carrier:EXP_RECE_SEARCH_ORDER_RESP\","
               "\"probability\":1,\"mode\":\"wrong_type\"}");
    sf_call(&sf, "EXP_RECE_SEARCH_ORDER_RESP", "{\"orderId\":\"ORD-1\"}", 1, 0, &r);
    cJSON *o = cJSON_Parse(r.body);
    assert_non_null(o);
    assert_true(cJSON_IsObject(cJSON_GetObjectItem(o, "apiResultData")));
    cJSON_Delete(o);
    set_faults("{\"kind\":\"malformed\",\"target\":\"carrier:EXP_RECE_SEARCH_ORDER_RESP\","
               "\"probability\":1,\"mode\":\"truncated\"}");
    sf_call(&sf, "EXP_RECE_SEARCH_ORDER_RESP", "{\"orderId\":\"ORD-1\"}", 1, 0, &r);
    assert_int_equal(r.status, 200);
    o = cJSON_Parse(r.body);
    assert_null(o);
    clear_faults();
    for (const char *const *k =
             (const char *const[]){"carrier_auth", "reset", "error", "latency", "malformed", NULL};
         *k != NULL; k++)
        if (fault_logged(*k) < 1)
            fail_msg("fault %s not in the fault log", *k);
}

/* EXP_RECE_VALIDATE_WAYBILLNO names the reference that made the number (not ORD-FOREIGN, which
 * was handed it again); a cancel by ORD-FOREIGN naming the number cancels only its own record. */
static void validate_and_cancel_foreign(const char *foreign)
{
    struct reply r;
    char msg[128];
    snprintf(msg, sizeof(msg), "{\"waybillNo\":\"%s\"}", foreign);
    sf_call(&sf, "EXP_RECE_VALIDATE_WAYBILLNO", msg, 1, 0, &r);
    cJSON *res = sf_result(&r, NULL);
    assert_non_null(res);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(res, "success")));
    const cJSON *m = cJSON_GetObjectItem(res, "msgData");
    const char *owner = cJSON_GetObjectItem(m, "orderId")->valuestring;
    assert_string_not_equal(owner, "ORD-FOREIGN");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(m, "cancelled")));
    cJSON_Delete(res);
    sf_call(&zto, "EXP_RECE_VALIDATE_WAYBILLNO", msg, 1, 0, &r); /* not ZTO's number */
    assert_non_null(strstr(r.body, "8018"));
    sf_call(&sf, "EXP_RECE_VALIDATE_WAYBILLNO", "{\"waybillNo\":\"SF1400000000000\"}", 1, 0, &r);
    assert_non_null(strstr(r.body, "8018"));
    snprintf(msg, sizeof(msg),
             "{\"orderId\":\"ORD-FOREIGN\",\"dealType\":2,\"waybillNoInfoList\":"
             "[{\"waybillType\":1,\"waybillNo\":\"%s\"}]}",
             foreign);
    sf_call(&sf, "EXP_RECE_UPDATE_ORDER", msg, 1, 0, &r);
    assert_non_null(strstr(r.body, "S0000"));
}

static void test_fault_timeout_then_duplicate(void **state)
{
    set_faults("{\"kind\":\"timeout\",\"target\":\"carrier:EXP_RECE_CREATE_ORDER\","
               "\"probability\":1,\"attempts\":1},"
               "{\"kind\":\"duplicate_waybill\",\"target\":\"carrier:EXP_RECE_CREATE_ORDER\","
               "\"probability\":1,\"mode\":\"retry\"}");
    struct reply r;
    const char *msg = "{\"orderId\":\"ORD-TO\",\"contactInfoList\":[{\"contactType\":2}]}";
    sf_call(&sf, "EXP_RECE_CREATE_ORDER", msg, 1, 800, &r);
    assert_int_equal(r.rc, CURLE_OPERATION_TIMEDOUT);
    sf_call(&sf, "EXP_RECE_CREATE_ORDER", msg, 1, 0, &r); /* the retry */
    cJSON *res = sf_result(&r, NULL);
    assert_non_null(res);
    char second[32];
    const cJSON *list =
        cJSON_GetObjectItem(cJSON_GetObjectItem(res, "msgData"), "waybillNoInfoList");
    assert_int_equal(cJSON_GetArraySize(list), 2); /* the first waybill, then the second */
    snprintf(second, sizeof(second), "%s",
             cJSON_GetObjectItem(cJSON_GetArrayItem(list, 1), "waybillNo")->valuestring);
    cJSON_Delete(res);

    /* foreign: a new order gets a number already given to another order */
    set_faults("{\"kind\":\"duplicate_waybill\",\"target\":\"carrier:EXP_RECE_CREATE_ORDER\","
               "\"probability\":1,\"mode\":\"foreign\"}");
    char foreign[32], code[16];
    create(&sf, "ORD-FOREIGN", "郑十", foreign, code);
    clear_faults();
    /* both numbers of the retried create are listed, the first (main) one first */
    sf_call(&sf, "EXP_RECE_SEARCH_ORDER_RESP", "{\"orderId\":\"ORD-TO\"}", 1, 0, &r);
    res = sf_result(&r, NULL);
    list = cJSON_GetObjectItem(cJSON_GetObjectItem(res, "msgData"), "waybillNoInfoList");
    assert_int_equal(cJSON_GetArraySize(list), 2);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 1), "waybillNo")->valuestring,
                        second);
    cJSON_Delete(res);
    validate_and_cancel_foreign(foreign);

    http("GET", "/__sim/truth", NULL, NULL, 0, &r);
    int to_lines = 0, dup_lines = 0, foreign_owner = 0, foreign_cancelled = 0;
    char *save = NULL;
    for (char *line = strtok_r(r.body, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        cJSON *o = cJSON_Parse(line);
        assert_non_null(o);
        const char *type = cJSON_GetObjectItem(o, "type")->valuestring;
        const char *ref = cJSON_GetObjectItem(o, "order_ref")->valuestring;
        const char *no = cJSON_GetObjectItem(o, "waybill")->valuestring;
        const cJSON *dup = cJSON_GetObjectItem(o, "duplicate_of");
        if (strcmp(type, "waybill") == 0 && strcmp(ref, "ORD-TO") == 0) {
            to_lines++;
            if (cJSON_IsString(dup)) {
                dup_lines++;
                assert_string_equal(no, second);
                assert_string_not_equal(dup->valuestring, second);
            }
        }
        if (strcmp(type, "waybill") == 0 && strcmp(no, foreign) == 0) {
            int cancelled = cJSON_IsNumber(cJSON_GetObjectItem(o, "cancel_ms"));
            foreign_owner += strcmp(ref, "ORD-FOREIGN") != 0 && !cancelled;
            foreign_cancelled += strcmp(ref, "ORD-FOREIGN") == 0 && cancelled;
        }
        cJSON_Delete(o);
    }
    assert_int_equal(foreign_cancelled, 1); /* only the impostor's record */
    assert_int_equal(to_lines, 2); /* the timed-out create was processed, the retry made another */
    assert_int_equal(dup_lines, 1);
    assert_int_equal(foreign_owner, 1);
    assert_true(fault_logged("timeout") >= 1);
    assert_true(fault_logged("duplicate_waybill") >= 2);
}

/* Routes of ORD-TRACK (signed long ago) under a garbled_tracking mode. */
static cJSON *routes(const char *mode, char *mail_no, struct reply *r)
{
    if (mode != NULL) {
        char rule[256];
        snprintf(rule, sizeof(rule),
                 "{\"kind\":\"garbled_tracking\",\"target\":"
                 "\"carrier:EXP_RECE_SEARCH_ROUTES\",\"probability\":1,\"mode\":\"%s\"}",
                 mode);
        set_faults(rule);
    }
    sf_call(&sf, "EXP_RECE_SEARCH_ROUTES",
            "{\"trackingType\":\"2\",\"trackingNumber\":[\"ORD-TRACK\"]}", 1, 0, r);
    if (mode != NULL)
        clear_faults();
    cJSON *res = sf_result(r, NULL);
    if (res == NULL)
        return NULL;
    const cJSON *one = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(res, "msgData"), "routeResps"), 0);
    snprintf(mail_no, 32, "%s", cJSON_GetObjectItem(one, "mailNo")->valuestring);
    cJSON *list = cJSON_DetachItemFromObject((cJSON *)one, "routes");
    cJSON_Delete(res);
    return list;
}

static void test_fault_garbled_tracking(void **state)
{
    struct reply r;
    char clean_no[32], no[32];
    cJSON *clean = routes(NULL, clean_no, &r);
    int n = cJSON_GetArraySize(clean);
    assert_true(n >= 5);
    const char *newest =
        cJSON_GetObjectItem(cJSON_GetArrayItem(clean, n - 1), "remark")->valuestring;

    cJSON *g = routes("mojibake", no, &r);
    const char *t = cJSON_GetObjectItem(cJSON_GetArrayItem(g, n - 1), "remark")->valuestring;
    assert_string_not_equal(t, newest);
    cJSON_Delete(g);

    g = routes("invalid_utf8", no, &r);
    assert_non_null(memchr(r.body, 0xFF, r.len));
    cJSON_Delete(g);

    g = routes("truncated_waybill", no, &r);
    assert_int_equal(strlen(no) + 3, strlen(clean_no));
    cJSON_Delete(g);

    g = routes("repeated", no, &r);
    assert_int_equal(cJSON_GetArraySize(g), n + 1);
    cJSON_Delete(g);

    g = routes("out_of_order", no, &r);
    int sorted = 1;
    for (int i = 1; i < cJSON_GetArraySize(g); i++)
        if (strcmp(cJSON_GetObjectItem(cJSON_GetArrayItem(g, i - 1), "acceptTime")->valuestring,
                   cJSON_GetObjectItem(cJSON_GetArrayItem(g, i), "acceptTime")->valuestring) > 0)
            sorted = 0;
    assert_false(sorted);
    cJSON_Delete(g);
    cJSON_Delete(clean);
    assert_true(fault_logged("garbled_tracking") >= 5);

    /* the truth is never garbled */
    http("GET", "/__sim/truth", NULL, NULL, 0, &r);
    assert_null(memchr(r.body, 0xFF, r.len));
}

static void test_fault_tracking_stall(void **state)
{
    set_faults("{\"kind\":\"tracking_stall\",\"target\":\"carrier:parcel\",\"probability\":1,"
               "\"duration_s\":360000}");
    char wb[32], code[16];
    create(&sf, "ORD-STALL", "钱一", wb, code);
    struct reply r;
    int stalled = 0;
    for (int waited = 0; waited < WAIT_MS_MAX && !stalled; waited += 200) {
        sleep_ms(200);
        http("GET", "/__sim/truth", NULL, NULL, 0, &r);
        const char *p = strstr(r.body, "\"order_ref\":\"ORD-STALL\",\"state\"");
        stalled = p != NULL && strstr(p, "\"stalled\":true") != NULL &&
                  strstr(p, "\"stalled\":true") < strchr(p, '\n');
    }
    clear_faults();
    assert_true(stalled);
    const char *p = strstr(r.body, "\"order_ref\":\"ORD-STALL\",\"state\":1,");
    assert_non_null(p); /* collected, then nothing: the transit event waits out the stall */
    assert_true(fault_logged("tracking_stall") >= 1);
}

static void test_control_metrics_restart(void **state)
{
    struct reply r;
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/__sim/stats", mock_port);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    memset(&r, 0, sizeof(r));
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    assert_int_equal(status, 401);

    http("GET", "/metrics", NULL, NULL, 0, &r);
    assert_non_null(
        strstr(r.body, "shipsim_carrier_requests_total{endpoint=\"EXP_RECE_CREATE_ORDER\"}"));
    assert_non_null(strstr(r.body, "shipsim_carrier_faults_total{kind=\"garbled_tracking\"}"));
    http("GET", "/healthz", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);

    http("GET", "/__sim/truth", NULL, NULL, 0, &r);
    char *before = strdup(r.body);
    const char *w = strstr(before, "\"order_ref\":\"ORD-1\"");
    assert_non_null(w);
    stop_mock(SIGKILL);
    start_mock();
    http("GET", "/__sim/truth", NULL, NULL, 0, &r);
    /* every waybill line survives; ORD-TRACK keeps its signed events */
    char *save = NULL;
    int lines = 0;
    for (char *line = strtok_r(before, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (strstr(line, "\"type\":\"waybill\"") != NULL) {
            if (strstr(r.body, line) == NULL)
                fail_msg("lost after restart: %s", line);
            lines++;
        }
    }
    assert_true(lines >= 8);
    assert_non_null(strstr(r.body, "\"order_ref\":\"ORD-TRACK\",\"state\":3"));
    free(before);
    char wb[32], code[16];
    create(&sf, "ORD-1", "张三", wb, code); /* still idempotent after the restart */
    assert_non_null(strstr(r.body, wb));

    http("POST", "/__sim/reset", "{}", "application/json", 0, &r);
    assert_int_equal(r.status, 200);
    http("GET", "/__sim/truth", NULL, NULL, 0, &r);
    assert_int_equal(r.len, 0);
}

/* The smoke scenario with fast parcels and a long run (fault windows stay open). */
static int write_scenario(void)
{
    const char *root = getenv("SHIPSIM_ROOT");
    char path[1024], err[2048];
    snprintf(path, sizeof(path), "%s/scenarios/smoke.json", root != NULL ? root : ".");
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    cJSON *o = cJSON_Parse(text);
    if (o == NULL)
        return -1;
    cJSON *sim = cJSON_GetObjectItem(o, "sim");
    cJSON_ReplaceItemInObject(sim, "duration_s", cJSON_CreateNumber(86400));
    cJSON_ReplaceItemInObject(o, "parcels",
                              cJSON_Parse("{\"pickup_s\":[600,900],\"hop_s\":[60,120],"
                                          "\"hops\":[2,2],\"problem_share\":0,"
                                          "\"refuse_share\":0,\"return_share\":0}"));
    cJSON_ReplaceItemInObject(o, "faults", cJSON_CreateArray());
    char *out = cJSON_Print(o);
    cJSON_Delete(o);
    int fd = mkstemp(scenario_path);
    if (fd < 0)
        return -1;
    ssize_t w = write(fd, out, strlen(out));
    close(fd);
    free(out);
    if (w <= 0 || scenario_load(scenario_path, &sc, err, sizeof(err)) != 0) {
        fprintf(stderr, "scenario: %s\n", err);
        return -1;
    }
    for (int i = 0; i < sc.carrier_count; i++) {
        struct carrier_instance ci;
        if (scenario_carrier(&sc, i, &ci) != 0)
            return -1;
        if (strcmp(ci.code, "SF") == 0)
            sf = ci;
        if (strcmp(ci.code, "ZTO") == 0)
            zto = ci;
    }
    scenario_tracking_account(&sc, &k100_acct);
    return sf.code[0] != '\0' && zto.code[0] != '\0' ? 0 : -1;
}

static int setup(void **state)
{
    if (write_scenario() != 0)
        return -1;
    simclock_init(&clk, 0, strtod(TIME_SCALE, NULL));
    int fd = mkstemp(state_path);
    close(fd);
    unlink(state_path); /* the mock creates it */
    fd = mkstemp(fault_log);
    close(fd);
    curl_global_init(CURL_GLOBAL_ALL);
    listener_start();
    start_mock();
    return 0;
}

static int teardown(void **state)
{
    stop_mock(SIGTERM);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digest_and_idempotent_create),
        cmocka_unit_test(test_lifecycle_subscribe_callbacks),
        cmocka_unit_test(test_wrong_ack_is_retried),
        cmocka_unit_test(test_fault_auth_reset_error_latency),
        cmocka_unit_test(test_fault_timeout_then_duplicate),
        cmocka_unit_test(test_fault_garbled_tracking),
        cmocka_unit_test(test_fault_tracking_stall),
        cmocka_unit_test(test_control_metrics_restart),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
