/* cli/cmd_vendor_check.c — `chaindrill vendor-check VENDOR.yaml`: the storage-vendor validation
 * kit (docs/vendor-check.md). Loads the vendor's definition and the standard scenario set's
 * manifest, runs every scenario of a capability the vendor declares with the scenario's storage
 * replaced by the vendor's (driver, program, timeout; cluster.zones from its topology), each in
 * its own workspace (several at once with --jobs, as `run` does), and reports a verdict per
 * capability: passed, failed, skipped (not declared) or not-exercised (no scenario for it). */
#include "cli/cmd.h"
#include "cli/common.h"

#include "drill/drill.h"
#include "report/report.h"
#include "scenario/scenario.h"
#include "scenario/vendor_def.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/progress.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SET_REL "scenarios/vendor-check"

static const char usage_text[] =
	"usage: chaindrill vendor-check VENDOR.yaml [--set DIR] [--only SCENARIO] [--workspace DIR]\n"
	"                               [--report-dir DIR] [--jobs N] [--keep] [-v] [-q]\n\n"
	"Runs the standard scenario set against a storage vendor and reports pass/fail per declared\n"
	"capability (docs/vendor-check.md).\n\n"
	"Options:\n"
	"  --set DIR          the standard set: DIR/manifest.yaml (default ./scenarios/vendor-check\n"
	"                     in a checkout, else the installed share/chaindrill/scenarios/\n"
	"                     vendor-check beside the binary; neither: exit 3)\n"
	"  --only NAME        run only the scenario of that name (the rerun of one failure)\n"
	"  --workspace DIR    where drills run (default .chaindrill/work/vendor-check/<vendor>);\n"
	"                     each scenario uses DIR/<name>, removed when its outcome matched\n"
	"  --report-dir DIR   where report.json and junit.xml go (default reports/<run-id>); the\n"
	"                     index beside it is rebuilt as `run` does (chaindrill help run)\n"
	"  -j, --jobs N       run up to N drills at once (1..64, default 1)\n"
	"  --keep             keep every workspace, even when the outcome matched\n"
	"  -v, --verbose      more output (twice: debug)\n"
	"  -q, --quiet        only errors and the per-capability result\n"
	"  -h, --help         this help\n\n"
	"Exit codes: 0 every declared capability passed, 1 one failed, 2 usage or input error,\n"
	"3 environment error (no standard set found, the vendor's program missing), 130 or 143\n"
	"interrupted by SIGINT (Ctrl-C) or SIGTERM.\n\n"
	"Example:\n"
	"  chaindrill vendor-check fixtures/vendors/ebs-sim.yaml --jobs 2\n";

enum cap_status { CAP_PASSED, CAP_FAILED, CAP_SKIPPED, CAP_UNTESTED, CAP_ERROR, CAP_INTERRUPTED };
static const char *const cap_status_names[] = {"passed", "failed", "skipped", "not-exercised",
					       "error", "interrupted"};

struct job {
	const struct drill_vc_entry *entry;
	struct drill_scenario *sc;
	int selected;      /* its capability is declared (and --only, if given, names it) */
	const char *skip_reason;
	char *workspace;
	char *rerun;
	char *report_tmp;
	json_t *report;
	int rc;
	pid_t pid;
};

/* Replace a string field of the scenario. */
static void set_str(char **field, const char *value)
{
	free(*field);
	*field = value ? drill_xstrdup(value) : NULL;
}

/* The scenario as this vendor runs it: its storage replaced by the vendor's; with topology, its
 * zones replaced by the vendor's and every fault `zone:` parameter, written against the
 * scenario's zones, mapped to the vendor's zone at the same position. */
static void apply_vendor(struct drill_scenario *sc, const struct drill_vendor_def *d)
{
	set_str(&sc->vendor, d->driver);
	set_str(&sc->vendor_program, d->program_path);
	sc->vendor_timeout_s = d->timeout_s;
	if (!d->declared[DRILL_CAP_TOPOLOGY])
		return;
	for (size_t i = 0; i < sc->n_steps; i++) {
		struct drill_step *st = &sc->steps[i];
		for (size_t p = 0; st->kind == DRILL_STEP_FAULT && p < st->n_params; p++) {
			if (strcmp(st->params[p].key, "zone"))
				continue;
			for (size_t k = 0; k < sc->n_zones; k++)
				if (!strcmp(sc->zones[k], st->params[p].value)) {
					set_str(&st->params[p].value, d->zones[k % d->n_zones]);
					break;
				}
		}
	}
	for (size_t k = 0; k < sc->n_zones; k++)
		free(sc->zones[k]);
	free(sc->zones);
	sc->zones = drill_xcalloc(d->n_zones, sizeof(*sc->zones));
	for (size_t k = 0; k < d->n_zones; k++)
		sc->zones[k] = drill_xstrdup(d->zones[k]);
	sc->n_zones = d->n_zones;
}

/* An exec vendor's program must be there and runnable before anything runs (exit code 3). */
static int check_program(const struct drill_vendor_def *d)
{
	struct stat st;
	if (!d->program_path)
		return 0;
	if (stat(d->program_path, &st) != 0)
		return drill_err(DRILL_EENV, "%s:%d:%d: exec.program: %s: %s", d->path,
				 d->program_line, d->program_col, d->program_path, strerror(errno));
	if (!S_ISREG(st.st_mode) || access(d->program_path, X_OK) != 0)
		return drill_err(DRILL_EENV, "%s:%d:%d: exec.program: %s: not an executable file",
				 d->path, d->program_line, d->program_col, d->program_path);
	return 0;
}

/* One scenario's summary (also kept in its report as "summary"). */
static void summarize(json_t *rep, const char *capability, int quiet)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return;
	const char *name = json_string_value(json_object_get(json_object_get(rep, "scenario"),
							     "name"));
	const char *err = json_string_value(json_object_get(rep, "error"));
	const char *verdict = json_string_value(json_object_get(json_object_get(rep, "observed"),
								"verdict"));
	int matched = json_is_true(json_object_get(rep, "matched"));
	double secs = json_number_value(json_object_get(rep, "wallSeconds"));
	if (err)
		fprintf(out, "  [%s] %s: %s (%.1f s): %s\n", capability, name,
			json_is_true(json_object_get(rep, "interrupted")) ? "INTERRUPTED" : "ERROR",
			secs, err);
	else
		fprintf(out, "  [%s] %s: %s — %s (%.1f s)\n", capability, name,
			verdict ? verdict : "no verdict", matched ? "as expected" : "DIFFERS", secs);
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(rep, "steps"), i, x) {
		const char *serr = json_string_value(json_object_get(x, "error"));
		if (serr && (!matched || !quiet))
			fprintf(out, "      step %zu %s: %s\n", i,
				json_string_value(json_object_get(x, "label")), serr);
	}
	json_array_foreach(json_object_get(rep, "mismatches"), i, x)
		fprintf(out, "      differs: %s\n", json_string_value(x));
	if (!matched)
		fprintf(out, "      workspace kept: %s\n      rerun: %s\n",
			json_string_value(json_object_get(rep, "workspace")),
			json_string_value(json_object_get(rep, "rerun")));
	fclose(out);
	if (json_is_true(json_object_get(rep, "refused"))) /* its workspace: an error, on stderr */
		fprintf(stderr, "chaindrill: vendor-check: %s: %s\n", name, err);
	else
		fputs(text, stdout);
	fflush(stdout);
	json_object_set_new(rep, "summary", json_string(text));
	free(text);
}

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
	int rc = drill_run(&rep, j->sc, &o);
	if (rep)
		json_dump_file(rep, j->report_tmp, JSON_COMPACT);
	drill_proc_child_exit(rc == 0 ? 0 : -rc);
}

/* Run the selected jobs, `jobs` at a time (in this process when 1). An environment error (the
 * vendor is not built, its program cannot run) would be the same for every scenario: no more
 * are started after the first. */
static void run_jobs(struct job *js, size_t n, uint64_t jobs, const struct drill_run_opts *base,
		     int quiet)
{
	int env = 0;
	if (jobs == 1) {
		for (size_t i = 0; i < n && !drill_interrupted && !env; i++) {
			if (!js[i].selected)
				continue;
			struct drill_run_opts o = *base;
			o.workspace = js[i].workspace;
			o.rerun = js[i].rerun;
			js[i].rc = drill_run(&js[i].report, js[i].sc, &o);
			if (js[i].report)
				summarize(js[i].report, drill_capability_name(js[i].entry->capability),
					  quiet);
			env = js[i].rc == DRILL_EENV;
		}
		return;
	}
	size_t next = 0, running = 0;
	int forwarded = 0;
	for (;;) {
		while (running < (size_t)jobs && next < n && !drill_interrupted && !env) {
			if (js[next].selected) {
				js[next].pid = start_child(&js[next], base);
				running += js[next].pid > 0;
			}
			next++;
		}
		if (running == 0)
			break;
		int status;
		pid_t pid = wait(&status);
		if (pid < 0 && errno == EINTR && drill_interrupted && !forwarded) {
			for (size_t i = 0; i < n; i++) /* a signal sent to us alone */
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
				summarize(js[i].report, drill_capability_name(js[i].entry->capability),
					  quiet);
			env |= js[i].rc == DRILL_EENV;
			js[i].pid = 0;
			running--;
		}
	}
}

static json_t *vendor_json(const struct drill_vendor_def *d)
{
	json_t *v = json_pack("{s:s,s:s?,s:s,s:s}", "name", d->name, "description",
			      d->description, "driver", d->driver, "path", d->path);
	if (d->program) {
		json_object_set_new(v, "program", json_string(d->program_path));
		json_object_set_new(v, "timeoutSeconds", json_integer(d->timeout_s));
	}
	if (d->n_zones) {
		json_t *z = json_array();
		for (size_t k = 0; k < d->n_zones; k++)
			json_array_append_new(z, json_string(d->zones[k]));
		json_object_set_new(v, "zones", z);
	}
	return v;
}

int drill_cmd_vendor_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"set", required_argument, NULL, 'S'}, {"only", required_argument, NULL, 'o'},
		{"workspace", required_argument, NULL, 'w'},
		{"report-dir", required_argument, NULL, 'r'}, {"jobs", required_argument, NULL, 'j'},
		{"keep", no_argument, NULL, 'k'}, {"help", no_argument, NULL, 'h'},
		{"verbose", no_argument, NULL, 'v'}, {"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0}};
	const char *set_dir = NULL, *only = NULL, *wsopt = NULL;
	const char *report_dir = NULL;
	struct drill_run_opts opts = {0};
	struct drill_vendor_def *def = NULL;
	struct drill_vc_manifest *man = NULL;
	struct job *js = NULL;
	char *manifest_path = NULL, *wsbase = NULL, *set_default = NULL;
	size_t n = 0;
	uint64_t jobs = 1;
	int quiet = 0, c, exit_code = 0, rc;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hvqj:", longopts, NULL)) != -1) {
		switch (c) {
		case 'S': set_dir = optarg; break;
		case 'o': only = optarg; break;
		case 'w': wsopt = optarg; break;
		case 'r': report_dir = optarg; break;
		case 'j':
			if (drill_cli_parse_num(&jobs, optarg, "vendor-check: --jobs", 1, 64,
						"a number of drills at once"))
				return 2;
			break;
		case 'k': opts.keep = 1; break;
		case 'v': drill_cli_verbose(); break;
		case 'q': quiet = 1; drill_cli_quiet(); break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return drill_cli_usage_error(usage_text, "vendor-check", "%s",
						      drill_cli_bad_option(c, argc, argv));
		}
	}
	if (optind >= argc)
		return drill_cli_usage_error(usage_text, "vendor-check", "no vendor file given");
	if (optind != argc - 1)
		return drill_cli_usage_error(usage_text, "vendor-check", "one vendor file, not %d",
					     argc - optind);
	const char *def_path = argv[optind];
	if (drill_cli_check_report_dir("vendor-check", report_dir ? "--report-dir" : "report root",
				       report_dir ? report_dir : "reports"))
		return 2;
	if (!set_dir) {
		/* Found as the Helm chart is (drill_fs_data_path): the checkout's, else the installed. */
		set_dir = set_default = drill_fs_data_path(SET_REL);
		if (!drill_fs_is_dir(set_dir)) {
			rc = drill_err(DRILL_EENV, "vendor-check: no standard scenario set: neither ./"
				       SET_REL " (a source checkout) nor share/chaindrill/" SET_REL
				       " beside the installed chaindrill exists; run from the "
				       "checkout, install chaindrill, or give --set DIR (the "
				       "directory of the set's manifest.yaml)");
			goto fail;
		}
	}

	/* Everything is loaded and checked before anything runs. */
	manifest_path = drill_xasprintf("%s/manifest.yaml", set_dir);
	rc = drill_vendor_def_load(&def, def_path);
	if (!rc)
		rc = drill_vc_manifest_load(&man, manifest_path);
	if (rc)
		goto fail;
	n = man->n;
	js = drill_xcalloc(n, sizeof(*js));
	for (size_t i = 0; i < n; i++) {
		js[i].entry = &man->entries[i];
		rc = drill_scenario_load(&js[i].sc, man->entries[i].path);
		if (rc)
			goto fail;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(js[k].sc->name, js[i].sc->name)) {
				rc = drill_err(DRILL_EINPUT, "%s: scenario name %s is also the name of "
					       "%s; names in the set must differ", js[i].sc->path,
					       js[i].sc->name, js[k].sc->path);
				goto fail;
			}
		apply_vendor(js[i].sc, def);
		enum drill_capability cap = js[i].entry->capability;
		js[i].selected = def->declared[cap];
		if (!js[i].selected)
			js[i].skip_reason = cap == DRILL_CAP_TOPOLOGY ?
				"not declared: the vendor has no capabilities.topology" :
				"not declared by the vendor";
		else if (only && strcmp(only, js[i].sc->name))
			js[i].selected = 0, js[i].skip_reason = "not selected by --only";
		/* A declared capability's scenarios must suit this vendor (zones, fault kinds). */
		if (js[i].selected && (rc = drill_check_scenario(js[i].sc)) != 0) {
			char *msg = drill_xstrdup(drill_err_last());
			rc = drill_err(rc, "%s (with the storage and zones of %s)", msg, def->path);
			free(msg);
			goto fail;
		}
	}
	if (only) {
		size_t k = 0;
		while (k < n && strcmp(js[k].sc->name, only))
			k++;
		if (k == n) {
			rc = drill_err(DRILL_EINPUT, "vendor-check: --only %s: no such scenario in %s",
				       only, manifest_path);
			goto fail;
		}
	}
	rc = check_program(def);
	if (rc)
		goto fail;

	wsbase = wsopt ? drill_xstrdup(wsopt) :
			 drill_xasprintf(".chaindrill/work/vendor-check/%s", def->name);
	if (drill_fs_mkdir_p(wsbase, 0755) != 0) {
		rc = drill_err_wrap(DRILL_EINPUT, "workspace");
		goto fail;
	}
	/* a report directory on a full disk: said before any drill runs */
	rc = drill_report_dir_check(report_dir ? report_dir : "reports");
	if (rc)
		goto fail;
	/* Each rerun works pasted anywhere: every path absolute and shell-quoted (cli/common.h). */
	char *w_def = drill_cli_abs_word(def_path), *w_set = drill_cli_abs_word(set_dir);
	char *w_ws = drill_cli_abs_word(wsbase);
	for (size_t i = 0; i < n; i++) {
		js[i].workspace = drill_xasprintf("%s/%s", wsbase, js[i].sc->name);
		js[i].report_tmp = drill_xasprintf("%s/.%s.report.json", wsbase, js[i].sc->name);
		js[i].rerun = drill_xasprintf("%s vendor-check %s --set %s --only %s --workspace %s",
					      drill_cli_self_word(), w_def, w_set, js[i].sc->name,
					      w_ws);
	}
	free(w_def);
	free(w_set);
	free(w_ws);

	printf("vendor-check: %s (driver %s) — %s\n", def->name, def->driver, def->path);
	fflush(stdout);
	drill_signals_install();
	json_t *vc = json_object();
	char *idname = drill_xasprintf("vendor-check-%s", def->name);
	char *run_id = drill_report_new_run_id(report_dir ? report_dir : "reports", idname);
	char *out_dir = report_dir ? drill_xstrdup(report_dir) : drill_xasprintf("reports/%s", run_id);
	free(idname);
	json_object_set_new(vc, "schema", json_string(DRILL_REPORT_VC_SCHEMA));
	json_object_set_new(vc, "runId", json_string(run_id));
	json_object_set_new(vc, "startedAt", json_string(drill_report_now_iso()));
	json_object_set_new(vc, "chaindrillVersion", json_string(CHAINDRILL_VERSION_STR));
	json_object_set_new(vc, "vendor", vendor_json(def));
	json_object_set_new(vc, "set", json_string(manifest_path));

	if (quiet || jobs > 1) /* scenarios side by side would draw over each other's progress */
		drill_progress_off();
	run_jobs(js, n, jobs, &opts, quiet);

	/* The scenario results, then one verdict per capability. */
	json_t *scs = json_array();
	int any_env = 0, any_input = 0;
	const char *env_msg = NULL;
	for (size_t i = 0; i < n && !env_msg; i++)
		if (js[i].selected && js[i].rc == DRILL_EENV)
			env_msg = json_string_value(json_object_get(js[i].report, "error"));
	for (size_t i = 0; i < n; i++) {
		const char *cap = drill_capability_name(js[i].entry->capability);
		json_t *r = js[i].report;
		if (!js[i].selected) {
			r = json_pack("{s:{s:s,s:s},s:s,s:b,s:s,s:f}", "scenario", "name",
				      js[i].sc->name, "path", js[i].sc->path, "capability", cap,
				      "skipped", 1, "reason", js[i].skip_reason, "wallSeconds", 0.0);
		} else if (!r && drill_interrupted) {
			char *why = drill_xasprintf("the run was interrupted by %s before it started",
						    drill_interrupt_name());
			r = json_pack("{s:{s:s,s:s},s:s,s:b,s:b,s:b,s:s,s:f}", "scenario", "name",
				      js[i].sc->name, "path", js[i].sc->path, "capability", cap,
				      "matched", 0, "skipped", 1, "interrupted", 1, "reason", why,
				      "wallSeconds", 0.0);
			free(why);
			printf("  [%s] %s: NOT RUN: %s\n", cap, js[i].sc->name,
			       json_string_value(json_object_get(r, "reason")));
		} else if (!r) {
			const char *why = env_msg ? "not run: an earlier scenario met an environment error" :
				"the drill left no report (its workspace could not be used)";
			r = json_pack("{s:{s:s,s:s},s:s,s:b,s:s,s:s,s:f}", "scenario", "name",
				      js[i].sc->name, "path", js[i].sc->path, "capability", cap,
				      "matched", 0, "error", why, "errorKind", "error",
				      "wallSeconds", 0.0);
		} else {
			json_incref(r);
			json_object_set_new(r, "capability", json_string(cap));
		}
		any_env |= js[i].selected && js[i].rc == DRILL_EENV;
		any_input |= js[i].selected && js[i].rc == DRILL_EINPUT;
		json_array_append_new(scs, r);
	}
	json_t *caps = json_array();
	int any_failed = 0;
	printf("capabilities of %s:\n", def->name);
	for (int cp = 0; cp < DRILL_CAP_COUNT; cp++) {
		const char *cname = drill_capability_name((enum drill_capability)cp);
		size_t total = 0, ran = 0, ok = 0, env_err = 0, stopped = 0;
		json_t *names = json_array(), *failed = json_array();
		for (size_t i = 0; i < n; i++) {
			if (js[i].entry->capability != (enum drill_capability)cp)
				continue;
			json_t *r = json_array_get(scs, i);
			total++;
			json_array_append_new(names, json_string(js[i].sc->name));
			if (!js[i].selected)
				continue;
			ran++;
			env_err += js[i].rc == DRILL_EENV || (!js[i].report && env_msg);
			stopped += json_is_true(json_object_get(r, "interrupted"));
			if (json_is_true(json_object_get(r, "matched")))
				ok++;
			else
				json_array_append_new(failed, json_string(js[i].sc->name));
		}
		enum cap_status st;
		char *reason;
		if (!def->declared[cp]) {
			st = CAP_SKIPPED;
			reason = drill_xstrdup(cp == DRILL_CAP_TOPOLOGY ?
				"not declared (no capabilities.topology)" : "not declared");
		} else if (total == 0) {
			st = CAP_UNTESTED;
			reason = drill_xasprintf("declared, but the standard set has no scenario that "
						 "can tell it apart (%s)", man->path);
		} else if (ran == 0) {
			st = CAP_SKIPPED;
			reason = drill_xstrdup("no scenario selected (--only)");
		} else if (stopped) {
			st = CAP_INTERRUPTED;
			reason = drill_xasprintf("interrupted by %s: %zu of %zu scenarios did not "
						 "finish", drill_interrupt_name(), stopped, ran);
		} else if (env_err) {
			st = CAP_ERROR;
			reason = drill_xasprintf("could not run: %s", env_msg);
		} else if (ok == ran) {
			st = CAP_PASSED;
			reason = drill_xasprintf("%zu of %zu scenarios as expected", ok, ran);
		} else {
			st = CAP_FAILED;
			any_failed = 1;
			reason = drill_xasprintf("%zu of %zu scenarios differed or could not run",
						 ran - ok, ran);
		}
		printf("  %-26s %-14s %s\n", cname, cap_status_names[st], reason);
		size_t i;
		json_t *f;
		json_array_foreach(failed, i, f) {
			for (size_t k = 0; k < n; k++) {
				if (strcmp(js[k].sc->name, json_string_value(f)))
					continue;
				json_t *r = json_array_get(scs, k), *m;
				const char *err = json_string_value(json_object_get(r, "error"));
				size_t mi;
				if (st == CAP_ERROR || st == CAP_INTERRUPTED)
					break;
				printf("      %s (%s):\n", js[k].sc->name, js[k].entry->file);
				if (err)
					printf("        error: %s\n", err);
				json_array_foreach(json_object_get(r, "mismatches"), mi, m)
					printf("        differs: %s\n", json_string_value(m));
			}
		}
		json_array_append_new(caps, json_pack("{s:s,s:b,s:s,s:s,s:o,s:o}", "name", cname,
						      "declared", def->declared[cp], "status",
						      cap_status_names[st], "reason", reason,
						      "scenarios", names, "failed", failed));
		free(reason);
	}
	json_object_set_new(vc, "capabilities", caps);
	json_object_set_new(vc, "scenarios", scs);
	exit_code = drill_interrupted ? drill_interrupt_exit_code() : any_env ? 3 : any_input ? 2 :
		    any_failed ? 1 : 0;
	json_object_set_new(vc, "outcome", json_string(drill_interrupted ? "interrupted" :
						       exit_code == 0 ? "passed" :
						       exit_code == 1 ? "failed" : "error"));
	if (drill_interrupted)
		json_object_set_new(vc, "interrupted", json_string(drill_interrupt_name()));
	if (any_env)
		fprintf(stderr, "chaindrill: vendor-check: %s: environment error: %s\n", def->name,
			env_msg ? env_msg : "see the report");
	int created = !drill_fs_exists(out_dir);
	if (drill_report_vc_write(out_dir, vc) != 0) {
		fprintf(stderr, "chaindrill: report: %s\n", drill_err_last());
		if (!exit_code)
			exit_code = 1;
	} else {
		printf("vendor-check: %s %s\nreport: %s/report.json\njunit:  %s/junit.xml\n",
		       def->name, drill_interrupted ? "INTERRUPTED" :
		       exit_code == 0 ? "PASSED (every declared capability passed)" :
		       exit_code == 1 ? "FAILED" : "ERROR", out_dir, out_dir);
		if (!report_dir)
			drill_cli_report_index("reports");
		else
			drill_cli_report_index_beside(report_dir, created);
	}
	json_decref(vc);
	free(run_id);
	free(out_dir);
	goto cleanup;
fail:
	fprintf(stderr, "chaindrill: %s\n", drill_err_last());
	exit_code = drill_err_exit_code(rc);
cleanup:
	for (size_t i = 0; js && i < n; i++) {
		drill_scenario_free(js[i].sc);
		json_decref(js[i].report);
		free(js[i].workspace);
		free(js[i].rerun);
		free(js[i].report_tmp);
	}
	free(js);
	free(wsbase);
	free(manifest_path);
	free(set_default);
	drill_vc_manifest_free(man);
	drill_vendor_def_free(def);
	return exit_code;
}
