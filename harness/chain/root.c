/* chain/root.c — 256-bit arithmetic mod 2^256 and the SHA-256 terms of the state root. */
#include "chain/root.h"

#include "util/bytes.h"

#include <endian.h>
#include <string.h>

/* The low-level SHA256_* functions are deprecated in OpenSSL 3 but remain the fastest path: a
 * stack context, no allocation and no algorithm fetch per call, the same assembly underneath. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

/* memcpy and le64toh compile to one load on a little-endian host (verify runs these for every
 * update of every block; the byte loop they replace showed in its profile). */
static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static void store_le64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

void drill_u256_from_le(struct drill_u256 *out, const uint8_t in[DRILL_HASH_LEN])
{
	for (int i = 0; i < 4; i++)
		out->w[i] = load_le64(in + 8 * i);
}

void drill_u256_to_le(uint8_t out[DRILL_HASH_LEN], const struct drill_u256 *in)
{
	for (int i = 0; i < 4; i++)
		store_le64(out + 8 * i, in->w[i]);
}

void drill_u256_add(struct drill_u256 *acc, const struct drill_u256 *x)
{
	uint64_t carry = 0;
	for (int i = 0; i < 4; i++) {
		uint64_t a = acc->w[i], s = a + x->w[i];
		uint64_t c1 = s < a;
		uint64_t t = s + carry;
		uint64_t c2 = t < s;
		acc->w[i] = t;
		carry = c1 | c2;
	}
	/* the carry out of the top limb is dropped: mod 2^256 */
}

void drill_u256_sub(struct drill_u256 *acc, const struct drill_u256 *x)
{
	uint64_t borrow = 0;
	for (int i = 0; i < 4; i++) {
		uint64_t a = acc->w[i], d = a - x->w[i];
		uint64_t b1 = a < x->w[i];
		uint64_t t = d - borrow;
		uint64_t b2 = d < borrow;
		acc->w[i] = t;
		borrow = b1 | b2;
	}
}

void drill_root_add(uint8_t acc[DRILL_HASH_LEN], const uint8_t x[DRILL_HASH_LEN])
{
	struct drill_u256 a, b;
	drill_u256_from_le(&a, acc);
	drill_u256_from_le(&b, x);
	drill_u256_add(&a, &b);
	drill_u256_to_le(acc, &a);
}

void drill_root_sub(uint8_t acc[DRILL_HASH_LEN], const uint8_t x[DRILL_HASH_LEN])
{
	struct drill_u256 a, b;
	drill_u256_from_le(&a, acc);
	drill_u256_from_le(&b, x);
	drill_u256_sub(&a, &b);
	drill_u256_to_le(acc, &a);
}

void drill_term(uint8_t out[DRILL_HASH_LEN], const void *key, uint32_t klen, const void *val,
		uint32_t vlen)
{
	uint8_t head[6] = {'k', 'v'};
	drill_put_be32(head + 2, klen);
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, head, sizeof(head));
	if (klen)
		SHA256_Update(&c, key, klen);
	if (vlen)
		SHA256_Update(&c, val, vlen);
	SHA256_Final(out, &c);
}

void drill_sha256(uint8_t out[DRILL_HASH_LEN], const void *data, size_t len)
{
	SHA256_CTX c;
	SHA256_Init(&c);
	if (len)
		SHA256_Update(&c, data, len);
	SHA256_Final(out, &c);
}
