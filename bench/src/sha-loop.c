/* bench-sha-loop ROCKSDBDATA
 *
 * The reference of the `verify` figure: only the SHA-256 calls that verifying this chain needs —
 * per block the digest over every byte before it, per update the term of its new value, per
 * entry of the `state` column family its term (docs/design.md §4) — over the same bytes, read from
 * the database into memory first. Only the hashing is timed: the format's own limit.
 *
 * Prints "BYTES SECONDS CPU_SECONDS": BYTES counts the encoded blocks as `chaindrill verify` counts
 * them; CPU_SECONDS is this thread's CPU time over the same loop (what a loaded machine does not
 * distort: the figure is per core). */
#include "chain/block.h"
#include "chain/root.h"
#include "chain/store.h"
#include "util/bytes.h"
#include "util/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Every value of one column family, back to back; keys too for `state` (a term needs both). */
struct column {
	uint8_t *data;
	size_t len, cap;
	size_t *off; /* entry i: key at off[2i] (length off[2i+1]-off[2i]), value up to off[2i+2] */
	size_t n, off_cap;
};

static void append(struct column *c, const uint8_t *p, size_t n)
{
	if (c->cap - c->len < n) {
		while (c->cap - c->len < n)
			c->cap = c->cap ? 2 * c->cap : (1u << 20);
		c->data = drill_xrealloc(c->data, c->cap);
	}
	memcpy(c->data + c->len, p, n);
	c->len += n;
}

static void mark(struct column *c)
{
	if (c->n + 1 >= c->off_cap) {
		c->off_cap = c->off_cap ? 2 * c->off_cap : 4096;
		c->off = drill_xrealloc(c->off, c->off_cap * sizeof(size_t));
	}
	c->off[c->n++] = c->len;
}

static void load(struct column *c, struct drill_store *s, enum drill_store_cf cf)
{
	struct drill_store_iter *it = drill_store_iter_new(s, cf, NULL, 0);
	for (; drill_store_iter_valid(it); drill_store_iter_next(it)) {
		size_t kl, vl;
		const uint8_t *k = drill_store_iter_key(it, &kl), *v = drill_store_iter_value(it, &vl);
		mark(c);
		append(c, k, kl);
		mark(c);
		append(c, v, vl);
	}
	mark(c);
	if (drill_store_iter_status(it) != 0) {
		fprintf(stderr, "bench-sha-loop: %s\n", drill_err_last());
		exit(1);
	}
	drill_store_iter_free(it);
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: bench-sha-loop ROCKSDBDATA\n", stderr);
		return 2;
	}
	struct drill_store *s;
	if (drill_store_open(&s, argv[1], DRILL_STORE_READONLY) != 0) {
		fprintf(stderr, "bench-sha-loop: %s\n", drill_err_last());
		return 1;
	}
	struct column blocks = {0}, state = {0};
	load(&blocks, s, DRILL_CF_BLOCKS);
	load(&state, s, DRILL_CF_STATE);
	drill_store_close(s);

	/* Where each block's updates are: decoding is not hashing, so it happens before the clock
	 * starts (the decoder's own digest check is the one SHA-256 call not wanted here). */
	size_t nb = blocks.n / 2, nkv = 0, kv_cap = 0;
	struct drill_req_kv {
		const uint8_t *key, *val;
		uint32_t klen, vlen;
	} *kvs = NULL;
	for (size_t i = 0; i < nb; i++) {
		const uint8_t *p = blocks.data + blocks.off[2 * i + 1];
		const uint8_t *end = blocks.data + blocks.off[2 * i + 2] - DRILL_HASH_LEN;
		uint32_t n = drill_get_be32(p + DRILL_BLOCK_HEADER_LEN - 4);
		p += DRILL_BLOCK_HEADER_LEN;
		for (uint32_t j = 0; j < n && p + 8 <= end; j++) {
			if (nkv == kv_cap) {
				kv_cap = kv_cap ? 2 * kv_cap : 4096;
				kvs = drill_xrealloc(kvs, kv_cap * sizeof(*kvs));
			}
			struct drill_req_kv *e = &kvs[nkv++];
			e->klen = drill_get_be32(p);
			e->key = p + 4;
			p += 4 + e->klen;
			e->vlen = drill_get_be32(p);
			e->val = p + 4;
			p += 4 + e->vlen + DRILL_HASH_LEN;
		}
	}

	uint8_t h[DRILL_HASH_LEN], acc = 0;
	uint64_t bytes = 0;
	double t0 = drill_now_s(), c0 = cpu_now();
	for (size_t i = 0; i < nb; i++) {
		size_t a = blocks.off[2 * i + 1], b = blocks.off[2 * i + 2];
		drill_sha256(h, blocks.data + a, b - a - DRILL_HASH_LEN);
		acc ^= h[0];
		bytes += b - a;
	}
	for (size_t i = 0; i < nkv; i++) {
		drill_term(h, kvs[i].key, kvs[i].klen, kvs[i].val, kvs[i].vlen);
		acc ^= h[0];
	}
	for (size_t i = 0; i < state.n / 2; i++) {
		size_t k = state.off[2 * i], v = state.off[2 * i + 1], e = state.off[2 * i + 2];
		drill_term(h, state.data + k, (uint32_t)(v - k), state.data + v, (uint32_t)(e - v));
		acc ^= h[0];
	}
	double secs = drill_now_s() - t0, cpu = cpu_now() - c0;
	printf("%" PRIu64 " %.6f %.6f\n", bytes, secs, cpu);
	fprintf(stderr, "bench-sha-loop: %zu blocks, %zu updates, %zu state entries (%02x)\n", nb,
		nkv, state.n / 2, acc);

	free(blocks.data);
	free(blocks.off);
	free(state.data);
	free(state.off);
	free(kvs);
	return 0;
}
