/* tests/test_chain_verify.c — per-replica verification and the quorum verdict (docs/design.md §5)
 * on real RocksDB replicas built in a scratch directory: healthy, lagging, damaged (a flipped byte,
 * a broken parent link, a wrong root, tampered state and metadata), missing and forked sets; the
 * f/2f+1 arithmetic for n = 4 and n = 7; checkpoints; and the JSON of `verify --json`. */
#include "helpers.h"

#include "chain/store.h"
#include "chain/verify.h"
#include "chainfix.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/forksrv.h"
#include "util/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXN 10
#define SEED 4242

/* --- helpers -------------------------------------------------------------------------------- */

/* A replica set under a scratch directory: <root>/replica-<i>/rocksdbdata. */
struct set {
	char *root;
	size_t n;
	char *path[MAXN]; /* <root>/replica-<i>, what the user gives */
	char *db[MAXN];   /* <root>/replica-<i>/rocksdbdata */
};

static void set_init(struct set *s, const char *name, size_t n)
{
	memset(s, 0, sizeof(*s));
	s->root = drill_test_scratch(name);
	s->n = n;
	for (size_t i = 0; i < n; i++) {
		s->path[i] = drill_xasprintf("%s/replica-%zu", s->root, i);
		s->db[i] = drill_xasprintf("%s/rocksdbdata", s->path[i]);
	}
}

static void set_free(struct set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->path[i]);
		free(s->db[i]);
	}
	free(s->root);
}

static struct drill_fix_chain chain(uint64_t blocks, uint32_t id)
{
	return (struct drill_fix_chain){.seed = SEED, .blocks = blocks, .replica_id = id,
					.w = DRILL_FIX_WORKLOAD};
}

/* Replica i with `blocks` blocks (forked after fork_at when non-zero). */
static void build(struct set *s, size_t i, uint64_t blocks, uint64_t fork_at)
{
	struct drill_fix_chain c = chain(blocks, (uint32_t)i);
	c.fork_at = fork_at;
	assert_drill_ok(drill_fix_build(s->db[i], &c));
}

static void build_all(struct set *s, uint64_t blocks)
{
	for (size_t i = 0; i < s->n; i++)
		build(s, i, blocks, 0);
}

static void verify_set(struct drill_verify_result *r, const struct set *s, int f)
{
	assert_drill_ok(drill_verify_set(r, (const char *const *)s->path, s->n, f, 0));
	assert_int_equal(r->n, s->n);
}

static void expect_digest(const uint8_t got[DRILL_HASH_LEN], const char *db, uint64_t id)
{
	uint8_t d[DRILL_HASH_LEN], root[DRILL_HASH_LEN];
	char want_hex[65], got_hex[65];
	assert_drill_ok(drill_fix_block_info(d, root, db, id));
	drill_hex(want_hex, d, DRILL_HASH_LEN);
	drill_hex(got_hex, got, DRILL_HASH_LEN);
	assert_string_equal(got_hex, want_hex);
}

static void expect_ok(const struct drill_replica_result *x, uint64_t last)
{
	if (x->status != DRILL_REPLICA_OK)
		fail_msg("%s: %s: %s", x->path, drill_replica_status_name(x->status),
			 x->error ? x->error : "(no error)");
	assert_null(x->error);
	assert_int_equal(x->error_block, 0);
	assert_int_equal(x->last_block, last);
	assert_int_equal(x->has_digest, last > 0);
}

static void expect_corrupt(const struct drill_replica_result *x, uint64_t block, const char *sub)
{
	assert_int_equal(x->status, DRILL_REPLICA_CORRUPT);
	assert_non_null(x->error);
	if (!strstr(x->error, sub))
		fail_msg("error '%s' does not contain '%s'", x->error, sub);
	assert_int_equal(x->error_block, block);
}

/* --- a storage engine that dies on damaged data ---------------------------------------------- */

static uint64_t varint(const uint8_t *d, size_t len, size_t *i)
{
	uint64_t v = 0;
	for (unsigned shift = 0; *i < len && shift < 64; shift += 7) {
		uint8_t x = d[(*i)++];
		v |= (uint64_t)(x & 127) << shift;
		if (x < 128)
			break;
	}
	return v;
}

/* Make RocksDB 7.8 abort when it opens this SST: it builds a Block of the properties before it
 * checks their checksum, and the block's last 4 bytes (a restart count with the top bit, "has a
 * hash index") and the 2 before them (65535 buckets) fail DataBlockHashIndex::Initialize's
 * `size > num_buckets_` assertion. The properties block is found through the footer (format 5: the
 * checksum type, then the meta-index block's handle) and the meta-index entry
 * "rocksdb.properties". */
static void damage_properties(const char *sst)
{
	char *data = NULL;
	size_t len = 0;
	assert_drill_ok(drill_fs_read_file(&data, &len, sst, (size_t)64 << 20));
	const uint8_t *d = (const uint8_t *)data;
	assert_true(len > 53);
	size_t i = len - 53 + 1;
	uint64_t m_off = varint(d, len, &i), m_len = varint(d, len, &i);
	assert_true(m_off + m_len <= len);
	const char key[] = "rocksdb.properties";
	const uint8_t *k = memmem(d + m_off, m_len, key, sizeof(key) - 1);
	assert_non_null(k);
	i = (size_t)(k - d) + sizeof(key) - 1;
	uint64_t p_off = varint(d, len, &i), p_len = varint(d, len, &i);
	assert_true(p_len >= 6 && p_off + p_len <= len);
	static const uint8_t bad[6] = {0xff, 0xff, 0x01, 0x00, 0x00, 0x80};
	int fd = open(sst, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, bad, sizeof(bad), (off_t)(p_off + p_len - sizeof(bad))),
			 (ssize_t)sizeof(bad));
	close(fd);
	free(data);
}

/* The last .sst (by name: the newest) directly in dir, malloc'd. */
static char *last_sst(const char *dir)
{
	DIR *dh = opendir(dir);
	assert_non_null(dh);
	char *best = NULL;
	struct dirent *e;
	while ((e = readdir(dh))) {
		size_t n = strlen(e->d_name);
		if (n > 4 && !strcmp(e->d_name + n - 4, ".sst") && (!best || strcmp(e->d_name, best) > 0)) {
			free(best);
			best = drill_xstrdup(e->d_name);
		}
	}
	closedir(dh);
	assert_non_null(best);
	char *path = drill_xasprintf("%s/%s", dir, best);
	free(best);
	return path;
}

/* RocksDB aborts on replica 1's damaged SST: that replica is corrupt with RocksDB's assertion,
 * the reader's signal and the database; the others and the verdict are as for any corrupt one. */
static void test_reader_dies(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "reader-dies", 4);
	build_all(&s, 20);
	char *sst = last_sst(s.db[1]);
	damage_properties(sst);
	struct drill_verify_result r;
	verify_set(&r, &s, -1);
	for (size_t i = 0; i < 4; i++)
		if (i != 1) {
			expect_ok(&r.replicas[i], 20);
			assert_false(r.replicas[i].reader_died);
		}
	const struct drill_replica_result *x = &r.replicas[1];
	expect_corrupt(x, 0, "Assertion `size > num_buckets_ * sizeof(uint8_t)' failed.");
	expect_corrupt(x, 0, "(the reader killed by signal 6 (Aborted) while opening ");
	expect_corrupt(x, 0, s.db[1]);
	assert_true(x->reader_died);
	assert_string_equal(x->db_path, s.db[1]);
	assert_int_equal(x->expected_id, 1);
	assert_int_equal(x->last_block, 0);
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	assert_true(r.has_agreed);
	assert_int_equal(r.agreed_block, 20);
	char *json = drill_verify_to_json(&r);
	assert_non_null(strstr(json, "\"status\": \"corrupt\""));
	free(json);
	drill_verify_result_free(&r);

	/* alone, through the one-replica entry point */
	struct drill_replica_result one;
	drill_verify_replica_isolated(&one, s.path[1]);
	expect_corrupt(&one, 0, "killed by signal 6");
	assert_string_equal(one.path, s.path[1]);
	free(one.path);
	free(one.db_path);
	free(one.error);
	free(sst);
	set_free(&s);
}

/* A checkpoint whose SST makes RocksDB abort is corrupt with the reason; the others stay ok. */
static void test_checkpoint_reader_dies(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "ckpt-reader-dies", 1);
	struct drill_fix_chain c = chain(12, 0);
	c.ckpt_every = 5;
	assert_drill_ok(drill_fix_build(s.db[0], &c));
	/* checkpoint 10's newest SST is not in checkpoint 5 (a copy: no hard link to share) */
	char *dir = drill_xasprintf("%s/checkpoints/10", s.db[0]), *sst = last_sst(dir);
	char *copy = drill_xasprintf("%s.copy", sst), *text = NULL;
	size_t len = 0;
	assert_drill_ok(drill_fs_read_file(&text, &len, sst, (size_t)64 << 20));
	assert_drill_ok(drill_fs_write_atomic(copy, text, len));
	assert_int_equal(rename(copy, sst), 0);
	damage_properties(sst);
	struct drill_checkpoint_result *ck = NULL;
	size_t n = 0;
	assert_drill_ok(drill_verify_checkpoints(&ck, &n, s.db[0]));
	assert_int_equal(n, 2);
	assert_int_equal(ck[0].id, 5);
	assert_int_equal(ck[0].status, DRILL_REPLICA_OK);
	assert_int_equal(ck[1].id, 10);
	assert_int_equal(ck[1].status, DRILL_REPLICA_CORRUPT);
	assert_non_null(strstr(ck[1].error, "Assertion"));
	assert_non_null(strstr(ck[1].error, "killed by signal 6"));
	drill_verify_checkpoints_free(ck, n);
	/* the live database shares nothing damaged: ok */
	struct drill_replica_result one;
	drill_verify_replica_isolated(&one, s.path[0]);
	expect_ok(&one, 12);
	free(one.path);
	free(one.db_path);
	free(one.error);
	free(text);
	free(copy);
	free(sst);
	free(dir);
	set_free(&s);
}

static int isolated_ok(const void *arg, size_t len)
{
	(void)arg;
	(void)len;
	return 0;
}

static int isolated_fails(const void *arg, size_t len)
{
	int n;
	assert_int_equal(len, sizeof(n));
	memcpy(&n, arg, sizeof(n));
	return drill_err(DRILL_EINPUT, "bad thing %d", n);
}

static int isolated_aborts(const void *arg, size_t len)
{
	(void)arg;
	(void)len;
	fprintf(stderr, "some noise\nprog: x.cc:1: void f(): Assertion `0' failed.\nmore\n");
	abort();
}

static int isolated_exits(const void *arg, size_t len)
{
	(void)arg;
	(void)len;
	_exit(3);
}

/* drill_isolated: fn's code and message, or how its process died and the line it printed. */
static void test_isolated(void **state)
{
	(void)state;
	int seven = 7;
	assert_drill_ok(drill_isolated(isolated_ok, NULL, 0, "testing"));
	assert_int_equal(drill_isolated(isolated_fails, &seven, sizeof(seven), "testing"),
			 DRILL_EINPUT);
	assert_string_equal(drill_err_last(), "bad thing 7");
	assert_int_equal(drill_isolated(isolated_aborts, NULL, 0, "testing"), DRILL_ECORRUPT);
	assert_string_equal(drill_err_last(), "prog: x.cc:1: void f(): Assertion `0' failed. (the "
			    "process killed by signal 6 (Aborted) while testing)");
	assert_int_equal(drill_isolated(isolated_exits, NULL, 0, "testing"), DRILL_ECORRUPT);
	assert_string_equal(drill_err_last(), "exited with code 3 while testing");
}

/* --- one replica and healthy sets ----------------------------------------------------------- */

static void test_healthy_set(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "healthy", 4);
	build_all(&s, 30);
	struct drill_verify_result r;
	verify_set(&r, &s, -1);
	assert_int_equal(r.verdict, DRILL_VERDICT_CONSISTENT);
	assert_int_equal(r.f, 1);
	assert_true(r.has_agreed);
	assert_int_equal(r.agreed_block, 30);
	expect_digest(r.agreed_digest, s.db[0], 30);
	for (size_t i = 0; i < 4; i++) {
		const struct drill_replica_result *x = &r.replicas[i];
		expect_ok(x, 30);
		assert_string_equal(x->path, s.path[i]);
		assert_string_equal(x->db_path, s.db[i]);
		assert_int_equal(x->replica_id, (long)i);
		assert_int_equal(x->expected_id, (long)i);
		assert_int_equal(x->blocks_checked, 30);
		assert_memory_equal(x->digest, r.agreed_digest, DRILL_HASH_LEN);
		uint8_t d[DRILL_HASH_LEN], root[DRILL_HASH_LEN];
		assert_drill_ok(drill_fix_block_info(d, root, s.db[i], 30));
		assert_memory_equal(x->state_root, root, DRILL_HASH_LEN);
	}
	/* the same seed gives the same chain: every replica's digest is equal, and a new seed not */
	struct drill_fix_chain other = chain(30, 0);
	other.seed = SEED + 1;
	char *odb = drill_xasprintf("%s/other/rocksdbdata", s.root);
	assert_drill_ok(drill_fix_build(odb, &other));
	struct drill_replica_result o;
	drill_verify_replica(&o, odb);
	expect_ok(&o, 30);
	assert_memory_not_equal(o.digest, r.agreed_digest, DRILL_HASH_LEN);
	free(o.path);
	free(o.db_path);
	free(o.error);
	free(odb);
	drill_verify_result_free(&r);
	set_free(&s);
}

/* Verification opens read-only: the directory tree is byte-for-byte and time-for-time the same. */
static char *tree_listing(const char *dir)
{
	char *cmd = drill_xasprintf("find '%s' -printf '%%P %%s %%T@\\n' | sort", dir);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char *out = drill_xcalloc(1, 65536);
	size_t n = fread(out, 1, 65535, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	free(cmd);
	return out;
}

static void test_verify_writes_nothing(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "readonly", 1);
	struct drill_fix_chain c = chain(12, 0);
	c.ckpt_every = 5;
	assert_drill_ok(drill_fix_build(s.db[0], &c));
	char *before = tree_listing(s.root);
	struct drill_verify_result r;
	verify_set(&r, &s, -1);
	assert_int_equal(r.verdict, DRILL_VERDICT_CONSISTENT);
	assert_int_equal(r.f, 0);
	struct drill_checkpoint_result *ck = NULL;
	size_t nck = 0;
	assert_drill_ok(drill_verify_checkpoints(&ck, &nck, s.db[0]));
	assert_int_equal(nck, 2);
	char *after = tree_listing(s.root);
	assert_string_equal(after, before);
	free(before);
	free(after);
	drill_verify_checkpoints_free(ck, nck);
	drill_verify_result_free(&r);
	set_free(&s);
}

static void test_empty_chain(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "empty", 1);
	build(&s, 0, 0, 0);
	struct drill_verify_result r;
	verify_set(&r, &s, -1);
	expect_ok(&r.replicas[0], 0);
	assert_int_equal(r.verdict, DRILL_VERDICT_CONSISTENT);
	assert_false(r.has_agreed);
	drill_verify_result_free(&r);
	set_free(&s);
}

/* --- lagging, damaged, missing ---------------------------------------------------------------- */

static void test_one_lagging(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "lagging", 4);
	for (size_t i = 0; i < 3; i++)
		build(&s, i, 30, 0);
	build(&s, 3, 25, 0);
	struct drill_verify_result r;
	verify_set(&r, &s, -1);
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	expect_ok(&r.replicas[3], 25);
	expect_digest(r.replicas[3].digest, s.db[0], 25); /* a prefix of the others' chain */
	assert_true(r.has_agreed);
	assert_int_equal(r.agreed_block, 30);
	expect_digest(r.agreed_digest, s.db[0], 30);
	drill_verify_result_free(&r);
	set_free(&s);
}

/* Three heights: the agreed block is the highest that 2f+1 = 3 replicas hold, not the top. */
static void test_two_lagging(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "two-lagging", 4);
	build(&s, 0, 40, 0);
	build(&s, 1, 40, 0);
	build(&s, 2, 33, 0);
	build(&s, 3, 21, 0);
	struct drill_verify_result r;
	verify_set(&r, &s, -1);
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	assert_true(r.has_agreed);
	assert_int_equal(r.agreed_block, 33);
	expect_digest(r.agreed_digest, s.db[0], 33);
	drill_verify_result_free(&r);
	set_free(&s);
}

static void test_flipped_byte(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "bitflip", 4);
	build_all(&s, 30);
	assert_drill_ok(drill_fix_flip_byte(s.db[2], 17, DRILL_FIX_VALUE_OFFSET + 3, 0x10));
	struct drill_verify_result r;
	verify_set(&r, &s, -1);
	expect_corrupt(&r.replicas[2], 17, "block 17: digest mismatch");
	assert_int_equal(r.replicas[2].last_block, 16); /* the last block that verified */
	expect_digest(r.replicas[2].digest, s.db[0], 16);
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	assert_int_equal(r.agreed_block, 30);
	expect_ok(&r.replicas[0], 30);
	drill_verify_result_free(&r);
	set_free(&s);
}

static void test_broken_parent_link(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "parent", 4);
	build_all(&s, 20);
	assert_drill_ok(drill_fix_rewrite_block(s.db[1], 9, DRILL_FIX_PARENT));
	assert_drill_ok(drill_fix_rewrite_block(s.db[3], 1, DRILL_FIX_PARENT));
	struct drill_verify_result r;
	verify_set(&r, &s, -1);
	expect_corrupt(&r.replicas[1], 9, "block 9: parent digest does not match block 8");
	expect_corrupt(&r.replicas[3], 1, "block 1: parent digest is not zero");
	/* two of four ok: fewer than 2f+1 */
	assert_int_equal(r.verdict, DRILL_VERDICT_UNRECOVERABLE);
	assert_false(r.has_agreed);
	drill_verify_result_free(&r);
	set_free(&s);
}

static void test_wrong_state_root(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "root", 4);
	build_all(&s, 20);
	assert_drill_ok(drill_fix_rewrite_block(s.db[0], 12, DRILL_FIX_ROOT));
	struct drill_verify_result r;
	verify_set(&r, &s, -1);
	expect_corrupt(&r.replicas[0], 12, "block 12: state root");
	expect_corrupt(&r.replicas[0], 12, "does not follow from block 11");
	assert_int_equal(r.replicas[0].last_block, 11);
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	assert_int_equal(r.agreed_block, 20);
	expect_digest(r.agreed_digest, s.db[1], 20);
	drill_verify_result_free(&r);
	set_free(&s);
}

/* Damage outside the blocks: the state column family, chain.last_block, replica.id, a gap. */
static void test_damaged_metadata_and_state(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "meta", 5);
	build_all(&s, 15);
	assert_drill_ok(drill_fix_put_state(s.db[0], "key-00000003", "tampered"));
	assert_drill_ok(drill_fix_put_meta_u64(s.db[1], "chain.last_block", 14));
	assert_drill_ok(drill_fix_put_meta_u32(s.db[2], "replica.id", 3));
	{ /* block 7 deleted: a gap */
		struct drill_store *st = NULL;
		struct drill_store_batch *b = drill_store_batch_new();
		uint8_t key[8];
		drill_put_be64(key, 7);
		drill_store_batch_delete(b, DRILL_CF_BLOCKS, key, 8);
		assert_drill_ok(drill_store_open(&st, s.db[3], DRILL_STORE_WRITE));
		assert_drill_ok(drill_store_write(st, b));
		drill_store_close(st);
		drill_store_batch_free(b);
	}
	struct drill_verify_result r;
	verify_set(&r, &s, -1);
	expect_corrupt(&r.replicas[0], 0, "state: the state column family sums to root");
	assert_int_equal(r.replicas[0].last_block, 15); /* every block verified */
	expect_corrupt(&r.replicas[1], 0, "chain.last_block is 14 but the last stored block is 15");
	expect_corrupt(&r.replicas[2], 0, "replica.id is 3 but the path names replica 2");
	expect_corrupt(&r.replicas[3], 7, "block 7: missing (the next stored block is 8)");
	expect_ok(&r.replicas[4], 15);
	assert_int_equal(r.f, 1);
	assert_int_equal(r.verdict, DRILL_VERDICT_UNRECOVERABLE);
	drill_verify_result_free(&r);
	set_free(&s);
}

static void test_missing(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "missing", 4);
	build(&s, 0, 10, 0);
	build(&s, 1, 10, 0);
	build(&s, 2, 10, 0);
	/* replica-3 does not exist at all */
	struct drill_verify_result r;
	verify_set(&r, &s, -1);
	assert_int_equal(r.replicas[3].status, DRILL_REPLICA_MISSING);
	assert_non_null(strstr(r.replicas[3].error, "no such directory"));
	assert_null(r.replicas[3].db_path);
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	assert_int_equal(r.agreed_block, 10);
	drill_verify_result_free(&r);

	/* an empty rocksdbdata (a wiped volume) is missing too; now two of four are missing */
	assert_int_equal(mkdir(s.path[3], 0755), 0);
	assert_int_equal(mkdir(s.db[3], 0755), 0);
	assert_drill_ok(drill_fs_remove_tree(s.db[2]));
	assert_int_equal(mkdir(s.db[2], 0755), 0);
	verify_set(&r, &s, -1);
	assert_int_equal(r.replicas[2].status, DRILL_REPLICA_MISSING);
	assert_int_equal(r.replicas[3].status, DRILL_REPLICA_MISSING);
	assert_non_null(strstr(r.replicas[3].error, "no database"));
	assert_string_equal(r.replicas[3].db_path, s.db[3]);
	assert_int_equal(r.verdict, DRILL_VERDICT_UNRECOVERABLE);
	assert_false(r.has_agreed);
	drill_verify_result_free(&r);
	set_free(&s);
}

/* --- forks -------------------------------------------------------------------------------------- */

static void test_divergent_two_two(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "fork22", 4);
	build(&s, 0, 30, 0);
	build(&s, 1, 30, 0);
	build(&s, 2, 30, 20);
	build(&s, 3, 30, 20);
	struct drill_verify_result r;
	verify_set(&r, &s, -1);
	for (size_t i = 0; i < 4; i++)
		expect_ok(&r.replicas[i], 30);
	assert_memory_not_equal(r.replicas[0].digest, r.replicas[2].digest, DRILL_HASH_LEN);
	assert_int_equal(r.verdict, DRILL_VERDICT_DIVERGENT);
	/* all four share blocks 1..20; no three agree above that */
	assert_true(r.has_agreed);
	assert_int_equal(r.agreed_block, 20);
	expect_digest(r.agreed_digest, s.db[3], 20);
	drill_verify_result_free(&r);
	set_free(&s);
}

/* One forked replica that is also shorter: the fork shows at its tip (its block 25 is not the
 * others' block 25). */
static void test_divergent_three_one(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "fork31", 4);
	build(&s, 0, 30, 0);
	build(&s, 1, 30, 0);
	build(&s, 2, 30, 0);
	build(&s, 3, 25, 24);
	struct drill_verify_result r;
	verify_set(&r, &s, -1);
	assert_int_equal(r.verdict, DRILL_VERDICT_DIVERGENT);
	assert_int_equal(r.agreed_block, 30);
	expect_digest(r.agreed_digest, s.db[0], 30);
	drill_verify_result_free(&r);

	/* the same fork with the forked replica lagging below the fork point is no fork */
	assert_drill_ok(drill_fs_remove_tree(s.db[3]));
	build(&s, 3, 24, 24);
	verify_set(&r, &s, -1);
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	drill_verify_result_free(&r);
	set_free(&s);
}

/* --- the quorum arithmetic (drill_verdict_compute with a modelled digest_at) --------------------- */

/* Replica i holds chain `branch[i]` above height `fork[i]` and the common chain below. */
struct model {
	int branch[MAXN];
	uint64_t fork[MAXN];
	int unreadable; /* replica index whose read-backs fail, -1 for none */
	size_t calls;
};

static void model_digest(uint8_t out[DRILL_HASH_LEN], const struct model *m, size_t i, uint64_t h)
{
	memset(out, 0, DRILL_HASH_LEN);
	drill_put_be64(out, h);
	out[8] = h > m->fork[i] ? (uint8_t)(m->branch[i] + 1) : 0;
}

static int model_at(void *ctx, size_t i, uint64_t h, uint8_t out[DRILL_HASH_LEN])
{
	struct model *m = ctx;
	m->calls++;
	if ((int)i == m->unreadable)
		return -1;
	model_digest(out, m, i, h);
	return 0;
}

/* n results: lasts[i] (0 = missing when status says so), statuses from a string of o/c/m. */
static void model_result(struct drill_verify_result *r, struct drill_replica_result *reps,
			 const struct model *m, size_t n, const uint64_t *lasts, const char *st,
			 int f)
{
	memset(r, 0, sizeof(*r));
	memset(reps, 0, n * sizeof(*reps));
	r->n = n;
	r->f = f;
	r->replicas = reps;
	for (size_t i = 0; i < n; i++) {
		reps[i].status = st[i] == 'o' ? DRILL_REPLICA_OK :
				 st[i] == 'c' ? DRILL_REPLICA_CORRUPT : DRILL_REPLICA_MISSING;
		reps[i].last_block = lasts[i];
		reps[i].has_digest = lasts[i] > 0;
		if (lasts[i])
			model_digest(reps[i].digest, m, i, lasts[i]);
	}
}

static void free_errors(struct drill_replica_result *reps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(reps[i].error);
}

static void test_quorum_n4(void **state)
{
	(void)state;
	struct model m = {.fork = {99, 99, 99, 99}, .unreadable = -1};
	struct drill_replica_result reps[4];
	struct drill_verify_result r;
	const uint64_t same[4] = {50, 50, 50, 50}, spread[4] = {50, 42, 37, 10};

	model_result(&r, reps, &m, 4, same, "oooo", -1);
	drill_verdict_compute(&r, model_at, &m);
	assert_int_equal(r.f, 1);
	assert_int_equal(r.verdict, DRILL_VERDICT_CONSISTENT);
	assert_int_equal(r.agreed_block, 50);

	/* 2f+1 = 3 ok: recoverable; the agreed block is the third-highest height */
	model_result(&r, reps, &m, 4, spread, "oooo", -1);
	drill_verdict_compute(&r, model_at, &m);
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	assert_int_equal(r.agreed_block, 37);
	model_result(&r, reps, &m, 4, spread, "ooom", -1);
	drill_verdict_compute(&r, model_at, &m);
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	assert_int_equal(r.agreed_block, 37);
	/* 2 ok < 3: unrecoverable, no agreed block */
	model_result(&r, reps, &m, 4, spread, "oocm", -1);
	drill_verdict_compute(&r, model_at, &m);
	assert_int_equal(r.verdict, DRILL_VERDICT_UNRECOVERABLE);
	assert_false(r.has_agreed);
	/* f given explicitly: f = 0 makes one ok replica a quorum */
	model_result(&r, reps, &m, 4, spread, "occm", 0);
	drill_verdict_compute(&r, model_at, &m);
	assert_int_equal(r.f, 0);
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	assert_int_equal(r.agreed_block, 50);
	/* a fork between two ok replicas wins over everything else */
	m.fork[1] = 30;
	m.branch[1] = 1;
	model_result(&r, reps, &m, 4, spread, "oooo", -1);
	drill_verdict_compute(&r, model_at, &m);
	assert_int_equal(r.verdict, DRILL_VERDICT_DIVERGENT);
	/* at 31..37 only replicas 0 and 2 agree; 0, 1 and 2 share the chain up to 30 */
	assert_int_equal(r.agreed_block, 30);
	free_errors(reps, 4);
}

static void test_quorum_n7(void **state)
{
	(void)state;
	struct model m = {.fork = {99, 99, 99, 99, 99, 99, 99}, .unreadable = -1};
	struct drill_replica_result reps[7];
	struct drill_verify_result r;
	const uint64_t lasts[7] = {70, 70, 65, 60, 60, 55, 10};

	model_result(&r, reps, &m, 7, lasts, "ooooooo", -1);
	drill_verdict_compute(&r, model_at, &m);
	assert_int_equal(r.f, 2);
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	assert_int_equal(r.agreed_block, 60); /* fifth-highest */
	/* exactly 2f+1 = 5 ok */
	model_result(&r, reps, &m, 7, lasts, "oocooom", -1);
	drill_verdict_compute(&r, model_at, &m);
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	assert_int_equal(r.agreed_block, 55);
	/* 4 ok < 5 */
	model_result(&r, reps, &m, 7, lasts, "oocoocm", -1);
	drill_verdict_compute(&r, model_at, &m);
	assert_int_equal(r.verdict, DRILL_VERDICT_UNRECOVERABLE);
	assert_false(r.has_agreed);
	/* a 4–3 fork at 40: divergent; no 5 agree above 40 */
	for (size_t i = 4; i < 7; i++) {
		m.fork[i] = 40;
		m.branch[i] = 1;
	}
	const uint64_t high[7] = {70, 70, 70, 70, 70, 70, 70};
	model_result(&r, reps, &m, 7, high, "ooooooo", -1);
	drill_verdict_compute(&r, model_at, &m);
	assert_int_equal(r.verdict, DRILL_VERDICT_DIVERGENT);
	assert_int_equal(r.agreed_block, 40);
	free_errors(reps, 7);
}

/* f = ⌊(n−1)/3⌋ for every n up to 10 (n = 3, 6, 9 tell it apart from ⌊n/3⌋), and 2f+1 decides:
 * with exactly 2f+1 ok replicas the set is recoverable, with 2f it is not. */
static void test_f_table(void **state)
{
	(void)state;
	static const int want_f[11] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3};
	struct model m = {.unreadable = -1};
	struct drill_replica_result reps[10];
	struct drill_verify_result r;
	uint64_t lasts[10];
	char st[11];
	for (size_t i = 0; i < 10; i++) {
		m.fork[i] = 99;
		lasts[i] = 20 + i; /* all different heights: never consistent */
	}
	for (size_t n = 1; n <= 10; n++) {
		size_t q = 2 * (size_t)want_f[n] + 1;
		for (size_t i = 0; i < n; i++)
			st[i] = i < q ? 'o' : 'c';
		model_result(&r, reps, &m, n, lasts, st, -1);
		drill_verdict_compute(&r, model_at, &m);
		assert_int_equal(r.f, want_f[n]);
		assert_int_equal(r.verdict, n == 1 ? DRILL_VERDICT_CONSISTENT : DRILL_VERDICT_RECOVERABLE);
		assert_int_equal(r.agreed_block, 20); /* the lowest of the q ok heights */
		st[q - 1] = 'c';
		model_result(&r, reps, &m, n, lasts, st, -1);
		drill_verdict_compute(&r, model_at, &m);
		assert_int_equal(r.verdict, DRILL_VERDICT_UNRECOVERABLE);
		assert_false(r.has_agreed);
		free_errors(reps, n);
	}
}

/* A replica whose block cannot be read back for a comparison is demoted to corrupt, and the
 * verdict accounts for it (it must not stay "consistent" with a corrupt replica). */
static void test_unreadable_demotes(void **state)
{
	(void)state;
	struct model m = {.fork = {99, 99, 99, 99}, .unreadable = 3};
	struct drill_replica_result reps[4];
	struct drill_verify_result r;
	const uint64_t lasts[4] = {50, 50, 50, 40};
	model_result(&r, reps, &m, 4, lasts, "oooo", -1);
	drill_verdict_compute(&r, model_at, &m);
	assert_int_equal(reps[3].status, DRILL_REPLICA_CORRUPT);
	assert_non_null(strstr(reps[3].error, "unreadable when compared"));
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	assert_int_equal(r.agreed_block, 50);
	free_errors(reps, 4);

	/* all at the same height: only the agreed-block search reads below the tips */
	const uint64_t same[4] = {50, 50, 50, 50};
	model_result(&r, reps, &m, 4, same, "oooo", -1);
	drill_verdict_compute(&r, model_at, &m);
	assert_int_equal(r.agreed_block, 50);
	assert_int_equal(reps[3].status, DRILL_REPLICA_CORRUPT);
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	free_errors(reps, 4);
}

/* --- checkpoints ---------------------------------------------------------------------------- */

static void test_checkpoints(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "checkpoints", 2);
	struct drill_fix_chain c = chain(35, 0);
	c.ckpt_every = 10;
	assert_drill_ok(drill_fix_build(s.db[0], &c));
	c.replica_id = 1;
	c.bad_ckpt_self = 20;
	assert_drill_ok(drill_fix_build(s.db[1], &c));

	struct drill_checkpoint_result *ck = NULL;
	size_t n = 0;
	assert_drill_ok(drill_verify_checkpoints(&ck, &n, s.db[0]));
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ck[i].id, 10 * (i + 1));
		if (ck[i].status != DRILL_REPLICA_OK)
			fail_msg("checkpoint %zu: %s", i, ck[i].error);
		assert_null(ck[i].error);
		char *want = drill_xasprintf("%s/checkpoints/%zu", s.db[0], 10 * (i + 1));
		assert_string_equal(ck[i].path, want);
		free(want);
	}
	drill_verify_checkpoints_free(ck, n);

	assert_drill_ok(drill_verify_checkpoints(&ck, &n, s.db[1]));
	assert_int_equal(n, 3);
	assert_int_equal(ck[0].status, DRILL_REPLICA_OK);
	assert_int_equal(ck[1].id, 20);
	assert_int_equal(ck[1].status, DRILL_REPLICA_CORRUPT);
	assert_non_null(strstr(ck[1].error, "ckpt.self digest"));
	assert_non_null(strstr(ck[1].error, "differs from block 20"));
	assert_int_equal(ck[2].status, DRILL_REPLICA_OK);
	drill_verify_checkpoints_free(ck, n);

	/* the live replicas themselves are fine: checkpoints do not enter the verdict */
	struct drill_verify_result r;
	verify_set(&r, &s, -1);
	assert_int_equal(r.verdict, DRILL_VERDICT_CONSISTENT);
	drill_verify_result_free(&r);

	/* a checkpoint directory named after another block; a stray non-decimal entry is ignored;
	 * a damaged block inside a checkpoint */
	char *from = drill_xasprintf("%s/checkpoints/30", s.db[0]);
	char *to = drill_xasprintf("%s/checkpoints/31", s.db[0]);
	char *tmp = drill_xasprintf("%s/checkpoints/.tmp-40", s.db[0]);
	char *c10 = drill_xasprintf("%s/checkpoints/10", s.db[0]);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(mkdir(tmp, 0755), 0);
	assert_drill_ok(drill_fix_flip_byte(c10, 4, DRILL_FIX_VALUE_OFFSET, 0xff));
	assert_drill_ok(drill_verify_checkpoints(&ck, &n, s.db[0]));
	assert_int_equal(n, 3);
	assert_int_equal(ck[0].id, 10);
	assert_int_equal(ck[0].status, DRILL_REPLICA_CORRUPT);
	assert_non_null(strstr(ck[0].error, "block 4: digest mismatch"));
	assert_int_equal(ck[1].status, DRILL_REPLICA_OK);
	assert_int_equal(ck[2].id, 31);
	assert_int_equal(ck[2].status, DRILL_REPLICA_CORRUPT);
	assert_string_equal(ck[2].error, "holds blocks up to 30, expected 31");
	drill_verify_checkpoints_free(ck, n);
	free(from);
	free(to);
	free(tmp);
	free(c10);

	/* no checkpoints directory: none, and no error */
	char *none = drill_xasprintf("%s/none", s.root);
	assert_drill_ok(drill_verify_checkpoints(&ck, &n, none));
	assert_int_equal(n, 0);
	assert_null(ck);
	free(none);
	set_free(&s);
}

/* --- JSON --------------------------------------------------------------------------------------- */

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *o = json_loads(text, 0, &e);
	if (!o)
		fail_msg("not JSON (%s): %s", e.text, text);
	return o;
}

static const char *const replica_keys[] = {"path", "status", "lastBlock", "digest", "stateRoot",
					   "error"};

static void test_json(void **state)
{
	(void)state;
	struct set s;
	set_init(&s, "json", 4);
	build(&s, 0, 20, 0);
	build(&s, 1, 20, 0);
	build(&s, 2, 18, 0);
	assert_drill_ok(drill_fix_flip_byte(s.db[1], 5, DRILL_FIX_VALUE_OFFSET, 0x01));
	struct drill_verify_result r;
	verify_set(&r, &s, -1);
	assert_int_equal(r.verdict, DRILL_VERDICT_UNRECOVERABLE);
	char *text = drill_verify_to_json(&r);
	json_t *o = parse(text);
	assert_true(json_is_object(o));
	/* top-level keys, in the documented order */
	const char *top[] = {"verdict", "f", "agreedBlock", "agreedDigest", "replicas"};
	size_t k = 0;
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		assert_true(k < 5);
		assert_string_equal(key, top[k]);
		k++;
	}
	assert_int_equal(k, 5);
	assert_string_equal(json_string_value(json_object_get(o, "verdict")), "unrecoverable");
	assert_int_equal(json_integer_value(json_object_get(o, "f")), 1);
	assert_true(json_is_null(json_object_get(o, "agreedBlock")));
	assert_true(json_is_null(json_object_get(o, "agreedDigest")));
	json_t *reps = json_object_get(o, "replicas");
	assert_int_equal(json_array_size(reps), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *x = json_array_get(reps, i);
		for (size_t j = 0; j < sizeof(replica_keys) / sizeof(replica_keys[0]); j++)
			if (!json_object_get(x, replica_keys[j]))
				fail_msg("replica %zu has no \"%s\": %s", i, replica_keys[j], text);
		assert_string_equal(json_string_value(json_object_get(x, "path")), s.path[i]);
	}
	json_t *x0 = json_array_get(reps, 0), *x1 = json_array_get(reps, 1);
	json_t *x2 = json_array_get(reps, 2), *x3 = json_array_get(reps, 3);
	char hex[65];
	assert_string_equal(json_string_value(json_object_get(x0, "status")), "ok");
	assert_int_equal(json_integer_value(json_object_get(x0, "lastBlock")), 20);
	drill_hex(hex, r.replicas[0].digest, DRILL_HASH_LEN);
	assert_string_equal(json_string_value(json_object_get(x0, "digest")), hex);
	drill_hex(hex, r.replicas[0].state_root, DRILL_HASH_LEN);
	assert_string_equal(json_string_value(json_object_get(x0, "stateRoot")), hex);
	assert_int_equal(strlen(hex), 64);
	assert_true(json_is_null(json_object_get(x0, "error")));
	assert_true(json_is_null(json_object_get(x0, "errorBlock")));
	assert_int_equal(json_integer_value(json_object_get(x0, "replicaId")), 0);

	assert_string_equal(json_string_value(json_object_get(x1, "status")), "corrupt");
	assert_non_null(strstr(json_string_value(json_object_get(x1, "error")),
			       "block 5: digest mismatch"));
	assert_int_equal(json_integer_value(json_object_get(x1, "errorBlock")), 5);
	assert_int_equal(json_integer_value(json_object_get(x1, "lastBlock")), 4);

	assert_string_equal(json_string_value(json_object_get(x2, "status")), "ok");
	assert_int_equal(json_integer_value(json_object_get(x2, "lastBlock")), 18);

	assert_string_equal(json_string_value(json_object_get(x3, "status")), "missing");
	assert_int_equal(json_integer_value(json_object_get(x3, "lastBlock")), 0);
	assert_true(json_is_null(json_object_get(x3, "digest")));
	assert_true(json_is_null(json_object_get(x3, "stateRoot")));
	assert_true(json_is_string(json_object_get(x3, "error")));
	assert_true(json_is_null(json_object_get(x3, "replicaId")));
	json_decref(o);
	free(text);
	drill_verify_result_free(&r);

	/* a consistent set: agreedBlock and agreedDigest are set */
	build(&s, 3, 20, 0);
	assert_drill_ok(drill_fs_remove_tree(s.db[1]));
	build(&s, 1, 20, 0);
	assert_drill_ok(drill_fs_remove_tree(s.db[2]));
	build(&s, 2, 20, 0);
	verify_set(&r, &s, -1);
	text = drill_verify_to_json(&r);
	o = parse(text);
	assert_string_equal(json_string_value(json_object_get(o, "verdict")), "consistent");
	assert_int_equal(json_integer_value(json_object_get(o, "agreedBlock")), 20);
	drill_hex(hex, r.agreed_digest, DRILL_HASH_LEN);
	expect_digest(r.agreed_digest, s.db[2], 20);
	assert_string_equal(json_string_value(json_object_get(o, "agreedDigest")), hex);
	json_decref(o);
	free(text);
	drill_verify_result_free(&r);
	set_free(&s);
}

static void test_names(void **state)
{
	(void)state;
	enum drill_verdict v;
	const char *names[] = {"consistent", "recoverable", "divergent", "unrecoverable"};
	for (int i = 0; i < 4; i++) {
		assert_string_equal(drill_verdict_name((enum drill_verdict)i), names[i]);
		assert_drill_ok(drill_verdict_parse(&v, names[i]));
		assert_int_equal(v, i);
	}
	assert_int_equal(drill_verdict_parse(&v, "fine"), DRILL_EINPUT);
	assert_string_equal(drill_replica_status_name(DRILL_REPLICA_OK), "ok");
	assert_string_equal(drill_replica_status_name(DRILL_REPLICA_CORRUPT), "corrupt");
	assert_string_equal(drill_replica_status_name(DRILL_REPLICA_MISSING), "missing");
}

int main(void)
{
	/* First, while this process has one thread: the readers are forked from the fork server, as
	 * chaindrill forks them. Forked from here they could hang: a database opened in this
	 * process leaves RocksDB's background threads running, and a child forked while one of them
	 * held the sanitizer's allocator lock waits for it forever (util/forksrv.h). */
	if (drill_forksrv_start() != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_set),
		cmocka_unit_test(test_verify_writes_nothing),
		cmocka_unit_test(test_empty_chain),
		cmocka_unit_test(test_one_lagging),
		cmocka_unit_test(test_two_lagging),
		cmocka_unit_test(test_flipped_byte),
		cmocka_unit_test(test_broken_parent_link),
		cmocka_unit_test(test_wrong_state_root),
		cmocka_unit_test(test_damaged_metadata_and_state),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_divergent_two_two),
		cmocka_unit_test(test_divergent_three_one),
		cmocka_unit_test(test_quorum_n4),
		cmocka_unit_test(test_quorum_n7),
		cmocka_unit_test(test_f_table),
		cmocka_unit_test(test_unreadable_demotes),
		cmocka_unit_test(test_checkpoints),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_reader_dies),
		cmocka_unit_test(test_checkpoint_reader_dies),
		cmocka_unit_test(test_isolated),
	};
	return drill_test_run(tests, NULL, NULL);
}
