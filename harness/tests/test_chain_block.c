/* tests/test_chain_block.c — the §4 block format: round trips, digests, roots, hostile input. */
#include "helpers.h"

#include "chain/block.h"
#include "util/bytes.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

#define NE 3

struct fixture {
	struct drill_kv kv[NE];
	struct drill_block b;
	uint8_t *enc;
	size_t len;
};

static const char *const keys[NE] = {"key-00000001", "key-000000ff", "k"};
static const char *const vals[NE] = {"hello", "", "a longer value of some bytes"};

/* Block 17 with three entries, one of which replaces an old value. */
static void make_block(struct fixture *f, uint64_t id, const uint8_t parent[DRILL_HASH_LEN],
		       const uint8_t parent_root[DRILL_HASH_LEN])
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < NE; i++) {
		f->kv[i].key = (const uint8_t *)keys[i];
		f->kv[i].klen = (uint32_t)strlen(keys[i]);
		f->kv[i].val = (const uint8_t *)vals[i];
		f->kv[i].vlen = (uint32_t)strlen(vals[i]);
	}
	drill_term(f->kv[1].prev_term, keys[1], 12, "old", 3);
	f->b.id = id;
	f->b.ts_ms = 123456789;
	f->b.n = NE;
	f->b.kv = f->kv;
	assert_drill_ok(drill_block_build(&f->enc, &f->len, &f->b, parent, parent_root));
}

/* Recompute the digest after an edit, so only the structural check can object. */
static void redigest(uint8_t *buf, size_t len)
{
	drill_sha256(buf + len - DRILL_HASH_LEN, buf, len - DRILL_HASH_LEN);
}

static void expect_error(const uint8_t *buf, size_t len, const char *msg)
{
	struct drill_block d;
	struct drill_kv *kv = NULL;
	size_t cap = 0;
	int rc = drill_block_decode(&d, &kv, &cap, buf, len);
	assert_int_equal(rc, DRILL_ECORRUPT);
	assert_string_equal(drill_err_last(), msg);
	free(kv);
}

static void test_round_trip(void **state)
{
	(void)state;
	uint8_t parent[DRILL_HASH_LEN], proot[DRILL_HASH_LEN];
	memset(parent, 0xab, sizeof(parent));
	memset(proot, 0x11, sizeof(proot));
	struct fixture f;
	make_block(&f, 17, parent, proot);
	assert_int_equal(f.len, drill_block_encoded_len(&f.b));
	assert_memory_equal(f.enc, "CDB1", 4);
	assert_true(drill_get_be64(f.enc + 4) == 17);

	struct drill_block d;
	struct drill_kv *kv = NULL;
	size_t cap = 0;
	assert_drill_ok(drill_block_decode(&d, &kv, &cap, f.enc, f.len));
	assert_true(d.id == 17 && d.ts_ms == 123456789);
	assert_int_equal(d.n, NE);
	assert_true(cap >= NE);
	assert_ptr_equal(d.kv, kv);
	assert_memory_equal(d.parent, parent, DRILL_HASH_LEN);
	assert_memory_equal(d.root, f.b.root, DRILL_HASH_LEN);
	assert_memory_equal(d.digest, f.b.digest, DRILL_HASH_LEN);
	for (int i = 0; i < NE; i++) {
		assert_int_equal(d.kv[i].klen, f.kv[i].klen);
		assert_memory_equal(d.kv[i].key, keys[i], d.kv[i].klen);
		assert_int_equal(d.kv[i].vlen, f.kv[i].vlen);
		assert_memory_equal(d.kv[i].val, vals[i], d.kv[i].vlen);
		assert_memory_equal(d.kv[i].prev_term, f.kv[i].prev_term, DRILL_HASH_LEN);
		/* keys and values point into the buffer: no copies */
		assert_true(d.kv[i].key >= f.enc && d.kv[i].key < f.enc + f.len);
	}

	/* the array is reused by the next decode */
	struct drill_kv *before = kv;
	assert_drill_ok(drill_block_decode(&d, &kv, &cap, f.enc, f.len));
	assert_ptr_equal(kv, before);

	/* re-encoding the decoded block gives the same bytes */
	uint8_t *again = drill_xmalloc(f.len);
	drill_block_encode(again, &d);
	assert_memory_equal(again, f.enc, f.len);
	free(again);
	free(kv);
	free(f.enc);
}

static void test_digest_is_sha256_of_prefix(void **state)
{
	(void)state;
	uint8_t zero[DRILL_HASH_LEN] = {0}, h[DRILL_HASH_LEN];
	struct fixture f;
	make_block(&f, 1, zero, zero);
	drill_sha256(h, f.enc, f.len - DRILL_HASH_LEN);
	assert_memory_equal(h, f.b.digest, DRILL_HASH_LEN);
	assert_memory_equal(f.enc + f.len - DRILL_HASH_LEN, h, DRILL_HASH_LEN);
	/* block 1: the parent is 32 zero bytes at offset 20 */
	assert_memory_equal(f.enc + 20, zero, DRILL_HASH_LEN);
	free(f.enc);
}

static void test_empty_block(void **state)
{
	(void)state;
	uint8_t zero[DRILL_HASH_LEN] = {0}, proot[DRILL_HASH_LEN];
	memset(proot, 0x5a, sizeof(proot));
	struct drill_block b = {.id = 2, .ts_ms = 1, .n = 0, .kv = NULL};
	uint8_t *enc;
	size_t len;
	assert_drill_ok(drill_block_build(&enc, &len, &b, zero, proot));
	assert_int_equal(len, DRILL_BLOCK_HEADER_LEN + DRILL_HASH_LEN);
	assert_memory_equal(b.root, proot, DRILL_HASH_LEN); /* no updates: the root stays */
	struct drill_block d;
	struct drill_kv *kv = NULL;
	size_t cap = 0;
	assert_drill_ok(drill_block_decode(&d, &kv, &cap, enc, len));
	assert_int_equal(d.n, 0);
	free(kv);
	free(enc);
}

static void test_build_root(void **state)
{
	(void)state;
	uint8_t parent[DRILL_HASH_LEN] = {0}, proot[DRILL_HASH_LEN], want[DRILL_HASH_LEN];
	/* the parent's state: k1 = "old" and some other keys */
	uint8_t t[DRILL_HASH_LEN];
	memset(proot, 0, sizeof(proot));
	drill_term(t, keys[1], 12, "old", 3);
	drill_root_add(proot, t);
	drill_term(t, "other", 5, "x", 1);
	drill_root_add(proot, t);

	struct fixture f;
	make_block(&f, 5, parent, proot);

	/* expected: the sum over the new state {other=x, keys[i]=vals[i]} */
	memset(want, 0, sizeof(want));
	drill_term(t, "other", 5, "x", 1);
	drill_root_add(want, t);
	for (int i = 0; i < NE; i++) {
		drill_term(t, keys[i], (uint32_t)strlen(keys[i]), vals[i], (uint32_t)strlen(vals[i]));
		drill_root_add(want, t);
	}
	assert_memory_equal(f.b.root, want, DRILL_HASH_LEN);
	/* and the header carries it */
	assert_memory_equal(f.enc + 4 + 8 + 8 + 32, want, DRILL_HASH_LEN);
	free(f.enc);
}

static void test_decode_errors(void **state)
{
	(void)state;
	uint8_t zero[DRILL_HASH_LEN] = {0};
	struct fixture f;
	make_block(&f, 17, zero, zero);
	uint8_t *buf = drill_xmalloc(f.len + 64);
	const size_t n_off = DRILL_BLOCK_HEADER_LEN - 4, e0 = DRILL_BLOCK_HEADER_LEN;

	/* bad magic */
	memcpy(buf, f.enc, f.len);
	buf[0] = 'X';
	expect_error(buf, f.len, "block 17: bad magic");

	/* truncated header: too short for the id, and too short for the rest */
	expect_error(f.enc, 7, "block: truncated header (7 bytes)");
	expect_error(f.enc, 60, "block 17: truncated header (60 bytes)");
	expect_error(f.enc, 0, "block: truncated header (0 bytes)");

	/* truncated entry: the buffer is cut inside the last entry */
	memcpy(buf, f.enc, f.len);
	size_t cut = f.len - DRILL_HASH_LEN - 10;
	redigest(buf, cut);
	expect_error(buf, cut, "block 17: truncated entry 2");
	/* a cut buffer without re-digesting reads the same way */
	expect_error(f.enc, f.len - 5, "block 17: truncated entry 2");

	/* huge n: more entries than the bytes could hold */
	memcpy(buf, f.enc, f.len);
	drill_put_be32(buf + n_off, UINT32_MAX);
	redigest(buf, f.len);
	expect_error(buf, f.len, "block 17: entry count 4294967295 too large for 298 bytes");
	drill_put_be32(buf + n_off, 4); /* one too many, within the count bound */
	redigest(buf, f.len);
	expect_error(buf, f.len, "block 17: truncated entry 3");

	/* huge klen and huge vlen */
	memcpy(buf, f.enc, f.len);
	drill_put_be32(buf + e0, UINT32_MAX);
	redigest(buf, f.len);
	expect_error(buf, f.len, "block 17: truncated entry 0");
	memcpy(buf, f.enc, f.len);
	drill_put_be32(buf + e0 + 4 + 12, 0xfffffff0u);
	redigest(buf, f.len);
	expect_error(buf, f.len, "block 17: truncated entry 0");

	/* trailing bytes: fewer entries than the bytes hold */
	memcpy(buf, f.enc, f.len);
	drill_put_be32(buf + n_off, 2);
	redigest(buf, f.len);
	expect_error(buf, f.len, "block 17: 69 trailing bytes");
	/* and bytes after the digest */
	memcpy(buf, f.enc, f.len);
	memset(buf + f.len, 0, 8);
	expect_error(buf, f.len + 8, "block 17: 8 trailing bytes");

	/* a flipped bit anywhere in the body or in the digest */
	size_t flips[] = {12, 30, e0 + 6, f.len - DRILL_HASH_LEN - 1, f.len - 1};
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		memcpy(buf, f.enc, f.len);
		buf[flips[i]] ^= 0x10;
		expect_error(buf, f.len, "block 17: digest mismatch");
	}

	/* larger than any valid block */
	free(buf);
	size_t big = (size_t)DRILL_BLOCK_MAX_LEN + 1;
	buf = drill_xcalloc(1, big);
	memcpy(buf, f.enc, DRILL_BLOCK_HEADER_LEN);
	expect_error(buf, big, "block 17: too large (67108865 bytes, limit 67108864)");
	free(buf);
	free(f.enc);
}

static void test_decode_grows_array(void **state)
{
	(void)state;
	enum { N = 500 };
	static struct drill_kv kv[N];
	static char kbuf[N][8];
	for (int i = 0; i < N; i++) {
		memcpy(kbuf[i], &i, sizeof(i));
		kv[i] = (struct drill_kv){.key = (const uint8_t *)kbuf[i], .klen = 8,
					  .val = (const uint8_t *)"v", .vlen = 1};
	}
	uint8_t zero[DRILL_HASH_LEN] = {0};
	struct drill_block b = {.id = 9, .n = N, .kv = kv};
	uint8_t *enc;
	size_t len;
	assert_drill_ok(drill_block_build(&enc, &len, &b, zero, zero));
	struct drill_block d;
	struct drill_kv *arr = drill_xmalloc(2 * sizeof(*arr));
	size_t cap = 2;
	assert_drill_ok(drill_block_decode(&d, &arr, &cap, enc, len));
	assert_true(cap >= N);
	assert_int_equal(d.n, N);
	assert_memory_equal(d.kv[N - 1].key, kbuf[N - 1], 8);
	free(arr);
	free(enc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_digest_is_sha256_of_prefix),
		cmocka_unit_test(test_empty_block),
		cmocka_unit_test(test_build_root),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_decode_grows_array),
	};
	return drill_test_run(tests, NULL, NULL);
}
