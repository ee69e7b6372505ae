/* platform/platform.c — opening a platform, the runbook's names, and reaping what a crashed run
 * left behind. */
#include "platform/platform.h"

#include "platform/kube.h"
#include "platform/platform_internal.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/proc.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DOCKER_INFO_TIMEOUT_MS 15000

char *drill_platform_claim_name(const struct drill_cluster_spec *s, int i)
{
	return drill_xasprintf("concord-pvc-%s-replica-%d", s->blockchain_id, i);
}

char *drill_platform_data_subpath(const struct drill_cluster_spec *s, int i)
{
	return drill_xasprintf("%s/%s/replica-%d/rocksdbdata", s->namespace_, s->blockchain_id, i);
}

/* The path of `prog` on PATH (malloc'd), or NULL. */
char *drill_platform_find_program(const char *prog)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	char *copy = drill_xstrdup(path), *save = NULL, *found = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *p = drill_xasprintf("%s/%s", *dir ? dir : ".", prog);
		if (access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

static int on_path(const char *prog)
{
	char *p = drill_platform_find_program(prog);
	free(p);
	return p != NULL;
}

/* Is a Docker engine answering? `docker info` asks it (the CLI alone is not enough: it is present
 * on machines whose engine is not running or not installed). */
static int docker_engine_up(void)
{
	char *exe = drill_platform_find_program("docker");
	char *args[] = {exe, "info", "--format", "{{.ServerVersion}}", NULL};
	pid_t pid = 0;
	int status = 0, up = 0;
	if (exe && drill_proc_spawn(&pid, args, "/dev/null") == 0) {
		if (drill_proc_wait(pid, DOCKER_INFO_TIMEOUT_MS, &status) == 0)
			up = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		else
			drill_proc_stop(pid, 1000, NULL);
	}
	free(exe);
	return up;
}

/* kind and minikube run their nodes as containers and are driven with helm and kubectl: name every
 * piece this machine lacks, each with where to get it, in one message. */
int drill_platform_check_container_tools(const char *name)
{
	static const struct {
		const char *prog, *how;
	} tools[] = {
		{"kind", "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"},
		{"minikube", "https://minikube.sigs.k8s.io/docs/start/"},
		{"helm", "https://helm.sh/docs/intro/install/"},
		{"kubectl", "https://kubernetes.io/docs/tasks/tools/"},
	};
	struct drill_buf b;
	drill_buf_init(&b, 1 << 16);
	int missing = 0;
	for (size_t k = 0; k < sizeof(tools) / sizeof(tools[0]); k++) {
		int needed = !strcmp(tools[k].prog, name) || !strcmp(tools[k].prog, "helm") ||
			     !strcmp(tools[k].prog, "kubectl");
		if (!needed || on_path(tools[k].prog))
			continue;
		char *item = drill_xasprintf("%s`%s` is not installed (%s)", missing++ ? "; " : "",
					     tools[k].prog, tools[k].how);
		drill_buf_append(&b, item, strlen(item));
		free(item);
	}
	if (!docker_engine_up()) {
		char *item = drill_xasprintf("%sno Docker engine answers (`docker info` fails): install "
					     "docker.io and start it", missing++ ? "; " : "");
		drill_buf_append(&b, item, strlen(item));
		free(item);
	}
	drill_buf_append(&b, "", 1);
	int rc = 0;
	if (missing)
		rc = drill_err(DRILL_EENV, "platform %s cannot run on this machine: %s. Use --platform "
			       "local where they are missing", name, (char *)b.data);
	drill_buf_free(&b);
	return rc;
}

int drill_platform_open(struct drill_platform **out, const char *name, const char *workspace,
			const struct drill_cluster_spec *spec)
{
	*out = NULL;
	if (!name || !strcmp(name, "local"))
		return drill_platform_local_open(out, workspace, spec);
	if (!strcmp(name, "kind"))
		return drill_platform_kube_open(out, &drill_kube_kind, workspace, spec);
	if (!strcmp(name, "minikube"))
		return drill_platform_kube_open(out, &drill_kube_minikube, workspace, spec);
	return drill_err(DRILL_EINPUT, "unknown platform \"%s\" (expected local, kind or minikube)",
			 name);
}

void drill_platform_destroy(struct drill_platform *p)
{
	if (p)
		p->ops->destroy(p);
}

int drill_platform_replica_failure(struct drill_platform *p, int i, char **why)
{
	*why = NULL;
	if (!p || !p->ops->replica_failure)
		return DRILL_ENOTFOUND;
	return p->ops->replica_failure(p, i, why);
}

/* --- Reaping ----------------------------------------------------------------------------------- */

/* Is process `pid` a `chaindrill replica` of this workspace? Its command line names the port file
 * under <workspace>/run/. */
static int is_our_replica(pid_t pid, const char *port_file)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	char *cmd = NULL;
	size_t len = 0;
	if (drill_fs_read_file(&cmd, &len, path, 1 << 16) != 0)
		return 0;
	int has_replica = 0, has_port = 0;
	for (size_t off = 0; off < len; off += strlen(cmd + off) + 1) {
		const char *arg = cmd + off;
		if (!strcmp(arg, "replica"))
			has_replica = 1;
		if (!strcmp(arg, port_file))
			has_port = 1;
	}
	free(cmd);
	return has_replica && has_port;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Does `pid` still run? A zombie (exited, not yet reaped by its parent) does not. */
static int alive(pid_t pid)
{
	if (kill(pid, 0) != 0)
		return 0;
	char path[64], *stat = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (drill_fs_read_file(&stat, &len, path, 4096) != 0)
		return 0;
	const char *close_paren = strrchr(stat, ')'); /* the state follows "(comm) " */
	int zombie = close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z';
	free(stat);
	return !zombie;
}

/* Stop a process that is not our child: SIGTERM its group, wait up to 10 s, then SIGKILL. */
static void stop_foreign(pid_t pid)
{
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	for (int waited = 0; waited < 10000 && alive(pid); waited += 20)
		sleep_ms(20);
	if (alive(pid)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		for (int waited = 0; waited < 5000 && alive(pid); waited += 20)
			sleep_ms(20);
	}
}

int drill_platform_reap_stale(const char *workspace)
{
	char *run = drill_xasprintf("%s/run", workspace);
	char *real = realpath(run, NULL);
	free(run);
	if (!real)
		return 0;
	DIR *d = opendir(real);
	if (!d) {
		free(real);
		return 0;
	}
	int stopped = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		int i, n = 0;
		if (sscanf(de->d_name, "replica-%d.pid%n", &i, &n) != 1 || de->d_name[n] != '\0')
			continue;
		char *pidf = drill_xasprintf("%s/%s", real, de->d_name);
		char *portf = drill_xasprintf("%s/replica-%d.port", real, i);
		char *txt = NULL;
		size_t len;
		long pid = 0;
		if (drill_fs_read_file(&txt, &len, pidf, 64) == 0)
			pid = strtol(txt, NULL, 10);
		free(txt);
		if (pid > 1 && is_our_replica((pid_t)pid, portf)) {
			drill_log_warn("stopping replica-%d (pid %ld) left running by an earlier run", i,
				       pid);
			stop_foreign((pid_t)pid);
			stopped++;
		}
		drill_fs_remove_tree(pidf);
		drill_fs_remove_tree(portf);
		free(pidf);
		free(portf);
	}
	closedir(d);
	free(real);
	return stopped;
}
