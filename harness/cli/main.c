/* cli/main.c — `chaindrill`: a thin dispatcher over the subcommands of docs/design.md §2. */
#include "cli/cmd.h"

#include "util/err.h"
#include "util/forksrv.h"
#include "util/http.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

#ifndef CHAINDRILL_VERSION
#define CHAINDRILL_VERSION "dev"
#endif

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{"run", drill_cmd_run, "run scenario drills and report whether each outcome matched"},
	{"validate", drill_cmd_validate, "check scenario files without running them"},
	{"verify", drill_cmd_verify, "verify replica databases and give the cross-replica verdict"},
	{"db-checkpoint", drill_cmd_db_checkpoint, "create or list DB checkpoints on a running cluster"},
	{"up", drill_cmd_up, "bring up a scenario's cluster and keep it running until interrupted"},
	{"faults", drill_cmd_faults, "list the fault kinds"},
	{"clean", drill_cmd_clean, "remove workspaces that runs left (kept, or interrupted)"},
	{"report", drill_cmd_report, "rebuild reports/index.html over every run's report"},
	{"vendor-check", drill_cmd_vendor_check, "run the standard scenario set against a storage vendor"},
	{"replica", drill_cmd_replica, "the replica daemon (started by platforms)"},
};

static void usage(FILE *to)
{
	fprintf(to, "usage: chaindrill COMMAND [ARGS]\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(to, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(to, "\nOptions:\n  -h, --help         this help\n  --version          print the version\n"
		    "\n`chaindrill help COMMAND` or `chaindrill COMMAND --help` describes a command.\n\n"
		    "Exit codes: 0 outcome as expected, 1 outcome differed, 2 usage or input error,\n"
		    "3 environment error, 130 (143) run or vendor-check interrupted by Ctrl-C\n"
		    "(SIGTERM).\n\nExample:\n  chaindrill run scenarios/0001-quickstart.yaml\n");
}

/* `chaindrill help COMMAND` is `chaindrill COMMAND --help`; no command is run. */
static int help_command(int argc, char **argv)
{
	if (argc < 3) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[2], commands[i].name))
			return commands[i].fn(2, (char *[]){argv[2], "--help", NULL});
	fprintf(stderr, "chaindrill: help: unknown command '%s'\n", argv[2]);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "chaindrill: no command given\n");
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "help"))
		return help_command(argc, argv);
	if (!strcmp(argv[1], "--version")) {
		printf("chaindrill %s\n", CHAINDRILL_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[1], commands[i].name)) {
			/* first, while we have one thread: the readers of untrusted databases are
			 * forked from it (util/forksrv.h); the replica daemon forks none */
			if (strcmp(argv[1], "replica") != 0 && drill_forksrv_start() != 0)
				drill_log_warn("%s: forking readers directly", drill_err_last());
			if (drill_http_global_init() != 0) {
				fprintf(stderr, "chaindrill: cannot initialise libcurl\n");
				return 3;
			}
			int rc = commands[i].fn(argc - 1, argv + 1);
			drill_forksrv_stop(); /* reaped, its readers' CPU time is counted as ours */
			return rc;
		}
	}
	fprintf(stderr, "chaindrill: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
