/* cli/cmd_clean.c — `chaindrill clean WORKSPACE...`: remove what runs left behind. */
#include "cli/cmd.h"
#include "cli/common.h"

#include "drill/drill.h"
#include "util/err.h"
#include "util/log.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: chaindrill clean WORKSPACE... [-v] [-q]\n"
	"\n"
	"Removes chaindrill workspaces: one kept by --keep or by a drill whose outcome differed,\n"
	"or one a killed run left. Replica processes an interrupted run left are stopped first.\n"
	"A directory without chaindrill's workspace marker is refused and left untouched; one a\n"
	"running chaindrill holds is left alone. A WORKSPACE that does not exist is nothing to do.\n\n"
	"Options:\n"
	"  -v, --verbose      also each partial copy removed (twice: debug)\n"
	"  -q, --quiet        only errors: nothing for a workspace removed or not there\n"
	"  -h, --help         this help\n\n"
	"Exit codes: 0 all cleaned, 1 a removal failed, 2 usage error or a directory refused.\n\n"
	"Example:\n"
	"  chaindrill clean .chaindrill/work/*\n";

/* One workspace removed: a line on stdout (none with -q); with -v each partial copy it held. */
static void report_removed(const char *ws, json_t *rec, int quiet)
{
	const char *state = json_string_value(json_object_get(rec, "state"));
	json_t *partial = json_object_get(rec, "partialCopiesRemoved");
	size_t i;
	json_t *p;
	json_array_foreach(partial, i, p)
		drill_log_info("clean: %s: partial copy %s removed", ws, json_string_value(p));
	if (quiet)
		return;
	printf("%s: removed (last run: %s; %d leftover replica(s) stopped, %zu partial cop%s)\n",
	       ws, state ? state : "unknown",
	       (int)json_integer_value(json_object_get(rec, "replicasStopped")),
	       json_array_size(partial), json_array_size(partial) == 1 ? "y" : "ies");
}

int drill_cmd_clean(int argc, char **argv)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
						  {"verbose", no_argument, NULL, 'v'},
						  {"quiet", no_argument, NULL, 'q'},
						  {NULL, 0, NULL, 0}};
	int quiet = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hvq", longopts, NULL)) != -1) {
		switch (c) {
		case 'v': drill_cli_verbose(); break;
		case 'q': quiet = 1; drill_cli_quiet(); break;
		case 'h': fputs(usage, stdout); return 0;
		default: return drill_cli_usage_error(usage, "clean", "%s",
						      drill_cli_bad_option(c, argc, argv));
		}
	}
	if (optind >= argc)
		return drill_cli_usage_error(usage, "clean", "no workspace given");
	int worst = 0;
	for (int i = optind; i < argc; i++) {
		json_t *rec = NULL;
		int rc = drill_workspace_clean(argv[i], &rec);
		if (rc) {
			fprintf(stderr, "chaindrill: clean: %s\n", drill_err_last());
			int code = drill_err_exit_code(rc);
			worst = code > worst ? code : worst;
		} else if (!rec) {
			if (!quiet)
				printf("%s: no such workspace, nothing to clean\n", argv[i]);
		} else {
			report_removed(argv[i], rec, quiet);
		}
		json_decref(rec);
	}
	return worst;
}
