/* cli/cmd_replica.c — `chaindrill replica` (placeholder until the module lands). */
#include "cli/cmd.h"

#include <stdio.h>

int drill_cmd_replica(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "chaindrill: replica: not built yet\n");
	return 3;
}
