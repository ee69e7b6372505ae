/* chain/verify_internal.h — what verify.c shares with verify_concord.c (not for other modules). */
#ifndef DRILL_CHAIN_VERIFY_INTERNAL_H
#define DRILL_CHAIN_VERIFY_INTERNAL_H

#include "chain/verify.h"
#include "concord/kvbc.h"

struct drill_store;
struct drill_kvbc;
struct drill_progress;

/* Verify the categorized Concord database at out->db_path into *out (status, last block, digest,
 * first failure, quirk, st_chain). */
void drill_verify_concord_replica(struct drill_replica_result *out, struct drill_progress *p);

/* The public state hash of a Concord checkpoint of block id: 0, or an error with the reason.
 * computed (may be NULL) receives the hash recomputed by Concord's rule. */
int drill_verify_concord_state_hash(const char *db_path, uint64_t id,
				    uint8_t computed[DRILL_HASH_LEN]);

/* Open the Concord database in dir read-only with its reader (*s, *k; close with
 * drill_verify_concord_close). 0 or the error. */
int drill_verify_concord_open(struct drill_store **s, struct drill_kvbc **k, const char *dir);

/* One walk over the Concord database in dir, fn called for each verified block (tests compare
 * every digest with Concord's own). Returns 0, or the error that kept it from walking (the walk's
 * own findings are in *w). */
int drill_verify_concord_walk(const char *dir, struct drill_kvbc_walk *w,
			      drill_kvbc_block_fn fn, void *ctx);

/* digest(h) of a Concord replica for the verdict's read-backs; *s and *k are opened on the first
 * call and kept (the caller closes them with drill_verify_concord_close). */
int drill_verify_concord_digest(struct drill_store **s, struct drill_kvbc **k, const char *dir,
				uint64_t h, uint8_t out[DRILL_HASH_LEN]);
void drill_verify_concord_close(struct drill_store *s, struct drill_kvbc *k);

#endif
