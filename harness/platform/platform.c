/* platform/platform.c — opening a platform, the runbook's names, and reaping what a crashed run
 * left behind. */
#include "platform/platform.h"

#include "platform/platform_internal.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

char *drill_platform_claim_name(const struct drill_cluster_spec *s, int i)
{
	return drill_xasprintf("concord-pvc-%s-replica-%d", s->blockchain_id, i);
}

char *drill_platform_data_subpath(const struct drill_cluster_spec *s, int i)
{
	return drill_xasprintf("%s/%s/replica-%d/rocksdbdata", s->namespace_, s->blockchain_id, i);
}

/* Is `prog` an executable somewhere on PATH? */
static int on_path(const char *prog)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	char *copy = drill_xstrdup(path), *save = NULL;
	int found = 0;
	for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *p = drill_xasprintf("%s/%s", *dir ? dir : ".", prog);
		found = access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
}

/* kind and minikube run their nodes as containers: without a reachable Docker engine there is no
 * cluster to drive. Say exactly what is missing. */
static int open_container_platform(const char *name)
{
	const char *sock = getenv("DOCKER_HOST");
	int have_sock = (sock && *sock) || access("/var/run/docker.sock", F_OK) == 0;
	if (!on_path(name))
		return drill_err(DRILL_EENV, "platform %s: `%s` is not installed (see kind-config/README.md "
				 "for how to install it), and it needs a running Docker engine", name,
				 name);
	if (!on_path("docker") || !have_sock)
		return drill_err(DRILL_EENV, "platform %s needs a running Docker engine: install docker "
				 "(apt-get install docker.io) and start it (`docker info` must work); "
				 "use platform local on machines without one", name);
	return drill_err(DRILL_EENV, "platform %s: this build drives the local platform only; the %s "
			 "driver is not built yet", name, name);
}

int drill_platform_open(struct drill_platform **out, const char *name, const char *workspace,
			const struct drill_cluster_spec *spec)
{
	*out = NULL;
	if (!name || !strcmp(name, "local"))
		return drill_platform_local_open(out, workspace, spec);
	if (!strcmp(name, "kind") || !strcmp(name, "minikube"))
		return open_container_platform(name);
	return drill_err(DRILL_EINPUT, "unknown platform \"%s\" (expected local, kind or minikube)",
			 name);
}

void drill_platform_destroy(struct drill_platform *p)
{
	if (p)
		p->ops->destroy(p);
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
		unlink(pidf);
		unlink(portf);
		free(pidf);
		free(portf);
	}
	closedir(d);
	free(real);
	return stopped;
}
