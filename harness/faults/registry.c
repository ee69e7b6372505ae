/* faults/registry.c — the table of fault kinds and the scenario check against it.
 *
 * Kinds are added here as they are implemented; a scenario naming an unknown kind is an input
 * error that points at the step. */
#include "faults/faults.h"
#include "faults/kinds.h"

#include "util/err.h"

#include <string.h>

static const struct drill_fault_kind *const kinds[] = {
	&drill_fault_bitflip_sst, &drill_fault_truncate_sst, &drill_fault_delete_file,
	&drill_fault_zero_range,  &drill_fault_wal_garbage,  NULL,
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
