/* report/vendor_check.c — the report directory of `chaindrill vendor-check` (docs/vendor-check.md):
 * report.json, junit.xml (junit.c: a testsuite per capability) and report.html. */
#include "report/report.h"

#include "util/beneath.h"
#include "util/bytes.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int drill_report_vc_write(const char *dir, json_t *vc)
{
	int rc = drill_fs_mkdir_p(dir, 0755);
	if (!rc) /* what is written in it is opened without following links (util/beneath.h) */
		rc = drill_beneath_root_add(dir);
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
