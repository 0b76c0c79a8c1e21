/* The garbled_tracking fault's transformations (DESIGN.md section 4): what a broken carrier or
 * aggregator does to tracking text and lists. Pure functions, so each mode is unit-tested alone. */
#ifndef SHIPSIM_CARRIER_GARBLE_H
#define SHIPSIM_CARRIER_GARBLE_H

#include <stddef.h>
#include "common/check.h"

enum garble_mode {
    GARBLE_GBK_MOJIBAKE = 0,  /* UTF-8 bytes decoded as GBK, re-encoded as UTF-8 */
    GARBLE_LATIN1_MOJIBAKE,   /* UTF-8 bytes decoded as Latin-1, re-encoded as UTF-8 */
    GARBLE_INVALID_UTF8,      /* a multi-byte character cut short plus a 0xFF byte */
    GARBLE_TRUNCATED_WAYBILL, /* the waybill number loses its last GARBLE_TRUNCATE_CHARS */
    GARBLE_REPEATED_EVENTS,   /* one event appears twice */
    GARBLE_OUT_OF_ORDER,      /* two neighbouring events swap places */
    GARBLE_MODE_COUNT
};

#define GARBLE_TRUNCATE_CHARS 3

/* "gbk_mojibake" ... -> mode (also the loader's "repeated"); "" -> -2 (choose one of all per
 * draw); "mojibake" -> -3 (GBK or Latin-1 per draw); unknown -> -1. */
int garble_mode_parse(const char *name);
const char *garble_mode_name(enum garble_mode m);
/* The mode for a rule's mode string and a uniform draw u in [0,1) (used when mode is ""). */
enum garble_mode garble_mode_pick(const char *rule_mode, double u);
/* 1 for the modes that rewrite the text of one event (the first three). */
int garble_mode_is_text(enum garble_mode m);

/* Garble text per a text mode; malloc'd result (NULL on allocation failure). The result always
 * differs from s when s holds a non-ASCII character; for pure-ASCII s it equals s (nothing to
 * garble), which callers detect with strcmp and then do not record the fault. */
char *garble_text(enum garble_mode m, const char *s);
/* Truncate a waybill in place; returns 0, or -1 when it is too short to truncate. */
int garble_waybill(char *s);
/* Rewrite an event index list idx[0..n) for REPEATED_EVENTS or OUT_OF_ORDER, choosing the
 * position with u. cap is idx's capacity. Returns the new count, or -1 when the list is too
 * short for the mode to change anything. */
int garble_order(enum garble_mode m, double u, int *idx, int n, int cap);

#endif
