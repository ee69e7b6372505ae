/* tests/test_util_forksrv.c — util/forksrv: children forked directly and by the fork server run
 * the function asked with a copy of its argument and the descriptors given (renumbered 3, 4, ...),
 * their output goes to out_fd, their ends (codes, signals) are reported; a lock another thread
 * holds when the child is started is free in a child of the server (the reason the server exists)
 * and held in a child forked directly; many threads start children at once; a dead server makes
 * children be forked directly; stop reaps the server. */
#include "helpers.h"

#include "util/err.h"
#include "util/forksrv.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* --- children -------------------------------------------------------------------------------- */

/* Writes its argument to fds[0] and "out" to stdout; its exit code is the number of fds. */
static int echo_child(const void *arg, size_t len, const int *fds, size_t nfds)
{
	if (nfds >= 1 && write(fds[0], arg, len) != (ssize_t)len)
		return 100;
	printf("out %zu\n", nfds);
	fflush(stdout);
	for (size_t k = 0; k < nfds; k++)
		if (fds[k] != 3 + (int)k)
			return 101;
	/* nothing open above the descriptors given */
	if (fcntl(3 + (int)nfds, F_GETFD) != -1 || errno != EBADF)
		return 102;
	return (int)nfds;
}

static int dying_child(const void *arg, size_t len, const int *fds, size_t nfds)
{
	(void)arg, (void)len, (void)fds, (void)nfds;
	fprintf(stderr, "about to abort\n");
	abort();
}

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;

/* 0 when `held` is free in this child, 1 when the child's copy of it is locked. */
static int lock_child(const void *arg, size_t len, const int *fds, size_t nfds)
{
	(void)arg, (void)len, (void)fds, (void)nfds;
	return pthread_mutex_trylock(&held) == 0 ? 0 : 1;
}

/* Start fn with `arg` and a pipe as its fds[0]; its wait status in *status, its fds[0] bytes in
 * got (up to cap) and its stdout in out. -1 (no cmocka assertion: threads call it) on an error. */
static int try_run(int *status, drill_child_fn fn, const char *arg, char *got, size_t cap,
		   char *out, size_t ocap)
{
	int p[2], o[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	if (pipe2(o, O_CLOEXEC) != 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	struct drill_child c;
	int rc = drill_child_start(&c, fn, arg, strlen(arg), &p[1], 1, o[1]);
	close(p[1]);
	close(o[1]);
	if (rc == 0) {
		ssize_t n = read(p[0], got, cap - 1);
		got[n > 0 ? n : 0] = '\0';
		n = read(o[0], out, ocap - 1);
		out[n > 0 ? n : 0] = '\0';
		rc = c.pid > 0 ? drill_child_wait(&c, -1, status) : -1;
	}
	close(p[0]);
	close(o[0]);
	return rc ? -1 : 0;
}

static int run(drill_child_fn fn, const char *arg, char *got, size_t cap, char *out, size_t ocap)
{
	int status = -1;
	if (try_run(&status, fn, arg, got, cap, out, ocap) != 0)
		fail_msg("starting a child: %s", drill_err_last());
	return status;
}

/* --- cases ----------------------------------------------------------------------------------- */

static void check_echo_and_death(void)
{
	char got[64], out[256];
	int st = run(echo_child, "hello", got, sizeof(got), out, sizeof(out));
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	assert_string_equal(got, "hello");
	assert_string_equal(out, "out 1\n");
	st = run(dying_child, "", got, sizeof(got), out, sizeof(out));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
	assert_string_equal(out, "about to abort\n");
}

static void test_direct(void **state)
{
	(void)state;
	assert_false(drill_forksrv_active());
	check_echo_and_death();
}

static void test_server(void **state)
{
	(void)state;
	assert_drill_ok(drill_forksrv_start());
	assert_true(drill_forksrv_active());
	assert_drill_ok(drill_forksrv_start()); /* idempotent */
	check_echo_and_death();
	/* no descriptor at all, and the child's status reported through the server */
	int o[2];
	assert_int_equal(pipe2(o, O_CLOEXEC), 0);
	struct drill_child c;
	assert_drill_ok(drill_child_start(&c, echo_child, "x", 1, NULL, 0, o[1]));
	close(o[1]);
	assert_true(c.status_fd >= 0);
	int st;
	assert_drill_ok(drill_child_wait(&c, -1, &st));
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(c.status_fd, -1);
	close(o[0]);
	drill_forksrv_stop();
	assert_false(drill_forksrv_active());
}

/* A thread holds `held` while a child starts: the server's child (forked from a copy made before)
 * finds it free; a child forked directly finds its copy locked, as a reader forked while another
 * thread held an allocator's lock found that lock, and hung. */
struct holder {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int locked, release;
};

static void *hold(void *arg)
{
	struct holder *h = arg;
	pthread_mutex_lock(&held);
	pthread_mutex_lock(&h->mu);
	h->locked = 1;
	pthread_cond_broadcast(&h->cv);
	while (!h->release)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
	pthread_mutex_unlock(&held);
	return NULL;
}

static int lock_state(void)
{
	struct drill_child c;
	int o[2];
	assert_int_equal(pipe2(o, O_CLOEXEC), 0);
	assert_drill_ok(drill_child_start(&c, lock_child, NULL, 0, NULL, 0, o[1]));
	close(o[1]);
	close(o[0]);
	int st;
	assert_drill_ok(drill_child_wait(&c, 10000, &st));
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_lock_held_by_another_thread(void **state)
{
	(void)state;
	assert_drill_ok(drill_forksrv_start());
	struct holder h = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, hold, &h), 0);
	pthread_mutex_lock(&h.mu);
	while (!h.locked)
		pthread_cond_wait(&h.cv, &h.mu);
	pthread_mutex_unlock(&h.mu);

	assert_int_equal(lock_state(), 0); /* by the server: free */
	drill_forksrv_stop();
	assert_int_equal(lock_state(), 1); /* forked here: the copy is held */

	pthread_mutex_lock(&h.mu);
	h.release = 1;
	pthread_cond_broadcast(&h.cv);
	pthread_mutex_unlock(&h.mu);
	pthread_join(t, NULL);
}

/* Threads start children at once through one server; each gets its own child's answer. */
#define THREADS 4
#define EACH 15

static void *starter(void *arg)
{
	long id = (long)(intptr_t)arg;
	for (int i = 0; i < EACH; i++) {
		char want[32], got[32], out[64];
		snprintf(want, sizeof(want), "t%ld-%d", id, i);
		int st = -1;
		if (try_run(&st, echo_child, want, got, sizeof(got), out, sizeof(out)) != 0 ||
		    !WIFEXITED(st) || WEXITSTATUS(st) != 1 || strcmp(got, want) != 0)
			return (void *)1;
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	assert_drill_ok(drill_forksrv_start());
	pthread_t t[THREADS];
	for (long k = 0; k < THREADS; k++)
		assert_int_equal(pthread_create(&t[k], NULL, starter, (void *)(intptr_t)k), 0);
	for (int k = 0; k < THREADS; k++) {
		void *bad = NULL;
		pthread_join(t[k], &bad);
		assert_null(bad);
	}
	drill_forksrv_stop();
}

/* Somebody kills the server: the next child is forked directly, and works. */
static void test_dead_server(void **state)
{
	(void)state;
	assert_drill_ok(drill_forksrv_start());
	char got[64], out[64];
	assert_int_equal(WEXITSTATUS(run(echo_child, "a", got, sizeof(got), out, sizeof(out))), 1);
	/* the server is our only child now; its pid is not exported: ask /proc */
	pid_t srv = 0;
	{
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		int pid;
		assert_int_equal(fscanf(f, "%d", &pid), 1);
		fclose(f);
		srv = pid;
	}
	assert_int_equal(kill(srv, SIGKILL), 0);
	int st = run(echo_child, "after", got, sizeof(got), out, sizeof(out));
	assert_true(WIFEXITED(st));
	assert_string_equal(got, "after");
	assert_false(drill_forksrv_active());
	drill_forksrv_stop(); /* reaps the dead server */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* Burns 0.2 s of CPU (measured in CPU time, whatever the load). */
static int busy_child(const void *arg, size_t len, const int *fds, size_t nfds)
{
	(void)arg, (void)len, (void)fds, (void)nfds;
	volatile unsigned long x = 0;
	for (;;) {
		struct timespec t;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
		if (t.tv_sec > 0 || t.tv_nsec >= 200 * 1000000L)
			return 0;
		for (int k = 0; k < 100000; k++)
			x += (unsigned long)k;
	}
}

static double children_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* The CPU time of the server's children counts as ours once the server is stopped, as it does
 * for children forked here (`time chaindrill verify` and the benchmarks see the readers). */
static void test_cpu_time_counted(void **state)
{
	(void)state;
	double before = children_cpu();
	assert_drill_ok(drill_forksrv_start());
	char got[8], out[8];
	assert_int_equal(run(busy_child, "", got, sizeof(got), out, sizeof(out)), 0);
	drill_forksrv_stop();
	assert_true(children_cpu() - before >= 0.19);
}

static void test_limits(void **state)
{
	(void)state;
	struct drill_child c;
	int fds[DRILL_CHILD_MAX_FDS + 1] = {0};
	assert_int_equal(drill_child_start(&c, echo_child, "", 0, fds, DRILL_CHILD_MAX_FDS + 1, 2),
			 DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "at most"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_server),
		cmocka_unit_test(test_lock_held_by_another_thread),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_dead_server),
		cmocka_unit_test(test_cpu_time_counted),
		cmocka_unit_test(test_limits),
	};
	return drill_test_run(tests, NULL, NULL);
}
