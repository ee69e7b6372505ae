/* tests/test_report_junit.c — junit.xml from a run's report: counts, escaping, failure text. */
#include "helpers.h"

#include "report/report.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>

static json_t *scenario(const char *name, int matched, const char *mismatch, const char *error)
{
	json_t *s = json_pack("{s:{s:s,s:s},s:f,s:b,s:[],s:s,s:s}", "scenario", "name", name, "path",
			      "scenarios/x.yaml", "wallSeconds", 1.5, "matched", matched,
			      "mismatches", "summary", "steps…", "rerun", "chaindrill run x");
	if (mismatch)
		json_array_append_new(json_object_get(s, "mismatches"), json_string(mismatch));
	if (error) {
		json_object_set_new(s, "error", json_string(error));
		json_object_set_new(s, "errorKind", json_string("environment"));
	}
	return s;
}

static json_t *run_of(json_t *a, json_t *b, json_t *c)
{
	return json_pack("{s:s,s:s,s:[o,o,o]}", "runId", "20261125T000000Z-x", "startedAt",
			 "2026-11-25T00:00:00Z", "scenarios", a, b, c);
}

static void counts_and_elements(void **state)
{
	(void)state;
	json_t *run = run_of(scenario("ok-one", 1, NULL, NULL),
			     scenario("bad-one", 0, "verdict: expected consistent, observed divergent", NULL),
			     scenario("env-one", 0, NULL, "platform kind needs a running Docker engine"));
	char *xml = drill_report_junit(run);
	assert_non_null(strstr(xml, "<testsuites name=\"chaindrill\" tests=\"3\" failures=\"1\" errors=\"1\""));
	assert_non_null(strstr(xml, "<testcase classname=\"chaindrill.scenarios\" name=\"ok-one\""));
	/* the failure leads with the headline (no restore here, and no verdict in this report) */
	assert_non_null(strstr(xml, "<failure type=\"outcome-differed\" message=\"no restore; no "
				    "verdict (the drill stopped before verifying) — verdict: expected "
				    "consistent, observed divergent\">no restore; no verdict"));
	assert_non_null(strstr(xml, "<error type=\"environment\" message=\"platform kind needs a "
				    "running Docker engine\"/>"));
	assert_non_null(strstr(xml, "rerun: chaindrill run x"));
	/* the path rides in system-out: jenkins-junit.xsd has no `file` attribute on a testcase */
	assert_null(strstr(xml, " file="));
	assert_non_null(strstr(xml, "<system-out>file: scenarios/x.yaml\nsteps"));
	assert_non_null(strstr(xml, "timestamp=\"2026-11-25T00:00:00Z\""));
	free(xml);
	json_decref(run);
}

static void escaping(void **state)
{
	(void)state;
	char *s = drill_report_xml_escape("a<b>&\"c'\x01\td");
	assert_string_equal(s, "a&lt;b&gt;&amp;&quot;c&apos;\td");
	free(s);
	json_t *run = run_of(scenario("x", 0, "error: got '<&>'", NULL), scenario("y", 1, NULL, NULL),
			     scenario("z", 1, NULL, NULL));
	char *xml = drill_report_junit(run);
	assert_non_null(strstr(xml, " — error: got &apos;&lt;&amp;&gt;&apos;\""));
	assert_null(strstr(xml, "'<&>'"));
	free(xml);
	json_decref(run);
}

/* A restore that failed while the old volumes were left alone still ends `consistent`: the
 * failure's first words say the restore failed, where, and which volumes the verdict is about. */
static void failure_leads_with_the_restore(void **state)
{
	(void)state;
	json_t *sc = scenario("wrong-az", 0, "verdict: expected divergent, observed consistent", NULL);
	json_object_set_new(sc, "observed", json_pack("{s:s}", "verdict", "consistent"));
	json_object_set_new(sc, "steps", json_pack("[{s:i,s:s,s:s,s:{s:s,s:[{s:s},{s:s,s:s}]}}]",
						   "index", 5, "kind", "restore", "status", "failed",
						   "details", "replicaVolumes", "original", "steps",
						   "name", "scale-down", "name", "restore-volumes",
						   "status", "failed"));
	json_t *run = run_of(sc, scenario("y", 1, NULL, NULL), scenario("z", 1, NULL, NULL));
	char *xml = drill_report_junit(run);
	assert_non_null(strstr(xml, "<failure type=\"outcome-differed\" message=\"restore FAILED at "
				    "restore-volumes (step 5); verdict consistent on the original volumes "
				    "(the restore did not change them) — verdict: expected divergent, "
				    "observed consistent\">restore FAILED at restore-volumes (step 5); "
				    "verdict consistent on the original volumes (the restore did not "
				    "change them)\nverdict: expected divergent"));
	free(xml);
	json_decref(run);
}

static void writes_both_files(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("report-write");
	char *out = drill_xasprintf("%s/run-1", dir);
	json_t *run = run_of(scenario("a", 1, NULL, NULL), scenario("b", 1, NULL, NULL),
			     scenario("c", 1, NULL, NULL));
	assert_drill_ok(drill_report_write(out, run));
	char *path = drill_xasprintf("%s/report.json", out);
	json_error_t jerr;
	json_t *back = json_load_file(path, 0, &jerr);
	assert_non_null(back);
	assert_int_equal(json_array_size(json_object_get(back, "scenarios")), 3);
	free(path);
	path = drill_xasprintf("%s/junit.xml", out);
	assert_true(drill_fs_exists(path));
	free(path);
	char *id = drill_report_new_run_id(dir, "quickstart");
	assert_non_null(strstr(id, "-quickstart"));
	free(id);
	json_decref(back);
	json_decref(run);
	free(out);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_and_elements),
		cmocka_unit_test(escaping),
		cmocka_unit_test(failure_leads_with_the_restore),
		cmocka_unit_test(writes_both_files),
	};
	return drill_test_run(tests, NULL, NULL);
}
