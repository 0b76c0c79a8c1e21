/* Shared harness of the syncd integration tests: start mockplat, mockcarrier and syncd on
 * loopback with a small scenario, drive orders through mockplat's control API, read truth.
 * Included by test_syncd.c and test_syncd_faults.c (each test file is its own program). */
#ifndef SHIPSIM_TEST_SYNCD_HARNESS_H
#define SHIPSIM_TEST_SYNCD_HARNESS_H

#pragma GCC diagnostic ignored "-Wunused-function"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "common/simclock.h"
#include "scenario/scenario.h"

#define T_TOKEN "itest-token"
#define T_SCALE "200"

/* The time scale of the next world (tests of slow parcel lifecycles raise it). */
static const char *t_scale = T_SCALE;
/* The parcel plans of the next world's scenario ("parcels" object). */
static const char *t_parcels = "{\"pickup_s\":[300,600],\"hop_s\":[300,900],\"hops\":[1,2],"
                               "\"problem_share\":0,\"refuse_share\":0,\"return_share\":0}";
#define T_WAIT_MS 30000
#define T_BODY_MAX (8 * 1024 * 1024)

struct proc {
    pid_t pid;
    int port;
};

struct world {
    char dir[128];
    char scen[192], cfg[192], db[192];
    char clock_epoch[32], clock_anchor[32];
    struct proc plat, carrier, syncd;
    int syncd_port;    /* chosen before start: syncd's push URLs are in its configuration */
    char restore[256]; /* --restore FILE for the next start, "" for none */
    struct scenario *sc;
};

static struct world *current; /* stopped by the teardown when an assert fails mid-test */

static const char *bin_dir(void)
{
    const char *b = getenv("SHIPSIM_BIN");
    return b != NULL ? b : "bin";
}

/* Start exe with argv; read "listening on 127.0.0.1:PORT" from its stdout. */
static struct proc spawn(const char *name, const char *log, char *const *args)
{
    struct proc p = {-1, 0};
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
    char line[128] = {0};
    size_t n = 0;
    struct pollfd pfd = {fds[0], POLLIN, 0};
    while (n < sizeof(line) - 1 && poll(&pfd, 1, 10000) > 0) {
        ssize_t r = read(fds[0], line + n, 1);
        if (r <= 0 || line[n] == '\n') {
            break;
        }
        n++;
    }
    close(fds[0]);
    const char *colon = strrchr(line, ':');
    assert_non_null(colon);
    p.port = (int)strtol(colon + 1, NULL, 10);
    assert_true(p.port > 0);
    return p;
}

static void stop(struct proc *p, int sig)
{
    if (p->pid > 0) {
        kill(p->pid, sig);
        waitpid(p->pid, NULL, 0);
        p->pid = -1;
    }
}

struct buf {
    char *data;
    size_t len;
};

static size_t collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct buf *b = arg;
    size_t n = size * nmemb;
    if (b->len + n + 1 > T_BODY_MAX) {
        return 0;
    }
    char *nd = realloc(b->data, b->len + n + 1);
    if (nd == NULL) {
        return 0;
    }
    b->data = nd;
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* One HTTP call; returns the status and the body (malloc'd) in *out. */
static long http(const char *method, int port, const char *path, const char *body, char **out)
{
    CURL *h = curl_easy_init();
    struct buf b = {calloc(1, 1), 0};
    char url[512];
    struct curl_slist *hdr = NULL;
    long status = 0;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    hdr = curl_slist_append(hdr, "X-Sim-Token: " T_TOKEN);
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    if (body != NULL) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    }
    if (curl_easy_perform(h) == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    if (out != NULL) {
        *out = b.data;
    } else {
        free(b.data);
    }
    return status;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
}

static void write_scenario(struct world *w, const char *faults)
{
    char text[4096];
    snprintf(text, sizeof(text),
             "{\"name\":\"itest-syncd\",\"seed\":4242,\"sim\":{\"duration_s\":7200,"
             "\"time_scale\":%s},"
             "\"shops\":[{\"id\":\"sp1\",\"flavor\":\"shopee\",\"count\":1},"
             "{\"id\":\"wx1\",\"flavor\":\"wechat\",\"count\":1}],"
             "\"carriers\":{\"primary\":\"SF\",\"backup\":\"ZTO\",\"enabled\":[\"SF\",\"ZTO\"]},"
             "\"catalog\":[{\"sku\":\"TEE-01\",\"stock\":5000,\"daily_mean_sales\":100}],"
             "\"load\":{\"stages\":[{\"ramp_to_per_s\":0.01,\"sim_s\":7200}]},"
             "\"buyers\":{\"population\":1000},"
             "\"parcels\":%s,\"faults\":[%s],\"crashes\":[],"
             "\"sla\":{\"ship_within_s\":7200},\"thresholds\":{}}",
             t_scale, t_parcels, faults);
    write_file(w->scen, text);
}

/* syncd's configuration from the scenario's derived credentials (as the runner writes it). */
static void write_config(struct world *w)
{
    char err[512];
    w->sc = calloc(1, sizeof(*w->sc));
    assert_int_equal(scenario_load(w->scen, w->sc, err, sizeof(err)), 0);
    cJSON *root = cJSON_CreateObject();
    cJSON *shops = cJSON_AddArrayToObject(root, "shops");
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", w->plat.port);
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
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s", w->carrier.port, c.code);
        cJSON_AddStringToObject(o, "base_url", url);
        cJSON_AddStringToObject(o, "partner_id", c.partner_id);
        cJSON_AddStringToObject(o, "checkword", c.checkword);
        cJSON_AddItemToArray(cars, o);
    }
    struct tracking_account ta;
    scenario_tracking_account(w->sc, &ta);
    cJSON *tr = cJSON_AddObjectToObject(root, "tracking");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/kuaidi100", w->carrier.port);
    cJSON_AddStringToObject(tr, "base_url", url);
    cJSON_AddStringToObject(tr, "customer", ta.customer);
    cJSON_AddStringToObject(tr, "key", ta.key);
    cJSON_AddStringToObject(tr, "salt", ta.salt);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", w->syncd_port);
    cJSON_AddStringToObject(root, "push_base_url", url);
    cJSON *cat = cJSON_AddArrayToObject(root, "catalog");
    for (int i = 0; i < w->sc->sku_count; i++) {
        cJSON *k = cJSON_CreateObject();
        cJSON_AddStringToObject(k, "sku", w->sc->catalog[i].sku);
        cJSON_AddNumberToObject(k, "stock", (double)w->sc->catalog[i].stock);
        cJSON_AddNumberToObject(k, "daily_mean_sales", w->sc->catalog[i].daily_mean_sales);
        cJSON_AddItemToArray(cat, k);
    }
    cJSON_AddStringToObject(root, "carrier_primary", "SF");
    cJSON_AddStringToObject(root, "carrier_backup", "ZTO");
    cJSON_AddStringToObject(root, "admin_token", T_TOKEN);
    cJSON_AddNumberToObject(root, "poll_interval_s", 60);
    cJSON_AddNumberToObject(root, "reconcile_interval_s", 600);
    cJSON_AddNumberToObject(root, "stock_sync_interval_s", 60); /* several rounds per case */
    char *text = cJSON_Print(root);
    write_file(w->cfg, text);
    cJSON_free(text);
    cJSON_Delete(root);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void start_syncd(struct world *w)
{
    char log[256], port[16];
    snprintf(port, sizeof(port), "%d", w->syncd_port);
    snprintf(log, sizeof(log), "%s/syncd.log", w->dir);
    char *args[] = {"syncd",
                    "--port",
                    port,
                    "--config",
                    w->cfg,
                    "--db",
                    w->db,
                    "--sim-epoch-ms",
                    w->clock_epoch,
                    "--sim-anchor-ns",
                    w->clock_anchor,
                    "--time-scale",
                    (char *)t_scale,
                    NULL,
                    NULL,
                    NULL};
    if (w->restore[0] != '\0') {
        args[13] = "--restore";
        args[14] = w->restore;
    }
    w->syncd = spawn("syncd", log, args);
    /* pushes go to syncd's listener */
    for (int i = 0; i < w->sc->shop_count; i++) {
        struct shop_instance s;
        char body[256];
        assert_int_equal(scenario_shop(w->sc, i, &s), 0);
        snprintf(body, sizeof(body), "{\"shop\":\"%s\",\"url\":\"http://127.0.0.1:%d/push/%s/%s\"}",
                 s.name, w->syncd.port, s.flavor == FLAVOR_SHOPEE ? "shopee" : "wechat", s.name);
        assert_int_equal(http("POST", w->plat.port, "/__sim/callbacks", body, NULL), 200);
    }
}

static void start_world(struct world *w, const char *faults)
{
    memset(w, 0, sizeof(*w));
    w->plat.pid = w->carrier.pid = w->syncd.pid = -1;
    current = w;
    snprintf(w->dir, sizeof(w->dir), "/tmp/test_syncd_%d_XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->scen, sizeof(w->scen), "%s/scenario.json", w->dir);
    snprintf(w->cfg, sizeof(w->cfg), "%s/syncd.json", w->dir);
    snprintf(w->db, sizeof(w->db), "%s/syncd.db", w->dir);
    snprintf(w->clock_epoch, sizeof(w->clock_epoch), "%lld", (long long)wall_now_ms());
    snprintf(w->clock_anchor, sizeof(w->clock_anchor), "%lld", (long long)mono_now_ns());
    write_scenario(w, faults);
    char log[256], port[16];
    snprintf(log, sizeof(log), "%s/mockplat.log", w->dir);
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
                     (char *)t_scale,
                     NULL};
    w->plat = spawn("mockplat", log, pargs);
    char notify[128];
    snprintf(notify, sizeof(notify), "http://127.0.0.1:%d/__sim/parcel", w->plat.port);
    snprintf(log, sizeof(log), "%s/mockcarrier.log", w->dir);
    (void)port;
    char *cargs[] = {"mockcarrier",
                     "--port",
                     "0",
                     "--scenario",
                     w->scen,
                     "--control-token",
                     T_TOKEN,
                     "--notify-url",
                     notify,
                     "--sim-epoch-ms",
                     w->clock_epoch,
                     "--sim-anchor-ns",
                     w->clock_anchor,
                     "--time-scale",
                     (char *)t_scale,
                     NULL};
    w->carrier = spawn("mockcarrier", log, cargs);
    w->syncd_port = free_port();
    write_config(w);
    start_syncd(w);
}

static void stop_world(struct world *w)
{
    stop(&w->syncd, SIGTERM);
    stop(&w->carrier, SIGTERM);
    stop(&w->plat, SIGTERM);
    free(w->sc);
    w->sc = NULL;
    current = NULL;
    if (getenv("SHIPSIM_KEEP") == NULL) {
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
        (void)system(cmd);
    } else {
        fprintf(stderr, "kept %s\n", w->dir);
    }
}

/* Place n orders (alternating shops), pay all but every 10th. Returns the number paid. */
static int place_orders(struct world *w, int first, int n, char ids[][40])
{
    int paid = 0;
    for (int i = first; i < first + n; i++) {
        char body[256], *reply = NULL;
        snprintf(body, sizeof(body),
                 "{\"seq\":%d,\"shop\":\"%s\",\"buyer\":\"b%06d\",\"lines\":[{\"sku\":\"TEE-01\","
                 "\"qty\":1}]}",
                 i + 1, i % 2 ? "wx1-1" : "sp1-1", i);
        assert_int_equal(http("POST", w->plat.port, "/__sim/orders", body, &reply), 200);
        cJSON *doc = cJSON_Parse(reply);
        free(reply);
        const cJSON *id = cJSON_GetObjectItem(doc, "order_id");
        assert_true(cJSON_IsString(id));
        snprintf(ids[i], 40, "%s", id->valuestring);
        cJSON_Delete(doc);
        if (i % 10 != 9) {
            snprintf(body, sizeof(body), "{\"order_id\":\"%.39s\"}", ids[i]);
            assert_int_equal(http("POST", w->plat.port, "/__sim/orders/pay", body, NULL), 200);
            paid++;
        }
    }
    return paid;
}

struct tally {
    int shipped; /* paid orders with a ship_ms and a waybill */
    int paid;
    int dup_waybills; /* a waybill on two orders */
    int unpaid_shipped;
};

static int is_shipped_state(const char *s)
{
    return strcmp(s, "shipped") == 0 || strcmp(s, "in_transit") == 0 ||
           strcmp(s, "delivered") == 0 || strcmp(s, "completed") == 0;
}

static struct tally read_truth(struct world *w)
{
    struct tally t = {0, 0, 0, 0};
    char *text = NULL;
    static char seen[4096][40];
    int nseen = 0;
    assert_int_equal(http("GET", w->plat.port, "/__sim/truth", NULL, &text), 200);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        cJSON *o = cJSON_Parse(line);
        const cJSON *type = cJSON_GetObjectItem(o, "type");
        if (cJSON_IsString(type) && strcmp(type->valuestring, "order") == 0) {
            const cJSON *pay = cJSON_GetObjectItem(o, "pay_ms");
            const cJSON *st = cJSON_GetObjectItem(o, "state");
            const cJSON *wb = cJSON_GetObjectItem(o, "waybill");
            int shipped = cJSON_IsString(st) && is_shipped_state(st->valuestring);
            if (cJSON_IsNumber(pay)) {
                t.paid++;
                t.shipped += shipped && cJSON_IsString(wb) && wb->valuestring[0] != '\0';
            } else {
                t.unpaid_shipped += shipped;
            }
            if (cJSON_IsString(wb) && wb->valuestring[0] != '\0') {
                for (int k = 0; k < nseen; k++) {
                    t.dup_waybills += strcmp(seen[k], wb->valuestring) == 0;
                }
                if (nseen < 4096) {
                    snprintf(seen[nseen++], 40, "%s", wb->valuestring);
                }
            }
        }
        cJSON_Delete(o);
    }
    free(text);
    return t;
}

/* Orders with more than one live waybill at the carrier (order_ref is the order id, or the order
 * id plus "-R<n>" after a refused number). */
static int surplus_live(struct world *w)
{
    char *text = NULL, *save = NULL;
    static char refs[4096][40];
    static char whole[4096][320];
    int n = 0, surplus = 0;
    assert_int_equal(http("GET", w->carrier.port, "/__sim/truth", NULL, &text), 200);
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        cJSON *o = cJSON_Parse(line);
        const cJSON *type = cJSON_GetObjectItem(o, "type");
        const cJSON *ref = cJSON_GetObjectItem(o, "order_ref");
        const cJSON *cancel = cJSON_GetObjectItem(o, "cancel_ms");
        if (cJSON_IsString(type) && strcmp(type->valuestring, "waybill") == 0 &&
            cJSON_IsString(ref) && !cJSON_IsNumber(cancel) && n < 4096) {
            char id[40];
            snprintf(id, sizeof(id), "%s", ref->valuestring);
            char *r = strstr(id, "-R");
            if (r != NULL) {
                *r = '\0';
            }
            for (int k = 0; k < n; k++) {
                if (strcmp(refs[k], id) == 0) {
                    surplus++;
                    if (getenv("SHIPSIM_KEEP") != NULL) {
                        fprintf(stderr, "surplus live: %s\n  and: %s\n", line, whole[k]);
                    }
                }
            }
            snprintf(whole[n], sizeof(whole[0]), "%s", line);
            snprintf(refs[n++], sizeof(refs[0]), "%s", id);
        }
        cJSON_Delete(o);
    }
    free(text);
    return surplus;
}

static struct tally wait_shipped(struct world *w, int paid)
{
    struct tally t = {0, 0, 0, 0};
    for (int waited = 0; waited < T_WAIT_MS; waited += 250) {
        t = read_truth(w);
        if (t.shipped >= paid) {
            break;
        }
        usleep(250 * 1000);
    }
    return t;
}

static void check_core_state(struct world *w)
{
    char *text = NULL;
    assert_int_equal(http("GET", w->syncd.port, "/__state", NULL, &text), 200);
    if (strstr(text, "\"type\":\"order\"") == NULL) {
        fprintf(stderr, "state dump: %.300s\n", text);
    }
    assert_non_null(strstr(text, "\"type\":\"order\""));
    free(text);
    assert_int_equal(http("GET", w->syncd.port, "/__evidence", NULL, NULL), 200);
    assert_int_equal(http("GET", w->syncd.port, "/metrics", NULL, NULL), 200);
}

/* SKUs whose on-hand stock in syncd differs from the platform truth's available units. */
static int stock_mismatches(struct world *w)
{
    char *truth = NULL, *core = NULL, *save = NULL;
    int bad = 0;
    assert_int_equal(http("GET", w->plat.port, "/__sim/truth", NULL, &truth), 200);
    assert_int_equal(http("GET", w->syncd.port, "/__stock", NULL, &core), 200);
    for (char *line = strtok_r(truth, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        cJSON *o = cJSON_Parse(line);
        const cJSON *type = cJSON_GetObjectItem(o, "type");
        if (cJSON_IsString(type) && strcmp(type->valuestring, "sku") == 0) {
            char want[128];
            snprintf(want, sizeof(want), "\"sku\":\"%s\",\"on_hand\":%.0f,",
                     cJSON_GetObjectItem(o, "sku")->valuestring,
                     cJSON_GetObjectItem(o, "available")->valuedouble);
            if (strstr(core, want) == NULL) {
                fprintf(stderr, "stock: want %s in %s\n", want, core);
                bad++;
            }
        }
        cJSON_Delete(o);
    }
    free(truth);
    free(core);
    return bad;
}

/* 1 when syncd journaled evidence of kind. */
/* kinds: one evidence kind, or alternatives "a|b" (as the checker maps a fault to several). */
static int evidence_has(struct world *w, const char *kinds)
{
    char *text = NULL, pat[80];
    assert_int_equal(http("GET", w->syncd.port, "/__evidence", NULL, &text), 200);
    int found = 0;
    for (const char *k = kinds; *k != '\0' && !found;) {
        size_t n = strcspn(k, "|");
        snprintf(pat, sizeof(pat), "\"kind\":\"%.*s\"", (int)n, k);
        found = strstr(text, pat) != NULL;
        k += n + (k[n] == '|');
    }
    free(text);
    return found;
}

/* Place orders under faults; all paid ones shipped once; expect_evidence (or NULL) journaled. */
static void run_case(const char *faults, int orders, const char *expect_evidence)
{
    struct world w;
    char(*ids)[40] = calloc((size_t)orders, 40);
    start_world(&w, faults);
    int paid = place_orders(&w, 0, orders, ids);
    struct tally t = wait_shipped(&w, paid);
    int surplus = surplus_live(&w);
    int stock_bad = stock_mismatches(&w);
    int seen = expect_evidence == NULL || evidence_has(&w, expect_evidence);
    fprintf(stderr, "faults [%s]: paid %d shipped %d dup %d unpaid_shipped %d surplus %d%s\n",
            faults, t.paid, t.shipped, t.dup_waybills, t.unpaid_shipped, surplus,
            seen ? "" : " (evidence missing)");
    check_core_state(&w);
    stop_world(&w);
    free(ids);
    assert_int_equal(t.paid, paid);
    assert_int_equal(t.shipped, paid);
    assert_int_equal(t.dup_waybills, 0);
    assert_int_equal(t.unpaid_shipped, 0);
    assert_int_equal(surplus, 0);
    assert_int_equal(stock_bad, 0);
    assert_true(seen);
}

static int teardown(void **state)
{
    (void)state;
    if (current != NULL) {
        stop_world(current);
    }
    return 0;
}

#define FAULT(kind, target, extra)                                                                 \
    "{\"kind\":\"" kind "\",\"target\":\"" target "\",\"probability\":0.1,"                        \
    "\"window_s\":[0,7200]" extra "}"

#endif
