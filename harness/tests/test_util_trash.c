/* tests/test_util_trash.c — util/trash: a directory is emptied at once (it stays, with its mode)
 * and what it held is gone once the trash is closed, links removed and never followed; several
 * threads empty directories into one trash; nothing outside the deletion guard is moved; across
 * filesystems (/dev/shm, a tmpfs, against the scratch directory) the contents are removed in
 * place. Waits are the trash's own: nothing sleeps. */
#include "helpers.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/par.h"
#include "util/trash.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *at(const char *dir, const char *rel)
{
	return drill_xasprintf("%s/%s", dir, rel);
}

static void put(const char *dir, const char *rel, const char *text)
{
	char *p = at(dir, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	free(p);
}

static void mk(const char *dir, const char *rel)
{
	char *p = at(dir, rel);
	assert_drill_ok(drill_fs_mkdir_p(p, 0755));
	free(p);
}

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* A volume-like tree: nested directories, a hard link, and links leading out of it. */
static void fill(const char *vol, const char *outside_file)
{
	mk(vol, "ns/bc/replica-0/rocksdbdata/checkpoints/7");
	put(vol, "ns/bc/replica-0/rocksdbdata/000007.sst", "sst");
	put(vol, "ns/bc/replica-0/rocksdbdata/CURRENT", "MANIFEST-000001\n");
	char *a = at(vol, "ns/bc/replica-0/rocksdbdata/000007.sst");
	char *b = at(vol, "ns/bc/replica-0/rocksdbdata/checkpoints/7/000007.sst");
	assert_int_equal(link(a, b), 0);
	char *l = at(vol, "out-link");
	assert_int_equal(symlink(outside_file, l), 0);
	free(a);
	free(b);
	free(l);
}

static void test_contents_then_close(void **unused)
{
	(void)unused;
	char *dir = drill_test_scratch("trash-basic");
	char *vol = at(dir, "vol"), *keep = at(dir, "keep"), *trash_dir = at(dir, "trash");
	mk(dir, "vol");
	mk(dir, "keep");
	assert_int_equal(chmod(vol, 0750), 0);
	put(keep, "precious", "do not follow links into me");
	char *precious = at(keep, "precious");
	fill(vol, precious);

	struct drill_trash *t = NULL;
	assert_drill_ok(drill_trash_open(&t, trash_dir));
	assert_drill_ok(drill_trash_contents(t, vol));
	/* Emptied at once; the directory itself stays as it was. */
	assert_int_equal(entries(vol), 0);
	struct stat sb;
	assert_int_equal(stat(vol, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0750);
	/* Refilled while the old contents may still be in the trash: nothing mixes. */
	put(vol, "new", "new");
	assert_drill_ok(drill_trash_contents(t, vol));
	put(vol, "newer", "newer");
	assert_drill_ok(drill_trash_close(t));
	assert_false(drill_fs_exists(trash_dir));
	assert_int_equal(entries(vol), 1);
	assert_true(drill_fs_exists(precious));
	/* An empty directory, and closing NULL, are fine. */
	assert_drill_ok(drill_trash_open(&t, trash_dir));
	char *empty = at(dir, "empty");
	mk(dir, "empty");
	assert_drill_ok(drill_trash_contents(t, empty));
	assert_drill_ok(drill_trash_close(t));
	assert_drill_ok(drill_trash_close(NULL));
	free(empty);
	free(precious);
	free(vol);
	free(keep);
	free(trash_dir);
	free(dir);
}

/* A trash left by a run that died is emptied when the next one opens. */
static void test_leftover_trash(void **unused)
{
	(void)unused;
	char *dir = drill_test_scratch("trash-leftover");
	char *trash_dir = at(dir, "trash");
	mk(dir, "trash/XXold");
	put(trash_dir, "XXold/f", "left behind");
	struct drill_trash *t = NULL;
	assert_drill_ok(drill_trash_open(&t, trash_dir));
	assert_int_equal(entries(trash_dir), 0);
	assert_drill_ok(drill_trash_close(t));
	assert_false(drill_fs_exists(trash_dir));
	free(trash_dir);
	free(dir);
}

struct many {
	struct drill_trash *t;
	char *vols[8];
};

static int empty_one(size_t i, void *arg)
{
	struct many *m = arg;
	return drill_trash_contents(m->t, m->vols[i]);
}

static void test_threads_share_a_trash(void **unused)
{
	(void)unused;
	char *dir = drill_test_scratch("trash-threads");
	char *trash_dir = at(dir, "trash"), *outside = at(dir, "outside");
	put(dir, "outside", "x");
	struct many m = {0};
	for (int i = 0; i < 8; i++) {
		char name[16];
		snprintf(name, sizeof(name), "vol-%d", i);
		m.vols[i] = at(dir, name);
		mk(dir, name);
		fill(m.vols[i], outside);
	}
	assert_drill_ok(drill_trash_open(&m.t, trash_dir));
	assert_drill_ok(drill_par_for(8, 4, empty_one, &m));
	for (int i = 0; i < 8; i++)
		assert_int_equal(entries(m.vols[i]), 0);
	assert_drill_ok(drill_trash_close(m.t));
	assert_false(drill_fs_exists(trash_dir));
	assert_true(drill_fs_exists(outside));
	for (int i = 0; i < 8; i++)
		free(m.vols[i]);
	free(trash_dir);
	free(outside);
	free(dir);
}

/* Outside the deletion guard nothing is moved, and no trash is made. */
static void test_guard(void **unused)
{
	(void)unused;
	char *dir = drill_test_scratch("trash-guard");
	char tmpl[] = "/tmp/chaindrill-trash-outside-XXXXXX";
	char *out = mkdtemp(tmpl);
	assert_non_null(out);
	if (drill_fs_guard_allows(out)) { /* the scratch root is /tmp itself */
		rmdir(out);
		free(dir);
		drill_test_skip("the deletion guard allows %s (the scratch root is /tmp itself): "
				"no directory outside it to try", out);
	}
	put(out, "f", "mine");
	char *f = at(out, "f"), *outside_trash = at(out, "trash");

	struct drill_trash *t = NULL;
	assert_int_equal(drill_trash_open(&t, outside_trash), DRILL_EINPUT);
	assert_null(t);
	assert_false(drill_fs_exists(outside_trash));

	char *trash_dir = at(dir, "trash");
	assert_drill_ok(drill_trash_open(&t, trash_dir));
	assert_int_equal(drill_trash_contents(t, out), DRILL_EINPUT);
	assert_non_null(strstr(drill_err_last(), "outside the workspace"));
	/* Through a link from inside the guard to outside it: judged by where it leads. */
	char *l = at(dir, "to-outside");
	assert_int_equal(symlink(out, l), 0);
	assert_int_equal(drill_trash_contents(t, l), DRILL_EINPUT);
	assert_int_equal(drill_trash_contents(t, "/nonexistent-chaindrill"), DRILL_ENOTFOUND);
	assert_drill_ok(drill_trash_close(t));
	assert_true(drill_fs_exists(f));

	assert_int_equal(unlink(f), 0);
	assert_int_equal(rmdir(out), 0);
	free(l);
	free(f);
	free(outside_trash);
	free(trash_dir);
	free(dir);
}

/* A victim on another filesystem than the trash: removed in place before the call returns. */
static void test_other_filesystem(void **unused)
{
	(void)unused;
	char *dir = drill_test_scratch("trash-xdev");
	struct stat a, b;
	assert_int_equal(stat(dir, &a), 0);
	if (stat("/dev/shm", &b) != 0 || a.st_dev == b.st_dev) {
		free(dir);
		drill_test_skip("/dev/shm is missing or on the scratch directory's filesystem: "
				"no second filesystem to try");
	}
	char tmpl[] = "/dev/shm/chaindrill-trash-test-XXXXXX";
	char *other = mkdtemp(tmpl);
	assert_non_null(other);
	assert_drill_ok(drill_fs_guard_add(other));
	char *vol = at(other, "vol"), *trash_dir = at(dir, "trash"), *keep = at(dir, "keep");
	mk(other, "vol");
	put(dir, "keep", "x");
	fill(vol, keep);

	struct drill_trash *t = NULL;
	assert_drill_ok(drill_trash_open(&t, trash_dir));
	assert_drill_ok(drill_trash_contents(t, vol));
	assert_int_equal(entries(vol), 0);
	assert_drill_ok(drill_trash_close(t));
	assert_false(drill_fs_exists(trash_dir));
	assert_true(drill_fs_exists(keep));

	assert_drill_ok(drill_fs_remove_contents(other));
	assert_int_equal(rmdir(other), 0);
	free(vol);
	free(trash_dir);
	free(keep);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contents_then_close),
		cmocka_unit_test(test_leftover_trash),
		cmocka_unit_test(test_threads_share_a_trash),
		cmocka_unit_test(test_guard),
		cmocka_unit_test(test_other_filesystem),
	};
	return drill_test_run(tests, NULL, NULL);
}
