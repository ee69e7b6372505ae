/* chain/store.h — the replica's RocksDB database (docs/design.md §4). This file pair is the only
 * place that speaks the RocksDB C API.
 *
 * Column families: "blocks" (u64 BE id → encoded block), "state" (key → latest value) and
 * "default" (metadata). Metadata keys of the contract:
 *   chain.format      = "chaindrill-chain/1"
 *   chain.last_block  = u64 BE
 *   replica.id        = u32 BE
 *   ckpt/<id>         = JSON {"id","seqNum","lastBlock","digest","stateRoot","timestampMs"},
 *                       <id> in decimal, one per retained checkpoint
 *   ckpt.self         = the same JSON, inside a checkpoint's own database
 * Implementation metadata (not part of the contract; verifiers ignore it):
 *   replica.seq           = u64 BE, last applied BFT sequence number
 *   replica.ckpt_last     = JSON {"seqNum","timestampMs"} of the last DB checkpoint taken
 *   replica.ckpt_scheduled= u64 BE, the sequence number an operator checkpoint is scheduled at */
#ifndef DRILL_CHAIN_STORE_H
#define DRILL_CHAIN_STORE_H

#include <stddef.h>
#include <stdint.h>

#define DRILL_CHAIN_FORMAT "chaindrill-chain/1"

enum drill_store_cf { DRILL_CF_DEFAULT = 0, DRILL_CF_BLOCKS = 1, DRILL_CF_STATE = 2 };

enum drill_store_mode {
	DRILL_STORE_READONLY, /* never writes to the directory (verify); fails if it is no database */
	DRILL_STORE_WRITE,    /* open an existing database for writing */
	DRILL_STORE_CREATE,   /* create if missing (with the three column families) */
};

struct drill_store;
struct drill_store_batch;
struct drill_store_iter;

/* Opening READONLY writes nothing into dir: RocksDB's info log goes to a private temporary
 * directory that is removed on close. Errors: DRILL_ENOTFOUND if dir holds no database,
 * DRILL_ECORRUPT if RocksDB reports corruption, DRILL_EFAIL otherwise. */
int drill_store_open(struct drill_store **out, const char *dir, enum drill_store_mode mode);
void drill_store_close(struct drill_store *s); /* NULL-safe */

/* Point reads. *val is malloc'd (caller frees); DRILL_ENOTFOUND when absent. */
int drill_store_get(struct drill_store *s, enum drill_store_cf cf, const void *key, size_t klen,
		    uint8_t **val, size_t *vlen);
int drill_store_get_block(struct drill_store *s, uint64_t id, uint8_t **val, size_t *vlen);
int drill_store_get_meta_u64(struct drill_store *s, const char *key, uint64_t *v);
int drill_store_get_meta_u32(struct drill_store *s, const char *key, uint32_t *v);

/* Atomic write batches (one RocksDB WriteBatch). */
struct drill_store_batch *drill_store_batch_new(void);
void drill_store_batch_put(struct drill_store_batch *b, enum drill_store_cf cf, const void *key,
			   size_t klen, const void *val, size_t vlen);
void drill_store_batch_delete(struct drill_store_batch *b, enum drill_store_cf cf, const void *key,
			      size_t klen);
void drill_store_batch_put_block(struct drill_store_batch *b, uint64_t id, const void *val,
				 size_t vlen);
void drill_store_batch_put_meta_u64(struct drill_store_batch *b, const char *key, uint64_t v);
void drill_store_batch_put_meta_u32(struct drill_store_batch *b, const char *key, uint32_t v);
void drill_store_batch_put_meta_str(struct drill_store_batch *b, const char *key, const char *v);
size_t drill_store_batch_count(const struct drill_store_batch *b);
int drill_store_write(struct drill_store *s, struct drill_store_batch *b); /* WAL on, no fsync */
void drill_store_batch_clear(struct drill_store_batch *b);
void drill_store_batch_free(struct drill_store_batch *b);

/* Forward iteration over one column family, from `start` (NULL: the first key). The iterator
 * checks checksums as it reads; after the loop, drill_store_iter_status tells whether it ended
 * because of an error (DRILL_ECORRUPT/DRILL_EFAIL with a message) or at the end (0). */
struct drill_store_iter *drill_store_iter_new(struct drill_store *s, enum drill_store_cf cf,
					      const void *start, size_t start_len);
int drill_store_iter_valid(struct drill_store_iter *it);
void drill_store_iter_next(struct drill_store_iter *it);
const uint8_t *drill_store_iter_key(struct drill_store_iter *it, size_t *len);
const uint8_t *drill_store_iter_value(struct drill_store_iter *it, size_t *len);
int drill_store_iter_status(struct drill_store_iter *it);
void drill_store_iter_free(struct drill_store_iter *it);

/* Databases that are not chaindrill's (a Concord replica's): every column family, read-only.
 * drill_store_list_cfs lists the column families of the database in dir (malloc'd copies, freed
 * with drill_store_cfs_free); DRILL_ENOTFOUND when dir holds no database. drill_store_open_all
 * opens dir read-only with all of them (the WAL replayed in memory, nothing written, as
 * READONLY); the int `cf` of the functions below is drill_store_cf_index's (-1: no such family).
 * The enum drill_store_cf values are the indexes of a store opened by drill_store_open. */
int drill_store_list_cfs(char ***names, size_t *n, const char *dir);
void drill_store_cfs_free(char **names, size_t n); /* NULL-safe */
int drill_store_open_all(struct drill_store **out, const char *dir);
int drill_store_cf_index(const struct drill_store *s, const char *name);
/* A point read (checksums verified) into a buffer the caller keeps across reads: *buf grows to
 * the value's size + 1 (realloc'd, the caller frees), *vlen is the value's length. 0,
 * DRILL_ENOTFOUND, DRILL_ECORRUPT or DRILL_EFAIL. */
int drill_store_get_buf(struct drill_store *s, int cf, const void *key, size_t klen,
			uint8_t **buf, size_t *cap, size_t *vlen);
/* drill_store_iter_new over the column family of index cf. */
struct drill_store_iter *drill_store_iter_open(struct drill_store *s, int cf, const void *start,
					       size_t start_len);
/* The same for point reads that move forward a few keys at a time: read options of
 * drill_store_get_buf (checksums verified, through the block cache, no readahead of its own). */
struct drill_store_iter *drill_store_iter_open_point(struct drill_store *s, int cf,
						     const void *start, size_t start_len);

/* RocksDB checkpoint (hard links where possible) of the whole database into `dir`, which must not
 * exist. The memtable is flushed first so the checkpoint holds no WAL to replay. */
int drill_store_checkpoint(struct drill_store *s, const char *dir);
/* Flush memtables to SST files (used before stopping, and by tests). */
int drill_store_flush(struct drill_store *s);
/* Bytes in the memtables of every column family: what a flush (or a checkpoint, which flushes
 * first) is about to write to the disk. */
uint64_t drill_store_memtable_bytes(struct drill_store *s);

#endif
