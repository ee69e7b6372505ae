/* tests/test_util_fs.c — util/fs: mkdir -p, bounded reads, atomic writes, the deletion guard and
 * the removals it guards, attribute-keeping tree copies (cp -a, cp -r -L -p, live copies that skip
 * vanished entries) and tree sizes. Runs as root: ownership is checked with chown to uid 1234. */
#include "helpers.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- helpers -------------------------------------------------------------------------------- */

static char *at(const char *dir, const char *rel)
{
	return drill_xasprintf("%s/%s", dir, rel);
}

static void put(const char *dir, const char *rel, const void *data, size_t len, mode_t mode)
{
	char *p = at(dir, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		fail_msg("create %s: %s", p, strerror(errno));
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	free(p);
}

static void put_str(const char *dir, const char *rel, const char *s)
{
	put(dir, rel, s, strlen(s), 0644);
}

static void mk(const char *dir, const char *rel, mode_t mode)
{
	char *p = at(dir, rel);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chmod(p, mode), 0);
	free(p);
}

static void sym(const char *dir, const char *rel, const char *target)
{
	char *p = at(dir, rel);
	assert_int_equal(symlink(target, p), 0);
	free(p);
}

static void set_times(const char *dir, const char *rel, time_t a, long ans, time_t m, long mns)
{
	char *p = at(dir, rel);
	struct timespec ts[2] = {{a, ans}, {m, mns}};
	assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
	free(p);
}

static struct stat lst(const char *dir, const char *rel)
{
	char *p = rel ? at(dir, rel) : drill_xstrdup(dir);
	struct stat sb;
	if (lstat(p, &sb) != 0)
		fail_msg("lstat %s: %s", p, strerror(errno));
	free(p);
	return sb;
}

static int exists(const char *dir, const char *rel)
{
	char *p = at(dir, rel);
	int e = drill_fs_exists(p);
	free(p);
	return e;
}

static char *slurp(const char *dir, const char *rel, size_t *len)
{
	char *p = rel ? at(dir, rel) : drill_xstrdup(dir);
	char *s = NULL;
	size_t n = 0;
	if (drill_fs_read_file(&s, &n, p, 64u << 20) != 0)
		fail_msg("read %s: %s", p, drill_err_last());
	free(p);
	if (len)
		*len = n;
	return s;
}

static void assert_content(const char *dir, const char *rel, const char *want)
{
	size_t n;
	char *s = slurp(dir, rel, &n);
	assert_int_equal(n, strlen(want));
	assert_string_equal(s, want);
	free(s);
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static uint64_t fnv1a(const char *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)data[i]) * 0x100000001b3ull;
	return h;
}

/* --- snapshots: every entry under a tree as one line, sorted -------------------------------- */

struct listing {
	char **line;
	size_t n, cap;
};

static void list_add(struct listing *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		l->line = drill_xrealloc(l->line, l->cap * sizeof(char *));
	}
	l->line[l->n++] = s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "rel type mode uid:gid mtime [nlink size content-hash | -> target]" for each entry. Directories'
 * sizes and link counts depend on the filesystem, so they are left out. */
static void list_tree(struct listing *l, const char *root, const char *rel)
{
	char *path = rel[0] ? at(root, rel) : drill_xstrdup(root);
	struct stat sb;
	assert_int_equal(lstat(path, &sb), 0);
	char *head = drill_xasprintf("%s %o %o %u:%u %lld.%09ld", rel[0] ? rel : ".",
				     (unsigned)(sb.st_mode & S_IFMT) >> 12,
				     (unsigned)(sb.st_mode & 07777), (unsigned)sb.st_uid,
				     (unsigned)sb.st_gid, (long long)sb.st_mtim.tv_sec,
				     sb.st_mtim.tv_nsec);
	if (S_ISREG(sb.st_mode)) {
		size_t n;
		char *data = slurp(path, NULL, &n);
		assert_int_equal(n, (size_t)sb.st_size);
		list_add(l, drill_xasprintf("%s n%lu %zu %016llx", head, (unsigned long)sb.st_nlink,
					    n, (unsigned long long)fnv1a(data, n)));
		free(data);
	} else if (S_ISLNK(sb.st_mode)) {
		char target[4096];
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		assert_true(n >= 0);
		target[n] = '\0';
		list_add(l, drill_xasprintf("%s -> %s", head, target));
	} else if (S_ISDIR(sb.st_mode)) {
		list_add(l, drill_xstrdup(head));
		DIR *d = opendir(path);
		assert_non_null(d);
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char *r = rel[0] ? drill_xasprintf("%s/%s", rel, e->d_name)
					 : drill_xstrdup(e->d_name);
			list_tree(l, root, r);
			free(r);
		}
		closedir(d);
	} else {
		list_add(l, drill_xasprintf("%s n%lu", head, (unsigned long)sb.st_nlink));
	}
	free(head);
	free(path);
}

/* Directory times are read before any file is read, since reading can move atimes only. */
static char *snapshot(const char *root)
{
	struct listing l = {0};
	list_tree(&l, root, "");
	qsort(l.line, l.n, sizeof(char *), cmp_str);
	size_t total = 1;
	for (size_t i = 0; i < l.n; i++)
		total += strlen(l.line[i]) + 1;
	char *out = drill_xmalloc(total), *p = out;
	for (size_t i = 0; i < l.n; i++) {
		p += sprintf(p, "%s\n", l.line[i]);
		free(l.line[i]);
	}
	*p = '\0';
	free(l.line);
	return out;
}

/* --- the source tree the copy tests use ------------------------------------------------------ */

#define BIG_LEN ((size_t)3 * 1024 * 1024 + 123)
#define SPARSE_LEN ((off_t)8 * 1024 * 1024)
#define EXEC_TEXT "#!/bin/sh\necho hi\n"

/* Bytes that differ from offset to offset, so a chunk copied twice or out of order shows. */
static char *pattern(size_t len, uint32_t seed)
{
	char *b = drill_xmalloc(len);
	uint32_t x = seed;
	for (size_t i = 0; i < len; i++) {
		x = x * 1664525u + 1013904223u;
		b[i] = (char)(x >> 24);
	}
	return b;
}

/* src/
 *   a.txt "alpha" 0640, atime 1500000000.987654321, mtime 1600000000.123456789
 *   exec.sh 0755, ro.txt 0400, empty (0 bytes), suid 04755 owned by 1234:5678,
 *   owned.txt 0600 owned by 1234:5678, big (3 MiB + 123, patterned), sparse (8 MiB, two writes)
 *   hard1 == sub/hard2 (one inode)
 *   sub/ 0750, sub/deep/ 0755, sub/deep/f.txt "deep"
 *   emptydir/ 0500
 *   link_rel -> a.txt (owned by 1234:1234, its own times), link_dir -> sub,
 *   dangling -> no/such/target, fifo 0620
 * Regular-file bytes, each inode once: see fixture_bytes(). Non-directory entries: 15. */
static void make_fixture(const char *src)
{
	assert_int_equal(mkdir(src, 0755), 0);
	put_str(src, "a.txt", "alpha");
	char *p = at(src, "a.txt");
	assert_int_equal(chmod(p, 0640), 0);
	free(p);
	put(src, "exec.sh", EXEC_TEXT, strlen(EXEC_TEXT), 0755);
	put(src, "ro.txt", "readonly", 8, 0400);
	put(src, "empty", "", 0, 0644);
	put(src, "suid", "s", 1, 0755);
	p = at(src, "suid");
	assert_int_equal(chown(p, 1234, 5678), 0);
	assert_int_equal(chmod(p, 04755), 0); /* after chown, which clears set-id bits */
	free(p);
	put(src, "owned.txt", "owned", 5, 0600);
	p = at(src, "owned.txt");
	assert_int_equal(chown(p, 1234, 5678), 0);
	free(p);
	char *big = pattern(BIG_LEN, 7);
	put(src, "big", big, BIG_LEN, 0644);
	free(big);
	p = at(src, "sparse");
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, SPARSE_LEN), 0);
	assert_int_equal(pwrite(fd, "start", 5, 0), 5);
	assert_int_equal(pwrite(fd, "middle", 6, 5 * 1024 * 1024 + 17), 6);
	assert_int_equal(close(fd), 0);
	free(p);
	put_str(src, "hard1", "linked");
	mk(src, "sub", 0750);
	mk(src, "sub/deep", 0755);
	put_str(src, "sub/deep/f.txt", "deep");
	char *h1 = at(src, "hard1"), *h2 = at(src, "sub/hard2");
	assert_int_equal(link(h1, h2), 0);
	free(h1);
	free(h2);
	mk(src, "emptydir", 0500);
	sym(src, "link_rel", "a.txt");
	p = at(src, "link_rel");
	assert_int_equal(lchown(p, 1234, 1234), 0);
	free(p);
	sym(src, "link_dir", "sub");
	sym(src, "dangling", "no/such/target");
	p = at(src, "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(chmod(p, 0620), 0);
	free(p);
	/* times last, directories after their contents */
	set_times(src, "a.txt", 1500000000, 987654321, 1600000000, 123456789);
	set_times(src, "link_rel", 1500000001, 1, 1600000001, 999999999);
	set_times(src, "sub/deep", 1400000000, 0, 1400000000, 5);
	set_times(src, "sub", 1400000000, 0, 1400000001, 500000000);
	set_times(src, "emptydir", 1300000000, 0, 1300000000, 42);
	struct timespec ts[2] = {{1200000000, 0}, {1200000000, 7}};
	assert_int_equal(utimensat(AT_FDCWD, src, ts, 0), 0);
}

static uint64_t fixture_bytes(void)
{
	return 5 + strlen(EXEC_TEXT) + 8 + 0 + 1 + 5 + BIG_LEN + (uint64_t)SPARSE_LEN + 6 + 4;
}

#define FIXTURE_FILES 15

/* --- mkdir_p, read_file, write_atomic -------------------------------------------------------- */

static void test_resolve_beside(void **state)
{
	(void)state;
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	char *p = drill_fs_resolve_beside("/etc/s.yaml", "/usr/bin/x");
	assert_string_equal(p, "/usr/bin/x");
	free(p);
	p = drill_fs_resolve_beside("/srv/scen/s.yaml", "plugins/v.sh");
	assert_string_equal(p, "/srv/scen/plugins/v.sh");
	free(p);
	p = drill_fs_resolve_beside("/s.yaml", "v.sh");
	assert_string_equal(p, "/v.sh");
	free(p);
	char *want = drill_xasprintf("%s/scen/../v.sh", cwd);
	p = drill_fs_resolve_beside("scen/s.yaml", "../v.sh");
	assert_string_equal(p, want);
	free(p);
	free(want);
	want = drill_xasprintf("%s/./v.sh", cwd);
	p = drill_fs_resolve_beside("s.yaml", "v.sh");
	assert_string_equal(p, want);
	free(p);
	free(want);
}

static void test_mkdir_p(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("mkdir_p");
	char *p = at(dir, "a/b/c");
	assert_drill_ok(drill_fs_mkdir_p(p, 0750));
	assert_true(drill_fs_is_dir(p));
	assert_int_equal(lst(p, NULL).st_mode & 07777, 0750);
	assert_int_equal(lst(dir, "a").st_mode & 07777, 0750); /* the parents it made too */
	assert_drill_ok(drill_fs_mkdir_p(p, 0700));           /* existing is fine, mode untouched */
	assert_int_equal(lst(p, NULL).st_mode & 07777, 0750);
	free(p);

	p = at(dir, "x/y///");
	assert_drill_ok(drill_fs_mkdir_p(p, 0755));
	assert_true(exists(dir, "x/y"));
	free(p);

	/* through a symbolic link to a directory: refused beneath a registered directory (the
	 * scratch directory is one, as a workspace is; util/beneath.h), followed elsewhere */
	sym(dir, "ln", "x");
	p = at(dir, "ln/z");
	assert_int_equal(drill_fs_mkdir_p(p, 0755), DRILL_EINPUT);
	assert_non_null(strstr(drill_err_last(), "/ln is a symbolic link"));
	assert_false(exists(dir, "x/z"));
	drill_fs_guard_reset();
	assert_drill_ok(drill_fs_mkdir_p(p, 0755));
	assert_true(exists(dir, "x/z"));
	assert_drill_ok(drill_fs_guard_add(dir));
	free(p);

	/* a file in the way, in the middle or at the end */
	put_str(dir, "file", "f");
	p = at(dir, "file/sub");
	assert_int_equal(drill_fs_mkdir_p(p, 0755), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "file"));
	free(p);
	p = at(dir, "file");
	assert_int_equal(drill_fs_mkdir_p(p, 0755), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "not a directory"));
	free(p);
	assert_int_equal(drill_fs_mkdir_p("", 0755), DRILL_EINPUT);
	assert_drill_ok(drill_fs_mkdir_p("/", 0755));

	/* relative */
	int cwd = open(".", O_RDONLY | O_DIRECTORY);
	assert_true(cwd >= 0);
	assert_int_equal(chdir(dir), 0);
	assert_drill_ok(drill_fs_mkdir_p("rel/one", 0755));
	assert_int_equal(fchdir(cwd), 0);
	close(cwd);
	assert_true(exists(dir, "rel/one"));
	assert_false(drill_fs_is_dir("/no/such/dir/anywhere"));
	assert_false(drill_fs_exists("/no/such/dir/anywhere"));
	free(dir);
}

static void test_read_file(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("read_file");
	char *p = at(dir, "ten");
	put(dir, "ten", "0123\0" "56789", 10, 0644);
	char *s = (char *)1;
	size_t n = 99;
	/* exactly at the limit, embedded NUL kept, NUL-terminated */
	assert_drill_ok(drill_fs_read_file(&s, &n, p, 10));
	assert_int_equal(n, 10);
	assert_memory_equal(s, "0123\0" "56789", 10);
	assert_int_equal(s[10], '\0');
	free(s);
	/* one byte short */
	s = (char *)1;
	n = 99;
	assert_int_equal(drill_fs_read_file(&s, &n, p, 9), DRILL_EFAIL);
	assert_null(s);
	assert_int_equal(n, 0);
	assert_non_null(strstr(drill_err_last(), "larger than 9 bytes"));
	assert_int_equal(drill_fs_read_file(&s, NULL, p, 0), DRILL_EFAIL);
	/* len is optional; no limit at all */
	assert_drill_ok(drill_fs_read_file(&s, NULL, p, SIZE_MAX));
	assert_memory_equal(s, "0123\0" "56789", 10);
	free(s);
	free(p);

	/* empty */
	put(dir, "empty", "", 0, 0644);
	p = at(dir, "empty");
	assert_drill_ok(drill_fs_read_file(&s, &n, p, 0));
	assert_non_null(s);
	assert_int_equal(n, 0);
	assert_string_equal(s, "");
	free(s);
	free(p);

	/* larger than the first buffer: limits around the size, and SIZE_MAX */
	const size_t big = 100000;
	char *data = pattern(big, 3);
	put(dir, "big", data, big, 0644);
	p = at(dir, "big");
	assert_drill_ok(drill_fs_read_file(&s, &n, p, big));
	assert_int_equal(n, big);
	assert_memory_equal(s, data, big);
	free(s);
	assert_int_equal(drill_fs_read_file(&s, &n, p, big - 1), DRILL_EFAIL);
	assert_int_equal(drill_fs_read_file(&s, &n, p, 4096), DRILL_EFAIL);
	assert_drill_ok(drill_fs_read_file(&s, &n, p, SIZE_MAX));
	assert_int_equal(n, big);
	assert_memory_equal(s, data, big);
	free(s);
	assert_drill_ok(drill_fs_read_file(&s, &n, p, SIZE_MAX - 1));
	assert_int_equal(n, big);
	free(s);
	free(p);
	free(data);

	/* absent, a directory */
	p = at(dir, "absent");
	assert_int_equal(drill_fs_read_file(&s, &n, p, 100), DRILL_ENOTFOUND);
	assert_null(s);
	assert_non_null(strstr(drill_err_last(), p));
	free(p);
	assert_int_equal(drill_fs_read_file(&s, &n, dir, 100), DRILL_EINPUT);
	assert_null(s);
	assert_non_null(strstr(drill_err_last(), "a directory, not a regular file"));
	/* a FIFO nobody writes: refused at once, not read (which would wait forever) */
	p = at(dir, "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(drill_fs_read_file(&s, &n, p, 100), DRILL_EINPUT);
	assert_null(s);
	char *want = drill_xasprintf("%s: a FIFO, not a regular file; refusing to read it", p);
	assert_string_equal(drill_err_last(), want);
	free(want);
	free(p);
	assert_int_equal(drill_fs_read_file(&s, &n, "/dev/null", 100), DRILL_EINPUT);
	assert_non_null(strstr(drill_err_last(), "/dev/null: a character device"));
	free(dir);
}

static void test_write_atomic(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("write_atomic");
	char *p = at(dir, "f");
	assert_drill_ok(drill_fs_write_atomic(p, "first", 5));
	assert_content(dir, "f", "first");
	assert_int_equal(lst(p, NULL).st_mode & 0777, 0644);

	/* a reader holding the old file (here: a second link to it) keeps the old bytes whole */
	char *keep = at(dir, "keep");
	assert_int_equal(link(p, keep), 0);
	ino_t old = lst(p, NULL).st_ino;
	assert_drill_ok(drill_fs_write_atomic(p, "second, longer", 14));
	assert_content(dir, "f", "second, longer");
	assert_content(dir, "keep", "first");
	assert_true(lst(p, NULL).st_ino != old);

	assert_drill_ok(drill_fs_write_atomic(p, "", 0));
	assert_content(dir, "f", "");
	assert_int_equal(count_entries(dir), 2); /* no temporary file left */

	char *bad = at(dir, "no/such/dir/f");
	assert_int_equal(drill_fs_write_atomic(bad, "x", 1), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "no/such/dir"));
	/* over a directory: the rename fails and the temporary file goes */
	char *d = at(dir, "adir");
	assert_int_equal(mkdir(d, 0755), 0);
	assert_int_equal(drill_fs_write_atomic(d, "x", 1), DRILL_EFAIL);
	assert_true(drill_fs_is_dir(d));
	assert_int_equal(count_entries(dir), 3);
	free(d);
	free(bad);
	free(keep);
	free(p);
	free(dir);
}

/* --- the deletion guard ------------------------------------------------------------------------ */

/* dir/root (the only root) with root/a/b/file and root/sub; dir/outside/f; dir/rootx/f, whose
 * name shares root's prefix. */
static void guard_layout(const char *dir, char **root, char **outside)
{
	*root = at(dir, "root");
	*outside = at(dir, "outside");
	mk(dir, "root", 0755);
	mk(dir, "root/a", 0755);
	mk(dir, "root/a/b", 0755);
	put_str(dir, "root/a/b/file", "in");
	mk(dir, "root/sub", 0755);
	mk(dir, "outside", 0755);
	put_str(dir, "outside/f", "precious");
	mk(dir, "rootx", 0755);
	put_str(dir, "rootx/f", "precious too");
	drill_fs_guard_reset();
	assert_drill_ok(drill_fs_guard_add(*root));
	assert_drill_ok(drill_fs_guard_add(*root)); /* twice is once */
}

static void assert_untouched(const char *dir)
{
	assert_content(dir, "outside/f", "precious");
	assert_content(dir, "rootx/f", "precious too");
	assert_content(dir, "root/a/b/file", "in");
	assert_true(drill_fs_is_dir(dir));
}

static void test_guard_decisions(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("guard_decisions");
	char *root, *outside;
	guard_layout(dir, &root, &outside);
	char *p;
#define ALLOWS(rel, want)                                                                          \
	do {                                                                                       \
		p = at(dir, rel);                                                                  \
		if (drill_fs_guard_allows(p) != (want))                                            \
			fail_msg("guard_allows(%s) != %d", p, want);                               \
		free(p);                                                                           \
	} while (0)
	ALLOWS("root/a", 1);
	ALLOWS("root/a/b/file", 1);
	ALLOWS("root/not-yet", 1);
	ALLOWS("root/", 0);
	ALLOWS("root", 0);
	ALLOWS("root/.", 0);
	ALLOWS("root/a/..", 0);
	ALLOWS("root/..", 0);
	ALLOWS("root/../outside", 0);
	ALLOWS("root/a/../../outside/f", 0);
	ALLOWS("outside", 0);
	ALLOWS("outside/f", 0);
	ALLOWS("rootx", 0);
	ALLOWS("rootx/f", 0);
	ALLOWS("", 0);
	assert_int_equal(drill_fs_guard_allows(dir), 0);
	assert_int_equal(drill_fs_guard_allows("/"), 0);
	assert_int_equal(drill_fs_guard_allows("/etc/passwd"), 0);
	/* a symbolic link inside: the link itself may go; what lies beyond it may not */
	sym(dir, "root/esc", "../outside");
	ALLOWS("root/esc", 1);
	ALLOWS("root/esc/", 0);
	ALLOWS("root/esc/f", 0);
	ALLOWS("root/esc/..", 0);
	/* a root given through a symbolic link is stored as its real path */
	sym(dir, "root-link", "root");
	p = at(dir, "root-link");
	drill_fs_guard_reset();
	assert_drill_ok(drill_fs_guard_add(p));
	free(p);
	ALLOWS("root/a", 1);
	ALLOWS("root-link/a", 1);
	ALLOWS("root-link", 0); /* the link itself is a name in dir, outside the root */
	drill_fs_guard_reset();
	ALLOWS("root/a", 0); /* no roots, nothing allowed */
	/* bad roots */
	p = at(dir, "absent");
	assert_int_equal(drill_fs_guard_add(p), DRILL_EINPUT);
	free(p);
	p = at(dir, "outside/f");
	assert_int_equal(drill_fs_guard_add(p), DRILL_EINPUT);
	free(p);
	/* "/" as a root allows anything below it, never "/" itself (only asked, nothing removed) */
	assert_drill_ok(drill_fs_guard_add("/"));
	assert_int_equal(drill_fs_guard_allows("/etc"), 1);
	assert_int_equal(drill_fs_guard_allows("/"), 0);
	assert_int_equal(drill_fs_guard_allows("//"), 0);
	drill_fs_guard_reset();
#undef ALLOWS
	free(root);
	free(outside);
	free(dir);
}

static void test_guard_refuses(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("guard_refuses");
	char *root, *outside;
	guard_layout(dir, &root, &outside);
	sym(dir, "root/esc", "../outside");
	sym(dir, "root/esc-abs", outside);
	char *p;
#define REFUSED(rel)                                                                               \
	do {                                                                                       \
		p = at(dir, rel);                                                                  \
		int rc_ = drill_fs_remove_tree(p);                                                 \
		if (rc_ != DRILL_EINPUT)                                                           \
			fail_msg("remove_tree(%s) returned %d, not DRILL_EINPUT", p, rc_);         \
		assert_non_null(strstr(drill_err_last(), "refusing"));                             \
		free(p);                                                                           \
		assert_untouched(dir);                                                             \
	} while (0)
	REFUSED("root");
	REFUSED("root/");
	REFUSED("root/.");
	REFUSED("root/a/..");
	REFUSED("root/..");
	REFUSED("outside");
	REFUSED("outside/f");
	REFUSED("rootx");
	REFUSED("root/../outside");
	REFUSED("root/a/b/../../../outside/f");
	REFUSED("root/esc/");
	REFUSED("root/esc/f");
	REFUSED("root/esc-abs/f");
	REFUSED("root/esc/..");
	assert_int_equal(drill_fs_remove_tree(dir), DRILL_EINPUT);
	assert_untouched(dir);
	assert_true(exists(dir, "root/esc"));
	/* contents: a root's own contents may go, an outside directory's may not, and a link
	 * inside that leads outside is judged by where it leads */
	assert_int_equal(drill_fs_remove_contents(outside), DRILL_EINPUT);
	p = at(dir, "root/esc");
	assert_int_equal(drill_fs_remove_contents(p), DRILL_EINPUT);
	free(p);
	assert_int_equal(drill_fs_remove_contents(dir), DRILL_EINPUT);
	assert_untouched(dir);
	/* relative paths are resolved from the working directory */
	int cwd = open(".", O_RDONLY | O_DIRECTORY);
	assert_true(cwd >= 0);
	assert_int_equal(chdir(root), 0);
	assert_int_equal(drill_fs_remove_tree("../outside"), DRILL_EINPUT);
	assert_int_equal(drill_fs_remove_tree("."), DRILL_EINPUT);
	assert_int_equal(drill_fs_remove_tree(".."), DRILL_EINPUT);
	assert_int_equal(drill_fs_remove_tree("esc/f"), DRILL_EINPUT);
	assert_drill_ok(drill_fs_remove_tree("sub"));
	assert_int_equal(fchdir(cwd), 0);
	close(cwd);
	assert_false(exists(dir, "root/sub"));
	assert_untouched(dir);
	/* without roots, nothing */
	drill_fs_guard_reset();
	p = at(dir, "root/a");
	assert_int_equal(drill_fs_remove_tree(p), DRILL_EINPUT);
	free(p);
	assert_int_equal(drill_fs_remove_contents(root), DRILL_EINPUT);
	assert_untouched(dir);
#undef REFUSED
	free(root);
	free(outside);
	free(dir);
}

static void test_guard_allows_inside(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("guard_allows");
	char *root, *outside;
	guard_layout(dir, &root, &outside);
	/* a link inside that leads outside is unlinked, never followed: not at the top, not below */
	sym(dir, "root/esc", "../outside");
	sym(dir, "root/a/esc-abs", outside);
	char *p = at(dir, "root/esc");
	assert_drill_ok(drill_fs_remove_tree(p));
	assert_false(exists(dir, "root/esc"));
	free(p);
	p = at(dir, "root/a");
	assert_drill_ok(drill_fs_remove_tree(p));
	assert_false(exists(dir, "root/a"));
	free(p);
	assert_content(dir, "outside/f", "precious");
	/* absent, and absent below an absent parent: nothing to do */
	p = at(dir, "root/absent");
	assert_drill_ok(drill_fs_remove_tree(p));
	free(p);
	p = at(dir, "root/absent/deeper");
	assert_drill_ok(drill_fs_remove_tree(p));
	free(p);
	assert_true(drill_fs_is_dir(root));
	assert_int_equal(count_entries(root), 1);
	free(root);
	free(outside);
	free(dir);
}

/* --- removal ------------------------------------------------------------------------------------ */

static void test_remove_tree(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("remove_tree");
	/* everything a tree can hold, including a directory without write permission, a deep
	 * chain and a symbolic-link loop */
	char *t = at(dir, "t");
	make_fixture(t);
	sym(t, "loop", ".");
	char *ro = at(t, "sub/deep");
	assert_int_equal(chmod(ro, 0500), 0);
	free(ro);
	char *deep = at(t, "chain");
	for (int i = 0; i < 100; i++) {
		assert_int_equal(mkdir(deep, 0755), 0);
		char *next = at(deep, "d");
		free(deep);
		deep = next;
	}
	free(deep);
	assert_drill_ok(drill_fs_remove_tree(t));
	assert_false(drill_fs_exists(t));
	assert_int_equal(count_entries(dir), 0);
	assert_drill_ok(drill_fs_remove_tree(t)); /* absent is fine */

	/* a file, a dangling link */
	put_str(dir, "file", "x");
	sym(dir, "dangling", "nowhere");
	char *p = at(dir, "file");
	assert_drill_ok(drill_fs_remove_tree(p));
	free(p);
	p = at(dir, "dangling");
	assert_drill_ok(drill_fs_remove_tree(p));
	free(p);
	assert_int_equal(count_entries(dir), 0);
	free(t);
	free(dir);
}

static void test_remove_contents(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("remove_contents");
	char *t = at(dir, "t");
	make_fixture(t);
	assert_int_equal(chmod(t, 0711), 0);
	/* a link to a file outside the tree: the link goes, the file stays */
	put_str(dir, "target", "stays");
	char *target = at(dir, "target");
	sym(t, "out", target);
	free(target);
	assert_drill_ok(drill_fs_remove_contents(t));
	assert_true(drill_fs_is_dir(t));
	assert_int_equal(count_entries(t), 0);
	assert_int_equal(lst(t, NULL).st_mode & 07777, 0711);
	assert_content(dir, "target", "stays");
	assert_drill_ok(drill_fs_remove_contents(t)); /* empty already */
	/* the scratch directory (a root) may be emptied too */
	assert_drill_ok(drill_fs_remove_contents(dir));
	assert_int_equal(count_entries(dir), 0);
	assert_int_equal(drill_fs_remove_contents(t), DRILL_ENOTFOUND);
	free(t);
	free(dir);
}

/* --- copies ------------------------------------------------------------------------------------- */

static void test_copy_archive(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("copy_archive");
	char *src = at(dir, "src"), *dst = at(dir, "dst");
	make_fixture(src);
	uint64_t bytes = 0, files = 0;
	struct drill_copy_opts o = DRILL_COPY_ARCHIVE;
	o.bytes_copied = &bytes;
	o.files_copied = &files;
	assert_drill_ok(drill_fs_copy_tree(src, dst, &o));

	/* atime, before anything reads the copy */
	struct stat a = lst(dst, "a.txt");
	assert_int_equal(a.st_atim.tv_sec, 1500000000);
	assert_int_equal(a.st_atim.tv_nsec, 987654321);
	assert_int_equal(a.st_mtim.tv_sec, 1600000000);
	assert_int_equal(a.st_mtim.tv_nsec, 123456789);

	/* every entry: type, mode, owner, mtime (ns), link count, size, content, link target */
	char *want = snapshot(src), *got = snapshot(dst);
	assert_string_equal(got, want);
	free(want);
	free(got);

	/* spot checks, should the snapshot itself be wrong */
	assert_int_equal(lst(dst, "suid").st_mode & 07777, 04755);
	assert_int_equal(lst(dst, "suid").st_uid, 1234);
	assert_int_equal(lst(dst, "owned.txt").st_uid, 1234);
	assert_int_equal(lst(dst, "owned.txt").st_gid, 5678);
	assert_int_equal(lst(dst, "link_rel").st_uid, 1234);
	assert_true(S_ISLNK(lst(dst, "link_rel").st_mode));
	assert_true(S_ISLNK(lst(dst, "link_dir").st_mode));
	assert_true(S_ISLNK(lst(dst, "dangling").st_mode));
	assert_true(S_ISFIFO(lst(dst, "fifo").st_mode));
	assert_int_equal(lst(dst, "emptydir").st_mode & 07777, 0500);
	assert_int_equal(lst(dst, "sub").st_mtim.tv_nsec, 500000000);
	assert_int_equal(lst(dst, NULL).st_mtim.tv_nsec, 7);
	/* hard links: one inode in dst, not src's */
	struct stat h1 = lst(dst, "hard1"), h2 = lst(dst, "sub/hard2");
	assert_true(h1.st_ino == h2.st_ino);
	assert_int_equal(h1.st_nlink, 2);
	assert_true(h1.st_ino != lst(src, "hard1").st_ino);
	/* the big and the sparse file, byte for byte */
	size_t n1, n2;
	char *s1 = slurp(src, "big", &n1), *s2 = slurp(dst, "big", &n2);
	assert_int_equal(n1, BIG_LEN);
	assert_int_equal(n2, BIG_LEN);
	assert_memory_equal(s1, s2, BIG_LEN);
	free(s1);
	free(s2);
	s1 = slurp(src, "sparse", &n1);
	s2 = slurp(dst, "sparse", &n2);
	assert_int_equal(n2, (size_t)SPARSE_LEN);
	assert_memory_equal(s1, s2, n1);
	assert_memory_equal(s2 + 5 * 1024 * 1024 + 17, "middle", 6);
	free(s1);
	free(s2);

	/* counters: each inode's bytes once (what tree_size says), every non-directory */
	uint64_t size = 0;
	assert_drill_ok(drill_fs_tree_size(&size, src));
	assert_true(size == fixture_bytes());
	assert_true(bytes == fixture_bytes());
	assert_true(files == FIXTURE_FILES);
	/* they are added to, so one pair totals several copies */
	char *dst2 = at(dir, "dst2");
	assert_drill_ok(drill_fs_copy_tree(src, dst2, &o));
	assert_true(bytes == 2 * fixture_bytes());
	assert_true(files == 2 * FIXTURE_FILES);
	/* and are optional */
	char *dst3 = at(dir, "dst3");
	struct drill_copy_opts plain = DRILL_COPY_ARCHIVE;
	assert_drill_ok(drill_fs_copy_tree(src, dst3, &plain));
	free(dst3);
	free(dst2);
	free(src);
	free(dst);
	free(dir);
}

static void test_copy_follow_links(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("copy_follow");
	char *src = at(dir, "src"), *dst = at(dir, "dst");
	make_fixture(src);
	char *p = at(src, "dangling");
	assert_int_equal(unlink(p), 0);
	free(p);
	uint64_t bytes = 0, files = 0;
	struct drill_copy_opts o = DRILL_COPY_RUNBOOK;
	o.bytes_copied = &bytes;
	o.files_copied = &files;
	assert_drill_ok(drill_fs_copy_tree(src, dst, &o));

	/* links are replaced by what they point to, with its attributes */
	struct stat l = lst(dst, "link_rel"), a = lst(src, "a.txt");
	assert_true(S_ISREG(l.st_mode));
	assert_int_equal(l.st_mode & 07777, 0640);
	assert_int_equal(l.st_mtim.tv_sec, a.st_mtim.tv_sec);
	assert_int_equal(l.st_mtim.tv_nsec, a.st_mtim.tv_nsec);
	assert_int_equal(l.st_uid, 0); /* a.txt's owner, not the link's 1234 */
	assert_content(dst, "link_rel", "alpha");
	struct stat d = lst(dst, "link_dir");
	assert_true(S_ISDIR(d.st_mode));
	assert_int_equal(d.st_mode & 07777, 0750);
	assert_int_equal(d.st_mtim.tv_nsec, 500000000);
	assert_content(dst, "link_dir/deep/f.txt", "deep");
	assert_content(dst, "link_dir/hard2", "linked");
	/* hard links are not kept: three separate files */
	ino_t i1 = lst(dst, "hard1").st_ino, i2 = lst(dst, "sub/hard2").st_ino;
	ino_t i3 = lst(dst, "link_dir/hard2").st_ino;
	assert_true(i1 != i2 && i2 != i3 && i1 != i3);
	assert_int_equal(lst(dst, "hard1").st_nlink, 1);
	/* what -p keeps is kept */
	assert_int_equal(lst(dst, "suid").st_mode & 07777, 04755);
	assert_int_equal(lst(dst, "owned.txt").st_uid, 1234);
	assert_int_equal(lst(dst, "sub/deep").st_mtim.tv_nsec, 5);
	assert_true(S_ISFIFO(lst(dst, "fifo").st_mode));
	/* 13 non-directories at the top level and in sub (link_rel a file now), 2 via link_dir;
	 * bytes: the fixture's, plus hard2 again, link_rel's and link_dir's two files */
	assert_true(files == 15);
	assert_true(bytes == fixture_bytes() + 6 + 5 + 6 + 4);
	free(dst);

	/* a dangling link cannot be followed */
	sym(src, "dangling", "no/such/target");
	dst = at(dir, "dst-dangling");
	assert_int_equal(drill_fs_copy_tree(src, dst, &o), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "dangling"));
	free(dst);
	p = at(src, "dangling");
	assert_int_equal(unlink(p), 0);
	free(p);
	/* a loop back to an enclosing directory is refused, not followed forever */
	sym(src, "sub/deep/up", "../..");
	dst = at(dir, "dst-loop");
	assert_int_equal(drill_fs_copy_tree(src, dst, &o), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "loop"));
	free(dst);
	/* without -L the same loop is just a link */
	dst = at(dir, "dst-loop-a");
	struct drill_copy_opts arch = DRILL_COPY_ARCHIVE;
	assert_drill_ok(drill_fs_copy_tree(src, dst, &arch));
	assert_true(S_ISLNK(lst(dst, "sub/deep/up").st_mode));
	free(dst);
	free(src);
	free(dir);
}

/* Nothing kept: modes as created (umask 022), times and owners the copier's. */
/* cp -L confined to a volume: links that resolve inside it are followed (the runbook's -L), a
 * link that leads outside fails the copy naming the link and its target, and nothing it points to
 * is copied; copies that recreate links (cp -a: the vendors' backup and restore copies) keep the
 * link as a link and read nothing outside. */
static void test_copy_confined(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("copy_confined");
	mk(dir, "vol", 0755);
	mk(dir, "vol/db", 0755);
	mk(dir, "vol/db/ckpt", 0755);
	put_str(dir, "vol/db/000007.sst", "live sst");
	put_str(dir, "vol/db/ckpt/CURRENT", "MANIFEST-1");
	sym(dir, "vol/db/ckpt/000007.sst", "../000007.sst");   /* inside: followed */
	mk(dir, "outside", 0755);
	put_str(dir, "outside/shadow", "root:secret");
	char *vol = at(dir, "vol"), *src = at(dir, "vol/db/ckpt"), *shadow = at(dir, "outside/shadow");
	struct drill_copy_opts o = DRILL_COPY_RUNBOOK;
	o.confine = vol;
	mk(dir, "out1", 0755);
	char *dst = at(dir, "out1");
	assert_drill_ok(drill_fs_copy_contents(src, dst, &o));
	assert_content(dir, "out1/000007.sst", "live sst");
	assert_false(S_ISLNK(lst(dir, "out1/000007.sst").st_mode));
	free(dst);
	/* an absolute link and a relative one that climbs out: refused, by name and target */
	const char *escapes[][2] = {{"vol/db/ckpt/999999.sst", NULL},
				    {"vol/db/ckpt/999998.sst", "../../../outside/shadow"},
				    {"vol/db/ckpt/sub", "../../../outside"}};
	for (size_t k = 0; k < sizeof(escapes) / sizeof(escapes[0]); k++) {
		const char *target = escapes[k][1] ? escapes[k][1] : shadow;
		sym(dir, escapes[k][0], target);
		char *name = drill_xasprintf("out-esc%zu", k);
		mk(dir, name, 0755);
		dst = at(dir, name);
		assert_int_equal(drill_fs_copy_contents(src, dst, &o), DRILL_EINPUT);
		char *link = at(dir, escapes[k][0]);
		if (!strstr(drill_err_last(), link) || !strstr(drill_err_last(), target) ||
		    !strstr(drill_err_last(), "outside the volume"))
			fail_msg("unclear refusal: %s", drill_err_last());
		free(link);
		char *esc = drill_xasprintf("%s/%s", name, strrchr(escapes[k][0], '/') + 1);
		assert_false(exists(dir, esc));
		free(esc);
		/* the same through copy_tree */
		char *tree = drill_xasprintf("%s/t", dst);
		assert_int_equal(drill_fs_copy_tree(src, tree, &o), DRILL_EINPUT);
		free(tree);
		free(dst);
		free(name);
		char *l = at(dir, escapes[k][0]);
		assert_int_equal(unlink(l), 0);
		free(l);
	}
	/* a source that is itself a link leading out of the volume */
	sym(dir, "vol/db/ckpt-out", "../../outside");
	char *lsrc = at(dir, "vol/db/ckpt-out");
	mk(dir, "out-top", 0755);
	dst = at(dir, "out-top");
	assert_int_equal(drill_fs_copy_contents(lsrc, dst, &o), DRILL_EINPUT);
	assert_int_equal(count_entries(dst), 0);
	free(dst);
	/* cp -a (no -L): the escaping link is copied as a link, nothing outside is read */
	sym(dir, "vol/db/ckpt/999999.sst", shadow);
	struct drill_copy_opts a = DRILL_COPY_ARCHIVE;
	uint64_t bytes = 0;
	a.bytes_copied = &bytes;
	a.confine = vol; /* ignored without follow_links */
	dst = at(dir, "out-archive");
	assert_drill_ok(drill_fs_copy_tree(src, dst, &a));
	assert_true(S_ISLNK(lst(dir, "out-archive/999999.sst").st_mode));
	assert_int_equal(bytes, strlen("MANIFEST-1"));
	free(dst);
	/* without a confinement root, -L follows wherever the link leads (as cp -L) */
	o.confine = NULL;
	mk(dir, "out-free", 0755);
	dst = at(dir, "out-free");
	assert_drill_ok(drill_fs_copy_contents(src, dst, &o));
	assert_content(dir, "out-free/999999.sst", "root:secret");
	free(dst);
	free(lsrc);
	free(vol);
	free(src);
	free(shadow);
	free(dir);
}

static void test_copy_keeps_nothing(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("copy_plain");
	char *src = at(dir, "src"), *dst = at(dir, "dst");
	make_fixture(src);
	struct drill_copy_opts o = {0};
	assert_drill_ok(drill_fs_copy_tree(src, dst, &o));
	assert_int_equal(lst(dst, "owned.txt").st_uid, 0);
	assert_int_equal(lst(dst, "suid").st_uid, 0);
	assert_int_equal(lst(dst, "suid").st_mode & 07000, 0);
	assert_int_equal(lst(dst, "exec.sh").st_mode & 0777, 0755);
	assert_int_equal(lst(dst, "a.txt").st_mode & 0777, 0640);
	assert_true(lst(dst, "a.txt").st_mtim.tv_sec != 1600000000);
	assert_true(lst(dst, "sub").st_mtim.tv_sec != 1400000001);
	/* a directory the owner cannot write is filled, then given its mode back */
	assert_int_equal(lst(dst, "emptydir").st_mode & 0777, 0500);
	assert_true(S_ISLNK(lst(dst, "link_rel").st_mode));
	assert_int_equal(lst(dst, "link_rel").st_uid, 0);
	assert_true(lst(dst, "hard1").st_ino != lst(dst, "sub/hard2").st_ino);
	assert_content(dst, "sub/hard2", "linked");
	free(src);
	free(dst);
	free(dir);
}

static void test_copy_refusals(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("copy_refusals");
	char *src = at(dir, "src");
	make_fixture(src);
	char *before = snapshot(src);
	struct drill_copy_opts o = DRILL_COPY_ARCHIVE;
	char *p;
	/* into itself: refused before anything is made */
	p = at(src, "sub/copy");
	assert_int_equal(drill_fs_copy_tree(src, p, &o), DRILL_EINPUT);
	assert_non_null(strstr(drill_err_last(), "itself"));
	assert_false(drill_fs_exists(p));
	free(p);
	p = at(src, "copy");
	assert_int_equal(drill_fs_copy_tree(src, p, &o), DRILL_EINPUT);
	free(p);
	p = at(src, "link_dir/copy"); /* through a link into src */
	assert_int_equal(drill_fs_copy_tree(src, p, &o), DRILL_EINPUT);
	free(p);
	p = at(src, "sub");
	assert_int_equal(drill_fs_copy_contents(src, p, &o), DRILL_EINPUT);
	assert_int_equal(drill_fs_copy_contents(src, src, &o), DRILL_EINPUT);
	free(p);
	/* the destination exists (even as a dangling link) */
	p = at(dir, "exists");
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(drill_fs_copy_tree(src, p, &o), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "exists"));
	assert_int_equal(count_entries(p), 0);
	free(p);
	sym(dir, "dlink", "nowhere");
	p = at(dir, "dlink");
	assert_int_equal(drill_fs_copy_tree(src, p, &o), DRILL_EFAIL);
	free(p);
	assert_int_equal(drill_fs_copy_tree(src, src, &o), DRILL_EFAIL);
	/* the destination's parent is absent; the source is absent */
	p = at(dir, "no/such/parent");
	assert_true(drill_fs_copy_tree(src, p, &o) < 0);
	free(p);
	char *absent = at(dir, "absent"), *d2 = at(dir, "d2");
	assert_int_equal(drill_fs_copy_tree(absent, d2, &o), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "absent"));
	assert_false(drill_fs_exists(d2));
	assert_int_equal(drill_fs_copy_contents(absent, dir, &o), DRILL_EFAIL);
	p = at(src, "a.txt");
	assert_int_equal(drill_fs_copy_contents(p, d2, &o), DRILL_EFAIL); /* not a directory */
	assert_int_equal(drill_fs_copy_contents(src, p, &o), DRILL_EFAIL);
	free(p);
	free(absent);
	free(d2);
	/* the source is unchanged by all that */
	char *after = snapshot(src);
	assert_string_equal(after, before);
	free(before);
	free(after);
	free(src);
	free(dir);
}

static void test_copy_single_file(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("copy_file");
	put(dir, "f", "payload", 7, 0604);
	set_times(dir, "f", 1000, 1, 2000, 2);
	char *src = at(dir, "f"), *dst = at(dir, "g");
	uint64_t bytes = 0, files = 0;
	struct drill_copy_opts o = DRILL_COPY_ARCHIVE;
	o.bytes_copied = &bytes;
	o.files_copied = &files;
	assert_drill_ok(drill_fs_copy_tree(src, dst, &o));
	assert_content(dir, "g", "payload");
	struct stat g = lst(dst, NULL);
	assert_int_equal(g.st_mode & 07777, 0604);
	assert_int_equal(g.st_mtim.tv_sec, 2000);
	assert_int_equal(g.st_mtim.tv_nsec, 2);
	assert_true(bytes == 7 && files == 1);
	free(src);
	free(dst);
	free(dir);
}

static void test_copy_contents_merge(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("copy_contents");
	char *src = at(dir, "src"), *dst = at(dir, "dst");
	make_fixture(src);
	/* dst has: its own file, an older a.txt hard-linked to another name, a sub/ with its own
	 * entry, and a symlink where src has a regular file */
	mk(dir, "dst", 0700);
	put_str(dst, "keep.txt", "mine");
	put_str(dst, "a.txt", "old a");
	char *a = at(dst, "a.txt"), *alias = at(dst, "alias");
	assert_int_equal(link(a, alias), 0);
	free(a);
	free(alias);
	mk(dst, "sub", 0777);
	put_str(dst, "sub/other", "other");
	sym(dst, "ro.txt", "keep.txt");
	uint64_t bytes = 0, files = 0;
	struct drill_copy_opts o = DRILL_COPY_ARCHIVE;
	o.bytes_copied = &bytes;
	o.files_copied = &files;
	assert_drill_ok(drill_fs_copy_contents(src, dst, &o));
	assert_content(dst, "keep.txt", "mine");
	assert_content(dst, "a.txt", "alpha");
	assert_content(dst, "alias", "old a"); /* replaced by unlinking, not by writing into it */
	assert_content(dst, "sub/other", "other");
	assert_content(dst, "sub/deep/f.txt", "deep");
	assert_true(S_ISREG(lst(dst, "ro.txt").st_mode));
	assert_content(dst, "ro.txt", "readonly");
	assert_int_equal(lst(dst, "sub").st_mode & 07777, 0750); /* merged dir takes src's mode */
	assert_int_equal(lst(dst, NULL).st_mode & 07777, 0700); /* dst itself keeps its own */
	assert_true(lst(dst, "hard1").st_ino == lst(dst, "sub/hard2").st_ino);
	assert_true(S_ISLNK(lst(dst, "link_dir").st_mode));
	assert_true(bytes == fixture_bytes());
	assert_true(files == FIXTURE_FILES);
	/* again over the finished copy: same result */
	assert_drill_ok(drill_fs_copy_contents(src, dst, &o));
	assert_content(dst, "sub/hard2", "linked");
	assert_true(lst(dst, "hard1").st_ino == lst(dst, "sub/hard2").st_ino);
	/* a directory is not replaced by a file */
	char *d2 = at(dir, "d2");
	mk(dir, "d2", 0755);
	mk(d2, "a.txt", 0755);
	assert_int_equal(drill_fs_copy_contents(src, d2, &o), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "cannot overwrite a directory"));
	assert_true(drill_fs_is_dir(d2) && exists(d2, "a.txt"));
	free(d2);
	free(src);
	free(dst);
	free(dir);
}

/* --- live copies: entries that vanish mid-copy ------------------------------------------------
 * A live RocksDB directory loses files to compaction between the copy's readdir and its
 * lstat/open. Racing a deleting thread would pass or fail by luck, so the tests use the copy's
 * test hook instead: it runs at a chosen point of the real walk, on the real path, and removes
 * the entry there, so the copy meets a real ENOENT from the kernel at exactly that step. */

struct vanish {
	enum drill_fs_hook_point at;
	const char *suffix; /* at the entry whose source path ends with this, */
	int fired;
	const char *other;  /* remove this path, or when NULL the entry itself */
};

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

static void vanish_hook(enum drill_fs_hook_point at, const char *src, void *arg)
{
	struct vanish *v = arg;
	if (at != v->at || !ends_with(src, v->suffix))
		return;
	if (drill_fs_remove_tree(v->other ? v->other : src) != 0)
		fail_msg("hook: %s", drill_err_last());
	v->fired++;
}

/* src/: keep1 "one", victim (what vanishes), zz "two"; the victim's kind is up to the test. */
static char *live_src(const char *dir, const char *kind)
{
	char *src = at(dir, "src");
	mk(dir, "src", 0755);
	put_str(src, "keep1", "one");
	put_str(src, "zz", "two");
	if (!strcmp(kind, "file")) {
		put_str(src, "victim", "doomed");
	} else if (!strcmp(kind, "link")) {
		sym(src, "victim", "keep1");
	} else {
		mk(src, "victim", 0755);
		mk(src, "victim/inner", 0755);
		put_str(src, "victim/inner/f", "doomed");
	}
	return src;
}

/* The victim vanishes at `at`: a plain archive copy fails naming it; a live copy skips it alone. */
static void check_vanish(const char *name, const char *kind, enum drill_fs_hook_point point)
{
	char *dir = drill_test_scratch(name);
	char *src = live_src(dir, kind);
	struct vanish v = {point, "/victim", 0, NULL};
	drill_fs_set_copy_hook(vanish_hook, &v);
	char *dst = at(dir, "dst-archive");
	struct drill_copy_opts o = DRILL_COPY_ARCHIVE;
	int rc = drill_fs_copy_tree(src, dst, &o);
	drill_fs_set_copy_hook(NULL, NULL);
	assert_int_equal(v.fired, 1);
	assert_int_equal(rc, DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "victim"));
	assert_non_null(strstr(drill_err_last(), strerror(ENOENT)));
	free(dst);
	free(src);
	assert_drill_ok(drill_fs_remove_tree(dir));

	assert_int_equal(mkdir(dir, 0755), 0);
	src = live_src(dir, kind);
	v.fired = 0;
	uint64_t bytes = 0, files = 0;
	o = DRILL_COPY_LIVE;
	o.bytes_copied = &bytes;
	o.files_copied = &files;
	dst = at(dir, "dst-live");
	drill_fs_set_copy_hook(vanish_hook, &v);
	rc = drill_fs_copy_tree(src, dst, &o);
	drill_fs_set_copy_hook(NULL, NULL);
	assert_int_equal(v.fired, 1);
	if (rc)
		fail_msg("live copy: %s", drill_err_last());
	assert_false(exists(dst, "victim")); /* not even an empty directory */
	assert_int_equal(count_entries(dst), 2);
	assert_content(dst, "keep1", "one");
	assert_content(dst, "zz", "two");
	assert_true(files == 2);
	assert_true(bytes == 6);
	free(dst);
	free(src);
	free(dir);
}

static void test_vanish_file_listed(void **state)
{
	(void)state;
	check_vanish("vanish_file_listed", "file", DRILL_FS_HOOK_LISTED);
}

static void test_vanish_file_examined(void **state)
{
	(void)state;
	check_vanish("vanish_file_examined", "file", DRILL_FS_HOOK_EXAMINED);
}

static void test_vanish_link_examined(void **state)
{
	(void)state;
	check_vanish("vanish_link_examined", "link", DRILL_FS_HOOK_EXAMINED);
}

static void test_vanish_dir_listed(void **state)
{
	(void)state;
	check_vanish("vanish_dir_listed", "dir", DRILL_FS_HOOK_LISTED);
}

static void test_vanish_dir_examined(void **state)
{
	(void)state;
	check_vanish("vanish_dir_examined", "dir", DRILL_FS_HOOK_EXAMINED);
}

/* What skip_vanished does not excuse: the top-level source, a dangling link under -L, a loop. */
static void test_vanish_limits(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("vanish_limits");
	char *src = live_src(dir, "file");
	struct drill_copy_opts o = DRILL_COPY_LIVE;
	/* the source itself vanishing (or never there) is an error */
	struct vanish v = {DRILL_FS_HOOK_LISTED, "/src", 0, NULL};
	char *dst = at(dir, "dst-top");
	drill_fs_set_copy_hook(vanish_hook, &v);
	int rc = drill_fs_copy_tree(src, dst, &o);
	drill_fs_set_copy_hook(NULL, NULL);
	assert_int_equal(v.fired, 1);
	assert_int_equal(rc, DRILL_EFAIL);
	assert_false(drill_fs_exists(dst));
	assert_int_equal(drill_fs_copy_contents(src, dir, &o), DRILL_EFAIL);
	free(dst);
	free(src);

	/* -L with skip_vanished: a dangling link is still an error, a loop too */
	src = live_src(dir, "file");
	sym(src, "dangling", "nowhere");
	o.follow_links = 1;
	dst = at(dir, "dst-dangling");
	assert_int_equal(drill_fs_copy_tree(src, dst, &o), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "dangling"));
	free(dst);
	char *p = at(src, "dangling");
	assert_int_equal(unlink(p), 0);
	free(p);
	sym(src, "self", "self"); /* ELOOP, not ENOENT */
	dst = at(dir, "dst-eloop");
	assert_int_equal(drill_fs_copy_tree(src, dst, &o), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "self"));
	free(dst);
	p = at(src, "self");
	assert_int_equal(unlink(p), 0);
	free(p);
	/* under -L, a link whose target vanishes between stat and open is skipped (victim itself
	 * may have been copied before, or skipped after: that depends on the listing's order) */
	sym(src, "via", "victim");
	char *victim = at(src, "victim");
	v = (struct vanish){DRILL_FS_HOOK_EXAMINED, "/via", 0, victim};
	dst = at(dir, "dst-via");
	drill_fs_set_copy_hook(vanish_hook, &v);
	rc = drill_fs_copy_tree(src, dst, &o);
	drill_fs_set_copy_hook(NULL, NULL);
	assert_int_equal(v.fired, 1);
	if (rc)
		fail_msg("%s", drill_err_last());
	assert_false(exists(dst, "via"));
	assert_content(dst, "keep1", "one");
	free(victim);
	free(dst);
	free(src);
	free(dir);
}

/* A file with two names, one of which vanishes mid-copy: the data arrives under the other. */
static void test_vanish_hardlink(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("vanish_hardlink");
	char *src = live_src(dir, "file");
	char *v1 = at(src, "victim"), *v2 = at(src, "zz-second");
	assert_int_equal(link(v1, v2), 0);
	free(v1);
	free(v2);
	struct vanish v = {DRILL_FS_HOOK_EXAMINED, "/victim", 0, NULL};
	struct drill_copy_opts o = DRILL_COPY_LIVE;
	char *dst = at(dir, "dst");
	drill_fs_set_copy_hook(vanish_hook, &v);
	int rc = drill_fs_copy_tree(src, dst, &o);
	drill_fs_set_copy_hook(NULL, NULL);
	assert_int_equal(v.fired, 1);
	if (rc)
		fail_msg("%s", drill_err_last());
	/* listed after zz-second, victim is linked to its copy without being opened (as of its
	 * lstat it was there); listed first, it is skipped */
	assert_content(dst, "zz-second", "doomed");
	if (exists(dst, "victim"))
		assert_true(lst(dst, "victim").st_ino == lst(dst, "zz-second").st_ino);
	free(dst);
	free(src);
	free(dir);
}

/* Three names of one file (a live SST and two checkpoints' links to it); the name listed first
 * vanishes before it is opened (compaction deleted the live SST). The other two still have two
 * links, so they must be copied, not linked to the copy that was never made. */
static void test_vanish_first_of_hardlinks(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("vanish_first_hardlink");
	char *src = live_src(dir, "file");
	static const char *const names[] = {"victim", "zz-second", "zz-third"};
	char *v1 = at(src, names[0]);
	for (int k = 1; k < 3; k++) {
		char *vk = at(src, names[k]);
		assert_int_equal(link(v1, vk), 0);
		free(vk);
	}
	free(v1);
	/* whichever of the names readdir gives first is the one that vanishes */
	DIR *d = opendir(src);
	assert_non_null(d);
	struct dirent *e;
	char first[64] = "";
	while ((e = readdir(d)) && !first[0])
		for (int k = 0; k < 3; k++)
			if (!strcmp(e->d_name, names[k]))
				snprintf(first, sizeof(first), "/%s", e->d_name);
	closedir(d);
	struct vanish v = {DRILL_FS_HOOK_EXAMINED, first, 0, NULL};
	struct drill_copy_opts o = DRILL_COPY_LIVE;
	char *dst = at(dir, "dst");
	drill_fs_set_copy_hook(vanish_hook, &v);
	int rc = drill_fs_copy_tree(src, dst, &o);
	drill_fs_set_copy_hook(NULL, NULL);
	assert_int_equal(v.fired, 1);
	if (rc)
		fail_msg("%s", drill_err_last());
	assert_false(exists(dst, first + 1));
	for (int k = 0; k < 3; k++)
		if (strcmp(names[k], first + 1))
			assert_content(dst, names[k], "doomed");
	free(dst);
	free(src);
	free(dir);
}

/* --- tree_size ---------------------------------------------------------------------------------- */

static void test_tree_size(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("tree_size");
	uint64_t n = 99;
	assert_drill_ok(drill_fs_tree_size(&n, dir));
	assert_true(n == 0);
	put(dir, "ten", "0123456789", 10, 0644);
	put(dir, "twenty", "01234567890123456789", 20, 0644);
	mk(dir, "d", 0755);
	mk(dir, "d/e", 0755);
	put(dir, "d/e/three", "abc", 3, 0644);
	char *a = at(dir, "ten"), *b = at(dir, "d/ten-again");
	assert_int_equal(link(a, b), 0); /* counted once */
	free(a);
	free(b);
	/* links are not followed: one to a 1 MiB file outside adds nothing */
	char *outside = drill_test_scratch("tree_size_outside");
	char *big = pattern(1 << 20, 1);
	put(outside, "big", big, 1 << 20, 0644);
	free(big);
	char *target = at(outside, "big");
	sym(dir, "link", target);
	sym(dir, "dlink", outside);
	free(target);
	/* a sparse file counts its length */
	char *sp = at(dir, "sparse");
	int fd = open(sp, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1000000), 0);
	close(fd);
	assert_drill_ok(drill_fs_tree_size(&n, dir));
	assert_true(n == 10 + 20 + 3 + 1000000);
	assert_drill_ok(drill_fs_tree_size(&n, sp));
	assert_true(n == 1000000);
	char *l = at(dir, "link");
	assert_drill_ok(drill_fs_tree_size(&n, l));
	assert_true(n == 0);
	free(l);
	char *absent = at(dir, "absent");
	n = 99;
	assert_int_equal(drill_fs_tree_size(&n, absent), DRILL_EFAIL);
	assert_true(n == 0);
	free(absent);
	free(sp);
	free(outside);
	free(dir);
}

/* Files and directories come and go while the tree is measured (a live RocksDB directory, whose
 * compactions delete SSTs, as the replica's disk monitor measures it): every measure succeeds,
 * and counts at least what stays. */
struct churn {
	const char *dir;
	volatile int stop;
};

static void *churn_files(void *arg)
{
	struct churn *ch = arg;
	char path[PATH_MAX], sub[PATH_MAX];
	for (unsigned k = 0; !ch->stop; k++) {
		snprintf(path, sizeof(path), "%s/f%u", ch->dir, k % 64);
		snprintf(sub, sizeof(sub), "%s/d%u", ch->dir, k % 8);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
		(void)mkdir(sub, 0755);
		unlink(path);
		(void)rmdir(sub);
	}
	return NULL;
}

static void test_tree_size_changing(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("tree_size_changing");
	put(dir, "stays", "0123456789", 10, 0644);
	struct churn ch = {dir, 0};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, churn_files, &ch), 0);
	int bad = 0;
	for (int i = 0; i < 2000 && !bad; i++) {
		uint64_t n = 0;
		bad = drill_fs_tree_size(&n, dir) != 0 || n < 10;
	}
	ch.stop = 1;
	pthread_join(t, NULL);
	if (bad)
		fail_msg("measuring a changing tree: %s", drill_err_last());
	free(dir);
}

static int teardown(void **state)
{
	(void)state;
	drill_fs_set_copy_hook(NULL, NULL);
	return 0;
}

int main(void)
{
	umask(022);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_mkdir_p, teardown),
		cmocka_unit_test_teardown(test_read_file, teardown),
		cmocka_unit_test_teardown(test_write_atomic, teardown),
		cmocka_unit_test_teardown(test_guard_decisions, teardown),
		cmocka_unit_test_teardown(test_guard_refuses, teardown),
		cmocka_unit_test_teardown(test_guard_allows_inside, teardown),
		cmocka_unit_test_teardown(test_remove_tree, teardown),
		cmocka_unit_test_teardown(test_remove_contents, teardown),
		cmocka_unit_test_teardown(test_copy_archive, teardown),
		cmocka_unit_test_teardown(test_copy_follow_links, teardown),
		cmocka_unit_test_teardown(test_copy_confined, teardown),
		cmocka_unit_test_teardown(test_copy_keeps_nothing, teardown),
		cmocka_unit_test_teardown(test_copy_refusals, teardown),
		cmocka_unit_test_teardown(test_copy_single_file, teardown),
		cmocka_unit_test_teardown(test_copy_contents_merge, teardown),
		cmocka_unit_test_teardown(test_vanish_file_listed, teardown),
		cmocka_unit_test_teardown(test_vanish_file_examined, teardown),
		cmocka_unit_test_teardown(test_vanish_link_examined, teardown),
		cmocka_unit_test_teardown(test_vanish_dir_listed, teardown),
		cmocka_unit_test_teardown(test_vanish_dir_examined, teardown),
		cmocka_unit_test_teardown(test_vanish_limits, teardown),
		cmocka_unit_test_teardown(test_vanish_hardlink, teardown),
		cmocka_unit_test_teardown(test_vanish_first_of_hardlinks, teardown),
		cmocka_unit_test_teardown(test_tree_size, teardown),
		cmocka_unit_test_teardown(test_tree_size_changing, teardown),
		cmocka_unit_test(test_resolve_beside),
	};
	return drill_test_run(tests, NULL, NULL);
}
