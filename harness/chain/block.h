/* chain/block.h — the block format of docs/design.md §4 (contract), integers big-endian:
 *
 *   "CDB1" | block_id u64 | timestamp_ms u64 | parent_digest[32] | state_root[32] | n u32 |
 *   n × (klen u32 | key | vlen u32 | value | prev_term[32]) | digest[32]
 *
 * digest = SHA-256 of every byte before it. Block ids start at 1; block 1's parent is zeros. */
#ifndef DRILL_CHAIN_BLOCK_H
#define DRILL_CHAIN_BLOCK_H

#include "chain/root.h"

#include <stddef.h>
#include <stdint.h>

#define DRILL_BLOCK_MAGIC "CDB1"
#define DRILL_BLOCK_HEADER_LEN (4 + 8 + 8 + 32 + 32 + 4)
#define DRILL_BLOCK_MAX_LEN (64u << 20) /* no valid block is larger; decoders refuse beyond */

/* One key/value update; pointers refer to caller-owned or decoded-buffer memory. */
struct drill_kv {
	const uint8_t *key;
	uint32_t klen;
	const uint8_t *val;
	uint32_t vlen;
	uint8_t prev_term[DRILL_HASH_LEN]; /* term(k, old value), zeros if k was absent */
	uint8_t term[DRILL_HASH_LEN];      /* term(k, val): set by drill_block_build (not encoded),
					    * the next update of k's prev_term */
};

struct drill_block {
	uint64_t id;
	uint64_t ts_ms;
	uint8_t parent[DRILL_HASH_LEN];
	uint8_t root[DRILL_HASH_LEN];
	uint32_t n;
	struct drill_kv *kv; /* n entries */
	uint8_t digest[DRILL_HASH_LEN];
};

/* Encoded length of a block with these entries. */
size_t drill_block_encoded_len(const struct drill_block *b);
/* Encode into out (drill_block_encoded_len bytes) and compute b->digest, which is also written as
 * the last 32 bytes. */
void drill_block_encode(uint8_t *out, struct drill_block *b);

/* Decode `buf` (len bytes) into *b. b->kv points into a caller-supplied array of capacity *kv_cap
 * that is grown with realloc as needed (so one array serves a whole stream of blocks); keys and
 * values point into buf. Checks magic, lengths and the digest. Returns 0 or DRILL_ECORRUPT with a
 * message such as "block 17: digest mismatch" (the id is taken from the header when readable). */
int drill_block_decode(struct drill_block *b, struct drill_kv **kv_array, size_t *kv_cap,
		       const uint8_t *buf, size_t len);

/* Build the next block: given the parent's digest and root (zeros for block 1), the id, time and
 * the updates (keys, values and prev_terms filled in by the caller), compute the new root
 * (root − Σ prev_term + Σ term(k, v)), encode and digest it; each update's term is left in
 * kv[i].term. *out is malloc'd, caller frees. */
int drill_block_build(uint8_t **out, size_t *out_len, struct drill_block *b,
		      const uint8_t parent_digest[DRILL_HASH_LEN],
		      const uint8_t parent_root[DRILL_HASH_LEN]);

#endif
