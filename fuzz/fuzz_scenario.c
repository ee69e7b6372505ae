/* fuzz/fuzz_scenario.c — the scenario loader (drill_scenario_load) on any bytes. It must load or
 * refuse with a message, never crash, leak or read out of bounds. */
#include "fuzz_util.h"

#include "scenario/scenario.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_write("scenario.yaml", data, size);
	struct drill_scenario *s = NULL;
	if (drill_scenario_load(&s, path) == 0)
		drill_scenario_free(s);
	free(path);
	return 0;
}
