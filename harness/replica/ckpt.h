/* replica/ckpt.h — when a replica takes a DB checkpoint (docs/design.md §3), as pure functions.
 *
 * Concord's DbCheckpointManager, simplified. A BFT checkpoint falls on every sequence number
 * divisible by 150. There, with the feature enabled, a replica takes a DB checkpoint if either
 *   periodic: sn − last_seq ≥ window  and  ts(sn) − last_ts ≥ interval, or
 *   operator: sn is the one `db-checkpoint create` scheduled (the next multiple of 150 strictly
 *             after the sequence number at which the command was ordered).
 * Its id is the last block id; none is taken when that id exists already or the chain is empty.
 * Every checkpoint (periodic or operator) resets last_seq/last_ts. Afterwards the oldest are
 * pruned down to `keep`. */
#ifndef DRILL_REPLICA_CKPT_H
#define DRILL_REPLICA_CKPT_H

#include <stddef.h>
#include <stdint.h>

#define DRILL_BFT_CHECKPOINT_WINDOW 150

struct drill_ckpt_config {
	int enabled;
	uint32_t keep;        /* numberOfCheckpoints, 1..100 */
	uint64_t interval_s;  /* checkpointIntervalInSeconds */
	uint64_t window;      /* checkpointWindow, in sequence numbers */
};

struct drill_ckpt_state {
	uint64_t last_seq;      /* sequence number of the last DB checkpoint, 0 if none */
	uint64_t last_ts_ms;    /* its consensus time */
	uint64_t scheduled_seq; /* operator checkpoint due at this sn, 0 if none */
};

enum drill_ckpt_reason { DRILL_CKPT_NONE = 0, DRILL_CKPT_PERIODIC, DRILL_CKPT_OPERATOR };

/* The sequence number an operator checkpoint ordered at `ordered_sn` is taken at. */
uint64_t drill_ckpt_schedule(uint64_t ordered_sn);

/* Decide at sequence number sn (consensus time ts_ms) with last block `last_block`;
 * `id_exists` tells whether a checkpoint with id last_block is already retained. */
enum drill_ckpt_reason drill_ckpt_decide(const struct drill_ckpt_config *cfg,
					 const struct drill_ckpt_state *st, uint64_t sn,
					 uint64_t ts_ms, uint64_t last_block, int id_exists);

/* After a checkpoint at (sn, ts_ms): the new state (scheduled cleared if it was due). */
void drill_ckpt_taken(struct drill_ckpt_state *st, uint64_t sn, uint64_t ts_ms);

/* Retention: of `n` retained ids, how many of the oldest to prune. */
size_t drill_ckpt_prune_count(const struct drill_ckpt_config *cfg, size_t n);

/* Disk pressure (Concord's DbCheckpointManager::checkAndRemove): a volume of `volume_size` bytes
 * of which `used` are in use has too little room when what is free is below threshold_pct % of
 * the live database's size `db_size` (Concord's dbCheckpointDiskSpaceThreshold, 0.5 by default).
 * The monitor then removes the oldest checkpoint, one per check. 1 if too little room. */
#define DRILL_DISK_THRESHOLD_PCT 50
#define DRILL_DISK_MONITOR_S 60 /* dbCheckpointMonitorIntervalSeconds */
int drill_ckpt_low_disk(uint64_t volume_size, uint64_t used, uint64_t db_size,
			uint32_t threshold_pct);

#endif
