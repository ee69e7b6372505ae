/* cli/cmd_db_checkpoint.c — `chaindrill db-checkpoint` (placeholder until the module lands). */
#include "cli/cmd.h"

#include <stdio.h>

int drill_cmd_db_checkpoint(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "chaindrill: db-checkpoint: not built yet\n");
	return 3;
}
