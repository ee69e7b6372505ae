/* report/junit.c — the junit.xml of a run (one testsuite, a testcase per scenario) and of a
 * vendor-check (a testsuite per capability). Both follow the JUnit schema Jenkins and GitHub's test
 * reporters use (jenkins-junit.xsd; tests/e2e/junit-schema.sh validates against it), and both
 * write a scenario's testcase the same way, here. */
#include "report/report.h"

#include "util/bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(struct drill_buf *b, const char *s)
{
	drill_buf_append(b, s, strlen(s));
}

static void attr(struct drill_buf *b, const char *name, const char *value)
{
	char *v = drill_report_xml_escape(value);
	char *s = drill_xasprintf(" %s=\"%s\"", name, v);
	put(b, s);
	free(s);
	free(v);
}

static void text(struct drill_buf *b, const char *t)
{
	char *v = drill_report_xml_escape(t);
	put(b, v);
	free(v);
}

static const char *jstr(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

enum case_state { CASE_PASSED, CASE_FAILURE, CASE_ERROR, CASE_SKIPPED };

/* An interrupted scenario is an <error type="interrupted"> (errorKind), one the interruption kept
 * from starting a <skipped> whose text says so. */
static enum case_state case_state(json_t *sc)
{
	if (json_is_true(json_object_get(sc, "skipped"))) /* not declared (vendor-check), not run */
		return CASE_SKIPPED;
	if (json_string_value(json_object_get(sc, "error")))
		return CASE_ERROR;
	return json_is_true(json_object_get(sc, "matched")) ? CASE_PASSED : CASE_FAILURE;
}

/* <testsuites|testsuite ... tests failures errors [skipped] time: the counts as attributes. */
static void counts(struct drill_buf *b, size_t tests, size_t failures, size_t errors,
		   const size_t *skipped, double seconds)
{
	char num[160];
	snprintf(num, sizeof(num), " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\"", tests, failures,
		 errors);
	put(b, num);
	if (skipped) { /* jenkins-junit.xsd has a skipped count on a testsuite only */
		snprintf(num, sizeof(num), " skipped=\"%zu\"", *skipped);
		put(b, num);
	}
	snprintf(num, sizeof(num), " time=\"%.3f\"", seconds);
	put(b, num);
}

/* One scenario: a <failure> says what differed (every mismatch on its own line, the first as the
 * message), an <error> why it could not run, <skipped> why it was not run. */
static void testcase(struct drill_buf *b, json_t *sc, const char *classname)
{
	json_t *meta = json_object_get(sc, "scenario");
	char num[64];
	put(b, "    <testcase");
	attr(b, "classname", classname);
	attr(b, "name", jstr(meta, "name", "?"));
	snprintf(num, sizeof(num), " time=\"%.3f\">\n",
		 json_number_value(json_object_get(sc, "wallSeconds")));
	put(b, num);
	enum case_state st = case_state(sc);
	if (st == CASE_SKIPPED) {
		/* text, not a message attribute: jenkins-junit.xsd's skipped is text only */
		put(b, "      <skipped>");
		text(b, jstr(sc, "reason", "skipped"));
		put(b, "</skipped>\n    </testcase>\n");
		return;
	}
	if (st == CASE_ERROR) {
		put(b, "      <error");
		attr(b, "type", jstr(sc, "errorKind", "error"));
		attr(b, "message", jstr(sc, "error", ""));
		put(b, "/>\n");
	} else if (st == CASE_FAILURE) {
		/* the headline first (did the restore succeed, the verdict on which volumes), then
		 * what differed */
		json_t *ms = json_object_get(sc, "mismatches"), *m;
		const char *first = json_string_value(json_array_get(ms, 0));
		char *headline = drill_report_headline(sc);
		char *message = drill_xasprintf("%s — %s", headline, first ? first : "outcome differed");
		size_t i;
		put(b, "      <failure type=\"outcome-differed\"");
		attr(b, "message", message);
		put(b, ">");
		text(b, headline);
		put(b, "\n");
		free(message);
		free(headline);
		json_array_foreach(ms, i, m) {
			text(b, json_string_value(m) ? json_string_value(m) : "?");
			put(b, "\n");
		}
		put(b, "</failure>\n");
	}
	/* The scenario's path goes here: jenkins-junit.xsd allows no `file` on a testcase. */
	put(b, "      <system-out>file: ");
	text(b, jstr(meta, "path", ""));
	put(b, "\n");
	text(b, jstr(sc, "summary", ""));
	put(b, "\nrerun: ");
	text(b, jstr(sc, "rerun", ""));
	put(b, "</system-out>\n    </testcase>\n");
}

static void timestamp(struct drill_buf *b, json_t *run)
{
	if (json_string_value(json_object_get(run, "startedAt"))) /* an xs:dateTime or nothing */
		attr(b, "timestamp", jstr(run, "startedAt", ""));
}

static char *finish(struct drill_buf *b)
{
	drill_buf_append(b, "", 1);
	return (char *)b->data;
}

char *drill_report_junit(json_t *run)
{
	json_t *scs = json_object_get(run, "scenarios"), *sc;
	size_t n = json_array_size(scs), by_state[4] = {0}, i;
	double total = 0;
	json_array_foreach(scs, i, sc) {
		total += json_number_value(json_object_get(sc, "wallSeconds"));
		by_state[case_state(sc)]++;
	}

	struct drill_buf b;
	drill_buf_init(&b, (size_t)-1);
	put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	attr(&b, "name", "chaindrill");
	counts(&b, n, by_state[CASE_FAILURE], by_state[CASE_ERROR], NULL, total);
	put(&b, ">\n  <testsuite");
	attr(&b, "name", jstr(run, "runId", "chaindrill"));
	counts(&b, n, by_state[CASE_FAILURE], by_state[CASE_ERROR], &by_state[CASE_SKIPPED], total);
	timestamp(&b, run);
	put(&b, ">\n");
	json_array_foreach(scs, i, sc)
		testcase(&b, sc, "chaindrill.scenarios");
	put(&b, "  </testsuite>\n</testsuites>\n");
	return finish(&b);
}

/* One capability's testsuite: its scenarios, or one skipped testcase when the standard set has no
 * scenario for it. */
static void vc_suite(struct drill_buf *b, json_t *vc, json_t *cap, const char *vendor)
{
	json_t *scs = json_object_get(vc, "scenarios"), *sc;
	const char *cname = jstr(cap, "name", "?");
	size_t c[4] = {0}, j;
	double t = 0;
	json_array_foreach(scs, j, sc) {
		if (strcmp(jstr(sc, "capability", ""), cname))
			continue;
		c[case_state(sc)]++;
		t += json_number_value(json_object_get(sc, "wallSeconds"));
	}
	size_t n = c[0] + c[1] + c[2] + c[3], none = n == 0, skipped = c[CASE_SKIPPED] + none;
	char *sname = drill_xasprintf("%s.%s", vendor, cname);
	char *cls = drill_xasprintf("chaindrill.vendor-check.%s", cname);
	put(b, "  <testsuite");
	attr(b, "name", sname);
	counts(b, n + none, c[CASE_FAILURE], c[CASE_ERROR], &skipped, t);
	timestamp(b, vc);
	put(b, ">\n    <properties>\n      <property name=\"status\"");
	attr(b, "value", jstr(cap, "status", "?"));
	put(b, "/>\n      <property name=\"declared\"");
	attr(b, "value", json_is_true(json_object_get(cap, "declared")) ? "true" : "false");
	put(b, "/>\n    </properties>\n");
	json_array_foreach(scs, j, sc)
		if (!strcmp(jstr(sc, "capability", ""), cname))
			testcase(b, sc, cls);
	if (none) {
		put(b, "    <testcase");
		attr(b, "classname", cls);
		attr(b, "name", cname);
		put(b, " time=\"0\">\n      <skipped>");
		text(b, jstr(cap, "reason", "no scenario"));
		put(b, "</skipped>\n    </testcase>\n");
	}
	put(b, "  </testsuite>\n");
	free(sname);
	free(cls);
}

char *drill_report_vc_junit(json_t *vc)
{
	json_t *caps = json_object_get(vc, "capabilities"), *scs = json_object_get(vc, "scenarios");
	const char *vendor = jstr(json_object_get(vc, "vendor"), "name", "?");
	size_t by_state[4] = {0}, untested = 0, i;
	double total = 0;
	json_t *cap, *sc;
	json_array_foreach(scs, i, sc) {
		by_state[case_state(sc)]++;
		total += json_number_value(json_object_get(sc, "wallSeconds"));
	}
	json_array_foreach(caps, i, cap)
		untested += !json_array_size(json_object_get(cap, "scenarios"));

	struct drill_buf b;
	drill_buf_init(&b, (size_t)-1);
	put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	char *name = drill_xasprintf("chaindrill vendor-check %s", vendor);
	attr(&b, "name", name);
	free(name);
	counts(&b, json_array_size(scs) + untested, by_state[CASE_FAILURE], by_state[CASE_ERROR],
	       NULL, total);
	put(&b, ">\n");
	json_array_foreach(caps, i, cap)
		vc_suite(&b, vc, cap, vendor);
	put(&b, "</testsuites>\n");
	return finish(&b);
}
