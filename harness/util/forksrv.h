/* util/forksrv.h — children that run our own code, forked from a process with one thread.
 *
 * fork() copies every lock of the process as it stands at that instant. A child that then takes a
 * lock another thread held waits forever: glibc resets its own in the child (malloc, stdio), but
 * other libraries do not, AddressSanitizer's allocator among them (seen: a database reader forked
 * while the trash reaper freed memory hung in its first allocation). chaindrill runs the readers of
 * untrusted databases in children of their own, forked from worker threads and while other
 * threads run.
 *
 * The fork server is the cure: started while the process still has one thread, it is a copy of
 * the process that does nothing but fork on request. A request names a function of this program
 * (its address is the same in the copy), carries the function's argument as bytes and the
 * descriptors the child gets; the child is forked from a process with one thread, whatever the
 * requester's threads are doing. Any thread, and any process forked from the one that started the
 * server, may send requests: each is one message on a socket, and each child's end is reported on
 * a pipe of its own.
 *
 * Without a server (never started in this process, or dead), children are forked directly, which
 * is safe only while the process has one thread: the unit tests and fuzz targets, single-threaded,
 * use both ways. */
#ifndef DRILL_UTIL_FORKSRV_H
#define DRILL_UTIL_FORKSRV_H

#include <stddef.h>
#include <sys/types.h>

#define DRILL_CHILD_MAX_FDS 4
#define DRILL_CHILD_MAX_ARG 65536

/* What a child runs: `arg` is a copy of the request's bytes, fds[k] the k-th descriptor it was
 * given (renumbered: 3, 4, ...). Its return value is the child's exit code. The child's stdout and
 * stderr are the `out_fd` of drill_child_start; it has no other descriptor, dies with its parent,
 * dies plainly on SIGABRT, SIGSEGV and the like (no handler of a sanitizer or fuzzer), and is not
 * leak-checked under valgrind (its heap is a copy). */
typedef int (*drill_child_fn)(const void *arg, size_t len, const int *fds, size_t nfds);

/* A started child. */
struct drill_child {
	pid_t pid;
	int status_fd; /* the server's report of the child's end; -1 for a child forked here */
};

/* Start this process's fork server; call it while the process has one thread (first thing in
 * main). Does nothing when a server is running already (this process's or, in a forked copy, the
 * one it inherited). An error leaves children forked directly. */
int drill_forksrv_start(void);

/* Stop and reap the server this process started (nothing otherwise): it waits for the children
 * it started (up to 5 s, then they are killed with it), so that their CPU time is counted as our
 * children's. Call it before exiting. */
void drill_forksrv_stop(void);

/* 1 when children are forked by a server. */
int drill_forksrv_active(void);

/* Fork a child running fn(arg, len, fds, nfds) with stdout and stderr on out_fd. The caller keeps
 * its own copies of out_fd and fds (close them when the child should be the only holder). Returns
 * 0 with c filled, or an error (no child) with the message set. */
int drill_child_start(struct drill_child *c, drill_child_fn fn, const void *arg, size_t len,
		      const int *fds, size_t nfds, int out_fd);

/* Wait up to timeout_ms (< 0: forever) for the child to end: 0 and its wait status in *status,
 * DRILL_ETIMEOUT (the child runs on; wait again or kill it), or DRILL_EFAIL (its end cannot be
 * known; *status then says "killed by SIGKILL"). Once it returned 0 or DRILL_EFAIL, c is spent. */
int drill_child_wait(struct drill_child *c, int timeout_ms, int *status);

#endif
