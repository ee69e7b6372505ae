/* report/report.h — what a run leaves for people and CI: reports/<run-id>/report.json and
 * junit.xml (docs/design.md §6; the format is documented in docs/reports.md).
 *
 * The drill engine builds one JSON object per scenario as it goes; a run is
 *   {"schema": "chaindrill-report/1", "runId", "startedAt", "chaindrillVersion", "outcome",
 *    "scenarios": [ ... ]}
 * and this module writes it out, and derives the JUnit XML from it. */
#ifndef DRILL_REPORT_REPORT_H
#define DRILL_REPORT_REPORT_H

#include <jansson.h>
#include <stddef.h>

#define DRILL_REPORT_SCHEMA "chaindrill-report/1"

/* A run id that does not exist yet under `root`: "<UTC yyyymmddTHHMMSSZ>-<name>[-<k>]". */
char *drill_report_new_run_id(const char *root, const char *name);

/* Write dir/report.json, dir/junit.xml and dir/report.html (each atomically); dir is created. */
int drill_report_write(const char *dir, json_t *run);
/* Before a drill: whether the report directory `dir` (or, while it does not exist, the nearest
 * directory above it, where it would be made) can take the report — writable, and with
 * DRILL_REPORT_ROOM bytes free. DRILL_EENV naming the directory otherwise ("no space left on
 * device", or why it is not writable), so a full disk stops the run before it starts. */
#define DRILL_REPORT_ROOM (1u << 20)
int drill_report_dir_check(const char *dir);

/* The JUnit XML of a run (malloc'd): one <testcase> per scenario; a <failure> says what differed,
 * an <error> says why a scenario could not run. */
char *drill_report_junit(json_t *run);

/* `chaindrill vendor-check` (docs/vendor-check.md): a run object
 *   {"schema": "chaindrill-vendor-check/1", "runId", "startedAt", "chaindrillVersion", "vendor",
 *    "outcome", "capabilities": [{"name", "declared", "status", "reason", "scenarios"}],
 *    "scenarios": [ scenario reports, each with "capability" ]}
 * written as dir/report.json and dir/junit.xml: one <testsuite> per capability, one <testcase>
 * per scenario (<skipped> for a capability the vendor does not declare). */
#define DRILL_REPORT_VC_SCHEMA "chaindrill-vendor-check/1"
int drill_report_vc_write(const char *dir, json_t *vc);
char *drill_report_vc_junit(json_t *vc);

/* report.html (docs/reports.md): the run as one self-contained page, no script, no request (its
 * Content-Security-Policy forbids any); every string from the report escaped. malloc'd. Handles a
 * run of either schema. drill_report_write and drill_report_vc_write write it too. */
char *drill_report_html(json_t *run);
int drill_report_html_write(const char *dir, json_t *run); /* dir/report.html, atomically */

/* root/index.html over every root/<run>/report.json: scenarios by runs (newest first), each cell
 * the outcome linking to the run's report.html. A report.json that does not parse or is not
 * chaindrill's is skipped with a note on the page. Written atomically. The counts may be NULL. */
int drill_report_index_write(const char *root, size_t *n_runs, size_t *n_skipped);

/* The headline of a scenario's report, the same in every report (the summary `run` prints,
 * report.html, the JUnit failure): first whether the restore itself succeeded, then the verdict of
 * what the replicas hold and which volumes that verdict is about, e.g.
 *   "restore FAILED at restore-volumes; verdict consistent on the original volumes (the restore
 *    did not change them)"
 * A drill whose restore failed can still end `consistent`: on the volumes the restore never
 * touched. Read from the scenario's restore steps (the last one that ran) and `observed`. */
enum drill_report_restore { DRILL_RESTORE_NONE, DRILL_RESTORE_OK, DRILL_RESTORE_FAILED,
			    DRILL_RESTORE_SKIPPED };
struct drill_report_headline {
	enum drill_report_restore restore;
	char restore_text[160]; /* "restore ok (block 6000)", "restore FAILED at check-state", ... */
	const char *failed_substep; /* DRILL_RESTORE_FAILED: the runbook substep, or NULL */
	const char *verdict;        /* observed.verdict, NULL when the drill stopped before it */
	const char *volumes;        /* "on the restored volumes", ... */
};
void drill_report_headline_parts(struct drill_report_headline *h, json_t *sc);
char *drill_report_headline(json_t *sc); /* the parts as one line, malloc'd */

/* XML-escape `s` (also drops characters XML 1.0 cannot carry). malloc'd. */
char *drill_report_xml_escape(const char *s);

/* ISO 8601 UTC time of now, "2026-11-25T05:07:10Z". Static buffer per thread. */
const char *drill_report_now_iso(void);

#endif
