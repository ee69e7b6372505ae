/* util/proc.h — child processes that cannot outlive us.
 *
 * Every child runs in its own process group and gets SIGKILL when the thread that spawned it dies
 * (PR_SET_PDEATHSIG). Linux sends that signal when the *thread* that forked exits, so spawn only
 * from a thread that lives as long as the child should: the main thread. */
#ifndef DRILL_UTIL_PROC_H
#define DRILL_UTIL_PROC_H

#include <sys/types.h>

/* Start argv[0] (a path) with stdin from /dev/null and stdout+stderr appended to `log_path`
 * (or inherited when NULL). */
int drill_proc_spawn(pid_t *out, char *const argv[], const char *log_path);
/* The same, running the program as uid:gid (with no supplementary groups); (uid_t)-1 keeps ours.
 * Needs the privilege to change user (DRILL_EENV without it). */
int drill_proc_spawn_as(pid_t *out, char *const argv[], const char *log_path, uid_t uid,
			gid_t gid);

/* What drill_proc_spawn_io connects the child to. */
struct drill_proc_io {
	const char *stdin_path; /* the child's stdin is this file (NULL: /dev/null) */
	const char *log_path;   /* stderr, and stdout unless piped, appended here (NULL: inherited) */
	const char *cwd;        /* the child's working directory (NULL: ours) */
};
/* drill_proc_spawn with more control: when `stdout_fd` is non-NULL the child's stdout is a pipe
 * whose read end (close-on-exec, blocking) is returned there, for the caller to read and close. */
int drill_proc_spawn_io(pid_t *out, int *stdout_fd, char *const argv[],
			const struct drill_proc_io *io);

/* For a child made with a bare fork() (a drill run in its own process): SIGKILL it when its
 * parent dies, as drill_proc_spawn's children are, so a killed driver leaves no drill running.
 * `parent` is the pid before fork(); if it is already gone the child exits at once. */
void drill_proc_die_with_parent(pid_t parent);

/* Wait for `pid` to exit, up to timeout_ms (<0: forever). Polls; returns 0 and the wait status in
 * *status, DRILL_ETIMEOUT, or DRILL_EFAIL if pid is not our child. */
int drill_proc_wait(pid_t pid, int timeout_ms, int *status);

/* SIGTERM the child's process group, wait up to timeout_ms, then SIGKILL it and reap; the wait
 * status goes to *status (may be NULL). Returns 0 when it exited after SIGTERM, DRILL_ETIMEOUT when
 * it needed SIGKILL (it is reaped either way), DRILL_EFAIL if pid is not our child. */
int drill_proc_stop(pid_t pid, int timeout_ms, int *status);

/* 1 if our child `pid` has not exited (reaps it if it has, storing the status in *status). */
int drill_proc_running(pid_t pid, int *status);

/* The running executable's path (/proc/self/exe), for spawning `chaindrill replica`. */
const char *drill_proc_self_exe(void);

/* _exit(code), for a forked child that ran harness code (a campaign's job, the supervised
 * drill): _exit keeps the parent's atexit handlers and stdio buffers from running twice. In a
 * coverage build it first writes the child's gcov counters, which _exit would drop; under valgrind
 * it turns off the leak check of the child, whose heap is the parent's copy. */
_Noreturn void drill_proc_child_exit(int code);

/* Under valgrind, no leak check at this (forked) process's end, however it ends: its heap is its
 * parent's copy, which the parent's check covers. Nothing elsewhere. */
void drill_proc_child_no_leak_check(void);

/* Describe a wait status: "exited with code 3", "killed by signal 9". Static buffer. */
const char *drill_proc_status_str(int status);

#endif
