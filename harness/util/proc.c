/* util/proc.c — child processes that cannot outlive us (see proc.h). */
#include "util/proc.h"

#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What the child failed at, sent to the parent through the error pipe. */
enum spawn_step { STEP_SETUP, STEP_STDIN, STEP_LOG, STEP_CWD, STEP_USER, STEP_EXEC };

/* The child's half of spawn: only async-signal-safe calls until exec. A failure is reported to
 * the parent through `errpipe` as {step, errno} (close-on-exec: EOF there means exec succeeded).
 * The log is opened before privileges are dropped (the logs directory is the driver's), and the
 * parent-death signal is set after: changing credentials clears it. */
static void child(char *const argv[], const struct drill_proc_io *io, int out_fd, pid_t parent,
		  int errpipe, uid_t uid, gid_t gid)
{
	int msg[2] = {STEP_SETUP, 0};
	if (setpgid(0, 0) != 0)
		msg[1] = errno;
	if (!msg[1]) {
		msg[0] = STEP_STDIN;
		int in = open(io->stdin_path ? io->stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
		if (in < 0 || dup2(in, STDIN_FILENO) < 0)
			msg[1] = errno;
	}
	if (!msg[1] && io->log_path) {
		msg[0] = STEP_LOG;
		/* a link where our log should be is refused, not followed (docs/containment.md) */
		int out = open(io->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
			       0644);
		if (out < 0 || (out_fd < 0 && dup2(out, STDOUT_FILENO) < 0) ||
		    dup2(out, STDERR_FILENO) < 0)
			msg[1] = errno;
	}
	if (!msg[1] && out_fd >= 0) {
		msg[0] = STEP_LOG;
		if (dup2(out_fd, STDOUT_FILENO) < 0)
			msg[1] = errno;
	}
	if (!msg[1] && io->cwd) {
		msg[0] = STEP_CWD;
		if (chdir(io->cwd) != 0)
			msg[1] = errno;
	}
	if (!msg[1] && uid != (uid_t)-1) {
		msg[0] = STEP_USER;
		if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
			msg[1] = errno;
	}
	if (!msg[1]) {
		msg[0] = STEP_SETUP;
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
			msg[1] = errno;
	}
	/* The parent may have died before prctl: then nobody would send the signal. */
	if (!msg[1] && getppid() != parent)
		_exit(127);
	/* Default signal dispositions and an empty mask, whatever the parent had. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (!msg[1]) {
		msg[0] = STEP_EXEC;
		execv(argv[0], argv);
		msg[1] = errno;
	}
	ssize_t ignored = write(errpipe, msg, sizeof(msg));
	(void)ignored;
	_exit(127);
}

int drill_proc_spawn(pid_t *out, char *const argv[], const char *log_path)
{
	return drill_proc_spawn_as(out, argv, log_path, (uid_t)-1, (gid_t)-1);
}

static int spawn(pid_t *out, int *stdout_fd, char *const argv[], const struct drill_proc_io *io,
		 uid_t uid, gid_t gid)
{
	const char *log_path = io->log_path;
	int p[2], o[2] = {-1, -1};
	if (stdout_fd)
		*stdout_fd = -1;
	if (pipe2(p, O_CLOEXEC) != 0)
		return drill_err(DRILL_EFAIL, "pipe: %s", strerror(errno));
	if (stdout_fd && pipe2(o, O_CLOEXEC) != 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return drill_err(DRILL_EFAIL, "pipe: %s", strerror(e));
	}
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		if (stdout_fd) {
			close(o[0]);
			close(o[1]);
		}
		return drill_err(DRILL_EFAIL, "fork: %s", strerror(e));
	}
	if (pid == 0) {
		close(p[0]);
		child(argv, io, o[1], parent, p[1], uid, gid);
	}
	close(p[1]);
	if (stdout_fd)
		close(o[1]);
	/* Also set the group from here: whichever side runs first, the group exists before we
	 * might signal it. EACCES (the child already exec'd) and ESRCH are harmless. */
	setpgid(pid, pid);
	int msg[2] = {0, 0};
	ssize_t n;
	do
		n = read(p[0], msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n == (ssize_t)sizeof(msg)) {
		waitpid(pid, NULL, 0);
		if (stdout_fd)
			close(o[0]);
		int e = msg[1];
		switch (msg[0]) {
		case STEP_EXEC:
			return drill_err(e == ENOENT ? DRILL_EENV : DRILL_EFAIL, "cannot start %s: %s",
					 argv[0], strerror(e));
		case STEP_USER:
			return drill_err(e == EPERM ? DRILL_EENV : DRILL_EFAIL, "cannot start %s as "
					 "uid %d: %s", argv[0], (int)uid, strerror(e));
		case STEP_CWD:
			return drill_err(DRILL_EFAIL, "cannot start %s: directory %s: %s", argv[0],
					 io->cwd, strerror(e));
		case STEP_LOG:
			return drill_err(DRILL_EFAIL, "cannot start %s: log %s: %s", argv[0], log_path,
					 strerror(e));
		default:
			return drill_err(DRILL_EFAIL, "cannot start %s: %s: %s", argv[0],
					 msg[0] != STEP_STDIN ? "process group" :
					 io->stdin_path ? io->stdin_path : "/dev/null",
					 strerror(e));
		}
	}
	*out = pid;
	if (stdout_fd)
		*stdout_fd = o[0];
	return 0;
}

int drill_proc_spawn_as(pid_t *out, char *const argv[], const char *log_path, uid_t uid,
			gid_t gid)
{
	struct drill_proc_io io = {.log_path = log_path};
	return spawn(out, NULL, argv, &io, uid, gid);
}

int drill_proc_spawn_io(pid_t *out, int *stdout_fd, char *const argv[],
			const struct drill_proc_io *io)
{
	return spawn(out, stdout_fd, argv, io, (uid_t)-1, (gid_t)-1);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int drill_proc_wait(pid_t pid, int timeout_ms, int *status)
{
	long long deadline = mono_ms() + timeout_ms;
	long delay = 1;
	for (;;) {
		int st = 0;
		pid_t r = waitpid(pid, &st, timeout_ms < 0 ? 0 : WNOHANG);
		if (r == pid) {
			if (status)
				*status = st;
			return 0;
		}
		if (r < 0 && errno != EINTR)
			return drill_err(DRILL_EFAIL, "wait for %d: %s", (int)pid, strerror(errno));
		if (timeout_ms >= 0 && mono_ms() >= deadline)
			return drill_err(DRILL_ETIMEOUT, "process %d still runs after %d ms", (int)pid,
					 timeout_ms);
		sleep_ms(delay);
		if (delay < 50)
			delay *= 2;
	}
}

int drill_proc_stop(pid_t pid, int timeout_ms, int *status)
{
	int st = 0;
	/* Signal only a child of ours that has not been reaped: a reaped pid may be reused. */
	pid_t r = waitpid(pid, &st, WNOHANG);
	if (r < 0)
		return drill_err(DRILL_EFAIL, "process %d is not a running child of ours", (int)pid);
	if (r == pid) {
		kill(-pid, SIGKILL); /* what it left in its group */
		if (status)
			*status = st;
		return 0;
	}
	/* The group first (helpers the child started), then the child itself in case it left it. */
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	int rc = drill_proc_wait(pid, timeout_ms, &st);
	if (rc == DRILL_ETIMEOUT) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		if (drill_proc_wait(pid, -1, &st) == 0)
			rc = drill_err(DRILL_ETIMEOUT, "process %d ignored SIGTERM for %d ms and was "
				       "killed", (int)pid, timeout_ms);
	}
	/* Anything left in the group (a grandchild that ignored SIGTERM) goes too. */
	kill(-pid, SIGKILL);
	if (status)
		*status = st;
	return rc;
}

int drill_proc_running(pid_t pid, int *status)
{
	int st = 0;
	pid_t r = waitpid(pid, &st, WNOHANG);
	if (r == 0)
		return 1;
	if (r == pid && status)
		*status = st;
	return 0;
}

void drill_proc_die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(127);
}

const char *drill_proc_self_exe(void)
{
	static char path[PATH_MAX];
	if (!path[0]) {
		ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
		if (n <= 0)
			return NULL;
		path[n] = '\0';
	}
	return path;
}

const char *drill_proc_status_str(int status)
{
	static char buf[64];
	if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exited with code %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, sizeof(buf), "wait status 0x%x", status);
	return buf;
}

#ifdef CHAINDRILL_COVERAGE
void __gcov_dump(void); /* libgcov */
#endif
#ifdef HAVE_VALGRIND_H /* found by CMake (CMakeLists.txt) */
#include <valgrind/valgrind.h>
#endif

void drill_proc_child_no_leak_check(void)
{
#ifdef HAVE_VALGRIND_H
	if (RUNNING_ON_VALGRIND)
		VALGRIND_MONITOR_COMMAND("v.clo --leak-check=no");
#endif
}

void drill_proc_child_exit(int code)
{
#ifdef CHAINDRILL_COVERAGE
	__gcov_dump();
#endif
	/* Under valgrind a forked child is leak-checked at its exit, and the parent's heap it copied
	 * shows as lost (blocks held by the parent's stack frames are not found from the child's).
	 * The parent's own check covers that heap: none in the child. */
	drill_proc_child_no_leak_check();
	_exit(code);
}
