/* tests/test_chain_workload.c — the synthetic requests are a pure function of (seed, epoch, sn). */
#include "helpers.h"

#include "chain/workload.h"
#include "util/bytes.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gen {
	uint64_t *idx;
	uint8_t *keys, *vals;
	size_t klen, vlen;
};

static void gen_alloc(struct gen *g, const struct drill_workload *w)
{
	g->klen = (size_t)w->keys_per_block * DRILL_WORKLOAD_KEY_LEN;
	g->vlen = (size_t)w->keys_per_block * w->value_size;
	g->idx = drill_xcalloc(w->keys_per_block, sizeof(uint64_t));
	g->keys = drill_xmalloc(g->klen);
	g->vals = drill_xmalloc(g->vlen);
}

static void gen_free(struct gen *g)
{
	free(g->idx);
	free(g->keys);
	free(g->vals);
}

static int gen_equal(const struct gen *a, const struct gen *b, uint32_t k)
{
	return memcmp(a->idx, b->idx, k * sizeof(uint64_t)) == 0 &&
	       memcmp(a->keys, b->keys, a->klen) == 0 && memcmp(a->vals, b->vals, a->vlen) == 0;
}

static void test_key_format(void **state)
{
	(void)state;
	uint8_t k[DRILL_WORKLOAD_KEY_LEN];
	drill_workload_key(k, 0);
	assert_memory_equal(k, "key-00000000", 12);
	drill_workload_key(k, 0x1a2b);
	assert_memory_equal(k, "key-00001a2b", 12);
	drill_workload_key(k, 9999999);
	assert_memory_equal(k, "key-0098967f", 12);
	drill_workload_key(k, 0xffffffffu);
	assert_memory_equal(k, "key-ffffffff", 12);
	char want[16];
	for (uint64_t i = 0; i < 100000; i += 997) {
		snprintf(want, sizeof(want), "key-%08" PRIx64, i);
		drill_workload_key(k, i);
		assert_memory_equal(k, want, 12);
	}
}

static void test_deterministic(void **state)
{
	(void)state;
	struct drill_workload w = {.keys_per_block = 4, .value_size = 13, .key_space = 10000,
				   .block_interval_ms = 100};
	struct gen a, b;
	gen_alloc(&a, &w);
	gen_alloc(&b, &w);
	drill_workload_gen(&w, 42, 0, 7, a.idx, a.keys, a.vals);
	drill_workload_gen(&w, 42, 0, 7, b.idx, b.keys, b.vals);
	assert_true(gen_equal(&a, &b, 4));

	/* keys are the formatted indices, within the key space */
	for (uint32_t i = 0; i < 4; i++) {
		uint8_t k[DRILL_WORKLOAD_KEY_LEN];
		assert_true(a.idx[i] < w.key_space);
		drill_workload_key(k, a.idx[i]);
		assert_memory_equal(a.keys + i * DRILL_WORKLOAD_KEY_LEN, k, DRILL_WORKLOAD_KEY_LEN);
	}

	/* another epoch, sequence number or seed gives another request */
	drill_workload_gen(&w, 42, 1, 7, b.idx, b.keys, b.vals);
	assert_false(gen_equal(&a, &b, 4));
	drill_workload_gen(&w, 42, 0, 8, b.idx, b.keys, b.vals);
	assert_false(gen_equal(&a, &b, 4));
	drill_workload_gen(&w, 43, 0, 7, b.idx, b.keys, b.vals);
	assert_false(gen_equal(&a, &b, 4));
	/* values differ even where keys might coincide */
	drill_workload_gen(&w, 42, 0, 6, b.idx, b.keys, b.vals);
	assert_memory_not_equal(a.vals, b.vals, a.vlen);
	gen_free(&a);
	gen_free(&b);
}

static void check_distinct(const struct drill_workload *w, uint64_t seed, uint64_t sns)
{
	struct gen g;
	gen_alloc(&g, w);
	uint8_t *seen = drill_xcalloc(w->key_space, 1);
	for (uint64_t sn = 1; sn <= sns; sn++) {
		drill_workload_gen(w, seed, 3, sn, g.idx, g.keys, g.vals);
		for (uint32_t i = 0; i < w->keys_per_block; i++) {
			assert_true(g.idx[i] < w->key_space);
			assert_int_equal(seen[g.idx[i]], 0);
			seen[g.idx[i]] = 1;
		}
		for (uint32_t i = 0; i < w->keys_per_block; i++)
			seen[g.idx[i]] = 0;
	}
	free(seen);
	gen_free(&g);
}

static void test_distinct_keys(void **state)
{
	(void)state;
	/* small blocks (linear scan), large blocks (hash set), and a block that takes every key */
	check_distinct(&(struct drill_workload){4, 8, 10, 1}, 1, 2000);
	check_distinct(&(struct drill_workload){4, 8, 4, 1}, 2, 200);
	check_distinct(&(struct drill_workload){1, 8, 1, 1}, 3, 10);
	check_distinct(&(struct drill_workload){200, 1, 300, 1}, 4, 200);
	check_distinct(&(struct drill_workload){1000, 1, 1000, 1}, 5, 20);
	check_distinct(&(struct drill_workload){1000, 1, 10000000, 1}, 6, 20);
}

static void test_spread(void **state)
{
	(void)state;
	/* every key of a small space is drawn sometime, values use every byte value */
	struct drill_workload w = {.keys_per_block = 3, .value_size = 7, .key_space = 50};
	struct gen g;
	gen_alloc(&g, &w);
	int hit[50] = {0}, bytes[256] = {0};
	for (uint64_t sn = 0; sn < 500; sn++) {
		drill_workload_gen(&w, 9, 0, sn, g.idx, g.keys, g.vals);
		for (uint32_t i = 0; i < 3; i++)
			hit[g.idx[i]] = 1;
		for (size_t i = 0; i < g.vlen; i++)
			bytes[g.vals[i]] = 1;
	}
	for (int i = 0; i < 50; i++)
		assert_int_equal(hit[i], 1);
	for (int i = 0; i < 256; i++)
		assert_int_equal(bytes[i], 1);
	gen_free(&g);
}

static void test_rng(void **state)
{
	(void)state;
	struct drill_rng a, b;
	drill_rng_seed(&a, 1234567);
	drill_rng_seed(&b, 1234567);
	for (int i = 0; i < 100; i++)
		assert_true(drill_rng_next(&a) == drill_rng_next(&b));
	/* SplitMix64 from seed 0: the reference implementation's first output */
	drill_rng_seed(&a, 0);
	assert_true(drill_rng_next(&a) == 0xe220a8397b1dcdafu);
	for (int i = 0; i < 10000; i++) {
		assert_true(drill_rng_below(&a, 7) < 7);
		assert_true(drill_rng_below(&a, 1) == 0);
	}
	uint64_t big = (UINT64_MAX / 3) * 2;
	for (int i = 0; i < 1000; i++)
		assert_true(drill_rng_below(&a, big) < big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_format),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_distinct_keys),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_rng),
	};
	return drill_test_run(tests, NULL, NULL);
}
