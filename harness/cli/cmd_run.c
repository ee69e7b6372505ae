/* cli/cmd_run.c — `chaindrill run` (placeholder until the module lands). */
#include "cli/cmd.h"

#include <stdio.h>

int drill_cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "chaindrill: run: not built yet\n");
	return 3;
}
