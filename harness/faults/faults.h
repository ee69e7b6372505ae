/* faults/faults.h — the fault registry: named ways a backup or restore goes wrong, injected on
 * purpose by a scenario's `fault:` step. */
#ifndef DRILL_FAULTS_FAULTS_H
#define DRILL_FAULTS_FAULTS_H

#include "platform/platform.h"
#include "scenario/scenario.h"
#include "storage/storage.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* What an injector may act on; filled in by the drill engine for each fault step. */
struct drill_fault_ctx {
	const struct drill_scenario *sc;
	struct drill_platform *platform;
	struct drill_vendor *vendor;
	const char *workspace;
	uint64_t seed;    /* the drill's seed mixed with the step's index (or the step's `seed`) */
	json_t *details;  /* what the fault did, recorded in the report */
};

struct drill_fault_kind {
	const char *name;
	const char *params;  /* one line: "replica=I target=live|backup:NAME|checkpoint:ID ..." */
	const char *summary; /* one line */
	/* Check the step's parameters (message with line:column on error). */
	int (*check)(const struct drill_step *st, const struct drill_scenario *sc);
	int (*inject)(struct drill_fault_ctx *ctx, const struct drill_step *st);
};

const struct drill_fault_kind *drill_fault_find(const char *name); /* NULL if unknown */
size_t drill_fault_count(void);
const struct drill_fault_kind *drill_fault_at(size_t i);

/* Check every fault step of a scenario against the registry. 0 or DRILL_EINPUT with
 * "FILE:LINE:COL: ..." */
int drill_faults_check_scenario(const struct drill_scenario *sc);

#endif
