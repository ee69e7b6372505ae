/* report/report.c — a run's id and its report directory: report.json, junit.xml (junit.c) and
 * report.html (html.c). */
#include "report/report.h"

#include "util/beneath.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

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
	if (!rc) /* what is written in it is opened without following links (util/beneath.h) */
		rc = drill_beneath_root_add(dir);
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

static const char *jstr(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

/* The restore the headline is about: the last restore step that ran, else one that was skipped. */
static json_t *headline_restore(json_t *sc)
{
	json_t *ran = NULL, *skipped = NULL, *st;
	size_t i;
	json_array_foreach(json_object_get(sc, "steps"), i, st) {
		if (strcmp(jstr(st, "kind"), "restore"))
			continue;
		if (!strcmp(jstr(st, "status"), "skipped")) {
			if (!skipped)
				skipped = st;
		} else {
			ran = st;
		}
	}
	return ran ? ran : skipped;
}

void drill_report_headline_parts(struct drill_report_headline *h, json_t *sc)
{
	memset(h, 0, sizeof(*h));
	json_t *obs = json_object_get(sc, "observed"), *st = headline_restore(sc);
	json_t *det = json_object_get(st, "details");
	const char *status = json_string_value(json_object_get(st, "status"));
	const char *vols = json_string_value(json_object_get(det, "replicaVolumes"));
	h->verdict = json_string_value(json_object_get(obs, "verdict"));
	if (!st) {
		h->restore = DRILL_RESTORE_NONE;
		snprintf(h->restore_text, sizeof(h->restore_text), "no restore");
		h->volumes = "on the replicas' volumes";
		return;
	}
	if (status && !strcmp(status, "skipped")) {
		h->restore = DRILL_RESTORE_SKIPPED;
		snprintf(h->restore_text, sizeof(h->restore_text),
			 "restore did not run (step %lld failed before it)",
			 (long long)json_integer_value(json_object_get(obs, "failedStepIndex")));
		h->volumes = "on the original volumes (no restore ran)";
		return;
	}
	if (status && !strcmp(status, "failed")) {
		size_t i;
		json_t *sub;
		json_array_foreach(json_object_get(det, "steps"), i, sub)
			if (!strcmp(jstr(sub, "status"), "failed"))
				h->failed_substep = json_string_value(json_object_get(sub, "name"));
		h->restore = DRILL_RESTORE_FAILED;
		snprintf(h->restore_text, sizeof(h->restore_text), "restore FAILED%s%s (step %lld)",
			 h->failed_substep ? " at " : "", h->failed_substep ? h->failed_substep : "",
			 (long long)json_integer_value(json_object_get(st, "index")));
	} else {
		json_t *rb = json_object_get(det, "restoredBlock");
		h->restore = DRILL_RESTORE_OK;
		if (json_is_integer(rb))
			snprintf(h->restore_text, sizeof(h->restore_text), "restore ok (block %lld)",
				 (long long)json_integer_value(rb));
		else
			snprintf(h->restore_text, sizeof(h->restore_text), "restore ok");
	}
	if (!vols || !strcmp(vols, "original"))
		h->volumes = "on the original volumes (the restore did not change them)";
	else if (!strcmp(vols, "partly-restored"))
		h->volumes = "on the volumes the failed restore left part-written";
	else if (h->restore == DRILL_RESTORE_FAILED)
		h->volumes = "on the restored volumes (written before the restore failed)";
	else
		h->volumes = "on the restored volumes";
}

char *drill_report_headline(json_t *sc)
{
	struct drill_report_headline h;
	drill_report_headline_parts(&h, sc);
	if (!h.verdict)
		return drill_xasprintf("%s; no verdict (the drill stopped before verifying)",
				       h.restore_text);
	return drill_xasprintf("%s; verdict %s %s", h.restore_text, h.verdict, h.volumes);
}

int drill_report_dir_check(const char *dir)
{
	char *p = drill_xstrdup(dir);
	struct stat sb;
	int rc = 0;
	/* the nearest existing directory: where the report, or the directories above it, go */
	while (stat(p, &sb) != 0) {
		char *slash = strrchr(p, '/');
		if (!slash) {
			strcpy(p, ".");
			continue;
		}
		if (slash == p)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	if (!S_ISDIR(sb.st_mode))
		goto cleanup; /* not a directory: writing the report says so */
	struct statvfs vfs;
	if (access(p, W_OK | X_OK) != 0) {
		rc = drill_err(DRILL_EENV, "report directory %s: %s is not writable: %s", dir, p,
			       strerror(errno));
	} else if (statvfs(p, &vfs) == 0 &&
		   (uint64_t)vfs.f_bavail * vfs.f_frsize < DRILL_REPORT_ROOM) {
		rc = drill_err(DRILL_EENV, "report directory %s: no space left on device: %s has %"
			       PRIu64 " bytes free, a report needs up to %u", dir, p,
			       (uint64_t)vfs.f_bavail * vfs.f_frsize, DRILL_REPORT_ROOM);
	}
cleanup:
	free(p);
	return rc;
}
