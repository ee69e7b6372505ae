/* concord/kvbc.h — Concord's categorized key-value blockchain (kvbc), read and verified.
 *
 * A Concord replica (concord-bft, kvBlockchainVersion 1) keeps its chain in RocksDB: column family
 * `blocks` maps a block id (u64 big-endian) to a CMF BlockData (parent digest, id, and per
 * category the keys the block wrote with their flags, never the values); the values live in the
 * categories' own column families, versioned by block. A block's digest is
 *     digest(N) = SHA-256(N as u64 little-endian ‖ CMF(RawBlockData of N))
 * where RawBlockData is rebuilt from BlockData and the values at version N, and block N+1 holds
 * digest(N) as its parent digest; the genesis block 1 has 32 zero bytes. docs/concord-format.md
 * describes the encoding and what is and is not checked.
 *
 * This module does not speak RocksDB: it reads through a drill_kvbc_db_ops table that its caller
 * fills (chain/verify.c over chain/store.c), so the decoder and the walk are testable and
 * fuzzable on their own. Memory grows with the largest block, never with the chain. */
#ifndef DRILL_CONCORD_KVBC_H
#define DRILL_CONCORD_KVBC_H

#include "concord/cmf.h"

#include <stddef.h>
#include <stdint.h>

#define DRILL_KVBC_HASH_LEN 32
#define DRILL_KVBC_FORMAT "concord-categorized"

/* The category types of the cat_id_type column family (one byte each). */
enum drill_kvbc_kind {
	DRILL_KVBC_BLOCK_MERKLE = 0,
	DRILL_KVBC_IMMUTABLE = 1,
	DRILL_KVBC_VERSIONED = 2,
};

/* One key of a category's update info, viewing the BlockData bytes it was decoded from. */
struct drill_kvbc_key {
	struct drill_cmf_span key;
	uint8_t deleted;         /* block_merkle and versioned */
	uint8_t stale_on_update; /* versioned */
	struct drill_cmf_span tags; /* immutable: the encoded `list string`, verbatim */
};

/* One entry of BlockData.categories_updates_info. */
struct drill_kvbc_update {
	struct drill_cmf_span name;
	enum drill_kvbc_kind kind;
	size_t first_key, nkeys; /* keys[first_key .. first_key + nkeys) of the block */
	const uint8_t *root_hash; /* block_merkle: always; versioned: NULL when absent */
	uint64_t state_root_version; /* block_merkle */
	int has_tag_roots;           /* immutable: tag_root_hashes present */
	struct drill_cmf_span tag_roots; /* its encoded `map string fixedlist uint8 32`, verbatim */
};

/* A decoded BlockData. Its arrays are reused by the next decode into the same struct. */
struct drill_kvbc_block {
	const uint8_t *parent_digest;
	uint64_t id;
	struct drill_kvbc_update *cats;
	size_t ncats, cats_cap;
	struct drill_kvbc_key *keys;
	size_t nkeys, keys_cap;
};

/* Decode a CMF BlockData (message 2001). Canonical input only: map keys sorted and unique, bools
 * 0 or 1, known oneof ids, no trailing bytes. 0 or DRILL_ECORRUPT with the reason. The block
 * views `data`, which must outlive it. */
int drill_kvbc_block_decode(struct drill_kvbc_block *b, const uint8_t *data, size_t len);
void drill_kvbc_block_free(struct drill_kvbc_block *b); /* the arrays; NULL-safe */
/* Append CMF(BlockData) of b to w: a decoded block encodes back to the bytes it came from. */
void drill_kvbc_block_encode(struct drill_cmf_writer *w, const struct drill_kvbc_block *b);

/* The value a key had at a version, for the RawBlockData encoder. Returns 0 with *value set (valid
 * until the next call), DRILL_ENOTFOUND when there is none (or it is a deletion), or another
 * DRILL_E* code with a message. `deleted_key` asks about a key the block flags as deleted: it
 * answers 0 only when the store nevertheless holds a live value for it at that version. */
typedef int (*drill_kvbc_value_fn)(void *ctx, const struct drill_kvbc_update *cat,
				   const struct drill_kvbc_key *key, uint64_t version, int deleted_key,
				   struct drill_cmf_span *value);

/* Append CMF(RawBlockData) of block b to w. as_submitted < 0 rebuilds it as Concord does from
 * storage; 0 or 1 rebuilds the update as it was submitted for versioned keys that the store holds
 * both as deleted (flag) and written (value): they go to both `kv` (with stale_on_update =
 * as_submitted) and `deletes`. *quirk_keys (may be NULL) counts such keys. 0 or the error of
 * get (the failing key named in the message). */
int drill_kvbc_raw_encode(struct drill_cmf_writer *w, const struct drill_kvbc_block *b,
			  drill_kvbc_value_fn get, void *ctx, int as_submitted, size_t *quirk_keys);

/* digest(N) of an encoded RawBlockData. */
void drill_kvbc_digest(uint8_t out[DRILL_KVBC_HASH_LEN], uint64_t id, const uint8_t *raw,
		       size_t len);

/* --- The database -------------------------------------------------------------------------- */

/* How the caller's database is read. Column families by index (cf returns -1 for none); reads
 * verify checksums; iterators walk forward from start (NULL: the first key). `cursor` (optional,
 * NULL: every value is read by get) opens an iterator like `iter` for point reads: it reads
 * through the same cache as get, where `iter` is meant for a one-pass scan. */
struct drill_kvbc_db_ops {
	int (*cf)(void *db, const char *name);
	int (*get)(void *db, int cf, const void *key, size_t klen, uint8_t **buf, size_t *cap,
		   size_t *vlen);
	void *(*iter)(void *db, int cf, const void *start, size_t start_len);
	int (*iter_valid)(void *it);
	void (*iter_next)(void *it);
	const uint8_t *(*iter_key)(void *it, size_t *len);
	const uint8_t *(*iter_value)(void *it, size_t *len);
	int (*iter_status)(void *it); /* 0, or the error that ended the walk (with a message) */
	void (*iter_free)(void *it);
	void *(*cursor)(void *db, int cf, const void *start, size_t start_len);
};

/* Is a database with these column families a categorized Concord one (`blocks` and
 * `cat_id_type`)? */
int drill_kvbc_detect(char *const *cf_names, size_t n);

struct drill_kvbc;

/* Read the category map (cat_id_type) and find each category's column families. DRILL_ECORRUPT
 * (with the reason) if it is unreadable or names a family that is not there. */
int drill_kvbc_open(struct drill_kvbc **out, const struct drill_kvbc_db_ops *ops, void *db);
void drill_kvbc_close(struct drill_kvbc *k); /* NULL-safe */

/* What a walk found. Damage stops the walk at the first failure (error_block, error); the
 * writer's update-and-delete quirk does not: its blocks are counted apart (quirk_*), and the walk
 * goes on when the parent digest equals the block rebuilt as submitted. */
struct drill_kvbc_walk {
	uint64_t genesis;    /* first block id (0: no blocks) */
	uint64_t last_block; /* last block that verified (0: none) */
	int has_digest;
	uint8_t digest[DRILL_KVBC_HASH_LEN]; /* digest(last_block), recomputed from storage */
	uint64_t blocks, raw_bytes;          /* blocks verified, RawBlockData bytes hashed */
	int failed;           /* 0, or the DRILL_E* code of the first damage */
	uint64_t error_block; /* the block the failure is about (0: not about one) */
	char error[1024];
	uint64_t quirk_blocks; /* blocks whose link holds only as submitted (update and delete) */
	uint64_t quirk_first;  /* the first block whose parent digest shows it */
	char quirk[512];       /* what the first one is, "" when none */
	uint64_t st_blocks, st_first, st_last; /* st_chain: blocks of a state transfer in progress */
};

/* Called for each block whose link verified, in order (NULL: no calls), with CMF(RawBlockData)
 * as hashed (valid during the call). */
typedef void (*drill_kvbc_block_fn)(void *ctx, uint64_t id, const uint8_t digest[32],
				    const uint8_t parent[32], const uint8_t *raw, size_t raw_len);

/* Walk `blocks` from its first key to its last with checksum-verifying reads. Always fills *out;
 * returns out->failed. */
int drill_kvbc_walk(struct drill_kvbc *k, struct drill_kvbc_walk *out, drill_kvbc_block_fn fn,
		    void *ctx);

/* digest(id) recomputed from storage: 0, DRILL_ENOTFOUND or another error. */
int drill_kvbc_block_digest(struct drill_kvbc *k, uint64_t id, uint8_t out[DRILL_KVBC_HASH_LEN]);

/* How a replica turns a stored value into the one its public state hash covers (Concord's
 * "state snapshot value converter"): as it is, or the `value` field (2) of a protobuf
 * ValueWithTrids {repeated bytes trid = 1; optional bytes value = 2; ...} — the replica's default
 * for application (DAML) values. */
enum drill_kvbc_value_rule { DRILL_KVBC_VALUE_AS_STORED, DRILL_KVBC_VALUE_TRIDS_PROTO };

/* The `value` of a protobuf ValueWithTrids: 0 with *out viewing `in` (empty when absent), or
 * DRILL_ECORRUPT when in is not such a message. */
int drill_kvbc_value_from_proto(struct drill_cmf_span *out, const uint8_t *in, size_t len);

/* The public state hash of a checkpoint: the stored StateHash at key 0x0106 of `default`
 * ({u64 block, 32 bytes}) and the hash recomputed by Concord's rule: h = SHA3-256(""), then for
 * each key of PublicStateKeys (key 0x33 of concord_internal, latest version), in its order,
 * h = SHA3-256(h ‖ SHA3-256(key) ‖ rule(latest value of key in execution_provable)). 0,
 * DRILL_ENOTFOUND (no stored hash) or DRILL_ECORRUPT with the reason. */
int drill_kvbc_public_state_hash(struct drill_kvbc *k, enum drill_kvbc_value_rule rule,
				 uint64_t *block, uint8_t stored[DRILL_KVBC_HASH_LEN],
				 uint8_t computed[DRILL_KVBC_HASH_LEN]);

#endif
