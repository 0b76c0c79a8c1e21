/* Child processes of a run (mockplat, mockcarrier, syncd): spawn, read the listening line, wait
 * for /healthz, SIGKILL and restart on the same port, stop (SIGTERM, then SIGKILL after a grace
 * period), and a registry so that every exit path stops every child.
 *
 * Each child runs in its own process group (a terminal's Ctrl-C reaches only the runner, which
 * stops them in order) and gets PR_SET_PDEATHSIG SIGKILL, so even a runner killed with SIGKILL
 * leaves no child behind. stdout is a pipe the runner reads the first line from; stderr is
 * appended to a log file in the run folder.
 *
 * The small blocking HTTP helpers talk HTTP/1.0 to 127.0.0.1 only; they are for start-up,
 * collection and registration, never for the load. */
#ifndef SHIPSIM_RUN_PROC_H
#define SHIPSIM_RUN_PROC_H

#include <stddef.h>
#include <sys/types.h>
#include "common/check.h"

#define PROC_ARGS_MAX 40
#define PROC_ENV_EXTRA_MAX 4
#define PROC_LISTEN_TIMEOUT_MS 10000  /* spawn to the "listening on" line */
#define PROC_HEALTHZ_TIMEOUT_MS 10000 /* listening to /healthz answering 200 */
#define PROC_STOP_GRACE_MS 3000       /* SIGTERM to SIGKILL */
#define PROC_TAIL_BYTES_MAX 2048      /* last stderr lines quoted in an error */
#define PROC_REGISTRY_MAX 8

struct proc;

struct proc_spec {
    const char *name;                /* "mockplat" (for messages) */
    const char *path;                /* the executable */
    const char *argv[PROC_ARGS_MAX]; /* after argv[0], NULL-terminated; may hold "--port" "0" */
    const char *env[PROC_ENV_EXTRA_MAX + 1]; /* extra "NAME=value", NULL-terminated */
    const char *log_path;                    /* stderr, appended */
};

/* Start a child and wait for its listening line. NULL with err naming the process and quoting
 * its last stderr lines when it cannot start. The child is in the registry until proc_free. */
struct proc *proc_spawn(const struct proc_spec *spec, char *err, int err_len);
/* Poll GET /healthz until 200 or the timeout; -1 with err (process name, last stderr lines). */
int proc_wait_healthz(struct proc *p, int timeout_ms, char *err, int err_len) WARN_UNUSED_RESULT;
int proc_port(const struct proc *p);
pid_t proc_pid(const struct proc *p);
const char *proc_name(const struct proc *p);
/* 1 while the child has not exited (reaps it when it has). */
int proc_alive(struct proc *p);
/* SIGKILL the child and reap it. */
void proc_kill9(struct proc *p);
/* Start it again with the same arguments on the same port (its clients keep their URLs), then
 * wait for /healthz. 0 or -1 with err. */
int proc_restart(struct proc *p, char *err, int err_len) WARN_UNUSED_RESULT;
/* SIGTERM, wait up to grace_ms, then SIGKILL; always reaps. */
void proc_stop(struct proc *p, int grace_ms);
/* Stop (when alive) and free; NULL is a no-op. */
void proc_free(struct proc *p);
/* Stop every registered child, all at once: SIGTERM to each, one shared grace period, SIGKILL
 * to the rest. Safe to call twice. */
void proc_stop_all(int grace_ms);

/* The last lines of a log file, at most len-1 bytes, "" when unreadable. */
void proc_log_tail(const char *log_path, char *buf, int len);
/* A free loopback port (bind port 0, read it, close); 0 on failure. */
int proc_free_port(void);

/* Blocking HTTP/1.0 to 127.0.0.1:port. The body of the answer goes to out_path (NULL: into
 * resp/resp_len, truncated). token: X-Sim-Token header or NULL. Returns the HTTP status, or -1
 * with err on a transport error or timeout. */
int proc_http(int port, const char *method, const char *path, const char *token, const char *body,
              const char *out_path, char *resp, size_t resp_len, int timeout_ms, char *err,
              int err_len);

#endif
