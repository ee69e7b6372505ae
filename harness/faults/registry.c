/* faults/registry.c — the table of fault kinds and the scenario check against it.
 *
 * Kinds are added here as they are implemented; a scenario naming an unknown kind is an input
 * error that points at the step. */
#include "faults/faults.h"
#include "faults/kinds.h"

#include "util/bytes.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static const struct drill_fault_kind *const kinds[] = {
	&drill_fault_bitflip_sst, &drill_fault_truncate_sst, &drill_fault_delete_file,
	&drill_fault_zero_range,  &drill_fault_wal_garbage,
	&drill_fault_wrong_az,
	&drill_fault_restore_while_running, &drill_fault_copy_no_follow,
	&drill_fault_copy_no_preserve, &drill_fault_lock_left, &drill_fault_restore_without_rm,
	&drill_fault_copy_interrupted, &drill_fault_mismatched_checkpoint,
	&drill_fault_cross_replica_restore, &drill_fault_foreign_checkpoint,
	&drill_fault_kill_replica, &drill_fault_torn_live_snapshot, &drill_fault_disk_pressure,
	&drill_fault_driver_crash, &drill_fault_symlink_escape,
	&drill_fault_hardlink_escape,
	NULL,
};

size_t drill_fault_count(void)
{
	return sizeof(kinds) / sizeof(kinds[0]) - 1;
}

const struct drill_fault_kind *drill_fault_at(size_t i)
{
	return i < drill_fault_count() ? kinds[i] : NULL;
}

const struct drill_fault_kind *drill_fault_find(const char *name)
{
	for (size_t i = 0; i < drill_fault_count(); i++)
		if (!strcmp(kinds[i]->name, name))
			return kinds[i];
	return NULL;
}

int drill_faults_check_scenario(const struct drill_scenario *sc)
{
	for (size_t i = 0; i < sc->n_steps; i++) {
		const struct drill_step *st = &sc->steps[i];
		if (st->kind != DRILL_STEP_FAULT)
			continue;
		const struct drill_fault_kind *k = drill_fault_find(st->fault_kind);
		if (!k)
			return drill_err(DRILL_EINPUT,
					 "%s:%d:%d: fault.kind: unknown fault kind '%s' "
					 "(`chaindrill faults` lists the known kinds)",
					 sc->path, st->line, st->col, st->fault_kind);
		if (k->check) {
			int rc = k->check(st, sc);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* --- Armed faults ------------------------------------------------------------------------------ */

void drill_fault_plan_init(struct drill_fault_plan *p, int replicas)
{
	memset(p, 0, sizeof(*p));
	size_t n = (size_t)replicas;
	p->restore.copy = drill_xcalloc(n, sizeof(*p->restore.copy));
	p->restore.interrupt_after = drill_xcalloc(n, sizeof(*p->restore.interrupt_after));
	p->restore.checkpoint = drill_xcalloc(n, sizeof(*p->restore.checkpoint));
	p->restore.source = drill_xcalloc(n, sizeof(*p->restore.source));
	p->restore.reset_identity = drill_xcalloc(n, sizeof(*p->restore.reset_identity));
	drill_fault_plan_disarm_restore(p, replicas);
	p->proc.volume_size = drill_xcalloc(n, sizeof(*p->proc.volume_size));
	drill_fault_plan_disarm_process(p);
}

void drill_fault_plan_disarm_process(struct drill_fault_plan *p)
{
	struct drill_process_faults *f = &p->proc;
	f->kill_when = DRILL_PROC_OFF;
	f->kill_replica = -1;
	f->kill_after = 0;
	f->kill_substep[0] = '\0';
	json_decref(f->kill_details);
	f->kill_details = NULL;
	f->stagger_blocks = 0;
	json_decref(f->stagger_details);
	f->stagger_details = NULL;
	f->crash_when = DRILL_PROC_OFF;
	f->crash_after = 0;
	json_decref(f->crash_details);
	f->crash_details = NULL;
}

void drill_fault_plan_disarm_restore(struct drill_fault_plan *p, int replicas)
{
	struct drill_restore_faults *r = &p->restore;
	r->armed = 0;
	r->skip_scale_down = 0;
	r->race_writes = 0;
	r->copy_umask = 077;
	for (int i = 0; i < replicas; i++) {
		r->copy[i] = 0;
		r->interrupt_after[i] = -1;
		r->checkpoint[i] = 0;
		r->source[i] = -1;
		r->reset_identity[i] = 1;
	}
}

void drill_fault_plan_free(struct drill_fault_plan *p)
{
	free(p->restore.copy);
	free(p->restore.interrupt_after);
	free(p->restore.checkpoint);
	free(p->restore.source);
	free(p->restore.reset_identity);
	drill_fault_plan_disarm_process(p);
	free(p->proc.volume_size);
	memset(p, 0, sizeof(*p));
}
