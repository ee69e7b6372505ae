/* chain/workload.h — synthetic requests, a pure function of (seed, epoch, sequence number).
 *
 * A write request ordered at sequence number `sn` updates `keys_per_block` distinct keys drawn
 * from a key space of `key_space` keys, each with `value_size` pseudo-random bytes. Keys are the
 * ASCII strings "key-%08" PRIx64 of their index. `epoch` counts restores in a drill, so requests
 * ordered after a rollback differ from the ones that were lost. */
#ifndef DRILL_CHAIN_WORKLOAD_H
#define DRILL_CHAIN_WORKLOAD_H

#include "chain/block.h"

#include <stdint.h>

#define DRILL_WORKLOAD_KEY_LEN 12 /* "key-" + 8 hex digits */

struct drill_workload {
	uint32_t keys_per_block; /* 1..1000, ≤ key_space */
	uint32_t value_size;     /* 1..65536 */
	uint64_t key_space;      /* 1..10,000,000 */
	uint64_t block_interval_ms; /* consensus time of sn is sn * block_interval_ms */
};

/* The updates of the write at (seed, epoch, sn): fills key_idx[keys_per_block] (distinct indices),
 * keys (keys_per_block × DRILL_WORKLOAD_KEY_LEN bytes) and values (keys_per_block × value_size
 * bytes). prev_terms are not touched: they depend on the state. */
void drill_workload_gen(const struct drill_workload *w, uint64_t seed, uint32_t epoch, uint64_t sn,
			uint64_t *key_idx, uint8_t *keys, uint8_t *values);

/* Format key `idx` into out (DRILL_WORKLOAD_KEY_LEN bytes, no NUL). */
void drill_workload_key(uint8_t out[DRILL_WORKLOAD_KEY_LEN], uint64_t idx);

/* A small, fast, seedable generator (SplitMix64), exposed for tests and fault injection. */
struct drill_rng {
	uint64_t s;
};
void drill_rng_seed(struct drill_rng *r, uint64_t seed);
uint64_t drill_rng_next(struct drill_rng *r);
uint64_t drill_rng_below(struct drill_rng *r, uint64_t bound); /* uniform in [0, bound) */

#endif
