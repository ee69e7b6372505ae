/* drill/truth.h — the chain the driver knows it wrote.
 *
 * The driver orders every request, so it can compute the chain itself, independently of the
 * replicas: it keeps term(k, v) of every key of the key space in memory (32 bytes a key) and the
 * last digest and root, and appends one record per block to <workspace>/truth.bin:
 *   sn u64 | ts_ms u64 | epoch u32 | reserved u32 | digest[32] | root[32]   (88 bytes, block b at
 *   offset (b−1)·88). A restore rolls the truth back to the restored block by truncating the file
 * and replaying the workload of the surviving blocks, which is deterministic from the seed. */
#ifndef DRILL_DRILL_TRUTH_H
#define DRILL_DRILL_TRUTH_H

#include "chain/root.h"
#include "chain/workload.h"
#include "util/bytes.h"

#include <stdint.h>
#include <stdio.h>

struct drill_truth_rec {
	uint64_t sn, ts_ms;
	uint32_t epoch;
	uint8_t digest[DRILL_HASH_LEN], root[DRILL_HASH_LEN];
};

struct drill_truth;

int drill_truth_open(struct drill_truth **out, const char *path, const struct drill_workload *w,
		     uint64_t seed);
void drill_truth_free(struct drill_truth *t);

/* Generate the write ordered at (sn, ts_ms) in the current epoch, compute its block, record it,
 * and append the request to the order batch `batch`. */
int drill_truth_write(struct drill_truth *t, uint64_t sn, uint64_t ts_ms, struct drill_buf *batch);

uint64_t drill_truth_last(const struct drill_truth *t);
const uint8_t *drill_truth_last_digest(const struct drill_truth *t); /* NULL when empty */
int drill_truth_get(struct drill_truth *t, uint64_t id, struct drill_truth_rec *rec);
/* Forget blocks after `id` and rebuild the state from the records that remain; the epoch goes up
 * so that later writes differ from the forgotten ones. */
int drill_truth_rollback(struct drill_truth *t, uint64_t id);
/* What the driver knew when a backup was taken, kept beside it: a restore from that backup brings
 * the driver's record back to it, even after the cluster lost its volumes (reclaimPolicy Delete)
 * and the record was rolled back to the empty chain. load makes blocks 1..n those of the saved
 * file and continues from block n in a new epoch. */
int drill_truth_save(struct drill_truth *t, const char *path);
int drill_truth_load(struct drill_truth *t, const char *path, uint64_t n);
int drill_truth_saved_get(const char *path, uint64_t id, struct drill_truth_rec *rec);
uint32_t drill_truth_epoch(const struct drill_truth *t);

#endif
