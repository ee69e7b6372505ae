/* tests/test_report_vendor_check.c — junit.xml of `vendor-check`: one testsuite per capability with
 * its own counts, a testcase per scenario (failure, error, skipped), a skipped testcase for a
 * capability with no scenario, escaping; report.json and junit.xml written side by side. */
#include "helpers.h"

#include "report/report.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>

static json_t *ran(const char *name, const char *cap, int matched, const char *mismatch,
		   const char *error)
{
	json_t *s = json_pack("{s:{s:s,s:s},s:s,s:f,s:b,s:[],s:s,s:s}", "scenario", "name", name,
			      "path", "set/x.yaml", "capability", cap, "wallSeconds", 0.5,
			      "matched", matched, "mismatches", "summary", "  [x] ...",
			      "rerun", "chaindrill vendor-check v.yaml --only x");
	if (mismatch)
		json_array_append_new(json_object_get(s, "mismatches"), json_string(mismatch));
	if (error) {
		json_object_set_new(s, "error", json_string(error));
		json_object_set_new(s, "errorKind", json_string("environment"));
	}
	return s;
}

static json_t *skipped(const char *name, const char *cap, const char *reason)
{
	return json_pack("{s:{s:s,s:s},s:s,s:b,s:s,s:f}", "scenario", "name", name, "path",
			 "set/y.yaml", "capability", cap, "skipped", 1, "reason", reason,
			 "wallSeconds", 0.0);
}

static json_t *vc(void)
{
	json_t *caps = json_pack(
		"[{s:s,s:s,s:b,s:[s,s,s]},{s:s,s:s,s:b,s:[s]},{s:s,s:s,s:b,s:s,s:[]}]",
		"name", "snapshot", "status", "failed", "declared", 1, "scenarios", "a", "b", "c",
		"name", "topology", "status", "skipped", "declared", 0, "scenarios", "d",
		"name", "consistencyAcrossVolumes", "status", "not-exercised", "declared", 1,
		"reason", "no scenario <yet>", "scenarios");
	json_t *scs = json_pack("[o,o,o,o]", ran("a", "snapshot", 1, NULL, NULL),
				ran("b", "snapshot", 0, "restoredBlock: expected 300 & 'more'", NULL),
				ran("c", "snapshot", 0, NULL, "vendor exec is not built"),
				skipped("d", "topology", "not declared"));
	return json_pack("{s:s,s:s,s:{s:s},s:o,s:o}", "schema", DRILL_REPORT_VC_SCHEMA, "startedAt",
			 "2026-11-25T00:00:00Z", "vendor", "name", "acme", "capabilities", caps,
			 "scenarios", scs);
}

/* The text between the start of the suite named `name` and its end (malloc'd). */
static char *suite(const char *xml, const char *name)
{
	char *open = drill_xasprintf("<testsuite name=\"acme.%s\"", name);
	const char *a = strstr(xml, open);
	free(open);
	assert_non_null(a);
	const char *b = strstr(a, "</testsuite>");
	assert_non_null(b);
	return drill_xasprintf("%.*s", (int)(b - a), a);
}

static void suites(void **state)
{
	(void)state;
	json_t *run = vc();
	char *xml = drill_report_vc_junit(run);
	assert_non_null(strstr(xml, "<testsuites name=\"chaindrill vendor-check acme\" tests=\"5\" "
				    "failures=\"1\" errors=\"1\" time="));
	char *s = suite(xml, "snapshot");
	assert_non_null(strstr(s, "tests=\"3\" failures=\"1\" errors=\"1\" skipped=\"0\""));
	assert_non_null(strstr(s, "<property name=\"status\" value=\"failed\"/>"));
	assert_non_null(strstr(s, "<testcase classname=\"chaindrill.vendor-check.snapshot\" name=\"a\""));
	assert_non_null(strstr(s, "<failure type=\"outcome-differed\" message=\"no restore; no "
				  "verdict (the drill stopped before verifying) — restoredBlock: "
				  "expected 300 &amp; &apos;more&apos;\">"));
	assert_non_null(strstr(s, "<error type=\"environment\" message=\"vendor exec is not built\"/>"));
	assert_non_null(strstr(s, "rerun: chaindrill vendor-check v.yaml --only x"));
	free(s);
	s = suite(xml, "topology");
	assert_non_null(strstr(s, "tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\""));
	assert_non_null(strstr(s, "<property name=\"declared\" value=\"false\"/>"));
	assert_non_null(strstr(s, "<skipped>not declared</skipped>"));
	assert_null(strstr(s, "<system-out>"));
	free(s);
	s = suite(xml, "consistencyAcrossVolumes");
	assert_non_null(strstr(s, "tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\""));
	assert_non_null(strstr(s, "name=\"consistencyAcrossVolumes\" time=\"0\">\n      <skipped>"
				  "no scenario &lt;yet&gt;</skipped>"));
	free(s);
	free(xml);
	json_decref(run);
}

static void write_both(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("report_vc");
	char *out = drill_xasprintf("%s/a/b", dir);
	json_t *run = vc();
	assert_drill_ok(drill_report_vc_write(out, run));
	char *jpath = drill_xasprintf("%s/report.json", out), *xpath = drill_xasprintf("%s/junit.xml", out);
	json_error_t jerr;
	json_t *back = json_load_file(jpath, 0, &jerr);
	assert_non_null(back);
	assert_string_equal(json_string_value(json_object_get(back, "schema")),
			    "chaindrill-vendor-check/1");
	assert_int_equal(json_array_size(json_object_get(back, "scenarios")), 4);
	assert_true(drill_fs_exists(xpath));
	json_decref(back);
	json_decref(run);
	free(jpath);
	free(xpath);
	free(out);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(suites),
		cmocka_unit_test(write_both),
	};
	return drill_test_run(tests, NULL, NULL);
}
