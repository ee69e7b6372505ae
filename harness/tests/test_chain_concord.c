/* tests/test_chain_concord.c — `verify` on real Concord databases (fixtures/concord/): every
 * block digest, live and in checkpoint 150, equals the one Concord's own API reported
 * (concord-view.json); the verdicts, statuses, reasons, the quirk and the public state hash. */
#include "helpers.h"

#include "chain/verify.h"
#include "chain/verify_internal.h"
#include "concord/kvbc.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/forksrv.h"

#include <jansson.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *sets; /* the unpacked archive */

/* Under valgrind a RocksDB open and walk takes about 30 s: there, one replica of each kind is
 * walked (healthy live and checkpoint, the flipped one, the quirk) and the set-wide cases are left
 * to the normal and ASan builds, which run them all. */
static int light(const char *what)
{
	if (!RUNNING_ON_VALGRIND)
		return 0;
	print_message("under valgrind: %s left to the normal and ASan builds\n", what);
	return 1;
}

static int unpack(void **state)
{
	const char *src = getenv("CHAINDRILL_SOURCE");
	if (!src) {
		fprintf(stderr, "CHAINDRILL_SOURCE is not set (run the test through ctest)\n");
		return -1;
	}
	sets = drill_test_scratch("sets");
	char *cmd = drill_xasprintf("tar -xzf '%s/fixtures/concord/concord-kvbc-sets.tar.gz' -C '%s'",
				    src, sets);
	int rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

static int cleanup_sets(void **state)
{
	free(sets);
	return 0;
}

static char *path_of(const char *set, int replica, const char *rest)
{
	return drill_xasprintf("%s/%s/replica-%d/%s", sets, set, replica, rest);
}

/* --- Every digest against concord-view.json ---------------------------------------------------- */

struct view_check {
	json_t *blocks; /* the view's array of {"id","digest","parent_digest"} */
	uint64_t seen;
	uint64_t first_bad;
};

static void check_block(void *ctx, uint64_t id, const uint8_t digest[32], const uint8_t parent[32],
			const uint8_t *raw, size_t raw_len)
{
	struct view_check *v = ctx;
	char d[65], p[65];
	drill_hex(d, digest, 32);
	drill_hex(p, parent, 32);
	json_t *b = json_array_get(v->blocks, (size_t)(id - 1));
	const char *vd = json_string_value(json_object_get(b, "digest"));
	const char *vp = json_string_value(json_object_get(b, "parent_digest"));
	json_int_t size = json_integer_value(json_object_get(b, "raw_block_size"));
	if ((uint64_t)json_integer_value(json_object_get(b, "id")) != id || !vd || !vp ||
	    strcmp(vd, d) || strcmp(vp, p) || size != (json_int_t)raw_len) {
		if (!v->first_bad)
			v->first_bad = id;
		print_error("block %llu: digest %s parent %s (%zu raw bytes), Concord's view %s "
			    "parent %s (%lld)\n", (unsigned long long)id, d, p, raw_len,
			    vd ? vd : "?", vp ? vp : "?", (long long)size);
	}
	v->seen++;
}

/* Walk db and compare with the view's `section` ("live_db" or "checkpoint"). */
static void expect_view(const char *db, json_t *view, const char *section, uint64_t want_blocks,
			int want_failed)
{
	struct view_check v = {json_object_get(json_object_get(view, section), "blocks"), 0, 0};
	struct drill_kvbc_walk w;
	assert_non_null(v.blocks);
	assert_drill_ok(drill_verify_concord_walk(db, &w, check_block, &v));
	if (v.first_bad)
		fail_msg("%s: block %llu differs from concord-view.json", db,
			 (unsigned long long)v.first_bad);
	assert_int_equal(v.seen, want_blocks);
	assert_int_equal(w.blocks, want_blocks);
	assert_int_equal(w.failed != 0, want_failed);
	if (!want_failed)
		assert_int_equal(v.seen, json_array_size(v.blocks));
}

static json_t *load_view(const char *set, int replica)
{
	char *p = path_of(set, replica, "concord-view.json");
	json_error_t e;
	json_t *view = json_load_file(p, 0, &e);
	if (!view)
		fail_msg("%s: %s", p, e.text);
	free(p);
	return view;
}

static void check_set_digests(const char *set, int n, int flipped, int lagging)
{
	for (int i = 0; i < n; i++) {
		if (i != flipped && (i > 0 || flipped >= 0 || lagging >= 0) &&
		    light("a replica of this kind"))
			continue;
		json_t *view = load_view(set, i);
		char *live = path_of(set, i, "rocksdbdata");
		char *ckpt = path_of(set, i, "rocksdbdata/checkpoints/150");
		uint64_t last = i == lagging ? 180 : 200;
		/* the flipped byte hides blocks 98.. of replica 1: the 97 before it still match */
		expect_view(live, view, "live_db", i == flipped ? 97 : last, i == flipped);
		if (i != flipped || !light("the flipped replica's checkpoint"))
			expect_view(ckpt, view, "checkpoint", i == flipped ? 97 : 150, i == flipped);
		if (i != flipped) {
			uint8_t h[DRILL_HASH_LEN];
			char hex[65];
			assert_drill_ok(drill_verify_concord_state_hash(ckpt, 150, h));
			drill_hex(hex, h, DRILL_HASH_LEN);
			json_t *psh = json_object_get(json_object_get(view, "checkpoint"),
						      "public_state_hash");
			assert_string_equal(hex, json_string_value(json_object_get(psh, "hash")));
		}
		free(live);
		free(ckpt);
		json_decref(view);
	}
}

static void test_digests_healthy4(void **state)
{
	check_set_digests("healthy4", 4, -1, -1);
}

static void test_digests_sstflip4(void **state)
{
	check_set_digests("sstflip4", 4, 1, -1);
}

static void test_digests_lagging4(void **state)
{
	check_set_digests("lagging4", 4, -1, 3);
}

/* quirk1's view digests are Concord's calculateBlockDigest from storage: they match ours for every
 * block, while the walk reports the quirk at the 28 blocks whose parent digest shows it. */
static void test_digests_quirk1(void **state)
{
	json_t *view = load_view("quirk1", 0);
	char *live = path_of("quirk1", 0, "rocksdbdata");
	struct view_check v = {json_object_get(json_object_get(view, "live_db"), "blocks"), 0, 0};
	struct drill_kvbc_walk w;
	assert_drill_ok(drill_verify_concord_walk(live, &w, check_block, &v));
	assert_int_equal(v.first_bad, 0);
	assert_int_equal(v.seen, 200);
	assert_int_equal(w.failed, 0);
	assert_int_equal(w.quirk_blocks, 28);
	assert_int_equal(w.quirk_first, 8);
	/* the blocks the quirk shows at are exactly Concord's own parent_digest_mismatches */
	json_t *mm = json_object_get(json_object_get(view, "live_db"), "parent_digest_mismatches");
	assert_int_equal(json_array_size(mm), w.quirk_blocks);
	assert_int_equal(json_integer_value(json_array_get(mm, 0)), 8);
	assert_non_null(strstr(w.quirk, "block 7 both updates and deletes versioned key"));
	free(live);
	json_decref(view);
}

/* --- The verdicts, as the CLI computes them --------------------------------------------------- */

static void verify_set(struct drill_verify_result *r, const char *set, int n)
{
	char *paths[4];
	for (int i = 0; i < n; i++)
		paths[i] = path_of(set, i, "rocksdbdata");
	assert_drill_ok(drill_verify_set(r, (const char *const *)paths, (size_t)n, -1, 2));
	for (int i = 0; i < n; i++) {
		free(paths[i]);
		assert_int_equal(r->replicas[i].format, DRILL_FORMAT_CONCORD);
	}
}

static void test_verdict_healthy4(void **state)
{
	if (light("test_verdict_healthy4"))
		return;
	struct drill_verify_result r;
	verify_set(&r, "healthy4", 4);
	assert_int_equal(r.verdict, DRILL_VERDICT_CONSISTENT);
	assert_true(r.has_agreed);
	assert_int_equal(r.agreed_block, 200);
	char hex[65];
	drill_hex(hex, r.agreed_digest, 32);
	/* the reference value of the fixtures' README: Concord's digest of block 200 */
	assert_string_equal(hex, "f0e6c2f10a14f45f1c9a62ccc64af3539d7af764fa33e0fc817c814fdbdbf27e");
	drill_verify_result_free(&r);
}

static void test_verdict_sstflip4(void **state)
{
	if (light("test_verdict_sstflip4"))
		return;
	struct drill_verify_result r;
	verify_set(&r, "sstflip4", 4);
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	assert_int_equal(r.agreed_block, 200);
	const struct drill_replica_result *x = &r.replicas[1];
	assert_int_equal(x->status, DRILL_REPLICA_CORRUPT);
	assert_int_equal(x->error_block, 98);
	assert_non_null(strstr(x->error, "Corruption: block checksum mismatch"));
	assert_null(x->quirk);
	for (int i = 0; i < 4; i++)
		if (i != 1)
			assert_int_equal(r.replicas[i].status, DRILL_REPLICA_OK);
	drill_verify_result_free(&r);
}

static void test_verdict_lagging4(void **state)
{
	if (light("test_verdict_lagging4"))
		return;
	struct drill_verify_result r;
	verify_set(&r, "lagging4", 4);
	assert_int_equal(r.verdict, DRILL_VERDICT_RECOVERABLE);
	assert_int_equal(r.agreed_block, 200);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(r.replicas[i].status, DRILL_REPLICA_OK);
		assert_int_equal(r.replicas[i].last_block, i == 3 ? 180 : 200);
		assert_int_equal(r.replicas[i].genesis_block, 1);
	}
	drill_verify_result_free(&r);
}

static void test_verdict_quirk1(void **state)
{
	struct drill_verify_result r;
	verify_set(&r, "quirk1", 1);
	const struct drill_replica_result *x = &r.replicas[0];
	assert_int_equal(x->status, DRILL_REPLICA_CORRUPT);
	assert_int_equal(x->error_block, 8);
	assert_non_null(strstr(x->error, "update-and-delete quirk"));
	assert_int_equal(x->quirk_blocks, 28);
	assert_int_equal(x->quirk_first, 8);
	assert_non_null(strstr(x->quirk, "'v-2' of category 'execution_private'"));
	assert_int_equal(x->last_block, 200); /* the walk goes on past the quirk */
	char *json = drill_verify_to_json(&r);
	assert_non_null(strstr(json, "\"format\": \"concord-categorized\""));
	assert_non_null(strstr(json, "\"name\": \"update-and-delete\""));
	free(json);
	drill_verify_result_free(&r);
}

static void test_checkpoints(void **state)
{
	if (light("test_checkpoints"))
		return;
	const char *names[] = {"healthy4", "sstflip4"};
	for (int s = 0; s < 2; s++) {
		for (int i = 0; i < 4; i++) {
			char *db = path_of(names[s], i, "rocksdbdata");
			struct drill_checkpoint_result *c = NULL;
			size_t n = 0;
			assert_drill_ok(drill_verify_checkpoints(&c, &n, db));
			assert_int_equal(n, 1);
			assert_int_equal(c[0].id, 150);
			if (s == 1 && i == 1) {
				assert_int_equal(c[0].status, DRILL_REPLICA_CORRUPT);
				assert_non_null(strstr(c[0].error, "block checksum mismatch"));
			} else {
				if (c[0].status != DRILL_REPLICA_OK)
					fail_msg("%s checkpoint 150: %s", db, c[0].error);
			}
			drill_verify_checkpoints_free(c, n);
			free(db);
		}
	}
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
		cmocka_unit_test(test_digests_healthy4), cmocka_unit_test(test_digests_sstflip4),
		cmocka_unit_test(test_digests_lagging4), cmocka_unit_test(test_digests_quirk1),
		cmocka_unit_test(test_verdict_healthy4), cmocka_unit_test(test_verdict_sstflip4),
		cmocka_unit_test(test_verdict_lagging4), cmocka_unit_test(test_verdict_quirk1),
		cmocka_unit_test(test_checkpoints),
	};
	return cmocka_run_group_tests(tests, unpack, cleanup_sets);
}
