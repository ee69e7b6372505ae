/* tests/test_util_proc.c — util/proc: spawning /bin/sh scripts in their own process group with
 * stdin from /dev/null and output appended to a log, waits with timeouts, stop's SIGTERM→SIGKILL
 * escalation and its sweep of the group, the parent-death signal, status strings, self_exe.
 * Every wait is a poll for a condition with a deadline; nothing sleeps for a fixed time. */
#include "helpers.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/proc.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *argv0;

/* --- helpers -------------------------------------------------------------------------------- */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(void)
{
	struct timespec ts = {0, 5 * 1000000L};
	nanosleep(&ts, NULL);
}

static int spawn_sh(pid_t *pid, const char *script, const char *log)
{
	char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)script, NULL};
	return drill_proc_spawn(pid, argv, log);
}

static char *log_text(const char *log)
{
	char *s = NULL;
	size_t n;
	if (drill_fs_read_file(&s, &n, log, 1 << 20) != 0)
		return drill_xstrdup("");
	return s;
}

/* Poll the log until it contains `needle` (fails the test after 10 s). */
static void wait_log(const char *log, const char *needle)
{
	long long deadline = now_ms() + 10000;
	for (;;) {
		char *s = log_text(log);
		int found = strstr(s, needle) != NULL;
		if (found) {
			free(s);
			return;
		}
		if (now_ms() > deadline)
			fail_msg("%s never contained \"%s\"; it has: %s", log, needle, s);
		free(s);
		nap();
	}
}

/* 1 when `pid` no longer runs: gone, or a zombie nobody reaped yet (an orphan's reaper may be
 * slow, or absent in a container). */
static int pid_dead(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *rp = strrchr(buf, ')'); /* "pid (comm) S ..." */
	return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

static void wait_dead(pid_t pid)
{
	long long deadline = now_ms() + 10000;
	while (!pid_dead(pid)) {
		if (now_ms() > deadline)
			fail_msg("process %d still runs", (int)pid);
		nap();
	}
}

/* The number after "key=" in the log. */
static pid_t log_pid(const char *log, const char *key)
{
	char *s = log_text(log);
	char *p = strstr(s, key);
	assert_non_null(p);
	pid_t pid = (pid_t)atoi(p + strlen(key));
	free(s);
	assert_true(pid > 1);
	return pid;
}

static void assert_no_children(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* --- spawn ---------------------------------------------------------------------------------- */

static void test_spawn_log_appends(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("proc_log");
	char *log = drill_xasprintf("%s/out.log", dir);
	assert_drill_ok(drill_fs_write_atomic(log, "existing\n", 9));
	pid_t pid = 0;
	int st = -1;
	assert_drill_ok(spawn_sh(&pid, "echo out; echo err >&2; exit 3", log));
	assert_true(pid > 0);
	assert_drill_ok(drill_proc_wait(pid, 10000, &st));
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
	assert_drill_ok(spawn_sh(&pid, "echo second", log));
	assert_drill_ok(drill_proc_wait(pid, -1, &st));
	assert_int_equal(st, 0);
	char *s = log_text(log);
	assert_string_equal(s, "existing\nout\nerr\nsecond\n");
	free(s);
	/* a log that does not exist yet is created */
	char *log2 = drill_xasprintf("%s/new.log", dir);
	assert_drill_ok(spawn_sh(&pid, "echo hello", log2));
	assert_drill_ok(drill_proc_wait(pid, -1, NULL)); /* status is optional */
	s = log_text(log2);
	assert_string_equal(s, "hello\n");
	free(s);
	/* without a log, output is inherited */
	assert_drill_ok(spawn_sh(&pid, "exit 0", NULL));
	assert_drill_ok(drill_proc_wait(pid, -1, &st));
	assert_int_equal(st, 0);
	assert_no_children();
	free(log2);
	free(log);
	free(dir);
}

/* stdin is /dev/null (a read sees EOF at once); the child is the leader of its own group. */
static void test_spawn_stdin_and_group(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("proc_group");
	char *log = drill_xasprintf("%s/out.log", dir);
	pid_t pid;
	int st;
	assert_drill_ok(spawn_sh(&pid, "read x; echo \"read=$? x=[$x]\"", log));
	assert_drill_ok(drill_proc_wait(pid, 10000, &st));
	char *s = log_text(log);
	assert_string_equal(s, "read=1 x=[]\n");
	free(s);
	assert_drill_ok(spawn_sh(&pid, "echo ready; while :; do sleep 0.05; done", log));
	wait_log(log, "ready");
	assert_int_equal(getpgid(pid), pid);
	assert_true(getpgid(0) != pid);
	assert_drill_ok(drill_proc_stop(pid, 5000, &st));
	assert_no_children();
	free(log);
	free(dir);
}

static void test_spawn_failures(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("proc_fail");
	pid_t pid = 12345;
	char *argv[] = {(char *)"/no/such/binary", NULL};
	assert_int_equal(drill_proc_spawn(&pid, argv, NULL), DRILL_EENV);
	assert_non_null(strstr(drill_err_last(), "/no/such/binary"));
	assert_int_equal(pid, 12345); /* untouched */
	/* not executable */
	char *txt = drill_xasprintf("%s/script.txt", dir);
	assert_drill_ok(drill_fs_write_atomic(txt, "echo hi\n", 8));
	char *argv2[] = {txt, NULL};
	assert_int_equal(drill_proc_spawn(&pid, argv2, NULL), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), strerror(EACCES)));
	/* a log that cannot be opened */
	char *log = drill_xasprintf("%s/no/such/dir/out.log", dir);
	assert_int_equal(spawn_sh(&pid, "exit 0", log), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "log"));
	assert_non_null(strstr(drill_err_last(), "no/such/dir/out.log"));
	/* the failed children were reaped */
	assert_no_children();
	free(log);
	/* a log that is a symbolic link: refused, its target neither created nor written */
	char *target = drill_xasprintf("%s/elsewhere.log", dir);
	char *link = drill_xasprintf("%s/link.log", dir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(spawn_sh(&pid, "echo hi", link), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "link.log"));
	assert_int_equal(access(target, F_OK), -1);
	free(target);
	free(link);
	free(txt);
	free(dir);
}

/* The child starts with default signal dispositions and an empty mask, whatever ours are. The
 * child is /bin/sleep, not a shell, since a shell may reset the mask itself at start; a signal sent
 * before its exec stays pending across it, so no readiness check is needed. */
static pid_t spawn_sleep(void)
{
	char *argv[] = {(char *)"/bin/sleep", (char *)"1000", NULL};
	pid_t pid;
	assert_drill_ok(drill_proc_spawn(&pid, argv, NULL));
	return pid;
}

/* spawn_io: stdin from a file, stdout through a pipe while stderr goes to the log, a working
 * directory; a missing stdin file or directory fails before exec. */
static void test_spawn_io(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("proc_io");
	char *in = drill_xasprintf("%s/in.txt", dir), *log = drill_xasprintf("%s/err.log", dir);
	assert_drill_ok(drill_fs_write_atomic(in, "request\n", 8));
	char *argv[] = {(char *)"/bin/sh", (char *)"-c",
			(char *)"read x; echo \"got $x in $(pwd)\"; echo oops >&2", NULL};
	struct drill_proc_io io = {.stdin_path = in, .log_path = log, .cwd = dir};
	pid_t pid = 0;
	int fd = -1, st = -1;
	assert_drill_ok(drill_proc_spawn_io(&pid, &fd, argv, &io));
	assert_true(fd >= 0);
	char buf[512];
	size_t len = 0;
	ssize_t n;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	assert_drill_ok(drill_proc_wait(pid, 10000, &st));
	assert_int_equal(st, 0);
	char *want = drill_xasprintf("got request in %s\n", dir);
	assert_string_equal(buf, want);
	char *s = log_text(log);
	assert_string_equal(s, "oops\n");
	free(s);

	io.stdin_path = "/nonexistent/in";
	assert_int_equal(drill_proc_spawn_io(&pid, &fd, argv, &io), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "/nonexistent/in"));
	assert_int_equal(fd, -1);
	io.stdin_path = in;
	io.cwd = "/nonexistent/dir";
	assert_int_equal(drill_proc_spawn_io(&pid, &fd, argv, &io), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "directory /nonexistent/dir"));
	assert_no_children();
	free(want);
	free(in);
	free(log);
	free(dir);
}

static void test_spawn_resets_signals(void **state)
{
	(void)state;
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	struct sigaction ign = {.sa_handler = SIG_IGN}, prev;
	sigemptyset(&ign.sa_mask);
	/* SIGINT ignored here: not in the child */
	assert_int_equal(sigaction(SIGINT, &ign, &prev), 0);
	pid_t pid = spawn_sleep();
	assert_int_equal(sigaction(SIGINT, &prev, NULL), 0);
	assert_int_equal(kill(pid, SIGINT), 0);
	int st = -1;
	assert_drill_ok(drill_proc_wait(pid, 10000, &st));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGINT);
	/* SIGTERM and SIGINT blocked here: not in the child, so stop needs no SIGKILL */
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
	pid = spawn_sleep();
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
	assert_drill_ok(drill_proc_stop(pid, 5000, &st));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
	assert_no_children();
}

/* --- wait, running ------------------------------------------------------------------------------ */

static void test_wait_timeout(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("proc_wait");
	char *go = drill_xasprintf("%s/go", dir);
	char *script = drill_xasprintf("while [ ! -e '%s' ]; do sleep 0.01; done; exit 5", go);
	pid_t pid;
	int st = -1;
	assert_drill_ok(spawn_sh(&pid, script, NULL));
	long long t0 = now_ms();
	assert_int_equal(drill_proc_wait(pid, 200, &st), DRILL_ETIMEOUT);
	long long took = now_ms() - t0;
	assert_true(took >= 200);
	assert_true(took < 5000);
	assert_int_equal(st, -1);
	assert_non_null(strstr(drill_err_last(), "200 ms"));
	assert_int_equal(drill_proc_wait(pid, 0, &st), DRILL_ETIMEOUT);
	assert_int_equal(drill_proc_running(pid, &st), 1);
	assert_int_equal(st, -1);
	/* let it finish: running() turns 0 and hands over the status, once */
	assert_drill_ok(drill_fs_write_atomic(go, "", 0));
	long long deadline = now_ms() + 10000;
	while (drill_proc_running(pid, &st)) {
		if (now_ms() > deadline)
			fail_msg("the child did not exit");
		nap();
	}
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 5);
	/* reaped: it is no longer our child */
	assert_int_equal(drill_proc_running(pid, NULL), 0);
	assert_int_equal(drill_proc_wait(pid, 100, &st), DRILL_EFAIL);
	assert_int_equal(drill_proc_wait(pid, -1, &st), DRILL_EFAIL);
	/* nor is init */
	assert_int_equal(drill_proc_wait(1, 100, &st), DRILL_EFAIL);
	assert_int_equal(drill_proc_running(1, NULL), 0);
	free(script);
	free(go);
	free(dir);
}

/* --- stop --------------------------------------------------------------------------------------- */

/* A child that exits when asked: 0, with its own exit status. */
static void test_stop_polite(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("proc_stop_polite");
	char *log = drill_xasprintf("%s/out.log", dir);
	pid_t pid;
	int st = -1;
	assert_drill_ok(spawn_sh(&pid, "trap 'echo bye; exit 3' TERM; echo ready; "
				      "while :; do sleep 0.05; done", log));
	wait_log(log, "ready");
	assert_drill_ok(drill_proc_stop(pid, 10000, &st));
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
	wait_log(log, "bye");
	assert_string_equal(drill_proc_status_str(st), "exited with code 3");
	/* an already-exited (unreaped) child: its status, no error */
	assert_drill_ok(spawn_sh(&pid, "exit 7", NULL));
	wait_dead(pid);
	assert_drill_ok(drill_proc_stop(pid, 1000, &st));
	assert_int_equal(WEXITSTATUS(st), 7);
	/* stopping it again: it is not our child any more */
	assert_int_equal(drill_proc_stop(pid, 100, NULL), DRILL_EFAIL);
	assert_no_children();
	free(log);
	free(dir);
}

/* A child that ignores SIGTERM: SIGKILL after the timeout, DRILL_ETIMEOUT, reaped. */
static void test_stop_escalates(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("proc_stop_kill");
	char *log = drill_xasprintf("%s/out.log", dir);
	pid_t pid;
	int st = -1;
	assert_drill_ok(spawn_sh(&pid, "trap '' TERM; echo ready; while :; do sleep 0.05; done",
				 log));
	wait_log(log, "ready");
	long long t0 = now_ms();
	assert_int_equal(drill_proc_stop(pid, 300, &st), DRILL_ETIMEOUT);
	long long took = now_ms() - t0;
	assert_true(took >= 300);
	assert_true(took < 5000);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	assert_non_null(strstr(drill_err_last(), "SIGTERM"));
	assert_non_null(strstr(drill_proc_status_str(st), "killed by signal 9"));
	assert_no_children();
	free(log);
	free(dir);
}

/* The whole group goes: a grandchild that ignores SIGTERM dies with it (the sweep after the
 * child exited), and so does one that would have outlived a SIGKILLed child. */
static void test_stop_kills_group(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("proc_stop_group");
	char *log = drill_xasprintf("%s/out.log", dir);
	pid_t pid;
	int st;
	/* the shell itself dies on SIGTERM; its background sleep ignores it */
	assert_drill_ok(spawn_sh(&pid, "trap '' TERM; sleep 1000 & echo \"gpid=$!\"; "
				      "trap - TERM; echo ready; wait", log));
	wait_log(log, "ready");
	pid_t g = log_pid(log, "gpid=");
	assert_int_equal(getpgid(g), pid);
	assert_false(pid_dead(g));
	assert_drill_ok(drill_proc_stop(pid, 5000, &st));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
	wait_dead(g);
	free(log);

	/* both ignore SIGTERM */
	log = drill_xasprintf("%s/out2.log", dir);
	assert_drill_ok(spawn_sh(&pid, "trap '' TERM; sleep 1000 & echo \"gpid=$!\"; echo ready; "
				      "while :; do sleep 0.05; done", log));
	wait_log(log, "ready");
	g = log_pid(log, "gpid=");
	assert_false(pid_dead(g));
	assert_int_equal(drill_proc_stop(pid, 200, &st), DRILL_ETIMEOUT);
	assert_int_equal(WTERMSIG(st), SIGKILL);
	wait_dead(g);
	assert_no_children();
	free(log);
	free(dir);
}

/* --- the parent-death signal ------------------------------------------------------------------- */

struct spawner {
	pid_t pid;
	int rc;
};

static void *spawn_thread(void *arg)
{
	struct spawner *s = arg;
	s->rc = spawn_sh(&s->pid, "while :; do sleep 0.05; done", NULL);
	return NULL;
}

/* The child gets SIGKILL when the thread that spawned it ends (proc.h's warning, shown). */
static void test_parent_death_signal(void **state)
{
	(void)state;
	struct spawner s = {0, -1};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, spawn_thread, &s), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_drill_ok(s.rc);
	int st = -1;
	assert_drill_ok(drill_proc_wait(s.pid, 10000, &st));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	assert_no_children();
}

/* --- status_str, self_exe ----------------------------------------------------------------------- */

static void test_status_str(void **state)
{
	(void)state;
	pid_t pid;
	int st;
	assert_drill_ok(spawn_sh(&pid, "exit 0", NULL));
	assert_drill_ok(drill_proc_wait(pid, -1, &st));
	assert_string_equal(drill_proc_status_str(st), "exited with code 0");
	assert_drill_ok(spawn_sh(&pid, "exit 255", NULL));
	assert_drill_ok(drill_proc_wait(pid, -1, &st));
	assert_string_equal(drill_proc_status_str(st), "exited with code 255");
	assert_drill_ok(spawn_sh(&pid, "kill -9 $$", NULL));
	assert_drill_ok(drill_proc_wait(pid, -1, &st));
	const char *s = drill_proc_status_str(st);
	assert_non_null(strstr(s, "killed by signal 9"));
	assert_drill_ok(spawn_sh(&pid, "kill -SEGV $$", NULL));
	assert_drill_ok(drill_proc_wait(pid, -1, &st));
	assert_non_null(strstr(drill_proc_status_str(st), "killed by signal 11"));
	/* neither exited nor signalled: a stopped child's status */
	assert_non_null(strstr(drill_proc_status_str(0x137f), "0x137f"));
}

static void test_self_exe(void **state)
{
	(void)state;
	const char *exe = drill_proc_self_exe();
	assert_non_null(exe);
	assert_true(exe[0] == '/');
	char *want = realpath(argv0, NULL);
	assert_non_null(want);
	assert_string_equal(exe, want);
	assert_true(drill_proc_self_exe() == exe); /* computed once */
	assert_int_equal(access(exe, X_OK), 0);
	free(want);
}

int main(int argc, char **argv)
{
	(void)argc;
	argv0 = argv[0];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spawn_log_appends),
		cmocka_unit_test(test_spawn_stdin_and_group),
		cmocka_unit_test(test_spawn_failures),
		cmocka_unit_test(test_spawn_io),
		cmocka_unit_test(test_spawn_resets_signals),
		cmocka_unit_test(test_wait_timeout),
		cmocka_unit_test(test_stop_polite),
		cmocka_unit_test(test_stop_escalates),
		cmocka_unit_test(test_stop_kills_group),
		cmocka_unit_test(test_parent_death_signal),
		cmocka_unit_test(test_status_str),
		cmocka_unit_test(test_self_exe),
	};
	return drill_test_run(tests, NULL, NULL);
}
