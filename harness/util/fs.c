/* util/fs.c — files and trees: mkdir -p, whole-file reads, atomic writes, the guarded deletion
 * walk, and copies that keep what `cp -a` / `cp -r -L -p` keep.
 *
 * Deletion never follows a symbolic link: the walk works on directory file descriptors
 * (openat/unlinkat with O_NOFOLLOW), so a link inside the tree is unlinked, not entered, whatever
 * it points to. The guard decides on the target's real path; for a symbolic link, a dangling or
 * not-yet-existing path it decides on the real path of the parent plus the last name, since that
 * name is what gets removed. */
#include "util/fs.h"

#include "util/beneath.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/proc.h"
#include "util/progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/fs.h>

#define IO_CHUNK (256 * 1024)

/* --- Small things ------------------------------------------------------------------------------ */

int drill_fs_mkdir_p(const char *path, mode_t mode)
{
	return drill_beneath_mkdir_path(path, mode);
}

int drill_fs_exists(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0;
}

int drill_fs_is_dir(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

char *drill_fs_resolve_beside(const char *file, const char *rel)
{
	if (rel[0] == '/')
		return drill_xstrdup(rel);
	const char *slash = strrchr(file, '/');
	char *dir = slash ? drill_xasprintf("%.*s", (int)(slash - file), file) : drill_xstrdup(".");
	char *joined = drill_xasprintf("%s/%s", dir, rel); /* a file in / gives "/rel" */
	free(dir);
	if (joined[0] == '/')
		return joined;
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		return joined;
	char *abs = drill_xasprintf("%s/%s", cwd, joined);
	free(joined);
	return abs;
}

int drill_fs_read_file(char **out, size_t *len, const char *path, size_t limit)
{
	*out = NULL;
	if (len)
		*len = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return drill_err(errno == ENOENT ? DRILL_ENOTFOUND : DRILL_EFAIL, "%s: %s", path,
				 strerror(errno));
	int rc = drill_fs_input_fd(fd, path);
	if (rc) {
		close(fd);
		return rc;
	}
	size_t cap = 4096, n = 0;
	char *buf = drill_xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = drill_xrealloc(buf, cap + 1);
		}
		size_t want = cap - n; /* >= 1, and n <= limit here */
		if (want - 1 > limit - n) /* read one byte past the limit to see whether it is */
			want = limit - n + 1;
		ssize_t r = read(fd, buf + n, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = drill_err(DRILL_EFAIL, "%s: %s", path, strerror(errno));
			goto cleanup;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > limit) {
			rc = drill_err(DRILL_EFAIL, "%s: larger than %zu bytes", path, limit);
			goto cleanup;
		}
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	if (len)
		*len = n;
cleanup:
	free(buf);
	close(fd);
	return rc;
}

int drill_fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The file is created beside `path` and renamed over it, both relative to the descriptor of its
 * directory opened by util/beneath.h: a link planted at `path` is replaced, never followed, and
 * one on the way to it is refused. */
int drill_fs_write_atomic(const char *path, const void *data, size_t len)
{
	int dfd = -1, fd = -1;
	size_t off = 0;
	char *tmp = NULL;
	int rc = drill_beneath_parent(&dfd, &off, path);
	if (rc)
		return rc;
	const char *name = path + off;
	struct stat sb;
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode)) {
		rc = drill_err(DRILL_EINPUT, "%s is a symbolic link where chaindrill expects its own "
			       "file; refusing to replace it", path);
		goto cleanup;
	}
	tmp = drill_xasprintf("%s.tmp.%d", name, (int)getpid());
	if (unlinkat(dfd, tmp, 0) != 0 && errno != ENOENT) { /* a crashed writer's, same pid */
		rc = drill_err(DRILL_EFAIL, "%s.tmp.%d: %s", path, (int)getpid(), strerror(errno));
		goto cleanup;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	int bad = fd < 0 || drill_fs_write_all(fd, data, len) != 0 || fsync(fd) != 0;
	int err = errno;
	if (fd >= 0 && close(fd) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	if (bad) {
		rc = err == ENOSPC || err == EDQUOT
			     ? drill_err(DRILL_EENV, "%s: %s", path, strerror(ENOSPC))
			     : drill_err(DRILL_EFAIL, "%s.tmp.%d: %s", path, (int)getpid(), strerror(err));
		unlinkat(dfd, tmp, 0);
		goto cleanup;
	}
	if (renameat(dfd, tmp, dfd, name) != 0) {
		rc = drill_err(DRILL_EFAIL, "rename %s.tmp.%d to %s: %s", path, (int)getpid(), path,
			       strerror(errno));
		unlinkat(dfd, tmp, 0);
		goto cleanup;
	}
	int sfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* durable rename; best effort */
	if (sfd >= 0) {
		fsync(sfd);
		close(sfd);
	}
cleanup:
	free(tmp);
	close(dfd);
	return rc;
}

/* --- Deletion guard ---------------------------------------------------------------------------- */

#define GUARD_MAX 64
static pthread_mutex_t guard_mu = PTHREAD_MUTEX_INITIALIZER;
static char *guard_roots[GUARD_MAX];
static size_t guard_n;

int drill_fs_guard_add(const char *root)
{
	char *real = realpath(root, NULL);
	if (!real)
		return drill_err(DRILL_EINPUT, "deletion guard: %s: %s", root, strerror(errno));
	if (!drill_fs_is_dir(real)) {
		free(real);
		return drill_err(DRILL_EINPUT, "deletion guard: %s: not a directory", root);
	}
	int rc = drill_beneath_root_add(real); /* its insides are opened without following links */
	if (rc) {
		free(real);
		return rc;
	}
	pthread_mutex_lock(&guard_mu);
	for (size_t i = 0; i < guard_n; i++)
		if (!strcmp(guard_roots[i], real))
			goto unlock;
	if (guard_n == GUARD_MAX) {
		rc = drill_err(DRILL_EFAIL, "deletion guard: more than %d roots", GUARD_MAX);
		goto unlock;
	}
	guard_roots[guard_n++] = real;
	real = NULL;
unlock:
	pthread_mutex_unlock(&guard_mu);
	free(real);
	return rc;
}

void drill_fs_guard_reset(void)
{
	pthread_mutex_lock(&guard_mu);
	for (size_t i = 0; i < guard_n; i++) {
		free(guard_roots[i]);
		guard_roots[i] = NULL;
	}
	guard_n = 0;
	pthread_mutex_unlock(&guard_mu);
	drill_beneath_root_reset();
}

/* 2 if `real` equals a root, 1 if it lies strictly inside one, 0 otherwise. */
static int guard_match(const char *real)
{
	int best = 0;
	pthread_mutex_lock(&guard_mu);
	for (size_t i = 0; i < guard_n && best < 2; i++) {
		const char *r = guard_roots[i];
		size_t n = strlen(r);
		if (!strcmp(real, r))
			best = 2;
		else if (n == 1 && r[0] == '/' && real[0] == '/' && real[1])
			best = 1;
		else if (!strncmp(real, r, n) && real[n] == '/' && real[n + 1])
			best = 1;
	}
	pthread_mutex_unlock(&guard_mu);
	return best;
}

/* Split `path` (trailing slashes dropped) into its parent's real path and the last name.
 * The name is NULL when the path's last component is "." or ".." or the path is "/". */
static int split_resolve(char **parent_real, char **name, const char *path)
{
	*parent_real = NULL;
	*name = NULL;
	char *p = drill_xstrdup(path);
	size_t len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	char *slash = strrchr(p, '/');
	const char *base = slash ? slash + 1 : p;
	int rc = 0;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		free(p);
		return 0;
	}
	char *dir = slash ? (slash == p ? drill_xstrdup("/") : drill_xasprintf("%.*s",
				(int)(slash - p), p)) : drill_xstrdup(".");
	*parent_real = realpath(dir, NULL);
	if (!*parent_real)
		rc = drill_err(errno == ENOENT ? DRILL_ENOTFOUND : DRILL_EFAIL, "%s: %s", dir,
			       strerror(errno));
	else
		*name = drill_xstrdup(base);
	free(dir);
	free(p);
	return rc;
}

/* What deleting `path` would remove, as a real path: the target's realpath, or for a symlink,
 * a dangling or absent path, the parent's realpath plus the name. *exists says whether it does. */
static int resolve_target(char **real, int *exists, const char *path)
{
	struct stat sb;
	*real = NULL;
	*exists = lstat(path, &sb) == 0;
	if (*exists && !S_ISLNK(sb.st_mode)) {
		*real = realpath(path, NULL);
		if (!*real)
			return drill_err(DRILL_EFAIL, "%s: %s", path, strerror(errno));
		return 0;
	}
	char *parent = NULL, *name = NULL;
	int rc = split_resolve(&parent, &name, path);
	if (rc)
		return rc;
	if (!name) { /* "x/.." that does not exist: nothing to judge */
		*real = realpath(path, NULL);
		rc = *real ? 0 : drill_err(DRILL_EFAIL, "%s: %s", path, strerror(errno));
	} else {
		*real = strcmp(parent, "/") ? drill_xasprintf("%s/%s", parent, name)
					    : drill_xasprintf("/%s", name);
	}
	free(parent);
	free(name);
	return rc;
}

int drill_fs_guard_allows(const char *path)
{
	char *real = NULL;
	int exists = 0;
	if (resolve_target(&real, &exists, path) != 0)
		return 0;
	int ok = guard_match(real) == 1;
	free(real);
	return ok;
}

int drill_fs_each_entry(DIR *d, const char *what, const char *shown,
			int (*fn)(const char *name, void *arg), void *arg)
{
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(d);
		if (!e)
			return errno ? drill_err(DRILL_EFAIL, "%s %s: %s", what, shown, strerror(errno))
				     : 0;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		int rc = fn(e->d_name, arg);
		if (rc)
			return rc;
	}
}

/* --- Deletion walk ------------------------------------------------------------------------------ */

static int rm_contents_fd(int dfd, const char *shown);

/* Remove entry `name` of directory dfd; `shown` is its path for messages. */
static int rm_at(int dfd, const char *name, const char *shown)
{
	struct stat sb;
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return 0;
		return drill_err(DRILL_EFAIL, "remove %s: %s", shown, strerror(errno));
	}
	if (S_ISDIR(sb.st_mode)) {
		int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return drill_err(DRILL_EFAIL, "remove %s: %s", shown, strerror(errno));
		int rc = rm_contents_fd(fd, shown); /* closes fd */
		if (rc)
			return rc;
		if (unlinkat(dfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
			return drill_err(DRILL_EFAIL, "remove %s: %s", shown, strerror(errno));
		return 0;
	}
	if (unlinkat(dfd, name, 0) != 0 && errno != ENOENT)
		return drill_err(DRILL_EFAIL, "remove %s: %s", shown, strerror(errno));
	return 0;
}

struct rm_dir {
	int dfd;
	const char *shown;
};

static int rm_entry(const char *name, void *arg)
{
	struct rm_dir *r = arg;
	char *sub = drill_xasprintf("%s/%s", r->shown, name);
	int rc = rm_at(r->dfd, name, sub);
	free(sub);
	return rc;
}

/* Remove every entry of the directory open on dfd; takes ownership of dfd. */
static int rm_contents_fd(int dfd, const char *shown)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		int rc = drill_err(DRILL_EFAIL, "remove %s: %s", shown, strerror(errno));
		close(dfd);
		return rc;
	}
	int rc = drill_fs_each_entry(d, "remove", shown, rm_entry,
				     &(struct rm_dir){dirfd(d), shown});
	closedir(d);
	return rc;
}

int drill_fs_remove_tree(const char *path)
{
	char *real = NULL, *parent = NULL, *name = NULL;
	int exists = 0, dfd = -1;
	int rc = resolve_target(&real, &exists, path);
	if (rc == DRILL_ENOTFOUND) /* the parent is absent, so the path is too */
		rc = 0, exists = 0;
	if (rc)
		goto cleanup;
	if (real && guard_match(real) != 1) {
		rc = drill_err(DRILL_EINPUT, "refusing to delete %s (%s): outside the workspace",
			       path, real);
		goto cleanup;
	}
	if (!exists)
		goto cleanup;
	/* Work from the parent's directory descriptor on the resolved name. */
	char *slash = strrchr(real, '/');
	parent = slash == real ? drill_xstrdup("/") : drill_xasprintf("%.*s", (int)(slash - real),
								       real);
	name = drill_xstrdup(slash + 1);
	dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = drill_err(DRILL_EFAIL, "remove %s: %s", path, strerror(errno));
		goto cleanup;
	}
	rc = rm_at(dfd, name, path);
cleanup:
	if (dfd >= 0)
		close(dfd);
	free(real);
	free(parent);
	free(name);
	return rc;
}

int drill_fs_remove_contents(const char *dir)
{
	/* The entries must lie strictly inside a root, so the directory may be a root itself. */
	char *real = realpath(dir, NULL);
	int rc = 0;
	if (!real)
		return drill_err(errno == ENOENT ? DRILL_ENOTFOUND : DRILL_EFAIL, "%s: %s", dir,
				 strerror(errno));
	if (!guard_match(real)) {
		rc = drill_err(DRILL_EINPUT, "refusing to delete the contents of %s (%s): outside "
			       "the workspace", dir, real);
		goto cleanup;
	}
	int fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = drill_err(DRILL_EFAIL, "remove %s: %s", dir, strerror(errno));
		goto cleanup;
	}
	rc = rm_contents_fd(fd, dir);
cleanup:
	free(real);
	return rc;
}

/* --- Copies ------------------------------------------------------------------------------------- */

/* (dev, ino) → first destination path, for files with more than one link. */
struct link_ent {
	dev_t dev;
	ino_t ino;
	char *dst;
	struct link_ent *next;
};

#define LINK_BUCKETS 1024

struct copy_ctx {
	const struct drill_copy_opts *o;
	struct link_ent *links[LINK_BUCKETS];
	/* directories being copied, to refuse a cycle through followed links */
	struct {
		dev_t dev;
		ino_t ino;
	} *stack;
	size_t depth, stack_cap;
	uint64_t bytes, files;
	char *buf;
	char *confine; /* realpath of o->confine, or NULL */
};

static size_t link_hash(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9E3779B97F4A7C15ull ^ (uint64_t)dev;
	return (size_t)(h >> 20) % LINK_BUCKETS;
}

struct drill_fs_links {
	pthread_mutex_t mu;
	struct shared_ent {
		dev_t dev;
		ino_t ino;
		unsigned long nlink, met;
		char *path;
		struct shared_ent *next;
	} *b[LINK_BUCKETS];
};

struct drill_fs_links *drill_fs_links_new(void)
{
	struct drill_fs_links *l = drill_xcalloc(1, sizeof(*l));
	pthread_mutex_init(&l->mu, NULL);
	return l;
}

void drill_fs_links_free(struct drill_fs_links *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < LINK_BUCKETS; i++)
		for (struct shared_ent *e = l->b[i], *next; e; e = next) {
			next = e->next;
			free(e->path);
			free(e);
		}
	pthread_mutex_destroy(&l->mu);
	free(l);
}

static void links_met(struct drill_fs_links *l, const struct stat *sb, const char *path)
{
	size_t h = link_hash(sb->st_dev, sb->st_ino);
	pthread_mutex_lock(&l->mu);
	struct shared_ent *e = l->b[h];
	while (e && !(e->dev == sb->st_dev && e->ino == sb->st_ino))
		e = e->next;
	if (!e) {
		e = drill_xcalloc(1, sizeof(*e));
		*e = (struct shared_ent){sb->st_dev, sb->st_ino, sb->st_nlink, 0,
					 drill_xstrdup(path), l->b[h]};
		l->b[h] = e;
	}
	e->met++;
	pthread_mutex_unlock(&l->mu);
}

size_t drill_fs_links_shared(struct drill_fs_links *l,
			     void (*fn)(const char *path, unsigned long nlink, unsigned long met,
					void *arg),
			     void *arg)
{
	size_t n = 0;
	pthread_mutex_lock(&l->mu);
	for (size_t i = 0; i < LINK_BUCKETS; i++)
		for (struct shared_ent *e = l->b[i]; e; e = e->next) {
			/* read the count again: a live database's compaction may have removed one
			 * of its names since (a link made meanwhile is reported, which is rare) */
			struct stat sb;
			unsigned long nlink = e->nlink;
			if (lstat(e->path, &sb) == 0 && sb.st_dev == e->dev && sb.st_ino == e->ino)
				nlink = sb.st_nlink;
			if (nlink > e->met) {
				n++;
				if (fn)
					fn(e->path, nlink, e->met, arg);
			}
		}
	pthread_mutex_unlock(&l->mu);
	return n;
}

static const char *link_find(struct copy_ctx *c, dev_t dev, ino_t ino)
{
	for (struct link_ent *e = c->links[link_hash(dev, ino)]; e; e = e->next)
		if (e->dev == dev && e->ino == ino)
			return e->dst;
	return NULL;
}

static void link_add(struct copy_ctx *c, dev_t dev, ino_t ino, const char *dst)
{
	struct link_ent *e = drill_xmalloc(sizeof(*e));
	size_t h = link_hash(dev, ino);
	*e = (struct link_ent){dev, ino, drill_xstrdup(dst), c->links[h]};
	c->links[h] = e;
}

static void ctx_free(struct copy_ctx *c)
{
	for (size_t i = 0; i < LINK_BUCKETS; i++) {
		struct link_ent *e = c->links[i];
		while (e) {
			struct link_ent *next = e->next;
			free(e->dst);
			free(e);
			e = next;
		}
		c->links[i] = NULL;
	}
	free(c->stack);
	free(c->buf);
	free(c->confine);
}

static int copy_err(const char *src, const char *dst, const char *what, int err)
{
	return drill_err(DRILL_EFAIL, "copy %s to %s: %s: %s", src, dst, what, strerror(err));
}

static void (*copy_hook)(enum drill_fs_hook_point at, const char *src, void *arg);
static void *copy_hook_arg;

void drill_fs_set_copy_hook(void (*fn)(enum drill_fs_hook_point at, const char *src, void *arg),
			    void *arg)
{
	copy_hook = fn;
	copy_hook_arg = arg;
}

int drill_fs_copy_hook_set(void)
{
	return copy_hook != NULL;
}

static void run_hook(enum drill_fs_hook_point at, const char *src)
{
	if (copy_hook)
		copy_hook(at, src, copy_hook_arg);
}

/* Whether failing with `err` means the entry being copied vanished and is to be skipped
 * (skip_vanished). depth > 0: the entry came from a directory listing, it is not the top. */
static int vanished(const struct copy_ctx *c, int err)
{
	return c->o->skip_vanished && err == ENOENT && c->depth > 0;
}

/* The file's bytes: FICLONE, else copy_file_range, else read/write. */
static int copy_data(struct copy_ctx *c, int sfd, int dfd, const char *src, const char *dst,
		     uint64_t *copied)
{
	struct stat sb;
	if (fstat(sfd, &sb) != 0)
		return copy_err(src, dst, "stat", errno);
	if (ioctl(dfd, FICLONE, sfd) == 0) {
		*copied = (uint64_t)sb.st_size;
		return 0;
	}
	uint64_t total = 0;
	int use_cfr = 1;
	while (use_cfr) {
		ssize_t n = copy_file_range(sfd, NULL, dfd, NULL, 1 << 30, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP ||
			      errno == EINVAL || errno == EPERM || errno == ETXTBSY)) {
			use_cfr = 0; /* carry on with read/write from the current offsets */
			break;
		}
		if (n < 0)
			return copy_err(src, dst, "copy_file_range", errno);
		if (n == 0) {
			*copied = total;
			return 0;
		}
		total += (uint64_t)n;
	}
	if (!c->buf)
		c->buf = drill_xmalloc(IO_CHUNK);
	for (;;) {
		ssize_t r = read(sfd, c->buf, IO_CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return copy_err(src, dst, "read", errno);
		if (r == 0)
			break;
		if (drill_fs_write_all(dfd, c->buf, (size_t)r) != 0)
			return copy_err(src, dst, "write", errno);
		total += (uint64_t)r;
	}
	*copied = total;
	return 0;
}

/* Owner, then mode (chown may clear set-id bits), then times; on an open descriptor. */
static int apply_attrs_fd(struct copy_ctx *c, int fd, const struct stat *sb, const char *src,
			  const char *dst)
{
	if (c->o->keep_owner && fchown(fd, sb->st_uid, sb->st_gid) != 0 && errno != EPERM &&
	    errno != EINVAL)
		return copy_err(src, dst, "chown", errno);
	if (c->o->keep_mode && fchmod(fd, sb->st_mode & 07777) != 0)
		return copy_err(src, dst, "chmod", errno);
	if (c->o->keep_times) {
		struct timespec ts[2] = {sb->st_atim, sb->st_mtim};
		if (futimens(fd, ts) != 0)
			return copy_err(src, dst, "set times", errno);
	}
	return 0;
}

static int copy_regular(struct copy_ctx *c, const char *src, const char *dst,
			const struct stat *sb)
{
	int oflags = O_RDONLY | O_CLOEXEC | (c->o->follow_links ? 0 : O_NOFOLLOW);
	int sfd = open(src, oflags), dfd = -1, rc = 0;
	if (sfd < 0)
		return vanished(c, errno) ? 0 : copy_err(src, dst, "open", errno);
	dfd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, sb->st_mode & 0777);
	if (dfd < 0) {
		rc = copy_err(src, dst, "create", errno);
		goto cleanup;
	}
	uint64_t n = 0;
	rc = copy_data(c, sfd, dfd, src, dst, &n);
	if (!rc)
		rc = apply_attrs_fd(c, dfd, sb, src, dst);
	if (rc)
		goto cleanup;
	if (close(dfd) != 0) {
		dfd = -1;
		rc = copy_err(src, dst, "close", errno);
		goto cleanup;
	}
	dfd = -1;
	c->bytes += n;
	c->files++;
	drill_progress_add(c->o->progress, n);
cleanup:
	if (dfd >= 0)
		close(dfd);
	close(sfd);
	return rc;
}

static int copy_symlink(struct copy_ctx *c, const char *src, const char *dst,
			const struct stat *sb)
{
	size_t cap = (size_t)sb->st_size + 1 > 64 ? (size_t)sb->st_size + 1 : 64;
	char *target = NULL;
	ssize_t n;
	for (;;) {
		target = drill_xrealloc(target, cap);
		n = readlink(src, target, cap);
		if (n < 0) {
			int rc = vanished(c, errno) ? 0 : copy_err(src, dst, "readlink", errno);
			free(target);
			return rc;
		}
		if ((size_t)n < cap)
			break;
		cap *= 2;
	}
	target[n] = '\0';
	int rc = 0;
	if (symlink(target, dst) != 0) {
		rc = copy_err(src, dst, "symlink", errno);
		goto cleanup;
	}
	if (c->o->keep_owner && lchown(dst, sb->st_uid, sb->st_gid) != 0 && errno != EPERM &&
	    errno != EINVAL) {
		rc = copy_err(src, dst, "chown", errno);
		goto cleanup;
	}
	if (c->o->keep_times) {
		struct timespec ts[2] = {sb->st_atim, sb->st_mtim};
		if (utimensat(AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW) != 0 && errno != EOPNOTSUPP) {
			rc = copy_err(src, dst, "set times", errno);
			goto cleanup;
		}
	}
	c->files++;
cleanup:
	free(target);
	return rc;
}

static int copy_special(struct copy_ctx *c, const char *src, const char *dst,
			const struct stat *sb)
{
	if (mknod(dst, (sb->st_mode & S_IFMT) | (sb->st_mode & 0777), sb->st_rdev) != 0)
		return copy_err(src, dst, "mknod", errno);
	if (c->o->keep_owner && lchown(dst, sb->st_uid, sb->st_gid) != 0 && errno != EPERM &&
	    errno != EINVAL)
		return copy_err(src, dst, "chown", errno);
	if (c->o->keep_mode && chmod(dst, sb->st_mode & 07777) != 0)
		return copy_err(src, dst, "chmod", errno);
	if (c->o->keep_times) {
		struct timespec ts[2] = {sb->st_atim, sb->st_mtim};
		if (utimensat(AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW) != 0)
			return copy_err(src, dst, "set times", errno);
	}
	c->files++;
	return 0;
}

static int copy_entry(struct copy_ctx *c, const char *src, const char *dst);

struct copy_dir {
	struct copy_ctx *c;
	const char *src, *dst;
};

static int copy_dir_entry(const char *name, void *arg)
{
	struct copy_dir *cd = arg;
	char *s = drill_xasprintf("%s/%s", cd->src, name);
	char *t = drill_xasprintf("%s/%s", cd->dst, name);
	int rc = copy_entry(cd->c, s, t);
	free(s);
	free(t);
	return rc;
}

/* Copy the entries of directory src, open as d (closed here), into directory dst. */
static int copy_dir_entries(struct copy_ctx *c, DIR *d, const char *src, const char *dst)
{
	int rc = drill_fs_each_entry(d, "copy", src, copy_dir_entry,
				     &(struct copy_dir){c, src, dst});
	closedir(d);
	return rc;
}

static int dir_on_stack(struct copy_ctx *c, const struct stat *sb)
{
	for (size_t i = 0; i < c->depth; i++)
		if (c->stack[i].dev == sb->st_dev && c->stack[i].ino == sb->st_ino)
			return 1;
	return 0;
}

static void dir_push(struct copy_ctx *c, const struct stat *sb)
{
	if (c->depth == c->stack_cap) {
		c->stack_cap = c->stack_cap ? 2 * c->stack_cap : 32;
		c->stack = drill_xrealloc(c->stack, c->stack_cap * sizeof(*c->stack));
	}
	c->stack[c->depth].dev = sb->st_dev;
	c->stack[c->depth].ino = sb->st_ino;
	c->depth++;
}

/* Set a copied directory's attributes, after its contents (so its times stay). */
static int finish_dir(struct copy_ctx *c, const char *src, const char *dst, const struct stat *sb)
{
	int fd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return copy_err(src, dst, "open", errno);
	int rc = 0;
	if (!c->o->keep_mode && (sb->st_mode & 0700) != 0700) {
		/* created with u+rwx so it could be filled; take back what src lacks */
		struct stat cur;
		if (fstat(fd, &cur) != 0 ||
		    fchmod(fd, (cur.st_mode & 07777) & ~(0700 & ~sb->st_mode)) != 0)
			rc = copy_err(src, dst, "chmod", errno);
	}
	if (!rc)
		rc = apply_attrs_fd(c, fd, sb, src, dst);
	close(fd);
	return rc;
}

static int copy_dir(struct copy_ctx *c, const char *src, const char *dst, const struct stat *sb,
		    int merge)
{
	if (dir_on_stack(c, sb))
		return drill_err(DRILL_EFAIL, "copy %s: a symbolic link loop leads back to an "
				 "enclosing directory", src);
	/* listed before dst is made, so a directory that vanished leaves nothing behind */
	DIR *d = opendir(src);
	if (!d)
		return vanished(c, errno) ? 0 : copy_err(src, dst, "opendir", errno);
	if (!merge && mkdir(dst, (sb->st_mode & 0777) | 0700) != 0) {
		int rc = copy_err(src, dst, "mkdir", errno);
		closedir(d);
		return rc;
	}
	dir_push(c, sb);
	int rc = copy_dir_entries(c, d, src, dst);
	c->depth--;
	if (!rc)
		rc = finish_dir(c, src, dst, sb);
	return rc;
}

/* 1 if real path `real` is `root` or lies below it (both real paths). */
static int path_within(const char *real, const char *root)
{
	size_t n = strlen(root);
	return !strcmp(real, root) || (!strncmp(real, root, n) && (real[n] == '/' || n == 1));
}

/* Under follow_links with a confinement root: refuse a symbolic link whose real target lies
 * outside it, before it is followed. Not a link, or no root: nothing to check. */
static int check_link_confined(struct copy_ctx *c, const char *src)
{
	struct stat lb;
	if (!c->confine || !c->o->follow_links || lstat(src, &lb) != 0 || !S_ISLNK(lb.st_mode))
		return 0;
	char *real = realpath(src, NULL);
	if (!real) /* dangling: the stat that follows says so */
		return 0;
	int rc = 0;
	if (!path_within(real, c->confine)) {
		char target[PATH_MAX];
		ssize_t n = readlink(src, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		int differs = strcmp(target, real) != 0; /* relative, or through other links */
		rc = drill_err(DRILL_EINPUT, "symbolic link %s points to %s%s%s%s, outside the "
			       "volume %s: refusing to follow it (cp -L would copy what it points "
			       "to)", src, target, differs ? " (resolved: " : "", differs ? real : "",
			       differs ? ")" : "", c->confine);
	}
	free(real);
	return rc;
}

/* Set up the confinement root of a copy: its real path, and the source must lie inside it. */
static int confine_init(struct copy_ctx *c, const char *src)
{
	if (!c->o->confine || !c->o->follow_links)
		return 0;
	c->confine = realpath(c->o->confine, NULL);
	if (!c->confine)
		return drill_err(DRILL_EFAIL, "copy %s: %s: %s", src, c->o->confine,
				 strerror(errno));
	int rc = check_link_confined(c, src);
	char *rs = rc ? NULL : realpath(src, NULL);
	if (rs && !path_within(rs, c->confine))
		rc = drill_err(DRILL_EINPUT, "copy %s: it lies at %s, outside the volume %s", src,
			       rs, c->confine);
	free(rs);
	return rc;
}

static int copy_entry(struct copy_ctx *c, const char *src, const char *dst)
{
	struct stat sb;
	run_hook(DRILL_FS_HOOK_LISTED, src);
	int rc0 = check_link_confined(c, src);
	if (rc0)
		return rc0;
	int r = c->o->follow_links ? stat(src, &sb) : lstat(src, &sb);
	if (r != 0) {
		int err = errno;
		/* under -L, ENOENT may be a dangling link rather than a vanished entry */
		if (vanished(c, err) && !(c->o->follow_links && lstat(src, &sb) == 0))
			return 0;
		return drill_err(DRILL_EFAIL, "copy %s: %s", src, strerror(err));
	}
	run_hook(DRILL_FS_HOOK_EXAMINED, src);
	/* Into a directory that has entries already (copy_contents), as cp does: directories
	 * merge, anything else is replaced (unlinked first, so its other hard links keep it). */
	struct stat db;
	int merge = 0;
	if (lstat(dst, &db) == 0) {
		if (S_ISDIR(db.st_mode) && !S_ISDIR(sb.st_mode))
			return drill_err(DRILL_EFAIL, "copy %s to %s: cannot overwrite a directory "
					 "with a non-directory", src, dst);
		if (S_ISDIR(db.st_mode))
			merge = 1;
		else if (unlink(dst) != 0)
			return copy_err(src, dst, "unlink", errno);
	}
	if (S_ISDIR(sb.st_mode))
		return copy_dir(c, src, dst, &sb, merge);
	if (S_ISLNK(sb.st_mode))
		return copy_symlink(c, src, dst, &sb);
	if (c->o->links && S_ISREG(sb.st_mode) && sb.st_nlink > 1)
		links_met(c->o->links, &sb, src);
	if (c->o->keep_hardlinks && sb.st_nlink > 1) {
		const char *first = link_find(c, sb.st_dev, sb.st_ino);
		if (first) {
			if (link(first, dst) != 0)
				return copy_err(src, dst, "link", errno);
			c->files++;
			return 0;
		}
	}
	int rc = S_ISREG(sb.st_mode) ? copy_regular(c, src, dst, &sb)
				     : copy_special(c, src, dst, &sb);
	/* Only a copy that exists can be linked to: a file that vanished was skipped, and its other
	 * names (a checkpoint's hard link to a live SST that compaction deleted) are copied. */
	struct stat made;
	if (!rc && c->o->keep_hardlinks && sb.st_nlink > 1 && lstat(dst, &made) == 0)
		link_add(c, sb.st_dev, sb.st_ino, dst);
	return rc;
}

/* Refuse to copy a directory into itself (the copy would never end). */
static int check_not_inside(const char *src, const char *dst_dir)
{
	char *rs = realpath(src, NULL), *rd = realpath(dst_dir, NULL);
	int rc = 0;
	if (rs && rd) {
		if (path_within(rd, rs))
			rc = drill_err(DRILL_EINPUT, "copy %s to %s: cannot copy a directory into "
				       "itself", src, dst_dir);
	}
	free(rs);
	free(rd);
	return rc;
}

static void report_counts(const struct copy_ctx *c, const struct drill_copy_opts *o)
{
	if (o->bytes_copied)
		*o->bytes_copied += c->bytes;
	if (o->files_copied)
		*o->files_copied += c->files;
}

int drill_fs_copy_tree(const char *src, const char *dst, const struct drill_copy_opts *o)
{
	struct copy_ctx c = {.o = o};
	struct stat sb;
	int rc = 0;
	if (lstat(dst, &sb) == 0) {
		rc = drill_err(DRILL_EFAIL, "copy %s to %s: the destination exists already", src, dst);
		goto cleanup;
	}
	char *parent = NULL, *name = NULL;
	rc = split_resolve(&parent, &name, dst);
	if (rc || !name) {
		if (!rc)
			rc = drill_err(DRILL_EINPUT, "copy %s to %s: bad destination", src, dst);
		else
			drill_err_wrap(rc, "copy %s to %s", src, dst);
		free(parent);
		free(name);
		goto cleanup;
	}
	rc = check_not_inside(src, parent);
	free(parent);
	free(name);
	if (!rc)
		rc = confine_init(&c, src);
	if (!rc)
		rc = copy_entry(&c, src, dst);
cleanup:
	report_counts(&c, o);
	ctx_free(&c);
	return rc;
}

int drill_fs_copy_contents(const char *src, const char *dst, const struct drill_copy_opts *o)
{
	struct copy_ctx c = {.o = o};
	int rc = 0;
	if (!drill_fs_is_dir(src)) {
		rc = drill_err(DRILL_EFAIL, "copy %s: not a directory", src);
		goto cleanup;
	}
	if (!drill_fs_is_dir(dst)) {
		rc = drill_err(DRILL_EFAIL, "copy to %s: not a directory", dst);
		goto cleanup;
	}
	rc = check_not_inside(src, dst);
	if (!rc)
		rc = confine_init(&c, src);
	if (rc)
		goto cleanup;
	struct stat sb;
	DIR *d = opendir(src);
	if (!d || fstat(dirfd(d), &sb) != 0) {
		rc = drill_err(DRILL_EFAIL, "copy %s: %s", src, strerror(errno));
		if (d)
			closedir(d);
		goto cleanup;
	}
	dir_push(&c, &sb);
	rc = copy_dir_entries(&c, d, src, dst);
cleanup:
	report_counts(&c, o);
	ctx_free(&c);
	return rc;
}

/* --- Sizes -------------------------------------------------------------------------------------- */

/* The bytes under path. A tree may change while it is measured (a live RocksDB directory drops
 * the SSTs a compaction replaced): an entry that vanishes between readdir and lstat or opendir
 * counts nothing, as it no longer takes room; only a missing `path` itself (top) is an error. */
static int size_walk(struct copy_ctx *c, const char *path, int top)
{
	struct stat sb;
	if (lstat(path, &sb) != 0)
		return !top && errno == ENOENT ? 0 : drill_err(DRILL_EFAIL, "%s: %s", path,
								strerror(errno));
	if (S_ISREG(sb.st_mode)) {
		/* a file with several links counts once, as du does */
		if (sb.st_nlink > 1) {
			if (link_find(c, sb.st_dev, sb.st_ino))
				return 0;
			link_add(c, sb.st_dev, sb.st_ino, "");
		}
		c->bytes += (uint64_t)sb.st_size;
		return 0;
	}
	if (!S_ISDIR(sb.st_mode))
		return 0;
	DIR *d = opendir(path);
	if (!d)
		return !top && errno == ENOENT ? 0 : drill_err(DRILL_EFAIL, "%s: %s", path,
								strerror(errno));
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *sub = drill_xasprintf("%s/%s", path, e->d_name);
		rc = size_walk(c, sub, 0);
		free(sub);
	}
	closedir(d);
	return rc;
}

int drill_fs_tree_size(uint64_t *bytes, const char *path)
{
	struct copy_ctx c = {0};
	int rc = size_walk(&c, path, 1);
	*bytes = rc ? 0 : c.bytes;
	ctx_free(&c);
	return rc;
}

/* From the installed binary's directory to its data (cmake/install.cmake sets it). */
#ifndef CHAINDRILL_DATADIR_REL
#define CHAINDRILL_DATADIR_REL "../share/chaindrill"
#endif

char *drill_fs_data_path(const char *rel)
{
	if (drill_fs_is_dir(rel))
		return drill_xstrdup(rel);
	const char *exe = drill_proc_self_exe();
	if (exe) {
		char *copy = drill_xstrdup(exe);
		char *installed = drill_xasprintf("%s/%s/%s", dirname(copy), CHAINDRILL_DATADIR_REL, rel);
		free(copy);
		if (drill_fs_is_dir(installed))
			return installed;
		free(installed);
	}
	return drill_xstrdup(rel);
}

/* What a file that is not a regular one is, for the message that refuses it. */
static const char *file_kind(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISDIR(m) ? "a directory" : S_ISCHR(m) ? "a character device"
	       : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

int drill_fs_input_fd(int fd, const char *path)
{
	struct stat sb;
	if (fstat(fd, &sb) != 0)
		return drill_err(DRILL_EFAIL, "%s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return drill_err(DRILL_EINPUT, "%s: %s, not a regular file; refusing to read it", path,
				 file_kind(sb.st_mode));
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0)
		return drill_err(DRILL_EFAIL, "%s: %s", path, strerror(errno));
	return 0;
}
