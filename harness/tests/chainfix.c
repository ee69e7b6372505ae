/* tests/chainfix.c — replica databases for tests and fixtures: a chain from a seed, as the replica
 * writes it (block, state updates and chain.last_block in one batch per block), and damage. */
#include "chainfix.h"

#include "chain/block.h"
#include "chain/store.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The state as the chain goes: the latest value of each key index (key spaces here are small). */
struct state {
	uint8_t *present;
	uint8_t *val; /* key_space × value_size */
};

static void ckpt_json(char *out, size_t len, uint64_t id, const uint8_t digest[DRILL_HASH_LEN],
		      const uint8_t root[DRILL_HASH_LEN], uint64_t ts_ms)
{
	char d[2 * DRILL_HASH_LEN + 1], r[2 * DRILL_HASH_LEN + 1];
	drill_hex(d, digest, DRILL_HASH_LEN);
	drill_hex(r, root, DRILL_HASH_LEN);
	snprintf(out, len,
		 "{\"id\":%" PRIu64 ",\"seqNum\":%" PRIu64 ",\"lastBlock\":%" PRIu64 ",\"digest\":\"%s\","
		 "\"stateRoot\":\"%s\",\"timestampMs\":%" PRIu64 "}",
		 id, id, id, d, r, ts_ms);
}

static int take_checkpoint(struct drill_store *s, const char *db_dir, uint64_t id,
			   const uint8_t digest[DRILL_HASH_LEN], const uint8_t root[DRILL_HASH_LEN],
			   uint64_t ts_ms, int bad_self)
{
	char js[512], key[32];
	uint8_t wrong[DRILL_HASH_LEN];
	memcpy(wrong, digest, DRILL_HASH_LEN);
	wrong[0] ^= 0x01;
	snprintf(key, sizeof(key), "ckpt/%" PRIu64, id);
	char *parent = drill_xasprintf("%s/checkpoints", db_dir);
	char *dir = drill_xasprintf("%s/%" PRIu64, parent, id);
	struct drill_store_batch *b = drill_store_batch_new();
	int rc = drill_fs_mkdir_p(parent, 0755);
	if (rc)
		goto cleanup;
	ckpt_json(js, sizeof(js), id, digest, root, ts_ms);
	drill_store_batch_put_meta_str(b, key, js);
	if (bad_self)
		ckpt_json(js, sizeof(js), id, wrong, root, ts_ms);
	drill_store_batch_put_meta_str(b, "ckpt.self", js);
	rc = drill_store_write(s, b);
	if (!rc)
		rc = drill_store_checkpoint(s, dir);
	drill_store_batch_clear(b);
	drill_store_batch_delete(b, DRILL_CF_DEFAULT, "ckpt.self", 9);
	if (!rc)
		rc = drill_store_write(s, b);
cleanup:
	drill_store_batch_free(b);
	free(dir);
	free(parent);
	return rc;
}

int drill_fix_build(const char *db_dir, const struct drill_fix_chain *c)
{
	const struct drill_workload *w = &c->w;
	struct drill_store *s = NULL;
	struct drill_store_batch *b = drill_store_batch_new();
	struct state st = {drill_xcalloc(w->key_space, 1),
			   drill_xcalloc(w->key_space, w->value_size)};
	uint64_t *idx = drill_xcalloc(w->keys_per_block, sizeof(*idx));
	uint8_t *keys = drill_xcalloc(w->keys_per_block, DRILL_WORKLOAD_KEY_LEN);
	uint8_t *vals = drill_xcalloc(w->keys_per_block, w->value_size);
	struct drill_kv *kv = drill_xcalloc(w->keys_per_block, sizeof(*kv));
	uint8_t digest[DRILL_HASH_LEN] = {0}, root[DRILL_HASH_LEN] = {0};
	uint8_t *enc = NULL;
	size_t enc_len = 0;

	int rc = drill_store_open(&s, db_dir, DRILL_STORE_CREATE);
	if (rc)
		goto cleanup;
	drill_store_batch_put_meta_str(b, "chain.format", DRILL_CHAIN_FORMAT);
	drill_store_batch_put_meta_u32(b, "replica.id", c->replica_id);
	if ((rc = drill_store_write(s, b)) != 0)
		goto cleanup;

	for (uint64_t id = 1; id <= c->blocks; id++) {
		uint32_t epoch = c->fork_at && id > c->fork_at ? 1 : 0;
		drill_workload_gen(w, c->seed, epoch, id, idx, keys, vals);
		struct drill_block blk = {.id = id, .ts_ms = id * w->block_interval_ms,
					  .n = w->keys_per_block, .kv = kv};
		for (uint32_t i = 0; i < w->keys_per_block; i++) {
			struct drill_kv *e = &kv[i];
			e->key = keys + (size_t)i * DRILL_WORKLOAD_KEY_LEN;
			e->klen = DRILL_WORKLOAD_KEY_LEN;
			e->val = vals + (size_t)i * w->value_size;
			e->vlen = w->value_size;
			uint8_t *old = st.val + idx[i] * w->value_size;
			if (st.present[idx[i]])
				drill_term(e->prev_term, e->key, e->klen, old, w->value_size);
			else
				memset(e->prev_term, 0, DRILL_HASH_LEN);
		}
		free(enc);
		rc = drill_block_build(&enc, &enc_len, &blk, digest, root);
		if (rc)
			goto cleanup;
		drill_store_batch_clear(b);
		drill_store_batch_put_block(b, id, enc, enc_len);
		for (uint32_t i = 0; i < w->keys_per_block; i++) {
			drill_store_batch_put(b, DRILL_CF_STATE, kv[i].key, kv[i].klen, kv[i].val,
					      kv[i].vlen);
			st.present[idx[i]] = 1;
			memcpy(st.val + idx[i] * w->value_size, kv[i].val, w->value_size);
		}
		drill_store_batch_put_meta_u64(b, "chain.last_block", id);
		if ((rc = drill_store_write(s, b)) != 0)
			goto cleanup;
		memcpy(digest, blk.digest, DRILL_HASH_LEN);
		memcpy(root, blk.root, DRILL_HASH_LEN);
		if (c->ckpt_every && id % c->ckpt_every == 0) {
			rc = take_checkpoint(s, db_dir, id, digest, root, blk.ts_ms,
					     id == c->bad_ckpt_self);
			if (rc)
				goto cleanup;
		}
	}
	rc = drill_store_flush(s);
cleanup:
	drill_store_close(s);
	drill_store_batch_free(b);
	free(enc);
	free(kv);
	free(vals);
	free(keys);
	free(idx);
	free(st.val);
	free(st.present);
	return rc;
}

int drill_fix_block_info(uint8_t digest[DRILL_HASH_LEN], uint8_t root[DRILL_HASH_LEN],
			 const char *db_dir, uint64_t id)
{
	struct drill_store *s = NULL;
	uint8_t *val = NULL;
	size_t vlen = 0;
	struct drill_kv *kv = NULL;
	size_t kv_cap = 0;
	struct drill_block blk = {0};
	int rc = drill_store_open(&s, db_dir, DRILL_STORE_READONLY);
	if (!rc)
		rc = drill_store_get_block(s, id, &val, &vlen);
	if (!rc)
		rc = drill_block_decode(&blk, &kv, &kv_cap, val, vlen);
	if (!rc) {
		memcpy(digest, blk.digest, DRILL_HASH_LEN);
		memcpy(root, blk.root, DRILL_HASH_LEN);
	}
	free(kv);
	free(val);
	drill_store_close(s);
	return rc;
}

/* Open for writing, write one batch, close. */
static int write_one(const char *db_dir, struct drill_store_batch *b)
{
	struct drill_store *s = NULL;
	int rc = drill_store_open(&s, db_dir, DRILL_STORE_WRITE);
	if (!rc)
		rc = drill_store_write(s, b);
	if (!rc)
		rc = drill_store_flush(s);
	drill_store_close(s);
	drill_store_batch_free(b);
	return rc;
}

static int read_block(uint8_t **val, size_t *vlen, const char *db_dir, uint64_t id)
{
	struct drill_store *s = NULL;
	int rc = drill_store_open(&s, db_dir, DRILL_STORE_READONLY);
	if (!rc)
		rc = drill_store_get_block(s, id, val, vlen);
	drill_store_close(s);
	return rc;
}

int drill_fix_flip_byte(const char *db_dir, uint64_t id, size_t offset, uint8_t mask)
{
	uint8_t *val = NULL;
	size_t vlen = 0;
	int rc = read_block(&val, &vlen, db_dir, id);
	if (rc)
		return rc;
	if (offset >= vlen) {
		free(val);
		return drill_err(DRILL_EINPUT, "block %" PRIu64 " has %zu bytes, no byte %zu", id,
				 vlen, offset);
	}
	val[offset] ^= mask;
	struct drill_store_batch *b = drill_store_batch_new();
	drill_store_batch_put_block(b, id, val, vlen);
	free(val);
	return write_one(db_dir, b);
}

int drill_fix_rewrite_block(const char *db_dir, uint64_t id, enum drill_fix_field what)
{
	uint8_t *val = NULL, *enc = NULL;
	size_t vlen = 0;
	struct drill_kv *kv = NULL;
	size_t kv_cap = 0;
	struct drill_block blk = {0};
	int rc = read_block(&val, &vlen, db_dir, id);
	if (!rc)
		rc = drill_block_decode(&blk, &kv, &kv_cap, val, vlen);
	if (rc)
		goto cleanup;
	if (what == DRILL_FIX_PARENT)
		blk.parent[DRILL_HASH_LEN - 1] ^= 0x80;
	else
		blk.root[0] ^= 0x01;
	enc = drill_xmalloc(drill_block_encoded_len(&blk));
	drill_block_encode(enc, &blk);
	struct drill_store_batch *b = drill_store_batch_new();
	drill_store_batch_put_block(b, id, enc, drill_block_encoded_len(&blk));
	rc = write_one(db_dir, b);
cleanup:
	free(enc);
	free(kv);
	free(val);
	return rc;
}

int drill_fix_put_state(const char *db_dir, const char *key, const char *val)
{
	struct drill_store_batch *b = drill_store_batch_new();
	drill_store_batch_put(b, DRILL_CF_STATE, key, strlen(key), val, strlen(val));
	return write_one(db_dir, b);
}

int drill_fix_put_meta_u32(const char *db_dir, const char *key, uint32_t v)
{
	struct drill_store_batch *b = drill_store_batch_new();
	drill_store_batch_put_meta_u32(b, key, v);
	return write_one(db_dir, b);
}

int drill_fix_put_meta_u64(const char *db_dir, const char *key, uint64_t v)
{
	struct drill_store_batch *b = drill_store_batch_new();
	drill_store_batch_put_meta_u64(b, key, v);
	return write_one(db_dir, b);
}
