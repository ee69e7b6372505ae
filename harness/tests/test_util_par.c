/* tests/test_util_par.c — util/par: every task runs exactly once, on several threads at once when
 * asked; a failure stops new tasks and the lowest failed task's error and message come back to the
 * caller's thread; jobs = 1 is a plain loop. Waits are bounded, nothing sleeps for a fixed time. */
#include "helpers.h"

#include "util/err.h"
#include "util/par.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct counts {
	int runs[64];
	size_t order[64];
	size_t n_order;
	pthread_mutex_t mu;
};

static int count_task(size_t i, void *arg)
{
	struct counts *c = arg;
	pthread_mutex_lock(&c->mu);
	c->runs[i]++;
	c->order[c->n_order++] = i;
	pthread_mutex_unlock(&c->mu);
	return 0;
}

static void test_each_once(void **state)
{
	(void)state;
	for (int jobs = -1; jobs <= 8; jobs++) {
		struct counts c = {.mu = PTHREAD_MUTEX_INITIALIZER};
		assert_int_equal(drill_par_for(64, jobs, count_task, &c), 0);
		for (size_t i = 0; i < 64; i++)
			assert_int_equal(c.runs[i], 1);
	}
	struct counts c = {.mu = PTHREAD_MUTEX_INITIALIZER};
	assert_int_equal(drill_par_for(0, 4, count_task, &c), 0);
	assert_int_equal(c.n_order, 0);
}

/* Two tasks that each wait (up to 10 s) for the other to have started: only concurrent runs
 * finish both in time. */
struct meet {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int arrived;
};

static int meet_task(size_t i, void *arg)
{
	(void)i;
	struct meet *m = arg;
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10;
	int rc = 0;
	pthread_mutex_lock(&m->mu);
	m->arrived++;
	pthread_cond_broadcast(&m->cv);
	while (m->arrived < 2 && rc == 0)
		rc = pthread_cond_timedwait(&m->cv, &m->mu, &dl);
	pthread_mutex_unlock(&m->mu);
	return rc ? drill_err(DRILL_ETIMEOUT, "task %zu ran alone", i) : 0;
}

static void test_concurrent(void **state)
{
	(void)state;
	struct meet m = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
	assert_drill_ok(drill_par_for(2, 2, meet_task, &m));
	assert_int_equal(m.arrived, 2);
}

/* Tasks 3 and 7 fail; whatever the threads' timing, task 3's error is the one returned (a task
 * is only started after every lower one was). */
static int failing_task(size_t i, void *arg)
{
	count_task(i, arg);
	if (i == 3 || i == 7)
		return drill_err(i == 3 ? DRILL_ENOTFOUND : DRILL_EFAIL, "task %zu failed", i);
	return 0;
}

static void test_lowest_failure(void **state)
{
	(void)state;
	for (int jobs = 1; jobs <= 4; jobs++) {
		struct counts c = {.mu = PTHREAD_MUTEX_INITIALIZER};
		drill_err_clear();
		assert_int_equal(drill_par_for(20, jobs, failing_task, &c), DRILL_ENOTFOUND);
		assert_string_equal(drill_err_last(), "task 3 failed");
		for (size_t i = 0; i < 20; i++) /* 0..3 ran; later ones at most once */
			assert_true(i <= 3 ? c.runs[i] == 1 : c.runs[i] <= 1);
	}
}

static void test_one_job_is_a_loop(void **state)
{
	(void)state;
	struct counts c = {.mu = PTHREAD_MUTEX_INITIALIZER};
	assert_int_equal(drill_par_for(20, 1, failing_task, &c), DRILL_ENOTFOUND);
	assert_int_equal(c.n_order, 4); /* 0 1 2 3, in order, and nothing after */
	for (size_t k = 0; k < c.n_order; k++)
		assert_int_equal(c.order[k], k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_once),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_lowest_failure),
		cmocka_unit_test(test_one_job_is_a_loop),
	};
	return drill_test_run(tests, NULL, NULL);
}
