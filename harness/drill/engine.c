/* drill/engine.c — one drill: install, steps, final verification, expected versus observed.
 *
 * The driver orders every request itself (it stands in for consensus), so after each batch it can
 * check what each running replica applied against the chain it computed on its own (truth.h): a
 * replica that diverges is caught at the batch where it happens, not only at the end. */
#include "drill/engine_internal.h"

#include "chain/verify.h"
#include "report/report.h"
#include "faults/faults.h"
#include "replica/ckpt.h"
#include "replica/client.h"
#include "util/beneath.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define BATCH_MAX_REQUESTS 512
#define BATCH_MAX_BYTES (8u << 20)

volatile sig_atomic_t drill_interrupted;

static void on_signal(int sig)
{
	drill_interrupted = sig;
}

const char *drill_interrupt_name(void)
{
	return drill_interrupted == SIGINT ? "SIGINT" : drill_interrupted == SIGTERM ? "SIGTERM"
										      : "a signal";
}

int drill_interrupt_exit_code(void)
{
	return drill_interrupted ? 128 + (int)drill_interrupted : 0;
}

void drill_interrupt_forward(pid_t pid)
{
	if (drill_interrupted && pid > 0)
		kill(pid, (int)drill_interrupted);
}

void drill_signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int check_interrupted(void)
{
	return drill_interrupted ? drill_err(DRILL_EFAIL, "interrupted by %s", drill_interrupt_name())
				 : 0;
}

int drill_check_scenario(const struct drill_scenario *sc)
{
	if (drill_vendor_check_name(sc->vendor) != 0) {
		char *msg = drill_xstrdup(drill_err_last());
		int rc = sc->vendor_line > 0
				 ? drill_err(DRILL_EINPUT, "%s:%d:%d: storage.vendor: %s", sc->path,
					     sc->vendor_line, sc->vendor_col, msg)
				 : drill_err(DRILL_EINPUT, "%s: storage.vendor: %s", sc->path, msg);
		free(msg);
		return rc;
	}
	return drill_faults_check_scenario(sc);
}

static char *hex32(const uint8_t *d)
{
	char *s = drill_xmalloc(2 * DRILL_HASH_LEN + 1);
	drill_hex(s, d, DRILL_HASH_LEN);
	return s;
}

static json_t *json_hex_or_null(int has, const uint8_t *d)
{
	if (!has)
		return json_null();
	char *s = hex32(d);
	json_t *j = json_string(s);
	free(s);
	return j;
}

/* --- Workspace ---------------------------------------------------------------------------------
 * A workspace is a directory chaindrill owns: it holds a .chaindrill-workspace marker, a .lock
 * held (flock) for as long as a run uses it, and run.json saying whether the last run finished.
 * A directory with other contents and no marker is never used, so a mistyped --workspace cannot
 * cost anyone their files. What a crashed run left (replica processes, a half-made backup) is
 * stopped and removed by the next run.
 *
 * The claim: the lock decides, the contents are judged again under it. A run that comes while
 * another is claiming the same new directory sees the other's .lock (and perhaps its marker's
 * temporary file) before the marker: those are a claim in progress, not a stranger's files, so it
 * goes on to the lock and is told the workspace is in use, by whom. The holder of the lock writes
 * into it who it is ({"pid", "command", "serving"}), and empties it when it lets go: "serving" is
 * true while `chaindrill up` only keeps its cluster running for the operator's commands, the one
 * time another command may change the cluster (drill_workspace_operate). */
#define WS_MARKER ".chaindrill-workspace"

static int ws_is_foreign(const char *ws)
{
	char *marker = drill_xasprintf("%s/" WS_MARKER, ws);
	int has_marker = drill_fs_exists(marker);
	free(marker);
	if (has_marker)
		return 0;
	DIR *dir = opendir(ws);
	if (!dir)
		return 0;
	struct dirent *e;
	int foreign = 0;
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, ".lock") &&
		    strncmp(e->d_name, WS_MARKER ".tmp.", strlen(WS_MARKER ".tmp.")))
			foreign = 1;
	closedir(dir);
	return foreign;
}

/* This process's command line, as one line of at most 300 bytes. */
static char *self_command(void)
{
	char *text = NULL;
	size_t len = 0;
	if (drill_fs_read_file(&text, &len, "/proc/self/cmdline", 1 << 16) != 0 || len == 0) {
		drill_err_clear();
		free(text);
		return drill_xstrdup("chaindrill");
	}
	while (len && text[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\0' || text[i] == '\n')
			text[i] = ' ';
	if (len > 300) {
		memcpy(text + 296, "...", 3);
		len = 299;
	}
	text[len] = '\0';
	return text;
}

/* Say in the lock (held through fd) who holds it; serving: see above. Best effort: a holder that
 * cannot say is still the holder, and is named as unknown. */
static void ws_lock_record(int fd, int serving)
{
	char *cmd = self_command();
	json_t *rec = json_pack("{s:i,s:s,s:b}", "pid", (int)getpid(), "command", cmd, "serving",
				serving);
	char *text = json_dumps(rec, JSON_COMPACT);
	size_t len = text ? strlen(text) : 0; /* written over the old record, then cut to length */
	if (text && (pwrite(fd, text, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) != 0))
		drill_log_debug("workspace lock: cannot record the holder: %s", strerror(errno));
	free(text);
	json_decref(rec);
	free(cmd);
}

/* Who holds the lock open on fd (a lock this process failed to take): its record, when it is
 * there and its pid is alive (else NULL: a holder that has not written it yet). */
static json_t *ws_lock_holder(int fd)
{
	char buf[4096];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	json_t *rec = n > 0 ? json_loadb(buf, (size_t)n, 0, NULL) : NULL;
	json_int_t pid = json_integer_value(json_object_get(rec, "pid"));
	if (!rec || pid <= 0 || pid > INT32_MAX || !json_string_value(json_object_get(rec, "command")) ||
	    (kill((pid_t)pid, 0) != 0 && errno != EPERM)) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

/* ws_lock_holder, polled: a holder writes its record right after taking the lock (and rewrites
 * it when `up` starts serving), so one that has just taken it is given up to half a second to
 * say who it is. */
static json_t *ws_lock_holder_wait(int fd)
{
	json_t *rec = ws_lock_holder(fd);
	for (int i = 0; i < 50 && !rec; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
		rec = ws_lock_holder(fd);
	}
	return rec;
}

/* "a running chaindrill (pid N: COMMAND)", naming the holder of the lock open on fd. */
static char *ws_holder_text(int fd)
{
	json_t *rec = ws_lock_holder_wait(fd);
	char *s = rec ? drill_xasprintf("a running chaindrill (pid %" JSON_INTEGER_FORMAT ": %s)",
					json_integer_value(json_object_get(rec, "pid")),
					json_string_value(json_object_get(rec, "command")))
		      : drill_xstrdup("a running chaindrill (it has not said which yet)");
	json_decref(rec);
	return s;
}

/* Let go of the workspace's lock, emptying the record of who held it. */
static void ws_unlock(int fd)
{
	if (fd < 0)
		return;
	if (ftruncate(fd, 0) != 0)
		drill_log_debug("workspace lock: cannot empty it: %s", strerror(errno));
	close(fd);
}

/* What a run that died mid-copy left: backups/<name>.partial-<pid> (hostpath-copy) and
 * ebs-sim/snapshots/<id>.partial, as paths relative to the workspace. */
static json_t *ws_partial_copies(const char *ws)
{
	static const char *const dirs[] = {"backups", "ebs-sim/snapshots", NULL};
	json_t *a = json_array();
	for (const char *const *sub = dirs; *sub; sub++) {
		char *p = drill_xasprintf("%s/%s", ws, *sub);
		DIR *dh = opendir(p);
		struct dirent *e;
		while (dh && (e = readdir(dh)))
			if (strstr(e->d_name, ".partial"))
				json_array_append_new(a, json_sprintf("%s/%s", *sub, e->d_name));
		if (dh)
			closedir(dh);
		free(p);
	}
	return a;
}

static int ws_write_state(const char *ws, const char *state, const char *at)
{
	char *runjson = drill_xasprintf("%s/run.json", ws);
	char *body = drill_xasprintf("{\"pid\": %d, \"%s\": \"%s\", \"state\": \"%s\"}\n",
				     (int)getpid(), at, drill_report_now_iso(), state);
	int rc = drill_fs_write_atomic(runjson, body, strlen(body));
	free(body);
	free(runjson);
	return rc;
}

/* Empty the workspace but for the marker, the lock and run.json. The copies that look whole
 * (backups/<name>, ebs-sim/snapshots/<id>) are first renamed out of sight in one step each, so a
 * crash in the middle of the removal never leaves a half-removed backup under a whole backup's
 * name. */
static int ws_empty(const char *ws)
{
	static const char *const hide[] = {"backups", "ebs-sim"};
	int rc = 0;
	for (size_t i = 0; i < sizeof(hide) / sizeof(hide[0]) && !rc; i++) {
		char *from = drill_xasprintf("%s/%s", ws, hide[i]);
		char *to = drill_xasprintf("%s/.removing-%s", ws, hide[i]);
		rc = drill_fs_remove_tree(to); /* what an earlier crash left there */
		if (!rc && rename(from, to) != 0 && errno != ENOENT)
			rc = drill_err(DRILL_EFAIL, "rename %s: %s", from, strerror(errno));
		free(from);
		free(to);
	}
	DIR *dir = opendir(ws);
	struct dirent *e;
	while (!rc && dir && (e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, ".lock") || !strcmp(e->d_name, WS_MARKER) ||
		    !strcmp(e->d_name, "run.json"))
			continue;
		char *p = drill_xasprintf("%s/%s", ws, e->d_name);
		rc = drill_fs_remove_tree(p);
		free(p);
	}
	if (dir)
		closedir(dir);
	return rc;
}

/* Take the workspace's lock (held until ws_unlock) and say who holds it; DRILL_EINPUT naming the
 * holder when another process holds it. `busy` ends the message that says so. */
static int ws_lock(int *lockfd, const char *ws, const char *busy)
{
	/* never through a link planted as .lock (util/beneath.h) */
	int fd = drill_beneath_open(ws, ".lock", O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return drill_err_wrap(fd == DRILL_EENV ? DRILL_EENV : DRILL_EINPUT,
				      "%s: cannot create the lock", ws);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		char *who = ws_holder_text(fd);
		close(fd);
		int rc = drill_err(DRILL_EINPUT, "%s: in use by %s; %s", ws, who, busy);
		free(who);
		return rc;
	}
	ws_lock_record(fd, 0);
	*lockfd = fd;
	return 0;
}

/* The last run's run.json (NULL when there is none or it does not parse). */
static json_t *ws_last_run(const char *ws)
{
	char *runjson = drill_xasprintf("%s/run.json", ws), *text = NULL;
	size_t len = 0;
	json_t *prev = NULL;
	if (drill_fs_read_file(&text, &len, runjson, 1 << 16) == 0)
		prev = json_loadb(text, len, 0, NULL);
	drill_err_clear();
	free(text);
	free(runjson);
	return prev;
}

/* Whether the last run ended without finishing (killed, or interrupted while removing). */
static int ws_interrupted(const json_t *prev)
{
	const char *state = json_string_value(json_object_get(prev, "state"));
	return state && strcmp(state, "finished");
}

static int ws_prepare(int *lockfd, json_t *rep, const char *ws)
{
	int rc = drill_fs_mkdir_p(ws, 0755);
	if (rc)
		return drill_err_wrap(DRILL_EINPUT, "workspace");
	if (ws_is_foreign(ws))
		return drill_err(DRILL_EINPUT, "%s: not empty and not a chaindrill workspace (no %s); "
				 "refusing to use it", ws, WS_MARKER);
	int fd;
	rc = ws_lock(&fd, ws, "refusing to use it");
	if (rc)
		return rc;
	if (ws_is_foreign(ws)) { /* judged again under the lock: files came meanwhile */
		ws_unlock(fd);
		return drill_err(DRILL_EINPUT, "%s: not empty and not a chaindrill workspace (no %s); "
				 "refusing to use it", ws, WS_MARKER);
	}
	char *marker = drill_xasprintf("%s/" WS_MARKER, ws);
	rc = drill_fs_write_atomic(marker, "chaindrill workspace\n", 21);
	free(marker);
	if (rc == 0)
		rc = drill_fs_guard_add(ws);
	if (rc) {
		ws_unlock(fd);
		return rc;
	}

	/* A previous run that did not finish: stop what it left running, say so in the report. */
	json_t *prev = ws_last_run(ws);
	if (ws_interrupted(prev)) {
		int stopped = drill_platform_reap_stale(ws);
		json_t *rec = json_pack("{s:O?,s:O?,s:i,s:o}", "startedAt",
					json_object_get(prev, "startedAt"), "pid",
					json_object_get(prev, "pid"), "replicasStopped",
					stopped > 0 ? stopped : 0, "partialCopiesRemoved",
					ws_partial_copies(ws));
		json_object_set_new(rep, "recoveredInterruptedRun", rec);
		drill_log_warn("%s: the previous run (pid %" JSON_INTEGER_FORMAT ") did not finish; "
			       "stopped %d leftover replica(s) and cleaned up", ws,
			       json_integer_value(json_object_get(prev, "pid")),
			       stopped > 0 ? stopped : 0);
	}
	json_decref(prev);

	/* Say this run holds the workspace before emptying it: a crash while emptying is then
	 * the interrupted run the next one finds. */
	rc = ws_write_state(ws, "running", "startedAt");
	if (rc == 0)
		rc = ws_empty(ws);
	if (rc) {
		ws_unlock(fd);
		return rc;
	}
	*lockfd = fd;
	return 0;
}

static void ws_finish(int lockfd, const char *ws)
{
	ws_write_state(ws, "finished", "finishedAt");
	ws_unlock(lockfd);
}

/* Remove a finished workspace, still holding its lock. run.json says "removing" until the end
 * and the marker goes last, so a crash part-way leaves a workspace the next run recognises as
 * its own and as interrupted, never a stranger's directory it would refuse. */
static void ws_remove(int lockfd, const char *ws)
{
	static const char *const last[] = {"run.json", ".lock", WS_MARKER};
	int rc = ws_write_state(ws, "removing", "finishedAt");
	if (!rc)
		rc = ws_empty(ws);
	for (size_t i = 0; i < sizeof(last) / sizeof(last[0]) && !rc; i++) {
		char *p = drill_xasprintf("%s/%s", ws, last[i]);
		rc = drill_fs_remove_tree(p);
		free(p);
	}
	if (!rc)
		rmdir(ws);
	ws_unlock(lockfd); /* .lock is gone when the removal went through */
}

int drill_workspace_clean(const char *ws, json_t **record)
{
	*record = NULL;
	if (!drill_fs_exists(ws))
		return 0;
	char *marker = drill_xasprintf("%s/" WS_MARKER, ws);
	int ours = drill_fs_exists(marker);
	free(marker);
	if (!ours)
		return drill_err(DRILL_EINPUT, "%s: not a chaindrill workspace (no %s); refusing to "
				 "touch it", ws, WS_MARKER);
	int fd;
	int rc = ws_lock(&fd, ws, "not cleaned");
	if (rc)
		return rc;
	rc = drill_fs_guard_add(ws);
	if (rc) {
		ws_unlock(fd);
		return rc;
	}
	json_t *prev = ws_last_run(ws);
	int stopped = ws_interrupted(prev) ? drill_platform_reap_stale(ws) : 0;
	*record = json_pack("{s:s,s:s?,s:i,s:o}", "workspace", ws, "state",
			    json_string_value(json_object_get(prev, "state")),
			    "replicasStopped", stopped > 0 ? stopped : 0, "partialCopiesRemoved",
			    ws_partial_copies(ws));
	json_decref(prev);
	ws_remove(fd, ws);
	if (drill_fs_exists(ws))
		return drill_err(DRILL_EFAIL, "%s: could not remove everything in it", ws);
	return 0;
}

int drill_workspace_operate(int *lockfd, const char *ws, const char *what)
{
	*lockfd = -1;
	char *path = drill_xasprintf("%s/.lock", ws);
	int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC); /* never created here */
	int err = errno;
	free(path);
	if (fd < 0 && err == ENOENT)
		return 0; /* nobody has claimed it: nothing drives a cluster there */
	if (fd < 0)
		return drill_err(DRILL_EINPUT, "%s: cannot open its lock: %s", ws, strerror(err));
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		ws_lock_record(fd, 0); /* a run that starts meanwhile is told who holds it */
		*lockfd = fd;
		return 0;
	}
	json_t *rec = ws_lock_holder_wait(fd);
	int serving = json_is_true(json_object_get(rec, "serving"));
	json_decref(rec);
	if (serving) {
		close(fd);
		return 0;
	}
	char *who = ws_holder_text(fd);
	close(fd);
	int rc = drill_err(DRILL_EINPUT, "%s: its cluster is driven by %s; %s would change it under "
			   "that drill: refused (it may act on a cluster `chaindrill up` keeps "
			   "running, once its steps are done)", ws, who, what);
	free(who);
	return rc;
}

void drill_workspace_release(int lockfd)
{
	ws_unlock(lockfd);
}

/* --- Replicas ---------------------------------------------------------------------------------- */

/* Which replicas answer now. Leaves the last error message alone: it is called right after a
 * platform operation whose failure the caller is about to report. */
int drill_engine_refresh_urls(struct drill *d)
{
	char *saved = drill_xstrdup(drill_err_last());
	for (int i = 0; i < d->n; i++) {
		free(d->urls[i]);
		d->urls[i] = NULL;
		if (!d->installed)
			continue;
		char *u = NULL;
		if (d->plat->ops->replica_url(d->plat, i, &u) == 0)
			d->urls[i] = u;
	}
	if (saved[0])
		drill_err(DRILL_EFAIL, "%s", saved); /* the code is the caller's; only the text is kept */
	else
		drill_err_clear();
	free(saved);
	return 0;
}

int drill_engine_statuses(struct drill *d, struct drill_replica_status *sts)
{
	for (int i = 0; i < d->n; i++) {
		memset(&sts[i], 0, sizeof(sts[i]));
		if (!d->urls[i])
			continue;
		int rc = drill_client_status(&sts[i], d->urls[i]);
		if (rc) {
			/* a replica that died answering (RocksDB aborting on damaged data): say how,
			 * with the end of its log */
			char *msg = drill_xstrdup(drill_err_last()), *why = NULL;
			drill_engine_statuses_free(d, sts);
			if (drill_platform_replica_failure(d->plat, i, &why) == 0)
				rc = drill_err(DRILL_EFAIL, "replica %d: %s; %s", i, msg, why);
			else
				rc = drill_err(rc, "replica %d: %s", i, msg);
			free(why);
			free(msg);
			return rc;
		}
	}
	return 0;
}

void drill_engine_statuses_free(struct drill *d, struct drill_replica_status *sts)
{
	for (int i = 0; i < d->n; i++)
		drill_replica_status_free(&sts[i]);
}

char *drill_engine_truth_at_backup(struct drill *d, const char *backup)
{
	return drill_xasprintf("%s/truth-at-backup-%s.bin", d->ws, backup);
}

char *drill_engine_data_dir(struct drill *d, int i)
{
	char *root = NULL;
	if (d->plat->ops->volume_root(d->plat, i, &root) != 0)
		return NULL;
	char *sub = drill_platform_data_subpath(&d->spec, i);
	char *path = drill_xasprintf("%s/%s", root, sub);
	free(root);
	free(sub);
	return path;
}

static int running_count(struct drill *d)
{
	int m = 0;
	for (int i = 0; i < d->n; i++)
		m += d->urls[i] != NULL;
	return m;
}

/* Every running replica must hold exactly the driver's chain: same last block, same digest. */
static int check_against_truth(struct drill *d, const struct drill_replica_status *sts, int i)
{
	uint64_t want = drill_truth_last(d->truth);
	const uint8_t *dg = drill_truth_last_digest(d->truth);
	const struct drill_replica_status *st = &sts[i];
	if (st->last_block != want)
		return drill_err(DRILL_EFAIL, "replica %d is at block %" PRIu64 ", the driver "
				 "ordered up to block %" PRIu64, i, st->last_block, want);
	if (want && (!st->has_digest || memcmp(st->last_digest, dg, DRILL_HASH_LEN))) {
		char *a = hex32(st->last_digest), *b = hex32(dg);
		drill_err(DRILL_EFAIL, "replica %d holds block %" PRIu64 " with digest %.16s…, the "
			  "driver computed %.16s…", i, want, a, b);
		free(a);
		free(b);
		return DRILL_EFAIL;
	}
	return 0;
}

/* Send one batch to every running replica and check each against the truth. */
/* The checkpoints a write step saw its replicas take: one record per replica and checkpoint, the
 * first time a status after a batch lists a checkpoint that holds a block of this step (ids above
 * seen[i], which starts below the step's first block). */
struct ckpt_seen {
	uint64_t *seen;
	double t0;    /* when the step began */
	json_t *list; /* [{"replica", "id", "seqNum", "lastBlock", "atSeconds"}] */
	uint64_t due; /* the lowest sequence number at which a replica may take its next one */
};

static void note_checkpoints(struct ckpt_seen *cs, int i, const struct drill_replica_status *st,
			     uint64_t window)
{
	if (st->ckpt_last_seq + window < cs->due)
		cs->due = st->ckpt_last_seq + window;
	for (size_t k = 0; k < st->n_checkpoints; k++) {
		const struct drill_ckpt_info *c = &st->checkpoints[k];
		if (c->id <= cs->seen[i])
			continue;
		cs->seen[i] = c->id;
		json_array_append_new(cs->list,
				      json_pack("{s:i,s:I,s:I,s:I,s:f}", "replica", i, "id",
						(json_int_t)c->id, "seqNum", (json_int_t)c->seq_num,
						"lastBlock", (json_int_t)c->last_block, "atSeconds",
						drill_now_s() - cs->t0));
	}
}

static int send_batch(struct drill *d, const struct drill_buf *batch, struct ckpt_seen *cs)
{
	const char **urls = drill_xcalloc((size_t)d->n, sizeof(*urls));
	int *idx = drill_xcalloc((size_t)d->n, sizeof(*idx));
	struct drill_replica_status *sts = drill_xcalloc((size_t)d->n, sizeof(*sts));
	struct drill_replica_status *all = drill_xcalloc((size_t)d->n, sizeof(*all));
	size_t m = 0;
	int rc = 0;
	for (int i = 0; i < d->n; i++)
		if (d->urls[i]) {
			urls[m] = d->urls[i];
			idx[m++] = i;
		}
	if (m == 0) {
		rc = drill_err(DRILL_EFAIL, "no replica is running to order requests on");
		goto cleanup;
	}
	rc = drill_client_order(sts, urls, m, batch->data, batch->len);
	if (rc)
		goto cleanup;
	cs->due = UINT64_MAX;
	for (size_t k = 0; k < m; k++) {
		all[idx[k]] = sts[k];
		memset(&sts[k], 0, sizeof(sts[k]));
		note_checkpoints(cs, idx[k], &all[idx[k]], d->sc->ckpt_window);
	}
	for (size_t k = 0; k < m && !rc; k++)
		rc = check_against_truth(d, all, idx[k]);
cleanup:
	for (int i = 0; i < d->n; i++) {
		drill_replica_status_free(&sts[i]);
		drill_replica_status_free(&all[i]);
	}
	free(sts);
	free(all);
	free(urls);
	free(idx);
	return rc;
}

/* Order `blocks` writes on every running replica, in batches (a batch ends where an armed process
 * fault is due, which then fires between two batches). */
int drill_engine_order_writes(struct drill *d, uint64_t blocks, json_t *details)
{
	struct drill_buf batch;
	drill_buf_init(&batch, DRILL_ORDER_MAX_BODY);
	uint64_t first = drill_truth_last(d->truth) + 1;
	double t0 = drill_now_s();
	int rc = 0;
	int lockfd = drill_order_lock(d->ws);
	if (lockfd < 0)
		return lockfd;
	struct ckpt_seen cs = {drill_xcalloc((size_t)d->n, sizeof(uint64_t)), t0, json_array(), 0};
	for (int i = 0; i < d->n; i++)
		cs.seen[i] = first - 1;
	char *label = drill_xasprintf("write %" PRIu64 " blocks", blocks);
	struct drill_progress *progress = drill_progress_start(label, blocks, DRILL_PROGRESS_BLOCKS);
	free(label);
	for (uint64_t done = 0; done < blocks && !rc;) {
		rc = check_interrupted();
		if (rc)
			break;
		drill_req_batch_begin(&batch);
		uint64_t in_batch = 0, budget = drill_process_write_budget(d);
		/* A batch ends where a replica may take a periodic checkpoint (on the BFT checkpoint
		 * window, once checkpointWindow has passed since its last), so the status after it
		 * shows that checkpoint before retention can prune it. */
		while (done < blocks && in_batch < BATCH_MAX_REQUESTS && batch.len < BATCH_MAX_BYTES &&
		       in_batch < budget &&
		       !(in_batch && d->sc->ckpt_enabled && d->seq % DRILL_BFT_CHECKPOINT_WINDOW == 0 &&
			 d->seq >= cs.due)) {
			uint64_t sn = d->seq + 1;
			rc = drill_truth_write(d->truth, sn, sn * d->sc->block_interval_ms, &batch);
			if (rc)
				break;
			d->seq = sn;
			done++;
			in_batch++;
		}
		drill_req_batch_end(&batch);
		if (!rc)
			rc = send_batch(d, &batch, &cs);
		if (!rc)
			rc = drill_process_blocks_ordered(d, in_batch);
		drill_progress_add(progress, in_batch);
	}
	drill_progress_finish(progress);
	drill_order_unlock(lockfd);
	drill_buf_free(&batch);
	double secs = drill_now_s() - t0;
	json_object_set_new(details, "firstBlock", json_integer((json_int_t)first));
	json_object_set_new(details, "lastBlock", json_integer((json_int_t)drill_truth_last(d->truth)));
	json_object_set_new(details, "replicasOrdered", json_integer(running_count(d)));
	if (secs > 0)
		json_object_set_new(details, "blocksPerSecond", json_real((double)blocks / secs));
	json_object_set_new(details, "checkpointsTaken", cs.list);
	free(cs.seen);
	return rc;
}

/* After the cluster came up on volumes the driver did not just write (install, restore): adopt
 * its sequence number, and check its chain against the truth. Returns the common last block. */
static int adopt_cluster(struct drill *d, uint64_t *last_block, json_t *details)
{
	struct drill_replica_status *sts = drill_xcalloc((size_t)d->n, sizeof(*sts));
	int rc = drill_engine_statuses(d, sts), first = 1;
	uint64_t seq = 0, last = 0;
	json_t *reps = json_array();
	for (int i = 0; i < d->n && !rc; i++) {
		if (!d->urls[i])
			continue;
		json_array_append_new(reps, json_pack("{s:i,s:I,s:I,s:o}", "replica", i, "lastBlock",
						      (json_int_t)sts[i].last_block, "seqNum",
						      (json_int_t)sts[i].seq_num, "digest",
						      json_hex_or_null(sts[i].has_digest,
								       sts[i].last_digest)));
		if (!first && (sts[i].last_block != last || sts[i].seq_num != seq))
			rc = drill_err(DRILL_EFAIL, "replicas came up at different heights (block %"
				       PRIu64 " and %" PRIu64 ")", last, sts[i].last_block);
		last = sts[i].last_block;
		seq = sts[i].seq_num;
		first = 0;
	}
	json_object_set_new(details, "replicasAfter", reps);
	if (!rc) {
		d->seq = seq;
		*last_block = last;
	}
	drill_engine_statuses_free(d, sts);
	free(sts);
	return rc;
}

/* --- Steps ------------------------------------------------------------------------------------- */

static int write_cluster_json(struct drill *d, const char *platform)
{
	char *path = drill_xasprintf("%s/cluster.json", d->ws);
	json_t *j = json_pack("{s:s,s:i,s:I,s:s,s:s,s:s}", "platform", platform, "replicas", d->n,
			      "blockIntervalMs", (json_int_t)d->sc->block_interval_ms, "namespace",
			      d->sc->namespace_, "blockchainId", d->sc->blockchain_id, "storageClass",
			      d->sc->storage_class);
	char *text = json_dumps(j, JSON_INDENT(2));
	int rc = drill_fs_write_atomic(path, text, strlen(text));
	free(text);
	json_decref(j);
	free(path);
	return rc;
}

/* helm install. Volumes that outlived an uninstall (reclaimPolicy Retain) come back with their
 * chain; deleted ones come back empty: blocks the driver had committed are then lost, which is
 * recorded as data loss, and the driver carries on from what the cluster holds. */
static int step_install(struct drill *d, json_t *details)
{
	int rc = d->plat->ops->install(d->plat);
	if (rc)
		return rc;
	d->installed = 1;
	drill_engine_refresh_urls(d);
	uint64_t found = 0, want = drill_truth_last(d->truth);
	rc = adopt_cluster(d, &found, details);
	if (rc)
		return rc;
	json_object_set_new(details, "foundBlock", json_integer((json_int_t)found));
	if (found > want)
		return drill_err(DRILL_EFAIL, "the cluster came up at block %" PRIu64 ", beyond the "
				 "%" PRIu64 " blocks the driver ordered", found, want);
	if (found < want) {
		json_array_append_new(d->data_loss,
				      json_pack("{s:s,s:I,s:I,s:I}", "step", "install",
						"committedBlock", (json_int_t)want, "foundBlock",
						(json_int_t)found, "lostBlocks",
						(json_int_t)(want - found)));
		drill_log_warn("install: the cluster holds block %" PRIu64 " of the %" PRIu64
			       " blocks committed: %" PRIu64 " lost", found, want, want - found);
		rc = drill_truth_rollback(d->truth, found);
		if (rc)
			return rc;
	}
	struct drill_replica_status *sts = drill_xcalloc((size_t)d->n, sizeof(*sts));
	rc = drill_engine_statuses(d, sts);
	for (int i = 0; i < d->n && !rc; i++)
		if (d->urls[i])
			rc = check_against_truth(d, sts, i);
	drill_engine_statuses_free(d, sts);
	free(sts);
	return rc;
}

static int step_uninstall(struct drill *d, json_t *details)
{
	int rc = d->plat->ops->uninstall(d->plat);
	d->installed = 0;
	drill_engine_refresh_urls(d);
	json_object_set_new(details, "reclaimPolicy",
			    json_string(d->sc->reclaim == DRILL_RECLAIM_DELETE ? "Delete" : "Retain"));
	return rc;
}

static json_t *checkpoint_ids(const struct drill_replica_status *st)
{
	json_t *a = json_array();
	for (size_t k = 0; k < st->n_checkpoints; k++)
		json_array_append_new(a, json_integer((json_int_t)st->checkpoints[k].id));
	return a;
}

/* The operator's `db-checkpoint create`, ordered like any request. */
static int step_checkpoint(struct drill *d, json_t *details)
{
	struct drill_cluster_info ci = {(size_t)d->n, d->urls, d->sc->block_interval_ms};
	struct drill_replica_status *sts = drill_xcalloc((size_t)d->n, sizeof(*sts));
	uint64_t ordered = 0, taken = 0, want = drill_truth_last(d->truth);
	int rc = drill_order_checkpoint(&ordered, &taken, sts, &ci, d->ws);
	if (rc == 0) {
		d->seq = taken;
		int everywhere = 1;
		json_t *per = json_array();
		for (int i = 0; i < d->n; i++) {
			if (!d->urls[i])
				continue;
			int has = 0;
			for (size_t k = 0; k < sts[i].n_checkpoints; k++)
				has |= sts[i].checkpoints[k].id == want;
			everywhere &= has;
			json_array_append_new(per, json_pack("{s:i,s:o}", "replica", i,
							     "checkpoints", checkpoint_ids(&sts[i])));
			if (!rc)
				rc = check_against_truth(d, sts, i);
		}
		json_object_set_new(details, "orderedAtSeqNum", json_integer((json_int_t)ordered));
		json_object_set_new(details, "takenAtSeqNum", json_integer((json_int_t)taken));
		json_object_set_new(details, "checkpointId",
				    want && everywhere ? json_integer((json_int_t)want) : json_null());
		json_object_set_new(details, "replicas", per);
		if (!d->sc->ckpt_enabled)
			json_object_set_new(details, "note",
					    json_string("replicaCheckpointBackup is disabled: the "
							"command is ordered but no checkpoint is taken"));
	}
	drill_engine_statuses_free(d, sts);
	free(sts);
	return rc;
}

static int step_backup(struct drill *d, const struct drill_step *st, json_t *details)
{
	struct drill_replica_status *sts = drill_xcalloc((size_t)d->n, sizeof(*sts));
	int rc = drill_engine_statuses(d, sts);
	if (rc == 0) {
		json_t *per = json_array();
		for (int i = 0; i < d->n; i++)
			if (d->urls[i])
				json_array_append_new(per, json_pack("{s:i,s:I,s:o}", "replica", i,
								     "lastBlock",
								     (json_int_t)sts[i].last_block,
								     "checkpoints",
								     checkpoint_ids(&sts[i])));
		json_object_set_new(details, "replicas", per);
		drill_engine_statuses_free(d, sts);
	}
	free(sts);
	if (rc)
		return rc;
	rc = d->vendor->ops->backup(d->vendor, st->name);
	if (rc)
		return rc;
	/* What the driver knew at this backup, for a restore after the record moved on. */
	char *saved = drill_engine_truth_at_backup(d, st->name);
	rc = drill_fs_mkdir_p(d->ws, 0755);
	if (!rc)
		rc = drill_truth_save(d->truth, saved);
	free(saved);
	if (rc)
		return rc;
	d->backups = drill_xrealloc(d->backups, (d->n_backups + 1) * sizeof(*d->backups));
	d->backups[d->n_backups++] = (struct drill_backup_rec){drill_xstrdup(st->name),
							      drill_truth_last(d->truth)};
	json_object_set_new(details, "name", json_string(st->name));
	json_object_set_new(details, "vendor", json_string(d->vendor->ops->name));
	json_object_set_new(details, "bytesCopied", json_integer((json_int_t)d->vendor->bytes_copied));
	if (d->vendor->n_shared) {
		/* copied all the same: a hard link is the file; the record says it came from outside */
		json_object_set_new(details, "sharedHardLinks", drill_vendor_shared_json(d->vendor));
		drill_log_warn("backup %s: %zu file(s) hard-linked to something outside the volumes, "
			       "copied as they are (first: %s, %lu links, %lu in the backup)",
			       st->name, d->vendor->n_shared, d->vendor->shared[0].path,
			       d->vendor->shared[0].nlink, d->vendor->shared[0].met);
	}
	json_object_set_new(details, "driverLastBlock",
			    json_integer((json_int_t)drill_truth_last(d->truth)));
	return 0;
}

static int step_stop(struct drill *d, const struct drill_step *st, json_t *details)
{
	int rc = d->plat->ops->stop_replica(d->plat, st->replica);
	drill_engine_refresh_urls(d);
	json_object_set_new(details, "replica", json_integer(st->replica));
	return rc;
}

static int step_start(struct drill *d, const struct drill_step *st, json_t *details)
{
	int rc = d->plat->ops->start_replica(d->plat, st->replica);
	drill_engine_refresh_urls(d);
	json_object_set_new(details, "replica", json_integer(st->replica));
	if (rc)
		return rc;
	struct drill_replica_status *sts = drill_xcalloc((size_t)d->n, sizeof(*sts));
	rc = drill_engine_statuses(d, sts);
	if (rc == 0) {
		json_object_set_new(details, "caughtUpTo",
				    json_integer((json_int_t)sts[st->replica].last_block));
		rc = check_against_truth(d, sts, st->replica);
		if (rc)
			drill_err_wrap(rc, "after state transfer");
		drill_engine_statuses_free(d, sts);
	}
	free(sts);
	return rc;
}

static int step_fault(struct drill *d, const struct drill_step *st, int index, json_t *details)
{
	const struct drill_fault_kind *k = drill_fault_find(st->fault_kind);
	if (!k)
		return drill_err(DRILL_EINPUT, "unknown fault kind '%s'", st->fault_kind);
	const struct drill_param *sp = drill_step_param(st, "seed");
	struct drill_fault_ctx ctx = {
		.sc = d->sc, .platform = d->plat, .vendor = d->vendor, .workspace = d->ws,
		.seed = sp ? strtoull(sp->value, NULL, 10)
			   : d->seed * 0x9e3779b97f4a7c15u + (uint64_t)index,
		.details = details, .plan = &d->plan,
		.foreign_checkpoint = drill_engine_foreign_checkpoint, .engine = d};
	json_object_set_new(details, "kind", json_string(k->name));
	json_t *params = json_object();
	for (size_t i = 0; i < st->n_params; i++)
		json_object_set_new(params, st->params[i].key, json_string(st->params[i].value));
	json_object_set_new(details, "params", params);
	int rc = k->inject(&ctx, st);
	json_array_append_new(d->faults, json_pack("{s:i,s:s,s:O}", "step", index, "kind", k->name,
						   "details", details));
	return rc;
}

/* Functional validation: the cluster makes progress, and every replica reaches the new blocks
 * with the digest the driver computed. Ends the RTO clock of a preceding restore. */
static int step_validate(struct drill *d, const struct drill_step *st, json_t *details)
{
	for (int i = 0; i < d->n; i++)
		if (!d->urls[i])
			return drill_err(DRILL_EFAIL, "replica %d is not running", i);
	int rc = drill_engine_order_writes(d, st->blocks, details);
	if (rc)
		return rc;
	if (d->rto_start >= 0 && d->last_restore) {
		double rto = drill_now_s() - d->rto_start;
		json_object_set_new(d->last_restore, "rtoWallSeconds", json_real(rto));
		json_object_set_new(d->last_restore, "rtoEndsAt", json_string("validate"));
		d->rto_start = -1;
	}
	return 0;
}

static int run_step(struct drill *d, const struct drill_step *st, int index, json_t *details)
{
	switch (st->kind) {
	case DRILL_STEP_WRITE: return drill_engine_order_writes(d, st->blocks, details);
	case DRILL_STEP_CHECKPOINT: return step_checkpoint(d, details);
	case DRILL_STEP_BACKUP: return step_backup(d, st, details);
	case DRILL_STEP_STOP: return step_stop(d, st, details);
	case DRILL_STEP_START: return step_start(d, st, details);
	case DRILL_STEP_UNINSTALL: return step_uninstall(d, details);
	case DRILL_STEP_INSTALL: return step_install(d, details);
	case DRILL_STEP_FAULT: return step_fault(d, st, index, details);
	case DRILL_STEP_RESTORE: return drill_restore_run(d, st, details);
	case DRILL_STEP_VALIDATE: return step_validate(d, st, details);
	}
	return drill_err(DRILL_EFAIL, "unknown step kind %d", (int)st->kind);
}

/* A step needs the release installed, except install itself. */
static int step_needs_install(const struct drill_step *st)
{
	return st->kind != DRILL_STEP_INSTALL && st->kind != DRILL_STEP_FAULT;
}

/* --- Verdict ----------------------------------------------------------------------------------- */

/* Stop the replicas, verify every volume (docs/design.md §5), and compare with the truth. */
/* The checkpoints a replica holds at the end, for the report (null if they cannot be listed). */
static json_t *end_checkpoints(const char *data_dir)
{
	uint64_t *ids = NULL;
	size_t n = 0;
	if (drill_engine_list_checkpoints(&ids, &n, data_dir) != 0)
		return json_null();
	json_t *a = json_array();
	for (size_t k = 0; k < n; k++)
		json_array_append_new(a, json_integer((json_int_t)ids[k]));
	free(ids);
	return a;
}

static int final_verify(struct drill *d, json_t *rep, json_t *observed)
{
	double t0 = drill_now_s();
	if (d->installed) {
		int rc = d->plat->ops->scale(d->plat, 0);
		drill_engine_refresh_urls(d);
		if (rc)
			drill_log_warn("final stop: %s", drill_err_last());
	}
	char **paths = drill_xcalloc((size_t)d->n, sizeof(*paths));
	for (int i = 0; i < d->n; i++) {
		paths[i] = drill_engine_data_dir(d, i);
		if (!paths[i])
			paths[i] = drill_xasprintf("%s/missing-volume-%d", d->ws, i);
	}
	struct drill_verify_result vr;
	memset(&vr, 0, sizeof(vr));
	int rc = drill_verify_set(&vr, (const char *const *)paths, (size_t)d->n, -1, 0);
	if (rc) {
		for (int i = 0; i < d->n; i++)
			free(paths[i]);
		free(paths);
		return rc;
	}
	char *text = drill_verify_to_json(&vr);
	json_error_t jerr;
	json_t *ver = json_loads(text, 0, &jerr);
	free(text);
	uint64_t tlast = drill_truth_last(d->truth);
	int truth_ok = 1;
	json_t *reps = json_object_get(ver, "replicas");
	for (size_t i = 0; i < vr.n; i++) {
		const struct drill_replica_result *r = &vr.replicas[i];
		int match = 0;
		if (r->status == DRILL_REPLICA_OK) {
			struct drill_truth_rec rec;
			if (r->last_block == 0)
				match = 1;
			else if (r->last_block <= tlast && drill_truth_get(d->truth, r->last_block,
									     &rec) == 0)
				match = !memcmp(rec.digest, r->digest, DRILL_HASH_LEN);
		}
		json_object_set_new(json_array_get(reps, i), "matchesDriver", json_boolean(match));
		json_object_set_new(json_array_get(reps, i), "checkpoints", end_checkpoints(paths[i]));
	}
	if (vr.has_agreed) {
		struct drill_truth_rec rec;
		truth_ok = vr.agreed_block <= tlast &&
			   drill_truth_get(d->truth, vr.agreed_block, &rec) == 0 &&
			   !memcmp(rec.digest, vr.agreed_digest, DRILL_HASH_LEN);
	}
	json_object_set_new(ver, "wallSeconds", json_real(drill_now_s() - t0));
	json_object_set_new(rep, "verification", ver);
	json_object_set_new(rep, "driver",
			    json_pack("{s:I,s:o,s:I,s:i}", "lastBlock", (json_int_t)tlast,
				      "lastDigest", json_hex_or_null(tlast > 0,
								      drill_truth_last_digest(d->truth)),
				      "lastSeqNum", (json_int_t)d->seq, "epoch",
				      (int)drill_truth_epoch(d->truth)));

	json_object_set_new(observed, "verdict", json_string(drill_verdict_name(vr.verdict)));
	json_object_set_new(observed, "agreedBlock",
			    vr.has_agreed ? json_integer((json_int_t)vr.agreed_block) : json_null());
	json_object_set_new(observed, "agreedStateMatchesDriver",
			    vr.has_agreed ? json_boolean(truth_ok) : json_null());
	if (tlast > 0 && (!vr.has_agreed || vr.agreed_block < tlast))
		json_array_append_new(d->data_loss,
				      json_pack("{s:s,s:I,s:o,s:I}", "step", "verify",
						"committedBlock", (json_int_t)tlast, "agreedBlock",
						vr.has_agreed ? json_integer((json_int_t)vr.agreed_block)
							      : json_null(),
						"lostBlocks",
						(json_int_t)(tlast - (vr.has_agreed && vr.agreed_block < tlast
									 ? vr.agreed_block : 0))));

	for (int i = 0; i < d->n; i++)
		free(paths[i]);
	free(paths);
	drill_verify_result_free(&vr);
	return 0;
}

static void mismatch(json_t *list, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mismatch(json_t *list, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(list, json_string(buf));
}

static const char *ostr(json_t *obs, const char *key)
{
	const char *s = json_string_value(json_object_get(obs, key));
	return s ? s : "none";
}

/* Expected versus observed: every field the scenario states must hold, no step may fail unless
 * the scenario says which one must, and a cluster that agrees must agree on the driver's chain. */
static json_t *compare_expect(const struct drill_expect *e, json_t *obs)
{
	json_t *mm = json_array();
	json_t *ab = json_object_get(obs, "agreedBlock"), *rb = json_object_get(obs, "restoredBlock");
	if (e->has_verdict && strcmp(e->verdict, ostr(obs, "verdict")))
		mismatch(mm, "verdict: expected %s, observed %s", e->verdict, ostr(obs, "verdict"));
	if (e->has_restored_block) {
		if (!json_is_integer(rb))
			mismatch(mm, "restoredBlock: expected %" PRIu64 ", but no restore completed",
				 e->restored_block);
		else if ((uint64_t)json_integer_value(rb) != e->restored_block)
			mismatch(mm, "restoredBlock: expected %" PRIu64 ", observed %" JSON_INTEGER_FORMAT,
				 e->restored_block, json_integer_value(rb));
	}
	if (e->has_agreed_block) {
		if (!json_is_integer(ab))
			mismatch(mm, "agreedBlock: expected %" PRIu64 ", observed none (no 2f+1 "
				 "replicas agree)", e->agreed_block);
		else if ((uint64_t)json_integer_value(ab) != e->agreed_block)
			mismatch(mm, "agreedBlock: expected %" PRIu64 ", observed %" JSON_INTEGER_FORMAT,
				 e->agreed_block, json_integer_value(ab));
	}
	int lost = json_is_true(json_object_get(obs, "dataLoss"));
	if (e->has_data_loss && e->data_loss != lost)
		mismatch(mm, "dataLoss: expected %s, observed %s", e->data_loss ? "true" : "false",
			 lost ? "true" : "false");
	const char *failed = json_string_value(json_object_get(obs, "failedStep"));
	const char *err = json_string_value(json_object_get(obs, "error"));
	if (e->has_failed_step) {
		if (!failed)
			mismatch(mm, "failedStep: expected step '%s' to fail, but every step passed",
				 e->failed_step);
		else if (strcmp(failed, e->failed_step))
			mismatch(mm, "failedStep: expected '%s' to fail, but '%s' failed: %s",
				 e->failed_step, failed, err ? err : "");
		else if (e->error && (!err || !strstr(err, e->error)))
			mismatch(mm, "error: expected a message containing '%s', got '%s'", e->error,
				 err ? err : "");
	} else if (failed) {
		mismatch(mm, "step '%s' failed: %s", failed, err ? err : "");
	}
	json_t *tm = json_object_get(obs, "agreedStateMatchesDriver");
	if (json_is_false(tm))
		mismatch(mm, "the replicas agree on block %" JSON_INTEGER_FORMAT " but not on the "
			 "chain the driver wrote", json_integer_value(ab));
	return mm;
}

/* --- The drill --------------------------------------------------------------------------------- */

static json_t *expect_json(const struct drill_expect *e)
{
	json_t *j = json_object();
	if (e->has_verdict)
		json_object_set_new(j, "verdict", json_string(e->verdict));
	if (e->has_restored_block)
		json_object_set_new(j, "restoredBlock", json_integer((json_int_t)e->restored_block));
	if (e->has_agreed_block)
		json_object_set_new(j, "agreedBlock", json_integer((json_int_t)e->agreed_block));
	if (e->has_data_loss)
		json_object_set_new(j, "dataLoss", json_boolean(e->data_loss));
	if (e->has_failed_step)
		json_object_set_new(j, "failedStep", json_string(e->failed_step));
	if (e->error)
		json_object_set_new(j, "error", json_string(e->error));
	return j;
}

char *drill_engine_step_label(const struct drill_step *st)
{
	switch (st->kind) {
	case DRILL_STEP_WRITE: return drill_xasprintf("write %" PRIu64 " blocks", st->blocks);
	case DRILL_STEP_VALIDATE: return drill_xasprintf("validate %" PRIu64 " blocks", st->blocks);
	case DRILL_STEP_BACKUP: return drill_xasprintf("backup %s", st->name);
	case DRILL_STEP_RESTORE:
		if (st->latest_common)
			return drill_xasprintf("restore %s latest-common", st->name);
		if (st->restore_live)
			return drill_xasprintf("restore %s as is", st->name);
		return drill_xasprintf("restore %s checkpoint %" PRIu64, st->name, st->checkpoint);
	case DRILL_STEP_STOP: return drill_xasprintf("stop replica %d", st->replica);
	case DRILL_STEP_START: return drill_xasprintf("start replica %d", st->replica);
	case DRILL_STEP_FAULT: return drill_xasprintf("fault %s", st->fault_kind);
	default: return drill_xstrdup(drill_step_kind_name(st->kind));
	}
}

/* Run one step and append its record; returns the step's result. */
static int record_step(struct drill *d, const struct drill_step *st, int index, double t_origin,
		       json_t *observed)
{
	json_t *rec = json_object(), *details = json_object();
	char *label = drill_engine_step_label(st);
	json_object_set_new(rec, "index", json_integer(index));
	json_object_set_new(rec, "kind", json_string(drill_step_kind_name(st->kind)));
	json_object_set_new(rec, "label", json_string(label));
	if (st->line > 0)
		json_object_set_new(rec, "line", json_integer(st->line));
	json_array_append_new(d->steps, rec);
	if (st->kind == DRILL_STEP_RESTORE)
		d->last_restore = details;
	drill_log_info("step %d: %s", index, label);
	double t0 = drill_now_s();
	int rc = check_interrupted();
	if (!rc && !d->installed && step_needs_install(st))
		rc = drill_err(DRILL_EFAIL, "the release is not installed (an `install` step is "
			       "needed after `uninstall`)");
	if (!rc) {
		drill_process_step_begin(d, st, details);
		rc = run_step(d, st, index, details);
		rc = drill_process_step_end(d, st, details, rc);
	}
	double t1 = drill_now_s();
	json_object_set_new(rec, "startedAtSeconds", json_real(t0 - t_origin));
	json_object_set_new(rec, "wallSeconds", json_real(t1 - t0));
	json_object_set_new(rec, "status", json_string(rc ? "failed" : "ok"));
	json_object_set_new(rec, "details", details);
	if (rc) {
		json_object_set_new(rec, "error", json_string(drill_err_last()));
		json_object_set_new(observed, "failedStep", json_string(drill_step_kind_name(st->kind)));
		json_object_set_new(observed, "failedStepIndex", json_integer(index));
		json_object_set_new(observed, "error", json_string(drill_err_last()));
		drill_log_warn("step %d (%s) failed: %s", index, label, drill_err_last());
	} else {
		drill_log_info("step %d: %s: ok (%.2f s)", index, label, t1 - t0);
	}
	free(label);
	return rc;
}

static void hold_until_signal(struct drill *d)
{
	printf("cluster up: %d replicas, workspace %s\n", d->n, d->ws);
	for (int i = 0; i < d->n; i++)
		printf("  replica %d: %s\n", i, d->urls[i] ? d->urls[i] : "(down)");
	printf("`chaindrill db-checkpoint create|status --cluster %s` acts on it; Ctrl-C stops it.\n",
	       d->ws);
	fflush(stdout);
	sigset_t none;
	sigemptyset(&none);
	while (!drill_interrupted)
		sigsuspend(&none);
}

static void drill_free(struct drill *d)
{
	drill_vendor_destroy(d->vendor);
	drill_platform_destroy(d->plat);
	drill_truth_free(d->truth);
	if (d->urls)
		for (int i = 0; i < d->n; i++)
			free(d->urls[i]);
	free(d->urls);
	for (size_t i = 0; i < d->n_backups; i++)
		free(d->backups[i].name);
	free(d->backups);
	free(d->ws);
	free(d->vendor_program);
	drill_process_free(d);
	if (d->plan.restore.copy)
		drill_fault_plan_free(&d->plan);
}

int drill_run(json_t **report, const struct drill_scenario *sc, const struct drill_run_opts *o)
{
	struct drill d;
	memset(&d, 0, sizeof(d));
	d.sc = sc;
	d.o = o;
	d.seed = o->has_seed ? o->seed : sc->seed;
	d.n = sc->replicas;
	d.f = (sc->replicas - 1) / 3;
	d.rto_start = -1;
	d.ws = drill_xstrdup(o->workspace);
	const char *platform = o->platform ? o->platform : sc->platform;
	double t_origin = drill_now_s();
	int rc = 0, lockfd = -1, ran = 0;

	json_t *rep = json_object(), *observed = json_object();
	d.steps = json_array();
	d.data_loss = json_array();
	d.faults = json_array();
	json_object_set_new(rep, "schema", json_string(DRILL_REPORT_SCHEMA));
	json_object_set_new(rep, "scenario", json_pack("{s:s,s:s,s:s?}", "name", sc->name, "path",
						       sc->path, "description", sc->description));
	json_object_set_new(rep, "seed", json_integer((json_int_t)d.seed));
	json_object_set_new(rep, "platform", json_string(platform));
	json_object_set_new(rep, "vendor", json_string(sc->vendor));
	json_object_set_new(rep, "replicas", json_integer(d.n));
	json_object_set_new(rep, "f", json_integer(d.f));
	json_object_set_new(rep, "startedAt", json_string(drill_report_now_iso()));
	json_object_set_new(rep, "workspace", json_string(d.ws));
	json_object_set_new(rep, "rerun", json_string(o->rerun ? o->rerun : ""));
	json_object_set_new(rep, "expected", expect_json(&sc->expect));

	rc = ws_prepare(&lockfd, rep, d.ws);
	if (rc) {
		/* not started: the workspace was refused (in use, or not chaindrill's) */
		if (rc == DRILL_EINPUT)
			json_object_set_new(rep, "refused", json_true());
		goto finish;
	}

	d.spec = (struct drill_cluster_spec){
		.namespace_ = sc->namespace_, .blockchain_id = sc->blockchain_id,
		.replicas = sc->replicas, .storage_class = sc->storage_class, .reclaim = sc->reclaim,
		.ckpt = {sc->ckpt_enabled, sc->ckpt_keep, sc->ckpt_interval_s, sc->ckpt_window},
		.replica_exe = o->replica_exe, .has_run_as_user = sc->has_run_as_user,
		.run_as_user = sc->run_as_user, .release = sc->name,
		.zones = (const char *const *)sc->zones, .n_zones = sc->n_zones};
	d.urls = drill_xcalloc((size_t)d.n, sizeof(*d.urls));
	drill_fault_plan_init(&d.plan, d.n);
	d.plan.proc.rerun = o->after_crash;
	struct drill_workload w = {sc->keys_per_block, sc->value_size, sc->key_space,
				   sc->block_interval_ms};
	char *truth_path = drill_xasprintf("%s/truth.bin", d.ws);
	rc = drill_truth_open(&d.truth, truth_path, &w, d.seed);
	free(truth_path);
	if (rc)
		goto finish;
	rc = drill_platform_open(&d.plat, platform, d.ws, &d.spec);
	if (rc)
		goto finish;
	char *program = NULL;
	if (sc->vendor_program) /* relative to the scenario's directory */
		program = drill_fs_resolve_beside(sc->path, sc->vendor_program);
	struct drill_vendor_config vc = {
		.name = sc->vendor, .program = program, .timeout_s = sc->vendor_timeout_s,
		.snapshot_class = sc->vendor_snapshot_class,
		.zones = (const char *const *)sc->zones, .n_zones = sc->n_zones};
	rc = drill_vendor_open(&d.vendor, &vc, d.ws, d.plat);
	d.vendor_program = program;
	if (rc)
		goto finish;
	rc = write_cluster_json(&d, platform);
	if (rc)
		goto finish;

	/* The release is installed before the first step, as a deployment would be. */
	ran = 1;
	struct drill_step install = {.kind = DRILL_STEP_INSTALL};
	int failed = record_step(&d, &install, 0, t_origin, observed);
	for (size_t i = 0; i < sc->n_steps; i++) {
		if (failed) {
			char *label = drill_engine_step_label(&sc->steps[i]);
			json_array_append_new(d.steps, json_pack("{s:i,s:s,s:s,s:s}", "index",
				(int)i + 1, "kind", drill_step_kind_name(sc->steps[i].kind), "label",
				label, "status", "skipped"));
			free(label);
			continue;
		}
		failed = record_step(&d, &sc->steps[i], (int)i + 1, t_origin, observed);
	}
	if (failed == DRILL_EENV) {
		/* the environment failed the step (a full disk, a lost tool): no outcome, exit 3 */
		rc = drill_err(DRILL_EENV, "%s",
			       json_string_value(json_object_get(observed, "error")));
		goto finish;
	}
	if (o->hold && !failed) {
		ws_lock_record(lockfd, 1); /* the operator's commands may act on it now */
		hold_until_signal(&d);
		ws_lock_record(lockfd, 0);
		goto finish;
	}
	if (drill_interrupted) {
		rc = check_interrupted();
		goto finish;
	}
	rc = final_verify(&d, rep, observed);

finish:
	json_object_set_new(rep, "steps", d.steps);
	/* One source of truth: observed.dataLoss says whether the list of data-loss events (blocks
	 * an install found gone, blocks the verified cluster does not hold) has any. */
	if (json_object_get(observed, "verdict"))
		json_object_set_new(observed, "dataLoss", json_boolean(json_array_size(d.data_loss) > 0));
	json_object_set_new(rep, "dataLoss", d.data_loss);
	json_object_set_new(rep, "faults", d.faults);
	if (d.restored) {
		static const char *const keys[] = {"restoredBlock", "stateMatchesDriver", "rpoBlocks",
						   "rpoVirtualSeconds", "rtoWallSeconds"};
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			json_t *v = json_object_get(d.last_restore, keys[k]);
			if (v)
				json_object_set(observed, keys[k], v);
		}
	}
	if (rc && !o->hold && drill_interrupted) {
		/* Stopped by Ctrl-C or SIGTERM before its verdict: not an outcome (docs/reports.md). */
		check_interrupted();
		json_object_set_new(rep, "interrupted", json_true());
		json_object_set_new(rep, "error", json_string(drill_err_last()));
		json_object_set_new(rep, "errorKind", json_string("interrupted"));
	} else if (rc && !o->hold) {
		json_object_set_new(rep, "error", json_string(drill_err_last()));
		json_object_set_new(rep, "errorKind",
				    json_string(rc == DRILL_EENV ? "environment" :
						rc == DRILL_EINPUT ? "input" : "error"));
	}
	json_object_set_new(rep, "observed", observed);
	json_t *mm = rc ? json_array() : compare_expect(&sc->expect, observed);
	int matched = !rc && json_array_size(mm) == 0;
	json_object_set_new(rep, "mismatches", mm);
	json_object_set_new(rep, "matched", json_boolean(matched));
	int saved_rc = rc;
	char saved_err[1024];
	snprintf(saved_err, sizeof(saved_err), "%s", drill_err_last());
	drill_free(&d); /* stops every replica this drill started */
	json_object_set_new(rep, "wallSeconds", json_real(drill_now_s() - t_origin));
	int keep = o->keep || !matched || o->hold;
	json_object_set_new(rep, "workspaceKept", json_boolean(ran && keep));
	if (lockfd >= 0 && keep)
		ws_finish(lockfd, o->workspace);
	else if (lockfd >= 0)
		ws_remove(lockfd, o->workspace);
	*report = rep;
	if (saved_rc)
		drill_err(saved_rc, "%s", saved_err);
	return saved_rc;
}
