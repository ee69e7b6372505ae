/* cli/cmd_replica.c — `chaindrill replica`: the replica daemon (replica/replica.h). */
#include "cli/cmd.h"

#include "replica/replica.h"

int drill_cmd_replica(int argc, char **argv)
{
	return drill_replica_main(argc, argv);
}
