/* tests/test_replica_daemon.c — real replica daemons on loopback: ordering, status, checkpoints on
 * disk with retention, refusals, state transfer (with a fork refused), and the two ways to stop.
 *
 * The test binary is its own daemon: run as `test_replica_daemon replica ARGS...` it calls
 * drill_replica_main, so it does not depend on the chaindrill binary being built. */
#include "helpers.h"

#include "chain/block.h"
#include "chain/root.h"
#include "chain/store.h"
#include "replica/client.h"
#include "replica/proto.h"
#include "replica/replica.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/http.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_KIDS 16
#define WAIT_MS 20000
#define NKEYS 37

static pid_t kids[MAX_KIDS];
static char self_exe[4096];

/* ---- processes ---------------------------------------------------------------------------- */

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void forget_kid(pid_t pid)
{
	for (int i = 0; i < MAX_KIDS; i++)
		if (kids[i] == pid)
			kids[i] = 0;
}

struct replica_proc {
	pid_t pid;
	char *data, *port_file, *log, *url;
};

/* Start a replica; extra options after the required ones, NULL-terminated. */
static void spawn(struct replica_proc *p, const char *dir, int id, const char *peers, ...)
{
	char *args[32];
	int n = 0;
	char idbuf[16];
	snprintf(idbuf, sizeof(idbuf), "%d", id);
	free(p->data); /* a restart reuses the struct */
	free(p->port_file);
	free(p->log);
	free(p->url);
	p->data = drill_xasprintf("%s/replica-%d/rocksdbdata", dir, id);
	p->port_file = drill_xasprintf("%s/replica-%d.port", peers, id);
	p->log = drill_xasprintf("%s/replica-%d.log", dir, id);
	p->url = NULL;
	unlink(p->port_file);
	args[n++] = self_exe;
	args[n++] = "replica";
	args[n++] = "--data";
	args[n++] = p->data;
	args[n++] = "--id";
	args[n++] = idbuf;
	args[n++] = "--port-file";
	args[n++] = p->port_file;
	args[n++] = "--peers-dir";
	args[n++] = (char *)peers;
	args[n++] = "-v";
	va_list ap;
	va_start(ap, peers);
	for (char *a; (a = va_arg(ap, char *)) != NULL && n < 30;)
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;

	pid_t parent = getpid();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		setpgid(0, 0);
		int fd = open(p->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		int nul = open("/dev/null", O_RDONLY);
		if (fd < 0 || nul < 0)
			_exit(127);
		dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(self_exe, args);
		_exit(127);
	}
	p->pid = pid;
	for (int i = 0; i < MAX_KIDS; i++)
		if (!kids[i]) {
			kids[i] = pid;
			break;
		}
}

static char *slurp(const char *path)
{
	char *s = NULL;
	size_t len;
	if (drill_fs_read_file(&s, &len, path, 1 << 20) != 0)
		return drill_xstrdup("");
	return s;
}

/* Poll until the port file appears and /v1/ready answers 200. */
static void wait_ready(struct replica_proc *p)
{
	uint64_t t0 = drill_now_ms();
	while (drill_now_ms() - t0 < WAIT_MS) {
		int st;
		if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
			forget_kid(p->pid);
			char *log = slurp(p->log);
			fail_msg("replica exited early (status %d); log:\n%s", st, log);
		}
		if (!p->url) {
			char *txt = NULL;
			size_t len;
			if (drill_fs_read_file(&txt, &len, p->port_file, 64) == 0 && atoi(txt) > 0)
				p->url = drill_xasprintf("http://127.0.0.1:%d", atoi(txt));
			free(txt);
		}
		if (p->url && drill_client_ready(p->url))
			return;
		sleep_ms(10);
	}
	fail_msg("replica %s not ready after %d ms", p->data, WAIT_MS);
}

/* Wait for the replica to exit by itself; returns its exit code. */
static int wait_exit(struct replica_proc *p)
{
	uint64_t t0 = drill_now_ms();
	int st = 0;
	while (drill_now_ms() - t0 < WAIT_MS) {
		if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
			forget_kid(p->pid);
			p->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		sleep_ms(10);
	}
	fail_msg("replica %s did not exit", p->data);
	return -1;
}

static void stop(struct replica_proc *p)
{
	kill(p->pid, SIGTERM);
	assert_int_equal(wait_exit(p), 0);
	free(p->url);
	p->url = NULL;
}

static void proc_free(struct replica_proc *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		forget_kid(p->pid);
	}
	free(p->data);
	free(p->port_file);
	free(p->log);
	free(p->url);
	memset(p, 0, sizeof(*p));
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < MAX_KIDS; i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
			kids[i] = 0;
		}
	return 0;
}

/* ---- the driver's side -------------------------------------------------------------------- */

/* A model of the state, to check the replica's root independently of its own bookkeeping. */
struct model {
	char vals[NKEYS][32];
	int present[NKEYS];
	uint64_t blocks;
};

static void model_root(uint8_t root[DRILL_HASH_LEN], const struct model *m)
{
	memset(root, 0, DRILL_HASH_LEN);
	for (int k = 0; k < NKEYS; k++) {
		if (!m->present[k])
			continue;
		char key[16];
		uint8_t t[DRILL_HASH_LEN];
		int kl = snprintf(key, sizeof(key), "key-%d", k);
		drill_term(t, key, (uint32_t)kl, m->vals[k], (uint32_t)strlen(m->vals[k]));
		drill_root_add(root, t);
	}
}

/* Requests first..last: writes (each updating 3 keys, one of them twice, with `tag` in values),
 * except every 7th, a no-op. Returns the HTTP status of the order on `p`. */
static void build(struct drill_buf *b, struct model *m, uint64_t first, uint64_t last,
		  const char *tag, uint64_t ckpt_create_at)
{
	char keys[4][16], vals[4][32];
	drill_buf_init(b, DRILL_ORDER_MAX_BODY);
	drill_req_batch_begin(b);
	for (uint64_t sn = first; sn <= last; sn++) {
		struct drill_req_update u[4];
		struct drill_req r = {.sn = sn, .ts_ms = sn * 100, .kind = DRILL_REQ_WRITE, .n = 4,
				      .u = u};
		if (sn == ckpt_create_at) {
			r.kind = DRILL_REQ_CKPT_CREATE;
			r.n = 0;
		} else if (sn % 7 == 0) {
			r.kind = DRILL_REQ_NOOP;
			r.n = 0;
		}
		for (uint32_t i = 0; i < r.n; i++) {
			int k = (int)((sn * 5 + (i == 3 ? 0 : i) * 11) % NKEYS);
			snprintf(keys[i], sizeof(keys[i]), "key-%d", k);
			snprintf(vals[i], sizeof(vals[i]), "%s-%" PRIu64 "-%u", tag, sn, i);
			u[i] = (struct drill_req_update){(const uint8_t *)keys[i],
							 (uint32_t)strlen(keys[i]),
							 (const uint8_t *)vals[i],
							 (uint32_t)strlen(vals[i])};
			if (m) {
				snprintf(m->vals[k], sizeof(m->vals[k]), "%s", vals[i]);
				m->present[k] = 1;
			}
		}
		if (m && r.kind == DRILL_REQ_WRITE)
			m->blocks++;
		assert_drill_ok(drill_req_batch_add(b, &r));
	}
	drill_req_batch_end(b);
}

static long post(const char *url, const struct drill_buf *b, struct drill_replica_status *st)
{
	struct drill_http_resp r;
	char *u = drill_xasprintf("%s/v1/order", url);
	assert_drill_ok(drill_http_post(&r, u, b->data, b->len, "application/octet-stream", 60000));
	if (st) {
		memset(st, 0, sizeof(*st));
		if (r.status == 200 || r.status == 409)
			assert_drill_ok(drill_replica_status_from_json(st, r.body, r.len));
	}
	long code = r.status;
	drill_http_resp_free(&r);
	free(u);
	return code;
}

static void order(struct replica_proc **ps, size_t n, struct model *m, uint64_t first,
		  uint64_t last, const char *tag)
{
	struct drill_buf b;
	const char *urls[8];
	struct drill_replica_status sts[8];
	build(&b, m, first, last, tag, 0);
	for (size_t i = 0; i < n; i++)
		urls[i] = ps[i]->url;
	assert_drill_ok(drill_client_order(sts, urls, n, b.data, b.len));
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(sts[i].seq_num, last);
		drill_replica_status_free(&sts[i]);
	}
	drill_buf_free(&b);
}

static int has_ckpt_dir(const char *data, uint64_t id)
{
	char *p = drill_xasprintf("%s/checkpoints/%" PRIu64, data, id);
	int r = drill_fs_is_dir(p) == 1;
	free(p);
	return r;
}

/* Number of write blocks among sn 1..sn (every 7th is a no-op). */
static uint64_t blocks_at(uint64_t sn)
{
	return sn - sn / 7;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_order_status_checkpoints(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("order");
	struct replica_proc a = {0};
	struct model m = {0};
	struct drill_replica_status st;
	uint8_t root[DRILL_HASH_LEN];

	spawn(&a, dir, 0, dir, "--checkpoint-window", "300", "--checkpoint-interval", "30",
	      "--number-of-checkpoints", "2", NULL);
	wait_ready(&a);
	assert_drill_ok(drill_client_status(&st, a.url));
	assert_int_equal(st.seq_num, 0);
	assert_false(st.has_digest);
	drill_replica_status_free(&st);

	/* 1..100 in one batch, then 101..1000 in several */
	struct replica_proc *ps[] = {&a};
	order(ps, 1, &m, 1, 100, "a");
	order(ps, 1, &m, 101, 640, "a");
	order(ps, 1, &m, 641, 1000, "a");
	assert_drill_ok(drill_client_status(&st, a.url));
	assert_int_equal(st.seq_num, 1000);
	assert_int_equal(st.last_block, blocks_at(1000));
	assert_int_equal(st.last_block, m.blocks);
	model_root(root, &m);
	assert_memory_equal(st.state_root, root, DRILL_HASH_LEN);
	/* window 300 and 30 s (= 300 sn at 100 ms): checkpoints at sn 300, 600, 900; keep 2 */
	assert_int_equal(st.ckpt_last_seq, 900);
	assert_int_equal(st.ckpt_last_ts_ms, 90000);
	assert_int_equal(st.n_checkpoints, 2);
	assert_int_equal(st.checkpoints[0].id, blocks_at(600));
	assert_int_equal(st.checkpoints[0].seq_num, 600);
	assert_int_equal(st.checkpoints[1].id, blocks_at(900));
	assert_false(has_ckpt_dir(a.data, blocks_at(300)));
	assert_true(has_ckpt_dir(a.data, blocks_at(600)));
	assert_true(has_ckpt_dir(a.data, blocks_at(900)));
	uint8_t last_digest[DRILL_HASH_LEN];
	memcpy(last_digest, st.last_digest, DRILL_HASH_LEN);
	drill_replica_status_free(&st);

	/* the blocks endpoint serves what the status says */
	struct drill_http_resp r;
	char *u = drill_xasprintf("%s/v1/blocks?from=%" PRIu64 "&count=10", a.url, m.blocks - 1);
	assert_drill_ok(drill_http_get(&r, u, 10000));
	assert_int_equal(r.status, 200);
	const uint8_t *q = (const uint8_t *)r.body;
	struct drill_kv *kv = NULL;
	size_t kv_cap = 0;
	struct drill_block blk;
	uint32_t len = drill_get_be32(q);
	assert_drill_ok(drill_block_decode(&blk, &kv, &kv_cap, q + 4, len));
	assert_int_equal(blk.id, m.blocks - 1);
	q += 4 + len;
	len = drill_get_be32(q);
	assert_drill_ok(drill_block_decode(&blk, &kv, &kv_cap, q + 4, len));
	assert_int_equal(blk.id, m.blocks);
	assert_memory_equal(blk.digest, last_digest, DRILL_HASH_LEN);
	assert_ptr_equal(q + 4 + len, (const uint8_t *)r.body + r.len); /* the chain ends there */
	free(kv);
	drill_http_resp_free(&r);
	free(u);

	/* a wrong sn: 409 with the status, nothing applied; garbage: 400 */
	struct drill_buf b;
	build(&b, NULL, 1002, 1010, "x", 0);
	assert_int_equal(post(a.url, &b, &st), 409);
	assert_int_equal(st.seq_num, 1000);
	drill_replica_status_free(&st);
	drill_buf_free(&b);
	build(&b, NULL, 1000, 1010, "x", 0);
	assert_int_equal(post(a.url, &b, &st), 409);
	drill_replica_status_free(&st);
	b.len -= 3;
	assert_int_equal(post(a.url, &b, NULL), 400);
	drill_buf_free(&b);

	/* an operator checkpoint: ordered at 1001, due at 1050 → the next multiple, 1050 */
	build(&b, &m, 1001, 1050, "a", 1001);
	assert_int_equal(post(a.url, &b, &st), 200);
	drill_buf_free(&b);
	assert_int_equal(st.ckpt_last_seq, 1050);
	assert_int_equal(st.ckpt_scheduled_seq, 0);
	assert_int_equal(st.n_checkpoints, 2);
	assert_int_equal(st.checkpoints[1].id, m.blocks);
	assert_true(has_ckpt_dir(a.data, m.blocks));
	assert_false(has_ckpt_dir(a.data, blocks_at(600)));
	drill_replica_status_free(&st);

	/* SIGTERM, restart: the same state; another id on the same data is refused */
	stop(&a);
	spawn(&a, dir, 0, dir, "--checkpoint-window", "300", "--checkpoint-interval", "30",
	      "--number-of-checkpoints", "2", NULL);
	wait_ready(&a);
	assert_drill_ok(drill_client_status(&st, a.url));
	assert_int_equal(st.seq_num, 1050);
	assert_int_equal(st.last_block, m.blocks);
	model_root(root, &m);
	assert_memory_equal(st.state_root, root, DRILL_HASH_LEN);
	assert_int_equal(st.n_checkpoints, 2);
	uint64_t ck_id = st.checkpoints[1].id;
	drill_replica_status_free(&st);
	stop(&a);

	/* ckpt.self lives only inside the checkpoint */
	struct drill_store *db = NULL;
	uint8_t *v = NULL;
	size_t vlen;
	char *ck_dir = drill_xasprintf("%s/checkpoints/%" PRIu64, a.data, ck_id);
	assert_drill_ok(drill_store_open(&db, ck_dir, DRILL_STORE_READONLY));
	assert_drill_ok(drill_store_get(db, DRILL_CF_DEFAULT, "ckpt.self", 9, &v, &vlen));
	struct drill_ckpt_info self;
	assert_drill_ok(drill_ckpt_info_from_json(&self, (const char *)v, vlen));
	assert_int_equal(self.id, ck_id);
	assert_int_equal(self.seq_num, 1050);
	free(v);
	drill_store_close(db);
	assert_drill_ok(drill_store_open(&db, a.data, DRILL_STORE_READONLY));
	assert_int_equal(drill_store_get(db, DRILL_CF_DEFAULT, "ckpt.self", 9, &v, &vlen),
			 DRILL_ENOTFOUND);
	drill_store_close(db);

	/* restore as the runbook does: the checkpoint's contents become rocksdbdata */
	char *old = drill_xasprintf("%s.old", a.data), *lock = drill_xasprintf("%s/LOCK", a.data);
	assert_int_equal(rename(a.data, old), 0);
	free(ck_dir);
	ck_dir = drill_xasprintf("%s/checkpoints/%" PRIu64, old, ck_id);
	assert_drill_ok(drill_fs_mkdir_p(a.data, 0755));
	struct drill_copy_opts copy = DRILL_COPY_RUNBOOK;
	assert_drill_ok(drill_fs_copy_contents(ck_dir, a.data, &copy));
	unlink(lock);
	spawn(&a, dir, 0, dir, "--checkpoint-window", "300", "--checkpoint-interval", "30",
	      "--number-of-checkpoints", "2", NULL);
	wait_ready(&a);
	assert_drill_ok(drill_client_status(&st, a.url));
	assert_int_equal(st.seq_num, 1050);
	assert_int_equal(st.last_block, ck_id);
	assert_int_equal(st.ckpt_last_seq, 1050);
	assert_int_equal(st.n_checkpoints, 0); /* their directories did not come along */
	drill_replica_status_free(&st);
	stop(&a);
	free(ck_dir);
	free(old);
	free(lock);

	struct replica_proc imp = {0};
	char *other = drill_xasprintf("%s/other", dir);
	assert_drill_ok(drill_fs_mkdir_p(other, 0755));
	char *data1 = drill_xasprintf("%s/replica-1", dir);
	assert_int_equal(symlink("replica-0", data1), 0); /* replica 1's path, replica 0's data */
	spawn(&imp, dir, 1, other, NULL);
	assert_int_equal(wait_exit(&imp), 1);
	char *log = slurp(imp.log);
	assert_non_null(strstr(log, "belongs to replica 0, not to replica 1"));
	free(log);
	proc_free(&imp);
	free(data1);
	free(other);
	proc_free(&a);
	free(dir);
}

/* POST /v1/disk: the monitor prunes the oldest checkpoint at once when the volume is too small,
 * then once per monitor interval of consensus time at BFT checkpoints; a roomy volume prunes
 * nothing; a malformed body is refused. */
static void test_disk_pressure(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("disk");
	struct replica_proc a = {0};
	struct model m = {0};
	struct drill_replica_status st;
	spawn(&a, dir, 0, dir, "--checkpoint-window", "150", "--checkpoint-interval", "15",
	      "--number-of-checkpoints", "5", NULL);
	wait_ready(&a);
	struct replica_proc *ps[] = {&a};
	order(ps, 1, &m, 1, 600, "a"); /* checkpoints at sn 150, 300, 450, 600 */

	json_t *ans = NULL;
	assert_drill_ok(drill_client_set_disk(&ans, a.url, UINT64_C(1) << 50, 50, 60));
	assert_true(json_is_false(json_object_get(ans, "lowDiskSpace")));
	assert_true(json_is_null(json_object_get(ans, "pruned")));
	assert_int_equal(json_array_size(json_object_get(ans, "checkpoints")), 4);
	assert_true(json_integer_value(json_object_get(ans, "usedBytes")) >=
		    json_integer_value(json_object_get(ans, "dbBytes")));
	json_decref(ans);

	assert_drill_ok(drill_client_set_disk(&ans, a.url, 1, 50, 30));
	assert_true(json_is_true(json_object_get(ans, "lowDiskSpace")));
	assert_int_equal(json_integer_value(json_object_get(ans, "pruned")), blocks_at(150));
	assert_int_equal(json_integer_value(json_object_get(ans, "availableBytes")), 0);
	json_decref(ans);
	assert_false(has_ckpt_dir(a.data, blocks_at(150)));
	assert_true(has_ckpt_dir(a.data, blocks_at(300)));

	/* monitor every 30 s = 300 sn: it checks at sn 750 (the first BFT checkpoint after the POST)
	 * and at 1050, not at 900. Retained: 750 +750 -300; 900 +900; 1050 +1050 -450. */
	order(ps, 1, &m, 601, 1050, "a");
	assert_drill_ok(drill_client_status(&st, a.url));
	assert_int_equal(st.n_checkpoints, 4);
	assert_int_equal(st.checkpoints[0].id, blocks_at(600));
	assert_int_equal(st.checkpoints[1].id, blocks_at(750));
	assert_int_equal(st.checkpoints[3].id, blocks_at(1050));
	drill_replica_status_free(&st);
	assert_false(has_ckpt_dir(a.data, blocks_at(450)));

	struct drill_http_resp r;
	char *u = drill_xasprintf("%s/v1/disk", a.url);
	assert_drill_ok(drill_http_post(&r, u, "{\"volumeSize\": -1}", 17, "application/json",
					10000));
	assert_int_equal(r.status, 400);
	drill_http_resp_free(&r);
	assert_drill_ok(drill_http_post(&r, u, "", 0, "application/json", 10000));
	assert_int_equal(r.status, 400);
	drill_http_resp_free(&r);
	free(u);
	stop(&a);
	proc_free(&a);
	free(dir);
}

/* POST to `path` and return the HTTP status (the body is dropped). */
static long post_raw(const char *url, const char *path, const void *body, size_t len)
{
	struct drill_http_resp r;
	char *u = drill_xasprintf("%s%s", url, path);
	assert_drill_ok(drill_http_post(&r, u, body, len, "application/octet-stream", 10000));
	long code = r.status;
	drill_http_resp_free(&r);
	free(u);
	return code;
}

static long get_raw(const char *url, const char *path)
{
	struct drill_http_resp r;
	char *u = drill_xasprintf("%s%s", url, path);
	assert_drill_ok(drill_http_get(&r, u, 10000));
	long code = r.status;
	drill_http_resp_free(&r);
	free(u);
	return code;
}

/* Malformed request bodies and query strings on every handler: each is refused (400, 404, 405 or
 * 413) and changes nothing; the replica lives on (under ASan a bad free or read would kill it) and
 * still orders. Issue 15: a body too short to be a batch made handle_order free a reader it never
 * initialised. */
static void test_malformed_requests(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("malformed");
	struct replica_proc a = {0};
	struct model m = {0};
	struct drill_replica_status st;
	spawn(&a, dir, 0, dir, "--cold-start", NULL);
	wait_ready(&a);
	struct replica_proc *ps[] = {&a};
	order(ps, 1, &m, 1, 20, "a");

	static const uint8_t bad_magic[] = "XDRQ\0\0\0\1";
	static const uint8_t big_count[] = "CDRQ\xff\xff\xff\xff";
	static const uint8_t short_req[] = "CDRQ\0\0\0\1\0\0\0\0\0\0\0\x15";
	/* sn 21, kind 1, n 1, then an update whose key claims 4 GiB */
	static const uint8_t long_key[] = "CDRQ\0\0\0\1" "\0\0\0\0\0\0\0\x15" "\0\0\0\0\0\0\0\1"
					  "\1" "\0\0\0\1" "\xff\xff\xff\xff" "k";
	static const uint8_t bad_kind[] = "CDRQ\0\0\0\1" "\0\0\0\0\0\0\0\x15" "\0\0\0\0\0\0\0\1"
					  "\x7f" "\0\0\0\0";
	static const uint8_t trailing[] = "CDRQ\0\0\0\1" "\0\0\0\0\0\0\0\x15" "\0\0\0\0\0\0\0\1"
					  "\0" "\0\0\0\0" "junk";
	const struct {
		const void *b;
		size_t len;
	} orders[] = {
		{"", 0}, {"x", 1}, {"CDRQ", 4}, {bad_magic, 8}, {big_count, 8},
		{short_req, sizeof(short_req) - 1}, {long_key, sizeof(long_key) - 1},
		{bad_kind, sizeof(bad_kind) - 1}, {trailing, sizeof(trailing) - 1},
	};
	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
		assert_int_equal(post_raw(a.url, "/v1/order", orders[i].b, orders[i].len), 400);

	const char *disks[] = {"", "{", "[]", "null", "{\"volumeSize\": -1}",
			       "{\"volumeSize\": \"1\"}", "{\"volumeSize\": 1, \"thresholdPercent\": -5}",
			       "{\"volumeSize\": 1, \"monitorIntervalSeconds\": 1e99}"};
	for (size_t i = 0; i < sizeof(disks) / sizeof(disks[0]); i++)
		assert_int_equal(post_raw(a.url, "/v1/disk", disks[i], strlen(disks[i])), 400);

	const char *blocks[] = {"", "?from=0&count=1", "?from=1", "?count=1", "?from=-1&count=1",
				"?from=1&count=-1", "?from=1x&count=1", "?from=%201&count=1",
				"?from=+1&count=1", "?from=18446744073709551616&count=1", "?from&count"};
	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		char *p = drill_xasprintf("/v1/blocks%s", blocks[i]);
		assert_int_equal(get_raw(a.url, p), 400);
		free(p);
	}
	assert_int_equal(get_raw(a.url, "/v1/blocks?from=18446744073709551615&count=18446744073709551615"),
			 200);
	assert_int_equal(get_raw(a.url, "/v1/nothing?x=%zz"), 404);
	assert_int_equal(post_raw(a.url, "/v1/status", "x", 1), 404);

	assert_drill_ok(drill_client_status(&st, a.url));
	assert_int_equal(st.seq_num, 20);
	drill_replica_status_free(&st);
	order(ps, 1, &m, 21, 40, "a");
	stop(&a);
	proc_free(&a);
	free(dir);
}

/* Replica b has caught up with a: at sequence number `seq`, the same chain and bookkeeping. */
static void assert_caught_up(const struct replica_proc *b, const struct replica_proc *a,
			     uint64_t seq)
{
	struct drill_replica_status sa, sb;
	assert_drill_ok(drill_client_status(&sa, a->url));
	assert_drill_ok(drill_client_status(&sb, b->url));
	assert_int_equal(sb.seq_num, seq);
	assert_int_equal(sb.last_block, sa.last_block);
	assert_memory_equal(sb.last_digest, sa.last_digest, DRILL_HASH_LEN);
	assert_memory_equal(sb.state_root, sa.state_root, DRILL_HASH_LEN);
	assert_int_equal(sb.ckpt_last_seq, sa.ckpt_last_seq);
	drill_replica_status_free(&sa);
	drill_replica_status_free(&sb);
}

static void test_state_transfer(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("transfer");
	struct replica_proc a = {0}, b = {0}, c = {0};
	struct model m = {0};

	spawn(&a, dir, 0, dir, "--checkpoint-window", "150", "--checkpoint-interval", "0", NULL);
	spawn(&b, dir, 1, dir, "--checkpoint-window", "150", "--checkpoint-interval", "0", NULL);
	wait_ready(&a);
	wait_ready(&b);
	struct replica_proc *both[] = {&a, &b};
	order(both, 2, &m, 1, 400, "a");
	stop(&b);
	struct replica_proc *only_a[] = {&a};
	order(only_a, 1, &m, 401, 3100, "a"); /* more than one transfer chunk */
	spawn(&b, dir, 1, dir, "--checkpoint-window", "150", "--checkpoint-interval", "0", NULL);
	wait_ready(&b);
	assert_caught_up(&b, &a, 3100);
	/* both go on together */
	order(both, 2, &m, 3101, 3200, "a");

	/* a replica whose chain forked from the others' is refused */
	struct model mc = {0};
	char *lone = drill_xasprintf("%s/lone", dir);
	assert_drill_ok(drill_fs_mkdir_p(lone, 0755));
	spawn(&c, dir, 2, lone, NULL);
	wait_ready(&c);
	struct replica_proc *only_c[] = {&c};
	order(only_c, 1, &mc, 1, 50, "c");
	stop(&c);
	spawn(&c, dir, 2, dir, NULL);
	assert_int_equal(wait_exit(&c), 1);
	char *log = slurp(c.log);
	char want[128];
	snprintf(want, sizeof(want), "state transfer: block %" PRIu64 " does not extend local "
		 "block %" PRIu64 " (fork)", blocks_at(50) + 1, blocks_at(50));
	if (!strstr(log, want))
		fail_msg("no '%s' in the log:\n%s", want, log);
	free(log);
	free(lone);
	proc_free(&a);
	proc_free(&b);
	proc_free(&c);
	free(dir);
}

/* A port that was free a moment ago (the replica binds it next; a clash fails loudly). */
static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/* As in a pod: a fixed --listen port, and a returning replica that finds its peer by --peer URL
 * alone (no shared --peers-dir); bad values are usage errors. */
static void test_listen_and_peer_urls(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("listen");
	char *dir_a = drill_xasprintf("%s/a", dir), *dir_b = drill_xasprintf("%s/b", dir);
	assert_drill_ok(drill_fs_mkdir_p(dir_a, 0755));
	assert_drill_ok(drill_fs_mkdir_p(dir_b, 0755));
	struct replica_proc a = {0}, b = {0}, c = {0};
	struct model m = {0};
	int port = free_port();
	char listen[32], peer[64], url[48];
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	snprintf(peer, sizeof(peer), "0=%s", url);

	spawn(&a, dir, 0, dir_a, "--listen", listen, "--cold-start", NULL);
	wait_ready(&a);
	assert_string_equal(a.url, url);
	struct replica_proc *only_a[] = {&a};
	order(only_a, 1, &m, 1, 300, "a");
	spawn(&b, dir, 1, dir_b, "--peer", peer, NULL);
	wait_ready(&b);
	assert_caught_up(&b, &a, 300);

	const char *bad[][2] = {{"--listen", "localhost:8080"}, {"--listen", "127.0.0.1"},
				{"--listen", "127.0.0.1:65536"}, {"--peer", "0"},
				{"--peer", "x=http://a:1"}, {"--peer", "1=ftp://a"}};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		spawn(&c, dir, 2, dir_b, bad[k][0], bad[k][1], NULL);
		assert_int_equal(wait_exit(&c), 2);
	}
	proc_free(&a);
	proc_free(&b);
	proc_free(&c);
	free(dir_a);
	free(dir_b);
	free(dir);
}

/* Number of SST files in a database directory (not in its checkpoints). */
static int count_sst(const char *data)
{
	DIR *d = opendir(data);
	assert_non_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		size_t len = strlen(e->d_name);
		n += len > 4 && !strcmp(e->d_name + len - 4, ".sst");
	}
	closedir(d);
	return n;
}

static void assert_state(struct replica_proc *p, uint64_t seq, const struct model *m)
{
	struct drill_replica_status st;
	uint8_t root[DRILL_HASH_LEN];
	assert_drill_ok(drill_client_status(&st, p->url));
	assert_int_equal(st.seq_num, seq);
	assert_int_equal(st.last_block, m->blocks);
	model_root(root, m);
	assert_memory_equal(st.state_root, root, DRILL_HASH_LEN);
	drill_replica_status_free(&st);
}

/* SIGTERM flushes the memtables into SST files before the database closes (what a stopped
 * replica leaves on disk is what the SST faults act on); SIGUSR1, sent before a restore replaces
 * the database, does not: the blocks stay in the WAL, and a restart replays them. */
static void test_stop_signals(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("stop-signals");
	struct replica_proc a = {0};
	struct model m = {0};
	struct replica_proc *only_a[] = {&a};

	spawn(&a, dir, 0, dir, "--checkpoints-enabled", "0", "--cold-start", NULL);
	wait_ready(&a);
	order(only_a, 1, &m, 1, 200, "a");
	kill(a.pid, SIGUSR1);
	assert_int_equal(wait_exit(&a), 0);
	assert_int_equal(count_sst(a.data), 0);
	char *log = slurp(a.log);
	assert_non_null(strstr(log, "stopping without a flush"));
	free(log);

	spawn(&a, dir, 0, dir, "--checkpoints-enabled", "0", NULL);
	wait_ready(&a);
	assert_state(&a, 200, &m);
	order(only_a, 1, &m, 201, 300, "b");
	stop(&a); /* SIGTERM */
	assert_true(count_sst(a.data) > 0);

	spawn(&a, dir, 0, dir, "--checkpoints-enabled", "0", NULL);
	wait_ready(&a);
	assert_state(&a, 300, &m);
	stop(&a);
	proc_free(&a);
	free(dir);
}

/* The term cache (replica/terms.h) never changes a root: with one slot (every key evicts the
 * last) and with four, keys updated twice in a block and again across batches, a restart with a
 * cold cache, and a bad size refused. */
static void test_terms_cache(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("terms-cache");
	const char *sizes[] = {"0", "2"};
	for (int k = 0; k < 2; k++) {
		char *d = drill_xasprintf("%s/bits-%s", dir, sizes[k]);
		assert_drill_ok(drill_fs_mkdir_p(d, 0755));
		struct replica_proc a = {0};
		struct model m = {0};
		struct replica_proc *only_a[] = {&a};
		spawn(&a, d, 0, d, "--checkpoints-enabled", "0", "--cold-start",
		      "--terms-cache-bits", sizes[k], NULL);
		wait_ready(&a);
		order(only_a, 1, &m, 1, 1500, "a"); /* two batches of the replica's 1024 */
		assert_state(&a, 1500, &m);
		stop(&a);
		spawn(&a, d, 0, d, "--checkpoints-enabled", "0", "--terms-cache-bits", sizes[k], NULL);
		wait_ready(&a);
		order(only_a, 1, &m, 1501, 1800, "b");
		assert_state(&a, 1800, &m);
		stop(&a);
		proc_free(&a);
		free(d);
	}
	struct replica_proc c = {0};
	spawn(&c, dir, 9, dir, "--terms-cache-bits", "25", NULL);
	assert_int_equal(wait_exit(&c), 2);
	proc_free(&c);
	free(dir);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "replica")) {
		if (drill_http_global_init() != 0)
			return 3;
		return drill_replica_main(argc - 1, argv + 1);
	}
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0)
		return 1;
	self_exe[n] = '\0';
	if (drill_http_global_init() != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_order_status_checkpoints, teardown),
		cmocka_unit_test_teardown(test_state_transfer, teardown),
		cmocka_unit_test_teardown(test_disk_pressure, teardown),
		cmocka_unit_test_teardown(test_malformed_requests, teardown),
		cmocka_unit_test_teardown(test_listen_and_peer_urls, teardown),
		cmocka_unit_test_teardown(test_stop_signals, teardown),
		cmocka_unit_test_teardown(test_terms_cache, teardown),
	};
	return drill_test_run(tests, NULL, NULL);
}
