/* tests/tools/kubeconfig_load.c — `kubeconfig-load FILE [CONTEXT]`: read a kubeconfig as the
 * kind and minikube platforms do, print what was resolved, or the error and chaindrill's exit
 * code for it. No chaindrill command reads a user's kubeconfig directly (the platforms read the
 * one they wrote), so the bad-kubeconfig corpus is driven through this. */
#include "k8s/k8s.h"
#include "util/err.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: kubeconfig-load FILE [CONTEXT]\n");
		return 2;
	}
	struct drill_kubeconfig kc;
	int rc = drill_kubeconfig_load(&kc, argv[1], argc == 3 ? argv[2] : NULL);
	if (rc) {
		fprintf(stderr, "chaindrill: %s\n", drill_err_last());
		return drill_err_exit_code(rc);
	}
	printf("context %s server %s namespace %s\n", kc.context, kc.server, kc.namespace_);
	drill_kubeconfig_free(&kc);
	return 0;
}
