/* platform/platform.h — where replicas run: the driver interface, and the platforms.
 *
 * `local` (the embedded default) stands in for what the runbook relies on, inside the workspace:
 *   - a namespace and a StorageClass with reclaimPolicy Retain or Delete;
 *   - one claim per replica, concord-pvc-<blockchainId>-replica-<i>, whose volume is the
 *     directory <workspace>/hostpath-provisioner/<namespace>/<claim>/ (minikube's hostpath
 *     provisioner names it so); the replica's data is <volume>/<ns>/<bc>/replica-<i>/rocksdbdata;
 *   - replicas as processes (`chaindrill replica`), each in its own process group with a
 *     parent-death signal, logs in <workspace>/logs/replica-<i>.log;
 *   - `helm upgrade --reuse-values --set global.replicaCount=0|1` as scale(0|1): SIGTERM every
 *     replica and wait until none runs, or start every replica and wait until each is ready;
 *   - `helm uninstall` deletes the claims and, with reclaimPolicy Delete, their volumes.
 * Its state (installed, replicaCount, claims) lives in <workspace>/platform/ as JSON.
 * `kind` and `minikube` (kube.h, docs/platforms.md) drive a cluster of Docker containers with
 * their program, helm, kubectl and the Kubernetes API; opening them fails with DRILL_EENV naming
 * every piece that is missing. */
#ifndef DRILL_PLATFORM_PLATFORM_H
#define DRILL_PLATFORM_PLATFORM_H

#include "replica/ckpt.h"
#include "scenario/scenario.h"

#include <stddef.h>
#include <stdint.h>

struct drill_cluster_spec {
	const char *namespace_;
	const char *blockchain_id;
	int replicas;
	const char *storage_class;
	enum drill_reclaim reclaim;
	struct drill_ckpt_config ckpt;
	const char *replica_exe; /* program started as `EXE replica ...`; NULL: this executable */
	int has_run_as_user;     /* the pods' securityContext.runAsUser (and group); else ours */
	uint32_t run_as_user;
	/* kind and minikube: the Helm release (the scenario's name; NULL: "chaindrill") and the
	 * nodes' zones (replica i in zones[i % n_zones]; more than one: kind's three-zone config). */
	const char *release;
	const char *const *zones;
	size_t n_zones;
};

struct drill_platform;

struct drill_platform_ops {
	const char *name;
	/* helm install: create claims (and volumes), start replicas, wait until ready. */
	int (*install)(struct drill_platform *p);
	/* helm uninstall: stop replicas, delete claims; volumes too when reclaimPolicy is Delete. */
	int (*uninstall)(struct drill_platform *p);
	/* helm upgrade --set global.replicaCount=0|1 (every replica at once). */
	int (*scale)(struct drill_platform *p, int replica_count);
	/* Optional: scale(p, 0) before a restore that replaces every replica's database: the
	 * replicas need not flush their memtables, which the restore deletes (local: SIGUSR1; see
	 * `chaindrill replica --help`). NULL: the restore calls scale(p, 0). */
	int (*stop_for_restore)(struct drill_platform *p);
	/* One replica down or up (a node failure and its return; start waits for ready). */
	int (*stop_replica)(struct drill_platform *p, int i);
	int (*start_replica)(struct drill_platform *p, int i);
	/* Optional: SIGKILL replica i's process (a crash: no clean shutdown), reap it and mark it
	 * down; *status gets its wait status. Later steps see it down; start_replica brings it
	 * back. DRILL_EINPUT when it is not running. */
	int (*kill_replica)(struct drill_platform *p, int i, int *status);
	/* 1 if replica i runs and is ready. */
	int (*replica_up)(struct drill_platform *p, int i);
	/* Optional: when replica i's process has ended without being asked to (RocksDB aborting on
	 * damaged data, a full disk, a crash), *why gets how it ended and the end of its log, which
	 * is kept outside its volume (malloc'd; 0). DRILL_ENOTFOUND while it runs, or when it was
	 * stopped or never started. Call through drill_platform_replica_failure. */
	int (*replica_failure)(struct drill_platform *p, int i, char **why);
	/* "http://127.0.0.1:PORT" of a running replica (malloc'd), DRILL_ENOTFOUND when down. */
	int (*replica_url)(struct drill_platform *p, int i, char **url);
	/* Host path of replica i's volume root (malloc'd), whether or not it exists. */
	int (*volume_root)(struct drill_platform *p, int i, char **path);
	/* Stop everything this platform started; the object is freed. NULL-safe via the wrapper. */
	void (*destroy)(struct drill_platform *p);
};

struct drill_platform {
	const struct drill_platform_ops *ops;
	struct drill_cluster_spec spec;
	char *workspace;
	void *impl;
	/* Optional, set by the drill engine: called right after replica i's process `pid` was
	 * started, before the platform waits for it to be ready (a fault may kill it there). */
	void (*on_spawn)(struct drill_platform *p, int i, int pid, void *arg);
	void *on_spawn_arg;
};

/* Open platform `name` ("local", "kind", "minikube") on `workspace` (which exists). */
int drill_platform_open(struct drill_platform **out, const char *name, const char *workspace,
			const struct drill_cluster_spec *spec);
void drill_platform_destroy(struct drill_platform *p);

/* ops->replica_failure where the platform has it; DRILL_ENOTFOUND (and *why NULL) where not. */
int drill_platform_replica_failure(struct drill_platform *p, int i, char **why);

/* Paths of the runbook's layout, malloc'd. */
char *drill_platform_claim_name(const struct drill_cluster_spec *s, int i);  /* concord-pvc-<bc>-replica-<i> */
char *drill_platform_data_subpath(const struct drill_cluster_spec *s, int i); /* <ns>/<bc>/replica-<i>/rocksdbdata */

/* Find and stop what a crashed run left in `workspace`: replica processes recorded in
 * <workspace>/run/replica-<i>.pid that are still ours (checked against /proc/<pid>/cmdline).
 * Returns the number stopped (≥ 0) or an error. */
int drill_platform_reap_stale(const char *workspace);

#endif
