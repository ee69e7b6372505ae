/* util/trash.c — a directory of things to remove and the one thread that removes them, in the
 * order they were thrown away. */
#include "util/trash.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct item {
	char *path;
	struct item *next;
};

struct drill_trash {
	char *dir;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct item *head, **tail; /* queued, oldest first */
	int closing;
	int rc;    /* the first removal's error */
	char *msg; /* its message, copied from the removal thread */
};

static void *reaper(void *arg)
{
	struct drill_trash *t = arg;
	pthread_mutex_lock(&t->mu);
	for (;;) {
		while (!t->head && !t->closing)
			pthread_cond_wait(&t->cv, &t->mu);
		struct item *it = t->head;
		if (!it)
			break; /* closing, and nothing left */
		t->head = it->next;
		if (!t->head)
			t->tail = &t->head;
		pthread_mutex_unlock(&t->mu);
		int rc = drill_fs_remove_tree(it->path);
		/* drill_err's message is thread-local: copy it out while it is this thread's */
		char *msg = rc ? drill_xstrdup(drill_err_last()) : NULL;
		free(it->path);
		free(it);
		pthread_mutex_lock(&t->mu);
		if (rc && !t->rc) {
			t->rc = rc;
			t->msg = msg;
			msg = NULL;
		}
		free(msg);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

int drill_trash_open(struct drill_trash **out, const char *dir)
{
	*out = NULL;
	/* What a run that died mid-restore left is nobody's any more. */
	int rc = drill_fs_remove_tree(dir);
	if (!rc)
		rc = drill_fs_mkdir_p(dir, 0700);
	if (rc)
		return drill_err_wrap(rc, "trash");
	struct drill_trash *t = drill_xcalloc(1, sizeof(*t));
	t->dir = drill_xstrdup(dir);
	t->tail = &t->head;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	int e = pthread_create(&t->thread, NULL, reaper, t);
	if (e) {
		rc = drill_err(DRILL_EFAIL, "trash %s: cannot start a thread: %s", dir, strerror(e));
		pthread_cond_destroy(&t->cv);
		pthread_mutex_destroy(&t->mu);
		drill_fs_remove_tree(dir);
		free(t->dir);
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

static void enqueue(struct drill_trash *t, char *path)
{
	struct item *it = drill_xcalloc(1, sizeof(*it));
	it->path = path;
	pthread_mutex_lock(&t->mu);
	*t->tail = it;
	t->tail = &it->next;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

struct move {
	int vfd, hfd;
	const char *victim;
};

static int move_entry(const char *name, void *arg)
{
	struct move *m = arg;
	if (renameat(m->vfd, name, m->hfd, name) == 0 || errno == ENOENT)
		return 0;
	if (errno == EXDEV)
		return 1;
	return drill_err(DRILL_EFAIL, "remove %s/%s: %s", m->victim, name, strerror(errno));
}

/* Move every entry of the directory open on vfd into the one open on hfd. Returns 0, 1 when the
 * two are on different filesystems (nothing more can be moved), or an error. */
static int move_entries(int vfd, int hfd, const char *victim)
{
	int dfd = dup(vfd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return drill_err(DRILL_EFAIL, "remove the contents of %s: %s", victim, strerror(errno));
	}
	int rc = drill_fs_each_entry(d, "remove the contents of", victim, move_entry,
				     &(struct move){vfd, hfd, victim});
	closedir(d);
	return rc;
}

int drill_trash_contents(struct drill_trash *t, const char *victim)
{
	/* Moving an entry out is deleting it: the guard's rule applies to the victim. */
	char *real = realpath(victim, NULL);
	if (!real)
		return drill_err(errno == ENOENT ? DRILL_ENOTFOUND : DRILL_EFAIL, "%s: %s", victim,
				 strerror(errno));
	int vfd = -1;
	if (!drill_fs_guard_allows(real)) {
		drill_err(DRILL_EINPUT, "refusing to delete the contents of %s (%s): outside the "
			  "workspace", victim, real);
		free(real);
		return DRILL_EINPUT;
	}
	vfd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	free(real);
	if (vfd < 0)
		return drill_err(DRILL_EFAIL, "%s: %s", victim, strerror(errno));
	char *holder = drill_xasprintf("%s/XXXXXX", t->dir);
	int rc = 0, hfd = -1;
	if (!mkdtemp(holder)) {
		rc = drill_err(DRILL_EFAIL, "trash %s: %s", holder, strerror(errno));
		free(holder);
		close(vfd);
		return rc;
	}
	hfd = open(holder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (hfd < 0)
		rc = drill_err(DRILL_EFAIL, "trash %s: %s", holder, strerror(errno));
	else
		rc = move_entries(vfd, hfd, victim);
	if (hfd >= 0)
		close(hfd);
	close(vfd);
	enqueue(t, holder); /* whatever was moved, even when not everything was */
	if (rc == 1)        /* another filesystem: rm -rf in place */
		rc = drill_fs_remove_contents(victim);
	return rc;
}

int drill_trash_close(struct drill_trash *t)
{
	if (!t)
		return 0;
	pthread_mutex_lock(&t->mu);
	t->closing = 1;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	int rc = t->rc;
	if (rc)
		drill_err(rc, "%s", t->msg);
	else
		rc = drill_fs_remove_tree(t->dir);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t->msg);
	free(t->dir);
	free(t);
	return rc;
}
