/* cli/cmd_faults.c — `chaindrill faults`: one line per fault kind, with its parameters. */
#include "cli/cmd.h"

#include "faults/faults.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *to)
{
	fputs("usage: chaindrill faults\n\n"
	      "Lists the fault kinds a scenario's `fault:` step can inject, one per line:\n"
	      "NAME  PARAMETERS  SUMMARY (docs/faults.md).\n\n"
	      "Options:\n"
	      "  -h, --help         this help\n\n"
	      "Exit codes: 0 listed, 2 usage error.\n\n"
	      "Example:\n"
	      "  chaindrill faults | grep backup\n", to);
}

int drill_cmd_faults(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "chaindrill: faults: unexpected argument '%s'\n", argv[1]);
		usage(stderr);
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
