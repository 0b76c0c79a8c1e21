/* Levelled logging: see log.h. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/limits.h"

static const char *log_process = "shipsim";
static const struct simclock *log_clock;
static enum log_level log_level_min = LOG_INFO;
static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void log_init(const char *process, const struct simclock *clock)
{
    assert(process != NULL);
    log_process = process;
    log_clock = clock;
}

void log_set_level(enum log_level level)
{
    assert(level >= LOG_DEBUG && level <= LOG_ERROR);
    log_level_min = level;
}

int log_level_parse(const char *name)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < (int)ARRAY_LEN(names); i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    assert(level >= LOG_DEBUG && level <= LOG_ERROR);
    if (level < log_level_min)
        return;
    char stamp[32];
    simclock_format(log_clock != NULL ? simclock_now_ms(log_clock) : wall_now_ms(), stamp,
                    sizeof(stamp));
    char line[LOG_LINE_BYTES_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* one fprintf per line so lines from one process never interleave */
    fprintf(stderr, "%s %s %s %s\n", stamp, log_process, level_names[level], line);
}
