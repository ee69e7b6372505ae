/* replica/terms.c — a direct-mapped cache from a key to its value's term. */
#include "replica/terms.h"

#include "util/bytes.h"

#include <stdlib.h>
#include <string.h>

struct slot {
	uint8_t used;
	uint8_t klen;
	uint8_t key[DRILL_TERMS_KEY_MAX];
	uint8_t term[DRILL_HASH_LEN];
};

struct drill_terms {
	struct slot *slots; /* calloc'd: untouched slots cost no memory */
	size_t mask;
};

/* FNV-1a, then a final mix so that keys differing only in their last bytes spread over the
 * slots' low bits. */
static size_t slot_of(const struct drill_terms *c, const uint8_t *k, uint32_t klen)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (uint32_t i = 0; i < klen; i++)
		h = (h ^ k[i]) * 0x100000001b3u;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	return (size_t)h & c->mask;
}

struct drill_terms *drill_terms_new(unsigned bits)
{
	struct drill_terms *c = drill_xcalloc(1, sizeof(*c));
	c->mask = ((size_t)1 << bits) - 1;
	c->slots = drill_xcalloc(c->mask + 1, sizeof(*c->slots));
	return c;
}

void drill_terms_free(struct drill_terms *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c);
}

int drill_terms_get(const struct drill_terms *c, const uint8_t *k, uint32_t klen,
		    uint8_t term[DRILL_HASH_LEN])
{
	if (klen > DRILL_TERMS_KEY_MAX)
		return 0;
	const struct slot *s = &c->slots[slot_of(c, k, klen)];
	if (!s->used || s->klen != klen || memcmp(s->key, k, klen) != 0)
		return 0;
	memcpy(term, s->term, DRILL_HASH_LEN);
	return 1;
}

void drill_terms_put(struct drill_terms *c, const uint8_t *k, uint32_t klen,
		     const uint8_t term[DRILL_HASH_LEN])
{
	if (klen > DRILL_TERMS_KEY_MAX)
		return;
	struct slot *s = &c->slots[slot_of(c, k, klen)];
	s->used = 1;
	s->klen = (uint8_t)klen;
	memcpy(s->key, k, klen);
	memcpy(s->term, term, DRILL_HASH_LEN);
}

void drill_terms_clear(struct drill_terms *c)
{
	/* A fresh zeroed array rather than memset: the pages never touched stay unallocated. */
	free(c->slots);
	c->slots = drill_xcalloc(c->mask + 1, sizeof(*c->slots));
}
