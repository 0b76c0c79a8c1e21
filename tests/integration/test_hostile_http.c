/* Hostile clients and security checks against the real servers (issue 11, RELIABILITY.md):
 * mockplat, mockcarrier and syncd each get, over raw sockets, a bad method, huge headers, an
 * oversized body (with a length and chunked), a truncated body, a slowloris client (headers
 * dribbled one byte per 100 ms) and a slow body, invalid UTF-8 in JSON and 100k nested '['. Each
 * must end in a 4xx or a closed connection within HOSTILE_LIMIT_MS (the slow ones within the read
 * deadline, HTTP_REQUEST_READ_DEADLINE_MS, plus SLOW_MARGIN_MS), and GET /healthz must still
 * answer 200 after each (and while the slow clients hang on). All cases run at once, so the test
 * takes about one server timeout. Then: every server listens on 127.0.0.1 only, /__sim/ and syncd's
 * /__ dumps refuse a missing or wrong token, syncd's SQLite file is mode 0600, and no derived
 * secret of the scenario appears in any process's log. Binaries from $SHIPSIM_BIN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/check.h"
#include "common/limits.h"
#include "common/simclock.h"
#include "scenario/scenario.h"

#define T_TOKEN "hostile-token"
#define HOSTILE_LIMIT_MS ((HTTP_SERVER_TIMEOUT_S + 8) * 1000) /* answer or close by then */
#define SLOW_BYTE_MS 100
#define SLOW_MARGIN_MS 3000 /* a slow client is cut this soon after the read deadline */
#define NEST_DEPTH 100000
#define HUGE_HEADER_BYTES (20 * 1024)
#define BIG_BODY_BYTES (HTTP_BODY_BYTES_MAX + 1024 * 1024)
#define READ_BYTES_MAX (1024 * 1024)
#define LOG_BYTES_MAX (16 * 1024 * 1024)

enum server { SRV_PLAT, SRV_CARRIER, SRV_SYNCD, SRV_COUNT };
static const char *const server_names[SRV_COUNT] = {"mockplat", "mockcarrier", "syncd"};

struct proc {
    pid_t pid;
    int port;
    char line[128]; /* the "listening on ..." line */
};

struct world {
    char dir[128];
    char scen[192], cfg[192], db[192];
    char clock_epoch[32], clock_anchor[32];
    struct proc srv[SRV_COUNT];
    struct scenario *sc;
};

static struct world world;

/* ---- processes ------------------------------------------------------------------------------ */

/* snprintf for paths, failing the test on truncation. */
static void pathf(char *buf, size_t len, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void pathf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < len);
}

static const char *bin_dir(void)
{
    const char *b = getenv("SHIPSIM_BIN");
    return b != NULL ? b : "bin";
}

/* Start exe with argv, stderr to log; read "listening on 127.0.0.1:PORT" from its stdout. */
static struct proc spawn(const char *name, const char *log, char *const *args)
{
    struct proc p = {-1, 0, {0}};
    int fds[2];
    char exe[256];
    snprintf(exe, sizeof(exe), "%s/%s", bin_dir(), name);
    assert_int_equal(pipe(fds), 0);
    p.pid = fork();
    assert_true(p.pid >= 0);
    if (p.pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(fds[1], 1);
        dup2(fd, 2);
        close(fds[0]);
        execv(exe, args);
        _exit(127);
    }
    close(fds[1]);
    size_t n = 0;
    struct pollfd pfd = {fds[0], POLLIN, 0};
    while (n < sizeof(p.line) - 1 && poll(&pfd, 1, 10000) > 0) {
        ssize_t r = read(fds[0], p.line + n, 1);
        if (r <= 0 || p.line[n] == '\n') {
            break;
        }
        n++;
    }
    p.line[n] = '\0';
    close(fds[0]);
    const char *colon = strrchr(p.line, ':');
    if (colon == NULL) {
        fail_msg("%s did not announce its port (log %s)", name, log);
    }
    p.port = (int)strtol(colon + 1, NULL, 10);
    assert_true(p.port > 0);
    return p;
}

/* 1 when the process is still running. */
static int alive(const struct proc *p)
{
    return p->pid > 0 && waitpid(p->pid, NULL, WNOHANG) == 0;
}

static void stop(struct proc *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGTERM);
        waitpid(p->pid, NULL, 0);
        p->pid = -1;
    }
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void write_scenario(struct world *w)
{
    write_file(w->scen,
               "{\"name\":\"itest-hostile\",\"seed\":9191,\"sim\":{\"duration_s\":7200,"
               "\"time_scale\":100},"
               "\"shops\":[{\"id\":\"sp1\",\"flavor\":\"shopee\",\"count\":1},"
               "{\"id\":\"wx1\",\"flavor\":\"wechat\",\"count\":1}],"
               "\"carriers\":{\"primary\":\"SF\",\"backup\":\"ZTO\",\"enabled\":[\"SF\",\"ZTO\"]},"
               "\"catalog\":[{\"sku\":\"TEE-01\",\"stock\":5000,\"daily_mean_sales\":100}],"
               "\"load\":{\"stages\":[{\"ramp_to_per_s\":0.01,\"sim_s\":7200}]},"
               "\"buyers\":{\"population\":1000},\"faults\":[],\"crashes\":[],"
               "\"sla\":{\"ship_within_s\":7200},\"thresholds\":{}}");
}

/* syncd's configuration from the scenario's derived credentials, as the runner writes it. */
static void write_config(struct world *w)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *shops = cJSON_AddArrayToObject(root, "shops");
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", w->srv[SRV_PLAT].port);
    for (int i = 0; i < w->sc->shop_count; i++) {
        struct shop_instance s;
        assert_int_equal(scenario_shop(w->sc, i, &s), 0);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", s.name);
        cJSON_AddStringToObject(o, "base_url", url);
        if (s.flavor == FLAVOR_SHOPEE) {
            cJSON_AddStringToObject(o, "flavor", "shopee");
            cJSON_AddNumberToObject(o, "shop_id", (double)s.shop_id);
            cJSON_AddNumberToObject(o, "partner_id", (double)s.partner_id);
            cJSON_AddStringToObject(o, "partner_key", s.partner_key);
            cJSON_AddStringToObject(o, "refresh_token", s.refresh_token);
        } else {
            cJSON_AddStringToObject(o, "flavor", "wechat");
            cJSON_AddStringToObject(o, "appid", s.appid);
            cJSON_AddStringToObject(o, "secret", s.secret);
            cJSON_AddStringToObject(o, "push_token", s.push_token);
        }
        cJSON_AddItemToArray(shops, o);
    }
    cJSON *cars = cJSON_AddArrayToObject(root, "carriers");
    for (int i = 0; i < w->sc->carrier_count; i++) {
        struct carrier_instance c;
        assert_int_equal(scenario_carrier(w->sc, i, &c), 0);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "code", c.code);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s", w->srv[SRV_CARRIER].port, c.code);
        cJSON_AddStringToObject(o, "base_url", url);
        cJSON_AddStringToObject(o, "partner_id", c.partner_id);
        cJSON_AddStringToObject(o, "checkword", c.checkword);
        cJSON_AddItemToArray(cars, o);
    }
    cJSON_AddStringToObject(root, "carrier_primary", "SF");
    cJSON_AddStringToObject(root, "carrier_backup", "ZTO");
    cJSON_AddStringToObject(root, "admin_token", T_TOKEN);
    cJSON_AddNumberToObject(root, "poll_interval_s", 60);
    cJSON_AddNumberToObject(root, "reconcile_interval_s", 600);
    char *text = cJSON_Print(root);
    write_file(w->cfg, text);
    cJSON_free(text);
    cJSON_Delete(root);
}

static int start_world(void **state)
{
    (void)state;
    struct world *w = &world;
    char log[256], err[ERR_BYTES_MAX];
    memset(w, 0, sizeof(*w));
    for (int i = 0; i < SRV_COUNT; i++) {
        w->srv[i].pid = -1;
    }
    signal(SIGPIPE, SIG_IGN);
    snprintf(w->dir, sizeof(w->dir), "/tmp/test_hostile_%d_XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(w->dir));
    pathf(w->scen, sizeof(w->scen), "%s/scenario.json", w->dir);
    pathf(w->cfg, sizeof(w->cfg), "%s/syncd.json", w->dir);
    pathf(w->db, sizeof(w->db), "%s/syncd.db", w->dir);
    snprintf(w->clock_epoch, sizeof(w->clock_epoch), "%lld", (long long)wall_now_ms());
    snprintf(w->clock_anchor, sizeof(w->clock_anchor), "%lld", (long long)mono_now_ns());
    write_scenario(w);
    w->sc = calloc(1, sizeof(*w->sc));
    assert_non_null(w->sc);
    assert_int_equal(scenario_load(w->scen, w->sc, err, sizeof(err)), 0);

    pathf(log, sizeof(log), "%s/mockplat.log", w->dir);
    char *pargs[] = {"mockplat",
                     "--port",
                     "0",
                     "--scenario",
                     w->scen,
                     "--control-token",
                     T_TOKEN,
                     "--sim-epoch-ms",
                     w->clock_epoch,
                     "--sim-anchor-ns",
                     w->clock_anchor,
                     "--time-scale",
                     "100",
                     "--log-level",
                     "debug",
                     NULL};
    w->srv[SRV_PLAT] = spawn("mockplat", log, pargs);
    char notify[128];
    snprintf(notify, sizeof(notify), "http://127.0.0.1:%d/__sim/parcel", w->srv[SRV_PLAT].port);
    pathf(log, sizeof(log), "%s/mockcarrier.log", w->dir);
    char *cargs[] = {"mockcarrier",    "--port",       "0",
                     "--scenario",     w->scen,        "--control-token",
                     T_TOKEN,          "--notify-url", notify,
                     "--sim-epoch-ms", w->clock_epoch, "--sim-anchor-ns",
                     w->clock_anchor,  "--time-scale", "100",
                     "--log-level",    "debug",        NULL};
    w->srv[SRV_CARRIER] = spawn("mockcarrier", log, cargs);
    write_config(w);
    pathf(log, sizeof(log), "%s/syncd.log", w->dir);
    char *sargs[] = {"syncd",
                     "--port",
                     "0",
                     "--config",
                     w->cfg,
                     "--db",
                     w->db,
                     "--sim-epoch-ms",
                     w->clock_epoch,
                     "--sim-anchor-ns",
                     w->clock_anchor,
                     "--time-scale",
                     "100",
                     "--log-level",
                     "debug",
                     NULL};
    w->srv[SRV_SYNCD] = spawn("syncd", log, sargs);
    return 0;
}

static int stop_world(void **state)
{
    (void)state;
    struct world *w = &world;
    for (int i = SRV_COUNT - 1; i >= 0; i--) {
        stop(&w->srv[i]);
    }
    free(w->sc);
    w->sc = NULL;
    if (w->dir[0] != '\0' && getenv("SHIPSIM_KEEP") == NULL) {
        char cmd[256];
        pathf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
        (void)system(cmd);
    } else if (w->dir[0] != '\0') {
        fprintf(stderr, "kept %s\n", w->dir);
    }
    return 0;
}

/* ---- raw HTTP ------------------------------------------------------------------------------- */

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Send all of buf; -1 when the peer closed or reset (expected for hostile requests). */
static int send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Wait for an answer until deadline (mono ms). Returns the HTTP status, 0 when the server closed
 * or reset the connection without one, -1 on timeout. */
static int await_answer(int fd, int64_t deadline_ms)
{
    char buf[4096];
    size_t have = 0;
    for (;;) {
        int64_t left = deadline_ms - mono_now_ns() / 1000000;
        if (left <= 0) {
            return -1;
        }
        struct pollfd pfd = {fd, POLLIN, 0};
        int r = poll(&pfd, 1, (int)left);
        if (r <= 0) {
            continue;
        }
        ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
        if (n <= 0) {
            return have >= 12 && strncmp(buf, "HTTP/1.", 7) == 0 ? (int)strtol(buf + 9, NULL, 10)
                                                                 : 0;
        }
        have += (size_t)n;
        buf[have] = '\0';
        if (have >= 12 && strncmp(buf, "HTTP/1.", 7) == 0) {
            return (int)strtol(buf + 9, NULL, 10);
        }
        if (have >= sizeof(buf) - 1) {
            return 999; /* a torrent of non-HTTP bytes */
        }
    }
}

/* One plain request; its status (0: no answer). */
static int request(int port, const char *method, const char *path, const char *headers,
                   const char *body)
{
    int fd = tcp_connect(port);
    if (fd < 0) {
        return 0;
    }
    char head[1024];
    size_t blen = body != NULL ? strlen(body) : 0;
    snprintf(head, sizeof(head),
             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%sContent-Length: %zu"
             "\r\n\r\n",
             method, path, headers != NULL ? headers : "", blen);
    int status = 0;
    if (send_all(fd, head, strlen(head)) == 0 && (blen == 0 || send_all(fd, body, blen) == 0)) {
        status = await_answer(fd, mono_now_ns() / 1000000 + 10000);
    }
    close(fd);
    return status;
}

static int healthz(int port)
{
    return request(port, "GET", "/healthz", NULL, NULL);
}

/* ---- the hostile cases ---------------------------------------------------------------------- */

/* Where each server reads a JSON body, with the headers it needs to get as far as the parser. */
struct json_target {
    const char *method;
    const char *path;
    char headers[512];
    char key[SECRET_BYTES_MAX]; /* syncd: the shop's partner_key signs url|body */
    char url[256];
};

struct hostile {
    enum server srv;
    const char *name;
    int (*run)(struct hostile *h, int fd);
    int status; /* what came back: status, 0 closed, -1 timeout */
    int healthz_after;
    int64_t took_ms;
};

static struct json_target targets[SRV_COUNT];

static void sign_hex(const char *key, const char *url, const char *body, size_t len, char *out)
{
    size_t ulen = strlen(url);
    char *msg = malloc(ulen + 1 + len);
    assert_non_null(msg);
    memcpy(msg, url, ulen);
    msg[ulen] = '|';
    memcpy(msg + ulen + 1, body, len);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    HMAC(EVP_sha256(), key, (int)strlen(key), (unsigned char *)msg, ulen + 1 + len, md, &md_len);
    for (unsigned int i = 0; i < md_len; i++) {
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
    free(msg);
}

static void make_targets(void)
{
    struct world *w = &world;
    targets[SRV_PLAT].method = "POST";
    targets[SRV_PLAT].path = "/__sim/orders";
    snprintf(targets[SRV_PLAT].headers, sizeof(targets[SRV_PLAT].headers),
             "X-Sim-Token: " T_TOKEN "\r\nContent-Type: application/json\r\n");
    targets[SRV_CARRIER].method = "PUT";
    targets[SRV_CARRIER].path = "/__sim/faults";
    snprintf(targets[SRV_CARRIER].headers, sizeof(targets[SRV_CARRIER].headers),
             "X-Sim-Token: " T_TOKEN "\r\nContent-Type: application/json\r\n");
    struct shop_instance s;
    assert_int_equal(scenario_shop(w->sc, 0, &s), 0);
    assert_int_equal(s.flavor, FLAVOR_SHOPEE);
    static char path[96];
    snprintf(path, sizeof(path), "/push/shopee/%s", s.name);
    targets[SRV_SYNCD].method = "POST";
    targets[SRV_SYNCD].path = path;
    snprintf(targets[SRV_SYNCD].key, sizeof(targets[SRV_SYNCD].key), "%s", s.partner_key);
    snprintf(targets[SRV_SYNCD].url, sizeof(targets[SRV_SYNCD].url), "http://127.0.0.1:%d%s",
             w->srv[SRV_SYNCD].port, path);
}

/* POST body to the server's JSON target (signed for syncd, so the body reaches the parser). */
static int post_json(struct hostile *h, int fd, const char *body, size_t len)
{
    const struct json_target *t = &targets[h->srv];
    char head[1024], auth[160] = "";
    if (t->key[0] != '\0') {
        char hex[2 * EVP_MAX_MD_SIZE + 1];
        sign_hex(t->key, t->url, body, len, hex);
        snprintf(auth, sizeof(auth), "Authorization: %s\r\n", hex);
    }
    snprintf(head, sizeof(head),
             "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s%sContent-Length: %zu\r\n\r\n", t->method,
             t->path, world.srv[h->srv].port, t->headers, auth, len);
    (void)(send_all(fd, head, strlen(head)) == 0 && send_all(fd, body, len) == 0);
    return await_answer(fd, mono_now_ns() / 1000000 + HOSTILE_LIMIT_MS);
}

static int case_bad_method(struct hostile *h, int fd)
{
    (void)h;
    const char *req = "BREW /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    (void)send_all(fd, req, strlen(req));
    return await_answer(fd, mono_now_ns() / 1000000 + HOSTILE_LIMIT_MS);
}

static int case_garbage_line(struct hostile *h, int fd)
{
    (void)h;
    const char *req = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n";
    (void)send_all(fd, req, strlen(req));
    return await_answer(fd, mono_now_ns() / 1000000 + HOSTILE_LIMIT_MS);
}

static int case_huge_headers(struct hostile *h, int fd)
{
    (void)h;
    size_t n = HUGE_HEADER_BYTES;
    char *req = malloc(n + 128);
    assert_non_null(req);
    int off = snprintf(req, 128, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ");
    memset(req + off, 'a', n);
    memcpy(req + off + n, "\r\n\r\n", 4);
    (void)send_all(fd, req, (size_t)off + n + 4);
    free(req);
    return await_answer(fd, mono_now_ns() / 1000000 + HOSTILE_LIMIT_MS);
}

static int case_many_headers(struct hostile *h, int fd)
{
    (void)h;
    char line[64];
    const char *start = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    (void)send_all(fd, start, strlen(start));
    for (int i = 0; i < 4000; i++) {
        int n = snprintf(line, sizeof(line), "X-H%d: v\r\n", i);
        if (send_all(fd, line, (size_t)n) != 0) {
            break;
        }
    }
    (void)send_all(fd, "\r\n", 2);
    return await_answer(fd, mono_now_ns() / 1000000 + HOSTILE_LIMIT_MS);
}

static int case_big_body(struct hostile *h, int fd)
{
    const struct json_target *t = &targets[h->srv];
    char head[1024];
    snprintf(head, sizeof(head),
             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: %d\r\n\r\n", t->method,
             t->path, t->headers, BIG_BODY_BYTES);
    static char chunk[64 * 1024];
    memset(chunk, '[', sizeof(chunk));
    if (send_all(fd, head, strlen(head)) == 0) {
        for (int sent = 0; sent < BIG_BODY_BYTES; sent += (int)sizeof(chunk)) {
            if (send_all(fd, chunk, sizeof(chunk)) != 0) {
                break; /* refused early: good */
            }
        }
    }
    return await_answer(fd, mono_now_ns() / 1000000 + HOSTILE_LIMIT_MS);
}

static int case_big_chunked(struct hostile *h, int fd)
{
    const struct json_target *t = &targets[h->srv];
    char head[1024];
    snprintf(head, sizeof(head),
             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sTransfer-Encoding: chunked\r\n\r\n", t->method,
             t->path, t->headers);
    static char chunk[1024 * 1024];
    memset(chunk, ' ', sizeof(chunk));
    if (send_all(fd, head, strlen(head)) == 0) {
        for (int i = 0; i < BIG_BODY_BYTES / (int)sizeof(chunk) + 1; i++) {
            char size_line[32];
            int n = snprintf(size_line, sizeof(size_line), "%zx\r\n", sizeof(chunk));
            if (send_all(fd, size_line, (size_t)n) != 0 ||
                send_all(fd, chunk, sizeof(chunk)) != 0 || send_all(fd, "\r\n", 2) != 0) {
                break;
            }
        }
        (void)send_all(fd, "0\r\n\r\n", 5);
    }
    return await_answer(fd, mono_now_ns() / 1000000 + HOSTILE_LIMIT_MS);
}

static int case_truncated_body(struct hostile *h, int fd)
{
    const struct json_target *t = &targets[h->srv];
    char head[1024];
    snprintf(head, sizeof(head),
             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: 1000\r\n\r\n{\"shop\":",
             t->method, t->path, t->headers);
    (void)send_all(fd, head, strlen(head));
    shutdown(fd, SHUT_WR); /* the rest never comes */
    return await_answer(fd, mono_now_ns() / 1000000 + HOSTILE_LIMIT_MS);
}

/* Headers one byte per SLOW_BYTE_MS, never finished: the server must hang up on its own. */
static int case_slowloris(struct hostile *h, int fd)
{
    (void)h;
    const char *start = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    if (send_all(fd, start, strlen(start)) != 0) {
        return 0;
    }
    int64_t deadline = mono_now_ns() / 1000000 + HOSTILE_LIMIT_MS;
    while (mono_now_ns() / 1000000 < deadline) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, SLOW_BYTE_MS) > 0) {
            return await_answer(fd, deadline); /* an answer or a close */
        }
        if (send_all(fd, "a", 1) != 0) {
            return 0;
        }
    }
    return -1;
}

/* A body dribbled one byte per SLOW_BYTE_MS after complete headers. */
static int case_slow_body(struct hostile *h, int fd)
{
    const struct json_target *t = &targets[h->srv];
    char head[1024];
    snprintf(head, sizeof(head),
             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: 100000\r\n\r\n", t->method,
             t->path, t->headers);
    if (send_all(fd, head, strlen(head)) != 0) {
        return 0;
    }
    int64_t deadline = mono_now_ns() / 1000000 + HOSTILE_LIMIT_MS;
    while (mono_now_ns() / 1000000 < deadline) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, SLOW_BYTE_MS) > 0) {
            return await_answer(fd, deadline);
        }
        if (send_all(fd, " ", 1) != 0) {
            return 0;
        }
    }
    return -1;
}

static int case_bad_utf8(struct hostile *h, int fd)
{
    static const char body[] =
        "{\"seq\":1,\"shop\":\"sp1-1\xff\xfe\",\"buyer\":\"b\xc3\x28\","
        "\"lines\":[{\"sku\":\"TEE-01\xed\xa0\x80\",\"qty\":1}],"
        "\"faults\":[{\"kind\":\"\xc0\xaf\"}],"
        "\"code\":3,\"shop_id\":1,\"data\":{\"ordersn\":\"\xf8\x88\x80\x80\x80\"}}";
    return post_json(h, fd, body, sizeof(body) - 1);
}

static int case_deep_json(struct hostile *h, int fd)
{
    char *body = malloc(NEST_DEPTH);
    assert_non_null(body);
    memset(body, '[', NEST_DEPTH);
    int status = post_json(h, fd, body, NEST_DEPTH);
    free(body);
    return status;
}

static int case_deep_object(struct hostile *h, int fd)
{
    size_t n = 5 * NEST_DEPTH;
    char *body = malloc(n);
    assert_non_null(body);
    for (size_t i = 0; i + 5 <= n; i += 5) {
        memcpy(body + i, "{\"a\":", 5);
    }
    int status = post_json(h, fd, body, n);
    free(body);
    return status;
}

static void *run_hostile(void *arg)
{
    struct hostile *h = arg;
    int64_t t0 = mono_now_ns() / 1000000;
    int fd = tcp_connect(world.srv[h->srv].port);
    h->status = fd < 0 ? -2 : h->run(h, fd);
    if (fd >= 0) {
        close(fd);
    }
    h->took_ms = mono_now_ns() / 1000000 - t0;
    h->healthz_after = healthz(world.srv[h->srv].port);
    return NULL;
}

/* How a case may end besides a 4xx or a close within HOSTILE_LIMIT_MS. */
enum { END_STRICT = 0, END_501_OK = 1, END_SLOW = 2 /* and within the read deadline */ };

static const struct {
    const char *name;
    int (*run)(struct hostile *h, int fd);
    int end;
} cases[] = {
    /* evhttp answers an unknown method 501 Not Implemented (RFC 9110 15.6.2), then closes */
    {"bad method", case_bad_method, END_501_OK},
    {"not HTTP", case_garbage_line, END_STRICT},
    {"20 KiB header", case_huge_headers, END_STRICT},
    {"4000 headers", case_many_headers, END_STRICT},
    {"5 MiB body", case_big_body, END_STRICT},
    {"5 MiB chunked body", case_big_chunked, END_STRICT},
    {"truncated body", case_truncated_body, END_STRICT},
    /* libevent 2.1's read timeout restarts on every byte: the scaffold's per-request read
     * deadline (sim/common/http_server.c) is what cuts these off */
    {"slowloris headers", case_slowloris, END_SLOW},
    {"slow body", case_slow_body, END_SLOW},
    {"invalid UTF-8 JSON", case_bad_utf8, END_STRICT},
    {"100k nested [", case_deep_json, END_STRICT},
    {"100k nested {", case_deep_object, END_STRICT},
};

#define HOSTILE_COUNT (SRV_COUNT * (int)ARRAY_LEN(cases))

/* Every case against every server at once; /healthz must keep answering meanwhile. */
static void hostile_requests(void **state)
{
    (void)state;
    make_targets();
    static struct hostile hs[HOSTILE_COUNT];
    pthread_t th[HOSTILE_COUNT];
    for (int i = 0; i < HOSTILE_COUNT; i++) {
        hs[i] = (struct hostile){(enum server)(i % SRV_COUNT),
                                 cases[i / SRV_COUNT].name,
                                 cases[i / SRV_COUNT].run,
                                 -1,
                                 0,
                                 0};
        assert_int_equal(pthread_create(&th[i], NULL, run_hostile, &hs[i]), 0);
    }
    usleep(2000 * 1000); /* the slow clients are on now: others must still be served */
    for (int s = 0; s < SRV_COUNT; s++) {
        assert_int_equal(healthz(world.srv[s].port), 200);
    }
    for (int i = 0; i < HOSTILE_COUNT; i++) {
        pthread_join(th[i], NULL);
    }
    int bad = 0;
    for (int i = 0; i < HOSTILE_COUNT; i++) {
        const struct hostile *h = &hs[i];
        int end = cases[i / SRV_COUNT].end;
        int refused = h->status == 0 || (h->status >= 400 && h->status < 500) ||
                      (end == END_501_OK && h->status == 501);
        int in_time =
            end != END_SLOW || h->took_ms <= HTTP_REQUEST_READ_DEADLINE_MS + SLOW_MARGIN_MS;
        int ok = refused && in_time && h->healthz_after == 200;
        fprintf(stderr, "%-12s %-20s -> %s %d in %lld ms; healthz after: %d%s\n",
                server_names[h->srv], h->name, h->status == 0 ? "closed" : "status", h->status,
                (long long)h->took_ms, h->healthz_after, ok ? "" : "   <-- FAIL");
        bad += !ok;
    }
    for (int s = 0; s < SRV_COUNT; s++) {
        if (!alive(&world.srv[s])) {
            fail_msg("%s died (log in %s)", server_names[s], world.dir);
        }
    }
    assert_int_equal(bad, 0);
}

/* ---- security ------------------------------------------------------------------------------- */

/* The socket of port in /proc/net/tcp listens on 127.0.0.1 (0100007F). */
static void listens_on_loopback(void **state)
{
    (void)state;
    for (int s = 0; s < SRV_COUNT; s++) {
        assert_non_null(strstr(world.srv[s].line, "listening on 127.0.0.1:"));
        FILE *f = fopen("/proc/net/tcp", "r");
        assert_non_null(f);
        char line[512], want[32];
        snprintf(want, sizeof(want), ":%04X", world.srv[s].port);
        int found = 0, loopback = 1;
        while (fgets(line, sizeof(line), f) != NULL) {
            char local[64];
            unsigned st = 0;
            if (sscanf(line, " %*d: %63s %*s %x", local, &st) == 2 && st == 0x0A &&
                strlen(local) > strlen(want) &&
                strcmp(local + strlen(local) - strlen(want), want) == 0) {
                found = 1;
                loopback &= strncmp(local, "0100007F:", 9) == 0;
            }
        }
        fclose(f);
        assert_true(found);
        assert_true(loopback);
    }
}

static void control_needs_token(void **state)
{
    (void)state;
    static const struct {
        enum server srv;
        const char *method, *path;
    } calls[] = {
        {SRV_PLAT, "GET", "/__sim/stats"},     {SRV_PLAT, "GET", "/__sim/truth"},
        {SRV_PLAT, "POST", "/__sim/reset"},    {SRV_PLAT, "DELETE", "/__sim/faults"},
        {SRV_CARRIER, "GET", "/__sim/stats"},  {SRV_CARRIER, "GET", "/__sim/truth"},
        {SRV_CARRIER, "POST", "/__sim/reset"}, {SRV_CARRIER, "DELETE", "/__sim/faults"},
        {SRV_SYNCD, "GET", "/__state"},        {SRV_SYNCD, "GET", "/__evidence"},
        {SRV_SYNCD, "GET", "/__stock"},
    };
    for (size_t i = 0; i < ARRAY_LEN(calls); i++) {
        int port = world.srv[calls[i].srv].port;
        int none = request(port, calls[i].method, calls[i].path, NULL, NULL);
        int wrong = request(port, calls[i].method, calls[i].path, "X-Sim-Token: nope\r\n", NULL);
        int prefix =
            request(port, calls[i].method, calls[i].path, "X-Sim-Token: " T_TOKEN "x\r\n", NULL);
        fprintf(stderr, "%s %s %s: no token %d, wrong %d, longer %d\n", server_names[calls[i].srv],
                calls[i].method, calls[i].path, none, wrong, prefix);
        assert_int_equal(none, 401);
        assert_int_equal(wrong, 401);
        assert_int_equal(prefix, 401);
    }
    /* and the right token works (so the 401s above are about the token) */
    assert_int_equal(request(world.srv[SRV_PLAT].port, "GET", "/__sim/stats",
                             "X-Sim-Token: " T_TOKEN "\r\n", NULL),
                     200);
    assert_int_equal(request(world.srv[SRV_CARRIER].port, "GET", "/__sim/stats",
                             "X-Sim-Token: " T_TOKEN "\r\n", NULL),
                     200);
    assert_int_equal(
        request(world.srv[SRV_SYNCD].port, "GET", "/__stock", "X-Sim-Token: " T_TOKEN "\r\n", NULL),
        200);
}

/* A push with a bad signature is refused and changes nothing. */
static void forged_push_refused(void **state)
{
    (void)state;
    char path[96];
    struct shop_instance s;
    assert_int_equal(scenario_shop(world.sc, 0, &s), 0);
    snprintf(path, sizeof(path), "/push/shopee/%s", s.name);
    int st =
        request(world.srv[SRV_SYNCD].port, "POST", path,
                "Authorization: 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
                "\r\nContent-Type: application/json\r\n",
                "{\"code\":3,\"shop_id\":1,\"timestamp\":1,\"data\":{\"ordersn\":\"FORGED1\","
                "\"status\":\"READY_TO_SHIP\"}}");
    assert_true(st >= 400 && st < 500);
}

static void db_mode_0600(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(stat(world.db, &st), 0);
    fprintf(stderr, "%s mode %o\n", world.db, (unsigned)(st.st_mode & 0777));
    assert_int_equal(st.st_mode & 0077, 0);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(LOG_BYTES_MAX + 1);
    assert_non_null(buf);
    *len = fread(buf, 1, LOG_BYTES_MAX, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void secret_absent(const char *log, size_t len, const char *secret, const char *what,
                          const char *file)
{
    if (strlen(secret) < 6) {
        return; /* too short to be a meaningful secret to search for */
    }
    if (memmem(log, len, secret, strlen(secret)) != NULL) {
        fail_msg("%s: %s appears in the log", file, what);
    }
}

/* After the traffic above (pushes, control calls, syncd polling the mocks with its tokens), no
 * credential of the scenario is in any log, at debug level. */
static void secrets_not_logged(void **state)
{
    (void)state;
    usleep(1500 * 1000); /* let syncd make its first calls (tokens, lists, carriers) */
    for (int s = 0; s < SRV_COUNT; s++) {
        char path[256];
        size_t len = 0;
        pathf(path, sizeof(path), "%s/%s.log", world.dir, server_names[s]);
        char *log = slurp(path, &len);
        assert_true(len > 0); /* debug level: each process logged something */
        secret_absent(log, len, T_TOKEN, "the control token", path);
        for (int i = 0; i < world.sc->shop_count; i++) {
            struct shop_instance sh;
            assert_int_equal(scenario_shop(world.sc, i, &sh), 0);
            secret_absent(log, len, sh.partner_key, "a partner_key", path);
            secret_absent(log, len, sh.refresh_token, "a refresh_token", path);
            secret_absent(log, len, sh.secret, "an app secret", path);
            secret_absent(log, len, sh.push_token, "a push token", path);
        }
        for (int i = 0; i < world.sc->carrier_count; i++) {
            struct carrier_instance c;
            assert_int_equal(scenario_carrier(world.sc, i, &c), 0);
            secret_absent(log, len, c.checkword, "a carrier checkword", path);
        }
        struct tracking_account ta;
        scenario_tracking_account(world.sc, &ta);
        secret_absent(log, len, ta.key, "the tracking key", path);
        secret_absent(log, len, ta.salt, "the tracking salt", path);
        free(log);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(listens_on_loopback), cmocka_unit_test(control_needs_token),
        cmocka_unit_test(forged_push_refused), cmocka_unit_test(hostile_requests),
        cmocka_unit_test(db_mode_0600),        cmocka_unit_test(secrets_not_logged),
    };
    return cmocka_run_group_tests(tests, start_world, stop_world);
}
