/* faults/faults.h — the fault registry: named ways a backup or restore goes wrong, injected on
 * purpose by a scenario's `fault:` step. */
#ifndef DRILL_FAULTS_FAULTS_H
#define DRILL_FAULTS_FAULTS_H

#include "platform/platform.h"
#include "scenario/scenario.h"
#include "storage/storage.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* What a fault arms for a later step rather than doing at once: the step that meets an armed fault
 * acts it out (and records it) and disarms it. Arrays have one entry per replica. */
enum drill_copy_variant {
	DRILL_COPY_NO_FOLLOW = 1 << 0,   /* cp -r -p without -L: checkpoint hard links stay links */
	DRILL_COPY_NO_PRESERVE = 1 << 1, /* cp -r -L without -p: owner, mode and times are lost */
	DRILL_COPY_KEEP_LOCK = 1 << 2,   /* the runbook's `rm rocksdbdata/LOCK` is skipped */
	DRILL_COPY_NO_RM = 1 << 3,       /* rocksdbdata's old files are not removed first */
};
struct drill_restore_faults {
	int armed;                 /* any of the below is set */
	int skip_scale_down;       /* restore-while-running: the runbook's stop step is skipped */
	uint64_t race_writes;      /* ... and the clients keep writing: blocks ordered after each
				    * replica's copy */
	int copy_umask;            /* the copier's umask under DRILL_COPY_NO_PRESERVE */
	unsigned *copy;            /* enum drill_copy_variant bits per replica */
	int64_t *interrupt_after;  /* copy-checkpoint stops after k files (-1: not) */
	uint64_t *checkpoint;      /* restore this id on replica i instead of the chosen one (0: not;
				    * DRILL_CKPT_PREVIOUS: its newest one older than the chosen) */
	int *source;               /* take replica i's checkpoint from replica source[i]'s volume (-1) */
	int *reset_identity;       /* ... and reset its identity to replica-i (1) or keep it (0) */
};
#define DRILL_CKPT_PREVIOUS UINT64_MAX
/* Process and timing faults (faults/process.c), acted out by the engine (drill/process.c). */
enum drill_proc_moment {
	DRILL_PROC_OFF = 0,
	DRILL_PROC_WRITE,   /* the next write step, once `after_blocks` of its blocks are ordered */
	DRILL_PROC_BACKUP,  /* the next backup, once its copy examined `after_files` entries */
	DRILL_PROC_RESTORE, /* the next restore, at substep `substep` */
};
struct drill_process_faults {
	/* kill-replica: SIGKILL `kill_replica` at the armed moment */
	enum drill_proc_moment kill_when;
	int kill_replica;
	uint64_t kill_after;         /* blocks (write) or entries (backup) */
	char kill_substep[24];       /* restore: scale-down | scale-up */
	json_t *kill_details;        /* the fault step's details, to record when it fired */
	/* torn-live-snapshot: the next backup copies volume i after i × stagger more blocks */
	uint64_t stagger_blocks;     /* 0: off */
	json_t *stagger_details;
	/* driver-crash: the driver SIGKILLs itself once the armed copy examined `crash_after`
	 * entries, after writing <ws>/driver-crash.json */
	enum drill_proc_moment crash_when;
	uint64_t crash_after;
	int rerun;                   /* set by the engine on the rerun: the crash does not repeat */
	json_t *crash_details;
	/* disk-pressure: what each replica was told (0: nothing), for the report */
	uint64_t *volume_size;
};
struct drill_fault_plan {
	struct drill_restore_faults restore;
	struct drill_process_faults proc;
};
void drill_fault_plan_init(struct drill_fault_plan *p, int replicas);
void drill_fault_plan_disarm_restore(struct drill_fault_plan *p, int replicas);
void drill_fault_plan_free(struct drill_fault_plan *p);
void drill_fault_plan_disarm_process(struct drill_fault_plan *p);

/* What an injector may act on; filled in by the drill engine for each fault step. */
struct drill_fault_ctx {
	const struct drill_scenario *sc;
	struct drill_platform *platform;
	struct drill_vendor *vendor;
	const char *workspace;
	uint64_t seed;    /* the drill's seed mixed with the step's index (or the step's `seed`) */
	json_t *details;  /* what the fault did, recorded in the report */
	struct drill_fault_plan *plan; /* what it arms for later steps */
	/* Another run's checkpoint `id`, written by a real replica from workload seed `seed`
	 * (`other_chain`: another blockchain's workload shape too), with replica.id = `replica`,
	 * copied to `dest` (which must not exist). Provided by the drill engine. */
	int (*foreign_checkpoint)(struct drill_fault_ctx *ctx, int replica, uint64_t id,
				  uint64_t seed, int other_chain, const char *dest);
	void *engine;
};

struct drill_fault_kind {
	const char *name;
	const char *params;  /* one line: "replica=I target=live|backup:NAME|checkpoint:ID ..." */
	const char *summary; /* one line */
	/* Check the step's parameters (message with line:column on error). */
	int (*check)(const struct drill_step *st, const struct drill_scenario *sc);
	int (*inject)(struct drill_fault_ctx *ctx, const struct drill_step *st);
};

const struct drill_fault_kind *drill_fault_find(const char *name); /* NULL if unknown */
size_t drill_fault_count(void);
const struct drill_fault_kind *drill_fault_at(size_t i);

/* SIGKILL replica `replica` through the platform now, recording replica, signal and wait status
 * into `record` (kill-replica's act, shared with the engine that fires an armed kill). */
int drill_fault_kill_replica_now(struct drill_platform *p, int replica, json_t *record);

/* Check every fault step of a scenario against the registry. 0 or DRILL_EINPUT with
 * "FILE:LINE:COL: ..." */
int drill_faults_check_scenario(const struct drill_scenario *sc);

#endif
