/* drill/drill.h — the drill engine: one scenario, from install to verdict.
 *
 * A drill installs the cluster on a platform, runs the scenario's steps (writes ordered by the
 * driver in place of consensus, operator checkpoints, storage backups, faults, the runbook's
 * restore, functional validation), then stops the replicas, verifies every replica's database
 * (docs/design.md §5), compares what it finds with the chain the driver knows it wrote (truth.h),
 * and compares the outcome with the scenario's `expect`. Everything it does is recorded, step by
 * step with timings, in a JSON report object (docs/reports.md). */
#ifndef DRILL_DRILL_DRILL_H
#define DRILL_DRILL_DRILL_H

#include "replica/proto.h"
#include "scenario/scenario.h"

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct drill_run_opts {
	const char *workspace;   /* this scenario's workspace directory (created if absent) */
	const char *platform;    /* overrides the scenario's platform when non-NULL */
	int has_seed;            /* --seed overrides the scenario's seed */
	uint64_t seed;
	int keep;                /* keep the workspace even when the outcome matched */
	const char *replica_exe; /* NULL: this executable */
	const char *rerun;       /* the command that reruns this drill, for the report */
	int hold;                /* `up`: after the steps, keep the cluster until SIGINT/SIGTERM */
	int after_crash;         /* the rerun after a driver-crash fault killed the first attempt */
};

/* Run one scenario. *report receives the scenario's report object (caller json_decref) in every
 * case but a workspace that cannot be used. Returns 0 when the drill ran to its verdict (whether
 * the outcome matched is report["matched"]), DRILL_EENV when the platform is missing, DRILL_EINPUT
 * for an unusable workspace, DRILL_EFAIL when interrupted. */
int drill_run(json_t **report, const struct drill_scenario *sc, const struct drill_run_opts *o);

/* Everything `run` resolves by name in a loaded scenario, checked as `run` resolves it (the
 * same functions): the storage vendor (storage/storage.h), then every fault kind and its
 * parameters (faults/faults.h). `validate`, `run`, `up` and `vendor-check` call it before
 * anything runs. 0 or DRILL_EINPUT with "FILE:LINE:COL: ...". */
int drill_check_scenario(const struct drill_scenario *sc);

/* drill_run, but a scenario with a `driver-crash` fault runs in a child process: when the fault
 * kills that child (SIGKILL mid-copy, leaving <ws>/driver-crash.json), the drill is run again in
 * the same workspace, which must recover what the dead driver left (recoveredInterruptedRun).
 * The report is the rerun's, with "attempts" (both) and "driverCrash". Other scenarios: drill_run. */
int drill_run_supervised(json_t **report, const struct drill_scenario *sc,
			 const struct drill_run_opts *o);

/* `chaindrill clean`: remove a workspace a run left (kept with --keep or after a differing
 * outcome, or interrupted): stop its leftover replica processes, then remove it the way a finished
 * run does (under its lock, backups hidden first, the marker last). *record (caller json_decref)
 * says what was found: {"workspace", "state" (run.json's, or null), "replicasStopped",
 * "partialCopiesRemoved"}. A directory that does not exist is nothing to clean (0, *record NULL);
 * one without the workspace marker, or held by a running chaindrill, is DRILL_EINPUT and is not
 * touched. */
int drill_workspace_clean(const char *ws, json_t **record);

/* Before a command changes the cluster a workspace runs (db-checkpoint create; `what` names it in
 * the message): 0 when no other chaindrill process drives that cluster. Then *lockfd holds the
 * workspace's lock, so that no run or clean starts until drill_workspace_release(*lockfd); or it
 * is -1: nobody ever claimed the workspace, or `chaindrill up` holds it and has finished its steps
 * (it only keeps the cluster running for such commands). DRILL_EINPUT, naming the process (pid and
 * command line), when a run, an `up` still at its steps, or a clean holds it. */
int drill_workspace_operate(int *lockfd, const char *ws, const char *what);
void drill_workspace_release(int lockfd);

/* Set by SIGINT/SIGTERM once drill_signals_install() ran; the engine stops at the next step
 * boundary or batch, tears the cluster down and reports the run as interrupted. */
extern volatile sig_atomic_t drill_interrupted; /* the signal's number, 0 until one came */
void drill_signals_install(void);
/* Once interrupted: "SIGINT" or "SIGTERM"; the exit code of an interrupted command, 128 + the
 * signal (130, 143; 0 when not interrupted); passing the signal on to a child that runs a drill
 * (--jobs, the supervised drill), which then stops and reports as this process does. */
const char *drill_interrupt_name(void);
int drill_interrupt_exit_code(void);
void drill_interrupt_forward(pid_t pid);

/* --- The operator's commands on a running cluster (concop db-checkpoint) ---------------------- */

/* A running cluster as the operator sees it: its size, the base URL of each running replica
 * (NULL when replica i is down) and its consensus clock. The drill engine writes
 * <workspace>/cluster.json when it installs; the replicas' port and pid files are in run/. */
struct drill_cluster_info {
	size_t n;
	char **urls;
	uint64_t block_interval_ms;
};
int drill_cluster_open(struct drill_cluster_info *ci, const char *workspace);
void drill_cluster_info_free(struct drill_cluster_info *ci);

/* Order a db-checkpoint create (at the cluster's next sequence number) and the no-ops that bring
 * the cluster to the sequence number it is scheduled at, on every running replica. *ordered_sn and
 * *taken_sn tell when; sts[i] (for running i; may be NULL) the replicas' status afterwards (caller
 * frees each with drill_replica_status_free). Holds <workspace>/run/order.lock while ordering. */
int drill_order_checkpoint(uint64_t *ordered_sn, uint64_t *taken_sn,
			   struct drill_replica_status *sts, const struct drill_cluster_info *ci,
			   const char *workspace);

/* The order lock: the driver and the operator's commands never order at the same time. */
int drill_order_lock(const char *workspace); /* returns an fd ≥ 0 or a DRILL_E* code */
void drill_order_unlock(int fd);

#endif
