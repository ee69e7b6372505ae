/* platform/minikube.c — the minikube flavor of the cluster driver (kube.h): one node on the docker
 * driver whose /tmp/hostpath-provisioner (where minikube's provisioner puts <namespace>/<claim>)
 * is the workspace's directory (--mount-string), `minikube ssh -- sudo` for the node. */
#include "platform/kube.h"

#include "util/bytes.h"
#include "util/err.h"

#include <stdlib.h>

static char *mk_node_volumes(struct drill_platform *p, int i)
{
	(void)i;
	return drill_xasprintf("%s/hostpath-provisioner", p->workspace);
}

static int mk_create(struct drill_platform *p)
{
	struct drill_kube *kb = drill_kube_of(p);
	if (kb->n_zones > 1)
		return drill_err(DRILL_EINPUT, "platform minikube runs one node; a scenario with "
				 "%zu zones needs platform kind (kind-config/three-zones.yaml)",
				 kb->n_zones);
	/* minikube writes the cluster's kubeconfig where $KUBECONFIG says: the workspace's, so
	 * the user's own is not touched. Every later command names it with --kubeconfig. */
	if (setenv("KUBECONFIG", kb->kubeconfig, 1) != 0)
		return drill_err(DRILL_EFAIL, "setenv KUBECONFIG failed");
	char *dir = mk_node_volumes(p, 0);
	char *mount = drill_xasprintf("%s:" DRILL_KUBE_NODE_VOLUMES, dir);
	const char *start[] = {"minikube", "start", "-p", kb->name, "--driver=docker", "--mount",
			       "--mount-string", mount, NULL};
	const char *load[] = {"minikube", "-p", kb->name, "image", "load", DRILL_KUBE_IMAGE, NULL};
	int rc = drill_kube_tool(p, 600000L, start);
	if (!rc && (rc = drill_kube_tool(p, 600000L, load)))
		drill_err_wrap(rc, "the replica image %s must be built first (see the README)",
			       DRILL_KUBE_IMAGE);
	free(mount);
	free(dir);
	return rc;
}

static int mk_remove(struct drill_platform *p)
{
	const char *argv[] = {"minikube", "delete", "-p", drill_kube_of(p)->name, NULL};
	return drill_kube_tool(p, 300000L, argv);
}

static size_t mk_node_prefix(struct drill_platform *p, int i, const char **argv)
{
	(void)i;
	argv[0] = "minikube";
	argv[1] = "-p";
	argv[2] = drill_kube_of(p)->name;
	argv[3] = "ssh";
	argv[4] = "--";
	argv[5] = "sudo";
	return 6;
}

const struct drill_kube_flavor drill_kube_minikube = {
	.name = "minikube",
	.create = mk_create,
	.remove = mk_remove,
	.node_prefix = mk_node_prefix,
	.provisioner = "k8s.io/minikube-hostpath",
	.binding_mode = "Immediate",
	.prepare_storage = NULL,
	.node_volumes = mk_node_volumes,
};
