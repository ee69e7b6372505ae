/* replica/terms.h — the term of each key's current value, kept in memory so that an update does
 * not read the old value back from RocksDB and hash it again (a block's prev_terms; the write
 * figure's profile: 15 % of a replica's time went to those reads, bench/RESULTS.md). The driver
 * keeps every key's term (drill/truth.c); a replica cannot know its key space, so this is a
 * bounded cache: direct-mapped, a slot per key hash, the key kept whole to tell keys apart. A miss
 * costs what the read always cost. Keys longer than DRILL_TERMS_KEY_MAX are never cached.
 *
 * The cache must never be ahead of or behind the state: the replica puts each update's term as
 * it applies it, and clears the cache whenever what it applied may not have landed (a failed
 * write, where it reloads its state) or the state changes under it (state transfer). */
#ifndef DRILL_REPLICA_TERMS_H
#define DRILL_REPLICA_TERMS_H

#include "chain/block.h"

#include <stddef.h>
#include <stdint.h>

#define DRILL_TERMS_KEY_MAX 40

struct drill_terms;

/* A cache of 2^bits slots (about 80 bytes each, allocated as they are first used). */
struct drill_terms *drill_terms_new(unsigned bits);
void drill_terms_free(struct drill_terms *c);
/* 1 and the term when key k is cached, else 0. */
int drill_terms_get(const struct drill_terms *c, const uint8_t *k, uint32_t klen,
		    uint8_t term[DRILL_HASH_LEN]);
/* k's value now has this term (zeros: k is absent). Replaces whatever shared the slot. */
void drill_terms_put(struct drill_terms *c, const uint8_t *k, uint32_t klen,
		     const uint8_t term[DRILL_HASH_LEN]);
void drill_terms_clear(struct drill_terms *c);

#endif
