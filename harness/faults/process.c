/* faults/process.c — process and timing faults: a replica crashing at a chosen moment, storage
 * snapshots of live databases taken at different moments, a disk filling up under the replicas'
 * checkpoints, and the driver itself dying mid-copy.
 *
 * A fault that acts "now" acts in its own step. The others arm the fault plan
 * (faults.h, struct drill_process_faults) and the drill engine fires them at the precise moment
 * (drill/process.c): after the k-th block of the next write, at the k-th entry the next backup
 * copies (util/fs.h's copy hook), before a restore substep. The fault's report entry (its
 * details) gets a "fired" record when that happens. docs/faults-process.md tells the outcome
 * each causes. */
#include "faults/kinds.h"

#include "replica/client.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/proc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* --- Parameters -------------------------------------------------------------------------------- */

static int check_keys(const struct drill_step *st, const struct drill_scenario *sc,
		      const char *const *keys)
{
	for (size_t i = 0; i < st->n_params; i++) {
		const struct drill_param *p = &st->params[i];
		int known = !strcmp(p->key, "seed");
		for (const char *const *k = keys; *k && !known; k++)
			known = !strcmp(*k, p->key);
		if (!known) {
			char list[256] = "";
			for (const char *const *k = keys; *k; k++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 k == keys ? "" : ", ", *k);
			return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.%s: unknown parameter for %s "
					 "(expected %s)", sc->path, p->line, p->col, p->key,
					 st->fault_kind, list);
		}
	}
	const struct drill_param *p = drill_step_param(st, "seed");
	uint64_t v;
	return p ? drill_fault_param_u64(&v, p, sc) : 0;
}

/* An integer parameter in lo..hi, `dflt` when absent. */
static int param_range(uint64_t *out, const struct drill_step *st, const struct drill_scenario *sc,
		       const char *key, uint64_t lo, uint64_t hi, uint64_t dflt)
{
	const struct drill_param *p = drill_step_param(st, key);
	*out = dflt;
	if (!p)
		return 0;
	uint64_t v = 0;
	char got[96];
	if (drill_fault_param_u64(&v, p, sc) || v < lo || v > hi)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.%s: expected an integer in %" PRIu64
				 "..%" PRIu64 ", got %s", sc->path, p->line, p->col, key, lo, hi,
				 drill_fault_param_got(p, got, sizeof(got)));
	*out = v;
	return 0;
}

/* One of `choices` (NULL-terminated), its index; `dflt` when absent. */
static int param_enum(int *out, const struct drill_step *st, const struct drill_scenario *sc,
		      const char *key, const char *const *choices, int dflt)
{
	const struct drill_param *p = drill_step_param(st, key);
	*out = dflt;
	if (!p)
		return 0;
	char list[128] = "";
	for (int i = 0; choices[i]; i++) {
		if (!strcmp(p->value, choices[i])) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? " | " : "",
			 choices[i]);
	}
	return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.%s: expected %s, got '%s'", sc->path, p->line,
			 p->col, key, list, p->value);
}

/* A parameter that only goes with some value of another: "afterBlocks goes with during: write". */
static int only_with(const struct drill_step *st, const struct drill_scenario *sc, const char *key,
		     int ok, const char *with)
{
	const struct drill_param *p = drill_step_param(st, key);
	if (p && !ok)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.%s: only goes with %s", sc->path,
				 p->line, p->col, key, with);
	return 0;
}

static int param_replica(int *out, const struct drill_step *st, const struct drill_scenario *sc,
			 int required)
{
	const struct drill_param *p = drill_step_param(st, "replica");
	*out = -1;
	if (!p) {
		if (required)
			return drill_err(DRILL_EINPUT, "%s:%d:%d: fault: %s needs `replica`", sc->path,
					 st->line, st->col, st->fault_kind);
		return 0;
	}
	int rc = drill_fault_param_replica(p, st, sc);
	if (rc)
		return rc;
	*out = (int)strtoul(p->value, NULL, 10);
	return 0;
}

/* --- kill-replica ------------------------------------------------------------------------------ */

static const char *const kill_during[] = {"now", "write", "backup", "restore", NULL};
static const char *const kill_at[] = {"scale-down", "scale-up", NULL};

struct kill_params {
	int replica, during, at;
	uint64_t after;
};

static int kill_parse(struct kill_params *kp, const struct drill_step *st,
		      const struct drill_scenario *sc)
{
	static const char *const keys[] = {"replica", "during", "afterBlocks", "afterFiles", "at",
					   NULL};
	int rc = check_keys(st, sc, keys);
	if (!rc)
		rc = param_replica(&kp->replica, st, sc, 1);
	if (!rc)
		rc = param_enum(&kp->during, st, sc, "during", kill_during, 0);
	if (!rc)
		rc = only_with(st, sc, "afterBlocks", kp->during == 1, "during: write");
	if (!rc)
		rc = only_with(st, sc, "afterFiles", kp->during == 2, "during: backup");
	if (!rc)
		rc = only_with(st, sc, "at", kp->during == 3, "during: restore");
	if (!rc)
		rc = param_range(&kp->after, st, sc, kp->during == 1 ? "afterBlocks" : "afterFiles", 1,
				 100000000, 1);
	if (!rc)
		rc = param_enum(&kp->at, st, sc, "at", kill_at, 1);
	return rc;
}

static int kill_check(const struct drill_step *st, const struct drill_scenario *sc)
{
	struct kill_params kp;
	return kill_parse(&kp, st, sc);
}

int drill_fault_kill_replica_now(struct drill_platform *p, int replica, json_t *record)
{
	if (!p->ops->kill_replica)
		return drill_err(DRILL_EENV, "platform %s cannot kill a replica", p->ops->name);
	int status = 0;
	int rc = p->ops->kill_replica(p, replica, &status);
	if (rc)
		return rc;
	json_object_set_new(record, "replica", json_integer(replica));
	json_object_set_new(record, "signal", json_string("SIGKILL"));
	json_object_set_new(record, "status", json_string(drill_proc_status_str(status)));
	return 0;
}

static int kill_inject(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	struct kill_params kp;
	int rc = kill_parse(&kp, st, ctx->sc);
	if (rc)
		return rc;
	struct drill_process_faults *pf = &ctx->plan->proc;
	if (kp.during == 0) {
		json_t *fired = json_object();
		rc = drill_fault_kill_replica_now(ctx->platform, kp.replica, fired);
		json_object_set_new(fired, "when", json_string("now"));
		json_object_set_new(ctx->details, "fired", fired);
		return rc;
	}
	if (pf->kill_when != DRILL_PROC_OFF)
		return drill_err(DRILL_EINPUT, "kill-replica: another kill (of replica %d) is armed "
				 "and has not fired yet", pf->kill_replica);
	pf->kill_when = kp.during == 1 ? DRILL_PROC_WRITE : kp.during == 2 ? DRILL_PROC_BACKUP
									 : DRILL_PROC_RESTORE;
	pf->kill_replica = kp.replica;
	pf->kill_after = kp.after;
	snprintf(pf->kill_substep, sizeof(pf->kill_substep), "%s", kill_at[kp.at]);
	pf->kill_details = json_incref(ctx->details);
	json_object_set_new(ctx->details, "armed",
			    json_pack("{s:i,s:s}", "replica", kp.replica, "during",
				      kill_during[kp.during]));
	if (kp.during == 1 || kp.during == 2)
		json_object_set_new(json_object_get(ctx->details, "armed"),
				    kp.during == 1 ? "afterBlocks" : "afterFiles",
				    json_integer((json_int_t)kp.after));
	else
		json_object_set_new(json_object_get(ctx->details, "armed"), "at",
				    json_string(kill_at[kp.at]));
	return 0;
}

const struct drill_fault_kind drill_fault_kill_replica = {
	.name = "kill-replica",
	.params = "replica=I [during=now|write|backup|restore] [afterBlocks=K (write)] "
		  "[afterFiles=K (backup)] [at=scale-down|scale-up (restore)]",
	.summary = "SIGKILL a replica now, after block K of the next write, at the K-th entry the "
		   "next backup copies, or at a restore substep",
	.check = kill_check,
	.inject = kill_inject,
};

/* --- torn-live-snapshot ------------------------------------------------------------------------ */

static int torn_parse(uint64_t *stagger, const struct drill_step *st,
		      const struct drill_scenario *sc)
{
	static const char *const keys[] = {"stagger", NULL};
	int rc = check_keys(st, sc, keys);
	if (!rc)
		rc = param_range(stagger, st, sc, "stagger", 1, 1000000, 100);
	return rc;
}

static int torn_check(const struct drill_step *st, const struct drill_scenario *sc)
{
	uint64_t s;
	return torn_parse(&s, st, sc);
}

static int torn_inject(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	uint64_t stagger = 0;
	int rc = torn_parse(&stagger, st, ctx->sc);
	if (rc)
		return rc;
	struct drill_process_faults *pf = &ctx->plan->proc;
	if (pf->stagger_blocks)
		return drill_err(DRILL_EINPUT, "torn-live-snapshot: a staggered backup is armed "
				 "already");
	pf->stagger_blocks = stagger;
	pf->stagger_details = json_incref(ctx->details);
	json_object_set_new(ctx->details, "armed",
			    json_pack("{s:s,s:I}", "step", "backup", "staggerBlocks",
				      (json_int_t)stagger));
	return 0;
}

const struct drill_fault_kind drill_fault_torn_live_snapshot = {
	.name = "torn-live-snapshot",
	.params = "[stagger=K (blocks, default 100)]",
	.summary = "the next backup snapshots each live volume at another moment: the clients "
		   "commit K more blocks before each volume after the first is copied",
	.check = torn_check,
	.inject = torn_inject,
};

/* --- disk-pressure ----------------------------------------------------------------------------- */

struct disk_params {
	int replica; /* -1: every running replica */
	uint64_t size, pct, monitor_s;
};

static int disk_parse(struct disk_params *dp, const struct drill_step *st,
		      const struct drill_scenario *sc)
{
	static const char *const keys[] = {"replica", "volumeSize", "thresholdPercent",
					   "monitorIntervalSeconds", NULL};
	int rc = check_keys(st, sc, keys);
	if (!rc)
		rc = param_replica(&dp->replica, st, sc, 0);
	if (!rc && !drill_step_param(st, "volumeSize"))
		rc = drill_err(DRILL_EINPUT, "%s:%d:%d: fault: disk-pressure needs `volumeSize` "
			       "(bytes)", sc->path, st->line, st->col);
	if (!rc)
		rc = param_range(&dp->size, st, sc, "volumeSize", 1, UINT64_C(1) << 60, 0);
	if (!rc)
		rc = param_range(&dp->pct, st, sc, "thresholdPercent", 0, 1000,
				 DRILL_DISK_THRESHOLD_PCT);
	if (!rc)
		rc = param_range(&dp->monitor_s, st, sc, "monitorIntervalSeconds", 0, 31536000,
				 DRILL_DISK_MONITOR_S);
	return rc;
}

static int disk_check(const struct drill_step *st, const struct drill_scenario *sc)
{
	struct disk_params dp;
	return disk_parse(&dp, st, sc);
}

static int disk_inject(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	struct disk_params dp;
	int rc = disk_parse(&dp, st, ctx->sc);
	if (rc)
		return rc;
	json_t *per = json_array();
	json_object_set_new(ctx->details, "replicas", per);
	int told = 0;
	for (int i = 0; i < ctx->sc->replicas && !rc; i++) {
		if (dp.replica >= 0 && i != dp.replica)
			continue;
		char *url = NULL;
		if (ctx->platform->ops->replica_url(ctx->platform, i, &url) != 0) {
			if (dp.replica >= 0)
				rc = drill_err(DRILL_EFAIL, "replica %d is not running", i);
			continue;
		}
		json_t *ans = NULL;
		rc = drill_client_set_disk(&ans, url, dp.size, (uint32_t)dp.pct, dp.monitor_s);
		free(url);
		if (rc) {
			drill_err_wrap(rc, "replica %d", i);
			break;
		}
		json_object_set_new(ans, "replica", json_integer(i));
		json_array_append_new(per, ans);
		ctx->plan->proc.volume_size[i] = dp.size;
		told++;
	}
	if (!rc && !told)
		rc = drill_err(DRILL_EFAIL, "no replica is running to tell its disk size");
	return rc;
}

const struct drill_fault_kind drill_fault_disk_pressure = {
	.name = "disk-pressure",
	.params = "volumeSize=BYTES [replica=I (default: every running one)] "
		  "[thresholdPercent=P (default 50)] [monitorIntervalSeconds=S (default 60)]",
	.summary = "the replicas' volumes get a size; a disk monitor removes the oldest checkpoint "
		   "while free space < P% of the database (Concord's DbCheckpointManager)",
	.check = disk_check,
	.inject = disk_inject,
};

/* --- driver-crash ------------------------------------------------------------------------------ */

static const char *const crash_during[] = {"backup", "restore", NULL};

static int crash_parse(int *during, uint64_t *after, const struct drill_step *st,
		       const struct drill_scenario *sc)
{
	static const char *const keys[] = {"during", "afterFiles", NULL};
	int rc = check_keys(st, sc, keys);
	if (!rc)
		rc = param_enum(during, st, sc, "during", crash_during, 0);
	if (!rc)
		rc = param_range(after, st, sc, "afterFiles", 1, 100000000, 1);
	return rc;
}

static int crash_check(const struct drill_step *st, const struct drill_scenario *sc)
{
	int during;
	uint64_t after;
	return crash_parse(&during, &after, st, sc);
}

static int crash_inject(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	int during = 0;
	uint64_t after = 0;
	int rc = crash_parse(&during, &after, st, ctx->sc);
	if (rc)
		return rc;
	struct drill_process_faults *pf = &ctx->plan->proc;
	if (pf->rerun) {
		/* This is the run after the crash: the driver died here once, it does not again. */
		json_object_set_new(ctx->details, "skipped",
				    json_string("the rerun after the driver's crash: not armed again"));
		return 0;
	}
	pf->crash_when = during == 0 ? DRILL_PROC_BACKUP : DRILL_PROC_RESTORE;
	pf->crash_after = after;
	pf->crash_details = json_incref(ctx->details);
	json_object_set_new(ctx->details, "armed",
			    json_pack("{s:s,s:I}", "during", crash_during[during], "afterFiles",
				      (json_int_t)after));
	return 0;
}

const struct drill_fault_kind drill_fault_driver_crash = {
	.name = "driver-crash",
	.params = "[during=backup|restore] [afterFiles=K (default 1)]",
	.summary = "the driver SIGKILLs itself at the K-th entry the next backup or restore copies; "
		   "`run` reruns the drill in the same workspace, which must recover",
	.check = crash_check,
	.inject = crash_inject,
};
