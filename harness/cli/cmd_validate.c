/* cli/cmd_validate.c — `chaindrill validate` (placeholder until the module lands). */
#include "cli/cmd.h"

#include <stdio.h>

int drill_cmd_validate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "chaindrill: validate: not built yet\n");
	return 3;
}
