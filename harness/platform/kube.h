/* platform/kube.h — what the kind and minikube drivers share (kube.c), and what each provides.
 *
 * Both run a Kubernetes cluster whose nodes are containers and drive it as a person following the
 * runbook would: the cluster's own tool (kind, minikube) creates and deletes it, helm installs,
 * scales (global.replicaCount=0|1) and uninstalls the chart, kubectl scales one replica's
 * Deployment and port-forwards each running replica's pod to 127.0.0.1, the node (docker exec,
 * minikube ssh) hands the volumes' files to us and back, and the Kubernetes API (k8s/k8s.h) says
 * when pods are ready or gone. The volumes are host directories mounted into the node as its
 * /tmp/hostpath-provisioner, named <namespace>/<claim> as minikube's provisioner names them, so
 * copies, faults and restores work on host paths as on local.
 *
 *   <ws>/hostpath-provisioner/          the node's /tmp/hostpath-provisioner (kind: zone-a..c on
 *                                       the three-zone config)
 *   <ws>/csi-hostpath-data/             kind: the node's /var/lib/csi-hostpath-data, where the
 *                                       CSI hostpath driver keeps its volumes (csi-zone-a..c)
 *   <ws>/platform/kubeconfig            the cluster's kubeconfig (the user's is not touched)
 *   <ws>/platform/commands.log          every command run, one line each ("$ helm upgrade ...")
 *   <ws>/logs/<tool>.log                the commands' output; port-forward-<i>.log per replica */
#ifndef DRILL_PLATFORM_KUBE_H
#define DRILL_PLATFORM_KUBE_H

#include "platform/platform.h"

#include <stddef.h>
#include <sys/types.h>

#define DRILL_KUBE_NODE_VOLUMES "/tmp/hostpath-provisioner"
#define DRILL_KUBE_NODE_CSI_DATA "/var/lib/csi-hostpath-data" /* csi-driver-host-path's state */
#define DRILL_KUBE_IMAGE "chaindrill/replica:dev"
#define DRILL_KUBE_POD_UID 10001u /* the chart's securityContext.runAsUser/runAsGroup */
#define DRILL_KUBE_MAX_ARGS 48

struct drill_kube_flavor {
	const char *name; /* "kind" | "minikube" */
	/* Create the cluster and write its kubeconfig at kube->kubeconfig; load the replica image. */
	int (*create)(struct drill_platform *p);
	/* Delete the cluster (at destroy; errors are only logged). */
	int (*remove)(struct drill_platform *p);
	/* The argv words that run a command as root in replica i's node ("docker", "exec", NODE).
	 * Returns how many were put in `argv` (at most 8); strings live as long as the platform. */
	size_t (*node_prefix)(struct drill_platform *p, int i, const char **argv);
	/* The StorageClass's provisioner and binding mode, and what the provisioner needs first
	 * (kind: the local-path provisioner pointed at /tmp/hostpath-provisioner). */
	const char *provisioner, *binding_mode;
	int (*prepare_storage)(struct drill_platform *p);
	/* Host directory that is replica i's node's /tmp/hostpath-provisioner (malloc'd). */
	char *(*node_volumes)(struct drill_platform *p, int i);
	/* Host directory that is replica i's node's /var/lib/csi-hostpath-data, where the CSI
	 * hostpath driver keeps each volume as <volumeHandle>/ (malloc'd); NULL: not mounted. */
	char *(*node_csi_data)(struct drill_platform *p, int i);
};

struct drill_kube {
	const struct drill_kube_flavor *fl;
	char *name;       /* the cluster (kind) or profile (minikube): chaindrill-<release> */
	char *release, *chart, *namespace_, *blockchain_id, *storage_class;
	char **zones;
	size_t n_zones;
	char *pdir, *logs, *kubeconfig, *cmdlog;
	struct drill_k8s *api;
	int created, installed;
	pid_t *fwd_pid; /* kubectl port-forward per replica (0: none) */
	int *fwd_port;
	char *node_words[8]; /* owned strings the flavors hand out in node_prefix */
};

struct drill_kube *drill_kube_of(struct drill_platform *p);

/* Run a tool (looked up on PATH) to its end within timeout_ms, its output appended to
 * <ws>/logs/<argv[0]>.log and the command to commands.log. A tool that is not there is DRILL_EENV;
 * one that fails is DRILL_EFAIL naming the command, its exit status and the log's last lines. */
int drill_kube_tool(struct drill_platform *p, long timeout_ms, const char *const argv[]);
/* The host path of `node_path` on replica i's node, through the directories the node mounts from
 * the host (malloc'd). DRILL_EENV naming the path when it lies outside them; DRILL_EINPUT when it
 * has a ".." component (an API object must not lead a copy out of the mounts). */
int drill_kube_host_path(struct drill_platform *p, int i, const char *node_path, char **out);
/* Write `text` to <ws>/platform/<name> and return its path (malloc'd), or NULL on error. */
char *drill_kube_write_file(struct drill_platform *p, const char *name, const char *text);

/* The drivers: check the tools (DRILL_EENV naming each missing one), create the cluster. */
int drill_platform_kube_open(struct drill_platform **out, const struct drill_kube_flavor *fl,
			     const char *workspace, const struct drill_cluster_spec *spec);
extern const struct drill_kube_flavor drill_kube_kind;
extern const struct drill_kube_flavor drill_kube_minikube;

#endif
