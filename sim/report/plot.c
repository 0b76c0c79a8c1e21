/* gnuplot driver: data files in the plotted units, then one gnuplot process per image. */
#include "report/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PLOT_ARGS_MAX 12
#define PLOT_WORDS_BYTES_MAX 4096
#define PLOT_POLL_MS 10

struct unit {
    double div; /* value / div = plotted value */
    const char *name;
};

struct plot_ctx {
    const struct run_data *rd;
    struct plot_set *set;
    char dir[1100]; /* <run>/plots */
    char scripts[PATH_MAX];
    const char *png_term; /* "pngcairo" or "png" */
    struct unit x;        /* sim seconds -> x axis */
    double end_s;         /* last sim_s of the time series (windows are clipped to it) */
    double interval_s;    /* sim seconds per plotted point */
    char xlabel[64];
    char windows[PLOT_WORDS_BYTES_MAX];
    char title[SCENARIO_NAME_BYTES_MAX + 64];
};

static void add_note(struct plot_set *set, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void add_note(struct plot_set *set, const char *fmt, ...)
{
    size_t used = strlen(set->note);
    if (used + 2 >= sizeof(set->note))
        return;
    if (used)
        set->note[used++] = ' ';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(set->note + used, sizeof(set->note) - used, fmt, ap);
    va_end(ap);
}

static int is_dir_with_scripts(const char *dir)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%.*s/throughput.gp", PATH_MAX - 1, dir);
    return access(path, R_OK) == 0;
}

int plot_scripts_dir(char *out, int out_len)
{
    char cand[5][PATH_MAX];
    int n = 0;
    const char *env = getenv("SHIPSIM_PLOTS_DIR");
    if (env && *env)
        snprintf(cand[n++], PATH_MAX, "%s", env);
    env = getenv("SHIPSIM_ROOT");
    if (env && *env)
        snprintf(cand[n++], PATH_MAX, "%s/sim/report/plots", env);
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        snprintf(cand[n++], PATH_MAX, "%.*s/../sim/report/plots", PATH_MAX - 32, exe);
        snprintf(cand[n++], PATH_MAX, "%.*s/../share/shipsim/plots", PATH_MAX - 32, exe);
    }
    snprintf(cand[n++], PATH_MAX, "sim/report/plots");
    for (int i = 0; i < n; i++) {
        char real[PATH_MAX];
        if (is_dir_with_scripts(cand[i]) && realpath(cand[i], real)) {
            snprintf(out, (size_t)out_len, "%s", real);
            return 0;
        }
    }
    return -1;
}

/* Runs argv in dir with output to log; waits at most PLOT_TIMEOUT_MS. Exit status, 127 when the
 * program could not start, -1 on a timeout or fork failure. */
static int run_in(const char *dir, char *const argv[], const char *log_path)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null_fd = open("/dev/null", O_RDONLY);
        int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (null_fd < 0 || log_fd < 0 || chdir(dir) != 0)
            _exit(126);
        dup2(null_fd, 0);
        dup2(log_fd, 1);
        dup2(log_fd, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    for (long waited = 0; waited <= PLOT_TIMEOUT_MS; waited += PLOT_POLL_MS) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (r < 0 && errno != EINTR)
            return -1;
        struct timespec ts = {0, PLOT_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

static int gnuplot_probe(struct plot_ctx *c)
{
    char log_path[1200];
    snprintf(log_path, sizeof(log_path), "%s/gnuplot.log", c->dir);
    char *version[] = {"gnuplot", "--version", NULL};
    if (run_in(c->dir, version, log_path) != 0)
        return -1;
    char *cairo[] = {"gnuplot", "-e", "set terminal pngcairo", NULL};
    c->png_term = run_in(c->dir, cairo, log_path) == 0 ? "pngcairo" : "png";
    return 0;
}

/* Draws one plot as PNG and SVG; args are the script's ARG3.. */
static void draw(struct plot_ctx *c, const char *name, const char *title, const char *script,
                 const char *const *args, int nargs)
{
    assert(nargs <= PLOT_ARGS_MAX - 5);
    if (c->set->count >= PLOTS_MAX)
        return;
    struct plot_result *r = &c->set->plots[c->set->count++];
    snprintf(r->name, sizeof(r->name), "%s", name);
    snprintf(r->title, sizeof(r->title), "%s", title);
    char path[PATH_MAX + 64], log_path[1200], out[2][64];
    snprintf(path, sizeof(path), "%s/%s", c->scripts, script);
    snprintf(log_path, sizeof(log_path), "%s/gnuplot.log", c->dir);
    const char *terms[2] = {c->png_term, "svg"};
    int ok = 1;
    for (int t = 0; t < 2; t++) {
        snprintf(out[t], sizeof(out[t]), "%s.%s", name, t == 0 ? "png" : "svg");
        char *argv[PLOT_ARGS_MAX + 1];
        int n = 0;
        argv[n++] = "gnuplot";
        argv[n++] = "-c";
        argv[n++] = path;
        argv[n++] = (char *)terms[t];
        argv[n++] = out[t];
        for (int i = 0; i < nargs; i++)
            argv[n++] = (char *)args[i];
        argv[n] = NULL;
        if (run_in(c->dir, argv, log_path) != 0)
            ok = 0;
    }
    r->drawn = ok;
    if (!ok)
        add_note(c->set, "%s: gnuplot failed (see plots/gnuplot.log).", name);
}

static struct unit time_unit(double max_ms)
{
    if (max_ms >= 3 * 3600e3)
        return (struct unit){3600e3, "h"};
    if (max_ms >= 3 * 60e3)
        return (struct unit){60e3, "min"};
    if (max_ms >= 3e3)
        return (struct unit){1e3, "s"};
    return (struct unit){1, "ms"};
}

static FILE *open_dat(struct plot_ctx *c, const char *name)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", c->dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        add_note(c->set, "%s: %s.", name, strerror(errno));
    return f;
}

static void put(FILE *f, double v)
{
    if (isnan(v))
        fputs(" NaN", f);
    else
        fprintf(f, " %.6g", v);
}

/* Windows as "from to kind ..." in x units, for the shading in the scripts. */
static void build_windows(struct plot_ctx *c)
{
    size_t used = 0;
    for (int i = 0; i < c->rd->window_count && i < PLOT_WINDOWS_MAX; i++) {
        const struct run_window *w = &c->rd->windows[i];
        char label[160];
        if (strcmp(w->kind, "crash") == 0)
            snprintf(label, sizeof(label), "crash:%s", w->target);
        else
            snprintf(label, sizeof(label), "%s", w->kind);
        for (char *p = label; *p; p++)
            if (*p == ' ' || *p == '\t')
                *p = '_'; /* gnuplot word() splits on blanks */
        double from = fmax(0, fmin(w->from_s, c->end_s)), to = fmax(from, fmin(w->to_s, c->end_s));
        int n = snprintf(c->windows + used, sizeof(c->windows) - used, "%s%.6g %.6g %s",
                         used ? " " : "", from * 1000 / c->x.div, to * 1000 / c->x.div, label);
        if (n < 0 || (size_t)n >= sizeof(c->windows) - used) {
            c->windows[used] = '\0';
            break;
        }
        used += (size_t)n;
    }
}

/* Rows are merged into groups of this many so a plot has at most PLOT_POINTS_MAX points: a
 * 5-sim-second bucket is too fine to read over a day. */
static long group_rows(const struct ts *t)
{
    return (ts_rows(t) + PLOT_POINTS_MAX - 1) / PLOT_POINTS_MAX;
}

enum merge { MERGE_SUM, MERGE_MAX, MERGE_LAST };

/* The merged value of col over rows [first, last]; NAN when col is absent or every cell empty. */
static double merged(const struct ts *t, int col, long first, long last, enum merge how)
{
    double v = NAN;
    for (long r = first; col >= 0 && r <= last; r++) {
        double x = ts_value(t, r, col);
        if (isnan(x))
            continue;
        if (isnan(v) || how == MERGE_LAST)
            v = x;
        else
            v = how == MERGE_SUM ? v + x : fmax(v, x);
    }
    return v;
}

static void plot_throughput(struct plot_ctx *c)
{
    const struct ts *t = c->rd->ts;
    static const char *const cols[] = {"orders_placed", "orders_paid", "orders_shipped",
                                       "orders_delivered"};
    int idx[4], sim = ts_column_index(t, "sim_s"), inflight = ts_column_index(t, "orders_inflight");
    for (int i = 0; i < 4; i++)
        idx[i] = ts_column_index(t, cols[i]);
    FILE *f = open_dat(c, "throughput.dat");
    if (!f)
        return;
    fputs("# t placed_per_s paid_per_s shipped_per_s delivered_per_s inflight\n", f);
    long g = group_rows(t);
    double prev = 0;
    for (long first = 0; first < ts_rows(t); first += g) {
        long last = first + g - 1 < ts_rows(t) ? first + g - 1 : ts_rows(t) - 1;
        double s = ts_value(t, last, sim), width = s - prev;
        prev = s;
        fprintf(f, "%.6g", s * 1000 / c->x.div);
        for (int i = 0; i < 4; i++)
            put(f, width > 0 ? merged(t, idx[i], first, last, MERGE_SUM) / width : NAN);
        put(f, merged(t, inflight, first, last, MERGE_LAST));
        fputc('\n', f);
    }
    fclose(f);
    const char *args[] = {"throughput.dat", c->xlabel, c->windows, c->title};
    draw(c, "throughput", "Throughput and orders in flight", "throughput.gp", args, 4);
}

static void plot_latency_time(struct plot_ctx *c)
{
    const struct ts *t = c->rd->ts;
    static const char *const cols[] = {"ship_latency_p50_ms", "ship_latency_p90_ms",
                                       "ship_latency_p99_ms", "ship_latency_max_ms"};
    int idx[4], sim = ts_column_index(t, "sim_s"), found = 0;
    double max = 0;
    for (int i = 0; i < 4; i++) {
        idx[i] = ts_column_index(t, cols[i]);
        found += idx[i] >= 0;
        for (long r = 0; idx[i] >= 0 && r < ts_rows(t); r++)
            if (ts_value(t, r, idx[i]) > max)
                max = ts_value(t, r, idx[i]);
    }
    if (!found) {
        add_note(c->set, "latency over time: no ship_latency_*_ms columns.");
        return;
    }
    struct unit u = time_unit(max);
    FILE *f = open_dat(c, "latency_time.dat");
    if (!f)
        return;
    fputs("# t p50 p90 p99 max (the worst bucket of each plotted interval)\n", f);
    long g = group_rows(t);
    for (long first = 0; first < ts_rows(t); first += g) {
        long last = first + g - 1 < ts_rows(t) ? first + g - 1 : ts_rows(t) - 1;
        fprintf(f, "%.6g", ts_value(t, last, sim) * 1000 / c->x.div);
        for (int i = 0; i < 4; i++)
            put(f, merged(t, idx[i], first, last, MERGE_MAX) / u.div);
        fputc('\n', f);
    }
    fclose(f);
    char ylabel[64];
    snprintf(ylabel, sizeof(ylabel), "latency (sim %s)", u.name);
    const char *args[] = {"latency_time.dat", c->xlabel, ylabel, c->title, c->windows};
    draw(c, "latency_time", "Latency percentiles over time", "latency_time.gp", args, 5);
}

static void plot_anomalies(struct plot_ctx *c)
{
    const struct ts *t = c->rd->ts;
    int idx[PLOT_SERIES_MAX], n = 0, sim = ts_column_index(t, "sim_s");
    char titles[PLOT_WORDS_BYTES_MAX] = "";
    size_t used = 0;
    for (int i = 0; i < ts_columns(t) && n < PLOT_SERIES_MAX; i++) {
        const char *name = ts_column_name(t, i);
        int fault = strncmp(name, "fault_", 6) == 0, ev = strncmp(name, "evidence_", 9) == 0;
        if ((!fault && !ev) || !(merged(t, i, 0, ts_rows(t) - 1, MERGE_MAX) > 0))
            continue; /* kinds that never happened would only crowd the key */
        int w = snprintf(titles + used, sizeof(titles) - used, "%s%s:%s", n ? " " : "",
                         fault ? "fault" : "evidence", name + (fault ? 6 : 9));
        if (w < 0 || (size_t)w >= sizeof(titles) - used)
            break;
        used += (size_t)w;
        idx[n++] = i;
    }
    if (n == 0) {
        add_note(c->set, "anomalies: no fault or evidence recorded over time.");
        return;
    }
    FILE *f = open_dat(c, "anomalies.dat");
    if (!f)
        return;
    fprintf(f, "# t %s\n", titles);
    long g = group_rows(t);
    for (long first = 0; first < ts_rows(t); first += g) {
        long last = first + g - 1 < ts_rows(t) ? first + g - 1 : ts_rows(t) - 1;
        fprintf(f, "%.6g", ts_value(t, last, sim) * 1000 / c->x.div);
        for (int i = 0; i < n; i++)
            put(f, merged(t, idx[i], first, last, MERGE_SUM));
        fputc('\n', f);
    }
    fclose(f);
    char ylabel[64];
    snprintf(ylabel, sizeof(ylabel), "records per %.0f sim-s (count)", c->interval_s);
    const char *args[] = {"anomalies.dat", c->xlabel, titles, c->title, ylabel};
    draw(c, "anomalies", "Anomalies and evidence by kind", "anomalies.gp", args, 5);
}

static void plot_latency_dist(struct plot_ctx *c)
{
    const struct run_data *rd = c->rd;
    double max = 0;
    for (int s = 0; s < rd->stage_count; s++)
        for (int i = 0; i < rd->stages[s].hist->row_count; i++)
            max = fmax(max, rd->stages[s].hist->rows[i].value);
    struct unit u = time_unit(max);
    char files[PLOT_WORDS_BYTES_MAX] = "";
    size_t used = 0;
    for (int s = 0; s < rd->stage_count; s++) {
        char name[64];
        snprintf(name, sizeof(name), "latency_dist-%s.dat", rd->stages[s].name);
        FILE *f = open_dat(c, name);
        if (!f)
            continue;
        fputs("# 1/(1-percentile) value\n", f);
        const struct hgrm *h = rd->stages[s].hist;
        int points = 0;
        for (int i = 0; i < h->row_count; i++) {
            if (isfinite(h->rows[i].inverse) && h->rows[i].value > 0) {
                fprintf(f, "%.6g %.6g\n", h->rows[i].inverse, h->rows[i].value / u.div);
                points++;
            }
        }
        fclose(f);
        if (points == 0)
            continue; /* an empty histogram (no sample for that stage) */
        int w = snprintf(files + used, sizeof(files) - used, "%s%s %s", used ? " " : "", name,
                         rd->stages[s].name);
        if (w < 0 || (size_t)w >= sizeof(files) - used)
            break;
        used += (size_t)w;
    }
    if (used == 0) {
        add_note(c->set, "latency distribution: every latency-*.hgrm is empty.");
        return;
    }
    char ylabel[64];
    snprintf(ylabel, sizeof(ylabel), "latency from payment (sim %s, log scale)", u.name);
    const char *args[] = {files, ylabel, c->title};
    draw(c, "latency_dist", "Latency distribution per stage", "latency_dist.gp", args, 3);
}

static double figure_or_nan(const struct run_data *rd, const char *name)
{
    const struct run_figure *f = run_figure_find(rd, name);
    return (f && f->present) ? f->value : NAN;
}

/* Percentiles do not subtract exactly; the increments are a reading aid, clamped at 0. */
static void plot_stages(struct plot_ctx *c)
{
    static const char *const pct[] = {"p50", "p90", "p99"};
    static const char *const stage[] = {"waybill", "ship", "track"};
    double v[3][3], max = 0;
    int have = 0;
    for (int p = 0; p < 3; p++) {
        for (int s = 0; s < 3; s++) {
            char name[64];
            snprintf(name, sizeof(name), "%s_%s_latency_ms", pct[p], stage[s]);
            v[p][s] = figure_or_nan(c->rd, name);
            have += !isnan(v[p][s]);
            max = isnan(v[p][s]) ? max : fmax(max, v[p][s]);
        }
    }
    if (have == 0) {
        add_note(c->set, "sync lag by stage: no p50/p90/p99 stage latencies in summary.json.");
        return;
    }
    struct unit u = time_unit(max);
    FILE *f = open_dat(c, "stages.dat");
    if (!f)
        return;
    fputs("# percentile waybill ship-waybill track-ship\n", f);
    for (int p = 0; p < 3; p++) {
        double before = 0;
        fprintf(f, "%s", pct[p]);
        for (int s = 0; s < 3; s++) {
            double inc = isnan(v[p][s]) ? 0 : fmax(0, v[p][s] - before);
            before = isnan(v[p][s]) ? before : fmax(before, v[p][s]);
            fprintf(f, " %.6g", inc / u.div);
        }
        fputc('\n', f);
    }
    fclose(f);
    char ylabel[64];
    snprintf(ylabel, sizeof(ylabel), "sim %s", u.name);
    const char *args[] = {"stages.dat", ylabel, c->title};
    draw(c, "stages", "Sync lag by stage", "stages.gp", args, 3);
}

static void setup_axes(struct plot_ctx *c)
{
    double max_s = 0;
    const struct ts *t = c->rd->ts;
    int sim = t ? ts_column_index(t, "sim_s") : -1;
    if (sim >= 0 && ts_rows(t) > 0) {
        max_s = ts_value(t, ts_rows(t) - 1, sim);
        c->interval_s = max_s / (double)((ts_rows(t) + group_rows(t) - 1) / group_rows(t));
    }
    c->end_s = max_s > 0 ? max_s : INFINITY;
    c->x = time_unit(max_s * 1000);
    if (c->x.div < 1e3)
        c->x = (struct unit){1e3, "s"};
    snprintf(c->xlabel, sizeof(c->xlabel), "sim time since start (%s)", c->x.name);
    snprintf(c->title, sizeof(c->title), "%s, seed %llu",
             c->rd->scenario_name[0] ? c->rd->scenario_name : "run",
             (unsigned long long)c->rd->seed);
    build_windows(c);
}

static int prepare(struct plot_ctx *c)
{
    snprintf(c->dir, sizeof(c->dir), "%s/plots", c->rd->dir);
    if (mkdir(c->dir, 0755) != 0 && errno != EEXIST) {
        add_note(c->set, "plots skipped: cannot create %s: %s.", c->dir, strerror(errno));
        return -1;
    }
    if (plot_scripts_dir(c->scripts, sizeof(c->scripts)) != 0) {
        add_note(c->set, "plots skipped: gnuplot scripts not found (set SHIPSIM_ROOT or "
                         "SHIPSIM_PLOTS_DIR).");
        return -1;
    }
    if (gnuplot_probe(c) != 0) {
        add_note(c->set, "plots skipped: gnuplot is not installed (make deps installs it).");
        return -1;
    }
    return 0;
}

void plot_draw_all(const struct run_data *rd, struct plot_set *set)
{
    memset(set, 0, sizeof(*set));
    struct plot_ctx *c = calloc(1, sizeof(*c));
    if (!c) {
        add_note(set, "plots skipped: out of memory.");
        return;
    }
    c->rd = rd;
    c->set = set;
    if (prepare(c) == 0) {
        setup_axes(c);
        int ts_ok = rd->ts && ts_column_index(rd->ts, "sim_s") >= 0;
        if (ts_ok) {
            plot_throughput(c);
            plot_latency_time(c);
        } else {
            add_note(set, "plots over time skipped: no timeseries.csv with a sim_s column.");
        }
        if (rd->stage_count > 0)
            plot_latency_dist(c);
        if (ts_ok)
            plot_anomalies(c);
        plot_stages(c);
    }
    free(c);
}
