/* cli/cmd_verify.c — `chaindrill verify` (placeholder until the module lands). */
#include "cli/cmd.h"

#include <stdio.h>

int drill_cmd_verify(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "chaindrill: verify: not built yet\n");
	return 3;
}
