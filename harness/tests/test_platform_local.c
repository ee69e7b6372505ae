/* tests/test_platform_local.c — the local platform with real replica processes: install, scale,
 * one replica down and up, uninstall with Retain and Delete, a replica that cannot start, one that
 * dies under us, reaping a crashed run's leftovers (and leaving strangers alone), and the names of
 * the runbook's layout.
 *
 * The test binary is its own replica: run as `test_platform_local replica ARGS...` it calls
 * drill_replica_main, so it does not depend on the chaindrill binary. */
#include "helpers.h"

#include "platform/platform.h"
#include "replica/client.h"
#include "replica/replica.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/http.h"
#include "util/proc.h"

#include <jansson.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *self_exe;

static struct drill_cluster_spec spec(int replicas, enum drill_reclaim reclaim)
{
	return (struct drill_cluster_spec){
		.namespace_ = "ns1", .blockchain_id = "bc7", .replicas = replicas,
		.storage_class = "standard", .reclaim = reclaim,
		.ckpt = {.enabled = 1, .keep = 3, .interval_s = 1, .window = 150},
		.replica_exe = self_exe};
}

static struct drill_platform *open_local(const char *name, int n, enum drill_reclaim reclaim)
{
	char *ws = drill_test_scratch(name);
	struct drill_cluster_spec s = spec(n, reclaim);
	struct drill_platform *p = NULL;
	assert_drill_ok(drill_platform_open(&p, "local", ws, &s));
	free(ws);
	return p;
}

static char *ws_path(struct drill_platform *p, const char *fmt, int i)
{
	char *rel = drill_xasprintf(fmt, i);
	char *path = drill_xasprintf("%s/%s", p->workspace, rel);
	free(rel);
	return path;
}

static pid_t pid_of(struct drill_platform *p, int i)
{
	char *path = ws_path(p, "run/replica-%d.pid", i), *txt = NULL;
	size_t len;
	pid_t pid = 0;
	if (drill_fs_read_file(&txt, &len, path, 64) == 0)
		pid = (pid_t)atoi(txt);
	free(txt);
	free(path);
	return pid;
}

static json_t *state(struct drill_platform *p)
{
	char *path = drill_xasprintf("%s/platform/state.json", p->workspace);
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	free(path);
	assert_non_null(j);
	return j;
}

static void test_names(void **unused)
{
	struct drill_cluster_spec s = spec(4, DRILL_RECLAIM_RETAIN);
	char *claim = drill_platform_claim_name(&s, 2), *sub = drill_platform_data_subpath(&s, 3);
	assert_string_equal(claim, "concord-pvc-bc7-replica-2");
	assert_string_equal(sub, "ns1/bc7/replica-3/rocksdbdata");
	free(claim);
	free(sub);
}

static void test_open_refusals(void **unused)
{
	char *ws = drill_test_scratch("open-refusals");
	struct drill_cluster_spec s = spec(4, DRILL_RECLAIM_RETAIN);
	struct drill_platform *p = (void *)1;
	assert_int_equal(drill_platform_open(&p, "openshift", ws, &s), DRILL_EINPUT);
	assert_null(p);
	assert_non_null(strstr(drill_err_last(), "unknown platform"));
	/* This machine has no Docker engine: kind and minikube say what to install or start. */
	for (const char *name = "kind"; name; name = strcmp(name, "kind") ? NULL : "minikube") {
		assert_int_equal(drill_platform_open(&p, name, ws, &s), DRILL_EENV);
		assert_null(p);
		assert_non_null(strstr(drill_err_last(), name));
		assert_true(strstr(drill_err_last(), "Docker") || strstr(drill_err_last(), "install"));
	}
	char *missing = drill_xasprintf("%s/nope", ws);
	assert_int_equal(drill_platform_open(&p, "local", missing, &s), DRILL_EINPUT);
	free(missing);
	free(ws);
}

static void test_lifecycle(void **unused)
{
	struct drill_platform *p = open_local("lifecycle", 4, DRILL_RECLAIM_RETAIN);
	char *url = NULL, *root = NULL;
	assert_int_equal(p->ops->scale(p, 1), DRILL_EINPUT); /* not installed yet */
	assert_drill_ok(p->ops->install(p));
	assert_int_equal(p->ops->install(p), DRILL_EINPUT); /* twice */
	for (int i = 0; i < 4; i++) {
		assert_true(p->ops->replica_up(p, i));
		assert_drill_ok(p->ops->replica_url(p, i, &url));
		struct drill_replica_status st = {0};
		assert_drill_ok(drill_client_status(&st, url));
		assert_int_equal(st.replica_id, i);
		drill_replica_status_free(&st);
		free(url);
		/* The volume is where minikube's hostpath provisioner would put it. */
		assert_drill_ok(p->ops->volume_root(p, i, &root));
		char *want = drill_xasprintf("%s/hostpath-provisioner/ns1/concord-pvc-bc7-replica-%d",
					     p->workspace, i);
		assert_string_equal(root, want);
		char *db = drill_xasprintf("%s/ns1/bc7/replica-%d/rocksdbdata/CURRENT", root, i);
		assert_true(drill_fs_exists(db));
		free(db);
		free(want);
		free(root);
	}
	json_t *st = state(p);
	assert_true(json_is_true(json_object_get(st, "installed")));
	assert_int_equal(json_array_size(json_object_get(st, "claims")), 4);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(st, "claims"), 0), "phase")),
			    "Bound");
	json_decref(st);

	/* One replica down: its url goes, its pid file goes, the process is gone. */
	pid_t pid1 = pid_of(p, 1);
	assert_true(pid1 > 0);
	assert_drill_ok(p->ops->stop_replica(p, 1));
	assert_false(p->ops->replica_up(p, 1));
	assert_int_equal(p->ops->replica_url(p, 1, &url), DRILL_ENOTFOUND);
	assert_int_equal(pid_of(p, 1), 0);
	assert_int_equal(kill(pid1, 0), -1);
	assert_int_equal(p->ops->stop_replica(p, 1), DRILL_EINPUT);
	assert_int_equal(p->ops->stop_replica(p, 9), DRILL_EINPUT);
	assert_drill_ok(p->ops->start_replica(p, 1));
	assert_true(p->ops->replica_up(p, 1));
	assert_int_equal(p->ops->start_replica(p, 1), DRILL_EINPUT);

	/* replicaCount=0: nothing runs; =1: everything is back and ready. */
	pid_t pids[4];
	for (int i = 0; i < 4; i++)
		pids[i] = pid_of(p, i);
	assert_drill_ok(p->ops->scale(p, 0));
	for (int i = 0; i < 4; i++) {
		assert_int_equal(kill(pids[i], 0), -1);
		assert_false(p->ops->replica_up(p, i));
	}
	assert_int_equal(p->ops->scale(p, 2), DRILL_EINPUT);
	assert_drill_ok(p->ops->scale(p, 1));
	for (int i = 0; i < 4; i++)
		assert_true(p->ops->replica_up(p, i));
	drill_platform_destroy(p);
}

/* A file on a volume tells whether the volume survived an uninstall. */
static void mark_volume(struct drill_platform *p, int i)
{
	char *root = NULL;
	p->ops->volume_root(p, i, &root);
	char *mark = drill_xasprintf("%s/mark", root);
	assert_drill_ok(drill_fs_write_atomic(mark, "x", 1));
	free(mark);
	free(root);
}

static int volume_marked(struct drill_platform *p, int i)
{
	char *root = NULL;
	p->ops->volume_root(p, i, &root);
	char *mark = drill_xasprintf("%s/mark", root);
	int marked = drill_fs_exists(mark);
	free(mark);
	free(root);
	return marked;
}

static void test_uninstall_retain(void **unused)
{
	struct drill_platform *p = open_local("retain", 4, DRILL_RECLAIM_RETAIN);
	assert_drill_ok(p->ops->install(p));
	pid_t pid0 = pid_of(p, 0);
	for (int i = 0; i < 4; i++)
		mark_volume(p, i);
	assert_drill_ok(p->ops->uninstall(p));
	assert_int_equal(kill(pid0, 0), -1);
	assert_int_equal(p->ops->uninstall(p), DRILL_EINPUT);
	json_t *st = state(p);
	assert_true(json_is_false(json_object_get(st, "installed")));
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(st, "claims"), 3), "phase")),
			    "Released");
	json_decref(st);
	for (int i = 0; i < 4; i++)
		assert_true(volume_marked(p, i));
	/* Reinstalling binds the same volumes again. */
	assert_drill_ok(p->ops->install(p));
	for (int i = 0; i < 4; i++)
		assert_true(volume_marked(p, i) && p->ops->replica_up(p, i));
	drill_platform_destroy(p);
}

static void test_uninstall_delete(void **unused)
{
	struct drill_platform *p = open_local("delete", 4, DRILL_RECLAIM_DELETE);
	assert_drill_ok(p->ops->install(p));
	for (int i = 0; i < 4; i++)
		mark_volume(p, i);
	assert_drill_ok(p->ops->uninstall(p));
	char *root = NULL;
	for (int i = 0; i < 4; i++) {
		p->ops->volume_root(p, i, &root);
		assert_false(drill_fs_exists(root));
		free(root);
	}
	json_t *st = state(p);
	assert_int_equal(json_array_size(json_object_get(st, "claims")), 0);
	json_decref(st);
	assert_drill_ok(p->ops->install(p));
	for (int i = 0; i < 4; i++)
		assert_false(volume_marked(p, i));
	drill_platform_destroy(p);
}

/* A replica that cannot start: the error says how it ended and what it logged; nothing stays. */
static void test_replica_fails_to_start(void **unused)
{
	char *ws = drill_test_scratch("fails-to-start");
	struct drill_cluster_spec s = spec(4, DRILL_RECLAIM_RETAIN);
	char *script = drill_xasprintf("%s/bad-replica", ws);
	const char *body = "#!/bin/sh\necho 'cannot open rocksdbdata: simulated' >&2\nexit 4\n";
	assert_drill_ok(drill_fs_write_atomic(script, body, strlen(body)));
	assert_int_equal(chmod(script, 0755), 0);
	s.replica_exe = script;
	struct drill_platform *p = NULL;
	assert_drill_ok(drill_platform_open(&p, "local", ws, &s));
	assert_int_equal(p->ops->install(p), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "exited with code 4 before it was ready"));
	assert_non_null(strstr(drill_err_last(), "simulated"));
	for (int i = 0; i < 4; i++)
		assert_int_equal(pid_of(p, i), 0);
	drill_platform_destroy(p);
	free(script);
	free(ws);
}

/* A replica killed under us: scaling down reports it, with its signal. */
static void test_replica_dies(void **unused)
{
	struct drill_platform *p = open_local("dies", 4, DRILL_RECLAIM_RETAIN);
	assert_drill_ok(p->ops->install(p));
	pid_t pid2 = pid_of(p, 2);
	assert_int_equal(kill(pid2, SIGKILL), 0);
	/* Until the platform looks, the pid is a zombie of ours: url and up say it is down. */
	for (int tries = 0; tries < 200 && p->ops->replica_up(p, 2); tries++)
		usleep(10000);
	assert_false(p->ops->replica_up(p, 2));
	assert_int_equal(p->ops->scale(p, 0), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "replica-2"));
	assert_non_null(strstr(drill_err_last(), "signal 9"));
	for (int i = 0; i < 4; i++)
		assert_int_equal(pid_of(p, i), 0);
	drill_platform_destroy(p);
}

/* A replica that aborts while it runs (RocksDB's assertion on damaged data; here its message is
 * appended to the replica's log and the abort is a SIGABRT): replica_failure says how it ended
 * and what it logged; while it runs, and once a stop has reported it, there is nothing to say. */
static void test_replica_aborts(void **unused)
{
	static const char assertion[] = "chaindrill: ./table/block_based/data_block_hash_index.cc:80: "
		"void rocksdb::DataBlockHashIndex::Initialize(const char*, uint16_t, uint16_t*): "
		"Assertion `size > num_buckets_ * sizeof(uint8_t)' failed.\n";
	struct drill_platform *p = open_local("aborts", 1, DRILL_RECLAIM_RETAIN);
	char *why = NULL;
	assert_int_equal(drill_platform_replica_failure(p, 0, &why), DRILL_ENOTFOUND);
	assert_drill_ok(p->ops->install(p));
	assert_int_equal(drill_platform_replica_failure(p, 0, &why), DRILL_ENOTFOUND);
	assert_null(why);
	char *log = ws_path(p, "logs/replica-%d.log", 0);
	FILE *f = fopen(log, "a");
	assert_non_null(f);
	fputs(assertion, f);
	fclose(f);
	assert_int_equal(kill(pid_of(p, 0), SIGABRT), 0);
	/* until it has ended (a sanitizer's handler takes its time), there is nothing to say */
	int rc = DRILL_ENOTFOUND;
	for (int tries = 0; tries < 1000 && rc == DRILL_ENOTFOUND; tries++) {
		rc = drill_platform_replica_failure(p, 0, &why);
		if (rc == DRILL_ENOTFOUND)
			usleep(10000);
	}
	assert_drill_ok(rc);
	assert_non_null(strstr(why, "replica-0"));
	assert_non_null(strstr(why, "killed by signal 6"));
	assert_non_null(strstr(why, "Assertion `size > num_buckets_ * sizeof(uint8_t)' failed."));
	free(why);
	assert_int_equal(p->ops->scale(p, 0), DRILL_EFAIL); /* it ended on its own */
	assert_int_equal(drill_platform_replica_failure(p, 0, &why), DRILL_ENOTFOUND);
	assert_int_equal(drill_platform_replica_failure(p, 5, &why), DRILL_ENOTFOUND);
	free(log);
	drill_platform_destroy(p);
}

/* What a crashed run left: a process whose command line is a replica of this workspace is stopped;
 * a pid file naming a stranger (here: this test) stops nothing. */
static void test_reap_stale(void **unused)
{
	char *ws = drill_test_scratch("reap");
	char *run = drill_xasprintf("%s/run", ws);
	assert_drill_ok(drill_fs_mkdir_p(run, 0755));
	char *real = realpath(run, NULL);
	char *portf = drill_xasprintf("%s/replica-0.port", real);
	/* A stand-in replica: `sh -c 'sleep' replica PORTFILE` has both in its command line. */
	char *argv[] = {"/bin/sh", "-c", "sleep 60; :", "replica", portf, NULL};
	pid_t pid;
	assert_drill_ok(drill_proc_spawn(&pid, argv, NULL));
	char txt[32];
	/* Wait until the exec has happened, so /proc/pid/cmdline is the shell's. */
	for (int tries = 0; tries < 500; tries++) {
		char path[64], *cmd = NULL;
		size_t len = 0;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		int ok = drill_fs_read_file(&cmd, &len, path, 4096) == 0 && len > 8 &&
			 !strcmp(cmd, "/bin/sh");
		free(cmd);
		if (ok)
			break;
		usleep(2000);
	}
	char *pidf = drill_xasprintf("%s/replica-0.pid", real);
	snprintf(txt, sizeof(txt), "%d\n", (int)pid);
	assert_drill_ok(drill_fs_write_atomic(pidf, txt, strlen(txt)));
	assert_drill_ok(drill_fs_write_atomic(portf, "1\n", 2));
	char *pidf1 = drill_xasprintf("%s/replica-1.pid", real);
	snprintf(txt, sizeof(txt), "%d\n", (int)getpid());
	assert_drill_ok(drill_fs_write_atomic(pidf1, txt, strlen(txt)));

	assert_int_equal(drill_platform_reap_stale(ws), 1);
	int status = 0;
	assert_drill_ok(drill_proc_wait(pid, 5000, &status));
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	assert_false(drill_fs_exists(pidf));
	assert_false(drill_fs_exists(portf));
	assert_false(drill_fs_exists(pidf1));
	assert_int_equal(kill(getpid(), 0), 0); /* still here */
	/* Nothing to reap: none. */
	assert_int_equal(drill_platform_reap_stale(ws), 0);
	free(pidf);
	free(pidf1);
	free(portf);
	free(real);
	free(run);
	free(ws);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "replica")) {
		if (drill_http_global_init() != 0)
			return 3;
		return drill_replica_main(argc - 1, argv + 1);
	}
	self_exe = drill_proc_self_exe();
	drill_http_global_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_open_refusals),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_uninstall_retain),
		cmocka_unit_test(test_uninstall_delete),
		cmocka_unit_test(test_replica_fails_to_start),
		cmocka_unit_test(test_replica_dies),
		cmocka_unit_test(test_replica_aborts),
		cmocka_unit_test(test_reap_stale),
	};
	return drill_test_run(tests, NULL, NULL);
}
