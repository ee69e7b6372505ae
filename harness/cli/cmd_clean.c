/* cli/cmd_clean.c — `chaindrill clean WORKSPACE...`: remove what runs left behind. */
#include "cli/cmd.h"

#include "drill/drill.h"
#include "util/err.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: chaindrill clean WORKSPACE...\n"
	"\n"
	"Removes chaindrill workspaces: one kept by --keep or by a drill whose outcome differed,\n"
	"or one a killed run left. Replica processes an interrupted run left are stopped first.\n"
	"A directory without chaindrill's workspace marker is refused and left untouched; one a\n"
	"running chaindrill holds is left alone. A WORKSPACE that does not exist is nothing to do.\n\n"
	"Options:\n"
	"  -h, --help         this help\n\n"
	"Exit codes: 0 all cleaned, 1 a removal failed, 2 usage error or a directory refused.\n\n"
	"Example:\n"
	"  chaindrill clean .chaindrill/work/*\n";

int drill_cmd_clean(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	int worst = 0;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-') {
			fprintf(stderr, "chaindrill: clean: unknown option '%s'\n", argv[i]);
			fputs(usage, stderr);
			return 2;
		}
	}
	for (int i = 1; i < argc; i++) {
		json_t *rec = NULL;
		int rc = drill_workspace_clean(argv[i], &rec);
		if (rc) {
			fprintf(stderr, "chaindrill: clean: %s\n", drill_err_last());
			int code = drill_err_exit_code(rc);
			worst = code > worst ? code : worst;
		} else if (!rec) {
			printf("%s: no such workspace, nothing to clean\n", argv[i]);
		} else {
			const char *state = json_string_value(json_object_get(rec, "state"));
			printf("%s: removed (last run: %s; %d leftover replica(s) stopped, %zu partial "
			       "cop%s)\n", argv[i], state ? state : "unknown",
			       (int)json_integer_value(json_object_get(rec, "replicasStopped")),
			       json_array_size(json_object_get(rec, "partialCopiesRemoved")),
			       json_array_size(json_object_get(rec, "partialCopiesRemoved")) == 1 ? "y"
												    : "ies");
		}
		json_decref(rec);
	}
	return worst;
}
