/* fuzz/fuzz_kubeconfig.c — the kubeconfig reader (drill_kubeconfig_load) on any bytes, with its
 * current context. Files it names (certificate-authority, tokenFile) resolve beside it. */
#include "fuzz_util.h"

#include "k8s/k8s.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_write("kubeconfig", data, size);
	struct drill_kubeconfig kc;
	memset(&kc, 0, sizeof kc);
	if (drill_kubeconfig_load(&kc, path, NULL) == 0)
		drill_kubeconfig_free(&kc);
	free(path);
	return 0;
}
