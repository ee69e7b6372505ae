/* tests/test_storage_hostpath.c — the hostpath-copy vendor on real directories: a backup is a
 * whole copy or nothing, keeps hard links, modes, owners and times; a restore replaces each
 * volume's contents with the copy; names are checked; other vendors say what they are.
 *
 * No replica runs here: the vendor needs only the platform's volume layout. */
#include "helpers.h"

#include "platform/platform.h"
#include "storage/storage.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <jansson.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
	char *ws;
	struct drill_platform *p;
	struct drill_vendor *v;
};

static void put(const char *path, const char *text)
{
	assert_drill_ok(drill_fs_write_atomic(path, text, strlen(text)));
}

static char *slurp(const char *path)
{
	char *text = NULL;
	size_t len;
	if (drill_fs_read_file(&text, &len, path, 1 << 20) != 0)
		return NULL;
	return text;
}

static char *vol(struct fixture *f, int i, const char *rel)
{
	char *root = NULL;
	f->p->ops->volume_root(f->p, i, &root);
	char *path = drill_xasprintf("%s%s%s", root, *rel ? "/" : "", rel);
	free(root);
	return path;
}

/* Three volumes, each with a small database-like tree: a data file, a checkpoint that hard-links
 * it, a symlink, a file owned by someone else with a distinctive mode and mtime. */
static void setup_fixture(struct fixture *f, const char *name, int replicas)
{
	f->ws = drill_test_scratch(name);
	struct drill_cluster_spec s = {.namespace_ = "ns", .blockchain_id = "bc", .replicas = replicas,
				       .reclaim = DRILL_RECLAIM_RETAIN};
	assert_drill_ok(drill_platform_open(&f->p, "local", f->ws, &s));
	assert_drill_ok(drill_vendor_open(&f->v, &(struct drill_vendor_config){.name = "hostpath-copy"}, f->ws, f->p));
	for (int i = 0; i < replicas; i++) {
		char *db = vol(f, i, "ns/bc/replica-x/rocksdbdata");
		char *ck = drill_xasprintf("%s/checkpoints/150", db);
		assert_drill_ok(drill_fs_mkdir_p(ck, 0755));
		char *sst = drill_xasprintf("%s/000007.sst", db), *lnk = drill_xasprintf("%s/000007.sst", ck);
		char *text = drill_xasprintf("replica %d data", i);
		put(sst, text);
		assert_int_equal(link(sst, lnk), 0);
		char *cur = drill_xasprintf("%s/CURRENT", db), *sym = drill_xasprintf("%s/current-link", db);
		put(cur, "MANIFEST-000005\n");
		assert_int_equal(symlink("CURRENT", sym), 0);
		assert_int_equal(chown(cur, 1234, 5678), 0);
		assert_int_equal(chmod(cur, 0640), 0);
		struct timespec ts[2] = {{1000000000, 123456789}, {1100000000, 987654321}};
		assert_int_equal(utimensat(AT_FDCWD, cur, ts, AT_SYMLINK_NOFOLLOW), 0);
		free(db);
		free(ck);
		free(sst);
		free(lnk);
		free(text);
		free(cur);
		free(sym);
	}
}

static void teardown_fixture(struct fixture *f)
{
	drill_vendor_destroy(f->v);
	drill_platform_destroy(f->p);
	free(f->ws);
}

static void test_backup_layout_and_attributes(void **unused)
{
	struct fixture f;
	setup_fixture(&f, "layout", 3);
	assert_drill_ok(f.v->ops->backup(f.v, "nightly"));
	assert_true(f.v->bytes_copied > 0);
	char *base = drill_xasprintf("%s/backups", f.p->workspace);
	{
		char *manifest = drill_xasprintf("%s/nightly/backup.json", base);
		json_error_t e;
		json_t *m = json_load_file(manifest, 0, &e);
		assert_non_null(m);
		assert_string_equal(json_string_value(json_object_get(m, "vendor")), "hostpath-copy");
		assert_int_equal(json_array_size(json_object_get(m, "claims")), 3);
		assert_int_equal((uint64_t)json_integer_value(json_object_get(m, "bytes")),
				 f.v->bytes_copied);
		json_decref(m);
		free(manifest);
	}
	/* Only the final name: no partial directory is left. */
	int entries = 0;
	char *cmd = drill_xasprintf("ls -A %s | wc -l", base);
	FILE *ls = popen(cmd, "r");
	assert_int_equal(fscanf(ls, "%d", &entries), 1);
	pclose(ls);
	assert_int_equal(entries, 1);
	free(cmd);

	for (int i = 0; i < 3; i++) {
		char *db = drill_xasprintf("%s/nightly/concord-pvc-bc-replica-%d/ns/bc/replica-x/rocksdbdata",
					   base, i);
		char *sst = drill_xasprintf("%s/000007.sst", db);
		char *lnk = drill_xasprintf("%s/checkpoints/150/000007.sst", db);
		char *cur = drill_xasprintf("%s/CURRENT", db), *sym = drill_xasprintf("%s/current-link", db);
		char *want = drill_xasprintf("replica %d data", i), *got = slurp(sst);
		assert_non_null(got);
		assert_string_equal(got, want);
		struct stat a, b, c;
		assert_int_equal(stat(sst, &a), 0);
		assert_int_equal(stat(lnk, &b), 0);
		assert_int_equal(a.st_ino, b.st_ino); /* the hard link stays a hard link */
		assert_int_equal(lstat(sym, &c), 0);
		assert_true(S_ISLNK(c.st_mode)); /* cp -a keeps symlinks */
		assert_int_equal(lstat(cur, &c), 0);
		assert_int_equal(c.st_uid, 1234);
		assert_int_equal(c.st_gid, 5678);
		assert_int_equal(c.st_mode & 07777, 0640);
		assert_int_equal(c.st_mtim.tv_sec, 1100000000);
		assert_int_equal(c.st_mtim.tv_nsec, 987654321);
		free(db);
		free(sst);
		free(lnk);
		free(cur);
		free(sym);
		free(want);
		free(got);
	}
	/* A second backup under the same name is refused and leaves the first alone. */
	assert_int_equal(f.v->ops->backup(f.v, "nightly"), DRILL_EINPUT);
	assert_non_null(strstr(drill_err_last(), "already exists"));
	char *src = NULL;
	assert_drill_ok(f.v->ops->source_root(f.v, "nightly", 2, &src));
	char *want_src = drill_xasprintf("%s/nightly/concord-pvc-bc-replica-2", base);
	assert_string_equal(src, want_src);
	free(src);
	free(want_src);
	assert_drill_ok(f.v->ops->remove(f.v, "nightly"));
	char *gone = drill_xasprintf("%s/nightly", base);
	assert_false(drill_fs_exists(gone));
	free(gone);
	free(base);
	teardown_fixture(&f);
}

static void test_restore_replaces_contents(void **unused)
{
	struct fixture f;
	setup_fixture(&f, "restore", 3);
	assert_drill_ok(f.v->ops->backup(f.v, "b1"));
	/* After the backup: a file changes, one appears, one goes. */
	char *sst = vol(&f, 1, "ns/bc/replica-x/rocksdbdata/000007.sst");
	char *extra = vol(&f, 1, "ns/bc/replica-x/rocksdbdata/000099.sst");
	char *cur = vol(&f, 2, "ns/bc/replica-x/rocksdbdata/CURRENT");
	put(sst, "changed");
	put(extra, "new");
	assert_int_equal(unlink(cur), 0);
	assert_drill_ok(f.v->ops->restore(f.v, "b1"));
	char *got = slurp(sst);
	assert_string_equal(got, "replica 1 data");
	free(got);
	assert_false(drill_fs_exists(extra));
	assert_true(drill_fs_exists(cur));
	struct stat c;
	assert_int_equal(lstat(cur, &c), 0);
	assert_int_equal(c.st_uid, 1234);
	assert_int_equal(c.st_mode & 07777, 0640);
	/* The restored hard links are hard links again. */
	char *lnk = vol(&f, 1, "ns/bc/replica-x/rocksdbdata/checkpoints/150/000007.sst");
	struct stat a, b;
	assert_int_equal(stat(sst, &a), 0);
	assert_int_equal(stat(lnk, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	/* The old contents went to the workspace's trash; finish_restore waits until it is gone. */
	char *trash = drill_xasprintf("%s/trash", f.ws);
	assert_true(f.v->ops->finish_restore != NULL);
	assert_drill_ok(f.v->ops->finish_restore(f.v, "b1"));
	assert_false(drill_fs_exists(trash));
	/* A volume that was deleted (say, by an uninstall) comes back from the backup. */
	char *root0 = vol(&f, 0, "");
	assert_drill_ok(drill_fs_remove_tree(root0));
	assert_drill_ok(f.v->ops->restore(f.v, "b1"));
	char *sst0 = vol(&f, 0, "ns/bc/replica-x/rocksdbdata/000007.sst");
	got = slurp(sst0);
	assert_string_equal(got, "replica 0 data");
	free(got);
	free(sst0);
	free(root0);
	assert_int_equal(f.v->ops->restore(f.v, "never-taken"), DRILL_ENOTFOUND);
	assert_non_null(strstr(drill_err_last(), "never-taken"));
	/* Restores not finished (the last one failed): destroying the vendor empties the trash. */
	drill_vendor_destroy(f.v);
	f.v = NULL;
	assert_false(drill_fs_exists(trash));
	free(trash);
	free(sst);
	free(extra);
	free(cur);
	free(lnk);
	teardown_fixture(&f);
}

/* A backup that cannot complete leaves nothing under either name. */
static void test_failed_backup_leaves_nothing(void **unused)
{
	struct fixture f;
	setup_fixture(&f, "failed", 3);
	char *root2 = vol(&f, 2, "");
	assert_drill_ok(drill_fs_remove_tree(root2));
	assert_int_equal(f.v->ops->backup(f.v, "half"), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "replica 2"));
	char *base = drill_xasprintf("%s/backups", f.p->workspace);
	char *cmd = drill_xasprintf("ls -A %s | wc -l", base);
	FILE *ls = popen(cmd, "r");
	int entries = -1;
	assert_int_equal(fscanf(ls, "%d", &entries), 1);
	pclose(ls);
	assert_int_equal(entries, 0);
	free(cmd);
	free(base);
	free(root2);
	teardown_fixture(&f);
}

/* A backup that lost one volume's copy is refused before any volume is emptied: the volumes
 * are restored side by side, so the check comes first. */
static void test_restore_checks_every_copy_first(void **unused)
{
	struct fixture f;
	setup_fixture(&f, "missing-copy", 3);
	assert_drill_ok(f.v->ops->backup(f.v, "b1"));
	char *copy2 = drill_xasprintf("%s/backups/b1/concord-pvc-bc-replica-2", f.p->workspace);
	assert_true(drill_fs_is_dir(copy2));
	assert_drill_ok(drill_fs_remove_tree(copy2));
	char *sst0 = vol(&f, 0, "ns/bc/replica-x/rocksdbdata/000007.sst");
	put(sst0, "changed after the backup");
	assert_int_equal(f.v->ops->restore(f.v, "b1"), DRILL_ENOTFOUND);
	assert_non_null(strstr(drill_err_last(), "holds no copy of concord-pvc-bc-replica-2"));
	char *got = slurp(sst0);
	assert_string_equal(got, "changed after the backup");
	free(got);
	free(sst0);
	free(copy2);
	teardown_fixture(&f);
}

/* While a copy hook watches (a process fault acting between two volumes), the volumes are copied
 * one after another in replica order, never interleaved. */
struct order_log {
	int last;      /* replica of the last entry seen */
	int backwards; /* an entry of a lower replica after a higher one */
};

static void order_hook(enum drill_fs_hook_point at, const char *src, void *arg)
{
	struct order_log *o = arg;
	const char *r = strstr(src, "concord-pvc-bc-replica-");
	if (at != DRILL_FS_HOOK_LISTED || !r)
		return;
	int i = atoi(r + strlen("concord-pvc-bc-replica-"));
	if (i < o->last)
		o->backwards = 1;
	o->last = i;
}

static void test_hook_copies_in_order(void **unused)
{
	struct fixture f;
	setup_fixture(&f, "hook-order", 4);
	for (int restore = 0; restore <= 1; restore++) {
		struct order_log o = {0, 0};
		drill_fs_set_copy_hook(order_hook, &o);
		assert_true(drill_fs_copy_hook_set());
		int rc = restore ? f.v->ops->restore(f.v, "b1") : f.v->ops->backup(f.v, "b1");
		drill_fs_set_copy_hook(NULL, NULL);
		assert_false(drill_fs_copy_hook_set());
		assert_drill_ok(rc);
		assert_int_equal(o.last, 3);
		assert_false(o.backwards);
	}
	teardown_fixture(&f);
}

/* A file hard-linked from outside the volumes is copied (a hard link is the file) and reported in
 * the backup's record; links within one volume (a checkpoint's) or between two are not. */
static void test_backup_reports_shared_hard_links(void **unused)
{
	struct fixture f;
	setup_fixture(&f, "shared-links", 2);
	char *secret = drill_xasprintf("%s/secret", f.ws);
	put(secret, "not the replica's");
	char *in0 = vol(&f, 0, "ns/bc/replica-x/rocksdbdata/000099.sst");
	assert_int_equal(link(secret, in0), 0);
	char *a = vol(&f, 0, "ns/bc/replica-x/rocksdbdata/000123.sst");
	char *b = vol(&f, 1, "ns/bc/replica-x/rocksdbdata/000123.sst");
	put(a, "shared by two volumes of the set");
	assert_int_equal(link(a, b), 0);

	assert_drill_ok(f.v->ops->backup(f.v, "b1"));
	assert_int_equal(f.v->n_shared, 1);
	assert_string_equal(f.v->shared[0].path, in0);
	assert_int_equal(f.v->shared[0].nlink, 2);
	assert_int_equal(f.v->shared[0].met, 1);
	char *manifest = drill_xasprintf("%s/backups/b1/backup.json", f.ws);
	json_error_t e;
	json_t *m = json_load_file(manifest, 0, &e);
	assert_non_null(m);
	json_t *sh = json_object_get(m, "sharedHardLinks");
	assert_int_equal(json_array_size(sh), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(sh, 0), "path")), in0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(sh, 0), "links")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(sh, 0), "linksInBackup")),
			 1);
	json_decref(m);
	/* not refused: the file is in the backup */
	char *copied = drill_xasprintf("%s/backups/b1/concord-pvc-bc-replica-0/ns/bc/replica-x/"
				       "rocksdbdata/000099.sst", f.ws);
	char *got = slurp(copied);
	assert_non_null(got);
	assert_string_equal(got, "not the replica's");

	/* once the outside name is gone, the next backup reports nothing */
	assert_int_equal(unlink(secret), 0);
	assert_drill_ok(f.v->ops->backup(f.v, "b2"));
	assert_int_equal(f.v->n_shared, 0);
	free(got);
	free(copied);
	free(manifest);
	free(a);
	free(b);
	free(in0);
	free(secret);
	teardown_fixture(&f);
}

static void test_names_and_vendors(void **unused)
{
	struct fixture f;
	setup_fixture(&f, "names", 1);
	const char *bad[] = {"", ".", "..", "../escape", "a/b", "x.partial-12"};
	for (size_t k = 0; k < sizeof(bad) / sizeof(*bad); k++) {
		assert_int_equal(f.v->ops->backup(f.v, bad[k]), DRILL_EINPUT);
		assert_int_equal(f.v->ops->restore(f.v, bad[k]), DRILL_EINPUT);
		assert_int_equal(f.v->ops->remove(f.v, bad[k]), DRILL_EINPUT);
	}
	struct drill_vendor *v = (void *)1;
	assert_int_equal(drill_vendor_open(&v, &(struct drill_vendor_config){.name = "tape-robot"}, f.ws, f.p), DRILL_EINPUT);
	assert_null(v);
	assert_non_null(strstr(drill_err_last(), "tape-robot"));
	drill_vendor_destroy(NULL);
	teardown_fixture(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backup_layout_and_attributes),
		cmocka_unit_test(test_restore_replaces_contents),
		cmocka_unit_test(test_failed_backup_leaves_nothing),
		cmocka_unit_test(test_restore_checks_every_copy_first),
		cmocka_unit_test(test_hook_copies_in_order),
		cmocka_unit_test(test_backup_reports_shared_hard_links),
		cmocka_unit_test(test_names_and_vendors),
	};
	return drill_test_run(tests, NULL, NULL);
}
