/* cli/cmd_up.c — `chaindrill up`: bring up a scenario's cluster, run its steps, and keep the
 * replicas running until SIGINT/SIGTERM, so that the operator's commands (db-checkpoint) and
 * other tools can act on a live cluster. The replicas stop with this process. */
#include "cli/cmd.h"
#include "cli/common.h"

#include "drill/drill.h"
#include "scenario/scenario.h"
#include "util/err.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage_text[] =
	"usage: chaindrill up SCENARIO.yaml [--workspace DIR] [--platform P] [--seed N] [-v] [-q]\n\n"
	"Installs the scenario's cluster, runs its steps, prints the replicas' addresses and keeps\n"
	"them running until interrupted (Ctrl-C or SIGTERM). While it runs:\n"
	"  chaindrill db-checkpoint create --cluster DIR\n"
	"  chaindrill db-checkpoint status --cluster DIR\n"
	"The workspace is kept afterwards for inspection.\n\n"
	"Options:\n"
	"  --workspace DIR    the cluster's workspace (default .chaindrill/up)\n"
	"  --platform P       local (default), kind or minikube; overrides the scenario's\n"
	"  --seed N           overrides the scenario's seed\n"
	"  -v, --verbose      more output: each step as it starts (twice: debug)\n"
	"  -q, --quiet        only errors and the replicas' addresses; no warnings, no progress\n"
	"  -h, --help         this help\n\n"
	"Exit codes: 0 stopped cleanly after an interrupt, 1 a step failed, 2 usage or input\n"
	"error, 3 environment error.\n\n"
	"Example:\n"
	"  chaindrill up scenarios/0001-quickstart.yaml --workspace /tmp/cluster\n";

int drill_cmd_up(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"platform", required_argument, NULL, 'P'}, {"workspace", required_argument, NULL, 'w'},
		{"seed", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'},
		{"verbose", no_argument, NULL, 'v'}, {"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0}};
	struct drill_run_opts opts = {.workspace = ".chaindrill/up", .hold = 1};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hvq", longopts, NULL)) != -1) {
		switch (c) {
		case 'P': opts.platform = optarg; break;
		case 'w': opts.workspace = optarg; break;
		case 's':
			if (drill_cli_parse_num(&opts.seed, optarg, "up: --seed", 0, UINT64_MAX, NULL))
				return 2;
			opts.has_seed = 1;
			break;
		case 'v': drill_cli_verbose(); break;
		case 'q': drill_cli_quiet(); break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return drill_cli_usage_error(usage_text, "up", "%s",
						      drill_cli_bad_option(c, argc, argv));
		}
	}
	if (optind >= argc)
		return drill_cli_usage_error(usage_text, "up", "no scenario file given");
	if (optind != argc - 1)
		return drill_cli_usage_error(usage_text, "up", "one scenario file, not %d",
					     argc - optind);
	struct drill_scenario *sc = NULL;
	int rc = drill_scenario_load(&sc, argv[optind]);
	if (!rc)
		rc = drill_check_scenario(sc);
	if (rc) {
		fprintf(stderr, "chaindrill: %s\n", drill_err_last());
		drill_scenario_free(sc);
		return drill_err_exit_code(rc);
	}
	drill_signals_install();
	json_t *rep = NULL;
	rc = drill_run(&rep, sc, &opts);
	int code = 0;
	if (rc) {
		fprintf(stderr, "chaindrill: up: %s\n", drill_err_last());
		code = drill_err_exit_code(rc);
	} else if (json_string_value(json_object_get(json_object_get(rep, "observed"), "error"))) {
		fprintf(stderr, "chaindrill: up: step failed: %s\n",
			json_string_value(json_object_get(json_object_get(rep, "observed"), "error")));
		code = 1;
	} else {
		printf("cluster stopped; workspace kept: %s\n", opts.workspace);
	}
	json_decref(rep);
	drill_scenario_free(sc);
	return code;
}
