/* storage/exec.c — `exec`: a third-party vendor's plugin program, spoken to in the versioned
 * protocol chaindrill-vendor-exec/1 (docs/vendor-exec.md is the contract; this file follows it).
 *
 * One call = `PROGRAM OPERATION` with one JSON request on stdin and one JSON response on stdout:
 *
 *   backup(name)       → snapshot  (answers a snapshotId and bytes per volume)
 *   restore(name)      → list (the plugin must still hold the backup), then restore (answers,
 *                        per volume, `mount`: the restored copy, a directory inside the workspace)
 *   source_root(name)  → that mount; nothing is called
 *   remove(name)       → delete
 *
 * The plugin runs in its own process group with the workspace as its working directory, stdin
 * from the request file, stderr appended to <ws>/logs/vendor-exec.log, and at most timeout_s
 * seconds: then its whole group gets SIGTERM, and SIGKILL a second later. When it exits, whatever
 * it left running in its group is killed. Its stdout is read up to EXEC_OUTPUT_CAP bytes.
 *
 * What chaindrill writes (the plugin's own place is `stateDir`, which chaindrill never writes):
 *   <ws>/vendor-exec/manifest.json               every call, and every backup and restore that
 *                                                succeeded with the plugin's answers
 *   <ws>/vendor-exec/calls/NNN-<op>.request.json what was sent
 *   <ws>/vendor-exec/calls/NNN-<op>.stdout       what came back (as received, up to the cap)
 *   <ws>/logs/vendor-exec.log                    the plugin's stderr, a header line per call
 * A backup enters the manifest only when its snapshot call succeeded and its answer validated,
 * so a failed snapshot leaves no half-recorded backup; a failed restore forgets any earlier
 * restore of that name, so no checkpoint is taken from a copy the plugin did not vouch for. */
#include "storage/storage_internal.h"
#include "storage/exec_reply.h"

#include "util/beneath.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/proc.h"

#include <jansson.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EXEC_PROTOCOL "chaindrill-vendor-exec/1"
#define EXEC_OUTPUT_CAP (1024 * 1024) /* bytes of stdout a response may have */
#define EXEC_GRACE_MS 1000            /* SIGTERM → SIGKILL, for a plugin that ran out of time */
#define EXEC_TAIL_CHARS 300           /* of stderr, and of the plugin's error, in a message */
#define EXEC_ID_MAX 1024              /* a snapshotId's length */

struct exec_vendor {
	char *program;       /* cfg.program with its directory's real path: what messages name */
	char *dir;           /* <ws>/vendor-exec */
	char *calls_dir;     /* <ws>/vendor-exec/calls */
	char *state_dir;     /* <ws>/vendor-exec/store: the plugin's */
	char *manifest_path; /* <ws>/vendor-exec/manifest.json */
	char *log_path;      /* <ws>/logs/vendor-exec.log */
	unsigned timeout_s;
	/* {protocolVersion, program, backups: {name: {...}}, restores: {name: [...]}, calls: [...]} */
	json_t *manifest;
};

/* What one call of the plugin gave: the response when it succeeded (ok:true, protocol checked). */
struct exec_call {
	const char *op;
	const char *name; /* backup name, NULL for list */
	json_t *resp;
};

static struct exec_vendor *impl(struct drill_vendor *v)
{
	return v->impl;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int valid_name(const char *name)
{
	if (!name || !*name || !strcmp(name, ".") || !strcmp(name, "..") || strchr(name, '/') ||
	    name[0] == '.')
		return drill_err(DRILL_EINPUT, "invalid backup name \"%s\"", name ? name : "");
	return 0;
}

static int save_manifest(struct exec_vendor *x)
{
	char *text = json_dumps(x->manifest, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int rc = drill_fs_write_atomic(x->manifest_path, text, strlen(text));
	free(text);
	return rc;
}

/* "exec plugin PROGRAM snapshot nightly: " — every message about a call starts so. */
static char *call_label(struct drill_vendor *v, const struct exec_call *c)
{
	return drill_xasprintf("exec plugin %s %s%s%s", impl(v)->program, c->op, c->name ? " " : "",
			       c->name ? c->name : "");
}

/* `s` cut to EXEC_TAIL_CHARS (keeping the end when `keep_end`), on one line of printable
 * characters: newlines become " | ". */
static char *one_line(const char *s, size_t len, int keep_end)
{
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' ' || s[len - 1] == '\r'))
		len--;
	int cut = len > EXEC_TAIL_CHARS;
	if (cut && keep_end) {
		s += len - EXEC_TAIL_CHARS;
		len = EXEC_TAIL_CHARS;
	} else if (cut) {
		len = EXEC_TAIL_CHARS;
	}
	struct drill_buf b;
	drill_buf_init(&b, 4 * EXEC_TAIL_CHARS + 16);
	if (cut && keep_end)
		drill_buf_append(&b, "...", 3);
	for (size_t k = 0; k < len; k++) {
		unsigned char ch = (unsigned char)s[k];
		if (ch == '\n')
			drill_buf_append(&b, " | ", 3);
		else
			drill_buf_append(&b, ch < 0x20 || ch == 0x7f ? "?" : (const char *)&s[k], 1);
	}
	if (cut && !keep_end)
		drill_buf_append(&b, "...", 3);
	drill_buf_append(&b, "", 1);
	return (char *)b.data;
}

/* The end of what the plugin wrote to stderr during this call (from `offset` of the log), as
 * "; stderr: ..." or "" when it wrote nothing. */
static char *stderr_tail(const char *log_path, off_t offset)
{
	int fd = open(log_path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= offset) {
		if (fd >= 0)
			close(fd);
		return drill_xstrdup("");
	}
	off_t from = st.st_size - offset > 4096 ? st.st_size - 4096 : offset;
	size_t want = (size_t)(st.st_size - from);
	char *buf = drill_xmalloc(want + 1);
	ssize_t n = pread(fd, buf, want, from);
	close(fd);
	char *line = one_line(buf, n > 0 ? (size_t)n : 0, 1);
	char *out = *line ? drill_xasprintf("; stderr: %s", line) : drill_xstrdup("");
	free(line);
	free(buf);
	return out;
}

/* Read the plugin's stdout until EOF, the cap or the deadline. Sets *exited (and *status) when
 * the plugin itself has exited; then anything it left in its group is killed. */
enum read_end { READ_EOF, READ_TIMEOUT, READ_TOO_BIG, READ_ERROR };

static enum read_end read_stdout(int fd, pid_t pid, double deadline, struct drill_buf *out,
				 int *exited, int *status)
{
	char chunk[65536];
	for (;;) {
		double left = deadline - now_s();
		if (left <= 0)
			return READ_TIMEOUT;
		int ms = *exited || left < 0.05 ? (int)(left * 1000) + 1 : 50;
		struct pollfd pfd = {fd, POLLIN, 0};
		int r = poll(&pfd, 1, ms);
		if (r < 0 && errno != EINTR)
			return READ_ERROR;
		if (r > 0) {
			ssize_t n = read(fd, chunk, sizeof(chunk));
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				return READ_ERROR;
			if (n == 0)
				return READ_EOF;
			if (n > 0) {
				if (out->len + (size_t)n > EXEC_OUTPUT_CAP)
					return READ_TOO_BIG;
				drill_buf_append(out, chunk, (size_t)n);
			}
		}
		if (!*exited && !drill_proc_running(pid, status)) {
			*exited = 1;
			kill(-pid, SIGKILL); /* what it left behind in its group */
		}
	}
}

/* Describe a response that is not an object with the protocol's common fields. */
static int check_common(json_t *resp, const char **why)
{
	if (!json_is_object(resp)) {
		*why = "the response is not a JSON object";
		return -1;
	}
	json_t *pv = json_object_get(resp, "protocolVersion");
	if (!json_is_string(pv)) {
		*why = "the response has no string \"protocolVersion\"";
		return -1;
	}
	if (!json_is_boolean(json_object_get(resp, "ok"))) {
		*why = "the response has no boolean \"ok\"";
		return -1;
	}
	return 0;
}

/* Judge a plugin's reply (docs/vendor-exec.md): the exit status and `ok` must agree, the
 * response must be one JSON object with the common fields and this protocol. */
int drill_exec_judge_reply(json_t **resp_out, const char *label, const char *data, size_t len,
			   int status, const char *tail)
{
	json_error_t je;
	json_t *resp = NULL;
	const char *why = NULL;
	char *what = NULL;
	int rc = 0;
	*resp_out = NULL;
	int exit_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	char *status_text = drill_xstrdup(drill_proc_status_str(status));
	if (len == 0)
		why = "it printed no response";
	else if (!(resp = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je)))
		what = drill_xasprintf("its response is not valid JSON (line %d column %d: %s)",
				       je.line, je.column, je.text);
	else
		check_common(resp, &why);
	const char *pv = json_string_value(json_object_get(resp, "protocolVersion"));
	int ok = json_is_true(json_object_get(resp, "ok"));
	const char *perr = json_string_value(json_object_get(resp, "error"));
	char *perr_line = perr ? one_line(perr, strlen(perr), 0) : NULL;
	if (!exit_ok) {
		/* A failure; its JSON error (any protocol version) says why when there is one. */
		if (perr_line)
			rc = drill_err(DRILL_EFAIL, "%s: failed (%s): %s%s", label, status_text,
				       perr_line, tail);
		else
			rc = drill_err(DRILL_EFAIL, "%s: %s%s%s", label, status_text,
				       ok ? " although its response says ok:true" : "", tail);
	} else if (why || what) {
		rc = drill_err(DRILL_EFAIL, "%s: %s%s", label, what ? what : why, tail);
	} else if (strcmp(pv, EXEC_PROTOCOL)) {
		char *pvl = one_line(pv, strlen(pv), 0);
		rc = drill_err(DRILL_EFAIL, "%s: it speaks protocol \"%s\"; this chaindrill speaks %s "
			       "(docs/vendor-exec.md)%s", label, pvl, EXEC_PROTOCOL,
			       perr_line ? "" : tail);
		free(pvl);
	} else if (!ok) {
		rc = drill_err(DRILL_EFAIL, "%s: failed: %s%s", label,
			       perr_line ? perr_line : "ok:false without an \"error\"", tail);
	} else {
		*resp_out = json_incref(resp);
	}
	free(perr_line);
	free(status_text);
	json_decref(resp);
	free(what);
	return rc;
}

/* Run one call: write the request, spawn, read, judge. On success c->resp holds the response
 * (ok:true, this protocol). Every call is recorded in the manifest, whatever its outcome. */
static int run_call(struct drill_vendor *v, struct exec_call *c, json_t *req)
{
	struct exec_vendor *x = impl(v);
	json_t *calls = json_object_get(x->manifest, "calls");
	size_t seq = json_array_size(calls) + 1;
	char *base = drill_xasprintf("%03zu-%s", seq, c->op);
	char *req_path = drill_xasprintf("%s/%s.request.json", x->calls_dir, base);
	char *out_path = drill_xasprintf("%s/%s.stdout", x->calls_dir, base);
	char *label = call_label(v, c);
	char *tail = NULL;
	struct drill_buf out;
	drill_buf_init(&out, EXEC_OUTPUT_CAP);
	c->resp = NULL;
	int rc, fd = -1, status = 0, exited = 0, timed_out = 0, reaped = 0;
	double t0 = now_s();

	char *text = json_dumps(req, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	rc = drill_fs_write_atomic(req_path, text, strlen(text));
	free(text);
	if (rc)
		goto record;
	/* A header in the log, so each call's stderr can be told apart; the tail starts after it. */
	FILE *log = drill_beneath_fopen(x->log_path, "ae");
	if (!log) {
		rc = DRILL_EFAIL;
		goto record;
	}
	fprintf(log, "--- chaindrill: call %zu: %s\n", seq, label + strlen("exec plugin "));
	off_t offset = ftello(log);
	fclose(log);

	char *argv[] = {x->program, (char *)c->op, NULL};
	struct drill_proc_io io = {.stdin_path = req_path, .log_path = x->log_path,
				   .cwd = v->workspace};
	pid_t pid;
	rc = drill_proc_spawn_io(&pid, &fd, argv, &io);
	if (rc) {
		drill_err_wrap(rc, "%s", label);
		goto record;
	}
	enum read_end end = read_stdout(fd, pid, t0 + x->timeout_s, &out, &exited, &status);
	close(fd);
	if (end == READ_EOF && !exited) {
		double left = t0 + x->timeout_s - now_s();
		int wrc = drill_proc_wait(pid, left > 0 ? (int)(left * 1000) + 1 : 0, &status);
		if (wrc == 0) {
			exited = 1;
			kill(-pid, SIGKILL);
		} else {
			end = READ_TIMEOUT;
		}
	}
	if (!exited)
		drill_proc_stop(pid, EXEC_GRACE_MS, &status);
	reaped = 1;
	drill_fs_write_atomic(out_path, out.data ? (const char *)out.data : "", out.len);
	tail = stderr_tail(x->log_path, offset);
	if (end == READ_TIMEOUT) {
		timed_out = 1;
		rc = drill_err(DRILL_EFAIL, "%s: timed out after %u s; its process group was killed%s",
			       label, x->timeout_s, tail);
		goto record;
	}
	if (end == READ_TOO_BIG) {
		rc = drill_err(DRILL_EFAIL, "%s: wrote more than %d bytes to stdout (the limit of a "
			       "response); its process group was killed%s", label, EXEC_OUTPUT_CAP,
			       tail);
		goto record;
	}
	if (end == READ_ERROR) {
		rc = drill_err(DRILL_EFAIL, "%s: reading its stdout: %s", label, strerror(errno));
		goto record;
	}

	rc = drill_exec_judge_reply(&c->resp, label, (const char *)out.data, out.len, status,
				    tail);

record:;
	json_t *rec = json_pack("{s:I,s:s,s:o,s:f,s:s,s:s,s:s}", "seq", (json_int_t)seq,
				"operation", c->op, "backup", c->name ? json_string(c->name) :
				json_null(), "wallSeconds", now_s() - t0, "status",
				timed_out ? "timed out" : reaped ? drill_proc_status_str(status) :
				"not started", "request", req_path + strlen(x->dir) + 1,
				"stdout", out_path + strlen(x->dir) + 1);
	json_object_set_new(rec, "ok", json_boolean(rc == 0));
	if (rc)
		json_object_set_new(rec, "error", json_string(drill_err_last()));
	json_array_append_new(calls, rec);
	int src = save_manifest(x);
	if (!rc && src) {
		rc = src;
		json_decref(c->resp);
		c->resp = NULL;
	}
	json_decref(req);
	drill_buf_free(&out);
	free(tail);
	free(label);
	free(base);
	free(req_path);
	free(out_path);
	return rc;
}

/* A call whose response failed an operation's own checks: its record says so too. */
static int reject_last_call(struct exec_vendor *x, int rc)
{
	json_t *calls = json_object_get(x->manifest, "calls");
	json_t *last = json_array_get(calls, json_array_size(calls) - 1);
	json_object_set_new(last, "ok", json_false());
	json_object_set_new(last, "error", json_string(drill_err_last()));
	save_manifest(x);
	return rc;
}

/* The request every operation shares; `volumes` (an array, stolen) may be NULL. */
static json_t *request(struct drill_vendor *v, const char *op, const char *name, json_t *volumes)
{
	struct exec_vendor *x = impl(v);
	const struct drill_cluster_spec *s = &v->platform->spec;
	json_t *req = json_pack("{s:s,s:s,s:o,s:s,s:s,s:{s:s,s:s,s:i}}", "protocolVersion",
				EXEC_PROTOCOL, "operation", op, "backup",
				name ? json_string(name) : json_null(), "workspace", v->workspace,
				"stateDir", x->state_dir, "cluster", "namespace", s->namespace_,
				"blockchainId", s->blockchain_id, "replicas", s->replicas);
	if (volumes)
		json_object_set_new(req, "volumes", volumes);
	return req;
}

/* The cluster's volumes as the request lists them; with the snapshot ids of `backup` when given. */
static json_t *volumes_json(struct drill_vendor *v, json_t *backup)
{
	struct drill_platform *p = v->platform;
	json_t *vols = json_array();
	json_t *snaps = json_object_get(backup, "volumes");
	for (int i = 0; i < p->spec.replicas; i++) {
		char *root = NULL, *claim = drill_platform_claim_name(&p->spec, i);
		p->ops->volume_root(p, i, &root);
		json_t *vol = json_pack("{s:i,s:s,s:s}", "index", i, "claim", claim, "hostPath", root);
		json_t *snap = json_array_get(snaps, (size_t)i);
		if (snap)
			json_object_set(vol, "snapshotId", json_object_get(snap, "snapshotId"));
		json_array_append_new(vols, vol);
		free(root);
		free(claim);
	}
	return vols;
}

/* The per-volume answers of snapshot and restore: one object per volume, each index once, with
 * a non-negative integer `bytes`. Returns them ordered by index (new reference) or NULL with
 * *why (malloc'd). */
json_t *drill_exec_answer_volumes(json_t *resp, int n, char **why)
{
	json_t *vols = json_object_get(resp, "volumes");
	if (!json_is_array(vols)) {
		*why = drill_xstrdup("the response has no array \"volumes\"");
		return NULL;
	}
	if (json_array_size(vols) != (size_t)n) {
		*why = drill_xasprintf("\"volumes\" has %zu entries for %d volumes",
				       json_array_size(vols), n);
		return NULL;
	}
	json_t *byidx = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(byidx, json_null());
	size_t k;
	json_t *e;
	json_array_foreach(vols, k, e) {
		json_t *idx = json_object_get(e, "index"), *bytes = json_object_get(e, "bytes");
		json_int_t i = json_integer_value(idx);
		if (!json_is_object(e))
			*why = drill_xasprintf("volumes[%zu] is not an object", k);
		else if (!json_is_integer(idx) || i < 0 || i >= n)
			*why = drill_xasprintf("volumes[%zu].index is not an integer in 0..%d", k,
					       n - 1);
		else if (!json_is_null(json_array_get(byidx, (size_t)i)))
			*why = drill_xasprintf("volumes[%zu].index %d appears twice", k, (int)i);
		else if (!json_is_integer(bytes) || json_integer_value(bytes) < 0)
			*why = drill_xasprintf("volumes[%zu].bytes is not a non-negative integer", k);
		if (*why) {
			json_decref(byidx);
			return NULL;
		}
		json_array_set(byidx, (size_t)i, e);
	}
	return byidx;
}

static int exec_backup(struct drill_vendor *v, const char *name)
{
	struct exec_vendor *x = impl(v);
	int n = v->platform->spec.replicas;
	v->bytes_copied = 0;
	int rc = valid_name(name);
	if (rc)
		return rc;
	json_t *backups = json_object_get(x->manifest, "backups");
	if (json_object_get(backups, name))
		return drill_err(DRILL_EINPUT, "backup %s already exists", name);
	struct exec_call c = {"snapshot", name, NULL};
	json_t *vols = volumes_json(v, NULL);
	rc = run_call(v, &c, request(v, "snapshot", name, json_incref(vols)));
	char *why = NULL;
	json_t *got = rc ? NULL : drill_exec_answer_volumes(c.resp, n, &why);
	uint64_t total = 0;
	for (int i = 0; got && i < n && !why; i++) {
		json_t *a = json_array_get(got, (size_t)i), *vol = json_array_get(vols, (size_t)i);
		json_t *id = json_object_get(a, "snapshotId");
		const char *s = json_string_value(id);
		if (!s || !*s || strlen(s) > EXEC_ID_MAX) {
			why = drill_xasprintf("volume %d has no \"snapshotId\" (a non-empty string of "
					      "at most %d bytes)", i, EXEC_ID_MAX);
			break;
		}
		json_object_set(vol, "snapshotId", id);
		json_object_set(vol, "bytes", json_object_get(a, "bytes"));
		total += (uint64_t)json_integer_value(json_object_get(a, "bytes"));
	}
	if (why) {
		char *label = call_label(v, &c);
		rc = drill_err(DRILL_EFAIL, "%s: invalid response: %s; no backup was recorded "
			       "(docs/vendor-exec.md)", label, why);
		free(label);
		reject_last_call(x, rc);
	}
	if (!rc) {
		json_object_set_new(backups, name, json_pack("{s:s,s:O,s:I}", "name", name,
							      "volumes", vols, "bytes",
							      (json_int_t)total));
		rc = save_manifest(x);
		if (rc)
			json_object_del(backups, name);
		else
			v->bytes_copied = total;
	}
	free(why);
	json_decref(got);
	json_decref(vols);
	json_decref(c.resp);
	return rc;
}

/* 1 when a and b are the same directory or one lies inside the other. */
static int overlaps(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), l = la < lb ? la : lb;
	return !strncmp(a, b, l) && (a[l] == '\0' || a[l] == '/' || b[l] == '\0' || b[l] == '/');
}

/* A restore answer's `mount` for volume i: an existing directory strictly inside the workspace,
 * apart from every volume (the restore flow empties the volume's rocksdbdata before copying the
 * checkpoint out of the mount). Returns its real path, or NULL with *why. */
static char *check_mount(struct drill_vendor *v, json_t *a, int i, char **why)
{
	const char *m = json_string_value(json_object_get(a, "mount"));
	if (!m || m[0] != '/') {
		*why = drill_xasprintf("volume %d has no \"mount\" (an absolute path)", i);
		return NULL;
	}
	char *shown = one_line(m, strlen(m), 0);
	char *real = realpath(m, NULL);
	size_t lw = strlen(v->workspace);
	if (!real) {
		*why = drill_xasprintf("volume %d: mount %s: %s", i, shown, strerror(errno));
	} else if (strncmp(real, v->workspace, lw) || real[lw] != '/') {
		*why = drill_xasprintf("volume %d: mount %s lies outside the workspace %s; it was "
				       "not used", i, shown, v->workspace);
	} else if (!drill_fs_is_dir(real)) {
		*why = drill_xasprintf("volume %d: mount %s is not a directory", i, shown);
	} else {
		struct drill_platform *p = v->platform;
		for (int j = 0; j < p->spec.replicas && !*why; j++) {
			char *root = NULL;
			p->ops->volume_root(p, j, &root);
			char *rroot = realpath(root, NULL);
			if (overlaps(real, rroot ? rroot : root))
				*why = drill_xasprintf("volume %d: mount %s overlaps replica %d's "
						       "volume %s; the restored copy must be apart "
						       "from the volumes", i, shown, j, root);
			free(rroot);
			free(root);
		}
	}
	free(shown);
	if (*why) {
		free(real);
		return NULL;
	}
	return real;
}

/* The plugin must still list the backup before it is asked to restore it. */
static int check_listed(struct drill_vendor *v, const char *name)
{
	struct exec_call c = {"list", NULL, NULL};
	int rc = run_call(v, &c, request(v, "list", NULL, NULL));
	if (rc)
		return rc;
	json_t *list = json_object_get(c.resp, "backups"), *e;
	size_t k;
	int found = 0;
	char *why = NULL;
	if (!json_is_array(list))
		why = drill_xstrdup("the response has no array \"backups\"");
	json_array_foreach(list, k, e) {
		const char *s = json_string_value(json_object_get(e, "name"));
		if (!s) {
			why = drill_xasprintf("backups[%zu] has no string \"name\"", k);
			break;
		}
		found |= !strcmp(s, name);
	}
	char *label = call_label(v, &c);
	if (why)
		rc = drill_err(DRILL_EFAIL, "%s: invalid response: %s", label, why);
	else if (!found)
		rc = drill_err(DRILL_ENOTFOUND, "%s: the plugin does not list backup %s any more; "
			       "nothing was restored", label, name);
	free(label);
	if (rc)
		reject_last_call(impl(v), rc);
	free(why);
	json_decref(c.resp);
	return rc;
}

static int exec_restore(struct drill_vendor *v, const char *name)
{
	struct exec_vendor *x = impl(v);
	int n = v->platform->spec.replicas;
	v->bytes_copied = 0;
	int rc = valid_name(name);
	if (rc)
		return rc;
	json_t *backup = json_object_get(json_object_get(x->manifest, "backups"), name);
	if (!backup)
		return drill_err(DRILL_ENOTFOUND, "no backup named %s", name);
	json_t *restores = json_object_get(x->manifest, "restores");
	/* From here on, an earlier restore of this name no longer counts. */
	if (json_object_get(restores, name)) {
		json_object_del(restores, name);
		rc = save_manifest(x);
		if (rc)
			return rc;
	}
	rc = check_listed(v, name);
	if (rc)
		return rc;
	struct exec_call c = {"restore", name, NULL};
	rc = run_call(v, &c, request(v, "restore", name, volumes_json(v, backup)));
	char *why = NULL;
	json_t *got = rc ? NULL : drill_exec_answer_volumes(c.resp, n, &why);
	json_t *mounts = json_array();
	uint64_t total = 0;
	for (int i = 0; got && i < n && !why; i++) {
		json_t *a = json_array_get(got, (size_t)i);
		char *real = check_mount(v, a, i, &why);
		if (!real)
			break;
		json_int_t b = json_integer_value(json_object_get(a, "bytes"));
		json_array_append_new(mounts, json_pack("{s:i,s:s,s:I}", "index", i, "mount", real,
							"bytes", b));
		total += (uint64_t)b;
		free(real);
	}
	if (why) {
		char *label = call_label(v, &c);
		rc = drill_err(DRILL_EFAIL, "%s: invalid response: %s; the restore failed "
			       "(docs/vendor-exec.md)", label, why);
		free(label);
		reject_last_call(x, rc);
	}
	if (!rc) {
		json_object_set(restores, name, mounts);
		rc = save_manifest(x);
		if (rc)
			json_object_del(restores, name);
		else
			v->bytes_copied = total;
	}
	free(why);
	json_decref(mounts);
	json_decref(got);
	json_decref(c.resp);
	return rc;
}

static int exec_source_root(struct drill_vendor *v, const char *name, int i, char **path)
{
	struct exec_vendor *x = impl(v);
	json_t *mounts = json_object_get(json_object_get(x->manifest, "restores"), name);
	const char *m = json_string_value(json_object_get(json_array_get(mounts, (size_t)i),
							  "mount"));
	if (!m)
		return drill_err(DRILL_EFAIL, "backup %s has not been restored by the exec plugin",
				 name);
	*path = drill_xstrdup(m);
	return 0;
}

static int exec_remove(struct drill_vendor *v, const char *name)
{
	struct exec_vendor *x = impl(v);
	int rc = valid_name(name);
	if (rc)
		return rc;
	json_t *backups = json_object_get(x->manifest, "backups");
	json_t *backup = json_object_get(backups, name);
	if (!backup)
		return 0; /* as rm -rf of an absent backup */
	struct exec_call c = {"delete", name, NULL};
	rc = run_call(v, &c, request(v, "delete", name, volumes_json(v, backup)));
	json_decref(c.resp);
	if (rc)
		return rc;
	json_object_del(backups, name);
	json_object_del(json_object_get(x->manifest, "restores"), name);
	return save_manifest(x);
}

static void exec_destroy(struct drill_vendor *v)
{
	struct exec_vendor *x = impl(v);
	if (!x)
		return;
	json_decref(x->manifest);
	free(x->program);
	free(x->dir);
	free(x->calls_dir);
	free(x->state_dir);
	free(x->manifest_path);
	free(x->log_path);
	free(x);
	v->impl = NULL;
}

static const struct drill_vendor_ops exec_ops = {
	.name = "exec",
	.backup = exec_backup,
	.restore = exec_restore,
	.source_root = exec_source_root,
	.remove = exec_remove,
	.destroy = exec_destroy,
};

/* The program must be there and runnable before anything is installed. */
static int check_program(const char *program)
{
	struct stat st;
	if (!program || !*program)
		return drill_err(DRILL_EINPUT, "storage vendor exec needs storage.program: the "
				 "vendor's plugin (docs/vendor-exec.md)");
	if (program[0] != '/')
		return drill_err(DRILL_EINPUT, "exec plugin %s: not an absolute path", program);
	if (stat(program, &st) != 0)
		return drill_err(DRILL_EENV, "exec plugin %s: %s; install the vendor's plugin there "
				 "or point storage.program at it", program, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return drill_err(DRILL_EENV, "exec plugin %s is not a regular file; point "
				 "storage.program at the vendor's plugin", program);
	if (access(program, X_OK) != 0)
		return drill_err(DRILL_EENV, "exec plugin %s is not executable: %s (chmod +x %s)",
				 program, strerror(errno), program);
	return 0;
}

int drill_vendor_exec_open(struct drill_vendor *v)
{
	int rc = check_program(v->cfg.program);
	if (rc)
		return rc;
	struct exec_vendor *x = drill_xcalloc(1, sizeof(*x));
	v->impl = x;
	v->ops = &exec_ops;
	x->timeout_s = v->cfg.timeout_s ? v->cfg.timeout_s : 60;
	/* scenarios/../plugins/p.sh reads better as plugins/p.sh; the file name stays as given */
	const char *slash = strrchr(v->cfg.program, '/');
	char *dir = drill_xasprintf("%.*s", (int)(slash - v->cfg.program), v->cfg.program);
	char *rdir = realpath(*dir ? dir : "/", NULL);
	x->program = rdir && strcmp(rdir, "/") ? drill_xasprintf("%s%s", rdir, slash)
					       : drill_xstrdup(v->cfg.program);
	free(rdir);
	free(dir);
	x->dir = drill_xasprintf("%s/vendor-exec", v->workspace);
	x->calls_dir = drill_xasprintf("%s/calls", x->dir);
	x->state_dir = drill_xasprintf("%s/store", x->dir);
	x->manifest_path = drill_xasprintf("%s/manifest.json", x->dir);
	x->log_path = drill_xasprintf("%s/logs/vendor-exec.log", v->workspace);
	char *logs = drill_xasprintf("%s/logs", v->workspace);
	rc = drill_fs_mkdir_p(x->calls_dir, 0755);
	if (!rc)
		rc = drill_fs_mkdir_p(x->state_dir, 0755);
	if (!rc)
		rc = drill_fs_mkdir_p(logs, 0755);
	free(logs);
	if (!rc && drill_fs_exists(x->manifest_path)) {
		/* The same workspace opened again (`up`, then a later drill): go on from its record. */
		json_error_t je;
		x->manifest = json_load_file(x->manifest_path, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(x->manifest) ||
		    !json_is_object(json_object_get(x->manifest, "backups")) ||
		    !json_is_object(json_object_get(x->manifest, "restores")) ||
		    !json_is_array(json_object_get(x->manifest, "calls")))
			rc = drill_err(DRILL_EFAIL, "%s: not a manifest of the exec vendor%s%s",
				       x->manifest_path, x->manifest ? "" : ": ",
				       x->manifest ? "" : je.text);
	} else if (!rc) {
		x->manifest = json_pack("{s:s,s:s,s:i,s:{},s:{},s:[]}", "protocolVersion",
					EXEC_PROTOCOL, "program", x->program, "timeoutSeconds",
					(int)x->timeout_s, "backups", "restores", "calls");
		rc = save_manifest(x);
	}
	if (rc) {
		exec_destroy(v);
		v->ops = NULL;
	}
	return rc;
}
