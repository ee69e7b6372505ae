/* cli/cmd_validate.c — `chaindrill validate FILE... [-q]`: load and check scenario files without
 * running them (schema, cross-step rules, fault kinds and their parameters). */
#include "cli/cmd.h"

#include "drill/drill.h"
#include "scenario/scenario.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *to)
{
	fputs("usage: chaindrill validate [-q] SCENARIO.yaml...\n\n"
	      "Checks each file against the scenario schema (docs/scenario.md) and every name "
	      "`run`\nresolves (the storage vendor, fault kinds and their parameters), as `run` "
	      "does.\nPrints \"FILE: ok (N steps)\" per valid file and "
	      "\"chaindrill: FILE:LINE:COL: message\"\non stderr per invalid one.\n\n"
	      "Options:\n"
	      "  -q, --quiet        print nothing for a valid file\n"
	      "  -h, --help         this help\n\n"
	      "Exit codes: 0 every file is valid, 2 a file is invalid or a usage error.\n\n"
	      "Example:\n"
	      "  chaindrill validate scenarios/*.yaml\n", to);
}

int drill_cmd_validate(int argc, char **argv)
{
	int quiet = 0, files = 0, bad = 0, opts_done = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (opts_done || a[0] != '-' || !a[1])
			continue;
		if (!strcmp(a, "--"))
			opts_done = 1;
		else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			quiet = 1;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "chaindrill: validate: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	opts_done = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!opts_done && !strcmp(a, "--")) {
			opts_done = 1;
			continue;
		}
		if (!opts_done && a[0] == '-' && a[1])
			continue;
		files++;
		struct drill_scenario *sc = NULL;
		int rc = drill_scenario_load(&sc, a);
		if (!rc)
			rc = drill_check_scenario(sc);
		if (rc) {
			fprintf(stderr, "chaindrill: %s\n", drill_err_last());
			bad++;
		} else if (!quiet) {
			printf("%s: ok (%zu steps)\n", a, sc->n_steps);
		}
		drill_scenario_free(sc);
	}
	if (!files) {
		fprintf(stderr, "chaindrill: validate: no scenario file given\n");
		usage(stderr);
		return 2;
	}
	return bad ? 2 : 0;
}
