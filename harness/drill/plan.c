/* drill/plan.c — `chaindrill run --plan`: the scenario as the commands a person would run
 * (see plan.h). The order and the substeps follow drill/engine.c and drill/restore.c; the file
 * operations follow the storage vendors (storage/hostpath.c, storage/ebs_sim.c); the names follow
 * platform.h (claims, subPaths) and the chart (release = the scenario's name).
 *
 * On kind and minikube the volumes live in the node's /tmp/hostpath-provisioner, mounted from
 * $WS/hostpath-provisioner on the host (kind: extraMounts; minikube: --mount-string), so every
 * copy runs on the host like on local. The files in them belong to the pods' user, so the node
 * first hands them to you (chown inside the node) and hands them back before the pods start. */
#include "drill/plan.h"

#include "drill/engine_internal.h"

#include "faults/faults.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum plan_platform { PLAN_LOCAL, PLAN_KIND, PLAN_MINIKUBE };

struct plan {
	FILE *out;
	const struct drill_scenario *sc;
	enum plan_platform pf;
	int step; /* the step being written, 1-based; 0 for the install */
};

#define CHART_DEFAULT "deploy/helm/chaindrill"
#define NODE_VOLUMES "/tmp/hostpath-provisioner"
#define CHART_POD_UID 10001u /* the chart's securityContext.runAsUser and runAsGroup */

static void line(struct plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct plan *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(p->out, fmt, ap);
	va_end(ap);
	fputc('\n', p->out);
}

static void blank(struct plan *p)
{
	fputc('\n', p->out);
}

static int kube(const struct plan *p)
{
	return p->pf != PLAN_LOCAL;
}

/* --- Names ------------------------------------------------------------------------------------ */

/* Names take the replica's index as text, so that a shell loop can use "$i". */
static char *claim_s(const struct plan *p, const char *i)
{
	return drill_xasprintf("concord-pvc-%s-replica-%s", p->sc->blockchain_id, i);
}

static char *claim(const struct plan *p, int i)
{
	char idx[16];
	snprintf(idx, sizeof(idx), "%d", i);
	return claim_s(p, idx);
}

/* The node (kind) a replica's volume is on: the zone's worker on the three-zone config. */
static char *kind_node(const struct plan *p, int i)
{
	if (p->sc->n_zones <= 1)
		return drill_xstrdup("\"$CLUSTER-control-plane\"");
	size_t k = (size_t)i % p->sc->n_zones;
	return k == 0 ? drill_xstrdup("\"$CLUSTER-worker\"")
		      : drill_xasprintf("\"$CLUSTER-worker%zu\"", k + 1);
}

/* Replica i's volume root on the host ("$VOLUMES/<ns>/<claim>"); the three-zone kind cluster has
 * one provisioner directory per zone's node. */
static char *volume(const struct plan *p, int i)
{
	char *c = claim(p, i), *v;
	if (p->pf == PLAN_KIND && p->sc->n_zones > 1)
		v = drill_xasprintf("\"$WS/zone-%c\"/%s/%s", 'a' + (int)((size_t)i % p->sc->n_zones),
				    p->sc->namespace_, c);
	else
		v = drill_xasprintf("\"$VOLUMES\"/%s/%s", p->sc->namespace_, c);
	free(c);
	return v;
}

static char *subpath_s(const struct plan *p, const char *i)
{
	return drill_xasprintf("%s/%s/replica-%s/rocksdbdata", p->sc->namespace_,
			       p->sc->blockchain_id, i);
}

static char *subpath(const struct plan *p, int i)
{
	char idx[16];
	snprintf(idx, sizeof(idx), "%d", i);
	return subpath_s(p, idx);
}

/* Run `cmd` inside replica i's node, where the volume is at /tmp/hostpath-provisioner/<ns>/<claim>. */
static void in_node(struct plan *p, int i, const char *cmd)
{
	if (p->pf == PLAN_KIND) {
		char *node = kind_node(p, i);
		line(p, "docker exec %s %s", node, cmd);
		free(node);
	} else if (p->pf == PLAN_MINIKUBE) {
		line(p, "minikube -p \"$PROFILE\" ssh -- sudo %s", cmd);
	}
}

/* The node hands replica i's volume to you (`to_you`) or back to the pods' user. */
static void chown_volume(struct plan *p, int i, int to_you)
{
	if (!kube(p))
		return;
	char *c = claim(p, i), *cmd;
	unsigned pod_uid = p->sc->has_run_as_user ? (unsigned)p->sc->run_as_user : CHART_POD_UID;
	if (to_you)
		cmd = drill_xasprintf("chown -R \"$(id -u):$(id -g)\" " NODE_VOLUMES "/%s/%s",
				      p->sc->namespace_, c);
	else
		cmd = drill_xasprintf("chown -R %u:%u " NODE_VOLUMES "/%s/%s", pod_uid, pod_uid,
				      p->sc->namespace_, c);
	in_node(p, i, cmd);
	free(cmd);
	free(c);
}

static void chown_all(struct plan *p, int to_you)
{
	if (!kube(p))
		return;
	line(p, "# the volumes' files belong to the pods' user: the node hands them %s",
	     to_you ? "to you for the copy" : "back before the pods start");
	for (int i = 0; i < p->sc->replicas; i++)
		chown_volume(p, i, to_you);
}

/* --- The release ------------------------------------------------------------------------------ */

static const char *bool_str(int b)
{
	return b ? "true" : "false";
}

static void helm_install(struct plan *p)
{
	const struct drill_scenario *sc = p->sc;
	const char *pre = kube(p) ? "" : "# ";
	if (!kube(p))
		line(p, "# on local, chaindrill stands in for the chart: it creates the volume "
			"directories and starts %d `chaindrill replica` processes; as a person would "
			"on a cluster:", sc->replicas);
	line(p, "%shelm install \"$RELEASE\" \"$CHART\" --namespace \"$NS\" --create-namespace \\", pre);
	line(p, "%s  --set global.replicaCount=1 --set global.clusterSize=%d \\", pre, sc->replicas);
	line(p, "%s  --set global.blockchainId=%s --set global.storageClassName=%s \\", pre,
	     sc->blockchain_id, sc->storage_class);
	if (sc->n_zones > 1) { /* replica i on a node of zones[i mod n] */
		struct drill_buf z;
		drill_buf_init(&z, 1 << 16);
		for (size_t k = 0; k < sc->n_zones; k++) {
			drill_buf_append(&z, k ? "," : "", k ? 1 : 0);
			drill_buf_append(&z, sc->zones[k], strlen(sc->zones[k]));
		}
		drill_buf_append(&z, "", 1);
		line(p, "%s  --set 'global.zones={%s}' \\", pre, (char *)z.data);
		drill_buf_free(&z);
	}
	if (sc->has_run_as_user)
		line(p, "%s  --set securityContext.runAsUser=%" PRIu32 " --set "
		     "securityContext.runAsGroup=%" PRIu32 " --set securityContext.fsGroup=%" PRIu32
		     " \\", pre, sc->run_as_user, sc->run_as_user, sc->run_as_user);
	line(p, "%s  --set replicaCheckpointBackup.enabled=%s \\", pre, bool_str(sc->ckpt_enabled));
	line(p, "%s  --set replicaCheckpointBackup.numberOfCheckpoints=%" PRIu32 " \\", pre,
	     sc->ckpt_keep);
	line(p, "%s  --set replicaCheckpointBackup.checkpointIntervalInSeconds=%" PRIu64 " \\", pre,
	     sc->ckpt_interval_s);
	line(p, "%s  --set replicaCheckpointBackup.checkpointWindow=%" PRIu64, pre, sc->ckpt_window);
}

static void wait_pods(struct plan *p, int ready)
{
	if (!kube(p)) {
		line(p, "# on local: chaindrill waits until %s", ready ? "every replica answers ready"
								  : "no replica process runs");
		return;
	}
	if (ready)
		line(p, "kubectl wait --namespace \"$NS\" --for=condition=Ready pod "
			"--selector \"app.kubernetes.io/instance=$RELEASE\" --timeout=120s");
	else
		line(p, "kubectl wait --namespace \"$NS\" --for=delete pod "
			"--selector \"app.kubernetes.io/instance=$RELEASE\" --timeout=120s");
	line(p, "kubectl get pods --namespace \"$NS\"");
}

/* The runbook's scale command: helm upgrade ... --set global.replicaCount=0|1. */
static void helm_scale(struct plan *p, int count)
{
	line(p, "%shelm upgrade \"$RELEASE\" \"$CHART\" --namespace \"$NS\" --reuse-values "
	     "--set global.replicaCount=%d", kube(p) ? "" : "# ", count);
	if (!kube(p))
		line(p, "# on local: chaindrill %s", count ? "starts every replica process"
							   : "sends every replica SIGTERM");
	wait_pods(p, count);
}

static void cluster(struct plan *p)
{
	const struct drill_scenario *sc = p->sc;
	blank(p);
	line(p, "# --- the cluster");
	if (p->pf == PLAN_LOCAL) {
		line(p, "# local: no cluster; the replicas are processes of chaindrill and the volumes "
			"directories under $VOLUMES");
		line(p, "mkdir -p \"$VOLUMES\"");
		return;
	}
	if (p->pf == PLAN_KIND) {
		int zones = sc->n_zones > 1;
		line(p, "# kind: the node's " NODE_VOLUMES " is a directory of the workspace "
			"(extraMounts)");
		line(p, "mkdir -p %s", zones ? "\"$WS/zone-a\" \"$WS/zone-b\" \"$WS/zone-c\""
					     : "\"$VOLUMES\"");
		if (zones && sc->n_zones > 3)
			line(p, "# (kind-config/three-zones.yaml has three zones; the scenario names "
				"%zu)", sc->n_zones);
		/* The three-zone config labels its workers us-east-1a..c: relabel to the scenario's. */
		struct drill_buf relabel;
		drill_buf_init(&relabel, 1 << 16);
		for (size_t k = 0; zones && k < sc->n_zones && k < 3; k++) {
			char label[16];
			snprintf(label, sizeof(label), "us-east-1%c", 'a' + (int)k);
			if (!strcmp(sc->zones[k], label))
				continue;
			char *e = drill_xasprintf(" -e 's/zone: %s}/zone: %s}/'", label, sc->zones[k]);
			drill_buf_append(&relabel, e, strlen(e));
			free(e);
		}
		drill_buf_append(&relabel, "", 1);
		line(p, "sed -e \"s#/tmp/chaindrill-kind#$(cd \"$WS\" && pwd)#\"%s kind-config/%s "
			">\"$WS/kind-config.yaml\"", (char *)relabel.data,
		     zones ? "three-zones.yaml" : "single-node.yaml");
		drill_buf_free(&relabel);
		line(p, "kind create cluster --name \"$CLUSTER\" --config \"$WS/kind-config.yaml\" "
			"--wait 120s");
		line(p, "kind load docker-image chaindrill/replica:dev --name \"$CLUSTER\"");
		line(p, "# volumes named <namespace>/<claim> under " NODE_VOLUMES ", as minikube's "
			"provisioner names them, with the StorageClass's reclaimPolicy");
		line(p, "kubectl --namespace local-path-storage patch configmap local-path-config "
			"--type merge --patch '{\"data\": {\"config.json\": \"{\\\"nodePathMap\\\": "
			"[{\\\"node\\\": \\\"DEFAULT_PATH_FOR_NON_LISTED_NODES\\\", \\\"paths\\\": "
			"[\\\"" NODE_VOLUMES "\\\"]}]}\"}}'");
	} else {
		line(p, "# minikube (docker driver): the node's " NODE_VOLUMES " is a directory of "
			"the workspace (--mount-string)");
		line(p, "mkdir -p \"$VOLUMES\"");
		line(p, "minikube start -p \"$PROFILE\" --driver=docker --mount "
			"--mount-string \"$(cd \"$VOLUMES\" && pwd):" NODE_VOLUMES "\"");
		line(p, "minikube -p \"$PROFILE\" image load chaindrill/replica:dev");
	}
	/* The runbook's first backup step: a StorageClass with the scenario's reclaimPolicy. */
	const char *reclaim = sc->reclaim == DRILL_RECLAIM_DELETE ? "Delete" : "Retain";
	line(p, "kubectl delete storageclass %s --ignore-not-found", sc->storage_class);
	line(p, "kubectl apply -f - <<EOF");
	line(p, "apiVersion: storage.k8s.io/v1");
	line(p, "kind: StorageClass");
	line(p, "metadata: {name: %s}", sc->storage_class);
	if (p->pf == PLAN_KIND) {
		line(p, "provisioner: rancher.io/local-path");
		line(p, "parameters: {pathPattern: \"{{ .PVC.Namespace }}/{{ .PVC.Name }}\"}");
		line(p, "reclaimPolicy: %s", reclaim);
		line(p, "volumeBindingMode: WaitForFirstConsumer");
	} else {
		line(p, "provisioner: k8s.io/minikube-hostpath");
		line(p, "reclaimPolicy: %s", reclaim);
		line(p, "volumeBindingMode: Immediate");
	}
	line(p, "EOF");
}

/* --- Storage vendors -------------------------------------------------------------------------- */

/* ebs-sim plays the runbook's EKS flow: the commands are the AWS CLI's. Replica i's volume id
 * and instance come from its PersistentVolume (the EBS CSI driver's volumeHandle) at run time. */
static void ebs_volume_vars(struct plan *p, int i)
{
	char *c = claim(p, i);
	line(p, "VOL_%d=$(kubectl get pv \"$(kubectl get pvc --namespace \"$NS\" %s "
	     "-o jsonpath='{.spec.volumeName}')\" -o jsonpath='{.spec.csi.volumeHandle}')", i, c);
	free(c);
}

static void backup_ebs(struct plan *p, const char *name)
{
	line(p, "# ebs-sim simulates these EC2 calls in $WS/ebs-sim; on EKS they are:");
	for (int i = 0; i < p->sc->replicas; i++) {
		ebs_volume_vars(p, i);
		line(p, "aws ec2 create-snapshot --volume-id \"$VOL_%d\" --description "
		     "\"chaindrill %s replica-%d\" --tag-specifications "
		     "'ResourceType=snapshot,Tags=[{Key=chaindrill/backup,Value=%s}]'", i, name, i,
		     name);
	}
}

static void backup_hostpath(struct plan *p, const char *name)
{
	line(p, "# hostpath-copy: a copy of every volume directory (while the replicas run), written "
		"under a partial name and renamed when whole");
	line(p, "mkdir -p \"$WS/backups/%s.partial\"", name);
	for (int i = 0; i < p->sc->replicas; i++) {
		char *v = volume(p, i);
		line(p, "cp -a %s \"$WS/backups/%s.partial/\"", v, name);
		free(v);
	}
	line(p, "mv \"$WS/backups/%s.partial\" \"$WS/backups/%s\"", name, name);
}

static void vendor_plugin_comment(struct plan *p, const char *op, const char *name)
{
	if (!strcmp(p->sc->vendor, "exec"))
		line(p, "# exec vendor: chaindrill runs %s with {\"op\": \"%s\", \"name\": \"%s\", ...} "
		     "(protocol chaindrill-vendor-exec/1, docs/vendor-exec.md)", p->sc->vendor_program,
		     op, name);
	else
		line(p, "# %s: %s %s through the vendor (no command-line equivalent is printed for it "
		     "yet)", p->sc->vendor, op, name);
}

static void step_backup(struct plan *p, const struct drill_step *st)
{
	if (!strcmp(p->sc->vendor, "hostpath-copy"))
		backup_hostpath(p, st->name);
	else if (!strcmp(p->sc->vendor, "ebs-sim"))
		backup_ebs(p, st->name);
	else
		vendor_plugin_comment(p, "backup", st->name);
}

/* Where the restore copies replica i's checkpoint from: the restored copy (source_root). */
static char *source_data_s(struct plan *p, const char *backup, const char *i)
{
	char *sub = subpath_s(p, i), *c = claim_s(p, i), *s;
	if (!strcmp(p->sc->vendor, "ebs-sim"))
		s = drill_xasprintf("/mnt/source/replica-%s/%s", i, sub);
	else if (!strcmp(p->sc->vendor, "hostpath-copy"))
		s = drill_xasprintf("\"$WS/backups/%s\"/%s/%s", backup, c, sub);
	else
		s = drill_xasprintf("\"$SOURCE_%s\"/%s", i, sub);
	free(sub);
	free(c);
	return s;
}

static char *source_data(struct plan *p, const char *backup, int i)
{
	char idx[16];
	snprintf(idx, sizeof(idx), "%d", i);
	return source_data_s(p, backup, idx);
}

/* Where replica i's live rocksdbdata is. */
static char *dest_data(struct plan *p, int i)
{
	char *sub = subpath(p, i), *s;
	if (!strcmp(p->sc->vendor, "ebs-sim")) {
		s = drill_xasprintf("/mnt/destination/replica-%d/%s", i, sub);
	} else {
		char *v = volume(p, i);
		s = drill_xasprintf("%s/%s", v, sub);
		free(v);
	}
	free(sub);
	return s;
}

static void restore_volumes_hostpath(struct plan *p, const char *name)
{
	line(p, "# hostpath-copy: every volume directory is replaced by its copy in the backup");
	chown_all(p, 1);
	for (int i = 0; i < p->sc->replicas; i++) {
		char *v = volume(p, i), *c = claim(p, i);
		line(p, "rm -rf %s && cp -a \"$WS/backups/%s\"/%s %s", v, name, c, v);
		free(v);
		free(c);
	}
}

static void restore_volumes_ebs(struct plan *p, const char *name)
{
	line(p, "# per replica: a volume from its snapshot in its instance's zone, attached beside "
		"the original and mounted (the runbook's EKS flow; ebs-sim simulates it)");
	for (int i = 0; i < p->sc->replicas; i++) {
		const char *zone = p->sc->zones[(size_t)i % p->sc->n_zones];
		ebs_volume_vars(p, i);
		line(p, "INSTANCE_%d=$(aws ec2 describe-volumes --volume-ids \"$VOL_%d\" --query "
		     "'Volumes[0].Attachments[0].InstanceId' --output text)", i, i);
		line(p, "SNAP_%d=$(aws ec2 describe-snapshots --filters Name=volume-id,Values=\"$VOL_%d\" "
		     "Name=tag:chaindrill/backup,Values=%s --query 'Snapshots[0].SnapshotId' "
		     "--output text)", i, i, name);
		line(p, "NEW_%d=$(aws ec2 create-volume --snapshot-id \"$SNAP_%d\" --availability-zone "
		     "%s --query VolumeId --output text)", i, i, zone);
		line(p, "aws ec2 wait volume-available --volume-ids \"$NEW_%d\"", i);
		line(p, "aws ec2 attach-volume --volume-id \"$NEW_%d\" --instance-id \"$INSTANCE_%d\" "
		     "--device /dev/xvdbb", i, i);
		line(p, "# on instance $INSTANCE_%d, as root (sudo su -): the original volume's device "
		     "is /dev/xvdba", i);
		line(p, "mkdir -p /mnt/destination/replica-%d /mnt/source/replica-%d", i, i);
		line(p, "mount /dev/xvdba /mnt/destination/replica-%d", i);
		line(p, "mount /dev/xvdbb /mnt/source/replica-%d", i);
	}
}

/* latest-common: the highest checkpoint id every replica's restored copy holds. */
static void choose_checkpoint(struct plan *p, const struct drill_step *st)
{
	if (!st->latest_common) {
		line(p, "ID=%" PRIu64 "   # the scenario names it; it must be on every replica",
		     st->checkpoint);
		return;
	}
	int n = p->sc->replicas;
	line(p, "# latest-common: the highest checkpoint id present on every replica's restored copy");
	char *src = source_data_s(p, st->name, "$i");
	line(p, "ID=$(for i in $(seq 0 %d); do ls %s/checkpoints; done | grep -E '^[1-9][0-9]*$' | "
	     "sort -n | uniq -c | awk '$1 == %d {print $2}' | tail -n 1)", n - 1, src, n);
	free(src);
	line(p, "test -n \"$ID\" || { echo 'no checkpoint common to every replica' >&2; exit 1; }");
}

static void copy_checkpoint(struct plan *p, const struct drill_step *st)
{
	line(p, "# per replica: empty rocksdbdata, copy checkpoints/$ID into it following links and "
		"keeping owner, mode and times, remove LOCK");
	for (int i = 0; i < p->sc->replicas; i++) {
		char *src = source_data(p, st->name, i), *dst = dest_data(p, i);
		line(p, "rm -rf %s/*", dst);
		line(p, "cp -r -L -p %s/checkpoints/\"$ID\"/* %s", src, dst);
		line(p, "rm -f %s/LOCK", dst);
		free(src);
		free(dst);
	}
}

static void cleanup_ebs(struct plan *p)
{
	line(p, "# per replica: unmount both, detach and delete the restored volume and its snapshot");
	for (int i = 0; i < p->sc->replicas; i++) {
		line(p, "umount /mnt/source/replica-%d /mnt/destination/replica-%d", i, i);
		line(p, "aws ec2 detach-volume --volume-id \"$NEW_%d\"", i);
		line(p, "aws ec2 wait volume-available --volume-ids \"$NEW_%d\"", i);
		line(p, "aws ec2 delete-volume --volume-id \"$NEW_%d\"", i);
		line(p, "aws ec2 delete-snapshot --snapshot-id \"$SNAP_%d\"", i);
	}
}

/* The runbook's restore flow, substep by substep as drill/restore.c runs it. */
static void step_restore(struct plan *p, const struct drill_step *st)
{
	int ebs = !strcmp(p->sc->vendor, "ebs-sim"), hp = !strcmp(p->sc->vendor, "hostpath-copy");
	line(p, "# 1. scale-down: stop every replica and wait until no pod runs");
	helm_scale(p, 0);
	line(p, "# 2. restore-volumes from backup %s", st->name);
	if (hp)
		restore_volumes_hostpath(p, st->name);
	else if (ebs)
		restore_volumes_ebs(p, st->name);
	else
		vendor_plugin_comment(p, "restore", st->name);
	if (!hp && !ebs)
		line(p, "# SOURCE_<i>: the restored copy of replica i's volume the vendor answers");
	if (st->restore_live) {
		line(p, "# checkpoint: none — the restored volumes are used as they are, no checkpoint "
			"is copied");
	} else {
		line(p, "# 3. choose-checkpoint");
		choose_checkpoint(p, st);
		line(p, "# 4. copy-checkpoint");
		copy_checkpoint(p, st);
		if (ebs) {
			line(p, "# 4b. cleanup-restored-volumes");
			cleanup_ebs(p);
		}
	}
	if (hp)
		chown_all(p, 0);
	line(p, "# 5. scale-up: start every replica and wait until each is ready");
	helm_scale(p, 1);
	line(p, "# 6. check-state: chaindrill asks each replica for its last block and digest; "
		"each must be at the restored checkpoint with the block the driver wrote there");
}

/* --- Steps ------------------------------------------------------------------------------------ */

static void step_write(struct plan *p, uint64_t blocks, const char *why)
{
	const struct drill_scenario *sc = p->sc;
	line(p, "# %s: the driver orders %" PRIu64 " write requests (one block each: %" PRIu32
	     " keys of %" PRIu32 " bytes from a key space of %" PRIu64 ", consensus time +%" PRIu64
	     " ms per request) on every running replica%s", why, blocks, sc->keys_per_block,
	     sc->value_size, sc->key_space, sc->block_interval_ms,
	     kube(p) ? ", reached through `kubectl port-forward pod/<pod>`" : "");
}

static void step_fault(struct plan *p, const struct drill_step *st)
{
	const struct drill_fault_kind *k = drill_fault_find(st->fault_kind);
	struct drill_buf b;
	drill_buf_init(&b, 1 << 16);
	for (size_t i = 0; i < st->n_params; i++) {
		char *kv = drill_xasprintf(" %s=%s", st->params[i].key, st->params[i].value);
		drill_buf_append(&b, kv, strlen(kv));
		free(kv);
	}
	drill_buf_append(&b, "", 1);
	line(p, "# fault %s%s: chaindrill injects it (there is no command for it)", st->fault_kind,
	     (char *)b.data);
	if (k)
		line(p, "#   %s", k->summary);
	drill_buf_free(&b);
}

static void step_replica(struct plan *p, int i, int up)
{
	if (!kube(p)) {
		line(p, "# on local: chaindrill %s replica-%d's process", up ? "starts" : "stops", i);
		return;
	}
	line(p, "kubectl scale deployment --namespace \"$NS\" \"$RELEASE-replica-%d\" --replicas=%d",
	     i, up);
	if (up)
		line(p, "kubectl wait --namespace \"$NS\" --for=condition=Ready pod --selector "
			"\"app.kubernetes.io/instance=$RELEASE,chaindrill.io/replica=%d\" "
			"--timeout=120s", i);
	else
		line(p, "kubectl wait --namespace \"$NS\" --for=delete pod --selector "
			"\"app.kubernetes.io/instance=$RELEASE,chaindrill.io/replica=%d\" "
			"--timeout=120s", i);
}

static void step_uninstall(struct plan *p)
{
	line(p, "# helm uninstall deletes the claims; with reclaimPolicy %s their volumes %s",
	     p->sc->reclaim == DRILL_RECLAIM_DELETE ? "Delete" : "Retain",
	     p->sc->reclaim == DRILL_RECLAIM_DELETE ? "go too" : "stay");
	line(p, "%shelm uninstall \"$RELEASE\" --namespace \"$NS\" --wait", kube(p) ? "" : "# ");
	wait_pods(p, 0);
}

static void step_install(struct plan *p)
{
	helm_install(p);
	wait_pods(p, 1);
}

static void step(struct plan *p, const struct drill_step *st)
{
	char *title = drill_engine_step_label(st);
	blank(p);
	line(p, "# --- step %d: %s", p->step, title);
	free(title);
	switch (st->kind) {
	case DRILL_STEP_WRITE: step_write(p, st->blocks, "write"); break;
	case DRILL_STEP_CHECKPOINT:
		line(p, "# the operator's `./concop db-checkpoint create`: ordered like a request, "
			"taken at the next multiple of 150 sequence numbers");
		line(p, "chaindrill db-checkpoint create --cluster \"$WS\"");
		line(p, "chaindrill db-checkpoint status --cluster \"$WS\"");
		break;
	case DRILL_STEP_BACKUP: step_backup(p, st); break;
	case DRILL_STEP_STOP: step_replica(p, st->replica, 0); break;
	case DRILL_STEP_START: step_replica(p, st->replica, 1); break;
	case DRILL_STEP_UNINSTALL: step_uninstall(p); break;
	case DRILL_STEP_INSTALL: step_install(p); break;
	case DRILL_STEP_FAULT: step_fault(p, st); break;
	case DRILL_STEP_RESTORE: step_restore(p, st); break;
	case DRILL_STEP_VALIDATE:
		step_write(p, st->blocks, "functional validation");
		if (kube(p))
			line(p, "kubectl get pods --namespace \"$NS\"");
		break;
	}
}

static void header(struct plan *p, const char *platform, const char *workspace)
{
	const struct drill_scenario *sc = p->sc;
	const char *base = strrchr(sc->path, '/');
	line(p, "#!/bin/sh");
	line(p, "# chaindrill plan: scenario %s (%s) on platform %s, vendor %s.", sc->name,
	     base ? base + 1 : sc->path, platform, sc->vendor);
	line(p, "# The commands a person would run for this drill, in the order `chaindrill run` "
		"acts. Comment lines say what the driver does without a command. Nothing has run.");
	line(p, "set -eu");
	line(p, "WS=\"${WS:-%s}\"   # the drill's workspace", workspace);
	line(p, "RELEASE=%s   # the Helm release: the scenario's name", sc->name);
	char *chart = drill_fs_data_path(CHART_DEFAULT); /* the installed chart outside a checkout */
	line(p, "CHART=\"${CHART:-%s}\"", chart);
	free(chart);
	line(p, "NS=%s", sc->namespace_);
	line(p, "VOLUMES=\"$WS/hostpath-provisioner\"   # the claims' volumes: <namespace>/<claim>/");
	if (p->pf == PLAN_KIND)
		line(p, "CLUSTER=chaindrill-%.30s", sc->name);
	if (p->pf == PLAN_MINIKUBE)
		line(p, "PROFILE=chaindrill-%.30s", sc->name);
}

int drill_plan_write(FILE *out, const struct drill_scenario *sc, const char *platform,
		     const char *workspace)
{
	struct plan p = {out, sc, PLAN_LOCAL, 0};
	if (!platform)
		platform = sc->platform;
	if (!strcmp(platform, "kind"))
		p.pf = PLAN_KIND;
	else if (!strcmp(platform, "minikube"))
		p.pf = PLAN_MINIKUBE;
	else if (strcmp(platform, "local"))
		return drill_err(DRILL_EINPUT, "unknown platform \"%s\" (expected local, kind or "
				 "minikube)", platform);
	header(&p, platform, workspace);
	cluster(&p);
	blank(&p);
	line(&p, "# --- install (before the first step)");
	step_install(&p);
	for (size_t i = 0; i < sc->n_steps; i++) {
		p.step = (int)i + 1;
		step(&p, &sc->steps[i]);
	}
	blank(&p);
	line(&p, "# --- verdict");
	helm_scale(&p, 0);
	line(&p, "# chaindrill verifies every replica's rocksdbdata read-only (docs/design.md §5):");
	char *list = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&list, &len);
	for (int i = 0; mem && i < sc->replicas; i++) {
		char *d = dest_data(&p, i);
		if (!strcmp(sc->vendor, "ebs-sim")) { /* the live volumes, as the node sees them */
			free(d);
			char *v = volume(&p, i), *sub = subpath(&p, i);
			d = drill_xasprintf("%s/%s", v, sub);
			free(v);
			free(sub);
		}
		fprintf(mem, " %s", d);
		free(d);
	}
	if (mem)
		fclose(mem);
	line(&p, "chaindrill verify%s", list ? list : "");
	free(list);
	return ferror(out) ? drill_err(DRILL_EFAIL, "writing the plan failed") : 0;
}
