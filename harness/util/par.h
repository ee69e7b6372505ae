/* util/par.h — independent tasks on several threads: the replicas' volume copies of a backup or a
 * restore, which share nothing but the disk, run side by side (on ext4, copy_file_range copies in
 * the kernel on the calling thread's CPU, so one thread per core is what makes a set of copies
 * faster than `cp` of the same tree).
 *
 * A task must not spawn processes (util/proc.h: a child's parent-death signal follows the thread
 * that forked it) and must touch only what is its own. */
#ifndef DRILL_UTIL_PAR_H
#define DRILL_UTIL_PAR_H

#include <stddef.h>

/* Run fn(0, arg) .. fn(n - 1, arg) on up to `jobs` threads, the calling thread included (jobs ≤ 0:
 * one per online core; never more than n). Tasks are taken in index order; after a failure no new
 * task is started, those running finish. Returns 0, or the error of the failed task with the
 * lowest index, its message set in the calling thread as that task left it. jobs = 1 runs the
 * tasks in order on the calling thread and stops at the first failure, as a plain loop would. */
int drill_par_for(size_t n, int jobs, int (*fn)(size_t i, void *arg), void *arg);

#endif
