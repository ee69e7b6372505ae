/* platform/local.c — the embedded platform: replicas as processes, volumes as directories, all
 * inside the run's workspace (see platform.h for what it stands in for).
 *
 *   <ws>/hostpath-provisioner/<ns>/<claim>/   replica i's volume (minikube's hostpath layout)
 *   <ws>/run/replica-<i>.pid, .port           a running replica; peers find each other here
 *   <ws>/logs/replica-<i>.log                 its stdout and stderr, appended across restarts
 *   <ws>/platform/state.json                  the release: installed, replicaCount, claims */
#include "platform/platform_internal.h"

#include "replica/client.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/proc.h"

#include <jansson.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 120000 /* a replica catching up thousands of blocks by state transfer */
#define STOP_TIMEOUT_MS 15000   /* SIGTERM, then SIGKILL */
#define LOG_TAIL 800

struct local_replica {
	pid_t pid;  /* 0 when not started */
	int exited; /* the process was seen to end (reaped) before we stopped it */
	int status; /* its wait status then */
};

struct local {
	char *run_dir, *logs_dir, *state_path, *volumes;
	char *namespace_, *blockchain_id, *storage_class;
	int installed, replica_count;
	struct local_replica *r;
};

static struct local *impl(struct drill_platform *p)
{
	return p->impl;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static char *pid_path(struct local *l, int i)
{
	return drill_xasprintf("%s/replica-%d.pid", l->run_dir, i);
}

static char *port_path(struct local *l, int i)
{
	return drill_xasprintf("%s/replica-%d.port", l->run_dir, i);
}

static char *log_path(struct local *l, int i)
{
	return drill_xasprintf("%s/replica-%d.log", l->logs_dir, i);
}

static int volume_root(struct drill_platform *p, int i, char **out)
{
	char *claim = drill_platform_claim_name(&p->spec, i);
	*out = drill_xasprintf("%s/%s/%s", impl(p)->volumes, p->spec.namespace_, claim);
	free(claim);
	return 0;
}

static char *data_dir(struct drill_platform *p, int i)
{
	char *root, *sub = drill_platform_data_subpath(&p->spec, i);
	volume_root(p, i, &root);
	char *path = drill_xasprintf("%s/%s", root, sub);
	free(root);
	free(sub);
	return path;
}

/* The release as `kubectl get pvc,pv` and `helm status` would show it. */
static int save_state(struct drill_platform *p)
{
	struct local *l = impl(p);
	json_t *claims = json_array();
	for (int i = 0; i < p->spec.replicas; i++) {
		char *claim = drill_platform_claim_name(&p->spec, i), *root;
		volume_root(p, i, &root);
		const char *phase = l->installed ? "Bound" : drill_fs_exists(root) ? "Released" : NULL;
		if (phase)
			json_array_append_new(claims, json_pack("{s:s,s:s,s:s,s:I}", "name", claim,
								"volume", root, "phase", phase,
								"pid", (json_int_t)l->r[i].pid));
		free(claim);
		free(root);
	}
	json_t *st = json_pack("{s:s,s:b,s:i,s:s,s:s,s:{s:s,s:s},s:o}", "platform", "local",
			       "installed", l->installed, "replicaCount", l->replica_count,
			       "namespace", l->namespace_, "blockchainId", l->blockchain_id,
			       "storageClass", "name", l->storage_class, "reclaimPolicy",
			       p->spec.reclaim == DRILL_RECLAIM_DELETE ? "Delete" : "Retain",
			       "claims", claims);
	char *text = json_dumps(st, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(st);
	int rc = drill_fs_write_atomic(l->state_path, text, strlen(text));
	free(text);
	return rc;
}

/* The last lines of replica i's log, for an error message (malloc'd, "" when none). */
static char *log_tail(struct local *l, int i)
{
	char *path = log_path(l, i), *out;
	FILE *f = fopen(path, "rb");
	free(path);
	if (!f)
		return drill_xstrdup("");
	char buf[LOG_TAIL + 1];
	size_t n = 0;
	if (fseek(f, -LOG_TAIL, SEEK_END) != 0)
		rewind(f);
	n = fread(buf, 1, LOG_TAIL, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	const char *start = buf;
	if (n == LOG_TAIL) { /* start at a line boundary */
		const char *nl = strchr(buf, '\n');
		if (nl)
			start = nl + 1;
	}
	out = drill_xstrdup(start);
	return out;
}

static int read_port(struct local *l, int i)
{
	char *path = port_path(l, i), *txt = NULL;
	size_t len;
	int port = 0;
	if (drill_fs_read_file(&txt, &len, path, 64) == 0)
		port = atoi(txt);
	free(txt);
	free(path);
	return port > 0 && port < 65536 ? port : 0;
}

static void forget(struct local *l, int i)
{
	char *pidf = pid_path(l, i), *portf = port_path(l, i);
	drill_fs_remove_tree(pidf); /* absent is fine: the replica may never have started */
	drill_fs_remove_tree(portf);
	free(pidf);
	free(portf);
	l->r[i].pid = 0;
	l->r[i].exited = 0;
	l->r[i].status = 0;
}

/* Does replica i's process still run? An exit seen here is remembered, for stop_one to report. */
static int alive(struct local *l, int i)
{
	if (!l->r[i].pid || l->r[i].exited)
		return 0;
	if (drill_proc_running(l->r[i].pid, &l->r[i].status))
		return 1;
	l->r[i].exited = 1;
	return 0;
}

/* runAsUser: the replicas run as uid:uid with no supplementary groups, so every directory from /
 * down to their volumes, and to the program they run, must let that user search it. chaindrill
 * changes no directory it did not create, and the ones above the workspace are the user's (a
 * `mktemp -d` parent is mode 0700): a path the replicas cannot reach is an environment error,
 * found before anything starts, with the fix in the message (docs/containment.md). */
static int searchable_by(const struct stat *st, uid_t uid)
{
	if (uid == 0)
		return 1;
	mode_t bit = st->st_uid == uid ? S_IXUSR : st->st_gid == (gid_t)uid ? S_IXGRP : S_IXOTH;
	return (st->st_mode & bit) != 0;
}

static int check_reachable(const char *path, uid_t uid, const char *what)
{
	char *abs = realpath(path, NULL);
	if (!abs)
		return drill_err(DRILL_EENV, "%s: %s", path, strerror(errno));
	int rc = 0;
	size_t len = strlen(abs);
	for (size_t end = 1; end <= len && !rc; end++) {
		if (end < len && abs[end] != '/')
			continue;
		char saved = abs[end];
		abs[end] = '\0';
		struct stat st;
		if (stat(end == 0 ? "/" : abs, &st) != 0)
			rc = drill_err(DRILL_EENV, "%s: %s", abs, strerror(errno));
		else if (S_ISDIR(st.st_mode) && !searchable_by(&st, uid))
			rc = drill_err(DRILL_EENV, "cluster.runAsUser %u: the replicas run as uid %u and "
				       "cannot reach %s: %s (mode %04o, owner %u:%u) does not let uid "
				       "%u search it, and chaindrill changes no directory it did not "
				       "create. Use a --workspace under a directory every user can "
				       "search (such as /var/tmp), or let uid %u in: chmod o+x %s",
				       (unsigned)uid, (unsigned)uid, what, abs,
				       (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
				       (unsigned)st.st_gid, (unsigned)uid, (unsigned)uid, abs);
		abs[end] = saved;
	}
	free(abs);
	return rc;
}

/* Start replica i's process (it is not running); readiness is waited for apart. */
/* Give the pod's user the directories from volume root i down to `dir` (runAsUser). */
static int own_volume(struct drill_platform *p, int i, const char *dir)
{
	char *root = NULL;
	volume_root(p, i, &root);
	size_t rl = strlen(root);
	char *path = drill_xstrdup(dir);
	int rc = 0;
	uid_t uid = (uid_t)p->spec.run_as_user;
	for (;;) {
		if (lchown(path, uid, (gid_t)uid) != 0) {
			rc = drill_err(DRILL_EENV, "%s: cannot give it to uid %u (runAsUser): %s", path,
				       (unsigned)uid, strerror(errno));
			break;
		}
		char *slash = strrchr(path, '/');
		if (strlen(path) <= rl || !slash || (size_t)(slash - path) < rl)
			break;
		*slash = '\0';
	}
	free(path);
	free(root);
	return rc;
}

/* `cold`: the whole cluster starts at once (helm install, scale to 1). No peer is ready yet, so the
 * replica does not look for one before it is ready; it catches up by state transfer when it is
 * ordered past its sequence number. A replica that returns alone (`start`) catches up first. */
static int spawn(struct drill_platform *p, int i, int cold)
{
	struct local *l = impl(p);
	const char *exe = p->spec.replica_exe ? p->spec.replica_exe : drill_proc_self_exe();
	if (!exe)
		return drill_err(DRILL_EENV, "cannot find this program's path in /proc/self/exe");
	char *data = data_dir(p, i);
	/* The chart's init container would create the directory the replica mounts, owned by the
	 * pod's user. */
	char *slash = strrchr(data, '/');
	*slash = '\0';
	int rc = drill_fs_mkdir_p(data, 0755);
	if (!rc && p->spec.has_run_as_user)
		rc = own_volume(p, i, data);
	*slash = '/';
	if (rc) {
		free(data);
		return rc;
	}
	forget(l, i);
	char id[16], keep[16], interval[32], window[32], shared[16];
	snprintf(id, sizeof(id), "%d", i);
	snprintf(keep, sizeof(keep), "%" PRIu32, p->spec.ckpt.keep);
	snprintf(interval, sizeof(interval), "%" PRIu64, p->spec.ckpt.interval_s);
	snprintf(window, sizeof(window), "%" PRIu64, p->spec.ckpt.window);
	snprintf(shared, sizeof(shared), "%d", p->spec.replicas); /* every volume on one disk */
	char *portf = port_path(l, i), *logf = log_path(l, i);
	char *argv[] = {(char *)exe, "replica", "--data", data, "--id", id, "--port-file", portf,
			"--peers-dir", l->run_dir, "--checkpoints-enabled",
			p->spec.ckpt.enabled ? "1" : "0", "--number-of-checkpoints", keep,
			"--checkpoint-interval", interval, "--checkpoint-window", window,
			"--disk-shared-by", shared, NULL, NULL, NULL};
	size_t k = sizeof(argv) / sizeof(argv[0]) - 3;
	if (cold)
		argv[k++] = "--cold-start";
	if (drill_log_threshold >= DRILL_LOG_DEBUG)
		argv[k++] = "-v";
	pid_t pid = 0;
	rc = p->spec.has_run_as_user
		     ? drill_proc_spawn_as(&pid, argv, logf, (uid_t)p->spec.run_as_user,
					   (gid_t)p->spec.run_as_user)
		     : drill_proc_spawn(&pid, argv, logf);
	if (rc == 0) {
		l->r[i].pid = pid;
		char *pidf = pid_path(l, i), txt[32];
		int n = snprintf(txt, sizeof(txt), "%d\n", (int)pid);
		rc = drill_fs_write_atomic(pidf, txt, (size_t)n);
		free(pidf);
		drill_log_debug("replica-%d: started, pid %d", i, (int)pid);
		if (p->on_spawn)
			p->on_spawn(p, i, (int)pid, p->on_spawn_arg);
	}
	free(portf);
	free(logf);
	free(data);
	return rc;
}

/* Stop replica i: SIGTERM (already sent when `signaled`), SIGKILL after STOP_TIMEOUT_MS. A replica
 * closes its database and exits 0 on SIGTERM; anything else (a crash, a sanitizer's report, a
 * hang that needed SIGKILL) is an error carrying the end of its log. */
static int stop_one(struct local *l, int i, int signaled)
{
	if (!l->r[i].pid)
		return 0;
	int status = 0, rc = 0;
	pid_t pid = l->r[i].pid;
	int died_before = l->r[i].exited;
	if (alive(l, i)) {
		rc = drill_proc_stop(pid, STOP_TIMEOUT_MS, &status);
	} else {
		status = l->r[i].status;
		if (died_before || !signaled)
			rc = DRILL_EFAIL; /* it had ended on its own */
	}
	if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		rc = DRILL_EFAIL;
	if (rc) {
		char *tail = log_tail(l, i);
		rc = drill_err(DRILL_EFAIL, "replica-%d (pid %d) did not shut down cleanly: %s%s%s", i,
			       (int)pid, drill_proc_status_str(status),
			       *tail ? "; its log ends:\n" : "", tail);
		free(tail);
	}
	drill_log_debug("replica-%d: stopped", i);
	forget(l, i);
	return rc;
}

/* Wait until replica i answers ready, it dies, or the deadline passes (then it is stopped). */
static int wait_ready(struct drill_platform *p, int i, uint64_t deadline_ms)
{
	struct local *l = impl(p);
	long delay = 5;
	for (;;) {
		int status = 0;
		if (!alive(l, i)) {
			status = l->r[i].status;
			char *tail = log_tail(l, i);
			int rc = drill_err(DRILL_EFAIL, "replica-%d %s before it was ready%s%s", i,
					   drill_proc_status_str(status), *tail ? "; its log ends:\n" : "",
					   tail);
			free(tail);
			forget(l, i);
			return rc;
		}
		int port = read_port(l, i);
		if (port) {
			char *url = drill_xasprintf("http://127.0.0.1:%d", port);
			int ready = drill_client_ready(url);
			free(url);
			if (ready)
				return 0;
		}
		if (drill_now_ms() >= deadline_ms) {
			stop_one(l, i, 0);
			return drill_err(DRILL_ETIMEOUT, "replica-%d was not ready after %d s", i,
					 READY_TIMEOUT_MS / 1000);
		}
		sleep_ms(delay);
		if (delay < 100)
			delay *= 2;
	}
}

/* Start every replica that is not running, then wait for all: they catch up from each other. */
static int start_all(struct drill_platform *p)
{
	struct local *l = impl(p);
	int rc = 0;
	int cold = 1;
	for (int i = 0; i < p->spec.replicas; i++)
		cold &= !l->r[i].pid;
	for (int i = 0; i < p->spec.replicas && !rc; i++)
		if (!l->r[i].pid)
			rc = spawn(p, i, cold);
	uint64_t deadline = drill_now_ms() + READY_TIMEOUT_MS;
	for (int i = 0; i < p->spec.replicas && !rc; i++)
		rc = wait_ready(p, i, deadline);
	return rc;
}

/* `sig`: SIGTERM, or SIGUSR1 when the databases are about to be replaced (no flush). */
static int stop_all(struct local *l, int n, int sig)
{
	/* Signal all first so they shut down together, then reap each. */
	for (int i = 0; i < n; i++)
		if (l->r[i].pid)
			kill(-l->r[i].pid, sig);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		int r = stop_one(l, i, 1);
		if (r && !rc)
			rc = r;
		else if (r)
			drill_log_warn("%s", drill_err_last());
	}
	return rc;
}

static int require_installed(struct drill_platform *p, const char *what)
{
	if (!impl(p)->installed)
		return drill_err(DRILL_EINPUT, "%s: the release is not installed", what);
	return 0;
}

static int local_install(struct drill_platform *p)
{
	struct local *l = impl(p);
	if (l->installed)
		return drill_err(DRILL_EINPUT, "install: the release is already installed");
	for (int i = 0; i < p->spec.replicas; i++) {
		char *root;
		volume_root(p, i, &root);
		int rc = drill_fs_mkdir_p(root, 0755);
		free(root);
		if (rc)
			return rc;
	}
	l->installed = 1;
	l->replica_count = 1;
	int rc = save_state(p);
	if (rc == 0)
		rc = start_all(p);
	if (rc) {
		/* Keep the first error: the others follow from it. */
		char *why = drill_xstrdup(drill_err_last());
		stop_all(l, p->spec.replicas, SIGTERM);
		l->installed = 0;
		l->replica_count = 0;
		save_state(p);
		rc = drill_err(rc, "%s", why);
		free(why);
	}
	return rc;
}

static int local_uninstall(struct drill_platform *p)
{
	struct local *l = impl(p);
	int rc = require_installed(p, "uninstall");
	if (rc)
		return rc;
	rc = stop_all(l, p->spec.replicas, SIGTERM);
	l->installed = 0;
	l->replica_count = 0;
	/* The claims go; their volumes too when the StorageClass says Delete. */
	int rc2 = 0;
	for (int i = 0; i < p->spec.replicas && !rc2; i++) {
		if (p->spec.reclaim != DRILL_RECLAIM_DELETE)
			continue;
		char *root;
		volume_root(p, i, &root);
		rc2 = drill_fs_remove_tree(root);
		free(root);
	}
	if (!rc2)
		rc2 = save_state(p);
	return rc ? rc : rc2;
}

static int scale(struct drill_platform *p, int count, int stop_signal)
{
	struct local *l = impl(p);
	int rc = require_installed(p, "scale");
	if (rc)
		return rc;
	if (count != 0 && count != 1)
		return drill_err(DRILL_EINPUT, "scale: replicaCount must be 0 or 1, not %d", count);
	l->replica_count = count;
	if (count == 0)
		rc = stop_all(l, p->spec.replicas, stop_signal);
	else
		rc = start_all(p);
	int rc2 = save_state(p);
	return rc ? rc : rc2;
}

static int local_scale(struct drill_platform *p, int count)
{
	return scale(p, count, SIGTERM);
}

/* The replicas' SIGUSR1: close without flushing what the restore deletes next. */
static int local_stop_for_restore(struct drill_platform *p)
{
	return scale(p, 0, SIGUSR1);
}

static int check_index(struct drill_platform *p, int i)
{
	if (i < 0 || i >= p->spec.replicas)
		return drill_err(DRILL_EINPUT, "no replica %d (the cluster has %d)", i,
				 p->spec.replicas);
	return require_installed(p, "replica");
}

static int local_stop_replica(struct drill_platform *p, int i)
{
	int rc = check_index(p, i);
	if (rc)
		return rc;
	if (!impl(p)->r[i].pid)
		return drill_err(DRILL_EINPUT, "replica-%d is not running", i);
	rc = stop_one(impl(p), i, 0);
	int rc2 = save_state(p);
	return rc ? rc : rc2;
}

static int local_start_replica(struct drill_platform *p, int i)
{
	int rc = check_index(p, i);
	if (rc)
		return rc;
	if (impl(p)->r[i].pid)
		return drill_err(DRILL_EINPUT, "replica-%d is already running", i);
	rc = spawn(p, i, 0);
	if (rc == 0)
		rc = wait_ready(p, i, drill_now_ms() + READY_TIMEOUT_MS);
	int rc2 = save_state(p);
	return rc ? rc : rc2;
}

/* A crash, not a shutdown: SIGKILL the replica's process group and reap it. The kill was asked
 * for, so its status is no error of a later stop. */
static int local_kill_replica(struct drill_platform *p, int i, int *status)
{
	struct local *l = impl(p);
	int rc = check_index(p, i);
	if (rc)
		return rc;
	if (!l->r[i].pid || !alive(l, i))
		return drill_err(DRILL_EINPUT, "replica-%d is not running", i);
	pid_t pid = l->r[i].pid;
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	int st = 0;
	rc = drill_proc_wait(pid, STOP_TIMEOUT_MS, &st);
	if (rc)
		return drill_err_wrap(rc, "replica-%d (pid %d) after SIGKILL", i, (int)pid);
	if (status)
		*status = st;
	drill_log_info("replica-%d (pid %d) %s", i, (int)pid, drill_proc_status_str(st));
	forget(l, i);
	return save_state(p);
}

/* A replica whose process ended on its own: its wait status and the end of its log. Not forgotten
 * here: a later stop still reports it. */
static int local_replica_failure(struct drill_platform *p, int i, char **why)
{
	struct local *l = impl(p);
	*why = NULL;
	if (i < 0 || i >= p->spec.replicas || !l->r[i].pid || alive(l, i))
		return DRILL_ENOTFOUND;
	char *tail = log_tail(l, i);
	*why = drill_xasprintf("replica-%d (pid %d) %s%s%s", i, (int)l->r[i].pid,
			       drill_proc_status_str(l->r[i].status), *tail ? "; its log ends:\n" : "",
			       tail);
	free(tail);
	return 0;
}

static int local_replica_url(struct drill_platform *p, int i, char **url)
{
	struct local *l = impl(p);
	*url = NULL;
	if (i < 0 || i >= p->spec.replicas || !alive(l, i))
		return DRILL_ENOTFOUND;
	int port = read_port(l, i);
	if (!port)
		return DRILL_ENOTFOUND;
	*url = drill_xasprintf("http://127.0.0.1:%d", port);
	return 0;
}

static int local_replica_up(struct drill_platform *p, int i)
{
	char *url = NULL;
	if (local_replica_url(p, i, &url) != 0)
		return 0;
	int up = drill_client_ready(url);
	free(url);
	return up;
}

static void local_destroy(struct drill_platform *p)
{
	struct local *l = impl(p);
	if (l) {
		if (l->r && stop_all(l, p->spec.replicas, SIGTERM))
			drill_log_warn("%s", drill_err_last());
		if (l->installed) {
			l->installed = 0;
			save_state(p);
		}
		free(l->run_dir);
		free(l->logs_dir);
		free(l->state_path);
		free(l->volumes);
		free(l->namespace_);
		free(l->blockchain_id);
		free(l->storage_class);
		free(l->r);
		free(l);
	}
	free(p->workspace);
	free(p);
}

static const struct drill_platform_ops local_ops = {
	.name = "local",
	.install = local_install,
	.uninstall = local_uninstall,
	.scale = local_scale,
	.stop_for_restore = local_stop_for_restore,
	.stop_replica = local_stop_replica,
	.start_replica = local_start_replica,
	.kill_replica = local_kill_replica,
	.replica_up = local_replica_up,
	.replica_failure = local_replica_failure,
	.replica_url = local_replica_url,
	.volume_root = volume_root,
	.destroy = local_destroy,
};

int drill_platform_local_open(struct drill_platform **out, const char *workspace,
			      const struct drill_cluster_spec *spec)
{
	if (spec->replicas < 1)
		return drill_err(DRILL_EINPUT, "a cluster needs at least one replica");
	char *ws = realpath(workspace, NULL);
	if (!ws)
		return drill_err(DRILL_EINPUT, "workspace %s: %s", workspace, strerror(errno));
	struct drill_platform *p = drill_xcalloc(1, sizeof(*p));
	struct local *l = drill_xcalloc(1, sizeof(*l));
	p->ops = &local_ops;
	p->workspace = ws;
	p->impl = l;
	l->namespace_ = drill_xstrdup(spec->namespace_ ? spec->namespace_ : "default");
	l->blockchain_id = drill_xstrdup(spec->blockchain_id ? spec->blockchain_id : "blockchain");
	l->storage_class = drill_xstrdup(spec->storage_class ? spec->storage_class : "standard");
	p->spec = *spec;
	p->spec.namespace_ = l->namespace_;
	p->spec.blockchain_id = l->blockchain_id;
	p->spec.storage_class = l->storage_class;
	l->r = drill_xcalloc((size_t)spec->replicas, sizeof(*l->r));
	l->run_dir = drill_xasprintf("%s/run", ws);
	l->logs_dir = drill_xasprintf("%s/logs", ws);
	l->volumes = drill_xasprintf("%s/hostpath-provisioner", ws);
	char *pdir = drill_xasprintf("%s/platform", ws);
	l->state_path = drill_xasprintf("%s/state.json", pdir);
	int rc = drill_fs_mkdir_p(l->run_dir, 0755);
	if (rc == 0)
		rc = drill_fs_mkdir_p(l->logs_dir, 0755);
	if (rc == 0)
		rc = drill_fs_mkdir_p(pdir, 0755);
	if (rc == 0)
		rc = drill_fs_mkdir_p(l->volumes, 0755);
	free(pdir);
	if (rc == 0 && spec->has_run_as_user) {
		/* The replicas write their port files into run/. */
		uid_t uid = (uid_t)spec->run_as_user;
		if (geteuid() != 0 && geteuid() != uid)
			rc = drill_err(DRILL_EENV, "cluster.runAsUser %u: running replicas as another "
				       "user needs chaindrill to run as root", (unsigned)uid);
		else if (chown(l->run_dir, uid, (gid_t)uid) != 0)
			rc = drill_err(DRILL_EENV, "%s: chown to uid %u: %s", l->run_dir,
				       (unsigned)uid, strerror(errno));
		if (rc == 0)
			rc = check_reachable(l->volumes, uid, "their volumes");
		if (rc == 0)
			rc = check_reachable(l->run_dir, uid, "their run directory");
		const char *exe = spec->replica_exe ? spec->replica_exe : drill_proc_self_exe();
		char *exe_dir = exe ? drill_xstrdup(exe) : NULL;
		if (rc == 0 && exe_dir && strrchr(exe_dir, '/')) {
			*strrchr(exe_dir, '/') = '\0';
			rc = check_reachable(*exe_dir ? exe_dir : "/", uid, "the program they run");
		}
		free(exe_dir);
	}
	if (rc == 0)
		rc = save_state(p);
	if (rc) {
		local_destroy(p);
		return rc;
	}
	*out = p;
	return 0;
}
