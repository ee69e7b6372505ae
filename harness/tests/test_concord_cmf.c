/* tests/test_concord_cmf.c — the CMF reader and writer, and BlockData/RawBlockData, on hand-made
 * byte strings: every field type the categorized messages use (u8/bool, u32, u64, string,
 * fixedlist uint8 32, list, map, optional, oneof), truncated and oversized input refused with a
 * reason, non-canonical input (unsorted or repeated map keys, bool 2, trailing bytes) refused. */
#include "helpers.h"

#include "concord/cmf.h"
#include "concord/kvbc.h"
#include "util/bytes.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define expect_refused(expr, ...)                                                              \
	do {                                                                                   \
		int rc_ = (expr);                                                              \
		assert_int_equal(rc_, DRILL_ECORRUPT);                                         \
		const char *subs_[] = {__VA_ARGS__};                                           \
		for (size_t i_ = 0; i_ < sizeof(subs_) / sizeof(subs_[0]); i_++)               \
			if (!strstr(drill_err_last(), subs_[i_]))                              \
				fail_msg("'%s' does not say '%s'", drill_err_last(), subs_[i_]); \
	} while (0)

/* --- Reader ---------------------------------------------------------------------------------- */

static void test_read_integers(void **state)
{
	static const uint8_t in[] = {0x7f, 0x01, 0x02, 0x03, 0x04, 0x01, 0x02, 0x03, 0x04,
				     0x05, 0x06, 0x07, 0x08, 0x00, 0x01};
	struct drill_cmf_reader r;
	uint8_t u8;
	uint32_t u32;
	uint64_t u64;
	int b;
	drill_cmf_reader_init(&r, in, sizeof(in));
	assert_drill_ok(drill_cmf_u8(&r, &u8, "u8"));
	assert_int_equal(u8, 0x7f);
	assert_drill_ok(drill_cmf_u32(&r, &u32, "u32"));
	assert_int_equal(u32, 0x01020304); /* big-endian */
	assert_drill_ok(drill_cmf_u64(&r, &u64, "u64"));
	assert_true(u64 == 0x0102030405060708ull);
	assert_drill_ok(drill_cmf_bool(&r, &b, "b0"));
	assert_int_equal(b, 0);
	assert_drill_ok(drill_cmf_bool(&r, &b, "b1"));
	assert_int_equal(b, 1);
	assert_drill_ok(drill_cmf_end(&r, "msg"));
}

static void test_read_bool_two_refused(void **state)
{
	static const uint8_t in[] = {0x02};
	struct drill_cmf_reader r;
	int b;
	drill_cmf_reader_init(&r, in, sizeof(in));
	expect_refused(drill_cmf_bool(&r, &b, "Flag.deleted"), "Flag.deleted at byte 0",
		       "bool is 2, not 0 or 1");
}

static void test_read_string_fixed(void **state)
{
	static const uint8_t in[] = {0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 0, 9, 8, 7};
	struct drill_cmf_reader r;
	struct drill_cmf_span s;
	const uint8_t *f;
	drill_cmf_reader_init(&r, in, sizeof(in));
	assert_drill_ok(drill_cmf_string(&r, &s, "s"));
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.p, "abc", 3);
	assert_drill_ok(drill_cmf_string(&r, &s, "empty"));
	assert_int_equal(s.len, 0);
	assert_drill_ok(drill_cmf_fixed(&r, &f, 3, "fixed"));
	assert_int_equal(f[0], 9);
	assert_int_equal(drill_cmf_left(&r), 0);
}

static void test_read_truncated(void **state)
{
	static const uint8_t in[] = {0, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7};
	struct drill_cmf_reader r;
	uint32_t u32;
	uint64_t u64;
	uint8_t u8;
	int b;
	struct drill_cmf_span s;
	const uint8_t *f;
	drill_cmf_reader_init(&r, in, 3);
	expect_refused(drill_cmf_u32(&r, &u32, "Msg.count"), "Msg.count at byte 0", "truncated",
		       "4 bytes needed, 3 left");
	drill_cmf_reader_init(&r, in, 7);
	expect_refused(drill_cmf_u64(&r, &u64, "BlockData.block_id"), "truncated");
	drill_cmf_reader_init(&r, in, 0);
	expect_refused(drill_cmf_u8(&r, &u8, "u8"), "truncated");
	drill_cmf_reader_init(&r, in, 0);
	expect_refused(drill_cmf_bool(&r, &b, "bool"), "truncated");
	drill_cmf_reader_init(&r, in, sizeof(in));
	expect_refused(drill_cmf_string(&r, &s, "DbValue.data"), "DbValue.data at byte 0",
		       "length runs past the end", "13 bytes needed, 11 left");
	drill_cmf_reader_init(&r, in, 31);
	expect_refused(drill_cmf_fixed(&r, &f, 32, "parent_digest"), "truncated");
	assert_null(f);
	/* after a failure every read fails, and the first reason stays */
	expect_refused(drill_cmf_u8(&r, &u8, "later"), "parent_digest");
}

static void test_read_oversized_count(void **state)
{
	/* a count of 0xffffffff elements of at least 5 bytes in 4 bytes: refused before any read */
	static const uint8_t in[] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
	struct drill_cmf_reader r;
	uint32_t n = 7;
	drill_cmf_reader_init(&r, in, sizeof(in));
	expect_refused(drill_cmf_count(&r, &n, 5, "VersionedOutput.keys"),
		       "VersionedOutput.keys at byte 0", "count 4294967295 cannot fit");
	assert_int_equal(n, 0);
	/* the same count with elements of 0 bytes minimum is only a number */
	drill_cmf_reader_init(&r, in, sizeof(in));
	assert_drill_ok(drill_cmf_count(&r, &n, 0, "x"));
}

static void test_read_key_order_and_end(void **state)
{
	struct drill_cmf_reader r;
	struct drill_cmf_span a = {(const uint8_t *)"ab", 2}, b = {(const uint8_t *)"abc", 3},
			      c = {(const uint8_t *)"b", 1};
	static const uint8_t in[] = {1, 2};
	assert_true(drill_cmf_span_cmp(&a, &b) < 0); /* shorter first */
	assert_true(drill_cmf_span_cmp(&b, &c) < 0); /* bytes first */
	drill_cmf_reader_init(&r, in, sizeof(in));
	assert_drill_ok(drill_cmf_key_order(&r, NULL, &a, "m"));
	assert_drill_ok(drill_cmf_key_order(&r, &a, &b, "m"));
	expect_refused(drill_cmf_key_order(&r, &c, &b, "Output.keys"), "sorts before");
	drill_cmf_reader_init(&r, in, sizeof(in));
	expect_refused(drill_cmf_key_order(&r, &a, &a, "Output.keys"), "repeats");
	drill_cmf_reader_init(&r, in, sizeof(in));
	expect_refused(drill_cmf_end(&r, "StateHash"), "StateHash: 2 trailing bytes");
}

/* --- Writer ---------------------------------------------------------------------------------- */

static void test_write_every_type(void **state)
{
	static const uint8_t want[] = {0x7f, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 0, 0, 1, 0x2c,
				       1, 0, 0, 0, 2, 'h', 'i', 9, 9};
	struct drill_cmf_writer w = {0};
	drill_cmf_put_u8(&w, 0x7f);
	drill_cmf_put_u32(&w, 0xdeadbeef);
	drill_cmf_put_u64(&w, 300);
	drill_cmf_put_bool(&w, 7); /* any true is 1 */
	drill_cmf_put_string(&w, "hi", 2);
	drill_cmf_put_raw(&w, "\x09\x09", 2);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(w.data, want, sizeof(want));
	drill_cmf_writer_reset(&w);
	assert_int_equal(w.len, 0);
	for (int i = 0; i < 100000; i++) /* grows past its first capacity */
		drill_cmf_put_u32(&w, (uint32_t)i);
	assert_int_equal(w.len, 400000);
	assert_int_equal(drill_get_be32(w.data + 4 * 99999), 99999);
	drill_cmf_writer_free(&w);
	drill_cmf_writer_free(&w); /* twice is fine */
	drill_cmf_writer_free(NULL);
}

/* --- BlockData and RawBlockData --------------------------------------------------------------- */

static void str(struct drill_cmf_writer *w, const char *s)
{
	drill_cmf_put_string(w, s, (uint32_t)strlen(s));
}

static uint8_t H(int x)
{
	return (uint8_t)(0xa0 + x);
}

static void hash32(struct drill_cmf_writer *w, int x)
{
	uint8_t h[32];
	memset(h, H(x), sizeof(h));
	drill_cmf_put_raw(w, h, sizeof(h));
}

/* A BlockData of block 5 with the three kinds of category:
 *   evt  (immutable): key "e1" tags ["t1","t2"], tag_root_hashes {"t1": H1}
 *   prov (block_merkle): "a" written, "d" deleted, root H2, state_root_version 4
 *   ver  (versioned): "k" written (stale_on_update), "x" deleted, root_hash absent */
static void block_data(struct drill_cmf_writer *w)
{
	hash32(w, 0);           /* parent_digest */
	drill_cmf_put_u64(w, 5); /* block_id */
	drill_cmf_put_u32(w, 3); /* categories_updates_info */
	str(w, "evt");
	drill_cmf_put_u32(w, 1004);
	drill_cmf_put_u32(w, 1);
	str(w, "e1");
	drill_cmf_put_u32(w, 2);
	str(w, "t1");
	str(w, "t2");
	drill_cmf_put_bool(w, 1);
	drill_cmf_put_u32(w, 1);
	str(w, "t1");
	hash32(w, 1);
	str(w, "prov");
	drill_cmf_put_u32(w, 1001);
	drill_cmf_put_u32(w, 2);
	str(w, "a");
	drill_cmf_put_bool(w, 0);
	str(w, "d");
	drill_cmf_put_bool(w, 1);
	hash32(w, 2);
	drill_cmf_put_u64(w, 4);
	str(w, "ver");
	drill_cmf_put_u32(w, 1003);
	drill_cmf_put_u32(w, 2);
	str(w, "k");
	drill_cmf_put_bool(w, 0);
	drill_cmf_put_bool(w, 1);
	str(w, "x");
	drill_cmf_put_bool(w, 1);
	drill_cmf_put_bool(w, 0);
	drill_cmf_put_bool(w, 0); /* root_hash: nullopt */
}

/* Values: "<key>@<version>"; a deleted key has none, except "x" when `live_x`. */
struct fake_values {
	char buf[64];
	int live_x;
	int calls;
};

static int fake_get(void *ctx, const struct drill_kvbc_update *cat, const struct drill_kvbc_key *k,
		    uint64_t version, int deleted_key, struct drill_cmf_span *v)
{
	struct fake_values *f = ctx;
	f->calls++;
	if (deleted_key && !(f->live_x && k->key.len == 1 && k->key.p[0] == 'x'))
		return DRILL_ENOTFOUND;
	if (k->key.len == 1 && k->key.p[0] == 'a' && f->live_x < 0)
		return DRILL_ENOTFOUND;
	snprintf(f->buf, sizeof(f->buf), "%.*s@%llu", (int)k->key.len, (const char *)k->key.p,
		 (unsigned long long)version);
	v->p = (const uint8_t *)f->buf;
	v->len = (uint32_t)strlen(f->buf);
	return 0;
}

/* RawBlockData of that block, written out field by field. */
static void raw_block_data(struct drill_cmf_writer *w, int as_submitted_x)
{
	hash32(w, 0);
	drill_cmf_put_u32(w, 3); /* updates: CategoryInput.kv */
	str(w, "evt");
	drill_cmf_put_u32(w, 5); /* ImmutableInput */
	drill_cmf_put_u32(w, 1);
	str(w, "e1");
	str(w, "e1@5");
	drill_cmf_put_u32(w, 2);
	str(w, "t1");
	str(w, "t2");
	drill_cmf_put_bool(w, 1); /* calculate_root_hash */
	str(w, "prov");
	drill_cmf_put_u32(w, 1); /* BlockMerkleInput */
	drill_cmf_put_u32(w, 1);
	str(w, "a");
	str(w, "a@5");
	drill_cmf_put_u32(w, 1);
	str(w, "d");
	str(w, "ver");
	drill_cmf_put_u32(w, 3); /* VersionedInput */
	drill_cmf_put_u32(w, as_submitted_x >= 0 ? 2 : 1);
	str(w, "k");
	str(w, "k@5");
	drill_cmf_put_bool(w, 1);
	if (as_submitted_x >= 0) {
		str(w, "x");
		str(w, "x@5");
		drill_cmf_put_bool(w, as_submitted_x);
	}
	drill_cmf_put_u32(w, 1);
	str(w, "x");
	drill_cmf_put_bool(w, 0); /* calculate_root_hash */
	drill_cmf_put_u32(w, 1); /* block_merkle_root_hash */
	str(w, "prov");
	hash32(w, 2);
	drill_cmf_put_u32(w, 0); /* versioned_root_hash: ver has none */
	drill_cmf_put_u32(w, 1); /* immutable_root_hashes */
	str(w, "evt");
	drill_cmf_put_u32(w, 1);
	str(w, "t1");
	hash32(w, 1);
}

static void test_block_decode(void **state)
{
	struct drill_cmf_writer w = {0};
	struct drill_kvbc_block b = {0};
	block_data(&w);
	assert_drill_ok(drill_kvbc_block_decode(&b, w.data, w.len));
	assert_int_equal(b.id, 5);
	assert_int_equal(b.parent_digest[0], H(0));
	assert_int_equal(b.ncats, 3);
	assert_int_equal(b.nkeys, 5);
	assert_int_equal(b.cats[0].kind, DRILL_KVBC_IMMUTABLE);
	assert_true(b.cats[0].has_tag_roots);
	assert_int_equal(b.cats[0].tag_roots.len, 4 + 6 + 32);
	assert_int_equal(b.keys[0].tags.len, 4 + 6 + 6);
	assert_int_equal(b.cats[1].kind, DRILL_KVBC_BLOCK_MERKLE);
	assert_int_equal(b.cats[1].nkeys, 2);
	assert_int_equal(b.keys[b.cats[1].first_key + 1].deleted, 1);
	assert_int_equal(b.cats[1].root_hash[0], H(2));
	assert_int_equal(b.cats[1].state_root_version, 4);
	assert_int_equal(b.cats[2].kind, DRILL_KVBC_VERSIONED);
	assert_null(b.cats[2].root_hash);
	assert_int_equal(b.keys[3].stale_on_update, 1);
	assert_int_equal(b.keys[4].deleted, 1);
	struct drill_cmf_writer again = {0}; /* and back to the same bytes */
	drill_kvbc_block_encode(&again, &b);
	assert_int_equal(again.len, w.len);
	assert_memory_equal(again.data, w.data, w.len);
	drill_cmf_writer_free(&again);
	drill_kvbc_block_free(&b);
	drill_cmf_writer_free(&w);
}

static void test_raw_encode(void **state)
{
	struct drill_cmf_writer w = {0}, raw = {0}, want = {0};
	struct drill_kvbc_block b = {0};
	struct fake_values f = {.live_x = 0};
	size_t quirk = 0;
	block_data(&w);
	assert_drill_ok(drill_kvbc_block_decode(&b, w.data, w.len));
	assert_drill_ok(drill_kvbc_raw_encode(&raw, &b, fake_get, &f, -1, &quirk));
	raw_block_data(&want, -1);
	assert_int_equal(raw.len, want.len);
	assert_memory_equal(raw.data, want.data, want.len);
	assert_int_equal(quirk, 0);

	/* as submitted: x, deleted by its flag but written in storage, goes to kv and deletes */
	for (int stale = 0; stale <= 1; stale++) {
		f.live_x = 1;
		drill_cmf_writer_reset(&raw);
		drill_cmf_writer_reset(&want);
		quirk = 0;
		assert_drill_ok(drill_kvbc_raw_encode(&raw, &b, fake_get, &f, stale, &quirk));
		raw_block_data(&want, stale);
		assert_int_equal(quirk, 1);
		assert_int_equal(raw.len, want.len);
		assert_memory_equal(raw.data, want.data, want.len);
	}

	/* a value missing from storage is named */
	f.live_x = -1;
	drill_cmf_writer_reset(&raw);
	expect_refused(drill_kvbc_raw_encode(&raw, &b, fake_get, &f, -1, NULL), "missing value",
		       "key 'a' of category 'prov'", "version 5");

	/* digest(N) = SHA-256(N little-endian ‖ raw): block 1 of an empty raw is SHA-256 of
	 * 01 00 00 00 00 00 00 00 */
	uint8_t d[32];
	char hex[65];
	drill_kvbc_digest(d, 1, NULL, 0);
	drill_hex(hex, d, 32);
	assert_string_equal(hex, "7c9fa136d4413fa6173637e883b6998d32e1d675f88cddff9dcbcf331820f4b8");
	drill_kvbc_block_free(&b);
	drill_cmf_writer_free(&w);
	drill_cmf_writer_free(&raw);
	drill_cmf_writer_free(&want);
}

/* Every proper prefix of a valid BlockData is refused with a reason, and so is any byte added. */
static void test_block_truncated_and_trailing(void **state)
{
	struct drill_cmf_writer w = {0};
	struct drill_kvbc_block b = {0};
	block_data(&w);
	for (size_t n = 0; n < w.len; n++) {
		drill_err_clear();
		if (drill_kvbc_block_decode(&b, w.data, n) != DRILL_ECORRUPT)
			fail_msg("a prefix of %zu of %zu bytes decoded", n, w.len);
		assert_true(strlen(drill_err_last()) > 10);
	}
	drill_cmf_put_u8(&w, 0);
	expect_refused(drill_kvbc_block_decode(&b, w.data, w.len), "BlockData: 1 trailing bytes");
	drill_kvbc_block_free(&b);
	drill_cmf_writer_free(&w);
}

static void test_block_refusals(void **state)
{
	struct drill_cmf_writer w = {0};
	struct drill_kvbc_block b = {0};
	/* an unknown oneof id */
	hash32(&w, 0);
	drill_cmf_put_u64(&w, 1);
	drill_cmf_put_u32(&w, 1);
	str(&w, "c");
	drill_cmf_put_u32(&w, 2001);
	expect_refused(drill_kvbc_block_decode(&b, w.data, w.len), "message id 2001",
		       "at byte 49");
	/* categories out of order */
	drill_cmf_writer_reset(&w);
	hash32(&w, 0);
	drill_cmf_put_u64(&w, 1);
	drill_cmf_put_u32(&w, 2);
	str(&w, "b");
	drill_cmf_put_u32(&w, 1003);
	drill_cmf_put_u32(&w, 0);
	drill_cmf_put_bool(&w, 0);
	str(&w, "a");
	drill_cmf_put_u32(&w, 1003);
	drill_cmf_put_u32(&w, 0);
	drill_cmf_put_bool(&w, 0);
	expect_refused(drill_kvbc_block_decode(&b, w.data, w.len), "categories_updates_info",
		       "sorts before");
	/* a repeated key in a category */
	drill_cmf_writer_reset(&w);
	hash32(&w, 0);
	drill_cmf_put_u64(&w, 1);
	drill_cmf_put_u32(&w, 1);
	str(&w, "v");
	drill_cmf_put_u32(&w, 1003);
	drill_cmf_put_u32(&w, 2);
	str(&w, "k");
	drill_cmf_put_u8(&w, 0);
	drill_cmf_put_u8(&w, 0);
	str(&w, "k");
	drill_cmf_put_u8(&w, 0);
	drill_cmf_put_u8(&w, 0);
	drill_cmf_put_bool(&w, 0);
	expect_refused(drill_kvbc_block_decode(&b, w.data, w.len), "VersionedOutput.keys", "repeats");
	/* a bool that is neither 0 nor 1 (the same block with keys "k" and "l") */
	w.data[w.len - 4] = 'l';
	assert_drill_ok(drill_kvbc_block_decode(&b, w.data, w.len));
	w.data[w.len - 2] = 2;
	expect_refused(drill_kvbc_block_decode(&b, w.data, w.len), "bool is 2");
	/* a category count no input of this size can hold */
	drill_cmf_writer_reset(&w);
	hash32(&w, 0);
	drill_cmf_put_u64(&w, 1);
	drill_cmf_put_u32(&w, 0x10000000);
	expect_refused(drill_kvbc_block_decode(&b, w.data, w.len), "count 268435456 cannot fit");
	/* a key whose length runs past the end */
	drill_cmf_writer_reset(&w);
	hash32(&w, 0);
	drill_cmf_put_u64(&w, 1);
	drill_cmf_put_u32(&w, 1);
	drill_cmf_put_u32(&w, 0xfffffff0);
	drill_cmf_put_raw(&w, "12345678", 8);
	expect_refused(drill_kvbc_block_decode(&b, w.data, w.len), "length runs past the end");
	drill_kvbc_block_free(&b);
	drill_cmf_writer_free(&w);
}

/* ValueWithTrids {repeated bytes trid = 1; optional bytes value = 2; Timestamp expires_after = 3} */
static void test_value_from_proto(void **state)
{
	static const uint8_t msg[] = {0x0a, 2, 't', '1', 0x12, 3, 'a', 'b', 'c', 0x1a, 2, 0x08, 5,
				      0x20, 0x96, 0x01, 0x2d, 1, 2, 3, 4, 0x29, 1, 2, 3, 4, 5, 6,
				      7, 8};
	static const uint8_t no_value[] = {0x0a, 1, 'x'};
	static const uint8_t truncated[] = {0x12, 5, 'a'};
	static const uint8_t group[] = {0x13};
	struct drill_cmf_span v;
	assert_drill_ok(drill_kvbc_value_from_proto(&v, msg, sizeof(msg)));
	assert_int_equal(v.len, 3);
	assert_memory_equal(v.p, "abc", 3);
	assert_drill_ok(drill_kvbc_value_from_proto(&v, no_value, sizeof(no_value)));
	assert_int_equal(v.len, 0);
	expect_refused(drill_kvbc_value_from_proto(&v, truncated, sizeof(truncated)),
		       "not a protobuf ValueWithTrids (at byte 2 of 3)");
	expect_refused(drill_kvbc_value_from_proto(&v, group, sizeof(group)), "ValueWithTrids");
}

static void test_detect(void **state)
{
	char *concord[] = {"default", "blocks", "st_chain", "cat_id_type", "x_ver_values"};
	char *ours[] = {"default", "blocks", "state"};
	assert_true(drill_kvbc_detect(concord, 5));
	assert_false(drill_kvbc_detect(ours, 3));
	assert_false(drill_kvbc_detect(concord + 2, 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_integers),
		cmocka_unit_test(test_read_bool_two_refused),
		cmocka_unit_test(test_read_string_fixed),
		cmocka_unit_test(test_read_truncated),
		cmocka_unit_test(test_read_oversized_count),
		cmocka_unit_test(test_read_key_order_and_end),
		cmocka_unit_test(test_write_every_type),
		cmocka_unit_test(test_block_decode),
		cmocka_unit_test(test_raw_encode),
		cmocka_unit_test(test_block_truncated_and_trailing),
		cmocka_unit_test(test_block_refusals),
		cmocka_unit_test(test_value_from_proto),
		cmocka_unit_test(test_detect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
