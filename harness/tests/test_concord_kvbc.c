/* tests/test_concord_kvbc.c — the public state hash of a Concord checkpoint (concord/kvbc.h) over
 * a small database held in memory behind the reader's ops table: the stored StateHash read, the
 * hash recomputed by Concord's rule with values as stored and as ValueWithTrids, a public key
 * without a value refused, no public keys giving the hash of the empty string. And the walk's
 * cursors: a key rewritten block after block read by stepping, not by a lookup each time, with
 * the same digests, and the same failure as get on a missing or unreadable value. */
#include "helpers.h"

#include "concord/kvbc.h"
#include "util/bytes.h"
#include "util/err.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- A database in memory: entries in key order within each column family ------------------- */

static const char *const cf_names[] = {"default", "blocks", "cat_id_type",
				       "concord_internal_ver_values", "concord_internal_ver_latest",
				       "concord_internal_ver_active", "block_merkle_keys",
				       "block_merkle_latest_key_version"};
enum { CF_DEFAULT, CF_BLOCKS, CF_CATS, CF_CI_VALUES, CF_CI_LATEST, CF_CI_ACTIVE, CF_BM_KEYS,
       CF_BM_LATEST, NCF };

struct entry {
	int cf;
	uint8_t key[64], val[256];
	size_t klen, vlen;
	int unreadable; /* a checksum error: get fails on it, an iterator stops there */
};

#define MEM_MAX 96

struct mem {
	struct entry e[MEM_MAX];
	size_t n;
	size_t gets[NCF]; /* get calls per column family */
	size_t cursors;   /* cursor calls */
};

struct mem_iter {
	struct mem *m;
	int cf;
	size_t i;
};

static void put(struct mem *m, int cf, const void *k, size_t klen, const void *v, size_t vlen)
{
	assert_true(m->n < MEM_MAX && klen <= 64 && vlen <= 256);
	struct entry *x = &m->e[m->n++];
	x->unreadable = 0;
	x->cf = cf;
	memcpy(x->key, k, klen);
	memcpy(x->val, v, vlen);
	x->klen = klen;
	x->vlen = vlen;
}

static int op_cf(void *db, const char *name)
{
	for (int i = 0; i < NCF; i++)
		if (!strcmp(cf_names[i], name))
			return i;
	return -1;
}

static int op_get(void *db, int cf, const void *key, size_t klen, uint8_t **buf, size_t *cap,
		  size_t *vlen)
{
	struct mem *m = db;
	m->gets[cf]++;
	for (size_t i = 0; i < m->n; i++) {
		struct entry *x = &m->e[i];
		if (x->cf != cf || x->klen != klen || memcmp(x->key, key, klen))
			continue;
		if (x->unreadable)
			return drill_err(DRILL_ECORRUPT, "Corruption: block checksum mismatch");
		if (*cap < x->vlen + 1) {
			*cap = x->vlen + 1;
			*buf = drill_xrealloc(*buf, *cap);
		}
		memcpy(*buf, x->val, x->vlen);
		*vlen = x->vlen;
		return 0;
	}
	return DRILL_ENOTFOUND;
}

static void skip_other_cfs(struct mem_iter *it)
{
	while (it->i < it->m->n && it->m->e[it->i].cf != it->cf)
		it->i++;
}

static void *op_iter(void *db, int cf, const void *start, size_t start_len)
{
	struct mem_iter *it = drill_xcalloc(1, sizeof(*it));
	it->m = db;
	it->cf = cf;
	skip_other_cfs(it);
	return it;
}

static int op_valid(void *it)
{
	struct mem_iter *i = it;
	return i->i < i->m->n && !i->m->e[i->i].unreadable;
}

static void op_next(void *it)
{
	struct mem_iter *i = it;
	i->i++;
	skip_other_cfs(i);
}

static const uint8_t *op_key(void *it, size_t *len)
{
	struct mem_iter *i = it;
	*len = i->m->e[i->i].klen;
	return i->m->e[i->i].key;
}

static const uint8_t *op_value(void *it, size_t *len)
{
	struct mem_iter *i = it;
	*len = i->m->e[i->i].vlen;
	return i->m->e[i->i].val;
}

static int op_status(void *it)
{
	struct mem_iter *i = it;
	if (i->i < i->m->n && i->m->e[i->i].unreadable)
		return drill_err(DRILL_ECORRUPT, "Corruption: block checksum mismatch");
	return 0;
}

/* An iterator from the first key >= start of cf (the entries of cf are put in key order). */
static void *op_cursor(void *db, int cf, const void *start, size_t start_len)
{
	struct mem_iter *it = op_iter(db, cf, NULL, 0);
	it->m->cursors++;
	while (it->i < it->m->n) {
		const struct entry *x = &it->m->e[it->i];
		size_t n = x->klen < start_len ? x->klen : start_len;
		int c = memcmp(x->key, start, n);
		if (c > 0 || (c == 0 && x->klen >= start_len))
			break;
		op_next(it);
	}
	return it;
}

static void op_free(void *it)
{
	free(it);
}

static const struct drill_kvbc_db_ops mem_ops = {
	op_cf, op_get, op_iter, op_valid, op_next, op_key, op_value, op_status, op_free, NULL,
};
static const struct drill_kvbc_db_ops mem_cursor_ops = {
	op_cf, op_get, op_iter, op_valid, op_next, op_key, op_value, op_status, op_free, op_cursor,
};

/* --- The fixture ------------------------------------------------------------------------------ */

static void sha3(uint8_t out[32], const void *a, size_t alen, const void *b, size_t blen,
		 const void *c, size_t clen)
{
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	unsigned int n = 0;
	assert_non_null(x);
	assert_int_equal(EVP_DigestInit_ex(x, EVP_sha3_256(), NULL), 1);
	EVP_DigestUpdate(x, a, alen);
	EVP_DigestUpdate(x, b, blen);
	EVP_DigestUpdate(x, c, clen);
	assert_int_equal(EVP_DigestFinal_ex(x, out, &n), 1);
	EVP_MD_CTX_free(x);
}

/* Two public keys "a" and "b" of execution_provable, whose latest values (versions 3 and 4) are
 * ValueWithTrids {trid "t"; value "AAA" / "BB"}; the PublicStateKeys at version 5 of
 * concord_internal; the stored StateHash of block 9 with `stored`. */
static void fixture(struct mem *m, const uint8_t stored[32], int tombstone_b)
{
	static const uint8_t pa[] = {0x0a, 1, 't', 0x12, 3, 'A', 'A', 'A'};
	static const uint8_t pb[] = {0x12, 2, 'B', 'B'};
	uint8_t k[64], v[256];
	memset(m, 0, sizeof(*m));
	put(m, CF_CATS, "concord_internal", 16, "\x02", 1);
	put(m, CF_CATS, "execution_provable", 18, "\x00", 1);
	/* PublicStateKeys {list string keys} = ["a", "b"] in a DbValue, at version 5 */
	static const uint8_t keys_val[] = {0, 0, 0, 0, 14, 0, 0, 0, 2, 0, 0, 0, 1, 'a', 0, 0, 0, 1, 'b'};
	uint8_t ver[8];
	drill_put_be64(ver, 5);
	put(m, CF_CI_LATEST, "\x33", 1, ver, 8);
	static const uint8_t ci_key[] = {0, 0, 0, 1, 0x33, 0, 0, 0, 0, 0, 0, 0, 5};
	put(m, CF_CI_VALUES, ci_key, sizeof(ci_key), keys_val, sizeof(keys_val));
	for (int i = 0; i < 2; i++) {
		const uint8_t *p = i ? pb : pa;
		size_t plen = i ? sizeof(pb) : sizeof(pa);
		uint64_t version = (uint64_t)(3 + i);
		const char *key = i ? "b" : "a";
		drill_put_be64(ver, version | (i && tombstone_b ? 0x8000000000000000ull : 0));
		put(m, CF_BM_LATEST, key, 1, ver, 8);
		sha3(k, key, 1, NULL, 0, NULL, 0);
		drill_put_be64(k + 32, version);
		v[0] = 0; /* DbValue {deleted false, string data} */
		drill_put_be32(v + 1, (uint32_t)plen);
		memcpy(v + 5, p, plen);
		put(m, CF_BM_KEYS, k, 40, v, 5 + plen);
	}
	drill_put_be64(v, 9);
	memcpy(v + 8, stored, 32);
	put(m, CF_DEFAULT, "\x01\x06", 2, v, 40);
}

/* h = SHA3(""); h = SHA3(h ‖ SHA3(key) ‖ value) for a, b */
static void expected(uint8_t out[32], const void *va, size_t la, const void *vb, size_t lb)
{
	uint8_t kh[32];
	sha3(out, NULL, 0, NULL, 0, NULL, 0);
	sha3(kh, "a", 1, NULL, 0, NULL, 0);
	sha3(out, out, 32, kh, 32, va, la);
	sha3(kh, "b", 1, NULL, 0, NULL, 0);
	sha3(out, out, 32, kh, 32, vb, lb);
}

static void test_public_state_hash(void **state)
{
	struct mem m;
	struct drill_kvbc *k = NULL;
	uint8_t stored_in[32], stored[32], computed[32], want[32];
	uint64_t block = 0;
	memset(stored_in, 0x5a, sizeof(stored_in));
	fixture(&m, stored_in, 0);
	assert_drill_ok(drill_kvbc_open(&k, &mem_ops, &m));

	assert_drill_ok(drill_kvbc_public_state_hash(k, DRILL_KVBC_VALUE_AS_STORED, &block, stored,
						     computed));
	assert_int_equal(block, 9);
	assert_memory_equal(stored, stored_in, 32);
	expected(want, "\x0a\x01t\x12\x03" "AAA", 8, "\x12\x02" "BB", 4);
	assert_memory_equal(computed, want, 32);

	assert_drill_ok(drill_kvbc_public_state_hash(k, DRILL_KVBC_VALUE_TRIDS_PROTO, &block,
						     stored, computed));
	expected(want, "AAA", 3, "BB", 2);
	assert_memory_equal(computed, want, 32);
	drill_kvbc_close(k);

	/* the latest write of "b" a delete: Concord would assert; verify refuses with the key */
	fixture(&m, stored_in, 1);
	assert_drill_ok(drill_kvbc_open(&k, &mem_ops, &m));
	assert_int_equal(drill_kvbc_public_state_hash(k, DRILL_KVBC_VALUE_AS_STORED, &block, stored,
						      computed), DRILL_ECORRUPT);
	assert_non_null(strstr(drill_err_last(), "public key 'b' has no latest value"));
	drill_kvbc_close(k);

	/* no stored hash */
	fixture(&m, stored_in, 0);
	m.n--; /* the StateHash was put last */
	assert_drill_ok(drill_kvbc_open(&k, &mem_ops, &m));
	assert_int_equal(drill_kvbc_public_state_hash(k, DRILL_KVBC_VALUE_AS_STORED, &block, stored,
						      computed), DRILL_ENOTFOUND);
	assert_non_null(strstr(drill_err_last(), "key 0x0106"));
	drill_kvbc_close(k);
}

static void test_no_public_keys(void **state)
{
	struct mem m;
	struct drill_kvbc *k = NULL;
	uint8_t stored_in[32] = {0}, stored[32], computed[32], want[32];
	uint64_t block;
	fixture(&m, stored_in, 0);
	m.e[2].cf = -1; /* PublicStateKeys' latest version: gone */
	assert_drill_ok(drill_kvbc_open(&k, &mem_ops, &m));
	assert_drill_ok(drill_kvbc_public_state_hash(k, DRILL_KVBC_VALUE_AS_STORED, &block, stored,
						     computed));
	sha3(want, NULL, 0, NULL, 0, NULL, 0);
	assert_memory_equal(computed, want, 32);
	drill_kvbc_close(k);
}

static void test_open_refuses(void **state)
{
	struct mem m;
	struct drill_kvbc *k = NULL;
	uint8_t z[32] = {0};
	fixture(&m, z, 0);
	m.e[1].val[0] = 7; /* a category type that does not exist */
	assert_int_equal(drill_kvbc_open(&k, &mem_ops, &m), DRILL_ECORRUPT);
	assert_null(k);
	assert_non_null(strstr(drill_err_last(), "cat_id_type"));
	fixture(&m, z, 0);
	memcpy(m.e[0].key, "concord_other\0\0\0", 16); /* versioned, without its families */
	m.e[0].klen = 13;
	assert_int_equal(drill_kvbc_open(&k, &mem_ops, &m), DRILL_ECORRUPT);
	assert_non_null(strstr(drill_err_last(), "concord_other_ver_values is missing"));
}

/* --- The walk's cursors ------------------------------------------------------------------------ */

#define CHAIN_BLOCKS 12

/* Versioned key `key` of concord_internal at version v holds DbValue {deleted, "<key><v>"}. */
static void put_version(struct mem *m, char key, uint64_t v, int deleted)
{
	uint8_t k[13] = {0, 0, 0, 1, (uint8_t)key}, val[16] = {(uint8_t)deleted};
	int n = snprintf((char *)val + 5, sizeof(val) - 5, "%c%u", key, (unsigned)v);
	drill_put_be64(k + 5, v);
	drill_put_be32(val + 1, (uint32_t)n);
	put(m, CF_CI_VALUES, k, sizeof(k), val, 5 + (size_t)n);
}

/* The value of a key for the encoder: the test knows what put_version stored. */
static int chain_value(void *ctx, const struct drill_kvbc_update *cat,
		       const struct drill_kvbc_key *key, uint64_t version, int deleted_key,
		       struct drill_cmf_span *value)
{
	static char buf[16];
	int n = snprintf(buf, sizeof(buf), "%c%u", key->key.p[0], (unsigned)version);
	value->p = (const uint8_t *)buf;
	value->len = (uint32_t)n;
	return deleted_key ? DRILL_ENOTFOUND : 0;
}

/* Blocks 1..CHAIN_BLOCKS of category concord_internal (versioned): every block writes "k"; "d" is
 * written by blocks 2, 3 and 5 and deleted by block 4 (its DbValue says deleted), so the cursor on
 * "d" steps over the deletion. The parent digests are those of the blocks as written. */
static void chain_fixture(struct mem *m)
{
	uint8_t parent[32] = {0};
	struct drill_cmf_writer w = {0}, raw = {0};
	memset(m, 0, sizeof(*m));
	put(m, CF_CATS, "concord_internal", 16, "\x02", 1);
	for (uint64_t id = 1; id <= CHAIN_BLOCKS; id++) {
		int with_d = id >= 2 && id <= 5;
		struct drill_kvbc_key keys[2] = {
			{.key = {(const uint8_t *)"d", 1}, .deleted = id == 4},
			{.key = {(const uint8_t *)"k", 1}},
		};
		struct drill_kvbc_update cat = {
			.name = {(const uint8_t *)"concord_internal", 16},
			.kind = DRILL_KVBC_VERSIONED,
			.first_key = with_d ? 0 : 1,
			.nkeys = with_d ? 2 : 1,
		};
		struct drill_kvbc_block b = {.parent_digest = parent, .id = id, .cats = &cat,
					     .ncats = 1, .keys = keys, .nkeys = 2};
		uint8_t key[8];
		drill_cmf_writer_reset(&w);
		drill_kvbc_block_encode(&w, &b);
		drill_put_be64(key, id);
		put(m, CF_BLOCKS, key, 8, w.data, w.len);
		drill_cmf_writer_reset(&raw);
		assert_drill_ok(drill_kvbc_raw_encode(&raw, &b, chain_value, NULL, -1, NULL));
		drill_kvbc_digest(parent, id, raw.data, raw.len);
	}
	for (uint64_t v = 2; v <= 5; v++)
		put_version(m, 'd', v, v == 4);
	for (uint64_t v = 1; v <= CHAIN_BLOCKS; v++)
		put_version(m, 'k', v, 0);
	drill_cmf_writer_free(&w);
	drill_cmf_writer_free(&raw);
}

static void walk(struct mem *m, const struct drill_kvbc_db_ops *ops, struct drill_kvbc_walk *w)
{
	struct drill_kvbc *k = NULL;
	m->gets[CF_CI_VALUES] = m->cursors = 0;
	assert_drill_ok(drill_kvbc_open(&k, ops, m));
	drill_kvbc_walk(k, w, NULL, NULL);
	drill_kvbc_close(k);
}

static void test_cursor_walk(void **state)
{
	static struct mem m;
	static struct drill_kvbc_walk by_get, by_cursor;
	chain_fixture(&m);
	walk(&m, &mem_ops, &by_get);
	assert_int_equal(by_get.failed, 0);
	assert_int_equal(by_get.last_block, CHAIN_BLOCKS);
	assert_int_equal(m.gets[CF_CI_VALUES], CHAIN_BLOCKS + 3); /* k every block, d thrice */

	walk(&m, &mem_cursor_ops, &by_cursor);
	assert_int_equal(by_cursor.failed, 0);
	assert_int_equal(by_cursor.last_block, CHAIN_BLOCKS);
	assert_memory_equal(by_cursor.digest, by_get.digest, 32);
	assert_int_equal(by_cursor.raw_bytes, by_get.raw_bytes);
	/* k and d read by get once, then each by its cursor (d's steps over its deletion) */
	assert_int_equal(m.gets[CF_CI_VALUES], 2);
	assert_int_equal(m.cursors, 2);

	/* a second walk starts afresh and reads the same */
	walk(&m, &mem_cursor_ops, &by_cursor);
	assert_int_equal(by_cursor.last_block, CHAIN_BLOCKS);
	assert_int_equal(m.gets[CF_CI_VALUES], 2);
}

/* Entry of the value of `key` at version v. */
static struct entry *version_entry(struct mem *m, char key, uint64_t v)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->e[i].cf == CF_CI_VALUES && m->e[i].key[4] == (uint8_t)key &&
		    drill_get_be64(m->e[i].key + 5) == v)
			return &m->e[i];
	fail();
	return NULL;
}

/* A cursor that cannot read what was asked leaves the answer to get: the walk fails where and
 * as it fails without cursors. */
static void test_cursor_failures(void **state)
{
	static struct mem m;
	static struct drill_kvbc_walk by_get, by_cursor;
	for (int unreadable = 0; unreadable <= 1; unreadable++) {
		chain_fixture(&m);
		struct entry *x = version_entry(&m, 'k', 9);
		if (unreadable)
			x->unreadable = 1;
		else
			x->key[12] ^= 0x80; /* version 9 of "k" stored under another version */
		walk(&m, &mem_ops, &by_get);
		walk(&m, &mem_cursor_ops, &by_cursor);
		assert_int_equal(by_get.failed, DRILL_ECORRUPT);
		assert_int_equal(by_get.error_block, 9);
		assert_int_equal(by_cursor.failed, by_get.failed);
		assert_int_equal(by_cursor.error_block, 9);
		assert_string_equal(by_cursor.error, by_get.error);
		assert_non_null(strstr(by_cursor.error, unreadable ? "block checksum mismatch" :
				       "missing value: key 'k'"));
		assert_int_equal(by_cursor.last_block, 8);
		assert_memory_equal(by_cursor.digest, by_get.digest, 32);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_state_hash),
		cmocka_unit_test(test_no_public_keys),
		cmocka_unit_test(test_open_refuses),
		cmocka_unit_test(test_cursor_walk),
		cmocka_unit_test(test_cursor_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
