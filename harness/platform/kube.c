/* platform/kube.c — the driver kind and minikube share (see kube.h): helm for the release, kubectl
 * for one replica's Deployment and the port-forwards, the node for the volumes' owners, the
 * Kubernetes API for every wait.
 *
 * The runbook scales the whole blockchain with `helm upgrade --reuse-values --set
 * global.replicaCount=0|1`; so does scale(). A stopped cluster's volumes are handed to us (chown
 * inside the node) so that the restore flow, the vendors and the faults work on them from the
 * host; before pods start again they are handed back to the pods' user. */
#include "platform/kube.h"

#include "platform/platform_internal.h"

#include "k8s/k8s.h"
#include "replica/client.h"
#include "util/beneath.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/proc.h"

#include <jansson.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOOL_TIMEOUT_MS 300000L     /* helm install --wait of a cold cluster, kind create */
#define WAIT_TIMEOUT_MS 180000L     /* pods ready after a state transfer, or gone */
#define FORWARD_TIMEOUT_MS 30000L   /* kubectl port-forward says where it listens */
#define LOG_TAIL 600

struct drill_kube *drill_kube_of(struct drill_platform *p)
{
	return p->impl;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* The last bytes of a log, for an error message (malloc'd). */
static char *tail_of(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	if (drill_fs_read_file(&text, &len, path, 1 << 24) != 0)
		return drill_xstrdup("");
	size_t from = len > LOG_TAIL ? len - LOG_TAIL : 0;
	while (len > from && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	char *out = drill_xstrdup(text + from);
	free(text);
	return out;
}

static char *joined(const char *const argv[])
{
	struct drill_buf b;
	drill_buf_init(&b, 1 << 20);
	for (size_t k = 0; argv[k]; k++) {
		if (k)
			drill_buf_append(&b, " ", 1);
		drill_buf_append(&b, argv[k], strlen(argv[k]));
	}
	drill_buf_append(&b, "", 1);
	return (char *)b.data;
}

static void log_command(struct drill_kube *kb, const char *cmd)
{
	FILE *f = drill_beneath_fopen(kb->cmdlog, "a");
	if (f) {
		fprintf(f, "$ %s\n", cmd);
		fclose(f);
	}
	drill_log_info("%s: $ %s", kb->fl->name, cmd);
}

/* Start argv (argv[0] looked up on PATH) with its output appended to `log`. */
static int start_tool(struct drill_kube *kb, pid_t *pid, const char *const argv[], const char *log)
{
	char *exe = drill_platform_find_program(argv[0]);
	if (!exe)
		return drill_err(DRILL_EENV, "platform %s: `%s` is not on PATH", kb->fl->name, argv[0]);
	const char *args[DRILL_KUBE_MAX_ARGS + 1];
	size_t n = 0;
	for (; argv[n] && n < DRILL_KUBE_MAX_ARGS; n++)
		args[n] = argv[n];
	args[0] = exe;
	args[n] = NULL;
	char *cmd = joined(argv);
	log_command(kb, cmd);
	free(cmd);
	int rc = drill_proc_spawn(pid, (char *const *)args, log);
	free(exe);
	return rc;
}

int drill_kube_tool(struct drill_platform *p, long timeout_ms, const char *const argv[])
{
	struct drill_kube *kb = drill_kube_of(p);
	char *log = drill_xasprintf("%s/%s.log", kb->logs, argv[0]);
	pid_t pid = 0;
	int status = 0;
	int rc = start_tool(kb, &pid, argv, log);
	if (!rc) {
		rc = drill_proc_wait(pid, (int)timeout_ms, &status);
		if (rc == DRILL_ETIMEOUT)
			drill_proc_stop(pid, 5000, &status);
	}
	if (!rc && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		rc = DRILL_EFAIL;
	if (rc && rc != DRILL_EENV) {
		char *cmd = joined(argv), *tail = tail_of(log);
		rc = drill_err(rc, "`%s` %s; its output (%s) ends:\n%s", cmd,
			       rc == DRILL_ETIMEOUT ? "did not finish in time"
						    : drill_proc_status_str(status),
			       log, tail);
		free(cmd);
		free(tail);
	}
	free(log);
	return rc;
}

char *drill_kube_write_file(struct drill_platform *p, const char *name, const char *text)
{
	char *path = drill_xasprintf("%s/%s", drill_kube_of(p)->pdir, name);
	if (drill_fs_write_atomic(path, text, strlen(text)) != 0) {
		free(path);
		return NULL;
	}
	return path;
}

/* --- Names -------------------------------------------------------------------------------------- */

static char *instance_selector(struct drill_kube *kb)
{
	return drill_xasprintf("app.kubernetes.io/instance=%s", kb->release);
}

static char *replica_selector(struct drill_kube *kb, int i)
{
	return drill_xasprintf("app.kubernetes.io/instance=%s,chaindrill.io/replica=%d", kb->release,
			       i);
}

static int kube_volume_root(struct drill_platform *p, int i, char **out)
{
	struct drill_kube *kb = drill_kube_of(p);
	char *dir = kb->fl->node_volumes(p, i), *claim = drill_platform_claim_name(&p->spec, i);
	*out = drill_xasprintf("%s/%s/%s", dir, kb->namespace_, claim);
	free(dir);
	free(claim);
	return 0;
}

/* node_path with `prefix` as a leading directory: what follows it ("" or "/..."), else NULL. */
static const char *under(const char *node_path, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(node_path, prefix, n) || (node_path[n] && node_path[n] != '/'))
		return NULL;
	return node_path + n;
}

int drill_kube_host_path(struct drill_platform *p, int i, const char *node_path, char **out)
{
	struct drill_kube *kb = drill_kube_of(p);
	*out = NULL;
	if (node_path[0] != '/' || strstr(node_path, "/../") ||
	    (strlen(node_path) >= 3 && !strcmp(node_path + strlen(node_path) - 3, "/..")))
		return drill_err(DRILL_EINPUT, "node path \"%s\" is not an absolute path without "
				 "\"..\"", node_path);
	const char *rest = under(node_path, DRILL_KUBE_NODE_VOLUMES);
	char *dir = NULL;
	if (rest)
		dir = kb->fl->node_volumes(p, i);
	else if ((rest = under(node_path, DRILL_KUBE_NODE_CSI_DATA)) && kb->fl->node_csi_data)
		dir = kb->fl->node_csi_data(p, i);
	if (!dir)
		return drill_err(DRILL_EENV, "%s of replica %d's node is not mounted from the host "
				 "(platform %s mounts %s%s)", node_path, i, kb->fl->name,
				 DRILL_KUBE_NODE_VOLUMES, kb->fl->node_csi_data ? " and "
				 DRILL_KUBE_NODE_CSI_DATA : "");
	*out = drill_xasprintf("%s%s", dir, rest);
	free(dir);
	return 0;
}

/* --- Volumes' owners ---------------------------------------------------------------------------- */

/* chown -R replica i's volume inside its node: to us (`to_us`), or to the pods' user. */
static int chown_volume(struct drill_platform *p, int i, int to_us)
{
	struct drill_kube *kb = drill_kube_of(p);
	const char *argv[DRILL_KUBE_MAX_ARGS];
	size_t n = kb->fl->node_prefix(p, i, argv);
	unsigned uid = to_us ? (unsigned)getuid() : p->spec.has_run_as_user ? p->spec.run_as_user
									      : DRILL_KUBE_POD_UID;
	unsigned gid = to_us ? (unsigned)getgid() : uid;
	char owner[32];
	snprintf(owner, sizeof(owner), "%u:%u", uid, gid);
	char *claim = drill_platform_claim_name(&p->spec, i);
	char *path = drill_xasprintf(DRILL_KUBE_NODE_VOLUMES "/%s/%s", kb->namespace_, claim);
	argv[n++] = "chown";
	argv[n++] = "-R";
	argv[n++] = owner;
	argv[n++] = path;
	argv[n] = NULL;
	char *root = NULL;
	kube_volume_root(p, i, &root);
	/* A volume that is not there yet (before the first install) has no owner to change. */
	int rc = drill_fs_exists(root) ? drill_kube_tool(p, TOOL_TIMEOUT_MS, argv) : 0;
	free(root);
	free(claim);
	free(path);
	return rc;
}

static int chown_all(struct drill_platform *p, int to_us)
{
	int rc = 0;
	for (int i = 0; i < p->spec.replicas && !rc; i++)
		rc = chown_volume(p, i, to_us);
	return rc;
}

/* --- Port-forwards ------------------------------------------------------------------------------ */

static void stop_forward(struct drill_kube *kb, int i)
{
	if (kb->fwd_pid[i])
		drill_proc_stop(kb->fwd_pid[i], 2000, NULL);
	kb->fwd_pid[i] = 0;
	kb->fwd_port[i] = 0;
}

/* Replica i's running pod: its name and the port its container serves (malloc'd name). */
static int find_pod(struct drill_kube *kb, int i, char **name, int *port)
{
	char *coll = drill_k8s_path("/api/v1/namespaces/%s/pods", kb->namespace_);
	char *sel = replica_selector(kb, i);
	json_t *items = NULL;
	int rc = drill_k8s_list(kb->api, coll, sel, &items, NULL);
	*name = NULL;
	size_t k;
	json_t *pod;
	json_array_foreach(items, k, pod) {
		json_t *meta = json_object_get(pod, "metadata");
		const char *phase = json_string_value(
			json_object_get(json_object_get(pod, "status"), "phase"));
		if (json_object_get(meta, "deletionTimestamp") || !phase || strcmp(phase, "Running"))
			continue;
		json_t *ports = json_object_get(json_array_get(
			json_object_get(json_object_get(pod, "spec"), "containers"), 0), "ports");
		json_int_t cp = json_integer_value(json_object_get(json_array_get(ports, 0),
								   "containerPort"));
		*port = cp > 0 && cp < 65536 ? (int)cp : 8080;
		*name = drill_xstrdup(json_string_value(json_object_get(meta, "name")));
		break;
	}
	if (!rc && !*name)
		rc = drill_err(DRILL_EFAIL, "no running pod of replica-%d (%s in namespace %s)", i, sel,
			       kb->namespace_);
	json_decref(items);
	free(sel);
	free(coll);
	return rc;
}

/* `kubectl port-forward pod/<pod> :<port> --address 127.0.0.1`, a child in our process group
 * until stop or destroy; the local port is read from its "Forwarding from 127.0.0.1:N" line. */
static int start_forward(struct drill_platform *p, int i)
{
	struct drill_kube *kb = drill_kube_of(p);
	char *pod = NULL;
	int cport = 0;
	int rc = find_pod(kb, i, &pod, &cport);
	if (rc)
		return rc;
	char *target = drill_xasprintf("pod/%s", pod), *ports = drill_xasprintf(":%d", cport);
	char *log = drill_xasprintf("%s/port-forward-%d.log", kb->logs, i);
	drill_fs_remove_tree(log); /* the previous forward's */
	const char *argv[] = {"kubectl", "--kubeconfig", kb->kubeconfig, "--namespace",
			      kb->namespace_, "port-forward", "--address", "127.0.0.1", target, ports,
			      NULL};
	rc = start_tool(kb, &kb->fwd_pid[i], argv, log);
	uint64_t deadline = drill_now_ms() + FORWARD_TIMEOUT_MS;
	while (!rc && !kb->fwd_port[i]) {
		char *text = NULL;
		size_t len = 0;
		if (drill_fs_read_file(&text, &len, log, 1 << 20) == 0) {
			const char *at = strstr(text, "Forwarding from 127.0.0.1:");
			if (at)
				kb->fwd_port[i] = atoi(at + strlen("Forwarding from 127.0.0.1:"));
		}
		free(text);
		int status = 0;
		if (kb->fwd_port[i])
			break;
		if (!drill_proc_running(kb->fwd_pid[i], &status)) {
			kb->fwd_pid[i] = 0;
			char *tail = tail_of(log);
			rc = drill_err(DRILL_EFAIL, "kubectl port-forward to %s %s: %s", target,
				       drill_proc_status_str(status), tail);
			free(tail);
		} else if (drill_now_ms() > deadline) {
			stop_forward(kb, i);
			rc = drill_err(DRILL_ETIMEOUT, "kubectl port-forward to %s said no port in %ld s",
				       target, FORWARD_TIMEOUT_MS / 1000);
		} else {
			sleep_ms(50);
		}
	}
	free(log);
	free(target);
	free(ports);
	free(pod);
	return rc;
}

static int forward_all(struct drill_platform *p)
{
	int rc = 0;
	for (int i = 0; i < p->spec.replicas && !rc; i++)
		if (!drill_kube_of(p)->fwd_pid[i])
			rc = start_forward(p, i);
	return rc;
}

static void stop_forwards(struct drill_platform *p)
{
	for (int i = 0; i < p->spec.replicas; i++)
		stop_forward(drill_kube_of(p), i);
}

/* --- The release -------------------------------------------------------------------------------- */

static int wait_pods(struct drill_platform *p, const char *selector, int count)
{
	struct drill_kube *kb = drill_kube_of(p);
	return drill_k8s_wait_pods_ready(kb->api, kb->namespace_, selector, count, WAIT_TIMEOUT_MS);
}

static int wait_release(struct drill_platform *p, int running)
{
	char *sel = instance_selector(drill_kube_of(p));
	int rc = wait_pods(p, sel, running ? p->spec.replicas : 0);
	free(sel);
	return rc;
}

/* The chart's values for this cluster, as `--set` pairs appended to argv (strings kept in `own`). */
static size_t helm_values(struct drill_platform *p, const char **argv, size_t n, char **own)
{
	const struct drill_cluster_spec *s = &p->spec;
	struct drill_kube *kb = drill_kube_of(p);
	size_t o = 0;
	own[o++] = drill_xasprintf("global.clusterSize=%d", s->replicas);
	own[o++] = drill_xasprintf("global.blockchainId=%s", kb->blockchain_id);
	own[o++] = drill_xasprintf("global.storageClassName=%s", kb->storage_class);
	own[o++] = drill_xasprintf("replicaCheckpointBackup.enabled=%s",
				   s->ckpt.enabled ? "true" : "false");
	own[o++] = drill_xasprintf("replicaCheckpointBackup.numberOfCheckpoints=%" PRIu32,
				   s->ckpt.keep);
	own[o++] = drill_xasprintf("replicaCheckpointBackup.checkpointIntervalInSeconds=%" PRIu64,
				   s->ckpt.interval_s);
	own[o++] = drill_xasprintf("replicaCheckpointBackup.checkpointWindow=%" PRIu64,
				   s->ckpt.window);
	if (s->has_run_as_user)
		own[o++] = drill_xasprintf("securityContext.runAsUser=%" PRIu32 ",securityContext."
					   "runAsGroup=%" PRIu32 ",securityContext.fsGroup=%" PRIu32,
					   s->run_as_user, s->run_as_user, s->run_as_user);
	if (kb->n_zones > 1) {
		struct drill_buf b;
		drill_buf_init(&b, 1 << 16);
		drill_buf_append(&b, "global.zones={", 14);
		for (size_t k = 0; k < kb->n_zones; k++) {
			drill_buf_append(&b, k ? "," : "", k ? 1 : 0);
			drill_buf_append(&b, kb->zones[k], strlen(kb->zones[k]));
		}
		drill_buf_append(&b, "}", 2);
		own[o++] = (char *)b.data;
	}
	for (size_t k = 0; k < o; k++) {
		argv[n++] = "--set";
		argv[n++] = own[k];
	}
	argv[n] = NULL;
	return o;
}

static int kube_install(struct drill_platform *p)
{
	struct drill_kube *kb = drill_kube_of(p);
	if (kb->installed)
		return drill_err(DRILL_EINPUT, "install: the release is already installed");
	int rc = chown_all(p, 0); /* volumes kept from an earlier install (Retain) */
	const char *argv[DRILL_KUBE_MAX_ARGS] = {
		"helm", "install", kb->release, kb->chart, "--kubeconfig", kb->kubeconfig,
		"--namespace", kb->namespace_, "--create-namespace", "--set",
		"global.replicaCount=1"};
	char *own[12] = {0};
	size_t o = helm_values(p, argv, 11, own);
	if (!rc)
		rc = drill_kube_tool(p, TOOL_TIMEOUT_MS, argv);
	for (size_t k = 0; k < o; k++)
		free(own[k]);
	if (rc)
		return rc;
	kb->installed = 1;
	rc = wait_release(p, 1);
	if (!rc)
		rc = forward_all(p);
	return rc;
}

static int kube_uninstall(struct drill_platform *p)
{
	struct drill_kube *kb = drill_kube_of(p);
	if (!kb->installed)
		return drill_err(DRILL_EINPUT, "uninstall: the release is not installed");
	stop_forwards(p);
	const char *argv[] = {"helm", "uninstall", kb->release, "--kubeconfig", kb->kubeconfig,
			      "--namespace", kb->namespace_, "--wait", NULL};
	int rc = drill_kube_tool(p, TOOL_TIMEOUT_MS, argv);
	kb->installed = 0;
	if (!rc)
		rc = wait_release(p, 0);
	if (!rc)
		rc = chown_all(p, 1);
	return rc;
}

/* The runbook's command: helm upgrade <release> <chart> --reuse-values --set
 * global.replicaCount=0|1, then the pods all ready (with their port-forwards) or all gone. */
static int kube_scale(struct drill_platform *p, int count)
{
	struct drill_kube *kb = drill_kube_of(p);
	if (!kb->installed)
		return drill_err(DRILL_EINPUT, "scale: the release is not installed");
	if (count != 0 && count != 1)
		return drill_err(DRILL_EINPUT, "scale: replicaCount must be 0 or 1, not %d", count);
	int rc = count ? chown_all(p, 0) : 0;
	if (!count)
		stop_forwards(p);
	char set[32];
	snprintf(set, sizeof(set), "global.replicaCount=%d", count);
	const char *argv[] = {"helm", "upgrade", kb->release, kb->chart, "--kubeconfig",
			      kb->kubeconfig, "--namespace", kb->namespace_, "--reuse-values",
			      "--set", set, NULL};
	if (!rc)
		rc = drill_kube_tool(p, TOOL_TIMEOUT_MS, argv);
	if (!rc)
		rc = wait_release(p, count);
	if (!rc)
		rc = count ? forward_all(p) : chown_all(p, 1);
	return rc;
}

/* One replica: kubectl scale deployment vmbc-deployment-replica-<i>-concord --replicas=0|1 (the
 * chart names its Deployments as VMBC's, docs/chart.md). */
static int scale_one(struct drill_platform *p, int i, int up)
{
	struct drill_kube *kb = drill_kube_of(p);
	if (i < 0 || i >= p->spec.replicas)
		return drill_err(DRILL_EINPUT, "no replica %d (the cluster has %d)", i,
				 p->spec.replicas);
	if (!kb->installed)
		return drill_err(DRILL_EINPUT, "replica: the release is not installed");
	if (up == (kb->fwd_pid[i] != 0))
		return drill_err(DRILL_EINPUT, "replica-%d is %s running", i, up ? "already" : "not");
	int rc = up ? chown_volume(p, i, 0) : 0;
	if (!up)
		stop_forward(kb, i);
	char *deploy = drill_xasprintf("deployment/vmbc-deployment-replica-%d-concord", i);
	const char *argv[] = {"kubectl", "--kubeconfig", kb->kubeconfig, "--namespace",
			      kb->namespace_, "scale", deploy, up ? "--replicas=1" : "--replicas=0",
			      NULL};
	if (!rc)
		rc = drill_kube_tool(p, TOOL_TIMEOUT_MS, argv);
	free(deploy);
	char *sel = replica_selector(kb, i);
	if (!rc)
		rc = wait_pods(p, sel, up);
	free(sel);
	if (!rc)
		rc = up ? start_forward(p, i) : chown_volume(p, i, 1);
	return rc;
}

static int kube_stop_replica(struct drill_platform *p, int i)
{
	return scale_one(p, i, 0);
}

static int kube_start_replica(struct drill_platform *p, int i)
{
	return scale_one(p, i, 1);
}

static int kube_replica_url(struct drill_platform *p, int i, char **url)
{
	struct drill_kube *kb = drill_kube_of(p);
	*url = NULL;
	int status = 0;
	if (i < 0 || i >= p->spec.replicas || !kb->fwd_pid[i] ||
	    !drill_proc_running(kb->fwd_pid[i], &status)) {
		if (i >= 0 && i < p->spec.replicas && kb->fwd_pid[i])
			kb->fwd_pid[i] = 0; /* the forward ended: the pod went away */
		return DRILL_ENOTFOUND;
	}
	*url = drill_xasprintf("http://127.0.0.1:%d", kb->fwd_port[i]);
	return 0;
}

static int kube_replica_up(struct drill_platform *p, int i)
{
	char *url = NULL;
	if (kube_replica_url(p, i, &url) != 0)
		return 0;
	int up = drill_client_ready(url);
	free(url);
	return up;
}

static void kube_destroy(struct drill_platform *p)
{
	struct drill_kube *kb = drill_kube_of(p);
	if (kb) {
		if (kb->fwd_pid)
			stop_forwards(p);
		if (kb->created && kb->fl->remove(p))
			drill_log_warn("%s", drill_err_last());
		drill_k8s_close(kb->api);
		for (size_t k = 0; k < sizeof(kb->node_words) / sizeof(kb->node_words[0]); k++)
			free(kb->node_words[k]);
		for (size_t k = 0; k < kb->n_zones; k++)
			free(kb->zones[k]);
		free(kb->zones);
		free(kb->name);
		free(kb->release);
		free(kb->chart);
		free(kb->namespace_);
		free(kb->blockchain_id);
		free(kb->storage_class);
		free(kb->pdir);
		free(kb->logs);
		free(kb->kubeconfig);
		free(kb->cmdlog);
		free(kb->fwd_pid);
		free(kb->fwd_port);
		free(kb);
	}
	free(p->workspace);
	free(p);
}

/* --- Opening ------------------------------------------------------------------------------------ */

/* The runbook's StorageClass (its first backup step), with the scenario's reclaimPolicy. */
static int storage_class(struct drill_platform *p)
{
	struct drill_kube *kb = drill_kube_of(p);
	int rc = kb->fl->prepare_storage ? kb->fl->prepare_storage(p) : 0;
	char *yaml = drill_xasprintf(
		"apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: %s}\n"
		"provisioner: %s\n%sreclaimPolicy: %s\nvolumeBindingMode: %s\n", kb->storage_class,
		kb->fl->provisioner,
		!strcmp(kb->fl->provisioner, "rancher.io/local-path")
			? "parameters: {pathPattern: \"{{ .PVC.Namespace }}/{{ .PVC.Name }}\"}\n" : "",
		p->spec.reclaim == DRILL_RECLAIM_DELETE ? "Delete" : "Retain", kb->fl->binding_mode);
	char *path = rc ? NULL : drill_kube_write_file(p, "storageclass.yaml", yaml);
	free(yaml);
	if (!rc && !path)
		rc = DRILL_EFAIL;
	const char *del[] = {"kubectl", "--kubeconfig", kb->kubeconfig, "delete", "storageclass",
			     kb->storage_class, "--ignore-not-found", NULL};
	const char *apply[] = {"kubectl", "--kubeconfig", kb->kubeconfig, "apply", "-f", path, NULL};
	if (!rc)
		rc = drill_kube_tool(p, TOOL_TIMEOUT_MS, del);
	if (!rc)
		rc = drill_kube_tool(p, TOOL_TIMEOUT_MS, apply);
	free(path);
	return rc;
}

/* After the cluster exists: the API client from its kubeconfig, and the StorageClass. */
static int connect_cluster(struct drill_platform *p)
{
	struct drill_kube *kb = drill_kube_of(p);
	struct drill_kubeconfig kc;
	int rc = drill_kubeconfig_load(&kc, kb->kubeconfig, NULL);
	if (rc)
		return drill_err_wrap(rc, "platform %s: the cluster's kubeconfig", kb->fl->name);
	rc = drill_k8s_open(&kb->api, &kc, 0);
	drill_kubeconfig_free(&kc);
	if (!rc)
		rc = storage_class(p);
	return rc;
}

/* The same driver under each flavor's name. */
#define KUBE_OPS(flavor)                                                                       \
	{                                                                                      \
		.name = flavor, .install = kube_install, .uninstall = kube_uninstall,          \
		.scale = kube_scale, .stop_replica = kube_stop_replica,                        \
		.start_replica = kube_start_replica, .kill_replica = NULL,                     \
		.replica_up = kube_replica_up, .replica_url = kube_replica_url,                \
		.volume_root = kube_volume_root, .destroy = kube_destroy,                      \
	}
/* kill_replica is NULL: a pod's crash (SIGKILL inside the node) is not modelled yet. */
static const struct drill_platform_ops kind_ops = KUBE_OPS("kind");
static const struct drill_platform_ops minikube_ops = KUBE_OPS("minikube");

#define CHART_REL "deploy/helm/chaindrill"

/* The chart helm installs: $CHAINDRILL_CHART, else ./deploy/helm/chaindrill in a source checkout,
 * else the installed one beside the binary (drill_fs_data_path). Free the result. */
static char *chart_path(void)
{
	const char *chart = getenv("CHAINDRILL_CHART");
	return chart && *chart ? drill_xstrdup(chart) : drill_fs_data_path(CHART_REL);
}

static struct drill_kube *kube_new(const struct drill_kube_flavor *fl, const char *ws,
				   const struct drill_cluster_spec *spec)
{
	struct drill_kube *kb = drill_xcalloc(1, sizeof(*kb));
	kb->fl = fl;
	kb->release = drill_xstrdup(spec->release ? spec->release : "chaindrill");
	kb->name = drill_xasprintf("chaindrill-%.30s", kb->release);
	kb->chart = chart_path();
	kb->namespace_ = drill_xstrdup(spec->namespace_ ? spec->namespace_ : "default");
	kb->blockchain_id = drill_xstrdup(spec->blockchain_id ? spec->blockchain_id : "blockchain");
	kb->storage_class = drill_xstrdup(spec->storage_class ? spec->storage_class : "standard");
	kb->n_zones = spec->n_zones;
	kb->zones = drill_xcalloc(spec->n_zones + 1, sizeof(*kb->zones));
	for (size_t k = 0; k < spec->n_zones; k++)
		kb->zones[k] = drill_xstrdup(spec->zones[k]);
	kb->pdir = drill_xasprintf("%s/platform", ws);
	kb->logs = drill_xasprintf("%s/logs", ws);
	kb->kubeconfig = drill_xasprintf("%s/kubeconfig", kb->pdir);
	kb->cmdlog = drill_xasprintf("%s/commands.log", kb->pdir);
	kb->fwd_pid = drill_xcalloc((size_t)spec->replicas, sizeof(*kb->fwd_pid));
	kb->fwd_port = drill_xcalloc((size_t)spec->replicas, sizeof(*kb->fwd_port));
	return kb;
}

/* Without $CHAINDRILL_CHART, the chart (chart_path) must exist. Checked before any cluster is made,
 * so that a chaindrill run outside a checkout without its installed data says so at once rather
 * than as helm's error after minutes of cluster creation. */
static int check_chart(const char *platform)
{
	const char *env = getenv("CHAINDRILL_CHART");
	if (env && *env)
		return 0; /* the user's: a directory, an archive or a repo/chart reference */
	char *chart = chart_path();
	int rc = 0;
	if (!drill_fs_is_dir(chart))
		rc = drill_err(DRILL_EENV, "platform %s: no Helm chart: neither ./" CHART_REL " (a "
			       "source checkout) nor share/chaindrill/" CHART_REL " beside the "
			       "installed chaindrill exists; run from the checkout, install "
			       "chaindrill, or set CHAINDRILL_CHART", platform);
	free(chart);
	return rc;
}

int drill_platform_kube_open(struct drill_platform **out, const struct drill_kube_flavor *fl,
			     const char *workspace, const struct drill_cluster_spec *spec)
{
	*out = NULL;
	if (spec->replicas < 1)
		return drill_err(DRILL_EINPUT, "a cluster needs at least one replica");
	int rc = drill_platform_check_container_tools(fl->name);
	if (!rc)
		rc = check_chart(fl->name);
	if (rc)
		return rc;
	char *ws = realpath(workspace, NULL);
	if (!ws)
		return drill_err(DRILL_EINPUT, "workspace %s: %s", workspace, strerror(errno));
	struct drill_platform *p = drill_xcalloc(1, sizeof(*p));
	struct drill_kube *kb = kube_new(fl, ws, spec);
	p->ops = !strcmp(fl->name, "kind") ? &kind_ops : &minikube_ops;
	p->workspace = ws;
	p->impl = kb;
	p->spec = *spec;
	p->spec.namespace_ = kb->namespace_;
	p->spec.blockchain_id = kb->blockchain_id;
	p->spec.storage_class = kb->storage_class;
	p->spec.release = kb->release;
	p->spec.zones = (const char *const *)kb->zones;
	rc = drill_fs_mkdir_p(kb->pdir, 0755);
	if (!rc)
		rc = drill_fs_mkdir_p(kb->logs, 0755);
	for (int i = 0; i < spec->replicas && !rc; i++) {
		char *dir = fl->node_volumes(p, i);
		rc = drill_fs_mkdir_p(dir, 0755);
		free(dir);
		dir = fl->node_csi_data ? fl->node_csi_data(p, i) : NULL;
		if (!rc && dir)
			rc = drill_fs_mkdir_p(dir, 0755);
		free(dir);
	}
	if (!rc)
		rc = fl->create(p);
	/* A half-made cluster (created, image not loaded) is deleted too; deleting one that does not
	 * exist is harmless to kind and minikube. */
	kb->created = rc != DRILL_EINPUT;
	if (!rc)
		rc = connect_cluster(p);
	if (rc) {
		char *why = drill_xstrdup(drill_err_last());
		kube_destroy(p);
		rc = drill_err(rc, "%s", why);
		free(why);
		return rc;
	}
	*out = p;
	return 0;
}
