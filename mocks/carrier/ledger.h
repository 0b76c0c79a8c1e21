/* The carrier mock's ground truth (INTERFACES.md section 4): every waybill record (a number given
 * to an order reference), every parcel (one per issued number) with its planned events, reminders
 * and Kuaidi100 subscription. With a journal path, every change is appended as one JSON line and
 * flushed, and ledger_new replays the file, so a SIGKILLed mock restarts with the same truth. */
#ifndef SHIPSIM_CARRIER_LEDGER_H
#define SHIPSIM_CARRIER_LEDGER_H

#include <stdint.h>
#include "carrier/parcel.h"
#include "common/check.h"
#include "common/limits.h"
#include "scenario/scenario.h"

#define LEDGER_REF_BYTES_MAX 65 /* SF orderId up to 64 chars */
#define LEDGER_RECORDS_MAX (2 * 1000 * 1000)
#define LEDGER_JOURNAL_LINE_BYTES_MAX 4096

enum ledger_dup { DUP_NONE = 0, DUP_REUSED = 1, DUP_RETRY = 2 };
enum ledger_sub { SUB_NONE = 0, SUB_ACTIVE = 1, SUB_ENDED = 2 };

struct ledger_waybill {
    char carrier[CARRIER_CODE_BYTES_MAX];
    char waybill[WAYBILL_BYTES_MAX];
    char order_ref[LEDGER_REF_BYTES_MAX];
    int64_t create_ms;
    int64_t cancel_ms; /* -1 while live */
    enum ledger_dup dup;
    char duplicate_of[WAYBILL_BYTES_MAX]; /* reused: the number itself; retry: the ref's first */
    uint64_t data_hash;                   /* of the create's shipment data, for 8016 */
    int parcel;                           /* parcel index of the number */
    int prev_same_ref;                    /* earlier record of the same (carrier, ref), -1 */
};

struct ledger_parcel {
    int rec; /* the record that issued the number */
    struct parcel_plan plan;
    int done; /* events that have happened */
    int reminders;
    int stall_tries;       /* tracking_stall decisions made */
    int stalled;           /* a stall was applied */
    int64_t last_query_ms; /* last answered Kuaidi100 query, -1 never (the 30 min lock) */
    enum ledger_sub sub;
    char *callback_url; /* malloc'd while subscribed (kept after the end) */
    char salt[SECRET_BYTES_MAX];
    int64_t sub_ms;
    uint32_t push_gen; /* bumps on every new push; stale retries are skipped */
    int push_attempt;
    int push_status;  /* 0 polling, 1 shutdown, 2 abort: what the current push says */
    int64_t sched_ms; /* due time of the parcel's queued advance job, -1 none */
};

struct ledger;

/* A ledger for the scenario's seed and parcel mix. journal_path may be NULL. On a journal that
 * cannot be read or written: NULL with err filled. */
struct ledger *ledger_new(const struct scenario *sc, const char *journal_path, char *err,
                          int err_len);
void ledger_free(struct ledger *l);
void ledger_reset(struct ledger *l); /* forget everything, truncate the journal */

/* Issue a record. reuse_parcel >= 0 hands out that parcel's existing number (duplicate_waybill,
 * reused); otherwise a fresh number and parcel. Returns the record index or -1. */
int ledger_create(struct ledger *l, const char *carrier, const char *ref, int64_t now_ms,
                  uint64_t data_hash, enum ledger_dup dup, int reuse_parcel);
int ledger_find_ref(const struct ledger *l, const char *carrier, const char *ref);
int ledger_find_waybill(const struct ledger *l, const char *waybill); /* parcel index or -1 */
/* The latest record of carrier other than ref's, for a reused number; -1 when none. */
int ledger_other_parcel(const struct ledger *l, const char *carrier, const char *ref);
void ledger_cancel(struct ledger *l, int rec, int64_t now_ms);

int ledger_record_count(const struct ledger *l);
int ledger_parcel_count(const struct ledger *l);
struct ledger_waybill *ledger_record(struct ledger *l, int i);
struct ledger_parcel *ledger_parcel(struct ledger *l, int i);
/* 1 when the number's issuing record was cancelled: such a parcel never moves. */
int ledger_parcel_cancelled(const struct ledger *l, int p);
/* Kuaidi100 state after the events done, -1 before the first. */
int ledger_parcel_state(const struct ledger *l, int p);

/* Journal the changes the flow makes (no-ops without a journal). */
void ledger_note_advance(struct ledger *l, int p);
void ledger_note_stall(struct ledger *l, int p, int from, int64_t shift_ms);
void ledger_note_remind(struct ledger *l, int p);
void ledger_note_subscribe(struct ledger *l, int p);
void ledger_note_sub_end(struct ledger *l, int p);

/* Truth as JSON lines (INTERFACES.md section 4); malloc'd, caller frees; NULL on allocation
 * failure. Only events already done are listed. */
char *ledger_truth(const struct ledger *l);
/* How many records / parcels / subscriptions / cancelled records there are (for stats). */
void ledger_counts(const struct ledger *l, int *records, int *parcels, int *subscribed,
                   int *cancelled);

#endif
