/* drill/plan.h — `chaindrill run --plan`: a scenario as the commands a person would run.
 *
 * The plan is a shell-readable script, in the order the drill engine acts: the cluster (kind,
 * minikube; none on local), the chart's install, then each step — writes and faults as comments
 * (the driver does them without a command), checkpoints as the operator's command, backups and
 * restores as the storage vendor's commands, and the runbook's restore flow one command per
 * substep with the scenario's release, namespace, claims, volumes and checkpoint filled in.
 * Nothing is run and nothing is read but the scenario: what is only known at run time (the
 * checkpoint `latest-common` picks, an EBS volume id) is computed by a shell line of the plan.
 * The output is deterministic: the workspace is "$WS", set at the top to --workspace's default. */
#ifndef DRILL_DRILL_PLAN_H
#define DRILL_DRILL_PLAN_H

#include "scenario/scenario.h"

#include <stdio.h>

/* Write the plan of `sc` on `platform` ("local", "kind" or "minikube"; NULL: the scenario's) to
 * `out`. `workspace` is the drill's workspace as `run` would use it (shown as $WS's default).
 * Returns 0, or DRILL_EINPUT for an unknown platform. */
int drill_plan_write(FILE *out, const struct drill_scenario *sc, const char *platform,
		     const char *workspace);

#endif
