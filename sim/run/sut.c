/* Starting the processes of a run: mockplat, mockcarrier, then syncd with a configuration
 * written from the scenario's derived credentials into a private 0700 folder outside the results
 * (it holds secrets), then the push callbacks. */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/proc.h"
#include "run/runctx.h"

#define SUT_CONFIG_BYTES_MAX (256 * 1024)
#define SUT_ARG_BYTES 64

/* Per-process strings that must outlive proc_spawn's copy (they are copied; stack is enough). */
struct sut_args {
    char epoch[SUT_ARG_BYTES], anchor[SUT_ARG_BYTES], scale[SUT_ARG_BYTES], seed[SUT_ARG_BYTES];
    char scenario[RUN_PATH_BYTES_MAX + 32], fault_log[RUN_PATH_BYTES_MAX + 32];
    char state[RUN_PATH_BYTES_MAX + 32], log[RUN_PATH_BYTES_MAX + 32];
    char exe[RUN_PATH_BYTES_MAX + 32], extra[RUN_PATH_BYTES_MAX + 32];
    char env_token[RUN_TOKEN_BYTES + 32];
};

static void clock_args(const struct run_ctx *rc, struct sut_args *a)
{
    snprintf(a->epoch, sizeof(a->epoch), "%lld", (long long)rc->clock.epoch_ms);
    snprintf(a->anchor, sizeof(a->anchor), "%lld", (long long)rc->clock.anchor_ns);
    snprintf(a->scale, sizeof(a->scale), "%.17g", rc->clock.scale);
    snprintf(a->seed, sizeof(a->seed), "%llu", (unsigned long long)rc->sc.seed);
}

static struct proc *start_mock(struct run_ctx *rc, const char *name, const char *side,
                               const char *notify_url)
{
    struct sut_args a;
    clock_args(rc, &a);
    snprintf(a.exe, sizeof(a.exe), "%s/%s", rc->bin_dir, name);
    snprintf(a.scenario, sizeof(a.scenario), "%s/scenario.json", rc->out);
    snprintf(a.fault_log, sizeof(a.fault_log), "%s/faults-%s.jsonl", rc->out, side);
    snprintf(a.state, sizeof(a.state), "%s/journal-%s.jsonl", rc->out, side);
    snprintf(a.log, sizeof(a.log), "%s/%s.log", rc->out, name);
    snprintf(a.env_token, sizeof(a.env_token), "SHIPSIM_CONTROL_TOKEN=%s", rc->token);
    struct proc_spec spec = {.name = name, .path = a.exe, .log_path = a.log};
    const char *argv[] = {"--port",
                          "0",
                          "--scenario",
                          a.scenario,
                          "--seed",
                          a.seed,
                          "--sim-epoch-ms",
                          a.epoch,
                          "--sim-anchor-ns",
                          a.anchor,
                          "--time-scale",
                          a.scale,
                          "--fault-log",
                          a.fault_log,
                          "--state",
                          a.state,
                          NULL,
                          NULL,
                          NULL};
    if (notify_url != NULL) {
        argv[16] = "--notify-url";
        argv[17] = notify_url;
    }
    memcpy(spec.argv, argv, sizeof(argv));
    spec.env[0] = a.env_token;
    char err[PROC_TAIL_BYTES_MAX + 512];
    struct proc *p = proc_spawn(&spec, err, sizeof(err));
    if (p != NULL && proc_wait_healthz(p, PROC_HEALTHZ_TIMEOUT_MS, err, sizeof(err)) != 0) {
        proc_free(p);
        p = NULL;
    }
    if (p == NULL)
        run_fail(rc, "cannot start %s: %s", name, err);
    return p;
}

/* Append text to buf with JSON string escaping of the value. */
static void put(char *buf, size_t len, size_t *n, const char *fmt, ...) PRINTF_LIKE(4, 5);
static void put(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
    if (*n >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *n, len - *n, fmt, ap);
    va_end(ap);
    *n += w > 0 ? (size_t)w : 0;
}

static const char *esc(const char *s, char *out, size_t len)
{
    size_t k = 0;
    for (; *s && k + 7 < len; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[k++] = '\\';
            out[k++] = (char)c;
        } else if (c < 0x20) {
            k += (size_t)snprintf(out + k, len - k, "\\u%04x", c);
        } else {
            out[k++] = (char)c;
        }
    }
    out[k] = '\0';
    return out;
}

static void config_shops(const struct run_ctx *rc, char *buf, size_t len, size_t *n, int plat)
{
    char e1[2 * SECRET_BYTES_MAX], e2[2 * SECRET_BYTES_MAX], e3[2 * SECRET_BYTES_MAX];
    put(buf, len, n, "{\"shops\":[");
    for (int i = 0; i < rc->sc.shop_count; i++) {
        struct shop_instance s;
        if (scenario_shop(&rc->sc, i, &s) != 0)
            continue;
        put(buf, len, n,
            "%s{\"name\":\"%s\",\"flavor\":\"%s\",\"base_url\":\"http://127.0.0.1:%d\"",
            i ? "," : "", esc(s.name, e1, sizeof(e1)), flavor_name(s.flavor), plat);
        if (s.flavor == FLAVOR_SHOPEE)
            put(buf, len, n,
                ",\"shop_id\":%lld,\"partner_id\":%lld,\"partner_key\":\"%s\","
                "\"refresh_token\":\"%s\"}",
                (long long)s.shop_id, (long long)s.partner_id, esc(s.partner_key, e2, sizeof(e2)),
                esc(s.refresh_token, e3, sizeof(e3)));
        else
            put(buf, len, n, ",\"appid\":\"%s\",\"secret\":\"%s\",\"push_token\":\"%s\"}",
                esc(s.appid, e1, sizeof(e1)), esc(s.secret, e2, sizeof(e2)),
                esc(s.push_token, e3, sizeof(e3)));
    }
    put(buf, len, n, "],");
}

static void config_carriers(const struct run_ctx *rc, char *buf, size_t len, size_t *n, int car)
{
    char e1[2 * SECRET_BYTES_MAX], e2[2 * SECRET_BYTES_MAX], e3[2 * SECRET_BYTES_MAX];
    put(buf, len, n, "\"carriers\":[");
    for (int i = 0; i < rc->sc.carrier_count; i++) {
        struct carrier_instance c;
        if (scenario_carrier(&rc->sc, i, &c) != 0)
            continue;
        put(buf, len, n,
            "%s{\"code\":\"%s\",\"base_url\":\"http://127.0.0.1:%d/%s\","
            "\"partner_id\":\"%s\",\"checkword\":\"%s\"}",
            i ? "," : "", c.code, car, c.code, esc(c.partner_id, e1, sizeof(e1)),
            esc(c.checkword, e2, sizeof(e2)));
    }
    put(buf, len, n, "],\"carrier_primary\":\"%s\"", rc->sc.carrier_primary);
    if (rc->sc.carrier_backup[0] != '\0')
        put(buf, len, n, ",\"carrier_backup\":\"%s\"", rc->sc.carrier_backup);
    struct tracking_account t;
    scenario_tracking_account(&rc->sc, &t);
    put(buf, len, n,
        ",\"tracking\":{\"base_url\":\"http://127.0.0.1:%d/kuaidi100\","
        "\"customer\":\"%s\",\"key\":\"%s\",\"salt\":\"%s\"},",
        car, esc(t.customer, e1, sizeof(e1)), esc(t.key, e2, sizeof(e2)),
        esc(t.salt, e3, sizeof(e3)));
}

static void config_rest(const struct run_ctx *rc, char *buf, size_t len, size_t *n)
{
    static const char *const delays[] = {"immediate", "30min", "presale"};
    put(buf, len, n, "\"push_base_url\":\"http://127.0.0.1:%d\",\"catalog\":[", rc->syncd_port);
    for (int i = 0; i < rc->sc.sku_count; i++) {
        const struct sku *k = &rc->sc.catalog[i];
        int d = (int)k->ship_delay >= 0 && (int)k->ship_delay < 3 ? (int)k->ship_delay : 0;
        put(buf, len, n,
            "%s{\"sku\":\"%s\",\"stock\":%lld,\"daily_mean_sales\":%.17g,"
            "\"ship_delay\":\"%s\"}",
            i ? "," : "", k->sku, (long long)k->stock, k->daily_mean_sales, delays[d]);
    }
    long sla = (long)rc->sc.sla_ship_within_s;
    put(buf, len, n, "],\"sla_ship_within_s\":%ld,\"admin_token\":\"%s\",\"seed\":%llu}\n",
        sla > 0 ? sla : 7200, rc->token, (unsigned long long)(rc->sc.seed & INT64_MAX));
}

/* Write syncd's configuration into the private folder, mode 0600. */
static int write_config(struct run_ctx *rc, const char *path)
{
    char *buf = malloc(SUT_CONFIG_BYTES_MAX);
    if (buf == NULL)
        return -1;
    size_t n = 0;
    config_shops(rc, buf, SUT_CONFIG_BYTES_MAX, &n, proc_port(rc->plat));
    config_carriers(rc, buf, SUT_CONFIG_BYTES_MAX, &n, proc_port(rc->carrier));
    config_rest(rc, buf, SUT_CONFIG_BYTES_MAX, &n);
    int fd =
        n < SUT_CONFIG_BYTES_MAX ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
    int ok = fd >= 0 && write(fd, buf, n) == (ssize_t)n;
    ok = fd >= 0 && close(fd) == 0 && ok;
    free(buf);
    return ok ? 0 : -1;
}

static struct proc *start_syncd(struct run_ctx *rc)
{
    struct sut_args a;
    clock_args(rc, &a);
    char config[RUN_PATH_BYTES_MAX + 32], db[RUN_PATH_BYTES_MAX + 32], port[16];
    snprintf(config, sizeof(config), "%s/syncd.json", rc->priv);
    snprintf(db, sizeof(db), "%s/syncd.db", rc->priv);
    rc->syncd_port = proc_free_port();
    snprintf(port, sizeof(port), "%d", rc->syncd_port);
    if (rc->syncd_port == 0 || write_config(rc, config) != 0) {
        run_fail(rc, "cannot write syncd's configuration in %s", rc->priv);
        return NULL;
    }
    snprintf(a.exe, sizeof(a.exe), "%s/syncd", rc->bin_dir);
    snprintf(a.log, sizeof(a.log), "%s/syncd.log", rc->out);
    /* syncd's port is chosen here, not by --port 0: its push URLs are in its configuration. */
    struct proc_spec spec = {.name = "syncd", .path = a.exe, .log_path = a.log};
    const char *argv[] = {
        "--port",          port,     "--config",     config,  "--db", db, "--sim-epoch-ms", a.epoch,
        "--sim-anchor-ns", a.anchor, "--time-scale", a.scale, NULL};
    memcpy(spec.argv, argv, sizeof(argv));
    char err[PROC_TAIL_BYTES_MAX + 512];
    struct proc *p = proc_spawn(&spec, err, sizeof(err));
    if (p != NULL && proc_wait_healthz(p, PROC_HEALTHZ_TIMEOUT_MS, err, sizeof(err)) != 0) {
        proc_free(p);
        p = NULL;
    }
    if (p == NULL)
        run_fail(rc, "cannot start syncd: %s", err);
    return p;
}

/* --sut external: the user's own sync service needs the mocks' addresses and credentials. They
 * go to the terminal only (never into results/): the token and keys live as long as this run. */
static void announce_external(const struct run_ctx *rc)
{
    int plat = proc_port(rc->plat), carrier = proc_port(rc->carrier);
    fprintf(stderr,
            "shipsim run: external SUT: point your sync service at\n"
            "  platform   http://127.0.0.1:%d  (Shopee /api/v2/..., WeChat /channels/ec/..., "
            "/cgi-bin/...)\n"
            "  shops      GET http://127.0.0.1:%d/__sim/shops with header X-Sim-Token: %s\n",
            plat, plat, rc->token);
    for (int i = 0; i < rc->sc.carrier_count; i++) {
        struct carrier_instance ci;
        if (scenario_carrier(&rc->sc, i, &ci) == 0)
            fprintf(stderr,
                    "  carrier    %-5s http://127.0.0.1:%d/%s/std/service partnerID %s "
                    "checkword %s\n",
                    ci.code, carrier, ci.code, ci.partner_id, ci.checkword);
    }
    struct tracking_account ta;
    scenario_tracking_account(&rc->sc, &ta);
    fprintf(stderr, "  tracking   http://127.0.0.1:%d/kuaidi100 customer %s key %s salt %s\n",
            carrier, ta.customer, ta.key, ta.salt);
}

int sut_start(struct run_ctx *rc)
{
    snprintf(rc->priv, sizeof(rc->priv), "/tmp/shipsim-run-XXXXXX");
    if (mkdtemp(rc->priv) == NULL) {
        rc->priv[0] = '\0';
        run_fail(rc, "cannot create a private temp folder: %s", strerror(errno));
        return -1;
    }
    rc->plat = start_mock(rc, "mockplat", "platform", NULL);
    if (rc->plat == NULL || run_interrupted)
        return -1;
    char notify[128];
    snprintf(notify, sizeof(notify), "http://127.0.0.1:%d/__sim/parcel", proc_port(rc->plat));
    rc->carrier = start_mock(rc, "mockcarrier", "carrier", notify);
    if (rc->carrier == NULL || run_interrupted)
        return -1;
    if (!rc->opt.sut_external) {
        rc->syncd = start_syncd(rc);
        if (rc->syncd == NULL)
            return -1;
    } else {
        announce_external(rc);
    }
    return sut_register_callbacks(rc);
}

/* The push URL of one shop: syncd's, or the external service's with {shop}/{flavor} filled. */
static void push_url(const struct run_ctx *rc, const struct shop_instance *s, char *out, size_t len)
{
    const char *flavor = flavor_name(s->flavor);
    if (!rc->opt.sut_external) {
        snprintf(out, len, "http://127.0.0.1:%d/push/%s/%s", rc->syncd_port, flavor, s->name);
        return;
    }
    const char *t = rc->opt.sut_push_url;
    if (strstr(t, "{shop}") == NULL && strstr(t, "{flavor}") == NULL) {
        snprintf(out, len, "%s/push/%s/%s", t, flavor, s->name);
        return;
    }
    size_t k = 0;
    while (*t && k + 1 < len) {
        const char *sub = NULL;
        if (strncmp(t, "{shop}", 6) == 0)
            sub = s->name;
        else if (strncmp(t, "{flavor}", 8) == 0)
            sub = flavor;
        if (sub == NULL) {
            out[k++] = *t++;
            continue;
        }
        k += (size_t)snprintf(out + k, len - k, "%s", sub);
        k = k < len ? k : len - 1;
        t += sub == s->name ? 6 : 8;
    }
    out[k] = '\0';
}

int sut_register_callbacks(struct run_ctx *rc)
{
    for (int i = 0; i < rc->sc.shop_count; i++) {
        struct shop_instance s;
        if (scenario_shop(&rc->sc, i, &s) != 0)
            continue;
        char url[HTTP_URL_BYTES_MAX], body[HTTP_URL_BYTES_MAX + 128], resp[512], err[256];
        push_url(rc, &s, url, sizeof(url));
        snprintf(body, sizeof(body), "{\"shop\":\"%s\",\"url\":\"%s\"}", s.name, url);
        int st = proc_http(proc_port(rc->plat), "POST", "/__sim/callbacks", rc->token, body, NULL,
                           resp, sizeof(resp), 5000, err, sizeof(err));
        if (st != 200) {
            run_fail(rc, "mockplat: POST /__sim/callbacks for %s: %s %s", s.name,
                     st < 0 ? err : "status", st < 0 ? "" : resp);
            return -1;
        }
    }
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Remove the private folder: syncd's configuration (secrets), database and its backups. Only
 * this folder, made by mkdtemp for this run, and nothing through a symlink. */
void sut_cleanup_private(struct run_ctx *rc)
{
    if (rc->priv[0] == '\0')
        return;
    assert(strncmp(rc->priv, "/tmp/shipsim-run-", 17) == 0);
    if (nftw(rc->priv, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "shipsim run: note: could not remove %s: %s\n", rc->priv, strerror(errno));
    rc->priv[0] = '\0';
}
