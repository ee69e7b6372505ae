/* platform/kind.c — the kind flavor of the cluster driver (kube.h): `kind create cluster` from a
 * config written into the workspace (kind-config/'s single node, or three workers labelled with
 * the scenario's zones), each node's /tmp/hostpath-provisioner mounted from the workspace
 * (extraMounts), the local-path provisioner pointed there, `docker exec <node>` for the node. */
#include "platform/kube.h"

#include "util/bytes.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ZONES 3 /* kind-config/three-zones.yaml */

static int zoned(struct drill_kube *kb)
{
	return kb->n_zones > 1;
}

static char *kind_node_volumes(struct drill_platform *p, int i)
{
	struct drill_kube *kb = drill_kube_of(p);
	if (!zoned(kb))
		return drill_xasprintf("%s/hostpath-provisioner", p->workspace);
	return drill_xasprintf("%s/zone-%c", p->workspace, 'a' + (int)((size_t)i % kb->n_zones));
}

static char *kind_node_csi_data(struct drill_platform *p, int i)
{
	struct drill_kube *kb = drill_kube_of(p);
	if (!zoned(kb))
		return drill_xasprintf("%s/csi-hostpath-data", p->workspace);
	return drill_xasprintf("%s/csi-zone-%c", p->workspace,
			       'a' + (int)((size_t)i % kb->n_zones));
}

/* kind-config/single-node.yaml or three-zones.yaml, with this workspace's directories. */
static char *kind_config(struct drill_platform *p)
{
	struct drill_kube *kb = drill_kube_of(p);
	struct drill_buf b;
	drill_buf_init(&b, 1 << 16);
	char *head = drill_xasprintf("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n"
				     "nodes:\n  - role: control-plane\n");
	drill_buf_append(&b, head, strlen(head));
	free(head);
	for (size_t k = 0; k < (zoned(kb) ? kb->n_zones : 1); k++) {
		char *dir = kind_node_volumes(p, (int)k), *csi = kind_node_csi_data(p, (int)k);
		char *node = zoned(kb) ? drill_xasprintf("  - role: worker\n    labels: "
							 "{topology.kubernetes.io/zone: %s}\n",
							 kb->zones[k])
				       : drill_xstrdup("");
		char *mount = drill_xasprintf("%s    extraMounts:\n      - {hostPath: %s, "
					      "containerPath: " DRILL_KUBE_NODE_VOLUMES "}\n"
					      "      - {hostPath: %s, "
					      "containerPath: " DRILL_KUBE_NODE_CSI_DATA "}\n",
					      node, dir, csi);
		drill_buf_append(&b, mount, strlen(mount));
		free(dir);
		free(csi);
		free(node);
		free(mount);
	}
	drill_buf_append(&b, "", 1);
	return (char *)b.data;
}

static int kind_create(struct drill_platform *p)
{
	struct drill_kube *kb = drill_kube_of(p);
	if (kb->n_zones > MAX_ZONES)
		return drill_err(DRILL_EINPUT, "platform kind: at most %d zones (kind-config/"
				 "three-zones.yaml), the scenario names %zu", MAX_ZONES, kb->n_zones);
	char *text = kind_config(p);
	char *config = drill_kube_write_file(p, "kind-config.yaml", text);
	free(text);
	if (!config)
		return DRILL_EFAIL;
	const char *create[] = {"kind", "create", "cluster", "--name", kb->name, "--config", config,
				"--kubeconfig", kb->kubeconfig, "--wait", "120s", NULL};
	const char *load[] = {"kind", "load", "docker-image", DRILL_KUBE_IMAGE, "--name", kb->name,
			      NULL};
	int rc = drill_kube_tool(p, 600000L, create);
	if (!rc && (rc = drill_kube_tool(p, 600000L, load)))
		drill_err_wrap(rc, "the replica image %s must be built first (see the README)",
			       DRILL_KUBE_IMAGE);
	free(config);
	return rc;
}

static int kind_remove(struct drill_platform *p)
{
	struct drill_kube *kb = drill_kube_of(p);
	const char *argv[] = {"kind", "delete", "cluster", "--name", kb->name, "--kubeconfig",
			      kb->kubeconfig, NULL};
	return drill_kube_tool(p, 300000L, argv);
}

/* docker exec <node>: the control plane, or replica i's zone's worker. */
static size_t kind_node_prefix(struct drill_platform *p, int i, const char **argv)
{
	struct drill_kube *kb = drill_kube_of(p);
	size_t k = zoned(kb) ? 1 + (size_t)i % kb->n_zones : 0;
	if (!kb->node_words[k])
		kb->node_words[k] = k == 0   ? drill_xasprintf("%s-control-plane", kb->name)
				    : k == 1 ? drill_xasprintf("%s-worker", kb->name)
					     : drill_xasprintf("%s-worker%zu", kb->name, k);
	argv[0] = "docker";
	argv[1] = "exec";
	argv[2] = kb->node_words[k];
	return 3;
}

/* The local-path provisioner keeps its volumes in /tmp/hostpath-provisioner (the mounts). */
static int kind_prepare_storage(struct drill_platform *p)
{
	struct drill_kube *kb = drill_kube_of(p);
	const char *argv[] = {
		"kubectl", "--kubeconfig", kb->kubeconfig, "--namespace", "local-path-storage",
		"patch", "configmap", "local-path-config", "--type", "merge", "--patch",
		"{\"data\": {\"config.json\": \"{\\\"nodePathMap\\\": [{\\\"node\\\": "
		"\\\"DEFAULT_PATH_FOR_NON_LISTED_NODES\\\", \\\"paths\\\": [\\\"" DRILL_KUBE_NODE_VOLUMES
		"\\\"]}]}\"}}",
		NULL};
	return drill_kube_tool(p, 60000L, argv);
}

const struct drill_kube_flavor drill_kube_kind = {
	.name = "kind",
	.create = kind_create,
	.remove = kind_remove,
	.node_prefix = kind_node_prefix,
	.provisioner = "rancher.io/local-path",
	.binding_mode = "WaitForFirstConsumer",
	.prepare_storage = kind_prepare_storage,
	.node_volumes = kind_node_volumes,
	.node_csi_data = kind_node_csi_data,
};
