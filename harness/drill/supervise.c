/* drill/supervise.c — a drill whose driver is killed on purpose, and its rerun.
 *
 * The `driver-crash` fault makes the driver SIGKILL itself in the middle of a copy: the state a
 * real crash leaves (replicas killed by their parent-death signal, a half-written backup, run.json
 * still "running"). To survive that, a scenario with the fault runs its first attempt in a child
 * process whose report comes back through a pipe:
 *
 *   child exits             its report is the drill's (the fault did not fire: the step that
 *                           armed it says why); "attempts" has one entry
 *   child SIGKILLed, with   the injected crash: the drill runs again, in this process, in the same
 *   <ws>/driver-crash.json  workspace, with the fault disarmed (after_crash). The rerun must find
 *                           the interrupted run (recoveredInterruptedRun: leftover replicas
 *                           stopped, partial copies removed) and then meet the scenario's expect
 *   anything else           the driver died on its own: an error, no rerun
 * The report is the rerun's, with "attempts" (both, with pid, status and timing) and
 * "driverCrash" (what the dying driver recorded, and what the rerun recovered). */
#include "drill/drill.h"

#include "report/report.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define REPORT_MAX (64u << 20)

static int has_driver_crash(const struct drill_scenario *sc)
{
	for (size_t i = 0; i < sc->n_steps; i++)
		if (sc->steps[i].kind == DRILL_STEP_FAULT &&
		    !strcmp(sc->steps[i].fault_kind, "driver-crash"))
			return 1;
	return 0;
}

/* Read the child's report until EOF (it may be empty: the child was killed). A signal that
 * interrupts us is passed on to the child, which stops and reports. */
static json_t *read_report(int fd, pid_t child)
{
	int forwarded = 0;
	struct drill_buf b;
	drill_buf_init(&b, REPORT_MAX);
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR) {
			if (drill_interrupted && !forwarded++)
				drill_interrupt_forward(child);
			continue;
		}
		if (n <= 0 || drill_buf_append(&b, chunk, (size_t)n) != 0)
			break;
	}
	json_error_t jerr;
	json_t *j = b.len ? json_loadb((const char *)b.data, b.len, 0, &jerr) : NULL;
	drill_buf_free(&b);
	return j;
}

static json_t *error_report(const struct drill_scenario *sc, const char *ws, const char *msg)
{
	return json_pack("{s:s,s:{s:s,s:s},s:s,s:s,s:s,s:b,s:o,s:o}", "schema", DRILL_REPORT_SCHEMA,
			 "scenario", "name", sc->name, "path", sc->path, "workspace", ws, "error", msg,
			 "errorKind", "error", "matched", 0, "mismatches", json_array(), "steps",
			 json_array());
}

int drill_run_supervised(json_t **report, const struct drill_scenario *sc,
			 const struct drill_run_opts *o)
{
	*report = NULL;
	if (!has_driver_crash(sc) || o->hold || o->after_crash)
		return drill_run(report, sc, o);

	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return drill_err(DRILL_EENV, "pipe: %s", strerror(errno));
	fflush(NULL);
	double t0 = drill_now_s();
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return drill_err(DRILL_EENV, "fork: %s", strerror(errno));
	}
	if (pid == 0) { /* the first attempt; the fault may kill it */
		drill_proc_die_with_parent(parent);
		close(fds[0]);
		json_t *rep = NULL;
		int rc = drill_run(&rep, sc, o);
		if (rep)
			json_dumpfd(rep, fds[1], JSON_COMPACT);
		json_decref(rep);
		close(fds[1]);
		fflush(NULL);
		drill_proc_child_exit(rc == 0 ? 0 : (-rc) & 0x7f);
	}
	close(fds[1]);
	json_t *first = read_report(fds[0], pid);
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	json_t *a1 = json_pack("{s:i,s:i,s:s,s:f}", "attempt", 1, "pid", (int)pid, "status",
			       drill_proc_status_str(status), "wallSeconds", drill_now_s() - t0);
	json_t *attempts = json_array();
	json_array_append_new(attempts, a1);

	if (WIFEXITED(status) && first) { /* the fault did not fire: that attempt is the drill */
		json_object_set_new(first, "attempts", attempts);
		*report = first;
		int code = WEXITSTATUS(status);
		const char *err = json_string_value(json_object_get(first, "error"));
		return code ? drill_err(-code, "%s", err ? err : "the drill failed") : 0;
	}
	json_decref(first);

	char *marker = drill_xasprintf("%s/driver-crash.json", o->workspace);
	json_error_t jerr;
	json_t *crash = json_load_file(marker, 0, &jerr);
	free(marker);
	if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && crash) || drill_interrupted) {
		char msg[512];
		snprintf(msg, sizeof(msg), "the driver (pid %d) %s%s", (int)pid,
			 drill_proc_status_str(status),
			 drill_interrupted ? " (interrupted)" : " outside the driver-crash fault");
		json_decref(crash);
		*report = error_report(sc, o->workspace, msg);
		json_object_set_new(*report, "attempts", attempts);
		if (drill_interrupted) {
			json_object_set_new(*report, "interrupted", json_true());
			json_object_set_new(*report, "errorKind", json_string("interrupted"));
		}
		return drill_err(DRILL_EFAIL, "%s", msg);
	}
	json_object_set(a1, "crash", crash);
	drill_log_warn("driver-crash: the driver (pid %d) was killed mid-copy as the scenario asked; "
		       "running the drill again in %s", (int)pid, o->workspace);

	struct drill_run_opts o2 = *o;
	o2.after_crash = 1;
	double t1 = drill_now_s();
	int rc = drill_run(report, sc, &o2);
	if (!*report) {
		json_decref(crash);
		json_decref(attempts);
		return rc;
	}
	json_array_append_new(attempts, json_pack("{s:i,s:i,s:s,s:f}", "attempt", 2, "pid",
						  (int)getpid(), "status", rc ? "error" : "finished",
						  "wallSeconds", drill_now_s() - t1));
	json_t *rec = json_object_get(*report, "recoveredInterruptedRun");
	json_object_set_new(*report, "attempts", attempts);
	json_object_set_new(*report, "driverCrash",
			    json_pack("{s:o,s:b}", "crash", crash, "rerunRecovered", rec != NULL));
	if (!rec && json_is_true(json_object_get(*report, "matched"))) {
		json_object_set_new(*report, "matched", json_false());
		json_array_append_new(json_object_get(*report, "mismatches"),
				      json_string("the rerun after the driver's crash did not find "
						  "the interrupted run in its workspace"));
	}
	return rc;
}
