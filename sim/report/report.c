/* report_write: read the run folder, then junit.xml, plots, report.html. */
#include "report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"
#include "report/junit.h"
#include "report/plot.h"
#include "report/rundata.h"

int report_write(const char *run_dir, char *plots_note, int note_len, char *err, int err_len)
{
    assert(run_dir);
    if (plots_note && note_len > 0)
        plots_note[0] = '\0';
    struct run_data *rd = run_data_load(run_dir, err, err_len);
    if (!rd)
        return -1;
    char path[1200];
    snprintf(path, sizeof(path), "%s/junit.xml", run_dir);
    int rc = junit_write(rd, path, err, err_len);
    struct plot_set *plots = calloc(1, sizeof(*plots));
    if (rc == 0 && !plots) {
        snprintf(err, (size_t)err_len, "report: out of memory");
        rc = -1;
    }
    if (rc == 0) {
        plot_draw_all(rd, plots);
        if (plots_note && note_len > 0)
            snprintf(plots_note, (size_t)note_len, "%s", plots->note);
        snprintf(path, sizeof(path), "%s/report.html", run_dir);
        rc = html_write(rd, plots, path, err, err_len);
    }
    free(plots);
    run_data_free(rd);
    return rc;
}

const char report_report_help[] =
    "usage: shipsim report DIR\n"
    "\n"
    "(Re)write DIR/junit.xml, DIR/plots/ and DIR/report.html from the data files of a finished\n"
    "run folder, e.g. after editing a plot script or for a folder copied from CI. Plots need\n"
    "gnuplot; without it they are skipped with a note.\n"
    "\n"
    "exit: 0 written, 1 the report could not be written, 2 bad command line\n";

int report_cmd_report(int argc, char **argv)
{
    if (argc == 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        fputs(report_report_help, stdout);
        return 0;
    }
    if (argc != 1 || argv[0][0] == '-') {
        fputs(report_report_help, stderr);
        return 2;
    }
    char note[1024], err[ERR_BYTES_MAX];
    if (report_write(argv[0], note, sizeof(note), err, sizeof(err)) != 0) {
        fprintf(stderr, "shipsim report: %s\n", err);
        return 1;
    }
    if (note[0])
        fprintf(stderr, "shipsim report: %s\n", note);
    printf("%s/report.html\n", argv[0]);
    return 0;
}
