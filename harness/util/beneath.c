/* util/beneath.c — chaindrill's own files opened beneath a trusted directory, never through a
 * symbolic link (util/beneath.h).
 *
 * Directories are walked with O_PATH descriptors (no read permission needed to pass through), so
 * what is checked is what is used: each component is entered relative to the descriptor of the one
 * before, and a link swapped in after a check cannot redirect the open. openat2 does the same walk
 * in the kernel in one call; when it is missing (ENOSYS, or EPERM under a seccomp filter) or says a
 * link was in the way, the per-component walk runs, which also names the offending component. */
#include "util/beneath.h"

#include "util/bytes.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

static atomic_int walk_only;    /* tests */
static atomic_int no_openat2;   /* the kernel said it has none */

void drill_beneath_set_walk_only(int on)
{
	atomic_store(&walk_only, on);
}

/* The error for a failed open of `shown`: a full disk is the environment's. */
static int open_error(const char *shown, int err)
{
	if (err == ENOSPC || err == EDQUOT)
		return drill_err(DRILL_EENV, "%s: %s", shown, strerror(ENOSPC));
	return drill_err(DRILL_EFAIL, "%s: %s", shown, strerror(err));
}

/* After an open of `name` in `dfd` failed with `err`: the refusal when `name` is a link, else the
 * error itself. `shown` is the whole path, `at` the path up to and including `name`. */
static int refuse_or_error(int dfd, const char *name, const char *shown, const char *at,
			   const char *what, int err)
{
	struct stat sb;
	int seen = fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
	if (seen && S_ISLNK(sb.st_mode))
		return drill_err(DRILL_EINPUT, "%s%s%s is a symbolic link where chaindrill expects "
				 "its own %s; refusing to follow it", strcmp(shown, at) ? shown : "",
				 strcmp(shown, at) ? ": " : "", at, what);
	if (seen && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) /* a FIFO without a reader */
		return drill_err(DRILL_EINPUT, "%s: not a regular file where chaindrill expects its "
				 "own %s; refusing to open it", at, what);
	if (err == ENOTDIR)
		return drill_err(DRILL_EFAIL, "%s: %s is not a directory", shown, at);
	return open_error(shown, err);
}

/* The directory base/reldir as an O_PATH descriptor, walked one component at a time. */
static int walk_dir(int *out, const char *base, const char *reldir, int mkdirs, mode_t mode,
		    const char *shown)
{
	int fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return open_error(shown, errno);
	char *rel = drill_xstrdup(reldir);
	/* the path up to the component being entered, for messages */
	char *at = drill_xmalloc(strlen(base) + strlen(reldir) + 2);
	strcpy(at, base);
	int rc = 0;
	char *save = NULL;
	for (char *c = strtok_r(rel, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		strcat(strcat(at, "/"), c);
		if (!strcmp(c, "..")) {
			rc = drill_err(DRILL_EINPUT, "%s: `..` in a path chaindrill opens beneath %s",
				       shown, base);
			break;
		}
		if (mkdirs && mkdirat(fd, c, mode) != 0 && errno != EEXIST) {
			rc = open_error(at, errno);
			break;
		}
		int next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			rc = refuse_or_error(fd, c, shown, at, "directory", errno);
			break;
		}
		close(fd);
		fd = next;
	}
	free(rel);
	free(at);
	if (rc) {
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

/* The same in one openat2 call; 1 when the walk must decide (no openat2, a link or `..` in the
 * way, a directory to create). */
static int fast_dir(int *out, const char *base, const char *reldir, const char *shown)
{
	if (atomic_load(&walk_only) || atomic_load(&no_openat2) || !*reldir || strstr(reldir, ".."))
		return 1; /* the walk refuses `..` outright, where RESOLVE_BENEATH allows a/../b */
	int bfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0)
		return open_error(shown, errno);
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS};
	long fd = syscall(SYS_openat2, bfd, reldir, &how, sizeof(how));
	int err = errno;
	close(bfd);
	if (fd >= 0) {
		*out = (int)fd;
		return 0;
	}
	if (err == ENOSYS || err == EPERM || err == E2BIG || err == EINVAL)
		atomic_store(&no_openat2, 1);
	return 1;
}

static int open_dir(int *out, const char *base, const char *reldir, int mkdirs, mode_t mode,
		    const char *shown)
{
	int rc = fast_dir(out, base, reldir, shown);
	if (rc <= 0)
		return rc;
	return walk_dir(out, base, reldir, mkdirs, mode, shown);
}

/* Open `name` in the directory `dfd` without following a link; only a regular file (or, with
 * O_DIRECTORY, a directory) is accepted, and a FIFO never blocks the open. */
static int open_final(int dfd, const char *name, int flags, mode_t mode, const char *shown)
{
	int fd = openat(dfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode);
	if (fd < 0)
		return refuse_or_error(dfd, name, shown, shown,
				       (flags & O_DIRECTORY) ? "directory" : "file", errno);
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		int err = errno;
		close(fd);
		return open_error(shown, err);
	}
	if (!(flags & O_DIRECTORY) && !S_ISREG(sb.st_mode)) {
		close(fd);
		return drill_err(DRILL_EINPUT, "%s: not a regular file where chaindrill expects its "
				 "own file; refusing to open it", shown);
	}
	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
		int err = errno;
		close(fd);
		return open_error(shown, err);
	}
	return fd;
}

int drill_beneath_open(const char *base, const char *rel, int flags, mode_t mode)
{
	char *shown = drill_xasprintf("%s/%s", base, rel);
	char *dir = drill_xstrdup(rel);
	char *slash = strrchr(dir, '/');
	const char *name = slash ? rel + (slash - dir) + 1 : rel;
	if (slash)
		*slash = '\0';
	else
		dir[0] = '\0';
	int dfd = -1, rc;
	if (*rel == '/' || !*name || !strcmp(name, "..") || !strcmp(name, "."))
		rc = drill_err(DRILL_EINPUT, "%s: not a file name beneath %s", shown, base);
	else
		rc = open_dir(&dfd, base, dir, 0, 0, shown);
	if (!rc) {
		rc = open_final(dfd, name, flags, mode, shown);
		close(dfd);
	}
	free(dir);
	free(shown);
	return rc;
}

int drill_beneath_mkdir(const char *base, const char *rel, mode_t mode)
{
	char *shown = drill_xasprintf("%s/%s", base, rel);
	int fd = -1;
	int rc = open_dir(&fd, base, rel, 1, mode, shown);
	if (!rc)
		close(fd);
	free(shown);
	return rc;
}

/* --- Registered directories ------------------------------------------------------------------- */

#define ROOT_MAX 64
static pthread_mutex_t root_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	dev_t dev;
	ino_t ino;
} roots[ROOT_MAX];
static size_t root_n;

int drill_beneath_root_add(const char *dir)
{
	struct stat sb;
	if (stat(dir, &sb) != 0)
		return drill_err(DRILL_EINPUT, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return drill_err(DRILL_EINPUT, "%s: not a directory", dir);
	int rc = 0;
	pthread_mutex_lock(&root_mu);
	for (size_t i = 0; i < root_n; i++)
		if (roots[i].dev == sb.st_dev && roots[i].ino == sb.st_ino)
			goto unlock;
	if (root_n == ROOT_MAX) {
		rc = drill_err(DRILL_EFAIL, "more than %d workspace directories", ROOT_MAX);
		goto unlock;
	}
	roots[root_n].dev = sb.st_dev;
	roots[root_n].ino = sb.st_ino;
	root_n++;
unlock:
	pthread_mutex_unlock(&root_mu);
	return rc;
}

void drill_beneath_root_reset(void)
{
	pthread_mutex_lock(&root_mu);
	root_n = 0;
	pthread_mutex_unlock(&root_mu);
}

static int is_root(const struct stat *sb)
{
	int found = 0;
	pthread_mutex_lock(&root_mu);
	for (size_t i = 0; i < root_n && !found; i++)
		found = roots[i].dev == sb->st_dev && roots[i].ino == sb->st_ino;
	pthread_mutex_unlock(&root_mu);
	return found;
}

/* Split `path` (a copy, modified) at the shortest leading prefix that is a registered directory:
 * *base is that prefix, *rel the rest. 0 when no prefix is one. */
static int split(char *p, const char **base, const char **rel)
{
	pthread_mutex_lock(&root_mu);
	size_t n = root_n;
	pthread_mutex_unlock(&root_mu);
	if (!n)
		return 0;
	size_t len = strlen(p);
	for (size_t i = 0; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		if (i == 0 || p[i - 1] == '/')
			continue; /* "/" itself, or "//" */
		char saved = p[i];
		p[i] = '\0';
		struct stat sb;
		int exists = stat(p, &sb) == 0, hit = exists && is_root(&sb);
		if (hit) {
			*base = p;
			size_t r = i + (saved ? 1 : 0);
			while (r < len && p[r] == '/')
				r++;
			*rel = p + r;
			return 1;
		}
		p[i] = saved;
		if (!exists)
			return 0;
	}
	return 0;
}

int drill_beneath_open_path(const char *path, int flags, mode_t mode)
{
	char *p = drill_xstrdup(path);
	const char *base, *rel;
	int rc;
	if (split(p, &base, &rel)) {
		rc = drill_beneath_open(base, rel, flags, mode);
	} else {
		char *slash = strrchr(p, '/');
		if (!slash) {
			rc = drill_beneath_open(".", p, flags, mode);
		} else {
			*slash = '\0';
			rc = drill_beneath_open(slash == p ? "/" : p, slash + 1, flags, mode);
		}
		if (rc < 0 && !strncmp(drill_err_last(), "./", 2)) /* say what was asked for */
			drill_err(rc, "%s", drill_err_last() + 2);
	}
	free(p);
	return rc;
}

FILE *drill_beneath_fopen(const char *path, const char *mode)
{
	int plus = strchr(mode, '+') != NULL, flags;
	const char *m;
	switch (mode[0]) {
	case 'r': flags = plus ? O_RDWR : O_RDONLY; m = plus ? "r+" : "r"; break;
	case 'w': flags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC; m = plus ? "w+" : "w"; break;
	case 'a': flags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND; m = plus ? "a+" : "a"; break;
	default:
		drill_err(DRILL_EINPUT, "%s: bad fopen mode %s", path, mode);
		return NULL;
	}
	if (strchr(mode, 'x'))
		flags |= O_EXCL;
	int fd = drill_beneath_open_path(path, flags, 0644);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, m);
	if (!f) {
		drill_err(DRILL_EFAIL, "%s: %s", path, strerror(errno));
		close(fd);
	}
	return f;
}

int drill_beneath_parent(int *dirfd, size_t *name_off, const char *path)
{
	const char *slash = strrchr(path, '/');
	*name_off = slash ? (size_t)(slash - path) + 1 : 0;
	char *dir = slash ? drill_xasprintf("%.*s", (int)(slash - path), path) : drill_xstrdup(".");
	if (!*dir) {
		free(dir);
		dir = drill_xstrdup("/");
	}
	const char *base, *rel;
	int rc;
	if (split(dir, &base, &rel)) {
		rc = open_dir(dirfd, base, rel, 0, 0, path);
	} else {
		int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		rc = fd < 0 ? open_error(path, errno) : 0;
		if (fd >= 0)
			*dirfd = fd;
	}
	free(dir);
	return rc;
}

/* mkdir -p following links, for paths under no registered directory (the operator's). */
static int mkdir_p_plain(const char *path, mode_t mode)
{
	char *p = drill_xstrdup(path);
	int rc = 0;
	size_t len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST) {
			rc = errno == ENOSPC || errno == EDQUOT
				     ? drill_err(DRILL_EENV, "mkdir %s: %s", p, strerror(ENOSPC))
				     : drill_err(DRILL_EFAIL, "mkdir %s: %s", p, strerror(errno));
			goto cleanup;
		}
		struct stat sb;
		if (stat(p, &sb) != 0) {
			rc = drill_err(DRILL_EFAIL, "mkdir %s: %s", p, strerror(errno));
			goto cleanup;
		}
		if (!S_ISDIR(sb.st_mode)) {
			rc = drill_err(DRILL_EFAIL, "mkdir %s: exists and is not a directory", p);
			goto cleanup;
		}
		if (!saved)
			break;
		*s = saved;
	}
cleanup:
	free(p);
	return rc;
}

int drill_beneath_mkdir_path(const char *path, mode_t mode)
{
	if (!path || !*path)
		return drill_err(DRILL_EINPUT, "mkdir: empty path");
	char *p = drill_xstrdup(path);
	const char *base, *rel;
	int rc = split(p, &base, &rel) ? drill_beneath_mkdir(base, rel, mode)
				       : mkdir_p_plain(path, mode);
	free(p);
	return rc;
}
