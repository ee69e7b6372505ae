/* drill/truth.c — the driver's own copy of the chain it ordered (see truth.h). */
#include "drill/truth.h"

#include "chain/block.h"
#include "replica/proto.h"
#include "util/beneath.h"
#include "util/err.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REC_LEN 88

struct drill_truth {
	struct drill_workload w;
	uint64_t seed;
	uint32_t epoch;
	uint8_t *terms; /* key_space × 32 bytes; all-zero = key absent */
	uint64_t last;
	uint8_t digest[DRILL_HASH_LEN], root[DRILL_HASH_LEN];
	FILE *f;
	/* scratch for one request */
	uint64_t *idx;
	uint8_t *keys, *values;
	struct drill_kv *kv;
	struct drill_req_update *u;
};

int drill_truth_open(struct drill_truth **out, const char *path, const struct drill_workload *w,
		     uint64_t seed)
{
	FILE *f = drill_beneath_fopen(path, "w+b");
	if (!f)
		return DRILL_EFAIL;
	struct drill_truth *t = drill_xcalloc(1, sizeof(*t));
	t->w = *w;
	t->seed = seed;
	t->f = f;
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	t->terms = drill_xcalloc(w->key_space, DRILL_HASH_LEN);
	t->idx = drill_xcalloc(w->keys_per_block, sizeof(*t->idx));
	t->keys = drill_xcalloc(w->keys_per_block, DRILL_WORKLOAD_KEY_LEN);
	t->values = drill_xcalloc(w->keys_per_block, w->value_size);
	t->kv = drill_xcalloc(w->keys_per_block, sizeof(*t->kv));
	t->u = drill_xcalloc(w->keys_per_block, sizeof(*t->u));
	*out = t;
	return 0;
}

void drill_truth_free(struct drill_truth *t)
{
	if (!t)
		return;
	if (t->f)
		fclose(t->f);
	free(t->terms);
	free(t->idx);
	free(t->keys);
	free(t->values);
	free(t->kv);
	free(t->u);
	free(t);
}

/* The request at (sn) in `epoch`, generated into the scratch arrays. */
static void generate(struct drill_truth *t, uint32_t epoch, uint64_t sn)
{
	uint32_t n = t->w.keys_per_block;
	drill_workload_gen(&t->w, t->seed, epoch, sn, t->idx, t->keys, t->values);
	for (uint32_t i = 0; i < n; i++) {
		t->kv[i].key = t->keys + (size_t)i * DRILL_WORKLOAD_KEY_LEN;
		t->kv[i].klen = DRILL_WORKLOAD_KEY_LEN;
		t->kv[i].val = t->values + (size_t)i * t->w.value_size;
		t->kv[i].vlen = t->w.value_size;
	}
}

/* Remember the new value's term of every key the request updated (in order: a key updated twice
 * keeps its last). `built`: drill_block_build computed them already (kv[i].term). */
static void apply_terms(struct drill_truth *t, int built)
{
	for (uint32_t i = 0; i < t->w.keys_per_block; i++) {
		struct drill_kv *kv = &t->kv[i];
		if (!built)
			drill_term(kv->term, kv->key, kv->klen, kv->val, kv->vlen);
		memcpy(t->terms + t->idx[i] * DRILL_HASH_LEN, kv->term, DRILL_HASH_LEN);
	}
}

int drill_truth_write(struct drill_truth *t, uint64_t sn, uint64_t ts_ms, struct drill_buf *batch)
{
	uint32_t n = t->w.keys_per_block;
	generate(t, t->epoch, sn);
	for (uint32_t i = 0; i < n; i++)
		memcpy(t->kv[i].prev_term, t->terms + t->idx[i] * DRILL_HASH_LEN, DRILL_HASH_LEN);

	struct drill_block b = {.id = t->last + 1, .ts_ms = ts_ms, .n = n, .kv = t->kv};
	uint8_t *enc = NULL;
	size_t enc_len = 0;
	int rc = drill_block_build(&enc, &enc_len, &b, t->digest, t->root);
	free(enc);
	if (rc)
		return rc;
	apply_terms(t, 1);

	uint8_t rec[REC_LEN] = {0};
	drill_put_be64(rec, sn);
	drill_put_be64(rec + 8, ts_ms);
	drill_put_be32(rec + 16, t->epoch);
	memcpy(rec + 24, b.digest, DRILL_HASH_LEN);
	memcpy(rec + 56, b.root, DRILL_HASH_LEN);
	if (fwrite(rec, 1, REC_LEN, t->f) != REC_LEN)
		return drill_err(DRILL_EFAIL, "truth: cannot append block %" PRIu64 ": %s", b.id,
				 strerror(errno));
	t->last = b.id;
	memcpy(t->digest, b.digest, DRILL_HASH_LEN);
	memcpy(t->root, b.root, DRILL_HASH_LEN);

	for (uint32_t i = 0; i < n; i++)
		t->u[i] = (struct drill_req_update){t->kv[i].key, t->kv[i].klen, t->kv[i].val,
						    t->kv[i].vlen};
	struct drill_req r = {.sn = sn, .ts_ms = ts_ms, .kind = DRILL_REQ_WRITE, .n = n, .u = t->u};
	return drill_req_batch_add(batch, &r);
}

uint64_t drill_truth_last(const struct drill_truth *t)
{
	return t->last;
}

const uint8_t *drill_truth_last_digest(const struct drill_truth *t)
{
	return t->last ? t->digest : NULL;
}

uint32_t drill_truth_epoch(const struct drill_truth *t)
{
	return t->epoch;
}

int drill_truth_get(struct drill_truth *t, uint64_t id, struct drill_truth_rec *rec)
{
	if (id == 0 || id > t->last)
		return drill_err(DRILL_ENOTFOUND, "truth: no block %" PRIu64 " (last is %" PRIu64 ")",
				 id, t->last);
	if (fflush(t->f) != 0)
		return drill_err(DRILL_EFAIL, "truth: flush: %s", strerror(errno));
	uint8_t buf[REC_LEN];
	if (pread(fileno(t->f), buf, REC_LEN, (off_t)(id - 1) * REC_LEN) != REC_LEN)
		return drill_err(DRILL_EFAIL, "truth: cannot read block %" PRIu64, id);
	rec->sn = drill_get_be64(buf);
	rec->ts_ms = drill_get_be64(buf + 8);
	rec->epoch = drill_get_be32(buf + 16);
	memcpy(rec->digest, buf + 24, DRILL_HASH_LEN);
	memcpy(rec->root, buf + 56, DRILL_HASH_LEN);
	return 0;
}

int drill_truth_rollback(struct drill_truth *t, uint64_t id)
{
	if (id > t->last)
		return drill_err(DRILL_EINPUT, "truth: cannot roll back to %" PRIu64 ", past the last "
				 "block %" PRIu64, id, t->last);
	struct drill_truth_rec rec;
	if (fflush(t->f) != 0)
		return drill_err(DRILL_EFAIL, "truth: flush: %s", strerror(errno));
	memset(t->terms, 0, t->w.key_space * DRILL_HASH_LEN);
	for (uint64_t b = 1; b <= id; b++) {
		int rc = drill_truth_get(t, b, &rec);
		if (rc)
			return rc;
		generate(t, rec.epoch, rec.sn);
		apply_terms(t, 0);
		if (b == id) {
			memcpy(t->digest, rec.digest, DRILL_HASH_LEN);
			memcpy(t->root, rec.root, DRILL_HASH_LEN);
		}
	}
	if (id == 0) {
		memset(t->digest, 0, DRILL_HASH_LEN);
		memset(t->root, 0, DRILL_HASH_LEN);
	}
	if (ftruncate(fileno(t->f), (off_t)id * REC_LEN) != 0 ||
	    fseeko(t->f, (off_t)id * REC_LEN, SEEK_SET) != 0)
		return drill_err(DRILL_EFAIL, "truth: truncate: %s", strerror(errno));
	t->last = id;
	t->epoch++;
	return 0;
}

int drill_truth_save(struct drill_truth *t, const char *path)
{
	if (fflush(t->f) != 0)
		return drill_err(DRILL_EFAIL, "truth: flush: %s", strerror(errno));
	FILE *out = drill_beneath_fopen(path, "wb");
	if (!out)
		return DRILL_EFAIL;
	uint8_t buf[REC_LEN];
	int rc = 0;
	for (uint64_t b = 0; b < t->last && !rc; b++)
		if (pread(fileno(t->f), buf, REC_LEN, (off_t)(b * REC_LEN)) != REC_LEN ||
		    fwrite(buf, 1, REC_LEN, out) != REC_LEN)
			rc = drill_err(DRILL_EFAIL, "truth: saving to %s: %s", path, strerror(errno));
	if (fclose(out) != 0 && !rc)
		rc = drill_err(DRILL_EFAIL, "%s: %s", path, strerror(errno));
	return rc;
}

int drill_truth_saved_get(const char *path, uint64_t id, struct drill_truth_rec *rec)
{
	FILE *in = fopen(path, "rb");
	if (!in)
		return drill_err(DRILL_ENOTFOUND, "%s: %s", path, strerror(errno));
	uint8_t buf[REC_LEN];
	int ok = id > 0 && pread(fileno(in), buf, REC_LEN, (off_t)(id - 1) * REC_LEN) == REC_LEN;
	fclose(in);
	if (!ok)
		return drill_err(DRILL_ENOTFOUND, "%s: no block %" PRIu64, path, id);
	rec->sn = drill_get_be64(buf);
	rec->ts_ms = drill_get_be64(buf + 8);
	rec->epoch = drill_get_be32(buf + 16);
	memcpy(rec->digest, buf + 24, DRILL_HASH_LEN);
	memcpy(rec->root, buf + 56, DRILL_HASH_LEN);
	return 0;
}

int drill_truth_load(struct drill_truth *t, const char *path, uint64_t n)
{
	FILE *in = fopen(path, "rb");
	if (!in)
		return drill_err(DRILL_EFAIL, "%s: %s", path, strerror(errno));
	if (fflush(t->f) != 0 || fseeko(t->f, 0, SEEK_SET) != 0) {
		fclose(in);
		return drill_err(DRILL_EFAIL, "truth: %s", strerror(errno));
	}
	uint8_t buf[REC_LEN];
	int rc = 0;
	for (uint64_t b = 0; b < n && !rc; b++)
		if (fread(buf, 1, REC_LEN, in) != REC_LEN || fwrite(buf, 1, REC_LEN, t->f) != REC_LEN)
			rc = drill_err(DRILL_EFAIL, "truth: loading block %" PRIu64 " from %s", b + 1,
				       path);
	fclose(in);
	if (rc)
		return rc;
	if (n > t->last)
		t->last = n;
	return drill_truth_rollback(t, n); /* recomputes the state and truncates after n */
}
