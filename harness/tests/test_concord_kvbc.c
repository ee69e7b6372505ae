/* tests/test_concord_kvbc.c — the public state hash of a Concord checkpoint (concord/kvbc.h) over
 * a small database held in memory behind the reader's ops table: the stored StateHash read, the
 * hash recomputed by Concord's rule with values as stored and as ValueWithTrids, a public key
 * without a value refused, no public keys giving the hash of the empty string. */
#include "helpers.h"

#include "concord/kvbc.h"
#include "util/bytes.h"
#include "util/err.h"

#include <openssl/evp.h>
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
};

struct mem {
	struct entry e[32];
	size_t n;
};

struct mem_iter {
	struct mem *m;
	int cf;
	size_t i;
};

static void put(struct mem *m, int cf, const void *k, size_t klen, const void *v, size_t vlen)
{
	assert_true(m->n < 32 && klen <= 64 && vlen <= 256);
	struct entry *x = &m->e[m->n++];
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
	for (size_t i = 0; i < m->n; i++) {
		struct entry *x = &m->e[i];
		if (x->cf != cf || x->klen != klen || memcmp(x->key, key, klen))
			continue;
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
	return i->i < i->m->n;
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
	return 0;
}

static void op_free(void *it)
{
	free(it);
}

static const struct drill_kvbc_db_ops mem_ops = {
	op_cf, op_get, op_iter, op_valid, op_next, op_key, op_value, op_status, op_free,
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_state_hash),
		cmocka_unit_test(test_no_public_keys),
		cmocka_unit_test(test_open_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
