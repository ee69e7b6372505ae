/* tests/test_chain_root.c — 256-bit arithmetic, the term hash and the state root. */
#include "helpers.h"

#include "chain/root.h"
#include "util/bytes.h"

#include <stdio.h>
#include <string.h>

static void hex_of(char out[2 * DRILL_HASH_LEN + 1], const uint8_t h[DRILL_HASH_LEN])
{
	drill_hex(out, h, DRILL_HASH_LEN);
}

static void test_carry_across_limbs(void **state)
{
	(void)state;
	struct drill_u256 a = {{UINT64_MAX, UINT64_MAX, 0, 7}}, one = {{1, 0, 0, 0}};
	drill_u256_add(&a, &one);
	assert_true(a.w[0] == 0 && a.w[1] == 0 && a.w[2] == 1 && a.w[3] == 7);
	drill_u256_sub(&a, &one);
	assert_true(a.w[0] == UINT64_MAX && a.w[1] == UINT64_MAX && a.w[2] == 0 && a.w[3] == 7);

	/* a carry produced by a limb that also receives one */
	struct drill_u256 b = {{UINT64_MAX, UINT64_MAX - 1, 0, 0}};
	struct drill_u256 c = {{1, 1, 0, 0}};
	drill_u256_add(&b, &c);
	assert_true(b.w[0] == 0 && b.w[1] == 0 && b.w[2] == 1 && b.w[3] == 0);
}

static void test_wrap(void **state)
{
	(void)state;
	struct drill_u256 max = {{UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}};
	struct drill_u256 zero = {{0, 0, 0, 0}}, one = {{1, 0, 0, 0}};
	struct drill_u256 a = max;
	drill_u256_add(&a, &one);
	assert_memory_equal(&a, &zero, sizeof(a));
	drill_u256_sub(&a, &one);
	assert_memory_equal(&a, &max, sizeof(a));

	/* the byte forms agree: 0 - 1 = ff..ff, ff..ff + 1 = 0 */
	uint8_t acc[DRILL_HASH_LEN] = {0}, x1[DRILL_HASH_LEN] = {1}, ff[DRILL_HASH_LEN];
	memset(ff, 0xff, sizeof(ff));
	drill_root_sub(acc, x1);
	assert_memory_equal(acc, ff, sizeof(ff));
	drill_root_add(acc, x1);
	uint8_t z[DRILL_HASH_LEN] = {0};
	assert_memory_equal(acc, z, sizeof(z));
}

static void test_le_bytes(void **state)
{
	(void)state;
	uint8_t in[DRILL_HASH_LEN], out[DRILL_HASH_LEN];
	for (int i = 0; i < DRILL_HASH_LEN; i++)
		in[i] = (uint8_t)(i + 1);
	struct drill_u256 v;
	drill_u256_from_le(&v, in);
	assert_true(v.w[0] == 0x0807060504030201u);
	assert_true(v.w[3] == 0x201f1e1d1c1b1a19u);
	drill_u256_to_le(out, &v);
	assert_memory_equal(in, out, sizeof(in));
}

static void test_add_sub_restore(void **state)
{
	(void)state;
	uint8_t acc[DRILL_HASH_LEN], orig[DRILL_HASH_LEN], x[DRILL_HASH_LEN];
	for (int round = 0; round < 64; round++) {
		drill_sha256(acc, &round, sizeof(round));
		int r2 = round + 1000;
		drill_sha256(x, &r2, sizeof(r2));
		memcpy(orig, acc, sizeof(acc));
		drill_root_add(acc, x);
		assert_memory_not_equal(acc, orig, sizeof(acc));
		drill_root_sub(acc, x);
		assert_memory_equal(acc, orig, sizeof(acc));
		drill_root_sub(acc, x);
		drill_root_add(acc, x);
		assert_memory_equal(acc, orig, sizeof(acc));
	}
}

/* Vectors computed with `printf 'kv\x00\x00\x00\x0ckey-00000001hello' | openssl dgst -sha256`. */
static void test_known_answers(void **state)
{
	(void)state;
	char hex[2 * DRILL_HASH_LEN + 1];
	uint8_t h[DRILL_HASH_LEN];

	drill_sha256(h, "abc", 3);
	hex_of(hex, h);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

	drill_term(h, "key-00000001", 12, "hello", 5);
	hex_of(hex, h);
	assert_string_equal(hex, "095689c77084a7886c30e58103198b63d6cec39171f66843394aac22037ade20");

	drill_term(h, NULL, 0, NULL, 0);
	hex_of(hex, h);
	assert_string_equal(hex, "23ba8710ffdbb5e1c96e390c996184cfc7af05882db55d91389a1a05e095406e");
}

/* Root sums computed independently (Python: int.from_bytes(term, 'little') summed mod 2^256). */
static void test_root_known_answer_and_removal(void **state)
{
	(void)state;
	char hex[2 * DRILL_HASH_LEN + 1];
	uint8_t root[DRILL_HASH_LEN] = {0}, ta[DRILL_HASH_LEN], tb[DRILL_HASH_LEN];
	drill_term(ta, "key-00000001", 12, "hello", 5);
	drill_term(tb, "", 0, "", 0);
	drill_root_add(root, ta);
	drill_root_add(root, tb);
	hex_of(hex, root);
	assert_string_equal(hex, "2c1011d86f605d6a369f1e8e9c7a0f339e7ec9199fabc6d471e4c627e30f1f8f");

	/* removing a key's term leaves the root of the state without it */
	drill_root_sub(root, tb);
	assert_memory_equal(root, ta, sizeof(ta));
	drill_root_sub(root, ta);
	uint8_t zero[DRILL_HASH_LEN] = {0};
	assert_memory_equal(root, zero, sizeof(zero));

	memcpy(root, ta, sizeof(ta));
	drill_root_sub(root, tb);
	hex_of(hex, root);
	assert_string_equal(hex, "e69b01b771a8f1a6a2c1ab756ab706940e1fbe0944410bb200b0911d23e49db2");
}

/* Apply a stream of updates incrementally (root − old term + new term) and compare with the sum
 * over the final state. */
#define NKEYS 17
static void test_incremental_equals_sum(void **state)
{
	(void)state;
	char keys[NKEYS][16];
	char vals[NKEYS][32];
	int present[NKEYS] = {0};
	uint8_t root[DRILL_HASH_LEN] = {0}, t[DRILL_HASH_LEN];

	for (int step = 0; step < 500; step++) {
		int k = (step * 7 + step / 3) % NKEYS;
		snprintf(keys[k], sizeof(keys[k]), "key-%08x", k);
		if (present[k]) {
			drill_term(t, keys[k], 12, vals[k], (uint32_t)strlen(vals[k]));
			drill_root_sub(root, t);
		}
		if (step % 11 == 5) { /* a deletion */
			present[k] = 0;
			continue;
		}
		snprintf(vals[k], sizeof(vals[k]), "v%d-%d", step, k * step);
		present[k] = 1;
		drill_term(t, keys[k], 12, vals[k], (uint32_t)strlen(vals[k]));
		drill_root_add(root, t);
	}

	uint8_t sum[DRILL_HASH_LEN] = {0};
	for (int k = NKEYS - 1; k >= 0; k--) { /* order does not matter */
		if (!present[k])
			continue;
		drill_term(t, keys[k], 12, vals[k], (uint32_t)strlen(vals[k]));
		drill_root_add(sum, t);
	}
	assert_memory_equal(root, sum, sizeof(sum));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_carry_across_limbs),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_le_bytes),
		cmocka_unit_test(test_add_sub_restore),
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_root_known_answer_and_removal),
		cmocka_unit_test(test_incremental_equals_sum),
	};
	return drill_test_run(tests, NULL, NULL);
}
