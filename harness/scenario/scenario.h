/* scenario/scenario.h — a drill scenario (docs/design.md §3, contract), loaded from YAML and
 * validated.
 *
 * Loading never returns a half-valid scenario: any problem is an error with the file, line and
 * column of the offending node, e.g. "scenarios/x.yaml:12:5: cluster.replicas: must be 3f+1 with
 * f >= 1 (4, 7, 10, ...), got 5". Unknown keys, wrong types and out-of-range values are errors. */
#ifndef DRILL_SCENARIO_SCENARIO_H
#define DRILL_SCENARIO_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

enum drill_reclaim { DRILL_RECLAIM_RETAIN, DRILL_RECLAIM_DELETE };

enum drill_step_kind {
	DRILL_STEP_WRITE,      /* write: {blocks: N} */
	DRILL_STEP_CHECKPOINT, /* checkpoint: {} — the operator's `db-checkpoint create` */
	DRILL_STEP_BACKUP,     /* backup: {name: S} — storage copy through the vendor */
	DRILL_STEP_STOP,       /* stop: {replica: I} — one replica goes down, others keep ordering */
	DRILL_STEP_START,      /* start: {replica: I} — it comes back and catches up */
	DRILL_STEP_UNINSTALL,  /* uninstall: {} — helm uninstall: claims deleted (volumes too if Delete) */
	DRILL_STEP_INSTALL,    /* install: {} — helm install again */
	DRILL_STEP_FAULT,      /* fault: {kind: K, ...params} */
	DRILL_STEP_RESTORE,    /* restore: {from: S, checkpoint: latest-common | ID | none} */
	DRILL_STEP_VALIDATE,   /* validate: {blocks: N} — functional validation */
};

struct drill_param {
	char *key;
	char *value; /* scalar as written */
	int line, col;
	int plain;   /* written without quotes: only then a number or a boolean (docs/scenario.md) */
};

struct drill_step {
	enum drill_step_kind kind;
	int line, col; /* of the step's key, for messages */
	uint64_t blocks;   /* write, validate */
	char *name;        /* backup: name; restore: from */
	int latest_common; /* restore: 1 = latest-common, else `checkpoint` */
	int restore_live;  /* restore: `checkpoint: none` — the storage copy as is, no checkpoint */
	uint64_t checkpoint;
	int replica;       /* stop, start: index 0..n-1 */
	char *fault_kind;  /* fault */
	struct drill_param *params; /* fault parameters other than kind, in file order */
	size_t n_params;
};

/* Expected outcome; only the fields marked present are compared. */
struct drill_expect {
	int has_verdict;
	char *verdict;          /* consistent | recoverable | divergent | unrecoverable */
	int has_restored_block;
	uint64_t restored_block;
	int has_agreed_block;
	uint64_t agreed_block;
	int has_data_loss;
	int data_loss;          /* committed blocks lost without a restore asking for it */
	int has_failed_step;
	char *failed_step;      /* step kind that must fail, e.g. "restore" */
	char *error;            /* substring the failure message must contain (with failedStep) */
};

struct drill_scenario {
	char *path;        /* file it was loaded from */
	char *name;        /* [a-z0-9][a-z0-9-]*, ≤ 63 chars */
	char *description;
	uint64_t seed;
	char *platform;    /* local | kind | minikube */
	/* cluster */
	char *namespace_;
	char *blockchain_id;
	int replicas;      /* n = 3f+1, f ≥ 1 */
	char **zones;
	size_t n_zones;
	int has_run_as_user;  /* cluster.runAsUser given: the replicas' uid (and gid) */
	uint32_t run_as_user;
	char *storage_class;
	enum drill_reclaim reclaim;
	/* replicaCheckpointBackup (VMBC Helm values; defaults are the chart's) */
	int ckpt_enabled;           /* false */
	uint32_t ckpt_keep;         /* numberOfCheckpoints: 2, range 1..100 */
	uint64_t ckpt_interval_s;   /* checkpointIntervalInSeconds: 21600 */
	uint64_t ckpt_window;       /* checkpointWindow: 30000 */
	/* workload */
	uint32_t keys_per_block;    /* 4 */
	uint32_t value_size;        /* 256 */
	uint64_t key_space;         /* 10000 */
	uint64_t block_interval_ms; /* 100 */
	/* storage */
	char *vendor;               /* hostpath-copy */
	int vendor_line, vendor_col; /* where storage.vendor is written (0: not written) */
	char *vendor_program;       /* storage.program (exec): as written, relative to the file's directory */
	uint32_t vendor_timeout_s;  /* storage.timeoutSeconds: 60, range 1..3600 */
	char *vendor_snapshot_class; /* storage.snapshotClass (csi-snapshot), or NULL */
	struct drill_step *steps;
	size_t n_steps;
	struct drill_expect expect;
};

/* Load and validate (docs/scenario.md). On failure returns DRILL_EINPUT and drill_err_last() is
 * "FILE:LINE:COL: message", or "FILE: cannot open: ..." when the file cannot be read (a bad path
 * is an input error, exit code 2). Fault kinds are checked against the fault registry by the
 * caller (scenario has no dependency on faults). */
int drill_scenario_load(struct drill_scenario **out, const char *path);
void drill_scenario_free(struct drill_scenario *s);

const char *drill_step_kind_name(enum drill_step_kind k); /* "write", "backup", ... */

/* The value of a fault parameter, or NULL. */
const struct drill_param *drill_step_param(const struct drill_step *st, const char *key);

#endif
