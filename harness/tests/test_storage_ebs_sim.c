/* tests/test_storage_ebs_sim.c — the ebs-sim vendor on real directories: a snapshot per volume
 * and the EKS restore (volume from snapshot, attach, mount beside the original), state.json as
 * written, EC2's zone check and its error shape, the cleanup after the copy, and state that
 * survives reopening the vendor.
 *
 * No replica runs here: the vendor needs only the platform's volume layout. */
#include "helpers.h"

#include "platform/platform.h"
#include "storage/storage.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const zones3[] = {"us-east-1a", "us-east-1b", "us-east-1c"};

struct fixture {
	char *ws;
	struct drill_platform *p;
	struct drill_vendor *v;
	struct drill_vendor_config cfg;
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

static json_t *state(struct fixture *f)
{
	char *path = drill_xasprintf("%s/ebs-sim/state.json", f->ws);
	json_error_t e;
	json_t *s = json_load_file(path, 0, &e);
	if (!s)
		fail_msg("%s: %s", path, e.text);
	free(path);
	return s;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* The element of array key of the state whose field is value (borrowed from s). */
static json_t *find(json_t *s, const char *array, const char *field, const char *value)
{
	size_t k;
	json_t *x;
	json_array_foreach(json_object_get(s, array), k, x)
		if (!strcmp(str(x, field), value))
			return x;
	return NULL;
}

static void open_vendor(struct fixture *f)
{
	assert_drill_ok(drill_vendor_open(&f->v, &f->cfg, f->ws, f->p));
}

/* Four volumes (replica 3 shares zone a with replica 0), each with a file and a checkpoint that
 * hard-links it. */
static void setup_fixture(struct fixture *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->ws = drill_test_scratch(name);
	struct drill_cluster_spec s = {.namespace_ = "ns", .blockchain_id = "bc", .replicas = 4,
				       .reclaim = DRILL_RECLAIM_RETAIN};
	assert_drill_ok(drill_platform_open(&f->p, "local", f->ws, &s));
	f->cfg = (struct drill_vendor_config){.name = "ebs-sim", .zones = zones3, .n_zones = 3};
	open_vendor(f);
	for (int i = 0; i < 4; i++) {
		char *db = vol(f, i, "ns/bc/replica-x/rocksdbdata");
		char *ck = drill_xasprintf("%s/checkpoints/150", db);
		assert_drill_ok(drill_fs_mkdir_p(ck, 0755));
		char *sst = drill_xasprintf("%s/000007.sst", db), *lnk = drill_xasprintf("%s/000007.sst", ck);
		char *text = drill_xasprintf("replica %d data", i);
		put(sst, text);
		assert_int_equal(link(sst, lnk), 0);
		free(db);
		free(ck);
		free(sst);
		free(lnk);
		free(text);
	}
}

static void teardown_fixture(struct fixture *f)
{
	drill_vendor_destroy(f->v);
	drill_platform_destroy(f->p);
	free(f->ws);
}

/* A file hard-linked from outside the volumes is reported over the whole set of snapshots; one
 * linked between two volumes (both in the set) and the checkpoints' own links are not. */
static void test_backup_reports_shared_hard_links(void **unused)
{
	struct fixture f;
	setup_fixture(&f, "shared-links");
	char *secret = drill_xasprintf("%s/secret", f.ws);
	put(secret, "not the replica's");
	char *in2 = vol(&f, 2, "ns/bc/replica-x/rocksdbdata/000099.sst");
	assert_int_equal(link(secret, in2), 0);
	char *a = vol(&f, 0, "ns/bc/replica-x/rocksdbdata/000123.sst");
	char *b = vol(&f, 3, "ns/bc/replica-x/rocksdbdata/000123.sst");
	put(a, "in two volumes of the set");
	assert_int_equal(link(a, b), 0);
	assert_drill_ok(f.v->ops->backup(f.v, "nightly"));
	assert_int_equal(f.v->n_shared, 1);
	assert_string_equal(f.v->shared[0].path, in2);
	assert_int_equal(f.v->shared[0].nlink, 2);
	assert_int_equal(f.v->shared[0].met, 1);
	free(a);
	free(b);
	free(in2);
	free(secret);
	teardown_fixture(&f);
}

static void test_snapshot_restore_round_trip(void **unused)
{
	struct fixture f;
	setup_fixture(&f, "round-trip");
	assert_drill_ok(f.v->ops->backup(f.v, "nightly"));
	assert_true(f.v->bytes_copied > 0);
	assert_int_equal(f.v->ops->backup(f.v, "nightly"), DRILL_EINPUT);
	assert_non_null(strstr(drill_err_last(), "already exists"));
	/* After the backup the live data changes. */
	char *sst1 = vol(&f, 1, "ns/bc/replica-x/rocksdbdata/000007.sst");
	put(sst1, "changed after the backup");

	assert_drill_ok(f.v->ops->restore(f.v, "nightly"));
	assert_true(f.v->bytes_copied > 0);
	/* The restore leaves the original volume alone: the runbook copies the checkpoint. */
	char *got = slurp(sst1);
	assert_string_equal(got, "changed after the backup");
	free(got);
	/* The restored copy is mounted beside it, with the snapshot's data and hard links. */
	for (int i = 0; i < 4; i++) {
		char *src = NULL;
		assert_drill_ok(f.v->ops->source_root(f.v, "nightly", i, &src));
		assert_non_null(strstr(src, "/ebs-sim/mnt/i-0"));
		char *tail = drill_xasprintf("/source/replica-%d", i);
		assert_non_null(strstr(src, tail));
		char *a = drill_xasprintf("%s/ns/bc/replica-x/rocksdbdata/000007.sst", src);
		char *b = drill_xasprintf("%s/ns/bc/replica-x/rocksdbdata/checkpoints/150/000007.sst", src);
		char *want = drill_xasprintf("replica %d data", i);
		got = slurp(a);
		assert_non_null(got);
		assert_string_equal(got, want);
		struct stat sa, sb;
		assert_int_equal(stat(a, &sa), 0);
		assert_int_equal(stat(b, &sb), 0);
		assert_int_equal(sa.st_ino, sb.st_ino);
		free(got);
		free(want);
		free(a);
		free(b);
		free(tail);
		free(src);
	}
	json_t *s = state(&f);
	size_t k;
	json_t *x;
	int restored = 0;
	json_array_foreach(json_object_get(s, "volumes"), k, x) {
		if (strcmp(str(x, "role"), "restored"))
			continue;
		restored++;
		assert_string_equal(str(x, "state"), "in-use");
		assert_string_equal(str(x, "device"), "/dev/sdf");
		assert_string_equal(str(x, "backup"), "nightly");
		json_t *inst = find(s, "instances", "instanceId", str(x, "attachedTo"));
		assert_non_null(inst);
		assert_string_equal(str(inst, "zone"), str(x, "zone"));
		assert_true(drill_fs_is_dir(str(x, "mountPoint")));
		assert_false(drill_fs_exists(str(x, "path"))); /* its files are at the mount */
	}
	assert_int_equal(restored, 4);
	json_decref(s);
	free(sst1);
	teardown_fixture(&f);
}

static void test_state_json(void **unused)
{
	struct fixture f;
	setup_fixture(&f, "state");
	assert_drill_ok(f.v->ops->backup(f.v, "b1"));
	json_t *s = state(&f);
	assert_string_equal(str(s, "schema"), "chaindrill-ebs-sim/1");
	/* One instance per replica, in zones[i % 3]. */
	json_t *insts = json_object_get(s, "instances");
	assert_int_equal(json_array_size(insts), 4);
	for (int i = 0; i < 4; i++) {
		json_t *in = json_array_get(insts, (size_t)i);
		assert_int_equal(json_integer_value(json_object_get(in, "replica")), i);
		assert_string_equal(str(in, "zone"), zones3[i % 3]);
		assert_int_equal(strncmp(str(in, "instanceId"), "i-0", 3), 0);
		assert_int_equal(strlen(str(in, "instanceId")), 19);
	}
	/* The live volumes, registered at first use: attached to their instances. */
	json_t *vols = json_object_get(s, "volumes");
	assert_int_equal(json_array_size(vols), 4);
	for (int i = 0; i < 4; i++) {
		json_t *v = json_array_get(vols, (size_t)i);
		char *root = vol(&f, i, "");
		assert_int_equal(strncmp(str(v, "volumeId"), "vol-0", 5), 0);
		assert_int_equal(strlen(str(v, "volumeId")), 21);
		assert_string_equal(str(v, "role"), "original");
		assert_string_equal(str(v, "state"), "in-use");
		assert_string_equal(str(v, "zone"), zones3[i % 3]);
		assert_string_equal(str(v, "device"), "/dev/xvdba");
		assert_string_equal(str(v, "path"), root);
		assert_true(json_integer_value(json_object_get(v, "size")) >= 1);
		json_t *in = find(s, "instances", "instanceId", str(v, "attachedTo"));
		assert_non_null(in);
		assert_int_equal(json_integer_value(json_object_get(in, "replica")), i);
		free(root);
	}
	/* One completed snapshot per volume, tagged, each at its own recorded moment. */
	json_t *snaps = json_object_get(s, "snapshots");
	assert_int_equal(json_array_size(snaps), 4);
	json_int_t last_seq = 0;
	for (int i = 0; i < 4; i++) {
		json_t *sn = json_array_get(snaps, (size_t)i);
		assert_int_equal(strncmp(str(sn, "snapshotId"), "snap-0", 6), 0);
		assert_string_equal(str(sn, "state"), "completed");
		assert_string_equal(str(sn, "volumeId"), str(json_array_get(vols, (size_t)i), "volumeId"));
		const char *t = str(sn, "startTime");
		assert_int_equal(strlen(t), 24); /* 2024-01-02T03:04:05.678Z */
		assert_int_equal(t[10], 'T');
		assert_int_equal(t[23], 'Z');
		json_int_t seq = json_integer_value(json_object_get(sn, "sequence"));
		assert_true(seq > last_seq);
		last_seq = seq;
		json_t *tag = json_array_get(json_object_get(sn, "tags"), 0);
		assert_string_equal(str(tag, "key"), "chaindrill/backup");
		assert_string_equal(str(tag, "value"), "b1");
		char *dir = drill_xasprintf("%s/ebs-sim/snapshots/%s/ns/bc/replica-x/rocksdbdata/000007.sst",
					    f.ws, str(sn, "snapshotId"));
		char *want = drill_xasprintf("replica %d data", i), *got = slurp(dir);
		assert_non_null(got);
		assert_string_equal(got, want);
		free(dir);
		free(want);
		free(got);
	}
	assert_true(json_integer_value(json_object_get(s, "sequence")) >= last_seq);
	json_decref(s);
	/* Every call is in the log, one JSON object a line. */
	char *log = drill_xasprintf("%s/ebs-sim/api-calls.jsonl", f.ws);
	char *text = slurp(log);
	assert_non_null(text);
	int creates = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		json_error_t e;
		json_t *j = json_loads(line, 0, &e);
		assert_non_null(j);
		creates += !strcmp(str(j, "action"), "CreateSnapshot");
		json_decref(j);
	}
	assert_int_equal(creates, 4);
	free(text);
	free(log);
	teardown_fixture(&f);
}

static void test_zone_mismatch(void **unused)
{
	struct fixture f;
	setup_fixture(&f, "zone");
	assert_drill_ok(f.v->ops->backup(f.v, "b"));
	assert_int_equal(f.v->ops->arm(f.v, "no-such-fault", 1, "x"), DRILL_EINPUT);
	assert_int_equal(f.v->ops->arm(f.v, "restore-zone", 9, "us-east-1c"), DRILL_EINPUT);
	assert_drill_ok(f.v->ops->arm(f.v, "restore-zone", 1, "us-east-1c"));
	assert_int_equal(f.v->ops->restore(f.v, "b"), DRILL_EFAIL);
	const char *msg = drill_err_last();
	assert_non_null(strstr(msg, "replica 1: attach-volume: InvalidVolume.ZoneMismatch: "
				    "The volume 'vol-0"));
	assert_non_null(strstr(msg, "' is not in the same availability zone as instance 'i-0"));
	json_t *s = state(&f);
	json_t *inst = find(s, "instances", "zone", "us-east-1b");
	assert_non_null(strstr(msg, str(inst, "instanceId")));
	/* EC2 left the volume where it was made: available, in the wrong zone. */
	size_t k;
	json_t *x, *wrong = NULL;
	json_array_foreach(json_object_get(s, "volumes"), k, x)
		if (!strcmp(str(x, "role"), "restored") &&
		    json_integer_value(json_object_get(x, "replica")) == 1)
			wrong = x;
	assert_non_null(wrong);
	assert_string_equal(str(wrong, "zone"), "us-east-1c");
	assert_string_equal(str(wrong, "state"), "available");
	assert_true(json_is_null(json_object_get(wrong, "attachedTo")));
	json_decref(s);
	/* The log holds the error as code and message. */
	char *log = drill_xasprintf("%s/ebs-sim/api-calls.jsonl", f.ws);
	char *text = slurp(log);
	char *last = strrchr(text, '\n');
	*last = 0;
	last = strrchr(text, '\n');
	json_error_t e;
	json_t *j = json_loads(last ? last + 1 : text, 0, &e);
	assert_non_null(j);
	assert_string_equal(str(j, "action"), "AttachVolume");
	json_t *err = json_object_get(j, "error");
	assert_string_equal(str(err, "code"), "InvalidVolume.ZoneMismatch");
	assert_non_null(strstr(str(err, "message"), "is not in the same availability zone"));
	json_decref(j);
	free(text);
	free(log);
	/* Armed for one restore: the next one clears what this one left and goes through. */
	assert_drill_ok(f.v->ops->restore(f.v, "b"));
	s = state(&f);
	int restored = 0;
	json_array_foreach(json_object_get(s, "volumes"), k, x)
		restored += !strcmp(str(x, "role"), "restored");
	assert_int_equal(restored, 4);
	json_decref(s);
	assert_drill_ok(f.v->ops->finish_restore(f.v, "b"));
	/* The instance's own zone is fine; a zone EC2 does not know is refused at CreateVolume. */
	assert_drill_ok(f.v->ops->backup(f.v, "c"));
	assert_drill_ok(f.v->ops->arm(f.v, "restore-zone", 2, "us-east-1c"));
	assert_drill_ok(f.v->ops->restore(f.v, "c"));
	assert_drill_ok(f.v->ops->finish_restore(f.v, "c"));
	assert_drill_ok(f.v->ops->backup(f.v, "d"));
	assert_drill_ok(f.v->ops->arm(f.v, "restore-zone", 0, "eu-west-9z"));
	assert_int_equal(f.v->ops->restore(f.v, "d"), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "replica 0: create-volume: InvalidParameterValue: "
						 "Invalid availability zone: [eu-west-9z]"));
	teardown_fixture(&f);
}

static void test_cleanup_deletes_volume_and_snapshot(void **unused)
{
	struct fixture f;
	setup_fixture(&f, "cleanup");
	assert_drill_ok(f.v->ops->backup(f.v, "b"));
	assert_drill_ok(f.v->ops->restore(f.v, "b"));
	char **mounts = drill_xcalloc(4, sizeof(*mounts));
	for (int i = 0; i < 4; i++)
		assert_drill_ok(f.v->ops->source_root(f.v, "b", i, &mounts[i]));
	json_t *before = state(&f);
	assert_drill_ok(f.v->ops->finish_restore(f.v, "b"));
	json_t *s = state(&f);
	/* Only the originals are left; no snapshot; nothing on disk. */
	size_t k;
	json_t *x;
	json_array_foreach(json_object_get(s, "volumes"), k, x)
		assert_string_equal(str(x, "role"), "original");
	assert_int_equal(json_array_size(json_object_get(s, "volumes")), 4);
	assert_int_equal(json_array_size(json_object_get(s, "snapshots")), 0);
	assert_int_equal(json_array_size(json_object_get(s, "deletedSnapshots")), 4);
	json_array_foreach(json_object_get(before, "volumes"), k, x) {
		if (strcmp(str(x, "role"), "restored"))
			continue;
		char *dir = drill_xasprintf("%s/ebs-sim/volumes/%s", f.ws, str(x, "volumeId"));
		assert_false(drill_fs_exists(dir));
		free(dir);
	}
	json_array_foreach(json_object_get(before, "snapshots"), k, x) {
		char *dir = drill_xasprintf("%s/ebs-sim/snapshots/%s", f.ws, str(x, "snapshotId"));
		assert_false(drill_fs_exists(dir));
		free(dir);
	}
	for (int i = 0; i < 4; i++) {
		assert_false(drill_fs_exists(mounts[i]));
		free(mounts[i]);
	}
	free(mounts);
	/* The order of the calls is the runbook's. */
	char *log = drill_xasprintf("%s/ebs-sim/api-calls.jsonl", f.ws);
	char *text = slurp(log);
	const char *order[] = {"\"Unmount\"", "\"DetachVolume\"", "\"DeleteVolume\"", "\"DeleteSnapshot\""};
	const char *at = strstr(text, "\"Mount\"");
	for (size_t n = 0; n < 4; n++) {
		assert_non_null(at);
		at = strstr(at, order[n]);
	}
	assert_non_null(at);
	free(text);
	free(log);
	/* The backup is gone: restoring it again says why. */
	assert_int_equal(f.v->ops->restore(f.v, "b"), DRILL_ENOTFOUND);
	assert_non_null(strstr(drill_err_last(), "was deleted"));
	assert_int_equal(f.v->ops->restore(f.v, "never"), DRILL_ENOTFOUND);
	assert_non_null(strstr(drill_err_last(), "no backup named never"));
	/* The original volumes were never touched. */
	char *sst = vol(&f, 2, "ns/bc/replica-x/rocksdbdata/000007.sst");
	char *got = slurp(sst);
	assert_string_equal(got, "replica 2 data");
	free(got);
	free(sst);
	json_decref(before);
	json_decref(s);
	teardown_fixture(&f);
}

static void test_state_survives_reopen(void **unused)
{
	struct fixture f;
	setup_fixture(&f, "reopen");
	assert_drill_ok(f.v->ops->backup(f.v, "b1"));
	json_t *s1 = state(&f);
	drill_vendor_destroy(f.v);
	f.v = NULL;
	open_vendor(&f);
	/* The same instances and volumes; the snapshot is found and restored from. */
	json_t *s2 = state(&f);
	assert_true(json_equal(json_object_get(s1, "instances"), json_object_get(s2, "instances")));
	assert_true(json_equal(json_object_get(s1, "volumes"), json_object_get(s2, "volumes")));
	char *src = NULL;
	assert_drill_ok(f.v->ops->source_root(f.v, "b1", 3, &src));
	assert_non_null(strstr(src, "/ebs-sim/snapshots/snap-0"));
	free(src);
	assert_int_equal(f.v->ops->backup(f.v, "b1"), DRILL_EINPUT);
	assert_drill_ok(f.v->ops->backup(f.v, "b2"));
	assert_drill_ok(f.v->ops->restore(f.v, "b1"));
	/* Reopened mid-restore, it still knows where the restored volumes are mounted. */
	drill_vendor_destroy(f.v);
	f.v = NULL;
	open_vendor(&f);
	assert_drill_ok(f.v->ops->source_root(f.v, "b1", 0, &src));
	assert_non_null(strstr(src, "/source/replica-0"));
	assert_true(drill_fs_is_dir(src));
	free(src);
	assert_drill_ok(f.v->ops->finish_restore(f.v, "b1"));
	/* Sequences and ids go on from where they were: nothing is reused. */
	json_t *s3 = state(&f);
	assert_true(json_integer_value(json_object_get(s3, "sequence")) >
		    json_integer_value(json_object_get(s1, "sequence")));
	json_t *first = json_array_get(json_object_get(s1, "snapshots"), 0);
	json_t *later = json_array_get(json_object_get(s3, "snapshots"), 0); /* b2's */
	assert_true(json_integer_value(json_object_get(later, "sequence")) >
		    json_integer_value(json_object_get(first, "sequence")));
	assert_string_not_equal(str(later, "snapshotId"), str(first, "snapshotId"));
	assert_string_equal(str(json_array_get(json_object_get(later, "tags"), 0), "value"), "b2");
	/* remove deletes b2's snapshots. */
	assert_drill_ok(f.v->ops->remove(f.v, "b2"));
	json_t *s4 = state(&f);
	assert_int_equal(json_array_size(json_object_get(s4, "snapshots")), 0);
	json_decref(s1);
	json_decref(s2);
	json_decref(s3);
	json_decref(s4);
	/* A state file that is not ebs-sim's is refused. */
	drill_vendor_destroy(f.v);
	f.v = NULL;
	char *path = drill_xasprintf("%s/ebs-sim/state.json", f.ws);
	put(path, "{\"schema\": \"something-else\"}");
	struct drill_vendor *v = (void *)1;
	assert_int_equal(drill_vendor_open(&v, &f.cfg, f.ws, f.p), DRILL_EFAIL);
	assert_null(v);
	assert_non_null(strstr(drill_err_last(), "not an ebs-sim state"));
	free(path);
	teardown_fixture(&f);
}

static void test_names(void **unused)
{
	struct fixture f;
	setup_fixture(&f, "names");
	const char *bad[] = {"", ".", "..", "../escape", "a/b"};
	char *p = NULL;
	for (size_t k = 0; k < sizeof(bad) / sizeof(*bad); k++) {
		assert_int_equal(f.v->ops->backup(f.v, bad[k]), DRILL_EINPUT);
		assert_int_equal(f.v->ops->restore(f.v, bad[k]), DRILL_EINPUT);
		assert_int_equal(f.v->ops->remove(f.v, bad[k]), DRILL_EINPUT);
		assert_int_equal(f.v->ops->source_root(f.v, bad[k], 0, &p), DRILL_EINPUT);
	}
	/* A volume that is gone cannot be snapshotted; a backup is whole or absent. */
	char *root2 = vol(&f, 2, "");
	assert_drill_ok(drill_fs_remove_tree(root2));
	assert_int_equal(f.v->ops->backup(f.v, "half"), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "replica 2: create-snapshot"));
	assert_non_null(strstr(drill_err_last(), "IncorrectState"));
	json_t *s = state(&f);
	assert_int_equal(json_array_size(json_object_get(s, "snapshots")), 0);
	json_decref(s);
	assert_int_equal(f.v->ops->restore(f.v, "half"), DRILL_ENOTFOUND);
	free(root2);
	teardown_fixture(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_restore_round_trip),
		cmocka_unit_test(test_backup_reports_shared_hard_links),
		cmocka_unit_test(test_state_json),
		cmocka_unit_test(test_zone_mismatch),
		cmocka_unit_test(test_cleanup_deletes_volume_and_snapshot),
		cmocka_unit_test(test_state_survives_reopen),
		cmocka_unit_test(test_names),
	};
	return drill_test_run(tests, NULL, NULL);
}
