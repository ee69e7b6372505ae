/* tests/test_storage_exec.c — the exec vendor against real plugin programs: the reference plugin
 * (plugins/hostpath-exec.sh) round trip; scripted plugins that answer badly in every way the
 * protocol names (bad JSON, missing fields, wrong types, wrong protocol version, nonzero exit,
 * a mount outside the workspace or on a volume); plugins that hang, flood stdout or leave
 * processes behind — and after each, no backup is half-recorded and no process of the plugin's
 * group is left. No replica runs here: the vendor needs only the platform's volume layout. */
#include "helpers.h"

#include "platform/platform.h"
#include "storage/storage.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <jansson.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROTO "\"protocolVersion\":\"chaindrill-vendor-exec/1\""
#define N 3

struct fixture {
	char *scratch; /* plugins and their canned answers live here, outside the workspace */
	char *ws;
	struct drill_platform *p;
	struct drill_vendor *v;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

/* A bash script `name` in the scratch directory (outside the workspace); returns its path. */
static char *script(struct fixture *f, const char *name, const char *body)
{
	char *path = drill_xasprintf("%s/%s", f->scratch, name);
	char *text = drill_xasprintf("#!/bin/bash\n%s\n", body);
	put(path, text);
	assert_int_equal(chmod(path, 0755), 0);
	free(text);
	return path;
}

/* The scripted plugin: answers operation OP with the file OP.json and exits with OP.exit. */
static const char *const scripted_body =
	"d=$(dirname \"$0\"); cat >/dev/null\n"
	"[ -f \"$d/$1.json\" ] && cat \"$d/$1.json\"\n"
	"exit \"$(cat \"$d/$1.exit\" 2>/dev/null || echo 0)\"";

static void answer(struct fixture *f, const char *op, const char *json, int code)
{
	char *j = drill_xasprintf("%s/%s.json", f->scratch, op);
	char *e = drill_xasprintf("%s/%s.exit", f->scratch, op);
	put(j, json);
	char num[16];
	snprintf(num, sizeof(num), "%d", code);
	put(e, num);
	free(j);
	free(e);
}

static int open_vendor(struct fixture *f, const char *program, unsigned timeout_s)
{
	drill_vendor_destroy(f->v);
	f->v = NULL;
	struct drill_vendor_config c = {.name = "exec", .program = program, .timeout_s = timeout_s};
	return drill_vendor_open(&f->v, &c, f->ws, f->p);
}

/* Three volumes, each with a small database-like tree: a data file hard-linked into a
 * checkpoint. */
static void setup_fixture(struct fixture *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->scratch = drill_test_scratch(name);
	f->ws = drill_xasprintf("%s/ws", f->scratch);
	assert_drill_ok(drill_fs_mkdir_p(f->ws, 0755));
	struct drill_cluster_spec s = {.namespace_ = "ns", .blockchain_id = "bc", .replicas = N,
				       .reclaim = DRILL_RECLAIM_RETAIN};
	assert_drill_ok(drill_platform_open(&f->p, "local", f->ws, &s));
	for (int i = 0; i < N; i++) {
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
	free(f->scratch);
}

static json_t *manifest(struct fixture *f)
{
	char *path = drill_xasprintf("%s/vendor-exec/manifest.json", f->ws);
	json_error_t e;
	json_t *m = json_load_file(path, 0, &e);
	if (!m)
		fail_msg("%s: %s", path, e.text);
	free(path);
	return m;
}

/* The manifest records no backup `name`, and its last call failed. */
static void assert_nothing_recorded(struct fixture *f, const char *name)
{
	json_t *m = manifest(f);
	assert_null(json_object_get(json_object_get(m, "backups"), name));
	json_t *calls = json_object_get(m, "calls");
	json_t *last = json_array_get(calls, json_array_size(calls) - 1);
	assert_false(json_is_true(json_object_get(last, "ok")));
	assert_non_null(json_string_value(json_object_get(last, "error")));
	json_decref(m);
	assert_int_equal(f->v->ops->restore(f->v, name), DRILL_ENOTFOUND);
}

static void assert_err_has(int rc, int want_rc, const char *needle)
{
	if (rc != want_rc || !strstr(drill_err_last(), needle))
		fail_msg("expected %d with \"%s\", got %d: %s", want_rc, needle, rc, drill_err_last());
}

/* 1 while some live process (not a zombie) is in process group `pgid`. */
static int group_alive(pid_t pgid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int alive = 0;
	while (d && (e = readdir(d)) && !alive) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		char path[300], buf[1024];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *fp = fopen(path, "r");
		if (!fp)
			continue;
		size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		buf[n] = '\0';
		const char *rp = strrchr(buf, ')'); /* "pid (comm) S ppid pgrp ..." */
		char state;
		int ppid, pgrp;
		if (rp && sscanf(rp + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 && pgrp == pgid &&
		    state != 'Z' && state != 'X')
			alive = 1;
	}
	if (d)
		closedir(d);
	return alive;
}

/* Poll until the group is gone (fails after 5 s). */
static void assert_group_gone(const char *pidfile)
{
	char *text = slurp(pidfile);
	assert_non_null(text);
	pid_t pgid = (pid_t)atoi(text);
	free(text);
	assert_true(pgid > 1);
	double deadline = now_s() + 5;
	while (group_alive(pgid)) {
		if (now_s() > deadline)
			fail_msg("process group %d still has live processes", (int)pgid);
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
}

/* --- the reference plugin ----------------------------------------------------------------- */

static void test_reference_round_trip(void **unused)
{
	(void)unused;
	struct fixture f;
	setup_fixture(&f, "reference");
	const char *src = getenv("CHAINDRILL_SOURCE");
	assert_non_null(src);
	char *program = drill_xasprintf("%s/plugins/hostpath-exec.sh", src);
	assert_drill_ok(open_vendor(&f, program, 30));
	assert_string_equal(f.v->ops->name, "exec");

	assert_drill_ok(f.v->ops->backup(f.v, "nightly"));
	assert_true(f.v->bytes_copied > 0);
	json_t *m = manifest(&f);
	json_t *b = json_object_get(json_object_get(m, "backups"), "nightly");
	assert_non_null(b);
	assert_int_equal(json_array_size(json_object_get(b, "volumes")), N);
	json_t *v1 = json_array_get(json_object_get(b, "volumes"), 1);
	assert_string_equal(json_string_value(json_object_get(v1, "snapshotId")),
			    "nightly/concord-pvc-bc-replica-1");
	assert_int_equal((uint64_t)json_integer_value(json_object_get(b, "bytes")),
			 f.v->bytes_copied);
	json_decref(m);
	/* The request as sent: the protocol, the volumes with their host paths. */
	char *reqp = drill_xasprintf("%s/vendor-exec/calls/001-snapshot.request.json", f.ws);
	json_t *req = json_load_file(reqp, 0, NULL);
	assert_non_null(req);
	assert_string_equal(json_string_value(json_object_get(req, "protocolVersion")),
			    "chaindrill-vendor-exec/1");
	assert_string_equal(json_string_value(json_object_get(req, "operation")), "snapshot");
	char *root2 = vol(&f, 2, "");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(req, "volumes"), 2), "hostPath")),
			    root2);
	json_decref(req);
	free(reqp);
	/* The plugin's copy keeps the checkpoint's hard link. */
	char *store = drill_xasprintf("%s/vendor-exec/store/nightly/concord-pvc-bc-replica-0/ns/bc/"
				      "replica-x/rocksdbdata", f.ws);
	char *a = drill_xasprintf("%s/000007.sst", store);
	char *l = drill_xasprintf("%s/checkpoints/150/000007.sst", store);
	struct stat sa, sl;
	assert_int_equal(stat(a, &sa), 0);
	assert_int_equal(stat(l, &sl), 0);
	assert_int_equal(sa.st_ino, sl.st_ino);
	assert_int_equal(f.v->ops->backup(f.v, "nightly"), DRILL_EINPUT);

	/* Damage a volume; reopen the vendor (its record is in the workspace); restore. */
	char *sst = vol(&f, 1, "ns/bc/replica-x/rocksdbdata/000007.sst");
	char *extra = vol(&f, 1, "ns/bc/replica-x/rocksdbdata/000099.sst");
	put(sst, "changed");
	put(extra, "new");
	assert_drill_ok(open_vendor(&f, program, 30));
	assert_drill_ok(f.v->ops->restore(f.v, "nightly"));
	assert_true(f.v->bytes_copied > 0);
	char *got = slurp(sst);
	assert_string_equal(got, "replica 1 data");
	free(got);
	assert_false(drill_fs_exists(extra));
	char *root = NULL;
	assert_drill_ok(f.v->ops->source_root(f.v, "nightly", 1, &root));
	char *want = drill_xasprintf("%s/vendor-exec/store/nightly/concord-pvc-bc-replica-1", f.ws);
	char *rwant = realpath(want, NULL);
	assert_string_equal(root, rwant);
	free(root);
	/* The restore request carried the snapshot ids the snapshot answered. */
	char *rq = drill_xasprintf("%s/vendor-exec/calls/003-restore.request.json", f.ws);
	req = json_load_file(rq, 0, NULL);
	assert_non_null(req);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(req, "volumes"), 0), "snapshotId")),
			    "nightly/concord-pvc-bc-replica-0");
	json_decref(req);
	free(rq);
	/* Each call has a header in the plugin's log. */
	char *logp = drill_xasprintf("%s/logs/vendor-exec.log", f.ws);
	char *log = slurp(logp);
	assert_non_null(log);
	assert_non_null(strstr(log, "--- chaindrill: call 2: "));
	assert_non_null(strstr(log, " list\n"));
	free(log);
	free(logp);

	assert_drill_ok(f.v->ops->remove(f.v, "nightly"));
	assert_false(drill_fs_exists(want));
	assert_int_equal(f.v->ops->source_root(f.v, "nightly", 0, &root), DRILL_EFAIL);
	assert_int_equal(f.v->ops->restore(f.v, "nightly"), DRILL_ENOTFOUND);
	assert_drill_ok(f.v->ops->remove(f.v, "nightly")); /* absent: nothing to do */
	assert_int_equal(f.v->ops->backup(f.v, "../x"), DRILL_EINPUT);
	free(want);
	free(rwant);
	free(sst);
	free(extra);
	free(store);
	free(a);
	free(l);
	free(root2);
	free(program);
	teardown_fixture(&f);
}

/* --- opening ------------------------------------------------------------------------------ */

static void test_program_missing_or_not_executable(void **unused)
{
	(void)unused;
	struct fixture f;
	setup_fixture(&f, "program");
	char *missing = drill_xasprintf("%s/no-such-plugin", f.scratch);
	assert_err_has(open_vendor(&f, missing, 5), DRILL_EENV, "install the vendor's plugin");
	assert_non_null(strstr(drill_err_last(), missing));
	char *plain = script(&f, "plain.sh", "exit 0");
	assert_int_equal(chmod(plain, 0644), 0);
	assert_err_has(open_vendor(&f, plain, 5), DRILL_EENV, "is not executable");
	assert_non_null(strstr(drill_err_last(), "chmod +x"));
	assert_err_has(open_vendor(&f, f.scratch, 5), DRILL_EENV, "not a regular file");
	assert_err_has(open_vendor(&f, NULL, 5), DRILL_EINPUT, "needs storage.program");
	assert_err_has(open_vendor(&f, "relative.sh", 5), DRILL_EINPUT, "not an absolute path");
	assert_null(f.v);
	/* Nothing was written into the workspace. */
	char *dir = drill_xasprintf("%s/vendor-exec", f.ws);
	assert_false(drill_fs_exists(dir));
	free(dir);
	free(missing);
	free(plain);
	teardown_fixture(&f);
}

/* --- responses ---------------------------------------------------------------------------- */

#define VOLS_OK                                                                                \
	"[{\"index\":2,\"snapshotId\":\"s2\",\"bytes\":3},"                                   \
	"{\"index\":0,\"snapshotId\":\"s0\",\"bytes\":1},"                                    \
	"{\"index\":1,\"snapshotId\":\"s1\",\"bytes\":2}]"

static const struct {
	const char *json;
	int code;
	const char *error;
} bad_snapshots[] = {
	{"{" PROTO ",\"ok\":true,", 0, "its response is not valid JSON (line 1"},
	{"not json at all", 0, "its response is not valid JSON"},
	{"{" PROTO ",\"ok\":true,\"volumes\":" VOLS_OK "} trailing", 0, "not valid JSON"},
	{"{" PROTO ",\"ok\":true,\"ok\":true,\"volumes\":" VOLS_OK "}", 0, "duplicate"},
	{"", 0, "it printed no response"},
	{"[1, 2]", 0, "the response is not a JSON object"},
	{"{\"ok\":true,\"volumes\":" VOLS_OK "}", 0, "no string \"protocolVersion\""},
	{"{" PROTO ",\"volumes\":" VOLS_OK "}", 0, "no boolean \"ok\""},
	{"{" PROTO ",\"ok\":\"true\",\"volumes\":" VOLS_OK "}", 0, "no boolean \"ok\""},
	{"{" PROTO ",\"ok\":true}", 0, "no array \"volumes\""},
	{"{" PROTO ",\"ok\":true,\"volumes\":{}}", 0, "no array \"volumes\""},
	{"{" PROTO ",\"ok\":true,\"volumes\":[{\"index\":0,\"snapshotId\":\"a\",\"bytes\":1}]}", 0,
	 "\"volumes\" has 1 entries for 3 volumes"},
	{"{" PROTO ",\"ok\":true,\"volumes\":[1,2,3]}", 0, "volumes[0] is not an object"},
	{"{" PROTO ",\"ok\":true,\"volumes\":[{\"index\":\"0\",\"snapshotId\":\"a\",\"bytes\":1},"
	 "{\"index\":1,\"snapshotId\":\"b\",\"bytes\":1},{\"index\":2,\"snapshotId\":\"c\","
	 "\"bytes\":1}]}", 0, "volumes[0].index is not an integer in 0..2"},
	{"{" PROTO ",\"ok\":true,\"volumes\":[{\"index\":0,\"snapshotId\":\"a\",\"bytes\":1},"
	 "{\"index\":3,\"snapshotId\":\"b\",\"bytes\":1},{\"index\":2,\"snapshotId\":\"c\","
	 "\"bytes\":1}]}", 0, "volumes[1].index is not an integer in 0..2"},
	{"{" PROTO ",\"ok\":true,\"volumes\":[{\"index\":0,\"snapshotId\":\"a\",\"bytes\":1},"
	 "{\"index\":0,\"snapshotId\":\"b\",\"bytes\":1},{\"index\":2,\"snapshotId\":\"c\","
	 "\"bytes\":1}]}", 0, "volumes[1].index 0 appears twice"},
	{"{" PROTO ",\"ok\":true,\"volumes\":[{\"index\":0,\"snapshotId\":\"a\",\"bytes\":-1},"
	 "{\"index\":1,\"snapshotId\":\"b\",\"bytes\":1},{\"index\":2,\"snapshotId\":\"c\","
	 "\"bytes\":1}]}", 0, "volumes[0].bytes is not a non-negative integer"},
	{"{" PROTO ",\"ok\":true,\"volumes\":[{\"index\":0,\"snapshotId\":\"a\",\"bytes\":1.5},"
	 "{\"index\":1,\"snapshotId\":\"b\",\"bytes\":1},{\"index\":2,\"snapshotId\":\"c\","
	 "\"bytes\":1}]}", 0, "volumes[0].bytes is not a non-negative integer"},
	{"{" PROTO ",\"ok\":true,\"volumes\":[{\"index\":0,\"bytes\":1},"
	 "{\"index\":1,\"snapshotId\":\"b\",\"bytes\":1},{\"index\":2,\"snapshotId\":\"c\","
	 "\"bytes\":1}]}", 0, "volume 0 has no \"snapshotId\""},
	{"{" PROTO ",\"ok\":true,\"volumes\":[{\"index\":0,\"snapshotId\":\"\",\"bytes\":1},"
	 "{\"index\":1,\"snapshotId\":\"b\",\"bytes\":1},{\"index\":2,\"snapshotId\":\"c\","
	 "\"bytes\":1}]}", 0, "volume 0 has no \"snapshotId\""},
	{"{\"protocolVersion\":\"chaindrill-vendor-exec/2\",\"ok\":true,\"volumes\":" VOLS_OK "}",
	 0, "it speaks protocol \"chaindrill-vendor-exec/2\"; this chaindrill speaks "
	 "chaindrill-vendor-exec/1"},
	{"{\"protocolVersion\":1,\"ok\":true}", 0, "no string \"protocolVersion\""},
	{"{" PROTO ",\"ok\":false}", 0, "failed: ok:false without an \"error\""},
	{"{" PROTO ",\"ok\":false,\"error\":\"no quota\"}", 0, "snapshot nightly: failed: no quota"},
	{"{" PROTO ",\"ok\":false,\"error\":\"quota\\nexceeded\"}", 4,
	 "failed (exited with code 4): quota | exceeded"},
	{"", 2, "snapshot nightly: exited with code 2"},
	{"{" PROTO ",\"ok\":true,\"volumes\":" VOLS_OK "}", 1,
	 "exited with code 1 although its response says ok:true"},
};

static void test_bad_snapshot_responses(void **unused)
{
	(void)unused;
	struct fixture f;
	setup_fixture(&f, "bad_snapshot");
	char *program = script(&f, "scripted.sh", scripted_body);
	assert_drill_ok(open_vendor(&f, program, 30));
	for (size_t k = 0; k < sizeof(bad_snapshots) / sizeof(bad_snapshots[0]); k++) {
		answer(&f, "snapshot", bad_snapshots[k].json, bad_snapshots[k].code);
		int rc = f.v->ops->backup(f.v, "nightly");
		if (rc != DRILL_EFAIL || !strstr(drill_err_last(), bad_snapshots[k].error))
			fail_msg("case %zu: expected \"%s\", got %d: %s", k, bad_snapshots[k].error,
				 rc, drill_err_last());
		/* every message names the plugin and the operation */
		char *label = drill_xasprintf("exec plugin %s snapshot nightly: ", program);
		assert_non_null(strstr(drill_err_last(), label));
		free(label);
		assert_int_equal(f.v->bytes_copied, 0);
		assert_nothing_recorded(&f, "nightly");
	}
	/* And then a good answer records the backup, volumes in index order. */
	answer(&f, "snapshot", "{" PROTO ",\"ok\":true,\"volumes\":" VOLS_OK ",\"extra\":1}", 0);
	assert_drill_ok(f.v->ops->backup(f.v, "nightly"));
	assert_int_equal(f.v->bytes_copied, 6);
	json_t *m = manifest(&f);
	json_t *vols = json_object_get(json_object_get(json_object_get(m, "backups"), "nightly"),
				       "volumes");
	assert_string_equal(json_string_value(json_object_get(json_array_get(vols, 2),
							      "snapshotId")), "s2");
	json_decref(m);
	free(program);
	teardown_fixture(&f);
}

static void test_stderr_tail_in_message(void **unused)
{
	(void)unused;
	struct fixture f;
	setup_fixture(&f, "stderr");
	char *program = script(&f, "noisy.sh",
			       "cat >/dev/null; for i in $(seq 1 200); do echo \"progress $i\" >&2; done\n"
			       "echo 'ERROR: volume vol-123 is busy' >&2; exit 5");
	assert_drill_ok(open_vendor(&f, program, 30));
	int rc = f.v->ops->backup(f.v, "nightly");
	assert_err_has(rc, DRILL_EFAIL, "snapshot nightly: exited with code 5; stderr: ...");
	assert_non_null(strstr(drill_err_last(), "progress 200 | ERROR: volume vol-123 is busy"));
	assert_null(strstr(drill_err_last(), "progress 1 |"));
	assert_true(strlen(drill_err_last()) < 600);
	free(program);
	teardown_fixture(&f);
}

/* --- processes ---------------------------------------------------------------------------- */

static void test_hang_times_out_and_group_killed(void **unused)
{
	(void)unused;
	struct fixture f;
	setup_fixture(&f, "hang");
	/* Ignores SIGTERM (and so do its children), so the escalation to SIGKILL is needed. */
	char *pidfile = drill_xasprintf("%s/pid", f.scratch);
	char *body = drill_xasprintf("echo $$ > %s; trap '' TERM; echo 'working' >&2\n"
				     "sleep 300 & sleep 300", pidfile);
	char *program = script(&f, "hang.sh", body);
	assert_drill_ok(open_vendor(&f, program, 1));
	double t0 = now_s();
	int rc = f.v->ops->backup(f.v, "nightly");
	double took = now_s() - t0;
	assert_err_has(rc, DRILL_EFAIL, "snapshot nightly: timed out after 1 s; its process group "
		       "was killed; stderr: working");
	assert_true(took >= 1.0 && took < 5.0);
	assert_group_gone(pidfile);
	assert_nothing_recorded(&f, "nightly");
	json_t *m = manifest(&f);
	json_t *c = json_array_get(json_object_get(m, "calls"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "status")), "timed out");
	json_decref(m);
	free(pidfile);
	free(body);
	free(program);
	teardown_fixture(&f);
}

/* A plugin that answers and exits but leaves a child holding its stdout: the answer counts, the
 * child is killed, and the call does not wait for the time limit. */
static void test_leftover_process_killed(void **unused)
{
	(void)unused;
	struct fixture f;
	setup_fixture(&f, "leftover");
	char *pidfile = drill_xasprintf("%s/pid", f.scratch);
	char *body = drill_xasprintf("echo $$ > %s; cat >/dev/null; sleep 300 &\n"
				     "echo '{" PROTO ",\"ok\":true,\"volumes\":" VOLS_OK "}'", pidfile);
	char *program = script(&f, "leftover.sh", body);
	assert_drill_ok(open_vendor(&f, program, 30));
	double t0 = now_s();
	assert_drill_ok(f.v->ops->backup(f.v, "nightly"));
	assert_true(now_s() - t0 < 10);
	assert_group_gone(pidfile);
	free(pidfile);
	free(body);
	free(program);
	teardown_fixture(&f);
}

static void test_output_too_large(void **unused)
{
	(void)unused;
	struct fixture f;
	setup_fixture(&f, "flood");
	char *pidfile = drill_xasprintf("%s/pid", f.scratch);
	char *body = drill_xasprintf("echo $$ > %s; yes '{\"padding\": 1}'", pidfile);
	char *program = script(&f, "flood.sh", body);
	assert_drill_ok(open_vendor(&f, program, 30));
	double t0 = now_s();
	int rc = f.v->ops->backup(f.v, "nightly");
	assert_err_has(rc, DRILL_EFAIL, "wrote more than 1048576 bytes to stdout");
	assert_true(now_s() - t0 < 10); /* the cap, not the time limit, stopped it */
	assert_group_gone(pidfile);
	assert_nothing_recorded(&f, "nightly");
	/* What was kept of its output is capped too. */
	char *out = drill_xasprintf("%s/vendor-exec/calls/001-snapshot.stdout", f.ws);
	struct stat st;
	assert_int_equal(stat(out, &st), 0);
	assert_true(st.st_size <= 1048576);
	free(out);
	free(pidfile);
	free(body);
	free(program);
	teardown_fixture(&f);
}

static void test_killed_by_signal(void **unused)
{
	(void)unused;
	struct fixture f;
	setup_fixture(&f, "signal");
	char *program = script(&f, "crash.sh", "kill -9 $$");
	assert_drill_ok(open_vendor(&f, program, 30));
	assert_err_has(f.v->ops->backup(f.v, "nightly"), DRILL_EFAIL, "killed by signal 9");
	assert_nothing_recorded(&f, "nightly");
	free(program);
	teardown_fixture(&f);
}

/* --- restore: mounts ---------------------------------------------------------------------- */

static char *restore_answer(const char *m0, const char *m1, const char *m2)
{
	return drill_xasprintf("{" PROTO ",\"ok\":true,\"volumes\":[{\"index\":0,\"mount\":\"%s\","
			       "\"bytes\":1},{\"index\":1,\"mount\":\"%s\",\"bytes\":1},"
			       "{\"index\":2,\"mount\":\"%s\",\"bytes\":1}]}", m0, m1, m2);
}

static void test_restore_mounts_checked(void **unused)
{
	(void)unused;
	struct fixture f;
	setup_fixture(&f, "mounts");
	char *program = script(&f, "scripted.sh", scripted_body);
	assert_drill_ok(open_vendor(&f, program, 30));
	answer(&f, "snapshot", "{" PROTO ",\"ok\":true,\"volumes\":" VOLS_OK "}", 0);
	answer(&f, "list", "{" PROTO ",\"ok\":true,\"backups\":[{\"name\":\"nightly\"}]}", 0);
	assert_drill_ok(f.v->ops->backup(f.v, "nightly"));
	/* Three restored copies inside the workspace, apart from the volumes. */
	char *m[N];
	for (int i = 0; i < N; i++) {
		m[i] = drill_xasprintf("%s/vendor-exec/store/restored-%d", f.ws, i);
		assert_drill_ok(drill_fs_mkdir_p(m[i], 0755));
	}
	char *good = restore_answer(m[0], m[1], m[2]);
	answer(&f, "restore", good, 0);
	assert_drill_ok(f.v->ops->restore(f.v, "nightly"));
	assert_int_equal(f.v->bytes_copied, 3);
	char *root = NULL;
	assert_drill_ok(f.v->ops->source_root(f.v, "nightly", 2, &root));
	char *real2 = realpath(m[2], NULL);
	assert_string_equal(root, real2);
	free(root);
	free(real2);

	/* Outside the workspace (a sibling directory, and a link inside pointing out of it). */
	char *outside = drill_xasprintf("%s/outside", f.scratch);
	assert_drill_ok(drill_fs_mkdir_p(outside, 0755));
	char *keep = drill_xasprintf("%s/keep", outside);
	put(keep, "untouched");
	char *link_in = drill_xasprintf("%s/vendor-exec/store/sneaky", f.ws);
	assert_int_equal(symlink(outside, link_in), 0);
	char *vol1 = vol(&f, 1, "");
	char *inside_vol = vol(&f, 2, "ns");
	char *missing = drill_xasprintf("%s/vendor-exec/store/absent", f.ws);
	char *file = drill_xasprintf("%s/vendor-exec/manifest.json", f.ws);
	const struct {
		const char *mount;
		const char *error;
	} bad[] = {
		{outside, "lies outside the workspace"},
		{link_in, "lies outside the workspace"},
		{"/", "lies outside the workspace"},
		{vol1, "overlaps replica 1's volume"},
		{inside_vol, "overlaps replica 2's volume"},
		{f.ws, "lies outside the workspace"},
		{missing, "No such file or directory"},
		{file, "is not a directory"},
		{"relative/path", "volume 1 has no \"mount\" (an absolute path)"},
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		char *ans = restore_answer(m[0], bad[k].mount, m[2]);
		answer(&f, "restore", ans, 0);
		int rc = f.v->ops->restore(f.v, "nightly");
		if (rc != DRILL_EFAIL || !strstr(drill_err_last(), bad[k].error) ||
		    !strstr(drill_err_last(), "the restore failed"))
			fail_msg("case %zu (%s): got %d: %s", k, bad[k].mount, rc, drill_err_last());
		/* A failed restore leaves nothing to copy a checkpoint from. */
		assert_int_equal(f.v->ops->source_root(f.v, "nightly", 0, &root), DRILL_EFAIL);
		free(ans);
	}
	char *text = slurp(keep);
	assert_string_equal(text, "untouched");
	free(text);
	free(keep);

	/* The plugin no longer lists the backup: nothing is restored. */
	answer(&f, "list", "{" PROTO ",\"ok\":true,\"backups\":[{\"name\":\"other\"}]}", 0);
	assert_err_has(f.v->ops->restore(f.v, "nightly"), DRILL_ENOTFOUND,
		       "list: the plugin does not list backup nightly");
	answer(&f, "list", "{" PROTO ",\"ok\":true,\"backups\":[\"nightly\"]}", 0);
	assert_err_has(f.v->ops->restore(f.v, "nightly"), DRILL_EFAIL,
		       "backups[0] has no string \"name\"");
	/* A failing restore says so, with the plugin's error. */
	answer(&f, "list", "{" PROTO ",\"ok\":true,\"backups\":[{\"name\":\"nightly\"}]}", 0);
	answer(&f, "restore", "{" PROTO ",\"ok\":false,\"error\":\"snapshot s1 is gone\"}", 1);
	assert_err_has(f.v->ops->restore(f.v, "nightly"), DRILL_EFAIL,
		       "restore nightly: failed (exited with code 1): snapshot s1 is gone");
	/* Delete that fails keeps the record; one that succeeds drops it. */
	answer(&f, "delete", "{" PROTO ",\"ok\":false,\"error\":\"locked\"}", 1);
	assert_err_has(f.v->ops->remove(f.v, "nightly"), DRILL_EFAIL, "delete nightly: failed");
	answer(&f, "delete", "{" PROTO ",\"ok\":true}", 0);
	assert_drill_ok(f.v->ops->remove(f.v, "nightly"));
	assert_int_equal(f.v->ops->restore(f.v, "nightly"), DRILL_ENOTFOUND);

	for (int i = 0; i < N; i++)
		free(m[i]);
	free(good);
	free(outside);
	free(link_in);
	free(vol1);
	free(inside_vol);
	free(missing);
	free(file);
	free(program);
	teardown_fixture(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_round_trip),
		cmocka_unit_test(test_program_missing_or_not_executable),
		cmocka_unit_test(test_bad_snapshot_responses),
		cmocka_unit_test(test_stderr_tail_in_message),
		cmocka_unit_test(test_hang_times_out_and_group_killed),
		cmocka_unit_test(test_leftover_process_killed),
		cmocka_unit_test(test_output_too_large),
		cmocka_unit_test(test_killed_by_signal),
		cmocka_unit_test(test_restore_mounts_checked),
	};
	return drill_test_run(tests, NULL, NULL);
}
