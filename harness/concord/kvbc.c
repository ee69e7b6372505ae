/* concord/kvbc.c — BlockData decoding, RawBlockData rebuilding, the digest walk over `blocks`,
 * and the public state hash of a checkpoint (Concord's categorized kvbc, read-only). */
#include "concord/kvbc.h"

#include "util/bytes.h"
#include "util/err.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The low-level SHA256_* functions are deprecated in OpenSSL 3 but stay the fastest path (no
 * algorithm fetch per call), as in chain/root.c. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>

/* CMF message ids (kvbc/cmf/categorized_kvbc_msgs.cmf). */
enum {
	MSG_BLOCK_MERKLE_INPUT = 1,
	MSG_VERSIONED_INPUT = 3,
	MSG_IMMUTABLE_INPUT = 5,
	MSG_BLOCK_MERKLE_OUTPUT = 1001,
	MSG_VERSIONED_OUTPUT = 1003,
	MSG_IMMUTABLE_OUTPUT = 1004,
};

#define TOMBSTONE_BIT 0x8000000000000000ull /* LatestKeyVersion: the last update was a delete */

static const char PUBLIC_KEYS_CATEGORY[] = "concord_internal";
static const char PUBLIC_VALUES_CATEGORY[] = "execution_provable";
static const uint8_t PUBLIC_KEYS_KEY = 0x33;          /* keyTypes::state_public_key_set */
static const uint8_t STATE_HASH_KEY[2] = {0x01, 0x06}; /* PublicStateHashAtDbCheckpoint */

/* --- Decoding BlockData ------------------------------------------------------------------------ */

static void grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	*arr = drill_xrealloc(*arr, c * elem);
	*cap = c;
}

static int decode_merkle(struct drill_cmf_reader *r, struct drill_kvbc_block *b,
			 struct drill_kvbc_update *u)
{
	uint32_t n;
	if (drill_cmf_count(r, &n, 5, "BlockMerkleOutput.keys"))
		return r->failed;
	grow((void **)&b->keys, &b->keys_cap, b->nkeys + n, sizeof(*b->keys));
	for (uint32_t i = 0; i < n; i++) {
		struct drill_kvbc_key *k = &b->keys[b->nkeys];
		int del;
		memset(k, 0, sizeof(*k));
		drill_cmf_string(r, &k->key, "BlockMerkleOutput.keys key");
		drill_cmf_key_order(r, i ? &b->keys[b->nkeys - 1].key : NULL, &k->key,
				    "BlockMerkleOutput.keys");
		if (drill_cmf_bool(r, &del, "MerkleKeyFlag.deleted"))
			return r->failed;
		k->deleted = (uint8_t)del;
		b->nkeys++;
	}
	drill_cmf_fixed(r, &u->root_hash, DRILL_KVBC_HASH_LEN, "BlockMerkleOutput.root_hash");
	return drill_cmf_u64(r, &u->state_root_version, "BlockMerkleOutput.state_root_version");
}

static int decode_versioned(struct drill_cmf_reader *r, struct drill_kvbc_block *b,
			    struct drill_kvbc_update *u)
{
	uint32_t n;
	if (drill_cmf_count(r, &n, 6, "VersionedOutput.keys"))
		return r->failed;
	grow((void **)&b->keys, &b->keys_cap, b->nkeys + n, sizeof(*b->keys));
	for (uint32_t i = 0; i < n; i++) {
		struct drill_kvbc_key *k = &b->keys[b->nkeys];
		int del, stale;
		memset(k, 0, sizeof(*k));
		drill_cmf_string(r, &k->key, "VersionedOutput.keys key");
		drill_cmf_key_order(r, i ? &b->keys[b->nkeys - 1].key : NULL, &k->key,
				    "VersionedOutput.keys");
		drill_cmf_bool(r, &del, "VersionedKeyFlags.deleted");
		if (drill_cmf_bool(r, &stale, "VersionedKeyFlags.stale_on_update"))
			return r->failed;
		k->deleted = (uint8_t)del;
		k->stale_on_update = (uint8_t)stale;
		b->nkeys++;
	}
	int has;
	if (drill_cmf_bool(r, &has, "VersionedOutput.root_hash (optional)"))
		return r->failed;
	if (has)
		drill_cmf_fixed(r, &u->root_hash, DRILL_KVBC_HASH_LEN, "VersionedOutput.root_hash");
	return r->failed;
}

static int decode_immutable(struct drill_cmf_reader *r, struct drill_kvbc_block *b,
			    struct drill_kvbc_update *u)
{
	uint32_t n;
	if (drill_cmf_count(r, &n, 8, "ImmutableOutput.tagged_keys"))
		return r->failed;
	grow((void **)&b->keys, &b->keys_cap, b->nkeys + n, sizeof(*b->keys));
	for (uint32_t i = 0; i < n; i++) {
		struct drill_kvbc_key *k = &b->keys[b->nkeys];
		memset(k, 0, sizeof(*k));
		drill_cmf_string(r, &k->key, "ImmutableOutput.tagged_keys key");
		drill_cmf_key_order(r, i ? &b->keys[b->nkeys - 1].key : NULL, &k->key,
				    "ImmutableOutput.tagged_keys");
		const uint8_t *start = r->p;
		uint32_t ntags;
		if (drill_cmf_count(r, &ntags, 4, "ImmutableOutput.tagged_keys tags"))
			return r->failed;
		for (uint32_t t = 0; t < ntags; t++) {
			struct drill_cmf_span tag;
			if (drill_cmf_string(r, &tag, "ImmutableOutput.tagged_keys tag"))
				return r->failed;
		}
		k->tags.p = start;
		k->tags.len = (uint32_t)(r->p - start);
		b->nkeys++;
	}
	int has;
	if (drill_cmf_bool(r, &has, "ImmutableOutput.tag_root_hashes (optional)"))
		return r->failed;
	u->has_tag_roots = has;
	if (!has)
		return 0;
	const uint8_t *start = r->p;
	uint32_t nroots;
	if (drill_cmf_count(r, &nroots, 4 + DRILL_KVBC_HASH_LEN, "ImmutableOutput.tag_root_hashes"))
		return r->failed;
	struct drill_cmf_span prev = {0}, tag;
	for (uint32_t i = 0; i < nroots; i++) {
		const uint8_t *h;
		drill_cmf_string(r, &tag, "ImmutableOutput.tag_root_hashes tag");
		drill_cmf_key_order(r, i ? &prev : NULL, &tag, "ImmutableOutput.tag_root_hashes");
		if (drill_cmf_fixed(r, &h, DRILL_KVBC_HASH_LEN, "ImmutableOutput.tag_root_hashes hash"))
			return r->failed;
		prev = tag;
	}
	u->tag_roots.p = start;
	u->tag_roots.len = (uint32_t)(r->p - start);
	return 0;
}

int drill_kvbc_block_decode(struct drill_kvbc_block *b, const uint8_t *data, size_t len)
{
	struct drill_cmf_reader r;
	drill_cmf_reader_init(&r, data, len);
	b->ncats = b->nkeys = 0;
	b->id = 0;
	drill_cmf_fixed(&r, &b->parent_digest, DRILL_KVBC_HASH_LEN, "BlockData.parent_digest");
	drill_cmf_u64(&r, &b->id, "BlockData.block_id");
	uint32_t n;
	if (drill_cmf_count(&r, &n, 8, "BlockData.categories_updates_info"))
		return r.failed;
	grow((void **)&b->cats, &b->cats_cap, n, sizeof(*b->cats));
	for (uint32_t i = 0; i < n; i++) {
		struct drill_kvbc_update *u = &b->cats[i];
		uint32_t id;
		memset(u, 0, sizeof(*u));
		drill_cmf_string(&r, &u->name, "BlockData.categories_updates_info category");
		drill_cmf_key_order(&r, i ? &b->cats[i - 1].name : NULL, &u->name,
				    "BlockData.categories_updates_info");
		if (drill_cmf_u32(&r, &id, "BlockData.categories_updates_info message id"))
			return r.failed;
		u->first_key = b->nkeys;
		b->ncats = i + 1;
		switch (id) {
		case MSG_BLOCK_MERKLE_OUTPUT:
			u->kind = DRILL_KVBC_BLOCK_MERKLE;
			decode_merkle(&r, b, u);
			break;
		case MSG_VERSIONED_OUTPUT:
			u->kind = DRILL_KVBC_VERSIONED;
			decode_versioned(&r, b, u);
			break;
		case MSG_IMMUTABLE_OUTPUT:
			u->kind = DRILL_KVBC_IMMUTABLE;
			decode_immutable(&r, b, u);
			break;
		default:
			r.p -= 4;
			return drill_err(DRILL_ECORRUPT, "BlockData.categories_updates_info at byte "
					 "%zu: message id %" PRIu32 " is not one of the oneof "
					 "(1001, 1003, 1004)", drill_cmf_offset(&r), id);
		}
		if (r.failed)
			return r.failed;
		u->nkeys = b->nkeys - u->first_key;
	}
	return drill_cmf_end(&r, "BlockData");
}

void drill_kvbc_block_free(struct drill_kvbc_block *b)
{
	if (!b)
		return;
	free(b->cats);
	free(b->keys);
	b->cats = NULL;
	b->keys = NULL;
	b->ncats = b->nkeys = b->cats_cap = b->keys_cap = 0;
}

void drill_kvbc_block_encode(struct drill_cmf_writer *w, const struct drill_kvbc_block *b)
{
	static const uint32_t ids[] = {[DRILL_KVBC_BLOCK_MERKLE] = MSG_BLOCK_MERKLE_OUTPUT,
				       [DRILL_KVBC_IMMUTABLE] = MSG_IMMUTABLE_OUTPUT,
				       [DRILL_KVBC_VERSIONED] = MSG_VERSIONED_OUTPUT};
	drill_cmf_put_raw(w, b->parent_digest, DRILL_KVBC_HASH_LEN);
	drill_cmf_put_u64(w, b->id);
	drill_cmf_put_u32(w, (uint32_t)b->ncats);
	for (size_t i = 0; i < b->ncats; i++) {
		const struct drill_kvbc_update *u = &b->cats[i];
		drill_cmf_put_string(w, u->name.p, u->name.len);
		drill_cmf_put_u32(w, ids[u->kind]);
		drill_cmf_put_u32(w, (uint32_t)u->nkeys);
		for (size_t j = 0; j < u->nkeys; j++) {
			const struct drill_kvbc_key *k = &b->keys[u->first_key + j];
			drill_cmf_put_string(w, k->key.p, k->key.len);
			if (u->kind == DRILL_KVBC_IMMUTABLE) {
				drill_cmf_put_raw(w, k->tags.p, k->tags.len);
				continue;
			}
			drill_cmf_put_bool(w, k->deleted);
			if (u->kind == DRILL_KVBC_VERSIONED)
				drill_cmf_put_bool(w, k->stale_on_update);
		}
		switch (u->kind) {
		case DRILL_KVBC_BLOCK_MERKLE:
			drill_cmf_put_raw(w, u->root_hash, DRILL_KVBC_HASH_LEN);
			drill_cmf_put_u64(w, u->state_root_version);
			break;
		case DRILL_KVBC_VERSIONED:
			drill_cmf_put_bool(w, u->root_hash != NULL);
			if (u->root_hash)
				drill_cmf_put_raw(w, u->root_hash, DRILL_KVBC_HASH_LEN);
			break;
		case DRILL_KVBC_IMMUTABLE:
			drill_cmf_put_bool(w, u->has_tag_roots);
			if (u->has_tag_roots)
				drill_cmf_put_raw(w, u->tag_roots.p, u->tag_roots.len);
			break;
		}
	}
}

/* --- Rebuilding RawBlockData -------------------------------------------------------------------- */

/* A key for messages: printable as it is, else hex; at most 48 bytes shown. */
static void show_key(char out[112], const struct drill_cmf_span *k)
{
	size_t n = k->len > 48 ? 48 : k->len;
	int printable = 1;
	for (size_t i = 0; i < n; i++)
		printable &= k->p[i] >= 0x20 && k->p[i] < 0x7f && k->p[i] != '\'';
	if (printable) {
		snprintf(out, 112, "'%.*s'%s", (int)n, (const char *)k->p, k->len > n ? "..." : "");
	} else {
		out[0] = '0';
		out[1] = 'x';
		drill_hex(out + 2, k->p, n);
		if (k->len > n)
			strcat(out, "...");
	}
}

static int value_error(int rc, const struct drill_kvbc_update *cat, const struct drill_kvbc_key *k,
		       uint64_t version)
{
	char key[112];
	show_key(key, &k->key);
	if (rc == DRILL_ENOTFOUND)
		return drill_err(DRILL_ECORRUPT, "missing value: key %s of category '%.*s' has no "
				 "value at version %" PRIu64, key, (int)cat->name.len,
				 (const char *)cat->name.p, version);
	return drill_err_wrap(rc, "key %s of category '%.*s' at version %" PRIu64, key,
			      (int)cat->name.len, (const char *)cat->name.p, version);
}

/* A u32 count whose value is known only after its elements: reserve, then patch. */
static size_t count_slot(struct drill_cmf_writer *w)
{
	size_t at = w->len;
	drill_cmf_put_u32(w, 0);
	return at;
}

static void count_patch(struct drill_cmf_writer *w, size_t at, uint32_t n)
{
	drill_put_be32(w->data + at, n);
}

static int encode_category(struct drill_cmf_writer *w, const struct drill_kvbc_block *b,
			   const struct drill_kvbc_update *u, drill_kvbc_value_fn get, void *ctx,
			   int as_submitted, size_t *quirk_keys)
{
	/* b->keys is NULL when no category of the block has a key: no pointer arithmetic on it */
	const struct drill_kvbc_key *keys = u->nkeys ? &b->keys[u->first_key] : NULL;
	struct drill_cmf_span v;
	uint32_t n = 0;
	static const uint32_t ids[] = {[DRILL_KVBC_BLOCK_MERKLE] = MSG_BLOCK_MERKLE_INPUT,
				       [DRILL_KVBC_IMMUTABLE] = MSG_IMMUTABLE_INPUT,
				       [DRILL_KVBC_VERSIONED] = MSG_VERSIONED_INPUT};
	drill_cmf_put_string(w, u->name.p, u->name.len);
	drill_cmf_put_u32(w, ids[u->kind]);

	size_t slot = count_slot(w); /* kv */
	for (size_t i = 0; i < u->nkeys; i++) {
		const struct drill_kvbc_key *k = &keys[i];
		int quirk = 0;
		if (k->deleted) {
			if (u->kind != DRILL_KVBC_VERSIONED || as_submitted < 0)
				continue;
			int rc = get(ctx, u, k, b->id, 1, &v);
			if (rc == DRILL_ENOTFOUND)
				continue;
			if (rc)
				return value_error(rc, u, k, b->id);
			quirk = 1;
			if (quirk_keys)
				(*quirk_keys)++;
		} else {
			int rc = get(ctx, u, k, b->id, 0, &v);
			if (rc)
				return value_error(rc, u, k, b->id);
		}
		drill_cmf_put_string(w, k->key.p, k->key.len);
		drill_cmf_put_string(w, v.p, v.len);
		if (u->kind == DRILL_KVBC_VERSIONED)
			drill_cmf_put_bool(w, quirk ? as_submitted : k->stale_on_update);
		else if (u->kind == DRILL_KVBC_IMMUTABLE)
			drill_cmf_put_raw(w, k->tags.p, k->tags.len);
		n++;
	}
	count_patch(w, slot, n);

	if (u->kind != DRILL_KVBC_IMMUTABLE) { /* deletes */
		slot = count_slot(w);
		n = 0;
		for (size_t i = 0; i < u->nkeys; i++) {
			if (!keys[i].deleted)
				continue;
			drill_cmf_put_string(w, keys[i].key.p, keys[i].key.len);
			n++;
		}
		count_patch(w, slot, n);
	}
	if (u->kind == DRILL_KVBC_VERSIONED)
		drill_cmf_put_bool(w, u->root_hash != NULL);
	else if (u->kind == DRILL_KVBC_IMMUTABLE)
		drill_cmf_put_bool(w, u->has_tag_roots);
	return 0;
}

/* One of RawBlockData's three root-hash maps: category name → the root (block_merkle, versioned)
 * or the tag roots' map (immutable, copied verbatim), for the categories of `kind` that have one. */
static void put_root_hashes(struct drill_cmf_writer *w, const struct drill_kvbc_block *b,
			    enum drill_kvbc_kind kind)
{
	uint32_t n = 0;
	size_t slot = count_slot(w);
	for (size_t i = 0; i < b->ncats; i++) {
		const struct drill_kvbc_update *u = &b->cats[i];
		if (u->kind != kind)
			continue;
		if (kind == DRILL_KVBC_IMMUTABLE && !u->has_tag_roots)
			continue;
		if (kind != DRILL_KVBC_IMMUTABLE && !u->root_hash)
			continue;
		drill_cmf_put_string(w, u->name.p, u->name.len);
		if (kind == DRILL_KVBC_IMMUTABLE)
			drill_cmf_put_raw(w, u->tag_roots.p, u->tag_roots.len);
		else
			drill_cmf_put_raw(w, u->root_hash, DRILL_KVBC_HASH_LEN);
		n++;
	}
	count_patch(w, slot, n);
}

int drill_kvbc_raw_encode(struct drill_cmf_writer *w, const struct drill_kvbc_block *b,
			  drill_kvbc_value_fn get, void *ctx, int as_submitted, size_t *quirk_keys)
{
	drill_cmf_put_raw(w, b->parent_digest, DRILL_KVBC_HASH_LEN);
	drill_cmf_put_u32(w, (uint32_t)b->ncats); /* CategoryInput.kv */
	for (size_t i = 0; i < b->ncats; i++) {
		int rc = encode_category(w, b, &b->cats[i], get, ctx, as_submitted, quirk_keys);
		if (rc)
			return rc;
	}
	put_root_hashes(w, b, DRILL_KVBC_BLOCK_MERKLE); /* block_merkle_root_hash */
	put_root_hashes(w, b, DRILL_KVBC_VERSIONED);    /* versioned_root_hash */
	put_root_hashes(w, b, DRILL_KVBC_IMMUTABLE);    /* immutable_root_hashes */
	return 0;
}

void drill_kvbc_digest(uint8_t out[DRILL_KVBC_HASH_LEN], uint64_t id, const uint8_t *raw,
		       size_t len)
{
	uint8_t le[8];
	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(id >> (8 * i));
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, le, sizeof(le));
	if (len)
		SHA256_Update(&c, raw, len);
	SHA256_Final(out, &c);
}

/* SHA3-256 with the algorithm fetched once and one context reused: OpenSSL's one-shot EVP_Digest
 * looks the algorithm up on every call, which showed in the concord-verify profile (a block_merkle
 * key is hashed for every value read). */
struct sha3 {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
};

static void sha3_parts(struct sha3 *h, uint8_t out[DRILL_KVBC_HASH_LEN], const void *a,
		       size_t alen, const void *b, size_t blen)
{
	unsigned int n = 0;
	if (!h->md && !(h->md = EVP_MD_fetch(NULL, "SHA3-256", NULL)))
		abort(); /* OpenSSL fails only without memory */
	if (!h->ctx && !(h->ctx = EVP_MD_CTX_new()))
		abort();
	if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
	    (alen && EVP_DigestUpdate(h->ctx, a, alen) != 1) ||
	    (blen && EVP_DigestUpdate(h->ctx, b, blen) != 1) ||
	    EVP_DigestFinal_ex(h->ctx, out, &n) != 1 || n != DRILL_KVBC_HASH_LEN)
		abort();
}

static void sha3_free(struct sha3 *h)
{
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
}

/* --- The database -------------------------------------------------------------------------- */

int drill_kvbc_detect(char *const *cf_names, size_t n)
{
	int blocks = 0, cats = 0;
	for (size_t i = 0; i < n; i++) {
		blocks |= !strcmp(cf_names[i], "blocks");
		cats |= !strcmp(cf_names[i], "cat_id_type");
	}
	return blocks && cats;
}

struct category {
	char *name;
	enum drill_kvbc_kind kind;
	int cf_values; /* versioned: <cat>_ver_values; immutable: <cat>_immutable;
			* block_merkle: block_merkle_keys */
	int cf_latest; /* versioned: <cat>_ver_latest; block_merkle: block_merkle_latest_key_version */
};

/* Reading a block's values takes one point read per key, and in RocksDB that is the walk's main
 * cost (bench/RESULTS.md, concord-verify). A versioned or block_merkle value's key is (prefix,
 * u64 version big-endian), so the versions of one key are neighbours in their column family, and
 * a key that many blocks rewrite (Concord's own bookkeeping in concord_internal, a contract's
 * state) is read at consecutive versions one block after the other. Such a key gets a cursor: an
 * iterator left on the version read last, which reaches the next one with a step or two instead
 * of a lookup from the top. A prefix gets a cursor when it is read a second time (seen[]
 * remembers the recent ones); a cursor serves only a read of exactly the key asked for, and any
 * other outcome (a gap, a deleted version, an error) drops it and leaves the answer to get, so a
 * read through a cursor returns what get returns, checksums verified the same way. CURSORS
 * bounds the iterators held; one is replaced only after CURSOR_IDLE blocks unused, so keys that
 * recur more often than there are cursors keep theirs and the others use get. */
#define CURSORS 16
#define CURSOR_SEEN 32
#define CURSOR_PREFIX_MAX 128
#define CURSOR_STEPS 4
#define CURSOR_IDLE 8

struct cursor {
	void *it; /* NULL: a free slot */
	int cf;
	uint8_t prefix[CURSOR_PREFIX_MAX];
	size_t plen;
	uint64_t used; /* the block count at its last read */
};

struct seen_prefix {
	int cf;
	uint8_t prefix[CURSOR_PREFIX_MAX];
	size_t plen;
};

struct drill_kvbc {
	const struct drill_kvbc_db_ops *ops;
	void *db;
	int cf_blocks, cf_st, cf_default;
	struct category *cats;
	size_t ncats;
	/* per walk: the block's categories mapped to ours, reused buffers */
	const struct category **map;
	size_t map_cap;
	struct drill_cmf_writer raw, key;
	uint8_t *val, *blk;
	size_t val_cap, blk_cap;
	struct drill_kvbc_block block, prev;
	const struct drill_kvbc_block *cur; /* the block being encoded (k->map is its) */
	struct drill_cmf_span quirk_key; /* the first key of a quirk (views prev) */
	const struct drill_kvbc_update *quirk_cat;
	struct sha3 sha3;
	struct cursor cursors[CURSORS];
	struct seen_prefix seen[CURSOR_SEEN];
	size_t seen_next;
	uint64_t blocks_read; /* blocks rebuilt: the clock of CURSOR_IDLE */
};

static int find_cf(struct drill_kvbc *k, const char *cat, const char *suffix)
{
	char *name = drill_xasprintf("%s%s", cat, suffix);
	int i = k->ops->cf(k->db, name);
	if (i < 0)
		drill_err(DRILL_ECORRUPT, "category '%s': column family %s is missing", cat, name);
	free(name);
	return i;
}

static int load_categories(struct drill_kvbc *k, int cf)
{
	const struct drill_kvbc_db_ops *o = k->ops;
	void *it = o->iter(k->db, cf, NULL, 0);
	size_t cap = 0;
	int rc = 0;
	for (; o->iter_valid(it); o->iter_next(it)) {
		size_t klen, vlen;
		const uint8_t *key = o->iter_key(it, &klen);
		const uint8_t *val = o->iter_value(it, &vlen);
		if (vlen != 1 || val[0] > DRILL_KVBC_VERSIONED || klen == 0 || klen > 255 ||
		    memchr(key, 0, klen)) {
			rc = drill_err(DRILL_ECORRUPT, "cat_id_type: entry %zu is not a category "
				       "(a name and one byte 0, 1 or 2)", k->ncats + 1);
			goto cleanup;
		}
		grow((void **)&k->cats, &cap, k->ncats + 1, sizeof(*k->cats));
		struct category *c = &k->cats[k->ncats++];
		c->name = drill_xasprintf("%.*s", (int)klen, (const char *)key);
		c->kind = (enum drill_kvbc_kind)val[0];
		switch (c->kind) {
		case DRILL_KVBC_VERSIONED: /* the message names the first family missing */
			c->cf_values = find_cf(k, c->name, "_ver_values");
			c->cf_latest = c->cf_values < 0 ? -1 : find_cf(k, c->name, "_ver_latest");
			break;
		case DRILL_KVBC_IMMUTABLE:
			c->cf_values = find_cf(k, c->name, "_immutable");
			c->cf_latest = -1;
			break;
		case DRILL_KVBC_BLOCK_MERKLE:
			c->cf_values = find_cf(k, "block_merkle", "_keys");
			c->cf_latest = c->cf_values < 0 ? -1 :
				find_cf(k, "block_merkle", "_latest_key_version");
			break;
		}
		if (c->cf_values < 0 || (c->kind != DRILL_KVBC_IMMUTABLE && c->cf_latest < 0)) {
			rc = DRILL_ECORRUPT;
			goto cleanup;
		}
	}
	if ((rc = o->iter_status(it)) != 0)
		drill_err_wrap(rc, "cat_id_type");
cleanup:
	o->iter_free(it);
	return rc;
}

static void cursor_drop(struct drill_kvbc *k, struct cursor *c)
{
	if (c->it)
		k->ops->iter_free(c->it);
	c->it = NULL;
}

/* Drop every cursor and forget the prefixes seen: a walk starts afresh. */
static void cursors_reset(struct drill_kvbc *k)
{
	for (size_t i = 0; i < CURSORS; i++)
		cursor_drop(k, &k->cursors[i]);
	memset(k->seen, 0, sizeof(k->seen));
	k->seen_next = 0;
}

static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	return c ? c : (alen > blen) - (alen < blen);
}

/* Was (cf, prefix) read recently? Remembers it when not. */
static int seen_before(struct drill_kvbc *k, int cf, const uint8_t *prefix, size_t plen)
{
	for (size_t i = 0; i < CURSOR_SEEN; i++) {
		const struct seen_prefix *p = &k->seen[i];
		if (p->plen == plen && p->cf == cf && !memcmp(p->prefix, prefix, plen))
			return 1;
	}
	struct seen_prefix *p = &k->seen[k->seen_next++ % CURSOR_SEEN];
	p->cf = cf;
	p->plen = plen;
	memcpy(p->prefix, prefix, plen);
	return 0;
}

/* A slot for a new cursor: a free one, else the longest idle if it is idle enough; NULL. */
static struct cursor *cursor_slot(struct drill_kvbc *k)
{
	struct cursor *old = NULL;
	for (size_t i = 0; i < CURSORS; i++) {
		struct cursor *c = &k->cursors[i];
		if (!c->it)
			return c;
		if (!old || c->used < old->used)
			old = c;
	}
	if (k->blocks_read - old->used < CURSOR_IDLE)
		return NULL;
	cursor_drop(k, old);
	return old;
}

/* The value under key (prefix ‖ u64 version) of cf through a cursor: 1 with *val and *vlen
 * (valid until the next read), 0 when a cursor cannot tell and get must answer. */
static int cursor_read(struct drill_kvbc *k, int cf, const uint8_t *key, size_t klen,
		       const uint8_t **val, size_t *vlen)
{
	const struct drill_kvbc_db_ops *o = k->ops;
	size_t plen = klen - 8;
	struct cursor *c = NULL;
	for (size_t i = 0; i < CURSORS && !c; i++) {
		struct cursor *x = &k->cursors[i];
		if (x->it && x->plen == plen && x->cf == cf && !memcmp(x->prefix, key, plen))
			c = x;
	}
	if (c) { /* on the version read last: step forward to the one asked for */
		for (int step = 0; step < CURSOR_STEPS; step++) {
			o->iter_next(c->it);
			if (!o->iter_valid(c->it))
				break;
			size_t n;
			const uint8_t *at = o->iter_key(c->it, &n);
			int cmp = key_cmp(at, n, key, klen);
			if (cmp > 0)
				break;
			if (cmp == 0)
				goto found;
		}
		cursor_drop(k, c);
		return 0;
	}
	if (!seen_before(k, cf, key, plen) || !(c = cursor_slot(k)))
		return 0;
	c->it = o->cursor(k->db, cf, key, klen);
	c->cf = cf;
	c->plen = plen;
	memcpy(c->prefix, key, plen);
	size_t n = 0;
	const uint8_t *at = o->iter_valid(c->it) ? o->iter_key(c->it, &n) : NULL;
	if (!at || key_cmp(at, n, key, klen) != 0) {
		cursor_drop(k, c);
		return 0;
	}
found:
	c->used = k->blocks_read;
	*val = o->iter_value(c->it, vlen);
	return 1;
}

/* The stored value of key k->key in cf: 0 with *val and *vlen (valid until the next read),
 * DRILL_ENOTFOUND or the error of get. `versioned`: the key ends in a u64 version. */
static int read_value(struct drill_kvbc *k, int cf, int versioned, const uint8_t **val,
		      size_t *vlen)
{
	const uint8_t *key = k->key.data;
	size_t klen = k->key.len;
	if (versioned && k->ops->cursor && klen > 8 && klen - 8 <= CURSOR_PREFIX_MAX &&
	    cursor_read(k, cf, key, klen, val, vlen))
		return 0;
	*val = NULL;
	int rc = k->ops->get(k->db, cf, key, klen, &k->val, &k->val_cap, vlen);
	if (!rc)
		*val = k->val;
	return rc;
}

int drill_kvbc_open(struct drill_kvbc **out, const struct drill_kvbc_db_ops *ops, void *db)
{
	struct drill_kvbc *k = drill_xcalloc(1, sizeof(*k));
	int rc = 0;
	*out = NULL;
	k->ops = ops;
	k->db = db;
	k->cf_blocks = ops->cf(db, "blocks");
	k->cf_st = ops->cf(db, "st_chain");
	k->cf_default = ops->cf(db, "default");
	int cf_cats = ops->cf(db, "cat_id_type");
	if (k->cf_blocks < 0 || cf_cats < 0) {
		rc = drill_err(DRILL_ECORRUPT, "not a categorized Concord database (no %s column "
			       "family)", k->cf_blocks < 0 ? "blocks" : "cat_id_type");
		goto cleanup;
	}
	if ((rc = load_categories(k, cf_cats)) != 0)
		goto cleanup;
	*out = k;
	k = NULL;
cleanup:
	drill_kvbc_close(k);
	return rc;
}

void drill_kvbc_close(struct drill_kvbc *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->ncats; i++)
		free(k->cats[i].name);
	free(k->cats);
	free(k->map);
	drill_cmf_writer_free(&k->raw);
	drill_cmf_writer_free(&k->key);
	free(k->val);
	free(k->blk);
	drill_kvbc_block_free(&k->block);
	drill_kvbc_block_free(&k->prev);
	cursors_reset(k);
	sha3_free(&k->sha3);
	free(k);
}

static const struct category *category_of(struct drill_kvbc *k, const struct drill_cmf_span *name)
{
	for (size_t i = 0; i < k->ncats; i++)
		if (strlen(k->cats[i].name) == name->len &&
		    !memcmp(k->cats[i].name, name->p, name->len))
			return &k->cats[i];
	return NULL;
}

/* Map the block's categories to the database's; DRILL_ECORRUPT when one is unknown or of
 * another type than cat_id_type says. */
static int map_categories(struct drill_kvbc *k, const struct drill_kvbc_block *b)
{
	static const char *const kinds[] = {"block_merkle", "immutable", "versioned"};
	grow((void **)&k->map, &k->map_cap, b->ncats ? b->ncats : 1, sizeof(*k->map));
	for (size_t i = 0; i < b->ncats; i++) {
		const struct drill_kvbc_update *u = &b->cats[i];
		const struct category *c = category_of(k, &u->name);
		if (!c)
			return drill_err(DRILL_ECORRUPT, "undecodable: category '%.*s' is not in "
					 "cat_id_type", (int)(u->name.len > 64 ? 64 : u->name.len),
					 (const char *)u->name.p);
		if (c->kind != u->kind)
			return drill_err(DRILL_ECORRUPT, "undecodable: category '%s' is %s in "
					 "cat_id_type but its update is %s", c->name,
					 kinds[c->kind], kinds[u->kind]);
		k->map[i] = c;
	}
	return 0;
}

/* DbValue {bool deleted, string data}: 0 with *v, DRILL_ENOTFOUND for a deletion. */
static int db_value(struct drill_cmf_span *v, const uint8_t *p, size_t len, int *deleted)
{
	struct drill_cmf_reader r;
	drill_cmf_reader_init(&r, p, len);
	drill_cmf_bool(&r, deleted, "DbValue.deleted");
	drill_cmf_string(&r, v, "DbValue.data");
	if (drill_cmf_end(&r, "DbValue"))
		return drill_err_wrap(r.failed, "stored value");
	return 0;
}

static int get_value(void *ctx, const struct drill_kvbc_update *u, const struct drill_kvbc_key *key,
		     uint64_t version, int deleted_key, struct drill_cmf_span *v)
{
	struct drill_kvbc *k = ctx;
	const struct category *c = k->map[u - k->cur->cats];
	const uint8_t *stored;
	size_t vlen = 0;
	int rc, deleted = 0;
	drill_cmf_writer_reset(&k->key);
	if (deleted_key && c->kind != DRILL_KVBC_VERSIONED)
		return DRILL_ENOTFOUND;
	switch (c->kind) {
	case DRILL_KVBC_VERSIONED: /* VersionedRawKey {string key, u64 version} */
		drill_cmf_put_string(&k->key, key->key.p, key->key.len);
		drill_cmf_put_u64(&k->key, version);
		break;
	case DRILL_KVBC_BLOCK_MERKLE: /* VersionedKey {KeyHash = SHA3-256(key), u64 version} */
		sha3_parts(&k->sha3, drill_cmf_reserve(&k->key, DRILL_KVBC_HASH_LEN), key->key.p,
			   key->key.len, NULL, 0);
		k->key.len += DRILL_KVBC_HASH_LEN;
		drill_cmf_put_u64(&k->key, version);
		break;
	case DRILL_KVBC_IMMUTABLE: /* the key itself */
		drill_cmf_put_raw(&k->key, key->key.p, key->key.len);
		break;
	}
	rc = read_value(k, c->cf_values, c->kind != DRILL_KVBC_IMMUTABLE, &stored, &vlen);
	if (rc)
		return rc;
	if (c->kind == DRILL_KVBC_IMMUTABLE) { /* ImmutableDbValue {u64 block_id, string data} */
		struct drill_cmf_reader r;
		uint64_t at;
		drill_cmf_reader_init(&r, stored, vlen);
		drill_cmf_u64(&r, &at, "ImmutableDbValue.block_id");
		drill_cmf_string(&r, v, "ImmutableDbValue.data");
		if (drill_cmf_end(&r, "ImmutableDbValue"))
			return drill_err_wrap(r.failed, "stored value");
		return at == version ? 0 : DRILL_ENOTFOUND; /* rewritten by a later block */
	}
	if ((rc = db_value(v, stored, vlen, &deleted)) != 0)
		return rc;
	if (deleted)
		return DRILL_ENOTFOUND;
	if (deleted_key && !k->quirk_cat) {
		k->quirk_cat = u;
		k->quirk_key = key->key;
	}
	return 0;
}

/* digest(b) from storage (as_submitted < 0) or as submitted; 0 or the error. */
static int block_digest(struct drill_kvbc *k, const struct drill_kvbc_block *b, int as_submitted,
			size_t *quirk_keys, uint8_t out[DRILL_KVBC_HASH_LEN])
{
	int rc = map_categories(k, b);
	if (rc)
		return rc;
	k->cur = b;
	k->blocks_read++;
	drill_cmf_writer_reset(&k->raw);
	if ((rc = drill_kvbc_raw_encode(&k->raw, b, get_value, k, as_submitted, quirk_keys)) != 0)
		return rc;
	drill_kvbc_digest(out, b->id, k->raw.data, k->raw.len);
	return 0;
}

static void hex8(char out[17], const uint8_t *h)
{
	drill_hex(out, h, 8);
}

static int walk_fail(struct drill_kvbc_walk *w, int code, uint64_t block, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int walk_fail(struct drill_kvbc_walk *w, int code, uint64_t block, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->error, sizeof(w->error), fmt, ap);
	va_end(ap);
	w->failed = code ? code : DRILL_ECORRUPT;
	w->error_block = block;
	return w->failed;
}

/* Block `id`'s parent digest is not digest(id - 1) from storage: is it the writer's quirk? Reads
 * block id - 1 again and rebuilds it as submitted. 1 when that explains the link (quirk recorded),
 * 0 when it does not. */
static int explained_by_quirk(struct drill_kvbc *k, struct drill_kvbc_walk *w, uint64_t id,
			      const uint8_t parent[DRILL_KVBC_HASH_LEN])
{
	uint8_t key[8], d[DRILL_KVBC_HASH_LEN];
	size_t len = 0;
	drill_put_be64(key, id - 1);
	if (k->ops->get(k->db, k->cf_blocks, key, 8, &k->blk, &k->blk_cap, &len) ||
	    drill_kvbc_block_decode(&k->prev, k->blk, len))
		return 0;
	k->quirk_cat = NULL;
	for (int stale = 0; stale <= 1; stale++) {
		size_t quirk_keys = 0;
		if (block_digest(k, &k->prev, stale, &quirk_keys, d) || quirk_keys == 0)
			return 0;
		if (memcmp(d, parent, DRILL_KVBC_HASH_LEN))
			continue;
		if (w->quirk_blocks++ == 0) {
			char shown[112];
			show_key(shown, &k->quirk_key);
			w->quirk_first = id;
			snprintf(w->quirk, sizeof(w->quirk), "block %" PRIu64 " both updates and "
				 "deletes versioned key %s of category '%.*s': Concord's writer "
				 "hashed the update as submitted but stores one flag per key, so "
				 "block %" PRIu64 "'s parent digest matches block %" PRIu64 " only as "
				 "submitted, not as rebuilt from storage", id - 1, shown,
				 (int)k->quirk_cat->name.len, (const char *)k->quirk_cat->name.p, id,
				 id - 1);
		}
		return 1;
	}
	return 0;
}

static void walk_st_chain(struct drill_kvbc *k, struct drill_kvbc_walk *w)
{
	const struct drill_kvbc_db_ops *o = k->ops;
	if (k->cf_st < 0)
		return;
	void *it = o->iter(k->db, k->cf_st, NULL, 0);
	for (; o->iter_valid(it); o->iter_next(it)) {
		size_t klen;
		const uint8_t *key = o->iter_key(it, &klen);
		if (klen != 8)
			continue;
		uint64_t id = drill_get_be64(key);
		if (w->st_blocks++ == 0)
			w->st_first = id;
		w->st_last = id;
	}
	int rc = o->iter_status(it);
	if (rc && !w->failed)
		walk_fail(w, rc, 0, "st_chain: %s", drill_err_last());
	o->iter_free(it);
}

int drill_kvbc_walk(struct drill_kvbc *k, struct drill_kvbc_walk *w, drill_kvbc_block_fn fn,
		    void *ctx)
{
	const struct drill_kvbc_db_ops *o = k->ops;
	uint8_t prev[DRILL_KVBC_HASH_LEN] = {0}, d[DRILL_KVBC_HASH_LEN];
	char a[17], b[17];
	memset(w, 0, sizeof(*w));
	cursors_reset(k);
	void *it = o->iter(k->db, k->cf_blocks, NULL, 0);
	for (; o->iter_valid(it); o->iter_next(it)) {
		size_t klen, vlen;
		const uint8_t *key = o->iter_key(it, &klen);
		const uint8_t *val = o->iter_value(it, &vlen);
		uint64_t want = w->last_block + 1;
		if (klen != 8) {
			walk_fail(w, 0, want, "block %" PRIu64 ": stored key of %zu bytes is not a "
				  "block id", want, klen);
			break;
		}
		uint64_t id = drill_get_be64(key);
		if (id == 0) {
			walk_fail(w, 0, 0, "block 0 is stored; Concord's block ids start at 1");
			break;
		}
		if (w->last_block && id != want) {
			walk_fail(w, 0, want, "block %" PRIu64 ": missing (the next stored block is %"
				  PRIu64 ")", want, id);
			break;
		}
		if (!w->last_block)
			w->genesis = id;
		if (drill_kvbc_block_decode(&k->block, val, vlen)) {
			walk_fail(w, 0, id, "block %" PRIu64 ": undecodable: %s", id,
				  drill_err_last());
			break;
		}
		if (k->block.id != id) {
			walk_fail(w, 0, id, "block %" PRIu64 ": stored under key %" PRIu64 " but "
				  "BlockData says block %" PRIu64, id, id, k->block.id);
			break;
		}
		const uint8_t *parent = k->block.parent_digest;
		if (id == 1 && memcmp(parent, prev, DRILL_KVBC_HASH_LEN)) {
			walk_fail(w, 0, 1, "block 1: parent digest is not 32 zero bytes (genesis)");
			break;
		}
		if (w->last_block && memcmp(parent, prev, DRILL_KVBC_HASH_LEN) &&
		    !explained_by_quirk(k, w, id, parent)) {
			hex8(a, parent);
			hex8(b, prev);
			walk_fail(w, 0, id, "block %" PRIu64 ": digest mismatch: its parent digest "
				  "%s... is not block %" PRIu64 "'s digest %s... recomputed from "
				  "storage", id, a, w->last_block, b);
			break;
		}
		int rc = block_digest(k, &k->block, -1, NULL, d);
		if (rc) {
			walk_fail(w, rc, id, "block %" PRIu64 ": %s", id, drill_err_last());
			break;
		}
		if (fn)
			fn(ctx, id, d, parent, k->raw.data, k->raw.len);
		memcpy(prev, d, DRILL_KVBC_HASH_LEN);
		memcpy(w->digest, d, DRILL_KVBC_HASH_LEN);
		w->has_digest = 1;
		w->last_block = id;
		w->blocks++;
		w->raw_bytes += k->raw.len;
	}
	if (!w->failed) {
		int rc = o->iter_status(it);
		if (rc)
			walk_fail(w, rc, w->last_block + 1, "block %" PRIu64 ": reading the blocks "
				  "column family: %s", w->last_block + 1, drill_err_last());
	}
	o->iter_free(it);
	walk_st_chain(k, w);
	return w->failed;
}

int drill_kvbc_block_digest(struct drill_kvbc *k, uint64_t id, uint8_t out[DRILL_KVBC_HASH_LEN])
{
	uint8_t key[8];
	size_t len = 0;
	drill_put_be64(key, id);
	int rc = k->ops->get(k->db, k->cf_blocks, key, 8, &k->blk, &k->blk_cap, &len);
	if (!rc)
		rc = drill_kvbc_block_decode(&k->block, k->blk, len);
	if (!rc && k->block.id != id)
		rc = drill_err(DRILL_ECORRUPT, "block %" PRIu64 ": BlockData says block %" PRIu64,
			       id, k->block.id);
	if (!rc)
		rc = block_digest(k, &k->block, -1, NULL, out);
	return rc;
}

/* --- The public state hash ------------------------------------------------------------------- */

/* The latest live value of key in category c: 0 with *v (in k->val), DRILL_ENOTFOUND. */
static int latest_value(struct drill_kvbc *k, const struct category *c, const uint8_t *key,
			size_t klen, struct drill_cmf_span *v)
{
	size_t vlen = 0;
	int rc = k->ops->get(k->db, c->cf_latest, key, klen, &k->val, &k->val_cap, &vlen);
	if (rc)
		return rc;
	if (vlen != 8)
		return drill_err(DRILL_ECORRUPT, "category '%s': LatestKeyVersion of %zu bytes, "
				 "not 8", c->name, vlen);
	uint64_t tagged = drill_get_be64(k->val);
	if (tagged & TOMBSTONE_BIT)
		return DRILL_ENOTFOUND;
	drill_cmf_writer_reset(&k->key);
	if (c->kind == DRILL_KVBC_VERSIONED) {
		drill_cmf_put_string(&k->key, key, (uint32_t)klen);
	} else {
		sha3_parts(&k->sha3, drill_cmf_reserve(&k->key, DRILL_KVBC_HASH_LEN), key, klen,
			   NULL, 0);
		k->key.len += DRILL_KVBC_HASH_LEN;
	}
	drill_cmf_put_u64(&k->key, tagged);
	rc = k->ops->get(k->db, c->cf_values, k->key.data, k->key.len, &k->val, &k->val_cap, &vlen);
	if (rc)
		return rc;
	int deleted;
	if ((rc = db_value(v, k->val, vlen, &deleted)) != 0)
		return rc;
	return deleted ? DRILL_ENOTFOUND : 0;
}

static const struct category *category_named(struct drill_kvbc *k, const char *name,
					     enum drill_kvbc_kind kind)
{
	for (size_t i = 0; i < k->ncats; i++)
		if (!strcmp(k->cats[i].name, name) && k->cats[i].kind == kind)
			return &k->cats[i];
	return NULL;
}

static int proto_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*p == end)
			return -1;
		uint8_t b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

int drill_kvbc_value_from_proto(struct drill_cmf_span *out, const uint8_t *in, size_t len)
{
	const uint8_t *p = in, *end = in + len;
	out->p = in;
	out->len = 0;
	while (p < end) {
		uint64_t key, n;
		if (proto_varint(&p, end, &key) || (key >> 3) == 0)
			goto bad;
		switch (key & 7) {
		case 0:
			if (proto_varint(&p, end, &n))
				goto bad;
			break;
		case 1:
			if (end - p < 8)
				goto bad;
			p += 8;
			break;
		case 5:
			if (end - p < 4)
				goto bad;
			p += 4;
			break;
		case 2:
			if (proto_varint(&p, end, &n) || n > (uint64_t)(end - p))
				goto bad;
			if (key >> 3 == 2) { /* optional bytes value: the last one counts */
				out->p = p;
				out->len = (uint32_t)n;
			}
			p += n;
			break;
		default: /* groups and unknown wire types */
			goto bad;
		}
	}
	return 0;
bad:
	return drill_err(DRILL_ECORRUPT, "not a protobuf ValueWithTrids (at byte %zu of %zu)",
			 (size_t)(p - in), len);
}

int drill_kvbc_public_state_hash(struct drill_kvbc *k, enum drill_kvbc_value_rule rule,
				 uint64_t *block, uint8_t stored[DRILL_KVBC_HASH_LEN],
				 uint8_t computed[DRILL_KVBC_HASH_LEN])
{
	uint8_t *keys = NULL;
	size_t vlen = 0;
	int rc;
	if (k->cf_default < 0)
		return drill_err(DRILL_ENOTFOUND, "no default column family");
	rc = k->ops->get(k->db, k->cf_default, STATE_HASH_KEY, 2, &k->val, &k->val_cap, &vlen);
	if (rc == DRILL_ENOTFOUND)
		return drill_err(rc, "no public state hash (key 0x0106 of default)");
	if (rc)
		return rc;
	struct drill_cmf_reader r;
	const uint8_t *h;
	drill_cmf_reader_init(&r, k->val, vlen);
	drill_cmf_u64(&r, block, "StateHash.block_id");
	drill_cmf_fixed(&r, &h, DRILL_KVBC_HASH_LEN, "StateHash.hash");
	if (drill_cmf_end(&r, "StateHash"))
		return drill_err_wrap(r.failed, "public state hash (key 0x0106)");
	memcpy(stored, h, DRILL_KVBC_HASH_LEN);

	sha3_parts(&k->sha3, computed, NULL, 0, NULL, 0);
	const struct category *kc = category_named(k, PUBLIC_KEYS_CATEGORY, DRILL_KVBC_VERSIONED);
	const struct category *vc = category_named(k, PUBLIC_VALUES_CATEGORY,
						   DRILL_KVBC_BLOCK_MERKLE);
	struct drill_cmf_span v;
	rc = kc ? latest_value(k, kc, &PUBLIC_KEYS_KEY, 1, &v) : DRILL_ENOTFOUND;
	if (rc == DRILL_ENOTFOUND)
		return 0; /* no public keys: the hash of the empty string */
	if (rc)
		return drill_err_wrap(rc, "public state keys");
	/* v views k->val, which the reads below reuse: keep a copy of PublicStateKeys */
	keys = drill_xmalloc(v.len ? v.len : 1);
	memcpy(keys, v.p, v.len);
	drill_cmf_reader_init(&r, keys, v.len);
	uint32_t n;
	drill_cmf_count(&r, &n, 4, "PublicStateKeys.keys");
	for (uint32_t i = 0; i < n && !r.failed; i++) {
		struct drill_cmf_span key;
		uint8_t buf[2 * DRILL_KVBC_HASH_LEN];
		if (drill_cmf_string(&r, &key, "PublicStateKeys.keys key"))
			break;
		rc = vc ? latest_value(k, vc, key.p, key.len, &v) : DRILL_ENOTFOUND;
		if (rc) {
			char shown[112];
			show_key(shown, &key);
			rc = drill_err(rc == DRILL_ENOTFOUND ? DRILL_ECORRUPT : rc, "public key %s "
				       "has no latest value in category '%s'%s%s", shown,
				       PUBLIC_VALUES_CATEGORY, rc == DRILL_ENOTFOUND ? "" : ": ",
				       rc == DRILL_ENOTFOUND ? "" : drill_err_last());
			goto cleanup;
		}
		if (rule == DRILL_KVBC_VALUE_TRIDS_PROTO && (rc = drill_kvbc_value_from_proto(
								      &v, v.p, v.len)) != 0) {
			char shown[112];
			show_key(shown, &key);
			drill_err_wrap(rc, "public key %s", shown);
			goto cleanup;
		}
		memcpy(buf, computed, DRILL_KVBC_HASH_LEN);
		sha3_parts(&k->sha3, buf + DRILL_KVBC_HASH_LEN, key.p, key.len, NULL, 0);
		sha3_parts(&k->sha3, computed, buf, sizeof(buf), v.p, v.len);
	}
	if (drill_cmf_end(&r, "PublicStateKeys"))
		rc = drill_err_wrap(r.failed, "public state keys");
cleanup:
	free(keys);
	return rc;
}
