/* cli/cmd_faults.c — `chaindrill faults` (placeholder until the module lands). */
#include "cli/cmd.h"

#include <stdio.h>

int drill_cmd_faults(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "chaindrill: faults: not built yet\n");
	return 3;
}
