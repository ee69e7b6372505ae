/* cli/cmd_faults.c — `chaindrill faults`: one line per fault kind, with its parameters. */
#include "cli/cmd.h"

#include "faults/faults.h"

#include <stdio.h>
#include <string.h>

int drill_cmd_faults(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: chaindrill faults\n\nLists the fault kinds a scenario's `fault:` step "
		       "can inject, one per line:\nNAME  PARAMETERS  SUMMARY\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "chaindrill: faults: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	size_t n = drill_fault_count();
	for (size_t i = 0; i < n; i++) {
		const struct drill_fault_kind *k = drill_fault_at(i);
		printf("%-28s %-40s %s\n", k->name, k->params, k->summary);
	}
	if (n == 0)
		printf("(no fault kinds are registered in this build)\n");
	return 0;
}
