/* Online backup and CSV export. */
#include "core/backup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/log.h"
#include "core/order.h"

#define BACKUP_DAY_MS (86400 * 1000LL)

static char backup_dir[BACKUP_PATH_BYTES_MAX];

int backup_init(const char *dir)
{
    snprintf(backup_dir, sizeof(backup_dir), "%s", dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return -1;
    }
    return 0;
}

/* Local (UTC+8) day number and the local time of day of a sim instant. */
static int64_t local_day(int64_t sim_ms)
{
    return (sim_ms + BACKUP_TZ_OFFSET_S * 1000LL) / BACKUP_DAY_MS;
}

static void day_stamp(int64_t sim_ms, char *out, int len)
{
    time_t t = (time_t)(sim_ms / 1000 + BACKUP_TZ_OFFSET_S);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, (size_t)len, "%Y%m%d-%H%M%S", &tm);
}

struct csv {
    struct core *c;
    FILE *orders;
    FILE *waybills;
    int64_t from_ms, to_ms;
};

static int waybill_line(const struct waybill_row *w, void *arg)
{
    static const char *const names[] = {"live", "cancelled", "rejected"};
    struct csv *x = arg;
    fprintf(x->waybills, "%s,%s,%s,%s,%lld\n", w->order_id, w->carrier, w->waybill,
            w->status >= 0 && w->status <= 2 ? names[w->status] : "?", (long long)w->create_ms);
    return 0;
}

/* Ids are [A-Za-z0-9_-] and states are words: nothing needs CSV quoting. */
static int order_line(const struct order_row *o, void *arg)
{
    struct csv *x = arg;
    if (o->seen_ms < x->from_ms || o->seen_ms >= x->to_ms) {
        return 0;
    }
    fprintf(x->orders, "%s,%s,%s,%s,%s,%lld,%lld,%lld,%lld\n", o->order_id, o->shop,
            order_state_name(o->state), o->carrier, o->waybill, (long long)o->seen_ms,
            (long long)o->pay_ms, (long long)o->waybill_ms, (long long)o->ship_ms);
    return store_waybills_each(x->c->store, o->order_id, waybill_line, x);
}

static int export_csv(struct core *c, const char *stamp, int64_t from_ms, int64_t to_ms)
{
    char path[BACKUP_PATH_BYTES_MAX + 64];
    struct csv x = {c, NULL, NULL, from_ms, to_ms};
    snprintf(path, sizeof(path), "%s/orders-%s.csv", backup_dir, stamp);
    x.orders = fopen(path, "w");
    snprintf(path, sizeof(path), "%s/waybills-%s.csv", backup_dir, stamp);
    x.waybills = fopen(path, "w");
    int rc = -1;
    if (x.orders != NULL && x.waybills != NULL) {
        fprintf(x.orders,
                "order_id,shop,state,carrier,waybill,seen_ms,pay_ms,waybill_ms,ship_ms\n");
        fprintf(x.waybills, "order_id,carrier,waybill,status,create_ms\n");
        rc = store_orders_each(c->store, order_line, &x);
    }
    if (x.orders != NULL && fclose(x.orders) != 0) {
        rc = -1;
    }
    if (x.waybills != NULL && fclose(x.waybills) != 0) {
        rc = -1;
    }
    return rc;
}

int backup_now(struct core *c, char *out, int out_len)
{
    char stamp[32], err[ERR_BYTES_MAX];
    int64_t now = core_now_ms(c);
    if (backup_dir[0] == '\0') {
        return -1;
    }
    day_stamp(now, stamp, sizeof(stamp));
    snprintf(out, (size_t)out_len, "%s/syncd-%s.db", backup_dir, stamp);
    if (store_commit(c->store) != 0 || store_backup(c->store, out, err, sizeof(err)) != 0) {
        log_warn("backup failed: %s", err);
        return -1;
    }
    /* the orders and waybills of the local day that ends now */
    int64_t day_start = local_day(now) * BACKUP_DAY_MS - BACKUP_TZ_OFFSET_S * 1000LL;
    if (export_csv(c, stamp, day_start - BACKUP_DAY_MS, now) != 0) {
        log_warn("backup: CSV export failed");
        return -1;
    }
    log_info("backup written: %s", out);
    return 0;
}

void backup_maybe(struct core *c)
{
    char last[32], path[BACKUP_PATH_BYTES_MAX + 64];
    int64_t now = core_now_ms(c);
    int64_t day = local_day(now);
    int64_t into_day_ms = now + BACKUP_TZ_OFFSET_S * 1000LL - day * BACKUP_DAY_MS;
    if (into_day_ms < BACKUP_HOUR_LOCAL * 3600 * 1000LL) {
        return;
    }
    int64_t done = 0;
    if (store_kv_get(c->store, "backup_day", last, sizeof(last)) == 1) {
        done = strtoll(last, NULL, 10);
    }
    if (done >= day) {
        return;
    }
    snprintf(last, sizeof(last), "%lld", (long long)day);
    /* marked first: a backup that fails is retried tomorrow, not in a loop every sweep */
    if (store_kv_set(c->store, "backup_day", last) != 0) {
        core_fatal_store(c, "backup mark");
    }
    (void)backup_now(c, path, sizeof(path));
}
