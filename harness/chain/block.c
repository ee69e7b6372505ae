/* chain/block.c — encode, decode and build blocks in the format of docs/design.md §4. */
#include "chain/block.h"

#include "util/bytes.h"
#include "util/err.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC_LEN 4
#define ENTRY_MIN_LEN (4 + 4 + DRILL_HASH_LEN) /* klen | vlen | prev_term, empty key and value */

size_t drill_block_encoded_len(const struct drill_block *b)
{
	size_t len = DRILL_BLOCK_HEADER_LEN + DRILL_HASH_LEN;
	for (uint32_t i = 0; i < b->n; i++)
		len += ENTRY_MIN_LEN + (size_t)b->kv[i].klen + b->kv[i].vlen;
	return len;
}

void drill_block_encode(uint8_t *out, struct drill_block *b)
{
	uint8_t *p = out;
	memcpy(p, DRILL_BLOCK_MAGIC, MAGIC_LEN);
	p += MAGIC_LEN;
	drill_put_be64(p, b->id);
	p += 8;
	drill_put_be64(p, b->ts_ms);
	p += 8;
	memcpy(p, b->parent, DRILL_HASH_LEN);
	p += DRILL_HASH_LEN;
	memcpy(p, b->root, DRILL_HASH_LEN);
	p += DRILL_HASH_LEN;
	drill_put_be32(p, b->n);
	p += 4;
	for (uint32_t i = 0; i < b->n; i++) {
		const struct drill_kv *e = &b->kv[i];
		drill_put_be32(p, e->klen);
		p += 4;
		if (e->klen)
			memcpy(p, e->key, e->klen);
		p += e->klen;
		drill_put_be32(p, e->vlen);
		p += 4;
		if (e->vlen)
			memcpy(p, e->val, e->vlen);
		p += e->vlen;
		memcpy(p, e->prev_term, DRILL_HASH_LEN);
		p += DRILL_HASH_LEN;
	}
	drill_sha256(b->digest, out, (size_t)(p - out));
	memcpy(p, b->digest, DRILL_HASH_LEN);
}

/* One entry at *pos, not reaching past `end`; -1 if it does. Every length is compared with the
 * bytes that remain, so no sum can overflow. */
static int parse_entry(struct drill_kv *e, const uint8_t *buf, size_t end, size_t *pos)
{
	size_t p = *pos;
	if (end - p < 4)
		return -1;
	e->klen = drill_get_be32(buf + p);
	p += 4;
	if (e->klen > end - p)
		return -1;
	e->key = buf + p;
	p += e->klen;
	if (end - p < 4)
		return -1;
	e->vlen = drill_get_be32(buf + p);
	p += 4;
	if (e->vlen > end - p)
		return -1;
	e->val = buf + p;
	p += e->vlen;
	if (end - p < DRILL_HASH_LEN)
		return -1;
	memcpy(e->prev_term, buf + p, DRILL_HASH_LEN);
	*pos = p + DRILL_HASH_LEN;
	return 0;
}

/* Structure first (so a cut buffer reads as truncated), then the digest over the whole prefix. */
int drill_block_decode(struct drill_block *b, struct drill_kv **kv_array, size_t *kv_cap,
		       const uint8_t *buf, size_t len)
{
	if (len < MAGIC_LEN + 8)
		return drill_err(DRILL_ECORRUPT, "block: truncated header (%zu bytes)", len);
	uint64_t id = drill_get_be64(buf + MAGIC_LEN);
	b->id = id;
	if (memcmp(buf, DRILL_BLOCK_MAGIC, MAGIC_LEN) != 0)
		return drill_err(DRILL_ECORRUPT, "block %" PRIu64 ": bad magic", id);
	if (len < DRILL_BLOCK_HEADER_LEN + DRILL_HASH_LEN)
		return drill_err(DRILL_ECORRUPT, "block %" PRIu64 ": truncated header (%zu bytes)",
				 id, len);
	if (len > DRILL_BLOCK_MAX_LEN)
		return drill_err(DRILL_ECORRUPT, "block %" PRIu64 ": too large (%zu bytes, limit %u)",
				 id, len, DRILL_BLOCK_MAX_LEN);

	const uint8_t *p = buf + MAGIC_LEN + 8;
	b->ts_ms = drill_get_be64(p);
	p += 8;
	memcpy(b->parent, p, DRILL_HASH_LEN);
	p += DRILL_HASH_LEN;
	memcpy(b->root, p, DRILL_HASH_LEN);
	p += DRILL_HASH_LEN;
	uint32_t n = drill_get_be32(p);

	size_t end = len - DRILL_HASH_LEN; /* entries end where the digest begins */
	size_t pos = DRILL_BLOCK_HEADER_LEN;
	if (n > (end - pos) / ENTRY_MIN_LEN)
		return drill_err(DRILL_ECORRUPT,
				 "block %" PRIu64 ": entry count %" PRIu32 " too large for %zu bytes",
				 id, n, len);
	if (n > *kv_cap) {
		*kv_array = drill_xrealloc(*kv_array, (size_t)n * sizeof(**kv_array));
		*kv_cap = n;
	}
	struct drill_kv *kv = *kv_array;
	for (uint32_t i = 0; i < n; i++)
		if (parse_entry(&kv[i], buf, end, &pos) != 0)
			return drill_err(DRILL_ECORRUPT, "block %" PRIu64 ": truncated entry %" PRIu32,
					 id, i);
	if (pos != end)
		return drill_err(DRILL_ECORRUPT, "block %" PRIu64 ": %zu trailing bytes", id,
				 end - pos);

	drill_sha256(b->digest, buf, end);
	if (memcmp(b->digest, buf + end, DRILL_HASH_LEN) != 0)
		return drill_err(DRILL_ECORRUPT, "block %" PRIu64 ": digest mismatch", id);
	b->n = n;
	b->kv = kv;
	return 0;
}

int drill_block_build(uint8_t **out, size_t *out_len, struct drill_block *b,
		      const uint8_t parent_digest[DRILL_HASH_LEN],
		      const uint8_t parent_root[DRILL_HASH_LEN])
{
	*out = NULL;
	*out_len = 0;
	size_t len = drill_block_encoded_len(b);
	if (len > DRILL_BLOCK_MAX_LEN)
		return drill_err(DRILL_EINPUT, "block %" PRIu64 ": %zu bytes exceed the limit of %u",
				 b->id, len, DRILL_BLOCK_MAX_LEN);

	struct drill_u256 root, t;
	drill_u256_from_le(&root, parent_root);
	for (uint32_t i = 0; i < b->n; i++) {
		struct drill_kv *e = &b->kv[i];
		drill_u256_from_le(&t, e->prev_term);
		drill_u256_sub(&root, &t);
		drill_term(e->term, e->key, e->klen, e->val, e->vlen);
		drill_u256_from_le(&t, e->term);
		drill_u256_add(&root, &t);
	}
	drill_u256_to_le(b->root, &root);
	memcpy(b->parent, parent_digest, DRILL_HASH_LEN);

	*out = drill_xmalloc(len);
	drill_block_encode(*out, b);
	*out_len = len;
	return 0;
}
