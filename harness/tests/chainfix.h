/* tests/chainfix.h — replica databases for tests and fixtures, written with the chain module's own
 * store/block/workload API: a healthy chain from a seed, then named damage done to it afterwards.
 * Used by test_chain_verify and by tests/fixturegen (the e2e fixtures of `chaindrill verify`). */
#ifndef DRILL_TESTS_CHAINFIX_H
#define DRILL_TESTS_CHAINFIX_H

#include "chain/root.h"
#include "chain/workload.h"

#include <stddef.h>
#include <stdint.h>

struct drill_fix_chain {
	uint64_t seed;
	uint64_t blocks;        /* blocks 1..blocks (0: an empty chain, metadata only) */
	uint32_t replica_id;    /* written as replica.id */
	uint64_t fork_at;       /* 0: none; else blocks after fork_at come from epoch 1 (a fork) */
	uint64_t ckpt_every;    /* 0: none; else a DB checkpoint after every multiple of it */
	uint64_t bad_ckpt_self; /* a checkpoint id whose ckpt.self carries a wrong digest (0: none) */
	struct drill_workload w;
};

/* Small defaults: 4 keys of 24 bytes per block from a space of 40 keys (so keys are updated again
 * and prev_terms are non-zero), 100 ms per block. */
#define DRILL_FIX_WORKLOAD ((struct drill_workload){4, 24, 40, 100})

/* Create the database at db_dir (must not hold one) with the chain of *c, flushed and closed.
 * Checkpoints go to db_dir/checkpoints/<id>/ with ckpt/<id> in the live database and ckpt.self
 * in the checkpoint, as the replica writes them (docs/design.md §4). */
int drill_fix_build(const char *db_dir, const struct drill_fix_chain *c);

/* The digest and state root of block `id` as stored (read back through the store). */
int drill_fix_block_info(uint8_t digest[DRILL_HASH_LEN], uint8_t root[DRILL_HASH_LEN],
			 const char *db_dir, uint64_t id);

/* Damage done to an existing, closed database (each opens it for writing and closes it): */
/* XOR byte `offset` of block `id`'s stored value with `mask` (the digest no longer matches). */
int drill_fix_flip_byte(const char *db_dir, uint64_t id, size_t offset, uint8_t mask);
/* Offset of the first byte of the first value inside an encoded block (a byte the digest covers
 * and whose change leaves the structure intact). */
#define DRILL_FIX_VALUE_OFFSET (4 + 8 + 8 + 32 + 32 + 4 + 4 + DRILL_WORKLOAD_KEY_LEN + 4)
/* Re-encode block `id` with a wrong parent digest or a wrong state root; its digest is recomputed
 * so it still decodes. */
enum drill_fix_field { DRILL_FIX_PARENT, DRILL_FIX_ROOT };
int drill_fix_rewrite_block(const char *db_dir, uint64_t id, enum drill_fix_field what);
/* Overwrite one key of the state column family with `val`. */
int drill_fix_put_state(const char *db_dir, const char *key, const char *val);
/* Overwrite a u32/u64 metadata key (replica.id, chain.last_block). */
int drill_fix_put_meta_u32(const char *db_dir, const char *key, uint32_t v);
int drill_fix_put_meta_u64(const char *db_dir, const char *key, uint64_t v);

#endif
