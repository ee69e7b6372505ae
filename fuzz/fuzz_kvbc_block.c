/* fuzz/fuzz_kvbc_block.c — Concord's BlockData decoder (concord/kvbc.h). A block that decodes must
 * encode back to the same bytes, and its RawBlockData must be rebuilt — as stored and as
 * submitted — from values made up from its keys, without reading outside the input. */
#include "fuzz_util.h"

#include "concord/kvbc.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A value for every key: its own bytes; a deleted versioned key has one when its first byte is
 * odd (the quirk's shape); a key starting with 0xff has none (a missing value). */
static int made_up(void *ctx, const struct drill_kvbc_update *cat, const struct drill_kvbc_key *k,
		   uint64_t version, int deleted_key, struct drill_cmf_span *v)
{
	if (k->key.len && k->key.p[0] == 0xff)
		return DRILL_ENOTFOUND;
	if (deleted_key && !(k->key.len && (k->key.p[0] & 1)))
		return DRILL_ENOTFOUND;
	*v = k->key;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct drill_kvbc_block b = {0};
	struct drill_cmf_writer w = {0};
	drill_err_clear();
	if (drill_kvbc_block_decode(&b, data, size) == 0) {
		drill_kvbc_block_encode(&w, &b);
		if (w.len != size || memcmp(w.data, data, size)) {
			fprintf(stderr, "kvbc_block: %zu bytes decode but encode to %zu other bytes\n",
				size, w.len);
			abort();
		}
		for (int as_submitted = -1; as_submitted <= 1; as_submitted++) {
			uint8_t d[DRILL_KVBC_HASH_LEN];
			size_t quirk = 0;
			drill_cmf_writer_reset(&w);
			if (drill_kvbc_raw_encode(&w, &b, made_up, NULL, as_submitted, &quirk) == 0)
				drill_kvbc_digest(d, b.id, w.data, w.len);
			else if (!strstr(drill_err_last(), "missing value"))
				abort(); /* the only failure made_up can cause */
		}
	} else if (!*drill_err_last()) {
		fprintf(stderr, "kvbc_block: refused without a reason\n");
		abort();
	}
	drill_cmf_writer_free(&w);
	drill_kvbc_block_free(&b);
	return 0;
}
