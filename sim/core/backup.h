/* Daily backup (issue 6, as both seed articles advise): at 03:00 shop time (UTC+8) of every sim
 * day, an online copy of the database through SQLite's backup API while syncd keeps running, and
 * a CSV export of the day's orders and waybills. `syncd --restore FILE` starts from such a copy
 * and catches up from the platforms (the poll watermark in the copy is older, so the first passes
 * re-list everything since). */
#ifndef SHIPSIM_CORE_BACKUP_H
#define SHIPSIM_CORE_BACKUP_H

#include "core/core.h"

#define BACKUP_HOUR_LOCAL 3
#define BACKUP_TZ_OFFSET_S (8 * 3600)
#define BACKUP_PATH_BYTES_MAX 1024

/* Set the folder (created 0700 when missing). 0 or -1. */
int backup_init(const char *dir);
/* Take the day's backup when 03:00 local has passed and it was not taken yet. */
void backup_maybe(struct core *c);
/* Take a backup now (named by the sim day and time); the database copy's path into out. 0/-1. */
int backup_now(struct core *c, char *out, int out_len);

#endif
