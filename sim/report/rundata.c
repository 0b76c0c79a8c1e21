/* Reading a run folder. The only file of sim/report that includes cJSON.h: json.h offers typed
 * reads of known keys, but summary.json's figure set is open (faults_injected.<kind>, ...), so the
 * report walks objects itself. */
#include "report/rundata.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void set_err(char *err, int err_len, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void set_err(char *err, int err_len, const char *fmt, ...)
{
    if (!err || err_len <= 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, (size_t)err_len, fmt, ap);
    va_end(ap);
}

void run_note(struct run_data *rd, const char *fmt, ...)
{
    size_t used = strlen(rd->notes);
    if (used + 2 >= sizeof(rd->notes))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rd->notes + used, sizeof(rd->notes) - used - 1, fmt, ap);
    va_end(ap);
    used = strlen(rd->notes);
    rd->notes[used] = '\n';
    rd->notes[used + 1] = '\0';
}

static void copy_str(char *dst, size_t dst_len, const char *src)
{
    snprintf(dst, dst_len, "%s", src ? src : "");
}

/* Whole file into a malloc'd NUL-terminated buffer; NULL with err (ENOENT kept in errno). */
static char *slurp(const char *path, size_t *len_out, char *err, int err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        set_err(err, err_len, "%s: %s", path, strerror(e));
        errno = e;
        return NULL;
    }
    char *buf = malloc(RUN_FILE_BYTES_MAX + 1);
    size_t n = buf ? fread(buf, 1, RUN_FILE_BYTES_MAX, f) : 0;
    int bad = !buf || ferror(f) || (n == RUN_FILE_BYTES_MAX && fgetc(f) != EOF);
    fclose(f);
    if (bad) {
        set_err(err, err_len, "%s: unreadable or larger than %d bytes", path, RUN_FILE_BYTES_MAX);
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[n] = '\0';
    if (len_out)
        *len_out = n;
    return buf;
}

static cJSON *parse_json_file(const char *path, char *err, int err_len)
{
    size_t len = 0;
    char *text = slurp(path, &len, err, err_len);
    if (!text)
        return NULL;
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!doc) {
        long off = end ? (long)(end - text) : 0;
        set_err(err, err_len, "%s: not valid JSON near byte %ld", path, off);
        errno = EINVAL;
    }
    free(text);
    return doc;
}

static struct run_figure *add_figure(struct run_data *rd, const char *name)
{
    if (rd->figure_count >= RUN_FIGURES_MAX) {
        rd->figures_dropped++;
        return NULL;
    }
    struct run_figure *f = &rd->figures[rd->figure_count++];
    memset(f, 0, sizeof(*f));
    copy_str(f->name, sizeof(f->name), name);
    return f;
}

static void add_value(struct run_data *rd, const char *name, const cJSON *item)
{
    if (!cJSON_IsNumber(item) && !cJSON_IsNull(item))
        return;
    struct run_figure *f = add_figure(rd, name);
    if (!f)
        return;
    f->present = cJSON_IsNumber(item);
    f->value = f->present ? item->valuedouble : NAN;
}

static void read_thresholds(struct run_data *rd, const cJSON *arr)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, arr)
    {
        if (!cJSON_IsObject(t) || rd->threshold_count >= RUN_THRESHOLDS_MAX)
            continue;
        struct run_threshold *th = &rd->thresholds[rd->threshold_count++];
        memset(th, 0, sizeof(*th));
        copy_str(th->figure, sizeof(th->figure),
                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "figure")));
        copy_str(th->condition, sizeof(th->condition),
                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "condition")));
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "value");
        th->has_value = cJSON_IsNumber(v);
        th->value = th->has_value ? v->valuedouble : NAN;
        th->pass = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "pass"));
    }
}

static void read_seed(int *have_seed, uint64_t *out, const cJSON *seed)
{
    /* Seeds above 2^53 do not survive a JSON number; the runner may write them as strings. */
    if (cJSON_IsNumber(seed) && seed->valuedouble >= 0 && seed->valuedouble < 1.8e19) {
        *have_seed = 1;
        *out = (uint64_t)seed->valuedouble;
    } else if (cJSON_IsString(seed)) {
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(seed->valuestring, &end, 10);
        if (end != seed->valuestring && *end == '\0' && errno == 0) {
            *have_seed = 1;
            *out = v;
        }
    }
}

/* Top-level numbers and nulls become figures; objects of numbers become "<obj>.<key>" figures. */
static void read_summary_doc(struct run_data *rd, const cJSON *doc)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, doc)
    {
        const char *key = item->string;
        if (strcmp(key, "seed") == 0) {
            read_seed(&rd->have_seed, &rd->seed, item);
        } else if (strcmp(key, "scenario") == 0 && cJSON_IsString(item)) {
            copy_str(rd->scenario_name, sizeof(rd->scenario_name), item->valuestring);
        } else if (strcmp(key, "git_revision") == 0 && cJSON_IsString(item)) {
            copy_str(rd->git_revision, sizeof(rd->git_revision), item->valuestring);
        } else if (strcmp(key, "verdict") == 0 && cJSON_IsString(item)) {
            copy_str(rd->verdict, sizeof(rd->verdict), item->valuestring);
        } else if (strcmp(key, "thresholds") == 0 && cJSON_IsArray(item)) {
            read_thresholds(rd, item);
        } else if (cJSON_IsObject(item) && strcmp(key, "unavailable") != 0) {
            const cJSON *child;
            cJSON_ArrayForEach(child, item)
            {
                char name[RUN_FIGURE_NAME_BYTES_MAX];
                snprintf(name, sizeof(name), "%s.%s", key, child->string);
                add_value(rd, name, child);
            }
        } else {
            add_value(rd, key, item);
        }
    }
    const cJSON *unavail = cJSON_GetObjectItemCaseSensitive(doc, "unavailable");
    cJSON_ArrayForEach(item, unavail)
    {
        for (int i = 0; i < rd->figure_count; i++) {
            if (strcmp(rd->figures[i].name, item->string) == 0 && cJSON_IsString(item))
                copy_str(rd->figures[i].reason, sizeof(rd->figures[i].reason), item->valuestring);
        }
    }
}

static int load_summary(struct run_data *rd, char *err, int err_len)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/summary.json", rd->dir);
    cJSON *doc = parse_json_file(path, err, err_len);
    if (!doc)
        return -1;
    if (!cJSON_IsObject(doc)) {
        set_err(err, err_len, "%s: top level is not an object", path);
        cJSON_Delete(doc);
        return -1;
    }
    read_summary_doc(rd, doc);
    rd->have_summary = 1;
    if (rd->figures_dropped)
        run_note(rd, "summary.json: %d figures beyond %d not shown", rd->figures_dropped,
                 RUN_FIGURES_MAX);
    cJSON_Delete(doc);
    return 0;
}

static double num_or(const cJSON *obj, const char *key, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static void add_window(struct run_data *rd, const char *kind, double from, double to, double p,
                       const char *target)
{
    if (rd->window_count >= RUN_WINDOWS_MAX)
        return;
    struct run_window *w = &rd->windows[rd->window_count++];
    copy_str(w->kind, sizeof(w->kind), kind);
    w->from_s = from;
    w->to_s = to;
    w->probability = p;
    copy_str(w->target, sizeof(w->target), target);
}

/* A crash, or a series {"every_s","count","from_s"} as scenarios/README.md allows (the runner
 * writes the expanded list, but a hand-written folder may not). */
static void read_crash(struct run_data *rd, const cJSON *f)
{
    const char *proc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "process"));
    double at = num_or(f, "at_s", NAN), every = num_or(f, "every_s", NAN);
    double count = num_or(f, "count", 1), from = num_or(f, "from_s", every);
    if (!isnan(at)) {
        add_window(rd, "crash", at, at, 1, proc ? proc : "syncd");
        return;
    }
    for (int i = 0; !isnan(every) && !isnan(from) && i < count && i < RUN_WINDOWS_MAX; i++)
        add_window(rd, "crash", from + i * every, from + i * every, 1, proc ? proc : "syncd");
}

/* Read leniently: only what the report shows (fault windows, crash instants, seed), so a folder
 * written by an older or newer scenario format still gets its plots. */
static void read_scenario_doc(struct run_data *rd, const cJSON *doc)
{
    double duration = num_or(cJSON_GetObjectItemCaseSensitive(doc, "sim"), "duration_s", 0);
    if (!rd->have_seed)
        read_seed(&rd->have_seed, &rd->seed, cJSON_GetObjectItemCaseSensitive(doc, "seed"));
    if (!rd->scenario_name[0])
        copy_str(rd->scenario_name, sizeof(rd->scenario_name),
                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "name")));
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(doc, "faults"))
    {
        const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "kind"));
        if (!kind)
            continue;
        const cJSON *win = cJSON_GetObjectItemCaseSensitive(f, "window_s");
        double from = 0, to = duration;
        if (cJSON_GetArraySize(win) == 2) {
            from = cJSON_IsNumber(cJSON_GetArrayItem(win, 0))
                       ? cJSON_GetArrayItem(win, 0)->valuedouble
                       : 0;
            to = cJSON_IsNumber(cJSON_GetArrayItem(win, 1))
                     ? cJSON_GetArrayItem(win, 1)->valuedouble
                     : duration;
        }
        const char *target = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "target"));
        add_window(rd, kind, from, to, num_or(f, "probability", 1), target ? target : "*");
    }
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(doc, "crashes")) read_crash(rd, f);
}

static void load_scenario(struct run_data *rd)
{
    char path[1200], err[512];
    snprintf(path, sizeof(path), "%s/scenario.json", rd->dir);
    cJSON *doc = parse_json_file(path, err, sizeof(err));
    if (!doc) {
        run_note(rd, "scenario.json: %s; fault windows not shown", err);
        return;
    }
    if (cJSON_IsObject(doc)) {
        read_scenario_doc(rd, doc);
        rd->have_scenario = 1;
    } else {
        run_note(rd, "scenario.json: top level is not an object; fault windows not shown");
    }
    cJSON_Delete(doc);
}

static void add_item(struct run_violation *v, const char *part, const cJSON *item)
{
    v->items_total++;
    if (v->item_count >= RUN_TIMELINE_ITEMS_MAX)
        return;
    char *text = cJSON_PrintUnformatted(item);
    snprintf(v->items[v->item_count++], RUN_TIMELINE_ITEM_BYTES_MAX, "%s%s%s", part,
             part[0] ? ": " : "", text ? text : "?");
    free(text);
}

/* The order's timeline: "timeline" (one list), or the checker's parts truth/state/faults/evidence
 * (each entry prefixed with its part). */
static void fill_timeline(struct run_violation *v, const cJSON *doc)
{
    static const char *const parts[] = {"truth", "state", "faults", "evidence"};
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(doc, "timeline"))
        add_item(v, "", item);
    for (size_t p = 0; p < ARRAY_LEN(parts); p++)
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(doc, parts[p]))
            add_item(v, parts[p], item);
}

static void keep_violation(struct run_data *rd, const cJSON *doc, const char *invariant)
{
    rd->violations_total++;
    if (rd->violation_count >= RUN_VIOLATIONS_KEPT_MAX)
        return;
    struct run_violation *v = &rd->violations[rd->violation_count++];
    memset(v, 0, sizeof(*v));
    copy_str(v->invariant, sizeof(v->invariant), invariant);
    copy_str(v->order_id, sizeof(v->order_id),
             cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "order_id")));
    fill_timeline(v, doc);
}

/* Calls fn on each parsed JSON line of path; returns lines read, or -1 when the file is
 * missing. Unparseable lines are counted in *bad. */
static long each_jsonl(const char *path, void (*fn)(void *, const cJSON *), void *arg, long *bad)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *line = malloc(RUN_JSONL_LINE_BYTES_MAX);
    long count = 0;
    *bad = 0;
    while (line && fgets(line, RUN_JSONL_LINE_BYTES_MAX, f)) {
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue;
        count++;
        if (!fn)
            continue;
        cJSON *doc = cJSON_Parse(line);
        if (cJSON_IsObject(doc))
            fn(arg, doc);
        else
            (*bad)++;
        cJSON_Delete(doc);
    }
    free(line);
    fclose(f);
    return count;
}

/* Two shapes are read: {"invariant","order_id","timeline"} (one line per order and invariant)
 * and the checker's {"order_id","violations":[invariants],"truth","state","faults","evidence"}
 * (one line per order), which counts once per invariant listed. */
static void on_violation(void *arg, const cJSON *doc)
{
    struct run_data *rd = arg;
    const char *inv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "invariant"));
    if (inv) {
        keep_violation(rd, doc, inv);
        return;
    }
    const cJSON *kind;
    cJSON_ArrayForEach(kind, cJSON_GetObjectItemCaseSensitive(doc, "violations"))
    {
        if (cJSON_IsString(kind))
            keep_violation(rd, doc, kind->valuestring);
    }
}

static void load_jsonl_files(struct run_data *rd)
{
    char path[1200];
    long bad = 0;
    snprintf(path, sizeof(path), "%s/violations.jsonl", rd->dir);
    if (each_jsonl(path, on_violation, rd, &bad) < 0)
        run_note(rd, "violations.jsonl: missing; no violation timelines");
    if (bad)
        run_note(rd, "violations.jsonl: %ld lines are not JSON objects (skipped)", bad);
    snprintf(path, sizeof(path), "%s/faults.jsonl", rd->dir);
    rd->fault_lines = each_jsonl(path, NULL, NULL, &bad);
    if (rd->fault_lines < 0)
        run_note(rd, "faults.jsonl: missing");
    snprintf(path, sizeof(path), "%s/evidence.jsonl", rd->dir);
    rd->evidence_lines = each_jsonl(path, NULL, NULL, &bad);
    if (rd->evidence_lines < 0)
        run_note(rd, "evidence.jsonl: missing");
}

static void load_timeseries(struct run_data *rd)
{
    char path[1200], err[512];
    snprintf(path, sizeof(path), "%s/timeseries.csv", rd->dir);
    struct stat st;
    if (stat(path, &st) != 0) {
        run_note(rd, "timeseries.csv: missing; plots over time skipped");
        return;
    }
    rd->ts = ts_read(path, err, sizeof(err));
    if (!rd->ts)
        run_note(rd, "timeseries.csv unreadable: %s", err);
}

/* Known stages first, in pipeline order; others after, by name. */
static int stage_rank(const char *name)
{
    static const char *const order[] = {"waybill", "ship", "track", "deliver"};
    for (size_t i = 0; i < ARRAY_LEN(order); i++)
        if (strcmp(name, order[i]) == 0)
            return (int)i;
    return (int)ARRAY_LEN(order);
}

static int stage_cmp(const void *a, const void *b)
{
    const struct run_stage *x = a, *y = b;
    int rx = stage_rank(x->name), ry = stage_rank(y->name);
    return rx != ry ? rx - ry : strcmp(x->name, y->name);
}

static void load_stages(struct run_data *rd)
{
    DIR *d = opendir(rd->dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, "latency-", 8) != 0 || len < 14 ||
            strcmp(e->d_name + len - 5, ".hgrm") != 0 || len - 13 >= sizeof(rd->stages[0].name))
            continue;
        if (rd->stage_count >= RUN_STAGES_MAX) {
            run_note(rd, "%s: more than %d latency files, not shown", e->d_name, RUN_STAGES_MAX);
            continue;
        }
        char path[1400], err[512];
        snprintf(path, sizeof(path), "%s/%s", rd->dir, e->d_name);
        struct hgrm *h = hgrm_read(path, err, sizeof(err));
        if (!h) {
            run_note(rd, "%s unreadable: %s", e->d_name, err);
            continue;
        }
        struct run_stage *s = &rd->stages[rd->stage_count++];
        memcpy(s->name, e->d_name + 8, len - 13);
        s->name[len - 13] = '\0';
        s->hist = h;
    }
    if (d)
        closedir(d);
    qsort(rd->stages, (size_t)rd->stage_count, sizeof(rd->stages[0]), stage_cmp);
    if (rd->stage_count == 0)
        run_note(rd, "latency-*.hgrm: none found; latency distribution plot skipped");
}

static struct run_data *run_data_alloc(const char *dir, char *err, int err_len)
{
    if (strlen(dir) >= sizeof(((struct run_data *)0)->dir)) {
        set_err(err, err_len, "%s: path too long", dir);
        return NULL;
    }
    struct run_data *rd = calloc(1, sizeof(*rd));
    if (!rd) {
        set_err(err, err_len, "out of memory");
        return NULL;
    }
    copy_str(rd->dir, sizeof(rd->dir), dir);
    rd->fault_lines = -1;
    rd->evidence_lines = -1;
    return rd;
}

struct run_data *run_data_load_summary(const char *dir, char *err, int err_len)
{
    struct run_data *rd = run_data_alloc(dir, err, err_len);
    if (rd && load_summary(rd, err, err_len) != 0) {
        run_data_free(rd);
        return NULL;
    }
    return rd;
}

struct run_data *run_data_load(const char *dir, char *err, int err_len)
{
    struct run_data *rd = run_data_load_summary(dir, err, err_len);
    if (!rd)
        return NULL;
    rd->violations = calloc(RUN_VIOLATIONS_KEPT_MAX, sizeof(struct run_violation));
    if (!rd->violations) {
        set_err(err, err_len, "out of memory");
        run_data_free(rd);
        return NULL;
    }
    load_scenario(rd);
    load_jsonl_files(rd);
    load_timeseries(rd);
    load_stages(rd);
    return rd;
}

void run_data_free(struct run_data *rd)
{
    if (!rd)
        return;
    for (int i = 0; i < rd->stage_count; i++)
        hgrm_free(rd->stages[i].hist);
    ts_free(rd->ts);
    free(rd->violations);
    free(rd);
}

const struct run_figure *run_figure_find(const struct run_data *rd, const char *name)
{
    for (int i = 0; i < rd->figure_count; i++)
        if (strcmp(rd->figures[i].name, name) == 0)
            return &rd->figures[i];
    return NULL;
}

static int fault_from_json(const cJSON *doc, struct run_fault *out)
{
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "kind"));
    if (!kind)
        return -1;
    memset(out, 0, sizeof(*out));
    copy_str(out->kind, sizeof(out->kind), kind);
    copy_str(out->order, sizeof(out->order),
             cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "order")));
    copy_str(out->endpoint, sizeof(out->endpoint),
             cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "endpoint")));
    out->attempt = (int)num_or(doc, "attempt", 0);
    out->rule = (int)num_or(doc, "rule", -1);
    out->sim_ms = (int64_t)num_or(doc, "sim_ms", 0);
    return 0;
}

int run_faults_read(const char *path, struct run_fault **out, int *count, char *err, int err_len)
{
    *out = NULL;
    *count = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        set_err(err, err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = malloc(RUN_JSONL_LINE_BYTES_MAX);
    int cap = 0, rc = line ? 0 : -1;
    long lineno = 0;
    while (rc == 0 && fgets(line, RUN_JSONL_LINE_BYTES_MAX, f)) {
        lineno++;
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue;
        if (*count == cap) {
            cap = cap ? cap * 2 : 256;
            struct run_fault *grown = realloc(*out, (size_t)cap * sizeof(**out));
            if (!grown) {
                rc = -1;
                set_err(err, err_len, "%s: out of memory", path);
                break;
            }
            *out = grown;
        }
        cJSON *doc = cJSON_Parse(line);
        if (!cJSON_IsObject(doc) || fault_from_json(doc, &(*out)[*count]) != 0) {
            set_err(err, err_len, "%s:%ld: not a JSON object with a string \"kind\"", path, lineno);
            rc = -1;
        } else {
            (*count)++;
        }
        cJSON_Delete(doc);
    }
    free(line);
    fclose(f);
    if (rc != 0) {
        free(*out);
        *out = NULL;
        *count = 0;
    }
    return rc;
}

int run_seed_read(const char *dir, uint64_t *seed, char *err, int err_len)
{
    static const char *const files[] = {"summary.json", "scenario.json"};
    int have = 0;
    for (size_t i = 0; i < ARRAY_LEN(files) && !have; i++) {
        char path[1200], inner[ERR_BYTES_MAX];
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        cJSON *doc = parse_json_file(path, inner, sizeof(inner));
        if (doc)
            read_seed(&have, seed, cJSON_GetObjectItemCaseSensitive(doc, "seed"));
        cJSON_Delete(doc);
    }
    if (!have) {
        set_err(err, err_len, "%s: no \"seed\" in summary.json or scenario.json", dir);
        return -1;
    }
    return 0;
}
