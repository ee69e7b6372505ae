/* tests/test_util_beneath.c — util/beneath: chaindrill's own files opened beneath a trusted
 * directory without following links, with openat2 and with the per-component walk a kernel
 * without openat2 takes; and util/fs's mkdir -p and atomic writes, which go through it. Every
 * refusal leaves nothing where the link points. */
#include "helpers.h"

#include "util/beneath.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

/* Each case runs twice: state 0 with openat2 (skipped where the kernel has none), 1 with the walk. */
static int setup_mode(void **state)
{
	drill_beneath_set_walk_only(*state != NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	drill_beneath_set_walk_only(0);
	return 0;
}

static void need_mode(void **state)
{
	if (*state)
		return;
	struct open_how how = {.flags = O_PATH | O_CLOEXEC};
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
	if (fd < 0)
		drill_test_skip("openat2 is not available here (%s): the walk is tested instead",
				strerror(errno));
	close((int)fd);
}

/* The scratch directory ("ws", a registered root) and "outside" beside it. */
static char *dirs(char **outside, const char *name)
{
	char *base = drill_test_scratch(name);
	char *ws = drill_xasprintf("%s/ws", base);
	*outside = drill_xasprintf("%s/outside", base);
	assert_int_equal(mkdir(ws, 0755), 0);
	assert_int_equal(mkdir(*outside, 0755), 0);
	free(base);
	return ws;
}

static int is_empty(const char *dir)
{
	char *cmd = drill_xasprintf("test -z \"$(ls -A '%s')\"", dir);
	int rc = system(cmd);
	free(cmd);
	return rc == 0;
}

static void expect_refused(int rc, const char *words)
{
	assert_int_equal(rc, DRILL_EINPUT);
	if (!strstr(drill_err_last(), words))
		fail_msg("message \"%s\" lacks \"%s\"", drill_err_last(), words);
}

static void test_opens_beneath(void **state)
{
	need_mode(state);
	char *outside, *ws = dirs(&outside, "opens");
	assert_drill_ok(drill_beneath_mkdir(ws, "a/b", 0755));
	int fd = drill_beneath_open(ws, "a/b/f", O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	char *p = drill_xasprintf("%s/a/b/f", ws);
	struct stat sb;
	assert_int_equal(lstat(p, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_size, 1);
	fd = drill_beneath_open(ws, "./a//b/f", O_RDONLY, 0); /* "." and "//" are fine */
	assert_true(fd >= 0);
	close(fd);
	free(p);
	free(ws);
	free(outside);
}

static void test_link_on_the_way(void **state)
{
	need_mode(state);
	char *outside, *ws = dirs(&outside, "on-the-way");
	char *link = drill_xasprintf("%s/run", ws);
	assert_int_equal(symlink(outside, link), 0);
	expect_refused(drill_beneath_open(ws, "run/order.lock", O_RDWR | O_CREAT, 0644),
		       "/run is a symbolic link where chaindrill expects its own directory; "
		       "refusing to follow it");
	expect_refused(drill_beneath_mkdir(ws, "run/x/y", 0755), "/run is a symbolic link");
	/* through the registered root: util/fs.h's writers */
	char *file = drill_xasprintf("%s/run/pid", ws), *deep = drill_xasprintf("%s/run/x", ws);
	expect_refused(drill_fs_write_atomic(file, "1\n", 2), "/run is a symbolic link");
	expect_refused(drill_fs_mkdir_p(deep, 0755), "/run is a symbolic link");
	assert_null(drill_beneath_fopen(file, "a"));
	assert_true(strstr(drill_err_last(), "/run is a symbolic link") != NULL);
	/* a relative link to a directory inside the workspace is refused as well */
	assert_int_equal(unlink(link), 0);
	char *real = drill_xasprintf("%s/real", ws);
	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink("real", link), 0);
	expect_refused(drill_beneath_open(ws, "run/f", O_WRONLY | O_CREAT, 0644),
		       "is a symbolic link");
	assert_true(is_empty(outside));
	assert_true(is_empty(real));
	free(real);
	free(deep);
	free(file);
	free(link);
	free(ws);
	free(outside);
}

static void test_link_at_the_end(void **state)
{
	need_mode(state);
	char *outside, *ws = dirs(&outside, "at-the-end");
	char *link = drill_xasprintf("%s/.lock", ws), *target = drill_xasprintf("%s/made", outside);
	assert_int_equal(symlink(target, link), 0); /* dangling: O_CREAT would make it */
	expect_refused(drill_beneath_open(ws, ".lock", O_RDWR | O_CREAT, 0644),
		       "/.lock is a symbolic link where chaindrill expects its own file");
	expect_refused(drill_fs_write_atomic(link, "x", 1), "/.lock is a symbolic link");
	FILE *f = drill_beneath_fopen(link, "w+b");
	assert_null(f);
	assert_true(is_empty(outside));
	/* an existing target stays as it was */
	FILE *t = fopen(target, "w");
	assert_non_null(t);
	fputs("precious", t);
	fclose(t);
	expect_refused(drill_beneath_open(ws, ".lock", O_WRONLY | O_TRUNC, 0), "symbolic link");
	struct stat sb;
	assert_int_equal(stat(target, &sb), 0);
	assert_int_equal(sb.st_size, 8);
	free(target);
	free(link);
	free(ws);
	free(outside);
}

static void test_refusals(void **state)
{
	need_mode(state);
	char *outside, *ws = dirs(&outside, "refusals");
	expect_refused(drill_beneath_open(ws, "../outside/f", O_WRONLY | O_CREAT, 0644), "`..`");
	expect_refused(drill_beneath_mkdir(ws, "a/../../outside/d", 0755), "`..`");
	assert_drill_ok(drill_beneath_mkdir(ws, "a", 0755));
	expect_refused(drill_beneath_open(ws, "a/../f", O_WRONLY | O_CREAT, 0644), "`..`");
	expect_refused(drill_beneath_open(ws, "/etc/passwd", O_RDONLY, 0), "not a file name");
	expect_refused(drill_beneath_open(ws, "a/..", O_RDONLY, 0), "not a file name");
	/* a FIFO where a file is expected: refused, and the open does not block */
	char *fifo = drill_xasprintf("%s/log", ws);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	expect_refused(drill_beneath_open(ws, "log", O_WRONLY | O_APPEND, 0), "not a regular file");
	/* a file where a directory is expected */
	char *file = drill_xasprintf("%s/plain", ws);
	FILE *t = fopen(file, "w");
	assert_non_null(t);
	fclose(t);
	assert_int_equal(drill_beneath_open(ws, "plain/x", O_WRONLY | O_CREAT, 0644), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "plain is not a directory"));
	assert_true(is_empty(outside));
	free(file);
	free(fifo);
	free(ws);
	free(outside);
}

/* A path under no registered directory: only its last component is chaindrill's. */
static void test_unregistered(void **state)
{
	need_mode(state);
	char *outside, *ws = dirs(&outside, "unregistered");
	drill_fs_guard_reset(); /* the scratch directory is a root no more */
	char *via = drill_xasprintf("%s/via", ws);
	assert_int_equal(symlink(outside, via), 0);
	char *p = drill_xasprintf("%s/via/report.json", ws);
	assert_drill_ok(drill_fs_write_atomic(p, "{}\n", 3)); /* the operator's link, followed */
	char *in = drill_xasprintf("%s/report.json", outside);
	assert_int_equal(access(in, F_OK), 0);
	char *last = drill_xasprintf("%s/last", ws);
	assert_int_equal(symlink(in, last), 0);
	expect_refused(drill_fs_write_atomic(last, "x", 1), "symbolic link");
	int fd = drill_beneath_open_path(last, O_WRONLY | O_APPEND, 0);
	assert_int_equal(fd, DRILL_EINPUT);
	/* registered again, the link on the way is refused */
	assert_drill_ok(drill_beneath_root_add(ws));
	expect_refused(drill_fs_write_atomic(p, "{}\n", 3), "/via is a symbolic link");
	free(last);
	free(in);
	free(p);
	free(via);
	free(ws);
	free(outside);
}

static void test_fopen_modes(void **state)
{
	need_mode(state);
	char *outside, *ws = dirs(&outside, "fopen");
	char *p = drill_xasprintf("%s/log", ws);
	FILE *f = drill_beneath_fopen(p, "ae");
	assert_non_null(f);
	fputs("one\n", f);
	fclose(f);
	f = drill_beneath_fopen(p, "a");
	assert_non_null(f);
	fputs("two\n", f);
	fclose(f);
	f = drill_beneath_fopen(p, "rb");
	assert_non_null(f);
	char buf[16] = {0};
	assert_int_equal(fread(buf, 1, sizeof(buf) - 1, f), 8);
	assert_string_equal(buf, "one\ntwo\n");
	fclose(f);
	f = drill_beneath_fopen(p, "w+b"); /* truncates */
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	assert_int_equal(ftell(f), 0);
	fclose(f);
	assert_null(drill_beneath_fopen(p, "q"));
	free(p);
	free(ws);
	free(outside);
}

#define BOTH(fn)                                                                               \
	{#fn " (openat2)", fn, setup_mode, teardown, NULL},                                    \
	{#fn " (walk)", fn, setup_mode, teardown, (void *)1}

int main(void)
{
	umask(022);
	const struct CMUnitTest tests[] = {
		BOTH(test_opens_beneath), BOTH(test_link_on_the_way), BOTH(test_link_at_the_end),
		BOTH(test_refusals),      BOTH(test_unregistered),    BOTH(test_fopen_modes),
	};
	return drill_test_run(tests, NULL, NULL);
}
