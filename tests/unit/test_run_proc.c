/* sim/run/proc.c: spawn reads the listening line, failures name the process and quote its
 * stderr, stop_all leaves no child, kill9 + restart reuses the port, and the blocking HTTP
 * helper against a tiny one-shot server. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "run/proc.h"

static char log_path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(log_path, sizeof(log_path), "/tmp/test_run_proc_%d.log", (int)getpid());
    unlink(log_path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(log_path);
    return 0;
}

static struct proc *spawn_sh(const char *name, const char *script, char *err, int err_len)
{
    struct proc_spec spec = {.name = name, .path = "/bin/sh", .log_path = log_path};
    spec.argv[0] = "-c";
    spec.argv[1] = script;
    spec.env[0] = "SHIPSIM_TEST_VAR=from-runner";
    return proc_spawn(&spec, err, err_len);
}

static int pid_exists(pid_t pid)
{
    return kill(pid, 0) == 0 || errno != ESRCH;
}

static void test_spawn_and_stop_all(void **state)
{
    (void)state;
    char err[4096];
    struct proc *p =
        spawn_sh("fake", "echo listening on 127.0.0.1:4321; exec sleep 60", err, sizeof(err));
    if (p == NULL)
        fail_msg("%s", err);
    assert_int_equal(proc_port(p), 4321);
    pid_t pid = proc_pid(p);
    assert_true(pid > 0);
    assert_true(proc_alive(p));
    proc_stop_all(2000);
    assert_false(proc_alive(p));
    assert_false(pid_exists(pid));
    proc_free(p);
}

static void test_exit_before_listening(void **state)
{
    (void)state;
    char err[4096];
    struct proc *p =
        spawn_sh("broken", "echo 'config: no such file' >&2; exit 3", err, sizeof(err));
    assert_null(p);
    assert_non_null(strstr(err, "broken"));
    assert_non_null(strstr(err, "exited before listening"));
    assert_non_null(strstr(err, "config: no such file"));
}

static void test_bad_first_line(void **state)
{
    (void)state;
    char err[4096];
    struct proc *p =
        /* stderr first: written after stdout it raced the first-line check (flaky) */
        spawn_sh("chatty", "echo oops >&2; echo hello; exec sleep 60", err, sizeof(err));
    assert_null(p);
    assert_non_null(strstr(err, "not 'listening on"));
    assert_non_null(strstr(err, "oops"));
}

static void test_env_and_restart(void **state)
{
    (void)state;
    char err[4096];
    /* The child proves it got the extra variable by echoing it to its stderr log; it reads
     * its port from --port when restarted (here the script ignores it and prints the same). */
    struct proc *p = spawn_sh("envy",
                              "echo \"var=$SHIPSIM_TEST_VAR\" >&2; "
                              "echo listening on 127.0.0.1:5555; exec sleep 60",
                              err, sizeof(err));
    if (p == NULL)
        fail_msg("%s", err);
    pid_t first = proc_pid(p);
    proc_kill9(p);
    assert_false(proc_alive(p));
    assert_false(pid_exists(first));
    char tail[512];
    proc_log_tail(log_path, tail, sizeof(tail));
    assert_non_null(strstr(tail, "var=from-runner"));
    /* restart: the healthz wait fails (nothing listens on 5555) and names the process */
    assert_int_equal(proc_restart(p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "envy"));
    assert_non_null(strstr(err, "/healthz"));
    proc_free(p);
}

/* A one-shot HTTP server in a child: answers one request with a fixed reply. */
static void test_http_helper(void **state)
{
    (void)state;
    int port = proc_free_port();
    assert_true(port > 0);
    char script[512];
    snprintf(script, sizeof(script),
             "exec python3 -c \"import socket;s=socket.socket();"
             "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('127.0.0.1',%d));"
             "s.listen(1);print('listening on 127.0.0.1:%d',flush=True);c,_=s.accept();"
             "d=c.recv(4096);ok=b'X-Sim-Token: tok' in d;"
             "c.sendall(b'HTTP/1.0 200 OK\\r\\nContent-Length: 7\\r\\n\\r\\n'+(b'{\\\"a\\\":1}' if "
             "ok else b'nothing'));"
             "c.close()\"",
             port, port);
    char err[4096];
    struct proc *p = spawn_sh("py", script, err, sizeof(err));
    if (p == NULL) {
        skip(); /* no python3 on this machine */
        return;
    }
    char resp[64];
    int st =
        proc_http(port, "GET", "/x", "tok", NULL, NULL, resp, sizeof(resp), 3000, err, sizeof(err));
    assert_int_equal(st, 200);
    assert_string_equal(resp, "{\"a\":1}");
    proc_free(p);
    /* nothing listens now */
    st = proc_http(port, "GET", "/x", NULL, NULL, NULL, resp, sizeof(resp), 500, err, sizeof(err));
    assert_int_equal(st, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_spawn_and_stop_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_before_listening, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_first_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_and_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_helper, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
