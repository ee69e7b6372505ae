/* drill/engine_internal.h — the state one drill carries between its steps (engine.c, restore.c). */
#ifndef DRILL_DRILL_ENGINE_INTERNAL_H
#define DRILL_DRILL_ENGINE_INTERNAL_H

#include "drill/drill.h"
#include "drill/truth.h"
#include "faults/faults.h"
#include "platform/platform.h"
#include "storage/storage.h"

#include <jansson.h>

struct drill_backup_rec {
	char *name;
	uint64_t truth_last; /* the last block the driver had ordered when the copy was taken */
};

struct drill {
	const struct drill_scenario *sc;
	const struct drill_run_opts *o;
	uint64_t seed;
	int n, f;
	char *ws;
	struct drill_cluster_spec spec;
	struct drill_platform *plat;
	struct drill_vendor *vendor;
	char *vendor_program; /* storage.program resolved (the vendor config borrows it) */
	struct drill_truth *truth;
	int installed;
	char **urls;   /* n entries, NULL when replica i is down */
	uint64_t seq;  /* last sequence number ordered */
	struct drill_backup_rec *backups;
	size_t n_backups;
	/* restore bookkeeping */
	int restored;
	uint64_t restored_block;
	double rto_start;  /* wall clock at scale-down; < 0 when no RTO is being measured */
	json_t *last_restore; /* the last restore's report object (borrowed from steps) */
	struct drill_fault_plan plan; /* faults armed for later steps */
	struct drill_proc_run *proc;  /* process.c: the armed process faults while a step runs */
	/* report pieces */
	json_t *steps, *data_loss, *faults;
};

/* engine.c */
int drill_engine_refresh_urls(struct drill *d);
int drill_engine_statuses(struct drill *d, struct drill_replica_status *sts); /* running only */
void drill_engine_statuses_free(struct drill *d, struct drill_replica_status *sts);
char *drill_engine_data_dir(struct drill *d, int i); /* host path of replica i's rocksdbdata */
char *drill_engine_truth_at_backup(struct drill *d, const char *backup); /* the saved record */
/* Order `blocks` writes on every running replica and check them against the truth. */
int drill_engine_order_writes(struct drill *d, uint64_t blocks, json_t *details);

/* restore.c: the ids under data_dir/checkpoints/, ascending (none without that directory). */
int drill_engine_list_checkpoints(uint64_t **ids, size_t *n, const char *data_dir);

/* foreign.c: another run's checkpoint, for the foreign-checkpoint fault. */
int drill_engine_foreign_checkpoint(struct drill_fault_ctx *ctx, int replica, uint64_t id,
				    uint64_t seed, int other_chain, const char *dest);

/* Order `blocks` writes on every running replica and check them against the truth. */
int drill_engine_order_writes(struct drill *d, uint64_t blocks, json_t *details);

/* process.c: the engine's side of the process and timing faults (faults/process.c arms them).
 * step_begin/step_end bracket every step (copies of a backup or restore are watched through the
 * fs copy hook while one is armed for it); write_budget is how many blocks may be ordered before
 * an armed event (UINT64_MAX: none), blocks_ordered counts them and fires it; restore_point is
 * called by the restore flow before a substep. */
void drill_process_step_begin(struct drill *d, const struct drill_step *st, json_t *details);
int drill_process_step_end(struct drill *d, const struct drill_step *st, json_t *details, int rc);
uint64_t drill_process_write_budget(struct drill *d);
int drill_process_blocks_ordered(struct drill *d, uint64_t n);
int drill_process_restore_point(struct drill *d, const char *substep);
void drill_process_free(struct drill *d);

/* engine.c: a step as the run summary and `run --plan` name it: "write 6000 blocks", "restore
 * nightly latest-common" (malloc'd). */
char *drill_engine_step_label(const struct drill_step *st);
/* restore.c: the runbook's restore flow; fills `details`. */
int drill_engine_set_identity(const char *db_dir, int i); /* replica.id of a copied database */
int drill_restore_run(struct drill *d, const struct drill_step *st, json_t *details);
/* A restore substep failed: recorded in `sub` as the others are, with "status": "failed" (the
 * substep's record already there gets it), and the error wrapped with the substep's name. */
int drill_restore_failed(json_t *sub, const char *name, double t0, int rc);
/* restore_live.c: `checkpoint: none`, after restore-volumes: the rest of a restore that puts the
 * storage copy back as is. `sub` is the substep list, `before` the driver's last block. */
int drill_restore_live(struct drill *d, const struct drill_step *st, json_t *details, json_t *sub,
		       uint64_t before);

#endif
