/* SQLite behind the store interface. Statements are prepared once and cached by their SQL text's
 * address (all SQL here is string literals). */
#include "core/store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STORE_STMTS_MAX 96
#define STORE_BUSY_TIMEOUT_MS 5000
/* A checkpoint copies every page the WAL holds back into the database and syncs it. SQLite's
 * default (1,000 pages) checkpointed ~24 times a second under load, rewriting the same hot index
 * pages each time; 16,384 pages (64 MiB of WAL) writes each of them once per checkpoint. */
#define STORE_WAL_CHECKPOINT_PAGES 16384
/* Page cache: SQLite's 2 MiB default sent ~3,600 reads a second to the OS at 200 orders/s. Not
 * mmap: mapped pages count as resident memory, which make bench measures per open order. */
#define STORE_CACHE_KIB 16384
#define STORE_MAGIC 0x53544f52u

struct stmt_slot {
    const char *sql;
    sqlite3_stmt *st;
};

struct store {
    unsigned magic;
    sqlite3 *db;
    int in_tx;
    void (*on_dirty)(void *arg);
    void *on_dirty_arg;
    struct stmt_slot stmts[STORE_STMTS_MAX];
    int stmt_count;
};

/* Tables keyed by text are WITHOUT ROWID: one B-tree per table instead of a rowid table and its
 * key index, so a write dirties half the pages (the group commit writes each dirty page). */
static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS orders("
    " order_id TEXT PRIMARY KEY, shop TEXT NOT NULL, state INTEGER NOT NULL,"
    " plat_rank INTEGER NOT NULL, plat_status TEXT NOT NULL, plat_update_s INTEGER NOT NULL,"
    " buyer TEXT NOT NULL, lines TEXT NOT NULL, hold_reason TEXT NOT NULL, carrier TEXT NOT NULL,"
    " waybill TEXT NOT NULL, wb_gen INTEGER NOT NULL, seen_ms INTEGER NOT NULL,"
    " pay_ms INTEGER NOT NULL, waybill_ms INTEGER NOT NULL, ship_ms INTEGER NOT NULL,"
    " pickup_ms INTEGER NOT NULL, deliver_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS orders_buyer ON orders(buyer, seen_ms);"
    "CREATE TABLE IF NOT EXISTS history(order_id TEXT NOT NULL, state INTEGER NOT NULL,"
    " sim_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS history_order ON history(order_id);"
    "CREATE TABLE IF NOT EXISTS waybills(waybill TEXT PRIMARY KEY, carrier TEXT NOT NULL,"
    " order_id TEXT NOT NULL, status INTEGER NOT NULL, create_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS waybills_order ON waybills(order_id);"
    "CREATE TABLE IF NOT EXISTS waybill_rejects(order_id TEXT NOT NULL, carrier TEXT NOT NULL,"
    " waybill TEXT NOT NULL, sim_ms INTEGER NOT NULL, UNIQUE(order_id, waybill));"
    "CREATE TABLE IF NOT EXISTS jobs(id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
    " order_id TEXT NOT NULL, shop TEXT NOT NULL, arg TEXT NOT NULL, attempts INTEGER NOT NULL,"
    " next_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL, rerun INTEGER NOT NULL,"
    " last_error TEXT NOT NULL, UNIQUE(kind, order_id));"
    "CREATE INDEX IF NOT EXISTS jobs_due ON jobs(next_ms);"
    "CREATE TABLE IF NOT EXISTS evidence(id INTEGER PRIMARY KEY, sim_ms INTEGER NOT NULL,"
    " kind TEXT NOT NULL, order_id TEXT NOT NULL, expected TEXT NOT NULL, seen TEXT NOT NULL,"
    " detail TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS pushes(digest TEXT PRIMARY KEY, sim_ms INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS kv(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS parcels(waybill TEXT PRIMARY KEY, carrier TEXT NOT NULL,"
    " order_id TEXT NOT NULL, state INTEGER NOT NULL, ship_ms INTEGER NOT NULL,"
    " last_event_ms INTEGER NOT NULL, ladder INTEGER NOT NULL, final INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS parcels_order ON parcels(order_id);"
    "CREATE TABLE IF NOT EXISTS events(waybill TEXT NOT NULL, sim_ms INTEGER NOT NULL,"
    " state INTEGER NOT NULL, context TEXT NOT NULL, UNIQUE(waybill, sim_ms, state, context));"
    "CREATE TABLE IF NOT EXISTS stock(sku TEXT PRIMARY KEY, on_hand INTEGER NOT NULL,"
    " safety INTEGER NOT NULL, frozen INTEGER NOT NULL, sold INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS orders_shop_update ON orders(shop, plat_update_s);"
    "CREATE INDEX IF NOT EXISTS orders_shop_seen ON orders(shop, seen_ms);"
    "CREATE INDEX IF NOT EXISTS orders_unread ON orders(shop, seen_ms) WHERE lines = '[]';"
    "CREATE TABLE IF NOT EXISTS order_marks(order_id TEXT PRIMARY KEY, flags INTEGER NOT NULL,"
    " suspect_ms INTEGER NOT NULL, check_ms INTEGER NOT NULL, check_update_s INTEGER NOT NULL,"
    " suspect_to_s INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS order_marks_due ON order_marks(check_ms);"
    "CREATE TABLE IF NOT EXISTS listings(shop TEXT NOT NULL, sku TEXT NOT NULL,"
    " reserved INTEGER NOT NULL, set_value INTEGER NOT NULL, set_reserved INTEGER NOT NULL,"
    " set_ms INTEGER NOT NULL, PRIMARY KEY(shop, sku)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS push_times(order_id TEXT NOT NULL, update_s INTEGER NOT NULL,"
    " PRIMARY KEY(order_id, update_s)) WITHOUT ROWID;";

static void copy_text(char *dst, int dst_len, const unsigned char *src)
{
    assert(dst != NULL);
    assert(dst_len > 0);
    snprintf(dst, (size_t)dst_len, "%s", src != NULL ? (const char *)src : "");
}

static sqlite3_stmt *stmt(struct store *s, const char *sql)
{
    assert(s->magic == STORE_MAGIC);
    for (int i = 0; i < s->stmt_count; i++) {
        if (s->stmts[i].sql == sql) {
            sqlite3_reset(s->stmts[i].st);
            sqlite3_clear_bindings(s->stmts[i].st);
            return s->stmts[i].st;
        }
    }
    assert(s->stmt_count < STORE_STMTS_MAX);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        return NULL;
    }
    s->stmts[s->stmt_count].sql = sql;
    s->stmts[s->stmt_count].st = st;
    s->stmt_count++;
    return st;
}

/* Open the group-commit transaction on the first write of a turn. */
static int tx_ensure(struct store *s)
{
    assert(s->magic == STORE_MAGIC);
    if (s->in_tx) {
        return 0;
    }
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        return -1;
    }
    s->in_tx = 1;
    if (s->on_dirty != NULL) {
        s->on_dirty(s->on_dirty_arg);
    }
    return 0;
}

/* The cached statement for a write, inside the group-commit transaction; NULL on failure. */
static sqlite3_stmt *write_stmt(struct store *s, const char *sql)
{
    return tx_ensure(s) == 0 ? stmt(s, sql) : NULL;
}

/* Run a write statement to completion. */
static int step_write(struct store *s, sqlite3_stmt *st)
{
    if (st == NULL) {
        return -1;
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int create_private(const char *path, char *err, int err_len)
{
    if (strcmp(path, ":memory:") == 0) {
        return 0;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, (size_t)err_len, "cannot create %s", path);
        return -1;
    }
    close(fd);
    return 0;
}

struct store *store_open(const char *path, int sync_full, char *err, int err_len)
{
    assert(path != NULL);
    assert(err_len > 0);
    struct store *s = calloc(1, sizeof(*s));
    if (s == NULL || create_private(path, err, err_len) != 0) {
        free(s);
        return NULL;
    }
    s->magic = STORE_MAGIC;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, (size_t)err_len, "sqlite open %s: %s", path,
                 s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
    const char *pragmas = sync_full ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                    : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
    char tuning[96];
    snprintf(tuning, sizeof(tuning), "PRAGMA wal_autocheckpoint=%d; PRAGMA cache_size=%d;",
             STORE_WAL_CHECKPOINT_PAGES, -STORE_CACHE_KIB);
    if (sqlite3_exec(s->db, pragmas, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, tuning, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, (size_t)err_len, "sqlite setup %s: %s", path, sqlite3_errmsg(s->db));
        goto fail;
    }
    return s;
fail:
    sqlite3_close(s->db);
    free(s);
    return NULL;
}

void store_close(struct store *s)
{
    if (s == NULL) {
        return;
    }
    assert(s->magic == STORE_MAGIC);
    if (store_commit(s) != 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    for (int i = 0; i < s->stmt_count; i++) {
        sqlite3_finalize(s->stmts[i].st);
    }
    sqlite3_close(s->db);
    s->magic = 0;
    free(s);
}

void store_on_dirty(struct store *s, void (*cb)(void *arg), void *arg)
{
    assert(s->magic == STORE_MAGIC);
    s->on_dirty = cb;
    s->on_dirty_arg = arg;
}

int store_commit(struct store *s)
{
    assert(s->magic == STORE_MAGIC);
    if (!s->in_tx) {
        return 0;
    }
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        return -1;
    }
    s->in_tx = 0;
    return 0;
}

int store_in_tx(const struct store *s)
{
    assert(s->magic == STORE_MAGIC);
    return s->in_tx;
}

const char *store_error(const struct store *s)
{
    assert(s->magic == STORE_MAGIC);
    return sqlite3_errmsg(s->db);
}

/* --- orders ----------------------------------------------------------------------------------- */

#define ORDER_COLS                                                                                 \
    "order_id, shop, state, plat_rank, plat_status, plat_update_s, buyer, lines, hold_reason,"     \
    " carrier, waybill, wb_gen, seen_ms, pay_ms, waybill_ms, ship_ms, pickup_ms, deliver_ms"

#define ORDER_SETS                                                                                 \
    "shop = excluded.shop, state = excluded.state, plat_rank = excluded.plat_rank,"                \
    " plat_status = excluded.plat_status, plat_update_s = excluded.plat_update_s,"                 \
    " buyer = excluded.buyer, lines = excluded.lines, hold_reason = excluded.hold_reason,"         \
    " carrier = excluded.carrier, waybill = excluded.waybill, wb_gen = excluded.wb_gen,"           \
    " seen_ms = excluded.seen_ms, pay_ms = excluded.pay_ms, waybill_ms = excluded.waybill_ms,"     \
    " ship_ms = excluded.ship_ms, pickup_ms = excluded.pickup_ms, deliver_ms = "                   \
    "excluded.deliver_ms"

static void order_from_row(sqlite3_stmt *st, struct order_row *o)
{
    memset(o, 0, sizeof(*o));
    copy_text(o->order_id, sizeof(o->order_id), sqlite3_column_text(st, 0));
    copy_text(o->shop, sizeof(o->shop), sqlite3_column_text(st, 1));
    o->state = sqlite3_column_int(st, 2);
    o->plat_rank = sqlite3_column_int(st, 3);
    copy_text(o->plat_status, sizeof(o->plat_status), sqlite3_column_text(st, 4));
    o->plat_update_s = sqlite3_column_int64(st, 5);
    copy_text(o->buyer, sizeof(o->buyer), sqlite3_column_text(st, 6));
    copy_text(o->lines, sizeof(o->lines), sqlite3_column_text(st, 7));
    copy_text(o->hold_reason, sizeof(o->hold_reason), sqlite3_column_text(st, 8));
    copy_text(o->carrier, sizeof(o->carrier), sqlite3_column_text(st, 9));
    copy_text(o->waybill, sizeof(o->waybill), sqlite3_column_text(st, 10));
    o->wb_gen = sqlite3_column_int(st, 11);
    o->seen_ms = sqlite3_column_int64(st, 12);
    o->pay_ms = sqlite3_column_int64(st, 13);
    o->waybill_ms = sqlite3_column_int64(st, 14);
    o->ship_ms = sqlite3_column_int64(st, 15);
    o->pickup_ms = sqlite3_column_int64(st, 16);
    o->deliver_ms = sqlite3_column_int64(st, 17);
}

int store_order_get(struct store *s, const char *order_id, struct order_row *out)
{
    static const char sql[] = "SELECT " ORDER_COLS " FROM orders WHERE order_id = ?1";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, order_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        order_from_row(st, out);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_order_put(struct store *s, const struct order_row *o)
{
    /* an upsert, not INSERT OR REPLACE: a replace deletes the row and inserts it again (with
     * every index entry); an upsert updates it in place */
    static const char sql[] = "INSERT INTO orders(" ORDER_COLS ") VALUES"
                              " (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)"
                              " ON CONFLICT(order_id) DO UPDATE SET " ORDER_SETS;
    assert(o->order_id[0] != '\0');
    assert(o->state >= 0);
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    const char *texts[] = {o->order_id, o->shop};
    sqlite3_bind_text(st, 1, texts[0], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, texts[1], -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, o->state);
    sqlite3_bind_int(st, 4, o->plat_rank);
    sqlite3_bind_text(st, 5, o->plat_status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, o->plat_update_s);
    sqlite3_bind_text(st, 7, o->buyer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, o->lines, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, o->hold_reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, o->carrier, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, o->waybill, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 12, o->wb_gen);
    const int64_t times[] = {o->seen_ms, o->pay_ms,    o->waybill_ms,
                             o->ship_ms, o->pickup_ms, o->deliver_ms};
    for (int i = 0; i < 6; i++) {
        sqlite3_bind_int64(st, 13 + i, times[i]);
    }
    return step_write(s, st);
}

int store_history_add(struct store *s, const char *order_id, int state, int64_t sim_ms)
{
    static const char sql[] = "INSERT INTO history(order_id, state, sim_ms) VALUES (?1,?2,?3)";
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, order_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, state);
    sqlite3_bind_int64(st, 3, sim_ms);
    return step_write(s, st);
}

/* Hand each row of a prepared, bound order query to cb until it returns non-zero. */
static int orders_step(sqlite3_stmt *st, store_order_cb cb, void *arg)
{
    assert(st != NULL);
    struct order_row o;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        order_from_row(st, &o);
        if (cb(&o, arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int orders_query(struct store *s, const char *sql, store_order_cb cb, void *arg)
{
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    return orders_step(st, cb, arg);
}

int store_orders_each(struct store *s, store_order_cb cb, void *arg)
{
    static const char sql[] = "SELECT " ORDER_COLS " FROM orders ORDER BY seen_ms, order_id";
    return orders_query(s, sql, cb, arg);
}

int store_orders_open_each(struct store *s, store_order_cb cb, void *arg)
{
    /* new(0) paid(1) hold(2) waybilled(3): still need work from us */
    static const char sql[] = "SELECT " ORDER_COLS " FROM orders WHERE state <= 3";
    return orders_query(s, sql, cb, arg);
}

int store_history_each(struct store *s, const char *order_id, store_history_cb cb, void *arg)
{
    static const char sql[] =
        "SELECT state, sim_ms FROM history WHERE order_id = ?1 ORDER BY rowid";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, order_id, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (cb(sqlite3_column_int(st, 0), sqlite3_column_int64(st, 1), arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_order_counts(struct store *s, int64_t *counts, int n)
{
    static const char sql[] = "SELECT state, count(*) FROM orders GROUP BY state";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    memset(counts, 0, sizeof(*counts) * (size_t)n);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int state = sqlite3_column_int(st, 0);
        if (state >= 0 && state < n) {
            counts[state] = sqlite3_column_int64(st, 1);
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_buyer_orders_since(struct store *s, const char *buyer, int64_t since_ms)
{
    static const char sql[] = "SELECT count(*) FROM orders WHERE buyer = ?1 AND seen_ms >= ?2";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, buyer, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, since_ms);
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_reset(st);
    return n;
}

/* --- waybills --------------------------------------------------------------------------------- */

int store_waybill_owner(struct store *s, const char *waybill, char *owner, int owner_len)
{
    static const char sql[] = "SELECT order_id FROM waybills WHERE waybill = ?1";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, waybill, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        copy_text(owner, owner_len, sqlite3_column_text(st, 0));
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_waybill_bind(struct store *s, const char *carrier, const char *waybill,
                       const char *order_id, int64_t sim_ms, char *owner, int owner_len)
{
    static const char sql[] = "INSERT INTO waybills(waybill, carrier, order_id, status, create_ms)"
                              " VALUES (?1,?2,?3,0,?4)";
    assert(waybill[0] != '\0');
    assert(owner_len > 0);
    int found = store_waybill_owner(s, waybill, owner, owner_len);
    if (found != 0) {
        return found < 0 ? -1 : strcmp(owner, order_id) == 0 ? 0 : 1;
    }
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, waybill, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, carrier, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, order_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, sim_ms);
    return step_write(s, st);
}

int store_waybill_set_status(struct store *s, const char *waybill, int status)
{
    static const char sql[] = "UPDATE waybills SET status = ?2 WHERE waybill = ?1";
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, waybill, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, status);
    return step_write(s, st);
}

int store_waybill_reject(struct store *s, const char *carrier, const char *waybill,
                         const char *order_id, int64_t sim_ms)
{
    static const char sql[] = "INSERT OR IGNORE INTO waybill_rejects(order_id, carrier, waybill,"
                              " sim_ms) VALUES (?1,?2,?3,?4)";
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, order_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, carrier, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, waybill, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, sim_ms);
    return step_write(s, st);
}

int store_waybills_each(struct store *s, const char *order_id, store_waybill_cb cb, void *arg)
{
    static const char sql[] =
        "SELECT carrier, waybill, order_id, status, create_ms FROM waybills WHERE order_id = ?1"
        " UNION ALL SELECT carrier, waybill, order_id, 2, sim_ms FROM waybill_rejects"
        " WHERE order_id = ?1 ORDER BY 5";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, order_id, -1, SQLITE_TRANSIENT);
    struct waybill_row w;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        copy_text(w.carrier, sizeof(w.carrier), sqlite3_column_text(st, 0));
        copy_text(w.waybill, sizeof(w.waybill), sqlite3_column_text(st, 1));
        copy_text(w.order_id, sizeof(w.order_id), sqlite3_column_text(st, 2));
        w.status = sqlite3_column_int(st, 3);
        w.create_ms = sqlite3_column_int64(st, 4);
        if (cb(&w, arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* --- jobs (outbox) ---------------------------------------------------------------------------- */

int store_job_add(struct store *s, const char *kind, const char *order_id, const char *shop,
                  const char *arg, int64_t next_ms, int rerun)
{
    static const char sql_ins[] =
        "INSERT OR IGNORE INTO jobs(kind, order_id, shop, arg, attempts, next_ms, created_ms,"
        " rerun, last_error) VALUES (?1,?2,?3,?4,0,?5,?5,0,'')";
    static const char sql_rerun[] = "UPDATE jobs SET rerun = 1 WHERE kind = ?1 AND order_id = ?2";
    assert(kind[0] != '\0');
    sqlite3_stmt *st = write_stmt(s, sql_ins);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, order_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, shop, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, arg != NULL ? arg : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, next_ms);
    if (step_write(s, st) != 0) {
        return -1;
    }
    if (sqlite3_changes(s->db) > 0) {
        return 1;
    }
    if (rerun) {
        st = stmt(s, sql_rerun);
        if (st == NULL) {
            return -1;
        }
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, order_id, -1, SQLITE_TRANSIENT);
        if (step_write(s, st) != 0) {
            return -1;
        }
    }
    return 0;
}

int store_jobs_due(struct store *s, int64_t now_ms, struct job_row *out, int max)
{
    static const char sql[] =
        "SELECT id, kind, order_id, shop, arg, attempts, next_ms, created_ms FROM jobs"
        " WHERE next_ms <= ?1 ORDER BY next_ms, id LIMIT ?2";
    assert(max > 0);
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int(st, 2, max);
    int n = 0;
    int rc;
    while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct job_row *j = &out[n++];
        j->id = sqlite3_column_int64(st, 0);
        copy_text(j->kind, sizeof(j->kind), sqlite3_column_text(st, 1));
        copy_text(j->order_id, sizeof(j->order_id), sqlite3_column_text(st, 2));
        copy_text(j->shop, sizeof(j->shop), sqlite3_column_text(st, 3));
        copy_text(j->arg, sizeof(j->arg), sqlite3_column_text(st, 4));
        j->attempts = sqlite3_column_int(st, 5);
        j->next_ms = sqlite3_column_int64(st, 6);
        j->created_ms = sqlite3_column_int64(st, 7);
    }
    sqlite3_reset(st);
    return n;
}

int store_job_done(struct store *s, int64_t id, int64_t now_ms)
{
    static const char sql_rearm[] = "UPDATE jobs SET rerun = 0, attempts = 0, next_ms = ?2"
                                    " WHERE id = ?1 AND rerun = 1";
    static const char sql_del[] = "DELETE FROM jobs WHERE id = ?1 AND rerun = 0";
    sqlite3_stmt *st = write_stmt(s, sql_rearm);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now_ms);
    if (step_write(s, st) != 0) {
        return -1;
    }
    if (sqlite3_changes(s->db) > 0) {
        return 0;
    }
    st = stmt(s, sql_del);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    return step_write(s, st);
}

int store_job_retry(struct store *s, int64_t id, int64_t next_ms, const char *error,
                    const char *arg)
{
    static const char sql[] = "UPDATE jobs SET attempts = attempts + 1, next_ms = ?2,"
                              " last_error = ?3, arg = coalesce(?4, arg) WHERE id = ?1";
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, next_ms);
    sqlite3_bind_text(st, 3, error != NULL ? error : "", -1, SQLITE_TRANSIENT);
    if (arg != NULL) {
        sqlite3_bind_text(st, 4, arg, -1, SQLITE_TRANSIENT);
    }
    return step_write(s, st);
}

static int64_t scalar(struct store *s, const char *sql)
{
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return v;
}

int64_t store_jobs_pending(struct store *s)
{
    static const char sql[] = "SELECT count(*) FROM jobs";
    return scalar(s, sql);
}

int store_job_lease(struct store *s, int64_t id, int64_t until_ms)
{
    static const char sql[] = "UPDATE jobs SET next_ms = ?2 WHERE id = ?1";
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, until_ms);
    return step_write(s, st);
}

int64_t store_jobs_resume(struct store *s, int64_t now_ms)
{
    static const char sql[] = "UPDATE jobs SET next_ms = ?1 WHERE next_ms > ?1";
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_int64(st, 1, now_ms);
    if (step_write(s, st) != 0) {
        return -1;
    }
    return store_jobs_pending(s);
}

int store_job_exists(struct store *s, const char *kind, const char *order_id)
{
    static const char sql[] = "SELECT 1 FROM jobs WHERE kind = ?1 AND order_id = ?2";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, order_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* --- evidence, pushes, kv --------------------------------------------------------------------- */

int store_evidence_add(struct store *s, const struct evidence_row *e)
{
    static const char sql[] = "INSERT INTO evidence(sim_ms, kind, order_id, expected, seen,"
                              " detail) VALUES (?1,?2,?3,?4,?5,?6)";
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_int64(st, 1, e->sim_ms);
    sqlite3_bind_text(st, 2, e->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, e->order_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, e->expected, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, e->seen, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, e->detail, -1, SQLITE_TRANSIENT);
    return step_write(s, st);
}

int store_evidence_each(struct store *s, store_evidence_cb cb, void *arg)
{
    static const char sql[] =
        "SELECT sim_ms, kind, order_id, expected, seen, detail FROM evidence ORDER BY id";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    struct evidence_row *e = malloc(sizeof(*e));
    if (e == NULL) {
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        e->sim_ms = sqlite3_column_int64(st, 0);
        copy_text(e->kind, sizeof(e->kind), sqlite3_column_text(st, 1));
        copy_text(e->order_id, sizeof(e->order_id), sqlite3_column_text(st, 2));
        copy_text(e->expected, sizeof(e->expected), sqlite3_column_text(st, 3));
        copy_text(e->seen, sizeof(e->seen), sqlite3_column_text(st, 4));
        copy_text(e->detail, sizeof(e->detail), sqlite3_column_text(st, 5));
        if (cb(e, arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    free(e);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_evidence_counts(struct store *s, int (*cb)(const char *kind, int64_t n, void *arg),
                          void *arg)
{
    static const char sql[] = "SELECT kind, count(*) FROM evidence GROUP BY kind ORDER BY kind";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (cb((const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1), arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_push_seen(struct store *s, const char *digest, int64_t sim_ms)
{
    static const char sql[] = "INSERT OR IGNORE INTO pushes(digest, sim_ms) VALUES (?1, ?2)";
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, digest, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, sim_ms);
    if (step_write(s, st) != 0) {
        return -1;
    }
    return sqlite3_changes(s->db) > 0 ? 0 : 1;
}

int store_kv_get(struct store *s, const char *key, char *out, int out_len)
{
    static const char sql[] = "SELECT value FROM kv WHERE key = ?1";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        copy_text(out, out_len, sqlite3_column_text(st, 0));
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_kv_set(struct store *s, const char *key, const char *value)
{
    static const char sql[] = "INSERT OR REPLACE INTO kv(key, value) VALUES (?1, ?2)";
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
    return step_write(s, st);
}

/* --- stock ------------------------------------------------------------------------------------ */

static void stock_from_row(sqlite3_stmt *st, struct stock_row *r)
{
    copy_text(r->sku, sizeof(r->sku), sqlite3_column_text(st, 0));
    r->on_hand = sqlite3_column_int64(st, 1);
    r->safety = sqlite3_column_int64(st, 2);
    r->frozen = sqlite3_column_int(st, 3);
    r->sold = sqlite3_column_int64(st, 4);
}

int store_stock_get(struct store *s, const char *sku, struct stock_row *out)
{
    static const char sql[] = "SELECT sku, on_hand, safety, frozen, sold FROM stock WHERE sku = ?1";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, sku, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        stock_from_row(st, out);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_stock_put(struct store *s, const struct stock_row *r)
{
    static const char sql[] = "INSERT OR REPLACE INTO stock(sku, on_hand, safety, frozen, sold)"
                              " VALUES (?1,?2,?3,?4,?5)";
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, r->sku, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, r->on_hand);
    sqlite3_bind_int64(st, 3, r->safety);
    sqlite3_bind_int(st, 4, r->frozen);
    sqlite3_bind_int64(st, 5, r->sold);
    return step_write(s, st);
}

int store_stock_each(struct store *s, store_stock_cb cb, void *arg)
{
    static const char sql[] = "SELECT sku, on_hand, safety, frozen, sold FROM stock ORDER BY sku";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    struct stock_row r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        stock_from_row(st, &r);
        if (cb(&r, arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* --- parcels and events --------------------------------------------------------------------- */

#define PARCEL_COLS "waybill, carrier, order_id, state, ship_ms, last_event_ms, ladder, final"

static void parcel_from_row(sqlite3_stmt *st, struct parcel_row *p)
{
    copy_text(p->waybill, sizeof(p->waybill), sqlite3_column_text(st, 0));
    copy_text(p->carrier, sizeof(p->carrier), sqlite3_column_text(st, 1));
    copy_text(p->order_id, sizeof(p->order_id), sqlite3_column_text(st, 2));
    p->state = sqlite3_column_int(st, 3);
    p->ship_ms = sqlite3_column_int64(st, 4);
    p->last_event_ms = sqlite3_column_int64(st, 5);
    p->ladder = sqlite3_column_int(st, 6);
    p->final = sqlite3_column_int(st, 7);
}

int store_parcel_get(struct store *s, const char *waybill, struct parcel_row *out)
{
    static const char sql[] = "SELECT " PARCEL_COLS " FROM parcels WHERE waybill = ?1";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, waybill, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        parcel_from_row(st, out);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_parcel_put(struct store *s, const struct parcel_row *p)
{
    static const char sql[] =
        "INSERT INTO parcels(" PARCEL_COLS ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8)"
        " ON CONFLICT(waybill) DO UPDATE SET carrier = excluded.carrier,"
        " order_id = excluded.order_id, state = excluded.state, ship_ms = excluded.ship_ms,"
        " last_event_ms = excluded.last_event_ms, ladder = excluded.ladder, final = excluded.final";
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, p->waybill, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, p->carrier, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, p->order_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, p->state);
    sqlite3_bind_int64(st, 5, p->ship_ms);
    sqlite3_bind_int64(st, 6, p->last_event_ms);
    sqlite3_bind_int(st, 7, p->ladder);
    sqlite3_bind_int(st, 8, p->final);
    return step_write(s, st);
}

int store_parcels_open_each(struct store *s, store_parcel_cb cb, void *arg)
{
    static const char sql[] = "SELECT " PARCEL_COLS " FROM parcels WHERE final = 0";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    struct parcel_row p;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        parcel_from_row(st, &p);
        if (cb(&p, arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_event_add(struct store *s, const char *waybill, int64_t sim_ms, int state,
                    const char *context)
{
    static const char sql[] = "INSERT OR IGNORE INTO events(waybill, sim_ms, state, context)"
                              " VALUES (?1,?2,?3,?4)";
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, waybill, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, sim_ms);
    sqlite3_bind_int(st, 3, state);
    sqlite3_bind_text(st, 4, context, -1, SQLITE_TRANSIENT);
    if (step_write(s, st) != 0) {
        return -1;
    }
    return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

int store_events_each(struct store *s, const char *order_id, store_event_cb cb, void *arg)
{
    static const char sql[] =
        "SELECT e.sim_ms, e.state, e.context FROM events e JOIN parcels p ON p.waybill = e.waybill"
        " WHERE p.order_id = ?1 ORDER BY e.sim_ms, e.rowid";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, order_id, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (cb(sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
               (const char *)sqlite3_column_text(st, 2), arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_backup(struct store *s, const char *path, char *err, int err_len)
{
    assert(s->magic == STORE_MAGIC);
    if (create_private(path, err, err_len) != 0) {
        return -1;
    }
    sqlite3 *dst = NULL;
    int rc = sqlite3_open(path, &dst);
    if (rc == SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", s->db, "main");
        if (b != NULL) {
            rc = sqlite3_backup_step(b, -1);
            sqlite3_backup_finish(b);
            rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        } else {
            rc = sqlite3_errcode(dst);
        }
    }
    if (rc != SQLITE_OK) {
        snprintf(err, (size_t)err_len, "backup to %s: %s", path,
                 dst != NULL ? sqlite3_errmsg(dst) : "out of memory");
    }
    sqlite3_close(dst);
    return rc == SQLITE_OK ? 0 : -1;
}

/* --- order marks (lost-order checks, stock flags) -----------------------------------------------
 */

static void mark_from_row(sqlite3_stmt *st, struct order_mark *m)
{
    memset(m, 0, sizeof(*m));
    copy_text(m->order_id, sizeof(m->order_id), sqlite3_column_text(st, 0));
    m->flags = sqlite3_column_int(st, 1);
    m->suspect_ms = sqlite3_column_int64(st, 2);
    m->check_ms = sqlite3_column_int64(st, 3);
    m->check_update_s = sqlite3_column_int64(st, 4);
    m->suspect_to_s = sqlite3_column_int64(st, 5);
}

#define MARK_COLS "order_id, flags, suspect_ms, check_ms, check_update_s, suspect_to_s"

int store_mark_get(struct store *s, const char *order_id, struct order_mark *out)
{
    static const char sql[] = "SELECT " MARK_COLS " FROM order_marks WHERE order_id = ?1";
    sqlite3_stmt *st = stmt(s, sql);
    memset(out, 0, sizeof(*out));
    copy_text(out->order_id, sizeof(out->order_id), (const unsigned char *)order_id);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, order_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        mark_from_row(st, out);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_mark_put(struct store *s, const struct order_mark *m)
{
    static const char sql[] =
        "INSERT INTO order_marks(" MARK_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT(order_id) DO UPDATE SET flags = excluded.flags,"
        " suspect_ms = excluded.suspect_ms, check_ms = excluded.check_ms,"
        " check_update_s = excluded.check_update_s, suspect_to_s = excluded.suspect_to_s";
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, m->order_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, m->flags);
    sqlite3_bind_int64(st, 3, m->suspect_ms);
    sqlite3_bind_int64(st, 4, m->check_ms);
    sqlite3_bind_int64(st, 5, m->check_update_s);
    sqlite3_bind_int64(st, 6, m->suspect_to_s);
    return step_write(s, st);
}

int store_marks_due(struct store *s, int64_t now_ms, struct order_mark *out, int max)
{
    static const char sql[] = "SELECT " MARK_COLS " FROM order_marks"
                              " WHERE check_ms > 0 AND check_ms <= ?1 ORDER BY check_ms LIMIT ?2";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int(st, 2, max);
    int n = 0;
    while (n < max && sqlite3_step(st) == SQLITE_ROW) {
        mark_from_row(st, &out[n++]);
    }
    sqlite3_reset(st);
    return n;
}

int store_orders_updated_each(struct store *s, const char *shop, int64_t from_s, int64_t to_s,
                              store_order_cb cb, void *arg)
{
    static const char sql[] = "SELECT " ORDER_COLS " FROM orders"
                              " WHERE shop = ?1 AND plat_update_s >= ?2 AND plat_update_s <= ?3";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, shop, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, from_s);
    sqlite3_bind_int64(st, 3, to_s);
    return orders_step(st, cb, arg);
}

int store_shop_unread(struct store *s, const char *shop, int64_t since_ms)
{
    /* 8 = OS_CANCELLED: a cancelled order holds no units, read or not */
    static const char sql[] = "SELECT count(*) FROM orders WHERE shop = ?1 AND seen_ms >= ?2"
                              " AND lines = '[]' AND state <> 8";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, shop, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, since_ms);
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_reset(st);
    return n;
}

/* --- listings (the stock each shop shows, as the core set it) ----------------------------------
 */

int store_listing_get(struct store *s, const char *shop, const char *sku, struct listing_row *out)
{
    static const char sql[] = "SELECT reserved, set_value, set_reserved, set_ms FROM listings"
                              " WHERE shop = ?1 AND sku = ?2";
    sqlite3_stmt *st = stmt(s, sql);
    memset(out, 0, sizeof(*out));
    copy_text(out->shop, sizeof(out->shop), (const unsigned char *)shop);
    copy_text(out->sku, sizeof(out->sku), (const unsigned char *)sku);
    out->set_value = -1;
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, shop, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, sku, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->reserved = sqlite3_column_int64(st, 0);
        out->set_value = sqlite3_column_int64(st, 1);
        out->set_reserved = sqlite3_column_int64(st, 2);
        out->set_ms = sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_listing_put(struct store *s, const struct listing_row *r)
{
    static const char sql[] = "INSERT OR REPLACE INTO listings(shop, sku, reserved, set_value,"
                              " set_reserved, set_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, r->shop, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, r->sku, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, r->reserved);
    sqlite3_bind_int64(st, 4, r->set_value);
    sqlite3_bind_int64(st, 5, r->set_reserved);
    sqlite3_bind_int64(st, 6, r->set_ms);
    return step_write(s, st);
}

int store_push_time_add(struct store *s, const char *order_id, int64_t update_s)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO push_times(order_id, update_s) VALUES (?1, ?2)";
    sqlite3_stmt *st = write_stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, order_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, update_s);
    return step_write(s, st);
}

int store_push_time_near(struct store *s, const char *order_id, int64_t update_s, int64_t slack_s)
{
    static const char sql[] = "SELECT 1 FROM push_times WHERE order_id = ?1"
                              " AND update_s >= ?2 AND update_s <= ?3 LIMIT 1";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, order_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, update_s - slack_s);
    sqlite3_bind_int64(st, 3, update_s + slack_s);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_orders_seen_since_each(struct store *s, const char *shop, int64_t since_ms,
                                 store_order_cb cb, void *arg)
{
    static const char sql[] = "SELECT " ORDER_COLS " FROM orders WHERE shop = ?1 AND seen_ms >= ?2"
                              " ORDER BY seen_ms";
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_text(st, 1, shop, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, since_ms);
    return orders_step(st, cb, arg);
}
