/* drill/process.c — the engine's side of the process and timing faults (faults/process.c arms
 * them in the fault plan; this file fires them at the moment they name).
 *
 *   kill-replica during write    the write is cut into batches so that one ends right after the
 *                                armed block; the replica is SIGKILLed between that batch and the
 *                                next, so it holds exactly the blocks it committed
 *   kill-replica during backup   at the K-th entry the backup's copy examines (util/fs.h's copy
 *                                hook, called in the middle of the vendor's copy)
 *   kill-replica during restore  `scale-down`: before the runbook's stop step; `scale-up`: the
 *                                replica's process is killed right after it is started, before it
 *                                is ready (the platform's on_spawn callback)
 *   torn-live-snapshot           while the backup copies, before the first entry of volume i
 *                                (i ≥ 1) the clients commit `stagger` more blocks: volume i is
 *                                copied i × stagger blocks after volume 0
 *   driver-crash                 at the K-th entry the armed step's copies examine, the driver
 *                                writes <ws>/driver-crash.json and SIGKILLs itself (supervise.c
 *                                reruns the drill)
 * An armed fault that its step ended without firing (a copy with fewer entries, a write with
 * fewer blocks) fails that step for a backup or restore, and carries over for writes. */
#include "drill/engine_internal.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct drill_proc_run {
	struct drill *d;
	enum drill_step_kind kind; /* the step being run */
	int watching;              /* the copy hook is installed */
	uint64_t files;            /* entries the step's copies examined */
	char **roots;              /* volume roots, for torn-live-snapshot */
	int staggered;             /* volumes whose stagger was ordered (1 .. n-1) */
	json_t *stagger_log;       /* [{volume, orderedBlocks, firstBlock, lastBlock}] */
	int busy;                  /* inside an action: the hook ignores copies */
	int err;                   /* the first error of an action taken inside the hook */
	char errmsg[512];
	int spawn_kill;            /* scale-up is next: kill the armed replica when it spawns */
	json_t *step_details;      /* borrowed for the step */
};

static struct drill_proc_run *pr(struct drill *d)
{
	if (!d->proc) {
		d->proc = drill_xcalloc(1, sizeof(*d->proc));
		d->proc->d = d;
	}
	return d->proc;
}

void drill_process_free(struct drill *d)
{
	struct drill_proc_run *r = d->proc;
	if (!r)
		return;
	if (r->watching)
		drill_fs_set_copy_hook(NULL, NULL);
	if (r->roots)
		for (int i = 0; i < d->n; i++)
			free(r->roots[i]);
	free(r->roots);
	json_decref(r->stagger_log);
	free(r);
	d->proc = NULL;
}

static void fail_in_hook(struct drill_proc_run *r, int rc)
{
	if (!r->err) {
		r->err = rc;
		snprintf(r->errmsg, sizeof(r->errmsg), "%s", drill_err_last());
	}
}

/* Record on the fault's own report entry and on the step where it fired. */
static void record_fired(struct drill_proc_run *r, json_t *fault_details, const char *key,
			 json_t *fired)
{
	if (fault_details)
		json_object_set(fault_details, "fired", fired);
	if (r->step_details)
		json_object_set(r->step_details, key, fired);
	json_decref(fired);
}

static int kill_armed(struct drill_proc_run *r, const char *when)
{
	struct drill *d = r->d;
	struct drill_process_faults *pf = &d->plan.proc;
	json_t *fired = json_pack("{s:s,s:I}", "when", when, "driverLastBlock",
				  (json_int_t)drill_truth_last(d->truth));
	if (pf->kill_when == DRILL_PROC_BACKUP)
		json_object_set_new(fired, "afterFiles", json_integer((json_int_t)r->files));
	int victim = pf->kill_replica;
	int rc = drill_fault_kill_replica_now(d->plat, victim, fired);
	drill_log_info("kill-replica: replica %d SIGKILLed (%s)", victim, when);
	record_fired(r, pf->kill_details, "killedReplica", fired);
	pf->kill_when = DRILL_PROC_OFF;
	json_decref(pf->kill_details);
	pf->kill_details = NULL;
	drill_engine_refresh_urls(d);
	return rc;
}

/* --- Writes ------------------------------------------------------------------------------------ */

uint64_t drill_process_write_budget(struct drill *d)
{
	struct drill_process_faults *pf = &d->plan.proc;
	return pf->kill_when == DRILL_PROC_WRITE ? pf->kill_after : UINT64_MAX;
}

int drill_process_blocks_ordered(struct drill *d, uint64_t n)
{
	struct drill_process_faults *pf = &d->plan.proc;
	if (pf->kill_when != DRILL_PROC_WRITE)
		return 0;
	pf->kill_after -= n < pf->kill_after ? n : pf->kill_after;
	if (pf->kill_after > 0)
		return 0;
	return kill_armed(pr(d), "write");
}

/* --- Copies (backup, restore) ------------------------------------------------------------------ */

/* Which volume root `src` lies in (-1 if none). */
static int volume_of(struct drill_proc_run *r, const char *src)
{
	for (int i = 0; i < r->d->n; i++) {
		size_t len = strlen(r->roots[i]);
		if (!strncmp(src, r->roots[i], len) && (src[len] == '/' || src[len] == '\0'))
			return i;
	}
	return -1;
}

static void crash_now(struct drill_proc_run *r, const char *src)
{
	struct drill *d = r->d;
	struct drill_process_faults *pf = &d->plan.proc;
	char *path = drill_xasprintf("%s/driver-crash.json", d->ws);
	json_t *m = json_pack("{s:i,s:s,s:I,s:s,s:I}", "pid", (int)getpid(), "step",
			      drill_step_kind_name(r->kind), "afterFiles", (json_int_t)r->files,
			      "copying", src, "driverLastBlock",
			      (json_int_t)drill_truth_last(d->truth));
	char *text = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	drill_fs_write_atomic(path, text, strlen(text));
	drill_log_warn("driver-crash: SIGKILL to the driver (pid %d) in the middle of the %s copy, "
		       "after %" PRIu64 " entries", (int)getpid(), drill_step_kind_name(r->kind),
		       r->files);
	fflush(NULL);
	free(text);
	free(path);
	json_decref(m);
	(void)pf;
	kill(getpid(), SIGKILL);
	for (;;)
		pause();
}

static void copy_hook(enum drill_fs_hook_point at, const char *src, void *arg)
{
	struct drill_proc_run *r = arg;
	struct drill *d = r->d;
	struct drill_process_faults *pf = &d->plan.proc;
	if (r->busy || r->err)
		return;
	r->busy = 1;
	if (at == DRILL_FS_HOOK_LISTED && pf->stagger_blocks && r->kind == DRILL_STEP_BACKUP) {
		int v = volume_of(r, src);
		while (v > r->staggered && !r->err) {
			/* volume r->staggered+1 is about to be copied: commit the stagger first */
			json_t *w = json_object();
			int rc = drill_engine_order_writes(d, pf->stagger_blocks, w);
			json_t *rec = json_pack("{s:i,s:O?,s:O?}", "volume", r->staggered + 1,
						"firstBlock", json_object_get(w, "firstBlock"),
						"lastBlock", json_object_get(w, "lastBlock"));
			json_array_append_new(r->stagger_log, rec);
			json_decref(w);
			if (rc)
				fail_in_hook(r, drill_err_wrap(rc, "torn-live-snapshot: writing before "
							       "volume %d", r->staggered + 1));
			r->staggered++;
		}
	}
	if (at == DRILL_FS_HOOK_EXAMINED) {
		r->files++;
		if (pf->kill_when == DRILL_PROC_BACKUP && r->kind == DRILL_STEP_BACKUP &&
		    r->files == pf->kill_after) {
			int rc = kill_armed(r, "backup");
			if (rc)
				fail_in_hook(r, rc);
		}
		if (pf->crash_when != DRILL_PROC_OFF && r->files == pf->crash_after &&
		    ((pf->crash_when == DRILL_PROC_BACKUP && r->kind == DRILL_STEP_BACKUP) ||
		     (pf->crash_when == DRILL_PROC_RESTORE && r->kind == DRILL_STEP_RESTORE)))
			crash_now(r, src);
	}
	r->busy = 0;
}

static void on_spawn(struct drill_platform *p, int i, int pid, void *arg)
{
	struct drill_proc_run *r = arg;
	struct drill_process_faults *pf = &r->d->plan.proc;
	if (!r->spawn_kill || i != pf->kill_replica)
		return;
	r->spawn_kill = 0;
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	json_t *fired = json_pack("{s:s,s:s,s:i,s:i,s:s}", "when", "restore", "at", "scale-up",
				  "replica", i, "pid", pid, "signal", "SIGKILL");
	drill_log_info("kill-replica: replica %d (pid %d) SIGKILLed as it started in scale-up", i,
		       pid);
	record_fired(r, pf->kill_details, "killedReplica", fired);
	pf->kill_when = DRILL_PROC_OFF;
	json_decref(pf->kill_details);
	pf->kill_details = NULL;
	(void)p;
}

int drill_process_restore_point(struct drill *d, const char *substep)
{
	struct drill_process_faults *pf = &d->plan.proc;
	if (pf->kill_when != DRILL_PROC_RESTORE || strcmp(pf->kill_substep, substep))
		return 0;
	if (!strcmp(substep, "scale-up")) {
		pr(d)->spawn_kill = 1;
		return 0;
	}
	return kill_armed(pr(d), "restore");
}

void drill_process_step_begin(struct drill *d, const struct drill_step *st, json_t *details)
{
	struct drill_process_faults *pf = &d->plan.proc;
	struct drill_proc_run *r = pr(d);
	r->kind = st->kind;
	r->files = 0;
	r->err = 0;
	r->errmsg[0] = '\0';
	r->staggered = 0;
	r->spawn_kill = 0;
	r->step_details = details;
	int backup = st->kind == DRILL_STEP_BACKUP, restore = st->kind == DRILL_STEP_RESTORE;
	int watch = (backup && (pf->kill_when == DRILL_PROC_BACKUP || pf->stagger_blocks ||
				pf->crash_when == DRILL_PROC_BACKUP)) ||
		    (restore && pf->crash_when == DRILL_PROC_RESTORE);
	if (restore && pf->kill_when == DRILL_PROC_RESTORE) {
		d->plat->on_spawn = on_spawn;
		d->plat->on_spawn_arg = r;
	}
	if (!watch)
		return;
	if (!r->roots) {
		r->roots = drill_xcalloc((size_t)d->n, sizeof(*r->roots));
		for (int i = 0; i < d->n; i++)
			if (d->plat->ops->volume_root(d->plat, i, &r->roots[i]) != 0)
				r->roots[i] = drill_xstrdup("");
	}
	json_decref(r->stagger_log);
	r->stagger_log = json_array();
	r->watching = 1;
	drill_fs_set_copy_hook(copy_hook, r);
}

int drill_process_step_end(struct drill *d, const struct drill_step *st, json_t *details, int rc)
{
	struct drill_process_faults *pf = &d->plan.proc;
	struct drill_proc_run *r = pr(d);
	if (r->watching) {
		drill_fs_set_copy_hook(NULL, NULL);
		r->watching = 0;
	}
	d->plat->on_spawn = NULL;
	d->plat->on_spawn_arg = NULL;
	r->spawn_kill = 0;
	r->step_details = NULL;
	if (r->err && !rc)
		rc = drill_err(r->err, "%s", r->errmsg);
	if (st->kind == DRILL_STEP_FAULT)
		drill_engine_refresh_urls(d); /* a fault may have taken a replica down */
	if (st->kind == DRILL_STEP_BACKUP && pf->stagger_blocks) {
		json_t *rec = json_pack("{s:I,s:O}", "staggerBlocks", (json_int_t)pf->stagger_blocks,
					"volumes", r->stagger_log);
		json_object_set(details, "tornLiveSnapshot", rec);
		if (pf->stagger_details)
			json_object_set(pf->stagger_details, "fired", rec);
		json_decref(rec);
		if (!rc && r->staggered < d->n - 1)
			rc = drill_err(DRILL_EFAIL, "torn-live-snapshot: the backup copied %d of %d "
				       "volumes through the watched copy", r->staggered + 1, d->n);
		pf->stagger_blocks = 0;
		json_decref(pf->stagger_details);
		pf->stagger_details = NULL;
	}
	if (!rc && st->kind == DRILL_STEP_BACKUP && pf->kill_when == DRILL_PROC_BACKUP)
		rc = drill_err(DRILL_EFAIL, "kill-replica was armed for the backup's entry %" PRIu64
			       ", but its copy examined only %" PRIu64 " entries", pf->kill_after,
			       r->files);
	if (!rc && pf->crash_when != DRILL_PROC_OFF &&
	    ((pf->crash_when == DRILL_PROC_BACKUP && st->kind == DRILL_STEP_BACKUP) ||
	     (pf->crash_when == DRILL_PROC_RESTORE && st->kind == DRILL_STEP_RESTORE)))
		rc = drill_err(DRILL_EFAIL, "driver-crash was armed for entry %" PRIu64 " of the "
			       "%s's copies, but they examined only %" PRIu64 " entries",
			       pf->crash_after, drill_step_kind_name(st->kind), r->files);
	if ((pf->crash_when == DRILL_PROC_BACKUP && st->kind == DRILL_STEP_BACKUP) ||
	    (pf->crash_when == DRILL_PROC_RESTORE && st->kind == DRILL_STEP_RESTORE)) {
		pf->crash_when = DRILL_PROC_OFF;
		json_decref(pf->crash_details);
		pf->crash_details = NULL;
	}
	if (st->kind == DRILL_STEP_BACKUP && pf->kill_when == DRILL_PROC_BACKUP) {
		pf->kill_when = DRILL_PROC_OFF;
		json_decref(pf->kill_details);
		pf->kill_details = NULL;
	}
	return rc;
}
