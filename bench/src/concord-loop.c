/* bench-concord-loop ROCKSDBDATA ROUNDS
 *
 * The `concord-verify` figure: Concord's categorized chain walked as `chaindrill verify` walks it
 * (concord/kvbc.h: the blocks column family read with checksums, each BlockData decoded, the values
 * read from the category column families, RawBlockData rebuilt, its SHA-256 and the parent link),
 * ROUNDS times on one open database, against the bare hash calls that verification needs: SHA-256
 * of (block id little-endian ‖ RawBlockData) over the same bytes, held in memory, ROUNDS times.
 * The database is opened once and walked once before timing (the fixtures are small: the figure
 * is the per-block work, not RocksDB's open).
 *
 * Prints "BYTES VERIFY_CPU_SECONDS SHA_CPU_SECONDS" (BYTES: RawBlockData bytes of all rounds;
 * CPU seconds of this thread: a loaded machine does not distort the figure). */
#include "chain/store.h"
#include "chain/verify_internal.h"
#include "concord/kvbc.h"
#include "util/bytes.h"
#include "util/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct raws {
	uint8_t *data;
	size_t len, cap;
	size_t *off; /* block i: data[off[i] .. off[i+1]) */
	uint64_t *id;
	size_t n, n_cap;
};

static void collect(void *ctx, uint64_t id, const uint8_t digest[32], const uint8_t parent[32],
		    const uint8_t *raw, size_t raw_len)
{
	struct raws *r = ctx;
	if (r->n + 2 > r->n_cap) {
		r->n_cap = r->n_cap ? 2 * r->n_cap : 1024;
		r->off = drill_xrealloc(r->off, r->n_cap * sizeof(*r->off));
		r->id = drill_xrealloc(r->id, r->n_cap * sizeof(*r->id));
	}
	while (r->cap - r->len < raw_len) {
		r->cap = r->cap ? 2 * r->cap : (1u << 20);
		r->data = drill_xrealloc(r->data, r->cap);
	}
	memcpy(r->data + r->len, raw, raw_len);
	r->off[r->n] = r->len;
	r->id[r->n++] = id;
	r->len += raw_len;
	r->off[r->n] = r->len;
}

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 3 || atoi(argv[2]) <= 0) {
		fprintf(stderr, "usage: bench-concord-loop ROCKSDBDATA ROUNDS\n");
		return 2;
	}
	int rounds = atoi(argv[2]), rc = 1;
	struct drill_store *s = NULL;
	struct drill_kvbc *k = NULL;
	struct drill_kvbc_walk w;
	struct raws r = {0};
	if (drill_verify_concord_open(&s, &k, argv[1]) != 0) {
		fprintf(stderr, "bench-concord-loop: %s\n", drill_err_last());
		goto cleanup;
	}
	if (drill_kvbc_walk(k, &w, collect, &r) != 0 || r.n == 0) {
		fprintf(stderr, "bench-concord-loop: %s\n", r.n ? w.error : "no blocks");
		goto cleanup;
	}
	double t0 = cpu_now();
	for (int i = 0; i < rounds; i++)
		if (drill_kvbc_walk(k, &w, NULL, NULL) != 0 || w.raw_bytes != r.len)
			goto cleanup;
	double verify_cpu = cpu_now() - t0;

	uint8_t d[DRILL_KVBC_HASH_LEN], x = 0;
	t0 = cpu_now();
	for (int i = 0; i < rounds; i++) {
		for (size_t b = 0; b < r.n; b++) {
			drill_kvbc_digest(d, r.id[b], r.data + r.off[b], r.off[b + 1] - r.off[b]);
			x ^= d[0];
		}
	}
	double sha_cpu = cpu_now() - t0;
	printf("%" PRIu64 " %.3f %.3f\n", (uint64_t)r.len * (uint64_t)rounds, verify_cpu, sha_cpu);
	fprintf(stderr, "(%u)\n", x); /* keeps the hashing loop from being optimised away */
	rc = 0;
cleanup:
	drill_verify_concord_close(s, k);
	free(r.data);
	free(r.off);
	free(r.id);
	return rc;
}
