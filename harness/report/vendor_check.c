/* report/vendor_check.c — report.json and junit.xml of `chaindrill vendor-check`
 * (docs/vendor-check.md): one JUnit testsuite per capability, one testcase per scenario. */
#include "report/report.h"

#include "util/bytes.h"
#include "util/fs.h"

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

/* A scenario's JUnit state: 0 passed, 1 failure, 2 error, 3 skipped. */
static int case_state(json_t *sc)
{
	if (json_is_true(json_object_get(sc, "skipped")))
		return 3;
	if (json_string_value(json_object_get(sc, "error")))
		return 2;
	return json_is_true(json_object_get(sc, "matched")) ? 0 : 1;
}

static void testcase(struct drill_buf *b, json_t *sc, const char *capability)
{
	json_t *meta = json_object_get(sc, "scenario");
	char num[64];
	char *cls = drill_xasprintf("chaindrill.vendor-check.%s", capability);
	put(b, "    <testcase");
	attr(b, "classname", cls);
	attr(b, "name", jstr(meta, "name", "?"));
	snprintf(num, sizeof(num), " time=\"%.3f\">\n",
		 json_number_value(json_object_get(sc, "wallSeconds")));
	put(b, num);
	free(cls);
	switch (case_state(sc)) {
	case 3:
		/* text, not a message attribute: jenkins-junit.xsd's skipped is text only */
		put(b, "      <skipped>");
		text(b, jstr(sc, "reason", "skipped"));
		put(b, "</skipped>\n");
		break;
	case 2:
		put(b, "      <error");
		attr(b, "type", jstr(sc, "errorKind", "error"));
		attr(b, "message", jstr(sc, "error", ""));
		put(b, "/>\n");
		break;
	case 1: {
		json_t *ms = json_object_get(sc, "mismatches");
		size_t i;
		json_t *m;
		put(b, "      <failure type=\"outcome-differed\"");
		attr(b, "message", json_string_value(json_array_get(ms, 0)) ?
				   json_string_value(json_array_get(ms, 0)) : "outcome differed");
		put(b, ">");
		json_array_foreach(ms, i, m) {
			text(b, json_string_value(m) ? json_string_value(m) : "?");
			put(b, "\n");
		}
		put(b, "</failure>\n");
		break;
	}
	default:
		break;
	}
	if (case_state(sc) != 3) {
		put(b, "      <system-out>file: "); /* jenkins-junit.xsd allows no `file` attribute */
		text(b, jstr(meta, "path", ""));
		put(b, "\n");
		text(b, jstr(sc, "summary", ""));
		put(b, "\nrerun: ");
		text(b, jstr(sc, "rerun", ""));
		put(b, "</system-out>\n");
	}
	put(b, "    </testcase>\n");
}

char *drill_report_vc_junit(json_t *vc)
{
	json_t *caps = json_object_get(vc, "capabilities"), *scs = json_object_get(vc, "scenarios");
	const char *vendor = jstr(json_object_get(vc, "vendor"), "name", "?");
	size_t counts[4] = {0}, i, j;
	double total = 0;
	json_t *cap, *sc;
	char num[160];
	json_array_foreach(scs, i, sc) {
		counts[case_state(sc)]++;
		total += json_number_value(json_object_get(sc, "wallSeconds"));
	}
	size_t untested = 0;
	json_array_foreach(caps, i, cap)
		untested += !json_array_size(json_object_get(cap, "scenarios"));

	struct drill_buf b;
	drill_buf_init(&b, (size_t)-1);
	put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	char *name = drill_xasprintf("chaindrill vendor-check %s", vendor);
	attr(&b, "name", name);
	free(name);
	/* no skipped count here: jenkins-junit.xsd has it on a testsuite only */
	snprintf(num, sizeof(num), " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
		 json_array_size(scs) + untested, counts[1], counts[2], total);
	put(&b, num);
	json_array_foreach(caps, i, cap) {
		const char *cname = jstr(cap, "name", "?");
		size_t c[4] = {0};
		double t = 0;
		json_array_foreach(scs, j, sc) {
			if (strcmp(jstr(sc, "capability", ""), cname))
				continue;
			c[case_state(sc)]++;
			t += json_number_value(json_object_get(sc, "wallSeconds"));
		}
		size_t n = c[0] + c[1] + c[2] + c[3], none = n == 0;
		char *sname = drill_xasprintf("%s.%s", vendor, cname);
		put(&b, "  <testsuite");
		attr(&b, "name", sname);
		free(sname);
		snprintf(num, sizeof(num), " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\""
			 " skipped=\"%zu\" time=\"%.3f\"", n + none, c[1], c[2], c[3] + none, t);
		put(&b, num);
		if (json_string_value(json_object_get(vc, "startedAt")))
			attr(&b, "timestamp", jstr(vc, "startedAt", ""));
		put(&b, ">\n    <properties>\n      <property name=\"status\"");
		attr(&b, "value", jstr(cap, "status", "?"));
		put(&b, "/>\n      <property name=\"declared\"");
		attr(&b, "value", json_is_true(json_object_get(cap, "declared")) ? "true" : "false");
		put(&b, "/>\n    </properties>\n");
		json_array_foreach(scs, j, sc)
			if (!strcmp(jstr(sc, "capability", ""), cname))
				testcase(&b, sc, cname);
		if (none) { /* a capability the standard set has no scenario for */
			char *cls = drill_xasprintf("chaindrill.vendor-check.%s", cname);
			put(&b, "    <testcase");
			attr(&b, "classname", cls);
			attr(&b, "name", cname);
			put(&b, " time=\"0\">\n      <skipped>");
			text(&b, jstr(cap, "reason", "no scenario"));
			put(&b, "</skipped>\n    </testcase>\n");
			free(cls);
		}
		put(&b, "  </testsuite>\n");
	}
	put(&b, "</testsuites>\n");
	drill_buf_append(&b, "", 1);
	return (char *)b.data;
}

int drill_report_vc_write(const char *dir, json_t *vc)
{
	int rc = drill_fs_mkdir_p(dir, 0755);
	if (rc)
		return rc;
	char *json = json_dumps(vc, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	char *jline = drill_xasprintf("%s\n", json);
	char *xml = drill_report_vc_junit(vc);
	char *jpath = drill_xasprintf("%s/report.json", dir);
	char *xpath = drill_xasprintf("%s/junit.xml", dir);
	rc = drill_fs_write_atomic(jpath, jline, strlen(jline));
	if (!rc)
		rc = drill_fs_write_atomic(xpath, xml, strlen(xml));
	if (!rc)
		rc = drill_report_html_write(dir, vc);
	free(json);
	free(jline);
	free(xml);
	free(jpath);
	free(xpath);
	return rc;
}
