/* chain/workload.c — the synthetic write requests: SplitMix64 over (seed, epoch, sn). */
#include "chain/workload.h"

#include "util/bytes.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN 0x9e3779b97f4a7c15u

/* The SplitMix64 output function (Steele, Lea, Flood 2014). */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

void drill_rng_seed(struct drill_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t drill_rng_next(struct drill_rng *r)
{
	r->s += GOLDEN;
	return mix64(r->s);
}

uint64_t drill_rng_below(struct drill_rng *r, uint64_t bound)
{
	assert(bound > 0);
	/* reject the lowest 2^64 mod bound values so that every residue is equally likely */
	uint64_t threshold = (0 - bound) % bound;
	for (;;) {
		uint64_t x = drill_rng_next(r);
		if (x >= threshold)
			return x % bound;
	}
}

void drill_workload_key(uint8_t out[DRILL_WORKLOAD_KEY_LEN], uint64_t idx)
{
	static const char digits[] = "0123456789abcdef";
	assert(idx <= 0xffffffffu);
	memcpy(out, "key-", 4);
	for (int i = 11; i >= 4; i--, idx >>= 4)
		out[i] = (uint8_t)digits[idx & 15];
}

/* A set of u64 for picking distinct indices: a linear scan of the picks for small k, an
 * open-addressing table (UINT64_MAX = empty) for larger k. */
#define SCAN_MAX 32
#define TABLE_STACK 4096

struct pick_set {
	uint64_t *slot;
	size_t mask;
};

static int set_insert(struct pick_set *s, uint64_t v)
{
	size_t i = (size_t)mix64(v) & s->mask;
	while (s->slot[i] != UINT64_MAX) {
		if (s->slot[i] == v)
			return 0;
		i = (i + 1) & s->mask;
	}
	s->slot[i] = v;
	return 1;
}

static int picked(const uint64_t *idx, uint32_t n, uint64_t v)
{
	for (uint32_t i = 0; i < n; i++)
		if (idx[i] == v)
			return 1;
	return 0;
}

/* Floyd's sampling: k draws give k distinct indices in [0, space) whatever k/space is. */
static void pick_keys(struct drill_rng *r, uint64_t *idx, uint32_t k, uint64_t space)
{
	uint64_t stack[TABLE_STACK];
	struct pick_set set = {NULL, 0};
	if (k > SCAN_MAX) {
		size_t cap = 64;
		while (cap < 2 * (size_t)k)
			cap *= 2;
		set.slot = cap <= TABLE_STACK ? stack : drill_xmalloc(cap * sizeof(uint64_t));
		set.mask = cap - 1;
		memset(set.slot, 0xff, cap * sizeof(uint64_t));
	}
	for (uint32_t i = 0; i < k; i++) {
		uint64_t j = space - k + i;
		uint64_t t = drill_rng_below(r, j + 1);
		if (set.slot) {
			if (!set_insert(&set, t)) {
				t = j;
				set_insert(&set, t);
			}
		} else if (picked(idx, i, t)) {
			t = j;
		}
		idx[i] = t;
	}
	if (set.slot != stack)
		free(set.slot);
}

static void store_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

void drill_workload_gen(const struct drill_workload *w, uint64_t seed, uint32_t epoch, uint64_t sn,
			uint64_t *key_idx, uint8_t *keys, uint8_t *values)
{
	assert(w->keys_per_block >= 1 && w->keys_per_block <= w->key_space);
	struct drill_rng r;
	drill_rng_seed(&r, mix64(mix64(mix64(seed ^ GOLDEN) ^ epoch) + sn));

	pick_keys(&r, key_idx, w->keys_per_block, w->key_space);
	for (uint32_t i = 0; i < w->keys_per_block; i++)
		drill_workload_key(keys + (size_t)i * DRILL_WORKLOAD_KEY_LEN, key_idx[i]);

	size_t total = (size_t)w->keys_per_block * w->value_size, i = 0;
	for (; i + 8 <= total; i += 8)
		store_le64(values + i, drill_rng_next(&r));
	if (i < total) {
		uint8_t tail[8];
		store_le64(tail, drill_rng_next(&r));
		memcpy(values + i, tail, total - i);
	}
}
