/* report/report.c — a run's id and its report directory: report.json, junit.xml (junit.c) and
 * report.html (html.c). */
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
