/* drill/plan.c — `chaindrill run --plan`: the scenario as the commands a person would run
 * (see plan.h). The order and the substeps follow drill/engine.c and drill/restore.c; the file
 * operations follow the storage vendors (storage/hostpath.c, storage/ebs_sim.c); the names follow
 * platform.h (claims, subPaths) and the chart (release = the scenario's name).
 *
 * On kind and minikube the volumes live in the node's /tmp/hostpath-provisioner, mounted from
 * $WS/hostpath-provisioner on the host (kind: extraMounts; minikube: --mount-string), so every
 * copy runs on the host like on local. The files in them belong to the pods' user, so the node
 * first hands them to you (chown inside the node) and hands them back before the pods start.
 *
 * A plan is what was really done, faults included: a fault step arms its deviations here as
 * faults/ arms them for drill/restore.c, and the next restore (or backup) prints its commands the
 * fault's way, each deviation on a line marked `FAULT(<kind>)`; a fault the vendor refuses, or an
 * attachment EC2 refuses (wrong-az), ends the plan's steps where the drill stops. Faults that are
 * no operator's command (damaged files, killed processes) stay a comment. */
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

/* What the fault steps met so far arm for the next restore (or backup), as faults/ arms it for
 * drill/restore.c: the plan prints the commands as they are then done, each deviation on a line
 * marked `FAULT(<kind>)`. Arrays have one entry per replica. */
#define PLAN_CKPT_PREVIOUS UINT64_MAX
struct plan_faults {
	int armed;
	int skip_scale_down;  /* restore-while-running */
	uint64_t race_writes;
	unsigned umask_;      /* copy-no-preserve */
	unsigned *copy;       /* PLAN_NO_FOLLOW | PLAN_NO_PRESERVE | PLAN_KEEP_LOCK | PLAN_NO_RM */
	int64_t *interrupt;   /* copy-interrupted: files copied before it dies (-1: not) */
	uint64_t *checkpoint; /* mismatched-checkpoint: 0, an id, or PLAN_CKPT_PREVIOUS */
	int *source;          /* cross-replica-restore: the replica whose copy it gets (-1: its own) */
	int *reset_identity;
	const char **zone;    /* wrong-az: the zone its restored volume is created in (NULL: its own) */
	uint64_t stagger;     /* torn-live-snapshot, for the next backup */
};
enum { PLAN_NO_FOLLOW = 1, PLAN_NO_PRESERVE = 2, PLAN_KEEP_LOCK = 4, PLAN_NO_RM = 8 };

struct plan {
	FILE *out;
	const struct drill_scenario *sc;
	enum plan_platform pf;
	int step; /* the step being written, 1-based; 0 for the install */
	struct plan_faults f;
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

/* --- Faults ----------------------------------------------------------------------------------- */

static void faults_init(struct plan_faults *f, int n)
{
	memset(f, 0, sizeof(*f));
	f->copy = drill_xmalloc(sizeof(*f->copy) * (size_t)n);
	f->interrupt = drill_xmalloc(sizeof(*f->interrupt) * (size_t)n);
	f->checkpoint = drill_xmalloc(sizeof(*f->checkpoint) * (size_t)n);
	f->source = drill_xmalloc(sizeof(*f->source) * (size_t)n);
	f->reset_identity = drill_xmalloc(sizeof(*f->reset_identity) * (size_t)n);
	f->zone = drill_xmalloc(sizeof(*f->zone) * (size_t)n);
}

/* The restore met them: nothing is armed any more (the stagger belongs to the next backup). */
static void faults_disarm(struct plan_faults *f, int n)
{
	f->armed = f->skip_scale_down = 0;
	f->race_writes = 0;
	f->umask_ = 077;
	for (int i = 0; i < n; i++) {
		f->copy[i] = 0;
		f->interrupt[i] = -1;
		f->checkpoint[i] = 0;
		f->source[i] = -1;
		f->reset_identity[i] = 0;
		f->zone[i] = NULL;
	}
}

static void faults_free(struct plan_faults *f)
{
	free(f->copy);
	free(f->interrupt);
	free(f->checkpoint);
	free(f->source);
	free(f->reset_identity);
	free(f->zone);
}

/* A step's replica parameter as [lo, hi): absent or "all" is every replica (the scenario was
 * validated by faults/, so the value is in range). */
static void fault_replicas(const struct plan *p, const struct drill_step *st, const char *key,
			   int *lo, int *hi)
{
	const struct drill_param *r = drill_step_param(st, key);
	if (!r || !strcmp(r->value, "all")) {
		*lo = 0;
		*hi = p->sc->replicas;
	} else {
		*lo = atoi(r->value);
		*hi = *lo + 1;
	}
}

static uint64_t fault_u64(const struct drill_step *st, const char *key, uint64_t dflt)
{
	const struct drill_param *v = drill_step_param(st, key);
	return v ? strtoull(v->value, NULL, 10) : dflt;
}

static int vendor_is(const struct plan *p, const char *name)
{
	return !strcmp(p->sc->vendor, name);
}

/* Arm what the fault step `st` arms for a later step (as faults/restore_faults.c, faults/zone.c
 * and faults/process.c do) and say what the plan will show. Returns 1 if the drill stops at this
 * step (a fault the vendor refuses). */
static int faults_arm(struct plan *p, const struct drill_step *st)
{
	struct plan_faults *f = &p->f;
	const char *k = st->fault_kind;
	int lo, hi;
	unsigned variant = !strcmp(k, "copy-no-follow-links") ? PLAN_NO_FOLLOW
			   : !strcmp(k, "copy-no-preserve")   ? PLAN_NO_PRESERVE
			   : !strcmp(k, "lock-left")          ? PLAN_KEEP_LOCK
			   : !strcmp(k, "restore-without-rm") ? PLAN_NO_RM : 0;
	if (variant) {
		fault_replicas(p, st, "replica", &lo, &hi);
		for (int i = lo; i < hi; i++)
			f->copy[i] |= variant;
		if (variant == PLAN_NO_PRESERVE) {
			const struct drill_param *m = drill_step_param(st, "umask");
			f->umask_ = m ? (unsigned)strtoul(m->value, NULL, 8) : 077;
		}
	} else if (!strcmp(k, "copy-interrupted")) {
		fault_replicas(p, st, "replica", &lo, &hi);
		f->interrupt[lo] = (int64_t)fault_u64(st, "afterFiles", 1);
	} else if (!strcmp(k, "mismatched-checkpoint")) {
		const struct drill_param *c = drill_step_param(st, "checkpoint");
		fault_replicas(p, st, "replica", &lo, &hi);
		f->checkpoint[lo] = c && strcmp(c->value, "previous") ? strtoull(c->value, NULL, 10)
								      : PLAN_CKPT_PREVIOUS;
	} else if (!strcmp(k, "cross-replica-restore")) {
		const struct drill_param *r = drill_step_param(st, "resetIdentity");
		int from = atoi(drill_step_param(st, "from")->value);
		fault_replicas(p, st, "replica", &lo, &hi);
		for (int i = lo; i < hi; i++) {
			if (i == from)
				continue;
			f->source[i] = from;
			f->reset_identity[i] = r && !strcmp(r->value, "true");
		}
	} else if (!strcmp(k, "restore-while-running")) {
		f->skip_scale_down = 1;
		f->race_writes = fault_u64(st, "writes", 20);
	} else if (!strcmp(k, "wrong-az")) {
		if (!vendor_is(p, "ebs-sim")) { /* only ebs-sim has availability zones */
			line(p, "# FAULT(wrong-az): vendor %s has no availability zones: the drill "
			     "stops at this step with an input error", p->sc->vendor);
			return 1;
		}
		int r = atoi(drill_step_param(st, "replica")->value);
		const struct drill_param *z = drill_step_param(st, "zone");
		const char *own = p->sc->zones[(size_t)r % p->sc->n_zones], *zone = NULL;
		for (size_t j = 1; !z && j <= p->sc->n_zones && !zone; j++) {
			const char *c = p->sc->zones[((size_t)r + j) % p->sc->n_zones];
			zone = strcmp(c, own) ? c : NULL;
		}
		f->zone[r] = z ? z->value : zone;
	} else if (!strcmp(k, "torn-live-snapshot")) {
		f->stagger = fault_u64(st, "stagger", 100);
		line(p, "#   armed for the next backup: its copies below are marked FAULT(%s)", k);
		return 0;
	} else {
		line(p, "#   not an operator's command: chaindrill does it itself");
		return 0;
	}
	f->armed = 1;
	line(p, "#   armed for the next restore: its commands below are done as the fault does "
		"them, each deviation marked FAULT(%s)", k);
	return 0;
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

/* ebs-sim is a simulation on every platform chaindrill has (local, kind, minikube): there is no
 * EC2 to call and no instance to log in to, so the AWS CLI commands of the runbook's EKS flow are
 * printed as comments ("# EKS: ..."), for reading, and what runs is the simulator's: the restored
 * volume mounted at $WS/ebs-sim/mnt/<instance>/source/replica-<i> (one instance per replica), the
 * original volume where the node has it. Replica i's volume id and instance come from its
 * PersistentVolume (the EBS CSI driver's volumeHandle) at run time. */
#define EKS "# EKS: "

static void ebs_volume_vars(struct plan *p, int i)
{
	char *c = claim(p, i);
	line(p, EKS "VOL_%d=$(kubectl get pv \"$(kubectl get pvc --namespace \"$NS\" %s "
	     "-o jsonpath='{.spec.volumeName}')\" -o jsonpath='{.spec.csi.volumeHandle}')", i, c);
	free(c);
}

/* torn-live-snapshot: the clients commit K more blocks before each volume after the first. */
static void stagger_mark(struct plan *p, int i)
{
	if (p->f.stagger && i > 0)
		line(p, "# FAULT(torn-live-snapshot): the clients commit %" PRIu64 " more blocks "
		     "before replica-%d's volume is copied", p->f.stagger, i);
}

static void backup_ebs(struct plan *p, const char *name)
{
	line(p, "# ebs-sim: chaindrill simulates CreateSnapshot of every volume in $WS/ebs-sim "
		"(each call in $WS/ebs-sim/api-calls.jsonl); on EKS the commands are:");
	for (int i = 0; i < p->sc->replicas; i++) {
		stagger_mark(p, i);
		ebs_volume_vars(p, i);
		line(p, EKS "aws ec2 create-snapshot --volume-id \"$VOL_%d\" --description "
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
		stagger_mark(p, i);
		line(p, "cp -a %s \"$WS/backups/%s.partial/\"", v, name);
		free(v);
	}
	line(p, "mv \"$WS/backups/%s.partial\" \"$WS/backups/%s\"", name, name);
}

/* Replica i's volume root as the exec vendor's request gives it (hostPath), unquoted. */
static char *volume_json(const struct plan *p, int i)
{
	char *c = claim(p, i), *v;
	if (p->pf == PLAN_KIND && p->sc->n_zones > 1)
		v = drill_xasprintf("$WS/zone-%c/%s/%s", 'a' + (int)((size_t)i % p->sc->n_zones),
				    p->sc->namespace_, c);
	else
		v = drill_xasprintf("$VOLUMES/%s/%s", p->sc->namespace_, c);
	free(c);
	return v;
}

/* The request storage/exec.c writes on the plugin's standard input (docs/vendor-exec.md), as
 * comment lines; `with_volumes`: 0 none (list), 1 the volumes, 2 with their snapshotId too. */
static void exec_request(struct plan *p, const char *op, const char *name, int with_volumes)
{
	const struct drill_scenario *sc = p->sc;
	char *backup = name ? drill_xasprintf("\"%s\"", name) : drill_xstrdup("null");
	line(p, "#   {\"protocolVersion\": \"chaindrill-vendor-exec/1\", \"operation\": \"%s\", "
	     "\"backup\": %s, \"workspace\": \"$WS\", \"stateDir\": \"$WS/vendor-exec/store\", "
	     "\"cluster\": {\"namespace\": \"%s\", \"blockchainId\": \"%s\", \"replicas\": %d}%s",
	     op, backup, sc->namespace_, sc->blockchain_id, sc->replicas,
	     with_volumes ? ", \"volumes\": [" : "}");
	free(backup);
	for (int i = 0; with_volumes && i < sc->replicas; i++) {
		char *c = claim(p, i), *v = volume_json(p, i);
		line(p, "#     {\"index\": %d, \"claim\": \"%s\", \"hostPath\": \"%s\"%s}%s", i, c, v,
		     with_volumes == 2 ? ", \"snapshotId\": <its snapshot's answer>" : "",
		     i + 1 < sc->replicas ? "," : "]}");
		free(c);
		free(v);
	}
}

static void backup_exec(struct plan *p, const char *name)
{
	line(p, "# exec vendor: chaindrill runs %s with this request on its standard input "
	     "(protocol chaindrill-vendor-exec/1, docs/vendor-exec.md); it answers each volume's "
	     "snapshotId:", p->sc->vendor_program);
	exec_request(p, "snapshot", name, 1);
	for (int i = 1; i < p->sc->replicas; i++)
		stagger_mark(p, i);
}

/* csi-snapshot's objects are named after the claim (storage/csi_snapshot.c). */
static char *csi_snapshot_name(const struct plan *p, int i, const char *name)
{
	char *c = claim(p, i), *s = drill_xasprintf("%s-%s", c, name);
	free(c);
	return s;
}

static char *csi_restored_claim(const struct plan *p, int i, const char *name)
{
	char *c = claim(p, i), *s = drill_xasprintf("%s-from-%s", c, name);
	free(c);
	return s;
}

/* csi-snapshot waits for every snapshot until readyToUse, or every restored claim until Bound. */
static void csi_wait_all(struct plan *p, const char *name, int restored)
{
	for (int i = 0; i < p->sc->replicas; i++) {
		char *obj = restored ? csi_restored_claim(p, i, name) : csi_snapshot_name(p, i, name);
		line(p, "kubectl wait --namespace \"$NS\" --for=jsonpath='{.status.%s}'=%s %s/%s "
		     "--timeout=600s", restored ? "phase" : "readyToUse", restored ? "Bound" : "true",
		     restored ? "pvc" : "volumesnapshot", obj);
		free(obj);
	}
}

static void csi_labels(struct plan *p, const char *name, int i)
{
	line(p, "  labels: {app.kubernetes.io/managed-by: chaindrill, chaindrill.io/backup: %s, "
	     "chaindrill.io/replica: \"%d\"}", name, i);
}

/* csi-snapshot needs an API server: on local, opening the vendor fails (exit 3). */
static int csi_local(struct plan *p)
{
	if (kube(p))
		return 0;
	line(p, "# csi-snapshot needs a Kubernetes API server; on local chaindrill cannot open the "
		"vendor and the drill stops with an environment error (exit 3)");
	return 1;
}

static void backup_csi(struct plan *p, const char *name)
{
	const struct drill_scenario *sc = p->sc;
	if (csi_local(p))
		return;
	line(p, "# csi-snapshot: a VolumeSnapshot of every replica's claim, all created first, then "
		"each waited for until readyToUse");
	for (int i = 0; i < sc->replicas; i++) {
		char *snap = csi_snapshot_name(p, i, name), *c = claim(p, i);
		stagger_mark(p, i);
		line(p, "kubectl apply --namespace \"$NS\" -f - <<EOF");
		line(p, "apiVersion: snapshot.storage.k8s.io/v1");
		line(p, "kind: VolumeSnapshot");
		line(p, "metadata:");
		line(p, "  name: %s", snap);
		csi_labels(p, name, i);
		line(p, "spec: {volumeSnapshotClassName: %s, source: {persistentVolumeClaimName: %s}}",
		     sc->vendor_snapshot_class ? sc->vendor_snapshot_class : "csi-hostpath-snapclass",
		     c);
		line(p, "EOF");
		free(snap);
		free(c);
	}
	csi_wait_all(p, name, 0);
}

static void step_backup(struct plan *p, const struct drill_step *st)
{
	if (vendor_is(p, "hostpath-copy"))
		backup_hostpath(p, st->name);
	else if (vendor_is(p, "ebs-sim"))
		backup_ebs(p, st->name);
	else if (vendor_is(p, "csi-snapshot"))
		backup_csi(p, st->name);
	else
		backup_exec(p, st->name);
	p->f.stagger = 0;
}

/* Where the restore copies replica i's checkpoint from: the restored copy (source_root). */
static char *source_data_s(struct plan *p, const char *backup, const char *i)
{
	char *sub = subpath_s(p, i), *c = claim_s(p, i), *s;
	if (vendor_is(p, "ebs-sim"))
		s = drill_xasprintf("\"$WS\"/ebs-sim/mnt/i-*/source/replica-%s/%s", i, sub);
	else if (vendor_is(p, "hostpath-copy"))
		s = drill_xasprintf("\"$WS/backups/%s\"/%s/%s", backup, c, sub);
	else if (vendor_is(p, "csi-snapshot") && kube(p))
		s = drill_xasprintf("%s/%s/%s-from-%s/%s",
				    p->pf == PLAN_KIND && p->sc->n_zones > 1 ? "\"$WS\"/zone-?"
									     : "\"$VOLUMES\"",
				    p->sc->namespace_, c, backup, sub);
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

/* Where replica i's live rocksdbdata is: its volume, as the host sees it. */
static char *dest_data(struct plan *p, int i)
{
	char *sub = subpath(p, i), *v = volume(p, i);
	char *s = drill_xasprintf("%s/%s", v, sub);
	free(v);
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

/* Returns 1 if the restore stops here (wrong-az: EC2 refuses the attachment). */
static int restore_volumes_ebs(struct plan *p, const char *name)
{
	line(p, "# per replica: a volume from its snapshot in its instance's zone, attached beside "
		"the original and mounted at $WS/ebs-sim/mnt/<instance>/source/replica-<i>: "
		"chaindrill's ebs-sim does it; on EKS the commands are:");
	for (int i = 0; i < p->sc->replicas; i++) {
		const char *own = p->sc->zones[(size_t)i % p->sc->n_zones];
		const char *zone = p->f.zone[i] ? p->f.zone[i] : own;
		int wrong = strcmp(zone, own) != 0;
		ebs_volume_vars(p, i);
		line(p, EKS "INSTANCE_%d=$(aws ec2 describe-volumes --volume-ids \"$VOL_%d\" --query "
		     "'Volumes[0].Attachments[0].InstanceId' --output text)", i, i);
		line(p, EKS "SNAP_%d=$(aws ec2 describe-snapshots --filters "
		     "Name=volume-id,Values=\"$VOL_%d\" Name=tag:chaindrill/backup,Values=%s --query "
		     "'Snapshots[0].SnapshotId' --output text)", i, i, name);
		if (wrong)
			line(p, "# FAULT(wrong-az): replica-%d's volume is created in zone %s, not in its "
			     "instance's zone %s", i, zone, own);
		line(p, EKS "NEW_%d=$(aws ec2 create-volume --snapshot-id \"$SNAP_%d\" "
		     "--availability-zone %s --query VolumeId --output text)", i, i, zone);
		line(p, EKS "aws ec2 wait volume-available --volume-ids \"$NEW_%d\"", i);
		line(p, EKS "aws ec2 attach-volume --volume-id \"$NEW_%d\" --instance-id "
		     "\"$INSTANCE_%d\" --device /dev/xvdbb", i, i);
		if (wrong) {
			line(p, "# FAULT(wrong-az): EC2 refuses to attach a volume of zone %s to an "
			     "instance of zone %s (InvalidVolume.ZoneMismatch): the restore fails "
			     "here", zone, own);
			return 1;
		}
		line(p, EKS "# on instance $INSTANCE_%d, as root (sudo su -): the original volume's "
		     "device is /dev/xvdba", i);
		line(p, EKS "mkdir -p /mnt/destination/replica-%d /mnt/source/replica-%d", i, i);
		line(p, EKS "mount /dev/xvdba /mnt/destination/replica-%d", i);
		line(p, EKS "mount /dev/xvdbb /mnt/source/replica-%d", i);
	}
	return 0;
}

/* The release's StorageClass pinned to each zone, as csi-snapshot makes it (once). */
static void csi_zone_classes(struct plan *p)
{
	const struct drill_scenario *sc = p->sc;
	for (size_t k = 0; k < sc->n_zones; k++)
		line(p, "kubectl get storageclass %s -o json | jq '{apiVersion, kind, provisioner, "
		     "parameters, reclaimPolicy, volumeBindingMode, allowVolumeExpansion} | "
		     "with_entries(select(.value != null)) | .metadata = {name: \"%s-%s\", labels: "
		     "{\"app.kubernetes.io/managed-by\": \"chaindrill\", "
		     "\"topology.kubernetes.io/zone\": \"%s\"}} | .allowedTopologies = "
		     "[{matchLabelExpressions: [{key: \"topology.kubernetes.io/zone\", values: "
		     "[\"%s\"]}]}]' | kubectl apply -f -", sc->storage_class, sc->storage_class,
		     sc->zones[k], sc->zones[k], sc->zones[k]);
}

static void restore_volumes_csi(struct plan *p, const char *name)
{
	const struct drill_scenario *sc = p->sc;
	if (csi_local(p))
		return;
	int zones = sc->n_zones > 1;
	line(p, "# csi-snapshot: per replica, a new claim whose dataSource is its VolumeSnapshot, "
		"of the snapshot's restoreSize%s; then each is waited for until Bound",
	     zones ? ", in the release's StorageClass pinned to the replica's zone" : "");
	if (zones)
		csi_zone_classes(p);
	for (int i = 0; i < sc->replicas; i++) {
		char *snap = csi_snapshot_name(p, i, name), *pvc = csi_restored_claim(p, i, name);
		line(p, "SIZE_%d=$(kubectl get volumesnapshot --namespace \"$NS\" %s -o "
		     "jsonpath='{.status.restoreSize}')", i, snap);
		line(p, "kubectl apply --namespace \"$NS\" -f - <<EOF");
		line(p, "apiVersion: v1");
		line(p, "kind: PersistentVolumeClaim");
		line(p, "metadata:");
		line(p, "  name: %s", pvc);
		csi_labels(p, name, i);
		line(p, "spec:");
		line(p, "  accessModes: [ReadWriteOnce]");
		line(p, "  resources: {requests: {storage: \"$SIZE_%d\"}}", i);
		if (zones)
			line(p, "  storageClassName: %s-%s", sc->storage_class,
			     sc->zones[(size_t)i % sc->n_zones]);
		else
			line(p, "  storageClassName: %s", sc->storage_class);
		line(p, "  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, "
		     "name: %s}", snap);
		line(p, "EOF");
		free(snap);
		free(pvc);
	}
	csi_wait_all(p, name, 1);
	line(p, "# each restored claim's volume is $VOLUMES/<namespace>/<claim> on the host, like "
		"the replicas'");
}

static void restore_volumes_exec(struct plan *p, const char *name)
{
	line(p, "# exec vendor: chaindrill runs %s twice (docs/vendor-exec.md); first the backups it "
	     "holds must include %s:", p->sc->vendor_program, name);
	exec_request(p, "list", NULL, 0);
	line(p, "# then each volume's restored copy, which it answers as {\"index\", \"mount\", "
		"\"bytes\"}:");
	exec_request(p, "restore", name, 2);
	line(p, "# SOURCE_<i>: the mount it answers for replica i");
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

/* Replica i's copy, as drill/restore.c does it with the faults armed (each deviation marked). */
static void copy_one(struct plan *p, const struct drill_step *st, int i)
{
	const struct plan_faults *f = &p->f;
	unsigned v = f->copy[i];
	int from = f->source[i] >= 0 ? f->source[i] : i;
	char *src = source_data(p, st->name, from), *dst = dest_data(p, i), *id;
	if (from != i)
		line(p, "# FAULT(cross-replica-restore): replica-%d's checkpoint is taken from "
		     "replica-%d's restored copy", i, from);
	if (f->checkpoint[i] == PLAN_CKPT_PREVIOUS) {
		line(p, "# FAULT(mismatched-checkpoint): replica-%d gets its newest checkpoint older "
		     "than $ID, not $ID", i);
		line(p, "PREV_%d=$(ls %s/checkpoints | grep -E '^[1-9][0-9]*$' | sort -n | "
		     "awk -v id=\"$ID\" '$1 < id' | tail -n 1)", i, src);
		id = drill_xasprintf("\"$PREV_%d\"", i);
	} else if (f->checkpoint[i]) {
		line(p, "# FAULT(mismatched-checkpoint): replica-%d gets checkpoint %" PRIu64
		     ", not $ID", i, f->checkpoint[i]);
		id = drill_xasprintf("%" PRIu64, f->checkpoint[i]);
	} else {
		id = drill_xstrdup("\"$ID\"");
	}
	if (v & PLAN_NO_RM)
		line(p, "# FAULT(restore-without-rm): not done: rm -rf %s/*", dst);
	else
		line(p, "rm -rf %s/*", dst);
	const char *flags = (v & PLAN_NO_FOLLOW) && (v & PLAN_NO_PRESERVE) ? "-r"
			    : (v & PLAN_NO_FOLLOW)			    ? "-r -p"
			    : (v & PLAN_NO_PRESERVE)			    ? "-r -L"
									    : "-r -L -p";
	if (v & PLAN_NO_FOLLOW)
		line(p, "# FAULT(copy-no-follow-links): cp without -L");
	char *um = v & PLAN_NO_PRESERVE ? drill_xasprintf("umask %03o && ", f->umask_)
					: drill_xstrdup("");
	if (v & PLAN_NO_PRESERVE)
		line(p, "# FAULT(copy-no-preserve): cp without -p (owner, mode and times lost), "
		     "under umask %03o", f->umask_);
	if (f->interrupt[i] >= 0) {
		line(p, "# FAULT(copy-interrupted): the copy dies after %" PRId64 " entries of the "
		     "checkpoint, in name order", f->interrupt[i]);
		line(p, "(%sfor e in $(ls -A %s/checkpoints/%s | LC_ALL=C sort | head -n %" PRId64
		     "); do cp %s %s/checkpoints/%s/\"$e\" %s; done)", um, src, id, f->interrupt[i],
		     flags, src, id, dst);
	} else if (*um) {
		line(p, "(%scp %s %s/checkpoints/%s/* %s)", um, flags, src, id, dst);
	} else {
		line(p, "cp %s %s/checkpoints/%s/* %s", flags, src, id, dst);
	}
	if (from != i && f->reset_identity[i])
		line(p, "# FAULT(cross-replica-restore): chaindrill then resets the copy's identity to "
		     "replica-%d (resetIdentity: true; no command)", i);
	if (v & PLAN_KEEP_LOCK)
		line(p, "# FAULT(lock-left): not done: rm -f %s/LOCK", dst);
	else
		line(p, "rm -f %s/LOCK", dst);
	if (f->race_writes)
		line(p, "# FAULT(restore-while-running): the clients order %" PRIu64 " more blocks "
		     "on the running replicas", f->race_writes);
	free(um);
	free(id);
	free(src);
	free(dst);
}

static void copy_checkpoint(struct plan *p, const struct drill_step *st)
{
	line(p, "# per replica: empty rocksdbdata, copy checkpoints/$ID into it following links and "
		"keeping owner, mode and times, remove LOCK");
	for (int i = 0; i < p->sc->replicas; i++)
		copy_one(p, st, i);
}

static void cleanup_ebs(struct plan *p)
{
	line(p, "# per replica: unmount both, detach and delete the restored volume and its "
		"snapshot: chaindrill's ebs-sim does it; on EKS the commands are:");
	for (int i = 0; i < p->sc->replicas; i++) {
		line(p, EKS "umount /mnt/source/replica-%d /mnt/destination/replica-%d", i, i);
		line(p, EKS "aws ec2 detach-volume --volume-id \"$NEW_%d\"", i);
		line(p, EKS "aws ec2 wait volume-available --volume-ids \"$NEW_%d\"", i);
		line(p, EKS "aws ec2 delete-volume --volume-id \"$NEW_%d\"", i);
		line(p, EKS "aws ec2 delete-snapshot --snapshot-id \"$SNAP_%d\"", i);
	}
}

static void cleanup_csi(struct plan *p, const char *name)
{
	line(p, "# csi-snapshot: the restored claims are deleted (the snapshots stay with the "
		"backup)");
	for (int i = 0; i < p->sc->replicas; i++) {
		char *pvc = csi_restored_claim(p, i, name);
		line(p, "kubectl delete pvc --namespace \"$NS\" %s --wait=false", pvc);
		free(pvc);
	}
}

/* The runbook's restore flow, substep by substep as drill/restore.c runs it, with the armed
 * faults' deviations. Returns 1 if the restore fails (the drill stops). */
static int step_restore(struct plan *p, const struct drill_step *st)
{
	int ebs = vendor_is(p, "ebs-sim"), hp = vendor_is(p, "hostpath-copy");
	int csi = vendor_is(p, "csi-snapshot"), stop = 0;
	line(p, "# 1. scale-down: stop every replica and wait until no pod runs");
	if (p->f.skip_scale_down)
		line(p, "# FAULT(restore-while-running): not done: the replicas keep running and "
			"the clients keep writing");
	else
		helm_scale(p, 0);
	line(p, "# 2. restore-volumes from backup %s", st->name);
	if (hp)
		restore_volumes_hostpath(p, st->name);
	else if (ebs)
		stop = restore_volumes_ebs(p, st->name);
	else if (csi)
		restore_volumes_csi(p, st->name);
	else
		restore_volumes_exec(p, st->name);
	if (stop) {
		faults_disarm(&p->f, p->sc->replicas);
		return 1;
	}
	if (st->restore_live) {
		line(p, "# checkpoint: none — the restored volumes are used as they are, no checkpoint "
			"is copied");
	} else {
		line(p, "# 3. choose-checkpoint");
		choose_checkpoint(p, st);
		line(p, "# 4. copy-checkpoint");
		if (!hp)
			chown_all(p, 1);
		copy_checkpoint(p, st);
		if (ebs || (csi && kube(p)))
			line(p, "# 4b. cleanup-restored-volumes");
		if (ebs)
			cleanup_ebs(p);
		else if (csi && kube(p))
			cleanup_csi(p, st->name);
	}
	if (hp || !st->restore_live)
		chown_all(p, 0);
	line(p, "# 5. scale-up: start every replica and wait until each is ready");
	helm_scale(p, 1);
	line(p, "# 6. check-state: chaindrill asks each replica for its last block and digest; "
		"each must be at the restored checkpoint with the block the driver wrote there");
	faults_disarm(&p->f, p->sc->replicas);
	return 0;
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

/* Returns 1 if the drill stops at this step. */
static int step_fault(struct plan *p, const struct drill_step *st)
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
	line(p, "# fault %s%s: chaindrill injects it", st->fault_kind, (char *)b.data);
	if (k)
		line(p, "#   %s", k->summary);
	drill_buf_free(&b);
	return faults_arm(p, st);
}

static void step_replica(struct plan *p, int i, int up)
{
	if (!kube(p)) {
		line(p, "# on local: chaindrill %s replica-%d's process", up ? "starts" : "stops", i);
		return;
	}
	line(p, "kubectl scale deployment --namespace \"$NS\" vmbc-deployment-replica-%d-concord "
	     "--replicas=%d", i, up);
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

/* Returns 1 if the drill stops at this step. */
static int step(struct plan *p, const struct drill_step *st)
{
	int stop = 0;
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
	case DRILL_STEP_FAULT: stop = step_fault(p, st); break;
	case DRILL_STEP_RESTORE: stop = step_restore(p, st); break;
	case DRILL_STEP_VALIDATE:
		step_write(p, st->blocks, "functional validation");
		if (kube(p))
			line(p, "kubectl get pods --namespace \"$NS\"");
		break;
	}
	return stop;
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
	struct plan p = {out, sc, PLAN_LOCAL, 0, {0}};
	if (!platform)
		platform = sc->platform;
	if (!strcmp(platform, "kind"))
		p.pf = PLAN_KIND;
	else if (!strcmp(platform, "minikube"))
		p.pf = PLAN_MINIKUBE;
	else if (strcmp(platform, "local"))
		return drill_err(DRILL_EINPUT, "unknown platform \"%s\" (expected local, kind or "
				 "minikube)", platform);
	faults_init(&p.f, sc->replicas);
	faults_disarm(&p.f, sc->replicas);
	header(&p, platform, workspace);
	cluster(&p);
	blank(&p);
	line(&p, "# --- install (before the first step)");
	step_install(&p);
	for (size_t i = 0; i < sc->n_steps; i++) {
		p.step = (int)i + 1;
		if (step(&p, &sc->steps[i]) && i + 1 < sc->n_steps) {
			blank(&p);
			line(&p, "# --- the drill stops at step %d: the steps after it are not run", p.step);
			break;
		}
	}
	faults_free(&p.f);
	blank(&p);
	line(&p, "# --- verdict");
	helm_scale(&p, 0);
	line(&p, "# chaindrill verifies every replica's rocksdbdata read-only (docs/design.md §5):");
	char *list = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&list, &len);
	for (int i = 0; mem && i < sc->replicas; i++) {
		char *d = dest_data(&p, i);
		fprintf(mem, " %s", d);
		free(d);
	}
	if (mem)
		fclose(mem);
	line(&p, "chaindrill verify%s", list ? list : "");
	free(list);
	return ferror(out) ? drill_err(DRILL_EFAIL, "writing the plan failed") : 0;
}
