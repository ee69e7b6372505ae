/* fuzz/fuzz_vendor.c — the inputs of `chaindrill vendor-check`: the same bytes read as a vendor
 * definition (drill_vendor_def_load) and as the standard set's manifest (drill_vc_manifest_load).
 * A manifest naming "vendor.yaml" finds the file itself, so its resolution runs too. */
#include "fuzz_util.h"

#include "scenario/vendor_def.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_write("vendor.yaml", data, size);
	struct drill_vendor_def *d = NULL;
	if (drill_vendor_def_load(&d, path) == 0)
		drill_vendor_def_free(d);
	struct drill_vc_manifest *m = NULL;
	if (drill_vc_manifest_load(&m, path) == 0)
		drill_vc_manifest_free(m);
	free(path);
	return 0;
}
