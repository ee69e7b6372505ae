/* report/report.c — report.json and junit.xml of a run. */
#include "report/report.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *drill_report_now_iso(void)
{
	static _Thread_local char buf[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

char *drill_report_new_run_id(const char *root, const char *name)
{
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	char *id = drill_xasprintf("%s-%s", stamp, name);
	for (int k = 2;; k++) {
		char *path = drill_xasprintf("%s/%s", root, id);
		int taken = drill_fs_exists(path);
		free(path);
		if (!taken)
			return id;
		free(id);
		id = drill_xasprintf("%s-%s-%d", stamp, name, k);
	}
}

char *drill_report_xml_escape(const char *s)
{
	struct drill_buf b;
	drill_buf_init(&b, (size_t)-1);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		const char *rep = NULL;
		switch (*p) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		default:
			if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
				continue; /* not representable in XML 1.0 */
		}
		if (rep)
			drill_buf_append(&b, rep, strlen(rep));
		else
			drill_buf_append(&b, p, 1);
	}
	drill_buf_append(&b, "", 1);
	return (char *)b.data;
}

static void xml_attr(struct drill_buf *b, const char *name, const char *value)
{
	char *v = drill_report_xml_escape(value);
	char *s = drill_xasprintf(" %s=\"%s\"", name, v);
	drill_buf_append(b, s, strlen(s));
	free(s);
	free(v);
}

static void xml_text(struct drill_buf *b, const char *text)
{
	char *v = drill_report_xml_escape(text);
	drill_buf_append(b, v, strlen(v));
	free(v);
}

static void put(struct drill_buf *b, const char *s)
{
	drill_buf_append(b, s, strlen(s));
}

static const char *jstr(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

/* The text of a failing testcase: every mismatch on its own line. */
static char *mismatch_text(json_t *sc)
{
	struct drill_buf b;
	drill_buf_init(&b, (size_t)-1);
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(sc, "mismatches"), i, m) {
		put(&b, json_string_value(m) ? json_string_value(m) : "?");
		put(&b, "\n");
	}
	drill_buf_append(&b, "", 1);
	return (char *)b.data;
}

char *drill_report_junit(json_t *run)
{
	json_t *scs = json_object_get(run, "scenarios");
	size_t n = json_array_size(scs), failures = 0, errors = 0;
	double total = 0;
	size_t i;
	json_t *sc;
	json_array_foreach(scs, i, sc) {
		total += json_number_value(json_object_get(sc, "wallSeconds"));
		if (json_string_value(json_object_get(sc, "error")))
			errors++;
		else if (!json_is_true(json_object_get(sc, "matched")))
			failures++;
	}

	struct drill_buf b;
	drill_buf_init(&b, (size_t)-1);
	char num[128];
	put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	xml_attr(&b, "name", "chaindrill");
	snprintf(num, sizeof(num), " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
		 n, failures, errors, total);
	put(&b, num);
	put(&b, "  <testsuite");
	xml_attr(&b, "name", jstr(run, "runId", "chaindrill"));
	snprintf(num, sizeof(num), " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\"", n,
		 failures, errors);
	put(&b, num);
	snprintf(num, sizeof(num), " time=\"%.3f\"", total);
	put(&b, num);
	if (json_string_value(json_object_get(run, "startedAt"))) /* an xs:dateTime or nothing */
		xml_attr(&b, "timestamp", jstr(run, "startedAt", ""));
	put(&b, ">\n");
	json_array_foreach(scs, i, sc) {
		json_t *meta = json_object_get(sc, "scenario");
		put(&b, "    <testcase");
		xml_attr(&b, "classname", "chaindrill.scenarios");
		xml_attr(&b, "name", jstr(meta, "name", "?"));
		snprintf(num, sizeof(num), " time=\"%.3f\"",
			 json_number_value(json_object_get(sc, "wallSeconds")));
		put(&b, num);
		put(&b, ">\n");
		const char *err = json_string_value(json_object_get(sc, "error"));
		if (err) {
			put(&b, "      <error");
			xml_attr(&b, "type", jstr(sc, "errorKind", "error"));
			xml_attr(&b, "message", err);
			put(&b, "/>\n");
		} else if (!json_is_true(json_object_get(sc, "matched"))) {
			char *text = mismatch_text(sc);
			char *first = drill_xstrdup(text);
			char *nl = strchr(first, '\n');
			if (nl)
				*nl = '\0';
			put(&b, "      <failure type=\"outcome-differed\"");
			xml_attr(&b, "message", first);
			put(&b, ">");
			xml_text(&b, text);
			put(&b, "</failure>\n");
			free(first);
			free(text);
		}
		/* The scenario's path goes here: jenkins-junit.xsd allows no `file` on a testcase. */
		put(&b, "      <system-out>file: ");
		xml_text(&b, jstr(meta, "path", ""));
		put(&b, "\n");
		xml_text(&b, jstr(sc, "summary", ""));
		put(&b, "\nrerun: ");
		xml_text(&b, jstr(sc, "rerun", ""));
		put(&b, "</system-out>\n    </testcase>\n");
	}
	put(&b, "  </testsuite>\n</testsuites>\n");
	drill_buf_append(&b, "", 1);
	return (char *)b.data;
}

int drill_report_write(const char *dir, json_t *run)
{
	int rc = drill_fs_mkdir_p(dir, 0755);
	if (rc)
		return rc;
	char *json = json_dumps(run, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	char *xml = drill_report_junit(run);
	char *jpath = drill_xasprintf("%s/report.json", dir);
	char *xpath = drill_xasprintf("%s/junit.xml", dir);
	char *jline = drill_xasprintf("%s\n", json);
	rc = drill_fs_write_atomic(jpath, jline, strlen(jline));
	free(jline);
	if (!rc)
		rc = drill_fs_write_atomic(xpath, xml, strlen(xml));
	if (!rc)
		rc = drill_report_html_write(dir, run);
	free(json);
	free(xml);
	free(jpath);
	free(xpath);
	return rc;
}
