/* Child processes: see proc.h. */
#include "run/proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/simclock.h"

#define PROC_MAGIC 0x70726f63u
#define PROC_LINE_BYTES_MAX 256
#define PROC_HEALTHZ_POLL_MS 50

extern char **environ;

struct proc {
    unsigned magic;
    char name[32];
    char *path;
    char *argv[PROC_ARGS_MAX + 2];
    char *envp_extra[PROC_ENV_EXTRA_MAX + 1];
    char *log_path;
    pid_t pid;  /* 0 when not running */
    int out_fd; /* read end of the child's stdout, -1 when closed */
    int port;
    int status; /* last wait status */
};

static struct proc *registry[PROC_REGISTRY_MAX];

static void registry_add(struct proc *p)
{
    for (int i = 0; i < PROC_REGISTRY_MAX; i++) {
        if (registry[i] == NULL) {
            registry[i] = p;
            return;
        }
    }
    assert(0 && "more children than PROC_REGISTRY_MAX");
}

static void registry_remove(struct proc *p)
{
    for (int i = 0; i < PROC_REGISTRY_MAX; i++)
        if (registry[i] == p)
            registry[i] = NULL;
}

static int64_t now_ms(void)
{
    return mono_now_ns() / 1000000;
}

void proc_log_tail(const char *log_path, char *buf, int len)
{
    assert(len > 0);
    buf[0] = '\0';
    FILE *f = log_path ? fopen(log_path, "r") : NULL;
    if (f == NULL)
        return;
    long want = len - 1;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size > want)
            fseek(f, size - want, SEEK_SET);
        else
            fseek(f, 0, SEEK_SET);
    }
    size_t n = fread(buf, 1, (size_t)want, f);
    buf[n] = '\0';
    fclose(f);
    /* Start at a line boundary when the tail cut one. */
    char *nl = n == (size_t)want ? strchr(buf, '\n') : NULL;
    if (nl != NULL)
        memmove(buf, nl + 1, strlen(nl + 1) + 1);
}

static void fail_with_tail(const struct proc *p, char *err, int err_len, const char *what)
{
    char tail[PROC_TAIL_BYTES_MAX];
    proc_log_tail(p->log_path, tail, sizeof(tail));
    snprintf(err, (size_t)err_len, "%s (pid %d): %s; last stderr lines (%s):\n%s", p->name,
             (int)p->pid, what, p->log_path, tail[0] ? tail : "(empty)\n");
}

/* In the child: never returns. Only async-signal-safe calls between fork and exec. */
static void child_exec(const struct proc *p, int out_w, int log_fd, char **envp)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0)
        dup2(devnull, 0);
    dup2(out_w, 1);
    dup2(log_fd, 2);
    execve(p->path, p->argv, envp);
    static const char msg[] = "exec failed\n";
    ssize_t w = write(2, msg, sizeof(msg) - 1);
    (void)w;
    _exit(127);
}

static char **build_env(const struct proc *p)
{
    size_t n = 0;
    while (environ[n] != NULL)
        n++;
    char **envp = calloc(n + PROC_ENV_EXTRA_MAX + 1, sizeof(char *));
    if (envp == NULL)
        return NULL;
    size_t k = 0;
    /* Extras first: getenv finds the first of duplicate names. */
    for (int i = 0; p->envp_extra[i] != NULL; i++)
        envp[k++] = p->envp_extra[i];
    for (size_t i = 0; i < n; i++)
        envp[k++] = environ[i];
    envp[k] = NULL;
    return envp;
}

/* Read the first stdout line ("listening on 127.0.0.1:PORT") within the time limit. */
static int read_listen_line(struct proc *p, char *err, int err_len)
{
    char line[PROC_LINE_BYTES_MAX];
    size_t used = 0;
    int64_t deadline = now_ms() + PROC_LISTEN_TIMEOUT_MS;
    while (used < sizeof(line) - 1) {
        int left = (int)(deadline - now_ms());
        if (left <= 0) {
            fail_with_tail(p, err, err_len, "no 'listening on' line within the time limit");
            return -1;
        }
        struct pollfd pfd = {.fd = p->out_fd, .events = POLLIN};
        int r = poll(&pfd, 1, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        ssize_t n = read(p->out_fd, line + used, 1); /* byte by byte: nothing after the line */
        if (n <= 0) {
            proc_alive(p);
            fail_with_tail(p, err, err_len, "exited before listening");
            return -1;
        }
        if (line[used] == '\n')
            break;
        used++;
    }
    line[used] = '\0';
    const char *colon = strrchr(line, ':');
    long port = colon ? strtol(colon + 1, NULL, 10) : 0;
    if (strncmp(line, "listening on ", 13) != 0 || port <= 0 || port > 65535) {
        fail_with_tail(p, err, err_len, "first stdout line is not 'listening on ADDR:PORT'");
        return -1;
    }
    p->port = (int)port;
    return 0;
}

static int start(struct proc *p, char *err, int err_len)
{
    int fds[2];
    int log_fd = open(p->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    char **envp = build_env(p);
    if (log_fd < 0 || envp == NULL || pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(err, (size_t)err_len, "%s: cannot prepare (%s): %s", p->name, p->log_path,
                 strerror(errno));
        if (log_fd >= 0)
            close(log_fd);
        free(envp);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        child_exec(p, fds[1], log_fd, envp);
    close(fds[1]);
    close(log_fd);
    free(envp);
    if (pid < 0) {
        close(fds[0]);
        snprintf(err, (size_t)err_len, "%s: fork: %s", p->name, strerror(errno));
        return -1;
    }
    p->pid = pid;
    p->out_fd = fds[0];
    if (read_listen_line(p, err, err_len) != 0) {
        proc_kill9(p);
        return -1;
    }
    return 0;
}

struct proc *proc_spawn(const struct proc_spec *spec, char *err, int err_len)
{
    assert(spec != NULL);
    assert(spec->path != NULL);
    struct proc *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        snprintf(err, (size_t)err_len, "%s: out of memory", spec->name);
        return NULL;
    }
    p->magic = PROC_MAGIC;
    p->out_fd = -1;
    snprintf(p->name, sizeof(p->name), "%s", spec->name);
    p->path = strdup(spec->path);
    p->log_path = strdup(spec->log_path);
    p->argv[0] = strdup(spec->path);
    int ok = p->path != NULL && p->log_path != NULL && p->argv[0] != NULL;
    for (int i = 0; ok && i < PROC_ARGS_MAX && spec->argv[i] != NULL; i++)
        ok = (p->argv[i + 1] = strdup(spec->argv[i])) != NULL;
    for (int i = 0; ok && i < PROC_ENV_EXTRA_MAX && spec->env[i] != NULL; i++)
        ok = (p->envp_extra[i] = strdup(spec->env[i])) != NULL;
    if (!ok) {
        snprintf(err, (size_t)err_len, "%s: out of memory", spec->name);
        proc_free(p);
        return NULL;
    }
    registry_add(p);
    if (start(p, err, err_len) != 0) {
        proc_free(p);
        return NULL;
    }
    return p;
}

int proc_wait_healthz(struct proc *p, int timeout_ms, char *err, int err_len)
{
    assert(p->magic == PROC_MAGIC);
    int64_t deadline = now_ms() + timeout_ms;
    char resp[256];
    char herr[256];
    int last = -1;
    while (now_ms() < deadline) {
        if (!proc_alive(p)) {
            fail_with_tail(p, err, err_len, "exited before /healthz answered");
            return -1;
        }
        last = proc_http(p->port, "GET", "/healthz", NULL, NULL, NULL, resp, sizeof(resp), 1000,
                         herr, sizeof(herr));
        if (last == 200)
            return 0;
        struct timespec ts = {0, PROC_HEALTHZ_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    char what[128];
    snprintf(what, sizeof(what), "/healthz on port %d not 200 within %d ms (last: %d)", p->port,
             timeout_ms, last);
    fail_with_tail(p, err, err_len, what);
    return -1;
}

int proc_port(const struct proc *p)
{
    return p->port;
}

pid_t proc_pid(const struct proc *p)
{
    return p->pid;
}

const char *proc_name(const struct proc *p)
{
    return p->name;
}

int proc_alive(struct proc *p)
{
    assert(p->magic == PROC_MAGIC);
    if (p->pid <= 0)
        return 0;
    int st = 0;
    pid_t r = waitpid(p->pid, &st, WNOHANG);
    if (r == 0)
        return 1;
    p->status = st;
    p->pid = 0;
    if (p->out_fd >= 0) {
        close(p->out_fd);
        p->out_fd = -1;
    }
    return 0;
}

static void reap(struct proc *p)
{
    if (p->pid > 0) {
        int st = 0;
        while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
            ;
        p->status = st;
        p->pid = 0;
    }
    if (p->out_fd >= 0) {
        close(p->out_fd);
        p->out_fd = -1;
    }
}

void proc_kill9(struct proc *p)
{
    assert(p->magic == PROC_MAGIC);
    if (p->pid > 0)
        kill(p->pid, SIGKILL);
    reap(p);
}

int proc_restart(struct proc *p, char *err, int err_len)
{
    assert(p->magic == PROC_MAGIC);
    assert(p->port > 0);
    if (proc_alive(p))
        proc_kill9(p);
    char port[16];
    snprintf(port, sizeof(port), "%d", p->port);
    for (int i = 1; p->argv[i] != NULL && p->argv[i + 1] != NULL; i++) {
        if (strcmp(p->argv[i], "--port") != 0)
            continue;
        char *v = strdup(port);
        if (v == NULL) {
            snprintf(err, (size_t)err_len, "%s: out of memory", p->name);
            return -1;
        }
        free(p->argv[i + 1]);
        p->argv[i + 1] = v;
        break;
    }
    int want = p->port;
    if (start(p, err, err_len) != 0)
        return -1;
    if (p->port != want) {
        snprintf(err, (size_t)err_len, "%s: restarted on port %d, not %d", p->name, p->port, want);
        return -1;
    }
    return proc_wait_healthz(p, PROC_HEALTHZ_TIMEOUT_MS, err, err_len);
}

/* Wait for pid to exit until deadline (ms on the monotonic clock); 1 when it did. */
static int wait_until(struct proc *p, int64_t deadline)
{
    while (proc_alive(p)) {
        if (now_ms() >= deadline)
            return 0;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 1;
}

void proc_stop(struct proc *p, int grace_ms)
{
    assert(p->magic == PROC_MAGIC);
    if (!proc_alive(p)) {
        reap(p);
        return;
    }
    kill(p->pid, SIGTERM);
    if (!wait_until(p, now_ms() + grace_ms))
        proc_kill9(p);
    reap(p);
}

void proc_stop_all(int grace_ms)
{
    for (int i = 0; i < PROC_REGISTRY_MAX; i++)
        if (registry[i] != NULL && proc_alive(registry[i]))
            kill(registry[i]->pid, SIGTERM);
    int64_t deadline = now_ms() + grace_ms;
    for (int i = 0; i < PROC_REGISTRY_MAX; i++) {
        struct proc *p = registry[i];
        if (p == NULL)
            continue;
        if (!wait_until(p, deadline))
            proc_kill9(p);
        reap(p);
    }
}

void proc_free(struct proc *p)
{
    if (p == NULL)
        return;
    assert(p->magic == PROC_MAGIC);
    proc_stop(p, PROC_STOP_GRACE_MS);
    registry_remove(p);
    for (int i = 0; i < PROC_ARGS_MAX + 2; i++)
        free(p->argv[i]);
    for (int i = 0; i <= PROC_ENV_EXTRA_MAX; i++)
        free(p->envp_extra[i]);
    free(p->path);
    free(p->log_path);
    p->magic = 0;
    free(p);
}

int proc_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    int port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* --- blocking HTTP/1.0 ------------------------------------------------------------------- */

static int connect_local(int port, int timeout_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (poll(&pfd, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 ||
        soerr != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *buf, size_t len, int64_t deadline)
{
    size_t off = 0;
    while (off < len) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int left = (int)(deadline - now_ms());
        if (left <= 0 || poll(&pfd, 1, left) != 1)
            return -1;
        ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

struct http_sink {
    FILE *out;  /* body to a file, or */
    char *resp; /* into a buffer */
    size_t resp_len, resp_used;
    long long body_len; /* Content-Length, -1 when absent */
    long long body_got;
    int failed;
};

static void sink_body(struct http_sink *s, const char *data, size_t n)
{
    s->body_got += (long long)n;
    if (s->out != NULL) {
        if (fwrite(data, 1, n, s->out) != n)
            s->failed = 1;
        return;
    }
    size_t room = s->resp_len > 0 ? s->resp_len - 1 - s->resp_used : 0;
    size_t take = n < room ? n : room;
    memcpy(s->resp + s->resp_used, data, take);
    s->resp_used += take;
    s->resp[s->resp_used] = '\0';
}

/* Parse the status line and Content-Length out of the header block. */
static int parse_head(const char *head, struct http_sink *s)
{
    int status = 0;
    if (strncmp(head, "HTTP/1.", 7) != 0)
        return -1;
    status = (int)strtol(head + 9, NULL, 10);
    const char *cl = strcasestr(head, "\r\nContent-Length:");
    s->body_len = cl ? strtoll(cl + 17, NULL, 10) : -1;
    return status >= 100 ? status : -1;
}

static int read_answer(int fd, struct http_sink *s, int64_t deadline, char *err, int err_len)
{
    char head[HTTP_HEADERS_BYTES_MAX];
    size_t used = 0;
    int status = -1;
    char buf[65536];
    for (;;) {
        if (status > 0 && s->body_len >= 0 && s->body_got >= s->body_len)
            return status;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int left = (int)(deadline - now_ms());
        if (left <= 0 || poll(&pfd, 1, left) != 1) {
            snprintf(err, (size_t)err_len, "timed out");
            return -1;
        }
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            break;
        if (status > 0) {
            sink_body(s, buf, (size_t)n);
            continue;
        }
        size_t take = (size_t)n < sizeof(head) - 1 - used ? (size_t)n : sizeof(head) - 1 - used;
        memcpy(head + used, buf, take);
        used += take;
        head[used] = '\0';
        char *end = strstr(head, "\r\n\r\n");
        if (end == NULL) {
            if (used >= sizeof(head) - 1) {
                snprintf(err, (size_t)err_len, "answer headers too large");
                return -1;
            }
            continue;
        }
        status = parse_head(head, s);
        if (status < 0) {
            snprintf(err, (size_t)err_len, "not an HTTP answer");
            return -1;
        }
        size_t head_len = (size_t)(end + 4 - head);
        size_t prev = used - take; /* head bytes from earlier reads */
        sink_body(s, buf + (head_len - prev), (size_t)n - (head_len - prev));
    }
    if (status < 0)
        snprintf(err, (size_t)err_len, "connection closed before an answer");
    if (status > 0 && s->body_len >= 0 && s->body_got < s->body_len) {
        /* a dump cut short must never pass for a complete one (false mismatches follow) */
        snprintf(err, (size_t)err_len, "answer cut short after %lld of %lld body bytes",
                 s->body_got, s->body_len);
        return -1;
    }
    return status;
}

int proc_http(int port, const char *method, const char *path, const char *token, const char *body,
              const char *out_path, char *resp, size_t resp_len, int timeout_ms, char *err,
              int err_len)
{
    assert(port > 0);
    assert(method != NULL && path != NULL);
    int64_t deadline = now_ms() + timeout_ms;
    struct http_sink s = {.resp = resp, .resp_len = resp_len, .body_len = -1};
    if (resp != NULL && resp_len > 0)
        resp[0] = '\0';
    size_t blen = body ? strlen(body) : 0;
    char head[1024];
    int hn = snprintf(head, sizeof(head),
                      "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s%s%s"
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                      method, path, port, token ? "X-Sim-Token: " : "", token ? token : "",
                      token ? "\r\n" : "", blen);
    if (hn <= 0 || (size_t)hn >= sizeof(head)) {
        snprintf(err, (size_t)err_len, "request too long");
        return -1;
    }
    /* HTTP/1.1: evhttp sends no Content-Length to a 1.0 client, and without it a dump cut
     * short (seen: a 25 MB state dump ending mid-line) cannot be told from a complete one */
    int fd = connect_local(port, timeout_ms);
    if (fd < 0) {
        snprintf(err, (size_t)err_len, "cannot connect to 127.0.0.1:%d", port);
        return -1;
    }
    int status = -1;
    if (out_path != NULL && (s.out = fopen(out_path, "w")) == NULL) {
        snprintf(err, (size_t)err_len, "%s: %s", out_path, strerror(errno));
    } else if (send_all(fd, head, (size_t)hn, deadline) != 0 ||
               (blen && send_all(fd, body, blen, deadline) != 0)) {
        snprintf(err, (size_t)err_len, "send to 127.0.0.1:%d failed", port);
    } else {
        status = read_answer(fd, &s, deadline, err, err_len);
    }
    close(fd);
    if (s.out != NULL && (fclose(s.out) != 0 || s.failed) && status > 0) {
        snprintf(err, (size_t)err_len, "%s: write failed", out_path);
        status = -1;
    }
    return status;
}
