/* summary.json and .hgrm writers: see summary.h. */
#include "check/summary.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "common/hdr.h"

/* Integral figures print without a fraction; others with full precision. */
static cJSON *number(double v)
{
    char text[64];
    if (!isfinite(v))
        return cJSON_CreateNull();
    if (v == floor(v) && fabs(v) < 9e15)
        snprintf(text, sizeof(text), "%.0f", v);
    else
        snprintf(text, sizeof(text), "%.17g", v);
    return cJSON_CreateRaw(text);
}

static void add_figures(cJSON *root, const struct check *c)
{
    cJSON *faults = cJSON_CreateObject();
    cJSON *evidence = cJSON_CreateObject();
    cJSON *unavailable = cJSON_CreateObject();
    for (int i = 0; i < check_figure_count(c); i++) {
        int avail;
        double v;
        const char *reason;
        const char *name = check_figure(c, i, &avail, &v, &reason);
        cJSON *into = root;
        const char *key = name;
        if (strncmp(name, "faults_injected.", 16) == 0) {
            into = faults;
            key = name + 16;
        } else if (strncmp(name, "evidence.", 9) == 0) {
            into = evidence;
            key = name + 9;
        }
        cJSON_AddItemToObject(into, key, avail ? number(v) : cJSON_CreateNull());
        if (!avail)
            cJSON_AddStringToObject(unavailable, name, reason);
    }
    cJSON_AddItemToObject(root, "faults_injected", faults);
    cJSON_AddItemToObject(root, "evidence", evidence);
    cJSON_AddItemToObject(root, "unavailable", unavailable);
}

static void add_thresholds(cJSON *root, const struct check *c)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "thresholds");
    for (int i = 0; i < check_threshold_count(c); i++) {
        const char *figure, *condition;
        double value;
        int pass;
        check_threshold_result(c, i, &figure, &condition, &value, &pass);
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "figure", figure);
        cJSON_AddStringToObject(t, "condition", condition);
        cJSON_AddItemToObject(t, "value", number(value));
        cJSON_AddBoolToObject(t, "pass", pass);
        cJSON_AddItemToArray(arr, t);
    }
}

int summary_write(const char *path, const struct check *c, const struct summary_meta *meta,
                  char *err, int err_len)
{
    assert(c != NULL);
    assert(meta != NULL);
    cJSON *root = cJSON_CreateObject();
    if (root == NULL) {
        snprintf(err, (size_t)err_len, "summary: out of memory");
        return -1;
    }
    char seed[32];
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)meta->seed);
    cJSON_AddStringToObject(root, "scenario", meta->scenario ? meta->scenario : "");
    cJSON_AddItemToObject(root, "seed", cJSON_CreateRaw(seed));
    cJSON_AddStringToObject(root, "git_revision", meta->git_revision ? meta->git_revision : "");
    cJSON_AddStringToObject(root, "verdict", meta->passed ? "pass" : "fail");
    add_figures(root, c);
    add_thresholds(root, c);
    cJSON *notes = cJSON_AddArrayToObject(root, "notes");
    for (int i = 0; i < SUMMARY_NOTES_MAX && meta->notes[i] != NULL; i++)
        cJSON_AddItemToArray(notes, cJSON_CreateString(meta->notes[i]));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    FILE *f = text ? fopen(path, "w") : NULL;
    int rc = -1;
    if (f != NULL) {
        rc = fputs(text, f) < 0 || fputc('\n', f) == EOF ? -1 : 0;
        rc = fclose(f) != 0 ? -1 : rc;
    }
    free(text);
    if (rc != 0)
        snprintf(err, (size_t)err_len, "%s: cannot write", path);
    return rc;
}

static int write_one(const char *dir, const char *stage, const struct hdr *h, char *err,
                     int err_len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/latency-%s.hgrm", dir, stage);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        snprintf(err, (size_t)err_len, "%s: cannot write", path);
        return -1;
    }
    int rc = hdr_write_percentiles(h, f, 1.0);
    rc = fclose(f) != 0 ? -1 : rc;
    if (rc != 0)
        snprintf(err, (size_t)err_len, "%s: write failed", path);
    return rc;
}

int summary_write_hgrms(const char *dir, const struct check *c, char *err, int err_len)
{
    for (int s = 0; s < STAGE_COUNT; s++) {
        const struct hdr *h = check_stage_hist(c, (enum check_stage)s);
        if (write_one(dir, check_stage_name((enum check_stage)s), h, err, err_len) != 0)
            return -1;
    }
    return write_one(dir, "sync_lag", check_sync_lag_hist(c), err, err_len);
}
