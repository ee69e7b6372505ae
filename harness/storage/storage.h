/* storage/storage.h — storage vendors: bit-level copies of the replicas' volumes.
 *
 * A vendor backs up every replica volume under a name and restores them. The restore flow then
 * takes the checkpoint from the vendor's restored copy (`source_root`), as the runbook's EKS flow
 * copies from the restored volume mounted beside the original.
 *
 * `hostpath-copy` (the runbook's minikube flow): backup = a copy of every volume root to
 * <workspace>/backups/<name>/<claim>/, written under <name>.partial-<pid> and renamed when
 * complete, so a backup that exists is whole; restore = copy each back to its original location
 * (the volume's contents are replaced). Copies keep mode, owner, times and hard links, and clone
 * or copy_file_range the data.
 *
 * `ebs-sim` (the runbook's EKS flow on a simulated EBS with availability zones; see
 * docs/vendor-ebs-sim.md): backup = one snapshot per volume; restore = per replica, create a
 * volume from its snapshot, attach it to the replica's instance, mount it beside the original;
 * finish_restore = unmount, detach, delete the restored volume and its snapshot.
 *
 * `exec` (a third-party vendor's plugin program; docs/vendor-exec.md): each operation is a call
 * of the program in the JSON protocol chaindrill-vendor-exec/1, with a time limit; the restored
 * copy is the `mount` the plugin answers, checked to lie inside the workspace.
 *
 * `csi-snapshot` (docs/vendor-csi-snapshot.md): backup = a VolumeSnapshot per claim through the
 * Kubernetes API, waited for until readyToUse; restore = a new claim per replica from its
 * snapshot (in the replica's zone when there are zones), waited for until Bound; it needs a
 * cluster, so on the local platform it cannot be opened (DRILL_EENV). */
#ifndef DRILL_STORAGE_STORAGE_H
#define DRILL_STORAGE_STORAGE_H

#include "platform/platform.h"

#include <jansson.h>
#include <stdint.h>

struct drill_vendor;

/* How a scenario configures its vendor (the `storage` section, and `cluster.zones`). */
struct drill_vendor_config {
	const char *name;          /* hostpath-copy | ebs-sim | csi-snapshot | exec */
	const char *program;       /* exec: the plugin, an absolute path (NULL otherwise) */
	unsigned timeout_s;        /* exec: per plugin call */
	const char *snapshot_class; /* csi-snapshot: the VolumeSnapshotClass (NULL: csi-hostpath-snapclass) */
	const char *const *zones;  /* the nodes' availability zones; replica i runs in zones[i % n] */
	size_t n_zones;
};

struct drill_vendor_ops {
	const char *name;
	int (*backup)(struct drill_vendor *v, const char *name);
	int (*restore)(struct drill_vendor *v, const char *name);
	/* Path of replica i's restored volume root to copy the checkpoint from (malloc'd). */
	int (*source_root)(struct drill_vendor *v, const char *name, int i, char **path);
	int (*remove)(struct drill_vendor *v, const char *name);
	/* Optional: arm a fault for the vendor's next restore (`what` is vendor-defined, e.g.
	 * "restore-zone" with a zone for replica i). NULL or DRILL_EINPUT when it does not apply. */
	int (*arm)(struct drill_vendor *v, const char *what, int replica, const char *value);
	/* Optional: called by the restore flow once every checkpoint has been copied out of the
	 * restored copies (EKS: unmount, detach and delete the restored volumes and their
	 * snapshots). NULL when there is nothing to clean up. */
	int (*finish_restore)(struct drill_vendor *v, const char *name);
	void (*destroy)(struct drill_vendor *v);
	/* restore writes the replicas' own volumes (hostpath-copy) rather than volumes beside them:
	 * a restore that fails in it has changed them. */
	int restores_in_place;
};

/* A file a backup copied that has hard links outside the volumes copied (util/fs.h
 * drill_fs_links_shared): its first name in a volume, its link count, the names the copy met. */
struct drill_shared_link {
	char *path;
	unsigned long nlink, met;
};

struct drill_vendor {
	const struct drill_vendor_ops *ops;
	struct drill_platform *platform;
	char *workspace;
	struct drill_vendor_config cfg; /* strings borrowed from the scenario */
	uint64_t bytes_copied; /* by the last backup or restore */
	/* by the last backup: files shared (hard links) with something outside its volumes; copied
	 * all the same (RocksDB checkpoints are hard links), reported in the backup's record */
	struct drill_shared_link *shared;
	size_t n_shared;
	void *impl;
};

int drill_vendor_open(struct drill_vendor **out, const struct drill_vendor_config *cfg,
		      const char *workspace, struct drill_platform *platform);
/* 0 when drill_vendor_open knows the vendor `name`, else DRILL_EINPUT "unknown storage vendor
 * ..." (the message drill_vendor_open gives), so `validate` refuses what `run` would. */
int drill_vendor_check_name(const char *name);
void drill_vendor_destroy(struct drill_vendor *v);
/* For the vendors' backups: replace v->shared by what `links` holds (NULL: empty it), and return
 * it as the backup record's "sharedHardLinks" array (a new reference). */
struct drill_fs_links;
json_t *drill_vendor_take_shared(struct drill_vendor *v, struct drill_fs_links *links);
/* v->shared as that array (a new reference). */
json_t *drill_vendor_shared_json(const struct drill_vendor *v);

#endif
