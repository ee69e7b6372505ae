/* cli/cmd_run.c — `chaindrill run`: load every scenario, run each drill in its own workspace
 * (several at once with --jobs), print a short summary, write reports/<run-id>/. */
#include "cli/cmd.h"
#include "cli/common.h"

#include "drill/campaign.h"
#include "drill/drill.h"
#include "drill/plan.h"
#include "report/report.h"
#include "scenario/scenario.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/proc.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: chaindrill run SCENARIO.yaml... [--platform P] [--workspace DIR] [--report-dir DIR]\n"
	"                      [--seed N] [--jobs N] [--keep] [-v] [-q]\n"
	"       chaindrill run --campaign N [--seed S] [--only clean|faults] [--drill K] [--jobs N]\n"
	"       chaindrill run SCENARIO.yaml... --plan [--platform P] [--workspace DIR]\n\n"
	"Runs each scenario's drill and compares its outcome with the scenario's `expect`.\n\n"
	"Options:\n"
	"  --campaign N       instead of files: N drills drawn from seed S (default 1), each with\n"
	"                     a random fault and the outcome it must cause (docs/campaigns.md)\n"
	"  --drill K          with --campaign: run drill K of the campaign only (its rerun)\n"
	"  --only clean|faults  with --campaign: draw only fault-free or only faulty drills\n"
	"  --plan             print the commands a person would run for each scenario on the\n"
	"                     platform, in order, as a shell script; nothing is run (docs/plan.md)\n"
	"  --platform P       local (default), kind or minikube; overrides the scenario's\n"
	"  --workspace DIR    where drills keep volumes, backups and logs (default .chaindrill/work);\n"
	"                     each scenario uses DIR/<name>, removed when its outcome matched\n"
	"  --report-dir DIR   where report.json and junit.xml go (default reports/<run-id>); when\n"
	"                     this run creates DIR, the index beside it (DIR/../index.html) is\n"
	"                     rebuilt, else the `report index` command that would is printed\n"
	"  --seed N           overrides every scenario's seed\n"
	"  -j, --jobs N       run up to N drills at once (1..64, default 1)\n"
	"  --keep             keep every workspace, even when the outcome matched\n"
	"  -v, --verbose      more output (twice: debug)\n"
	"  -q, --quiet        only errors and one line per drill\n"
	"  -h, --help         this help\n\n"
	"Exit codes: 0 every outcome matched, 1 some differed, 2 usage or input error,\n"
	"3 environment error (a missing tool, no cluster), 130 interrupted by Ctrl-C (SIGINT),\n"
	"143 by SIGTERM: the drill stops at its next step, its replicas are stopped and the\n"
	"reports say \"interrupted\" (docs/reports.md).\n\n"
	"Example:\n"
	"  chaindrill run scenarios/0001-quickstart.yaml --seed 7 --keep\n";

struct job {
	struct drill_scenario *sc;
	char *workspace;
	char *rerun;
	json_t *report;
	int rc;
	pid_t pid;
	char *report_tmp;
	struct drill_campaign_drill cd; /* campaign mode */
};

/* Campaign mode: write drill k's scenario beside the workspaces (in dir, under wsbase) and load
 * it like any file. */
static int campaign_job(struct job *j, const char *dir, const char *wsbase, const char *platform,
			uint64_t seed, size_t k, size_t n, enum drill_campaign_only only)
{
	drill_campaign_make(&j->cd, seed, k, only);
	char *path = drill_xasprintf("%s/drill-%zu.yaml", dir, k);
	int rc = drill_fs_write_atomic(path, j->cd.yaml, strlen(j->cd.yaml));
	if (!rc)
		rc = drill_scenario_load(&j->sc, path);
	if (!rc)
		rc = drill_check_scenario(j->sc);
	if (rc)
		drill_err_wrap(rc, "campaign %" PRIu64 " drill %zu (a generator bug)", seed, k);
	free(path);
	char *ws = drill_cli_abs_word(wsbase);
	j->rerun = drill_xasprintf("%s run --campaign %zu --seed %" PRIu64 "%s%s --drill %zu%s%s "
				   "--workspace %s", drill_cli_self_word(), n, seed,
				   only ? " --only " : "", only ? drill_campaign_only_name(only) : "",
				   k, platform ? " --platform " : "", platform ? platform : "", ws);
	free(ws);
	return rc;
}

/* The one-line command that reruns a scenario's drill with the same seed and platform, in the
 * same workspace (--workspace is the base the drill's own directory is made in, so the rerun
 * does not nest), from any directory: every path absolute and shell-quoted. */
static char *rerun_command(const struct drill_scenario *sc, const struct drill_run_opts *o,
			   const char *wsbase)
{
	char *file = drill_cli_abs_word(sc->path), *ws = drill_cli_abs_word(wsbase);
	char *cmd = drill_xasprintf("%s run %s --seed %" PRIu64 "%s%s --workspace %s",
				    drill_cli_self_word(), file, o->has_seed ? o->seed : sc->seed,
				    o->platform ? " --platform " : "", o->platform ? o->platform : "",
				    ws);
	free(file);
	free(ws);
	return cmd;
}

/* The human summary of one drill (also kept in the report as "summary"). */
static void write_summary(FILE *out, json_t *rep, int quiet);

static void print_summary(json_t *rep, int quiet)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem)
		return;
	write_summary(mem, rep, quiet);
	fclose(mem);
	if (json_is_true(json_object_get(rep, "refused"))) /* its workspace: an error, on stderr */
		fprintf(stderr, "chaindrill: run: %s: %s\n", json_string_value(json_object_get(
			json_object_get(rep, "scenario"), "name")),
			json_string_value(json_object_get(rep, "error")));
	else
		fputs(text, stdout);
	json_object_set_new(rep, "summary", json_string(text));
	free(text);
}

static void write_summary(FILE *out, json_t *rep, int quiet)
{
	json_t *obs = json_object_get(rep, "observed");
	const char *name = json_string_value(json_object_get(json_object_get(rep, "scenario"), "name"));
	const char *err = json_string_value(json_object_get(rep, "error"));
	int matched = json_is_true(json_object_get(rep, "matched"));
	double secs = json_number_value(json_object_get(rep, "wallSeconds"));
	if (json_is_true(json_object_get(rep, "skipped"))) {
		fprintf(out, "%s: NOT RUN: %s\n", name,
			json_string_value(json_object_get(rep, "reason")));
		return;
	}
	if (err) {
		fprintf(out, "%s: %s (%.1f s): %s\n", name,
			json_is_true(json_object_get(rep, "interrupted")) ? "INTERRUPTED" : "ERROR",
			secs, err);
		if (json_is_true(json_object_get(rep, "workspaceKept")))
			fprintf(out, "  workspace kept: %s\n  rerun: %s\n",
				json_string_value(json_object_get(rep, "workspace")),
				json_string_value(json_object_get(rep, "rerun")));
		return;
	}
	char *headline = drill_report_headline(rep);
	fprintf(out, "%s: %s — %s (%.1f s)\n", name, headline,
	       matched ? "as expected" : "DIFFERS from expected", secs);
	free(headline);
	if (!quiet) {
		size_t i;
		json_t *st;
		json_array_foreach(json_object_get(rep, "steps"), i, st) {
			const char *status = json_string_value(json_object_get(st, "status"));
			fprintf(out, "  %2zu  %-34s %-8s", i,
			       json_string_value(json_object_get(st, "label")), status);
			if (json_object_get(st, "wallSeconds"))
				fprintf(out, " %7.2f s", json_number_value(json_object_get(st, "wallSeconds")));
			fprintf(out, "\n");
			const char *serr = json_string_value(json_object_get(st, "error"));
			if (serr)
				fprintf(out, "        %s\n", serr);
		}
		json_t *rb = json_object_get(obs, "restoredBlock");
		if (json_is_integer(rb))
			fprintf(out, "  restored block %" JSON_INTEGER_FORMAT "; RPO %" JSON_INTEGER_FORMAT
			       " blocks / %.1f s virtual; RTO %.2f s\n", json_integer_value(rb),
			       json_integer_value(json_object_get(obs, "rpoBlocks")),
			       json_number_value(json_object_get(obs, "rpoVirtualSeconds")),
			       json_number_value(json_object_get(obs, "rtoWallSeconds")));
		json_t *ab = json_object_get(obs, "agreedBlock");
		if (json_is_integer(ab))
			fprintf(out, "  agreed block %" JSON_INTEGER_FORMAT "%s\n", json_integer_value(ab),
			       json_is_true(json_object_get(obs, "dataLoss")) ? "; data was lost" : "");
	}
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(rep, "mismatches"), i, m)
		fprintf(out, "  differs: %s\n", json_string_value(m));
	if (!matched)
		fprintf(out, "  workspace kept: %s\n  rerun: %s\n",
		       json_string_value(json_object_get(rep, "workspace")),
		       json_string_value(json_object_get(rep, "rerun")));
}

/* --plan: each scenario's commands, nothing run and nothing written. The workspace shown is the
 * one `run` would use. */
static int print_plans(struct job *js, size_t n, const char *platform, const char *wsbase)
{
	for (size_t i = 0; i < n; i++) {
		char *ws = drill_xasprintf("%s/%s", wsbase, js[i].sc->name);
		if (i)
			printf("\n");
		int rc = drill_plan_write(stdout, js[i].sc, platform, ws);
		free(ws);
		if (rc) {
			fprintf(stderr, "chaindrill: %s\n", drill_err_last());
			return drill_err_exit_code(rc);
		}
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Run job j in a child process; its report comes back through a file. */
static pid_t start_child(struct job *j, const struct drill_run_opts *base)
{
	fflush(stdout);
	fflush(stderr);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	drill_proc_die_with_parent(parent);
	struct drill_run_opts o = *base;
	o.workspace = j->workspace;
	o.rerun = j->rerun;
	json_t *rep = NULL;
	int rc = drill_run_supervised(&rep, j->sc, &o);
	if (rep)
		json_dump_file(rep, j->report_tmp, JSON_COMPACT);
	drill_proc_child_exit(rc == 0 ? 0 : -rc);
}

int drill_cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"platform", required_argument, NULL, 'P'}, {"workspace", required_argument, NULL, 'w'},
		{"report-dir", required_argument, NULL, 'r'}, {"seed", required_argument, NULL, 's'},
		{"jobs", required_argument, NULL, 'j'}, {"keep", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'}, {"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'}, {"campaign", required_argument, NULL, 'C'},
		{"drill", required_argument, NULL, 'D'}, {"plan", no_argument, NULL, 'p'},
		{"only", required_argument, NULL, 'O'},
		{NULL, 0, NULL, 0}};
	uint64_t campaign = 0, only_drill = 0;
	int has_drill = 0, only = DRILL_CAMPAIGN_ALL;
	const char *platform = NULL, *wsbase = ".chaindrill/work", *report_dir = NULL;
	struct drill_run_opts opts = {0};
	uint64_t jobs = 1;
	int quiet = 0, c, exit_code = 0, plan = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hvqj:", longopts, NULL)) != -1) {
		switch (c) {
		case 'P': platform = optarg; break;
		case 'w': wsbase = optarg; break;
		case 'r': report_dir = optarg; break;
		case 's':
			if (drill_cli_parse_num(&opts.seed, optarg, "run: --seed", 0, UINT64_MAX, NULL))
				return 2;
			opts.has_seed = 1;
			break;
		case 'j':
			if (drill_cli_parse_num(&jobs, optarg, "run: --jobs", 1, 64,
						"a number of drills at once"))
				return 2;
			break;
		case 'k': opts.keep = 1; break;
		case 'p': plan = 1; break;
		case 'C':
			if (drill_cli_parse_num(&campaign, optarg, "run: --campaign", 1, 100000,
						"a number of drills"))
				return 2;
			break;
		case 'D':
			if (drill_cli_parse_num(&only_drill, optarg, "run: --drill", 0, 99999, NULL))
				return 2;
			has_drill = 1;
			break;
		case 'O':
			only = drill_campaign_only_parse(optarg);
			if (only < 0) {
				fprintf(stderr, "chaindrill: run: --only must be all, clean or faults\n");
				return 2;
			}
			break;
		case 'v': drill_cli_verbose(); break;
		case 'q': quiet = 1; drill_cli_quiet(); break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return drill_cli_usage_error(usage_text, "run", "%s",
						      drill_cli_bad_option(c, argc, argv));
		}
	}
	if (campaign && optind < argc) {
		fprintf(stderr, "chaindrill: run: --campaign draws its own scenarios; give no files\n");
		return 2;
	}
	if (plan && campaign) {
		fprintf(stderr, "chaindrill: run: --plan takes scenario files, not --campaign\n");
		return 2;
	}
	if (only && !campaign) {
		fprintf(stderr, "chaindrill: run: --only selects a campaign's drills; give --campaign N\n");
		return 2;
	}
	if (has_drill && (!campaign || only_drill >= campaign)) {
		fprintf(stderr, "chaindrill: run: --drill K needs --campaign N with K < N\n");
		return 2;
	}
	if (!campaign && optind >= argc)
		return drill_cli_usage_error(usage_text, "run", "no scenario file given");
	uint64_t campaign_seed = opts.has_seed ? opts.seed : 1;
	if (campaign)
		opts.has_seed = 0; /* --seed is the campaign's; each drill has its own */
	if (platform && strcmp(platform, "local") && strcmp(platform, "kind") &&
	    strcmp(platform, "minikube")) {
		fprintf(stderr, "chaindrill: run: --platform must be local, kind or minikube\n");
		return 2;
	}
	opts.platform = platform;
	if (!plan && drill_cli_check_report_dir("run", report_dir ? "--report-dir" : "report root",
						report_dir ? report_dir : "reports"))
		return 2;

	/* Every file is loaded and checked before anything runs. */
	size_t n = campaign ? (has_drill ? 1 : (size_t)campaign) : (size_t)(argc - optind);
	struct job *js = drill_xcalloc(n, sizeof(*js));
	if (campaign) {
		char *dir = drill_xasprintf("%s/campaign-%" PRIu64, wsbase, campaign_seed);
		int rc = drill_fs_mkdir_p(dir, 0755);
		for (size_t i = 0; i < n && !rc; i++)
			rc = campaign_job(&js[i], dir, wsbase, platform, campaign_seed,
					  has_drill ? (size_t)only_drill : i, (size_t)campaign,
					  (enum drill_campaign_only)only);
		free(dir);
		if (rc) {
			fprintf(stderr, "chaindrill: %s\n", drill_err_last());
			exit_code = drill_err_exit_code(rc);
			goto cleanup;
		}
	}
	for (size_t i = 0; i < n && !campaign; i++) {
		int rc = drill_scenario_load(&js[i].sc, argv[optind + (int)i]);
		if (!rc)
			rc = drill_check_scenario(js[i].sc);
		if (rc) {
			fprintf(stderr, "chaindrill: %s\n", drill_err_last());
			exit_code = drill_err_exit_code(rc);
		}
	}
	if (exit_code)
		goto cleanup;
	if (plan) {
		exit_code = print_plans(js, n, platform, wsbase);
		goto cleanup;
	}

	if (drill_fs_mkdir_p(wsbase, 0755) != 0) {
		fprintf(stderr, "chaindrill: %s\n", drill_err_last());
		exit_code = 2;
		goto cleanup;
	}
	/* a report directory on a full disk: said before any drill runs */
	if (drill_report_dir_check(report_dir ? report_dir : "reports") != 0) {
		fprintf(stderr, "chaindrill: %s\n", drill_err_last());
		exit_code = 3;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		char *name = drill_xstrdup(js[i].sc->name);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(js[k].sc->name, js[i].sc->name)) {
				free(name);
				name = drill_xasprintf("%s-%zu", js[i].sc->name, i + 1);
				break;
			}
		js[i].workspace = drill_xasprintf("%s/%s", wsbase, name);
		js[i].report_tmp = drill_xasprintf("%s/.%s.report.json", wsbase, name);
		if (!js[i].rerun)
			js[i].rerun = rerun_command(js[i].sc, &opts, wsbase);
		free(name);
	}

	if (quiet || jobs > 1) /* drills side by side would draw over each other's progress */
		drill_progress_off();
	drill_signals_install();
	json_t *run = json_object();
	const char *root = report_dir ? NULL : "reports";
	char *run_id = drill_report_new_run_id(root ? root : report_dir,
					       campaign ? "campaign" : js[0].sc->name);
	char *out_dir = report_dir ? drill_xstrdup(report_dir) : drill_xasprintf("reports/%s", run_id);
	json_object_set_new(run, "schema", json_string(DRILL_REPORT_SCHEMA));
	json_object_set_new(run, "runId", json_string(run_id));
	json_object_set_new(run, "startedAt", json_string(drill_report_now_iso()));
	json_object_set_new(run, "chaindrillVersion", json_string(CHAINDRILL_VERSION_STR));

	if (jobs == 1) {
		for (size_t i = 0; i < n && !drill_interrupted; i++) {
			opts.workspace = js[i].workspace;
			opts.rerun = js[i].rerun;
			js[i].rc = drill_run_supervised(&js[i].report, js[i].sc, &opts);
			if (js[i].report)
				print_summary(js[i].report, quiet);
			fflush(stdout);
		}
	} else {
		size_t next = 0, running = 0, done = 0;
		int forwarded = 0;
		while (done < n) {
			while (running < (size_t)jobs && next < n && !drill_interrupted) {
				js[next].pid = start_child(&js[next], &opts);
				running++;
				next++;
			}
			int status;
			pid_t pid = wait(&status);
			if (pid < 0 && errno == EINTR && drill_interrupted && !forwarded) {
				/* a signal sent to us alone (not Ctrl-C's process group) */
				for (size_t i = 0; i < n; i++)
					drill_interrupt_forward(js[i].pid);
				forwarded = 1;
			}
			if (pid < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			for (size_t i = 0; i < n; i++) {
				if (js[i].pid != pid)
					continue;
				json_error_t jerr;
				js[i].report = json_load_file(js[i].report_tmp, 0, &jerr);
				unlink(js[i].report_tmp);
				js[i].rc = WIFEXITED(status) ? -WEXITSTATUS(status) : DRILL_EFAIL;
				if (js[i].report)
					print_summary(js[i].report, quiet);
				fflush(stdout);
				js[i].pid = 0;
			}
			running--;
			done++;
			if (drill_interrupted && running == 0)
				break;
		}
	}

	json_t *arr = json_array();
	int any_env = 0, any_input = 0, any_diff = 0;
	size_t n_matched = 0;
	for (size_t i = 0; i < n; i++) {
		if (!js[i].report && drill_interrupted) { /* never started */
			char *why = drill_xasprintf("the run was interrupted by %s before it started",
						    drill_interrupt_name());
			js[i].report = json_pack("{s:{s:s,s:s},s:b,s:b,s:b,s:s,s:f,s:s}", "scenario",
						 "name", js[i].sc->name, "path", js[i].sc->path,
						 "matched", 0, "skipped", 1, "interrupted", 1,
						 "reason", why, "wallSeconds", 0.0, "rerun",
						 js[i].rerun);
			free(why);
			print_summary(js[i].report, quiet);
		}
		if (!js[i].report) {
			any_diff = 1;
			continue;
		}
		n_matched += json_is_true(json_object_get(js[i].report, "matched"));
		if (campaign)
			json_object_set_new(js[i].report, "campaign",
					    json_pack("{s:I,s:s,s:s,s:s}", "seed",
						      (json_int_t)campaign_seed, "fault", js[i].cd.fault,
						      "why", js[i].cd.why, "scenarioYaml",
						      js[i].cd.yaml));
		json_array_append(arr, js[i].report);
		any_env |= js[i].rc == DRILL_EENV;
		any_input |= js[i].rc == DRILL_EINPUT;
		any_diff |= !json_is_true(json_object_get(js[i].report, "matched"));
	}
	/* Interrupted (Ctrl-C, SIGTERM): 128 + the signal, as a shell reports it, so CI tells a
	 * cancelled job from a drill whose outcome differed. */
	exit_code = drill_interrupted ? drill_interrupt_exit_code() : any_env ? 3 : any_input ? 2 :
		    any_diff ? 1 : 0;
	if (campaign) {
		printf("campaign %" PRIu64 ": %zu drills, %zu matched, %zu differed\n", campaign_seed, n,
		       n_matched, n - n_matched);
		for (size_t i = 0; i < n; i++)
			if (!js[i].report || !json_is_true(json_object_get(js[i].report, "matched")))
				printf("  %s (%s) %s; reproduce: %s\n", js[i].cd.name, js[i].cd.fault,
				       json_is_true(json_object_get(js[i].report, "interrupted"))
					       ? "interrupted" : "differs", js[i].rerun);
		json_object_set_new(run, "campaign",
				    json_pack("{s:I,s:I,s:I}", "seed", (json_int_t)campaign_seed,
					      "drills", (json_int_t)n, "matched", (json_int_t)n_matched));
	}
	json_object_set_new(run, "outcome", json_string(drill_interrupted ? "interrupted" :
							exit_code == 0 ? "matched" :
							exit_code == 1 ? "differed" : "error"));
	if (drill_interrupted)
		json_object_set_new(run, "interrupted", json_string(drill_interrupt_name()));
	json_object_set_new(run, "scenarios", arr);
	int created = !drill_fs_exists(out_dir);
	if (drill_report_write(out_dir, run) != 0) {
		fprintf(stderr, "chaindrill: report: %s\n", drill_err_last());
		if (!exit_code)
			exit_code = 1;
	} else {
		printf("report: %s/report.json\njunit:  %s/junit.xml\nhtml:   %s/report.html\n",
		       out_dir, out_dir, out_dir);
		if (!report_dir)
			drill_cli_report_index("reports");
		else
			drill_cli_report_index_beside(report_dir, created);
	}
	if (drill_interrupted)
		fprintf(stderr, "chaindrill: run: interrupted by %s; replicas stopped, exit %d\n",
			drill_interrupt_name(), exit_code);
	json_decref(run);
	free(run_id);
	free(out_dir);
cleanup:
	for (size_t i = 0; i < n; i++) {
		drill_scenario_free(js[i].sc);
		json_decref(js[i].report);
		free(js[i].workspace);
		free(js[i].rerun);
		free(js[i].report_tmp);
		drill_campaign_drill_free(&js[i].cd);
	}
	free(js);
	return exit_code;
}
