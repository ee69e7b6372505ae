/* cli/cmd_up.c — `chaindrill up` (placeholder until the module lands). */
#include "cli/cmd.h"

#include <stdio.h>

int drill_cmd_up(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "chaindrill: up: not built yet\n");
	return 3;
}
