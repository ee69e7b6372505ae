/* util/par.c — drill_par_for: a small pool of threads taking task indexes from a shared counter. */
#include "util/par.h"

#include "util/bytes.h"
#include "util/err.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct pool {
	pthread_mutex_t mu;
	size_t next, n;
	int stop;          /* a task failed: start no more */
	size_t failed;     /* the lowest failed index (n: none) */
	int rc;
	char *msg;         /* its message, copied from the thread that ran it */
	int (*fn)(size_t i, void *arg);
	void *arg;
};

static void *worker(void *p_)
{
	struct pool *p = p_;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		size_t i = p->next;
		int done = p->stop || i >= p->n;
		if (!done)
			p->next++;
		pthread_mutex_unlock(&p->mu);
		if (done)
			return NULL;
		int rc = p->fn(i, p->arg);
		if (!rc)
			continue;
		/* drill_err's message is thread-local: copy it out while it is this thread's */
		char *msg = drill_xstrdup(drill_err_last());
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		if (i < p->failed) {
			p->failed = i;
			p->rc = rc;
			free(p->msg);
			p->msg = msg;
			msg = NULL;
		}
		pthread_mutex_unlock(&p->mu);
		free(msg);
	}
}

int drill_par_for(size_t n, int jobs, int (*fn)(size_t i, void *arg), void *arg)
{
	if (jobs <= 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = cores > 0 ? (int)cores : 1;
	}
	size_t nt = (size_t)jobs < n ? (size_t)jobs : n;
	if (nt <= 1) {
		for (size_t i = 0; i < n; i++) {
			int rc = fn(i, arg);
			if (rc)
				return rc;
		}
		return 0;
	}
	struct pool p = {.n = n, .failed = n, .fn = fn, .arg = arg};
	pthread_mutex_init(&p.mu, NULL);
	pthread_t *th = drill_xcalloc(nt, sizeof(*th));
	size_t started = 0;
	for (size_t t = 1; t < nt; t++) {
		if (pthread_create(&th[t], NULL, worker, &p) != 0)
			break; /* fewer threads: the calling thread does the rest */
		started = t;
	}
	worker(&p);
	for (size_t t = 1; t <= started; t++)
		pthread_join(th[t], NULL);
	free(th);
	pthread_mutex_destroy(&p.mu);
	int rc = 0;
	if (p.failed < n)
		rc = drill_err(p.rc, "%s", p.msg);
	free(p.msg);
	return rc;
}
