/* util/forksrv.c — the fork server (util/forksrv.h).
 *
 * The server reads requests from a SOCK_SEQPACKET socket: one message each, a head and the
 * argument's bytes, with the descriptors [status, out, fds...] attached. For each it forks a
 * watcher, which forks the child, writes 'P' and the child's pid to the status pipe, waits for the
 * child and writes 'S' and its wait status; the watcher is there so that the requester learns
 * how its child ended although the child is not its own. Every process here is reaped by its
 * parent (the server reaps its watchers as requests come and all of them at the end), so the CPU
 * time of the children adds up to the requester's, as it would for children of its own:
 * `time chaindrill verify` and the benchmarks count the readers. Server, watcher and child each die with their parent (PR_SET_PDEATHSIG):
 * when the process that started the server ends, they all go. */
#include "util/forksrv.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAGIC 0x43444653u /* "CDFS" */

struct req_head {
	uint32_t magic;
	uint32_t len;  /* bytes of argument after the head */
	uint32_t nfds; /* descriptors of the child, after status and out */
	int32_t log_threshold;
	drill_child_fn fn;
};

static struct {
	int sock;          /* our end; -1 when there is no server */
	pid_t pid, owner;  /* the server, and the process that started it */
	atomic_int dead;   /* a request found it gone: fork directly from then on */
} srv = {.sock = -1};

/* --- The child ----------------------------------------------------------------------------- */

/* In a new child: out_fd on stdout and stderr, fds[k] on 3 + k, nothing else open, death bound to
 * `parent`, plain deaths. Then run fn and exit with its code. */
static _Noreturn void run_child(drill_child_fn fn, const void *arg, size_t len, const int *fds,
				size_t nfds, int out_fd, pid_t parent)
{
	drill_proc_die_with_parent(parent);
	drill_proc_child_no_leak_check();
	/* A sanitizer's or libFuzzer's handlers would report the death of a child that runs into a
	 * damaged database as their own finding (libFuzzer would save the input as a crash). A
	 * sanitizer's report of a bug of ours still comes out. */
	static const int deadly[] = {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE};
	for (size_t k = 0; k < sizeof(deadly) / sizeof(deadly[0]); k++)
		signal(deadly[k], SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	/* first above every target, so that no dup2 below overwrites a descriptor still to move */
	int low = 3 + (int)nfds, tmp[DRILL_CHILD_MAX_FDS], out = fcntl(out_fd, F_DUPFD, low);
	int mine[DRILL_CHILD_MAX_FDS];
	for (size_t k = 0; k < nfds; k++)
		tmp[k] = fcntl(fds[k], F_DUPFD, low);
	if (out < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
		_exit(126);
	for (size_t k = 0; k < nfds; k++) {
		mine[k] = 3 + (int)k;
		if (tmp[k] < 0 || dup2(tmp[k], mine[k]) < 0)
			_exit(126);
	}
	close_range((unsigned)low, ~0U, 0);
	drill_proc_child_exit(fn(arg, len, mine, nfds) & 0xff);
}

/* --- The server ---------------------------------------------------------------------------- */

static void report(int fd, char what, uint32_t v)
{
	uint8_t rec[5] = {(uint8_t)what};
	drill_put_be32(rec + 1, v);
	(void)drill_fs_write_all(fd, rec, sizeof(rec));
}

/* The watcher of one request: fork the child, tell its pid, wait, tell how it ended. */
static _Noreturn void watch(const struct req_head *h, const uint8_t *arg, const int *fd, pid_t srv_pid)
{
	drill_proc_die_with_parent(srv_pid);
	pid_t me = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		drill_log_threshold = h->log_threshold;
		run_child(h->fn, arg, h->len, fd + 2, h->nfds, fd[1], me);
	}
	if (pid < 0) {
		report(fd[0], 'E', (uint32_t)errno);
		_exit(0);
	}
	/* the child holds its descriptors now: a requester waits for their EOF */
	for (size_t i = 1; i < 2 + h->nfds; i++)
		close(fd[i]);
	report(fd[0], 'P', (uint32_t)pid);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	report(fd[0], 'S', (uint32_t)st);
	_exit(0);
}

static _Noreturn void serve(int sock)
{
	/* Ctrl-C reaches the whole process group: the requester decides what an interrupt means;
	 * we live until it ends. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	pid_t me = getpid();
	uint8_t *buf = malloc(sizeof(struct req_head) + DRILL_CHILD_MAX_ARG);
	if (!buf)
		_exit(1);
	for (;;) {
		union {
			struct cmsghdr align;
			char space[CMSG_SPACE(sizeof(int) * (2 + DRILL_CHILD_MAX_FDS))];
		} ctl;
		struct iovec iov = {buf, sizeof(struct req_head) + DRILL_CHILD_MAX_ARG};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
				   .msg_controllen = sizeof(ctl.space)};
		ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
		while (waitpid(-1, NULL, WNOHANG) > 0) /* the watchers that ended meanwhile */
			;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* every requester is gone */
		int fd[2 + DRILL_CHILD_MAX_FDS];
		size_t nfd = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k && nfd < sizeof(fd) / sizeof(fd[0]); i++)
				memcpy(&fd[nfd++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
		}
		struct req_head h;
		memcpy(&h, buf, (size_t)n < sizeof(h) ? (size_t)n : sizeof(h));
		int whole = (size_t)n >= sizeof(h) && h.magic == REQ_MAGIC &&
			    h.len == (size_t)n - sizeof(h) && h.nfds <= DRILL_CHILD_MAX_FDS &&
			    nfd == 2 + h.nfds && !(m.msg_flags & (MSG_TRUNC | MSG_CTRUNC));
		if (whole) {
			pid_t w = fork();
			if (w == 0) {
				close(sock);
				watch(&h, buf + sizeof(h), fd, me);
			}
			if (w < 0)
				report(fd[0], 'E', (uint32_t)errno);
		}
		/* a broken request: closing its status pipe unanswered tells the requester */
		for (size_t i = 0; i < nfd; i++)
			close(fd[i]);
	}
	free(buf);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) /* the last watchers */
		;
	_exit(0);
}

int drill_forksrv_start(void)
{
	if (srv.sock >= 0)
		return 0;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return drill_err(DRILL_EFAIL, "fork server: socketpair: %s", strerror(errno));
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return drill_err(DRILL_EFAIL, "fork server: fork: %s", strerror(e));
	}
	if (pid == 0) {
		drill_proc_die_with_parent(parent);
		drill_proc_child_no_leak_check();
		close(sv[0]);
		/* stderr kept, for a sanitizer's report on the server itself */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0)
			_exit(1);
		int s = sv[1] == 3 ? 3 : fcntl(sv[1], F_DUPFD, 3);
		if (s != 3 && (s < 0 || dup2(s, 3) < 0))
			_exit(1);
		close_range(4, ~0U, 0);
		serve(3);
	}
	close(sv[1]);
	srv.sock = sv[0];
	srv.pid = pid;
	srv.owner = parent;
	atomic_store(&srv.dead, 0);
	return 0;
}

void drill_forksrv_stop(void)
{
	if (srv.sock < 0 || srv.owner != getpid())
		return;
	close(srv.sock);
	srv.sock = -1;
	/* at EOF it waits for its last watchers and exits; one of our forked copies may still hold
	 * the socket, and a child may hang: then it is killed, with whatever it still runs */
	if (drill_proc_wait(srv.pid, 5000, NULL) != 0) {
		kill(srv.pid, SIGKILL);
		drill_proc_wait(srv.pid, -1, NULL);
	}
	srv.pid = 0;
}

int drill_forksrv_active(void)
{
	return srv.sock >= 0 && !atomic_load(&srv.dead);
}

/* --- Requests ------------------------------------------------------------------------------ */

static int read_record(int fd, uint8_t rec[5], int timeout_ms)
{
	size_t got = 0;
	while (got < 5) {
		if (timeout_ms >= 0) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			int r = poll(&p, 1, timeout_ms);
			if (r < 0 && errno == EINTR)
				continue;
			if (r == 0)
				return DRILL_ETIMEOUT;
		}
		ssize_t n = read(fd, rec + got, 5 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* Ask the server. 0: started; 1: the server is gone (fork here instead); < 0: an error. */
static int start_by_server(struct drill_child *c, drill_child_fn fn, const void *arg, size_t len,
			   const int *fds, size_t nfds, int out_fd)
{
	int st[2];
	if (pipe2(st, O_CLOEXEC) != 0)
		return drill_err(DRILL_EFAIL, "pipe: %s", strerror(errno));
	struct req_head h = {REQ_MAGIC, (uint32_t)len, (uint32_t)nfds, drill_log_threshold, fn};
	int all[2 + DRILL_CHILD_MAX_FDS] = {st[1], out_fd};
	if (nfds)
		memcpy(all + 2, fds, nfds * sizeof(int));
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(all))];
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)arg, len}};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1, .msg_control = ctl.space,
			   .msg_controllen = CMSG_SPACE((2 + nfds) * sizeof(int))};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN((2 + nfds) * sizeof(int));
	memcpy(CMSG_DATA(cm), all, (2 + nfds) * sizeof(int));
	ssize_t n;
	do
		n = sendmsg(srv.sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	close(st[1]);
	uint8_t rec[5];
	if (n < 0 || read_record(st[0], rec, -1) != 0) {
		/* the server died (it never does by itself: somebody killed it) */
		int e = n < 0 ? errno : EPIPE;
		close(st[0]);
		if (!atomic_exchange(&srv.dead, 1))
			drill_log_warn("the fork server is gone (%s): forking readers directly",
				       strerror(e));
		return 1;
	}
	if (rec[0] != 'P') {
		close(st[0]);
		return drill_err(DRILL_EFAIL, "fork: %s", strerror((int)drill_get_be32(rec + 1)));
	}
	c->pid = (pid_t)drill_get_be32(rec + 1);
	c->status_fd = st[0];
	return 0;
}

int drill_child_start(struct drill_child *c, drill_child_fn fn, const void *arg, size_t len,
		      const int *fds, size_t nfds, int out_fd)
{
	c->pid = 0;
	c->status_fd = -1;
	if (nfds > DRILL_CHILD_MAX_FDS || len > DRILL_CHILD_MAX_ARG)
		return drill_err(DRILL_EFAIL, "child: %zu descriptors and %zu bytes of argument "
				 "(at most %d and %d)", nfds, len, DRILL_CHILD_MAX_FDS,
				 DRILL_CHILD_MAX_ARG);
	if (drill_forksrv_active()) {
		int rc = start_by_server(c, fn, arg, len, fds, nfds, out_fd);
		if (rc <= 0)
			return rc;
	}
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return drill_err(DRILL_EFAIL, "fork: %s", strerror(errno));
	if (pid == 0)
		run_child(fn, arg, len, fds, nfds, out_fd, parent);
	c->pid = pid;
	return 0;
}

int drill_child_wait(struct drill_child *c, int timeout_ms, int *status)
{
	if (c->status_fd < 0)
		return drill_proc_wait(c->pid, timeout_ms, status);
	uint8_t rec[5];
	int rc = read_record(c->status_fd, rec, timeout_ms);
	if (rc == DRILL_ETIMEOUT)
		return drill_err(DRILL_ETIMEOUT, "process %d still runs after %d ms", (int)c->pid,
				 timeout_ms);
	close(c->status_fd);
	c->status_fd = -1;
	if (rc != 0 || rec[0] != 'S') {
		/* its watcher was killed: so was the child, by its death signal */
		*status = SIGKILL;
		return drill_err(DRILL_EFAIL, "process %d: its end was not reported", (int)c->pid);
	}
	*status = (int)drill_get_be32(rec + 1);
	return 0;
}
