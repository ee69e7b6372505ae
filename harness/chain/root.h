/* chain/root.h — the state root: Σ term(k, v) mod 2^256 (docs/design.md §4).
 *
 * term(k, v) = SHA-256("kv" | klen u32 BE | k | v), read as a 256-bit little-endian integer. The
 * root of a state is the sum of its terms; an update subtracts the old term and adds the new one,
 * so each block's root follows from its parent's without reading the state. */
#ifndef DRILL_CHAIN_ROOT_H
#define DRILL_CHAIN_ROOT_H

#include <stddef.h>
#include <stdint.h>

#define DRILL_HASH_LEN 32

/* A 256-bit integer as four 64-bit limbs, least significant first. */
struct drill_u256 {
	uint64_t w[4];
};

void drill_u256_from_le(struct drill_u256 *out, const uint8_t in[DRILL_HASH_LEN]);
void drill_u256_to_le(uint8_t out[DRILL_HASH_LEN], const struct drill_u256 *in);
void drill_u256_add(struct drill_u256 *acc, const struct drill_u256 *x); /* acc += x mod 2^256 */
void drill_u256_sub(struct drill_u256 *acc, const struct drill_u256 *x); /* acc -= x mod 2^256 */
/* Byte-level forms on little-endian 32-byte values: acc = acc ± x mod 2^256. */
void drill_root_add(uint8_t acc[DRILL_HASH_LEN], const uint8_t x[DRILL_HASH_LEN]);
void drill_root_sub(uint8_t acc[DRILL_HASH_LEN], const uint8_t x[DRILL_HASH_LEN]);

void drill_term(uint8_t out[DRILL_HASH_LEN], const void *key, uint32_t klen, const void *val,
		uint32_t vlen);

/* SHA-256 of one buffer (OpenSSL). */
void drill_sha256(uint8_t out[DRILL_HASH_LEN], const void *data, size_t len);

#endif
