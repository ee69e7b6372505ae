/* chain/verify_concord.c — `verify` of a categorized Concord database: chain/store.c opens it
 * read-only with every column family, concord/kvbc.c walks and checks it through the table of
 * reads below, and the result lands in the same drill_replica_result as chaindrill's own format. */
#include "chain/verify_internal.h"

#include "chain/store.h"
#include "concord/kvbc.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/progress.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int op_cf(void *db, const char *name)
{
	return drill_store_cf_index(db, name);
}

static int op_get(void *db, int cf, const void *key, size_t klen, uint8_t **buf, size_t *cap,
		  size_t *vlen)
{
	return drill_store_get_buf(db, cf, key, klen, buf, cap, vlen);
}

static void *op_iter(void *db, int cf, const void *start, size_t start_len)
{
	return drill_store_iter_open(db, cf, start, start_len);
}

static int op_valid(void *it)
{
	return drill_store_iter_valid(it);
}

static void op_next(void *it)
{
	drill_store_iter_next(it);
}

static const uint8_t *op_key(void *it, size_t *len)
{
	return drill_store_iter_key(it, len);
}

static const uint8_t *op_value(void *it, size_t *len)
{
	return drill_store_iter_value(it, len);
}

static int op_status(void *it)
{
	return drill_store_iter_status(it);
}

static void op_free(void *it)
{
	drill_store_iter_free(it);
}

static void *op_cursor(void *db, int cf, const void *start, size_t start_len)
{
	return drill_store_iter_open_point(db, cf, start, start_len);
}

static const struct drill_kvbc_db_ops store_ops = {
	op_cf, op_get, op_iter, op_valid, op_next, op_key, op_value, op_status, op_free, op_cursor,
};

static int open_kvbc(struct drill_store **s, struct drill_kvbc **k, const char *dir)
{
	int rc = drill_store_open_all(s, dir);
	if (!rc && (rc = drill_kvbc_open(k, &store_ops, *s)) != 0) {
		drill_store_close(*s);
		*s = NULL;
	}
	return rc;
}

static void set_error(struct drill_replica_result *out, uint64_t block, const char *msg)
{
	out->status = DRILL_REPLICA_CORRUPT;
	free(out->error);
	out->error = drill_xstrdup(msg);
	out->error_block = block;
}

void drill_verify_concord_replica(struct drill_replica_result *out, struct drill_progress *p)
{
	struct drill_store *s = NULL;
	struct drill_kvbc *k = NULL;
	struct drill_kvbc_walk *w = drill_xcalloc(1, sizeof(*w));
	out->format = DRILL_FORMAT_CONCORD;
	if (open_kvbc(&s, &k, out->db_path) != 0) {
		set_error(out, 0, drill_err_last());
		goto cleanup;
	}
	drill_kvbc_walk(k, w, NULL, NULL);
	drill_progress_add_total(p, w->blocks);
	drill_progress_add(p, w->blocks);
	out->genesis_block = w->genesis;
	out->last_block = w->last_block;
	out->has_digest = w->has_digest;
	memcpy(out->digest, w->digest, DRILL_HASH_LEN);
	out->blocks_checked = w->blocks;
	out->bytes_checked = w->raw_bytes;
	out->st_chain_blocks = w->st_blocks;
	out->quirk_blocks = w->quirk_blocks;
	out->quirk_first = w->quirk_first;
	if (w->quirk_blocks)
		out->quirk = drill_xasprintf("update-and-delete quirk of Concord's writer (not "
					     "damage), %" PRIu64 " block%s from block %" PRIu64 ": %s",
					     w->quirk_blocks, w->quirk_blocks == 1 ? "" : "s",
					     w->quirk_first, w->quirk);
	if (w->failed) {
		set_error(out, w->error_block, w->error);
	} else if (w->quirk_blocks) {
		char *msg = drill_xasprintf("block %" PRIu64 ": parent digest matches block %" PRIu64
					    " only as submitted (update-and-delete quirk of the "
					    "writer, not damage; the chain does not verify by "
					    "Concord's rule)", w->quirk_first, w->quirk_first - 1);
		set_error(out, w->quirk_first, msg);
		free(msg);
	}
cleanup:
	free(w);
	drill_kvbc_close(k);
	drill_store_close(s);
}

/* The stored public state hash must be of block id and equal the one recomputed with values as
 * stored or, failing that, as the replica's default converter reads them (concord/kvbc.h). */
int drill_verify_concord_state_hash(const char *db_path, uint64_t id,
				    uint8_t computed_out[DRILL_HASH_LEN])
{
	struct drill_store *s = NULL;
	struct drill_kvbc *k = NULL;
	uint8_t stored[DRILL_HASH_LEN], computed[DRILL_HASH_LEN], proto[DRILL_HASH_LEN];
	uint64_t block = 0;
	int rc = open_kvbc(&s, &k, db_path);
	if (!rc)
		rc = drill_kvbc_public_state_hash(k, DRILL_KVBC_VALUE_AS_STORED, &block, stored,
						  computed);
	if (rc) {
		drill_err_wrap(rc, "public state hash");
		goto cleanup;
	}
	if (computed_out)
		memcpy(computed_out, computed, DRILL_HASH_LEN);
	if (block != id) {
		rc = drill_err(DRILL_ECORRUPT, "public state hash (key 0x0106) is of block %" PRIu64
			       ", not %" PRIu64, block, id);
		goto cleanup;
	}
	if (!memcmp(stored, computed, DRILL_HASH_LEN))
		goto cleanup;
	if (drill_kvbc_public_state_hash(k, DRILL_KVBC_VALUE_TRIDS_PROTO, &block, stored,
					 proto) == 0 && !memcmp(stored, proto, DRILL_HASH_LEN)) {
		if (computed_out)
			memcpy(computed_out, proto, DRILL_HASH_LEN);
		goto cleanup;
	}
	char a[17], b[17];
	drill_hex(a, stored, 8);
	drill_hex(b, computed, 8);
	rc = drill_err(DRILL_ECORRUPT, "public state hash (key 0x0106) %s... differs from %s... "
		       "recomputed from the public keys' values (as stored, and as ValueWithTrids)",
		       a, b);
cleanup:
	drill_kvbc_close(k);
	drill_store_close(s);
	return rc;
}

int drill_verify_concord_open(struct drill_store **s, struct drill_kvbc **k, const char *dir)
{
	*s = NULL;
	*k = NULL;
	return open_kvbc(s, k, dir);
}

int drill_verify_concord_walk(const char *dir, struct drill_kvbc_walk *w,
			      drill_kvbc_block_fn fn, void *ctx)
{
	struct drill_store *s = NULL;
	struct drill_kvbc *k = NULL;
	int rc = open_kvbc(&s, &k, dir);
	if (!rc)
		drill_kvbc_walk(k, w, fn, ctx);
	drill_kvbc_close(k);
	drill_store_close(s);
	return rc;
}

int drill_verify_concord_digest(struct drill_store **s, struct drill_kvbc **k, const char *dir,
				uint64_t h, uint8_t out[DRILL_HASH_LEN])
{
	if (!*k && open_kvbc(s, k, dir) != 0)
		return -1;
	return drill_kvbc_block_digest(*k, h, out);
}

void drill_verify_concord_close(struct drill_store *s, struct drill_kvbc *k)
{
	drill_kvbc_close(k);
	drill_store_close(s);
}
