/* fuzz/fuzz_block.c — the block decoder (chain/block.h). The input is decoded as it is, and again
 * with its last 32 bytes replaced by the right digest so that the fuzzer reaches past the digest
 * check into the entries. A block that decodes must encode back to the same bytes. */
#include "fuzz_util.h"

#include "chain/block.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void decode(const uint8_t *buf, size_t len)
{
	struct drill_block b;
	struct drill_kv *kv = NULL;
	size_t cap = 0;
	memset(&b, 0, sizeof b);
	if (drill_block_decode(&b, &kv, &cap, buf, len) == 0) {
		size_t elen = drill_block_encoded_len(&b);
		uint8_t *again = malloc(elen ? elen : 1);
		if (elen != len) {
			fprintf(stderr, "block: decoded %zu bytes, encodes to %zu\n", len, elen);
			abort();
		}
		drill_block_encode(again, &b);
		if (memcmp(again, buf, len) != 0) {
			fprintf(stderr, "block: does not encode back to the same bytes\n");
			abort();
		}
		free(again);
	}
	free(kv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	decode(data, size);
	if (size >= DRILL_HASH_LEN) {
		uint8_t *fixed = malloc(size);
		memcpy(fixed, data, size);
		drill_sha256(fixed + size - DRILL_HASH_LEN, fixed, size - DRILL_HASH_LEN);
		decode(fixed, size);
		free(fixed);
	}
	return 0;
}
