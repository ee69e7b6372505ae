/* faults/zone.c — `wrong-az`: the runbook's EKS note ("make sure that the restored volume is
 * hosted in the same Availability Zone as the original volume") ignored for one replica. The
 * next restore creates that replica's volume in another zone; EC2 then refuses to attach it to the
 * replica's instance (InvalidVolume.ZoneMismatch) and the restore stops there.
 *
 * Parameters: replica=I (required); zone=NAME (optional, one of cluster.zones; default: the first
 * zone after the instance's in cluster.zones that differs from it). Naming the instance's own
 * zone arms a restore that goes right. The fault is armed through the vendor (`restore-zone`):
 * a vendor without availability zones refuses it when the drill runs. */
#include "faults/kinds.h"

#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *instance_zone(const struct drill_scenario *sc, int replica)
{
	return sc->n_zones ? sc->zones[(size_t)replica % sc->n_zones] : "zone-a";
}

/* A zone of cluster.zones other than the instance's, starting after it; NULL if none. */
static const char *other_zone(const struct drill_scenario *sc, int replica)
{
	const char *own = instance_zone(sc, replica);
	for (size_t k = 1; k <= sc->n_zones; k++) {
		const char *z = sc->zones[((size_t)replica + k) % sc->n_zones];
		if (strcmp(z, own))
			return z;
	}
	return NULL;
}

static int check_wrong_az(const struct drill_step *st, const struct drill_scenario *sc)
{
	for (size_t i = 0; i < st->n_params; i++) {
		const struct drill_param *p = &st->params[i];
		if (strcmp(p->key, "replica") && strcmp(p->key, "zone"))
			return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.%s: unknown parameter for "
					 "wrong-az (expected replica, zone)", sc->path, p->line,
					 p->col, p->key);
	}
	const struct drill_param *p = drill_step_param(st, "replica");
	uint64_t r;
	char got[96];
	if (!p)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault: wrong-az needs `replica`", sc->path,
				 st->line, st->col);
	if (drill_fault_param_u64(&r, p, sc) || r >= (uint64_t)sc->replicas)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.replica: must be 0..%d, got %s",
				 sc->path, p->line, p->col, sc->replicas - 1,
				 drill_fault_param_got(p, got, sizeof(got)));
	const struct drill_param *z = drill_step_param(st, "zone");
	if (z && drill_fault_param_str(z, sc, "a zone of cluster.zones"))
		return DRILL_EINPUT;
	if (z) {
		char known[512] = "";
		for (size_t k = 0; k < sc->n_zones; k++) {
			if (!strcmp(sc->zones[k], z->value))
				return 0;
			size_t len = strlen(known);
			snprintf(known + len, sizeof(known) - len, "%s%s", k ? ", " : "", sc->zones[k]);
		}
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.zone: '%s' is not one of "
				 "cluster.zones (%s)", sc->path, z->line, z->col, z->value, known);
	}
	if (!other_zone(sc, (int)r))
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault: wrong-az needs a zone other than "
				 "replica %d's (%s): cluster.zones must name at least two zones",
				 sc->path, p->line, p->col, (int)r, instance_zone(sc, (int)r));
	return 0;
}

static int inject_wrong_az(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	int replica = atoi(drill_step_param(st, "replica")->value);
	const struct drill_param *z = drill_step_param(st, "zone");
	const char *zone = z ? z->value : other_zone(ctx->sc, replica);
	const char *own = instance_zone(ctx->sc, replica);
	struct drill_vendor *v = ctx->vendor;
	json_object_set_new(ctx->details, "replica", json_integer(replica));
	json_object_set_new(ctx->details, "instanceZone", json_string(own));
	json_object_set_new(ctx->details, "volumeZone", json_string(zone ? zone : ""));
	if (!zone) /* the check prevents it */
		return drill_err(DRILL_EINPUT, "wrong-az: no zone other than %s", own);
	if (!v->ops->arm)
		return drill_err(DRILL_EINPUT, "vendor %s has no availability zones", v->ops->name);
	int rc = v->ops->arm(v, "restore-zone", replica, zone);
	if (rc == DRILL_EINPUT)
		return drill_err_wrap(rc, "vendor %s has no availability zones", v->ops->name);
	if (!rc)
		json_object_set_new(ctx->details, "armed", json_string("the next restore"));
	return rc;
}

const struct drill_fault_kind drill_fault_wrong_az = {
	"wrong-az", "replica=I [zone=NAME]",
	"the next restore creates the replica's volume in another availability zone",
	check_wrong_az, inject_wrong_az};
