/* Levelled logging to stderr, each line stamped with the process name and sim time:
 *   2026-11-21T23:18:31.123Z syncd WARN outbox: ship_order 220810QSK8S7BX: error_server, retry in
 * 4s Never log a secret: callers pass ids, not keys or tokens. */
#ifndef SHIPSIM_LOG_H
#define SHIPSIM_LOG_H

#include "common/check.h"
#include "common/simclock.h"

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };

/* Process name and clock for the stamps (the clock may be NULL: wall time is used). */
void log_init(const char *process, const struct simclock *clock);
void log_set_level(enum log_level level);
/* "debug" | "info" | "warn" | "error" -> level; -1 when unknown. */
int log_level_parse(const char *name);
void log_msg(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
