/* faults/restore_faults.c — the runbook done wrong: faults armed at their step and acted out by the
 * next `restore` (drill/restore.c), which records each deviation in its report.
 *
 *   restore-while-running  the stop step (scale to 0) is skipped; the clients keep writing
 *   copy-no-follow-links   cp -r -p without -L
 *   copy-no-preserve       cp -r -L without -p, by an operator whose umask is `umask`
 *   lock-left              rocksdbdata/LOCK is not removed after the copy
 *   restore-without-rm     the checkpoint is copied over rocksdbdata's old files
 *   copy-interrupted       the copy dies after `afterFiles` files (in name order)
 *   mismatched-checkpoint  a replica is restored from another checkpoint than the others
 *   cross-replica-restore  a replica's checkpoint comes from another replica's volume, with or
 *                          without its identity reset (seeding every replica from one is the
 *                          correct variant)
 * `replica` is an index or `all` (the default where a kind allows it). */
#include "faults/kinds.h"

#include "util/err.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* --- Parameters ------------------------------------------------------------------------------ */

int drill_fault_check_keys(const struct drill_step *st, const struct drill_scenario *sc,
			   const char *const *allowed)
{
	for (size_t i = 0; i < st->n_params; i++) {
		const struct drill_param *p = &st->params[i];
		int known = !strcmp(p->key, "seed");
		for (const char *const *k = allowed; *k && !known; k++)
			known = !strcmp(*k, p->key);
		if (!known) {
			char list[256] = "";
			for (const char *const *k = allowed; *k; k++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 k == allowed ? "" : ", ", *k);
			return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.%s: unknown parameter for %s "
					 "(expected %s)", sc->path, p->line, p->col, p->key,
					 st->fault_kind, list);
		}
	}
	return 0;
}

/* A replica index below n (or -1 for `all` when allowed). */
static int replica_value(int *out, const struct drill_param *p, const struct drill_scenario *sc,
			 int allow_all)
{
	if (allow_all && !strcmp(p->value, "all")) {
		*out = -1;
		return 0;
	}
	uint64_t v;
	char got[96];
	if (drill_fault_param_u64(&v, p, sc) != 0 || v >= (uint64_t)sc->replicas)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.%s: expected a replica 0..%d%s, got "
				 "%s", sc->path, p->line, p->col, p->key, sc->replicas - 1,
				 allow_all ? " or all" : "", drill_fault_param_got(p, got, sizeof(got)));
	*out = (int)v;
	return 0;
}

static int check_replica(const struct drill_step *st, const struct drill_scenario *sc,
			 const char *key, int required, int allow_all)
{
	const struct drill_param *p = drill_step_param(st, key);
	int i;
	if (!p && required)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault: %s needs `%s`", sc->path, st->line,
				 st->col, st->fault_kind, key);
	return p ? replica_value(&i, p, sc, allow_all) : 0;
}

static int check_bool(const struct drill_step *st, const struct drill_scenario *sc,
		      const char *key)
{
	const struct drill_param *p = drill_step_param(st, key);
	char got[96];
	if (p && (!p->plain || (strcmp(p->value, "true") && strcmp(p->value, "false"))))
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.%s: expected true or false, got %s",
				 sc->path, p->line, p->col, key, drill_fault_param_got(p, got, sizeof(got)));
	return 0;
}

/* The replicas a step names: [lo, hi). */
static void replica_range(const struct drill_step *st, const struct drill_scenario *sc,
			  const char *key, int *lo, int *hi)
{
	const struct drill_param *p = drill_step_param(st, key);
	int i = -1;
	if (p)
		replica_value(&i, p, sc, 1);
	*lo = i < 0 ? 0 : i;
	*hi = i < 0 ? sc->replicas : i + 1;
}

static json_t *range_json(int lo, int hi, int n)
{
	return lo == 0 && hi == n ? json_string("all") : json_integer(lo);
}

/* --- Copy variants ---------------------------------------------------------------------------- */

static const char *const replica_only[] = {"replica", NULL};

static int check_replica_only(const struct drill_step *st, const struct drill_scenario *sc)
{
	int rc = drill_fault_check_keys(st, sc, replica_only);
	return rc ? rc : check_replica(st, sc, "replica", 0, 1);
}

static int arm_copy(struct drill_fault_ctx *ctx, const struct drill_step *st, unsigned variant)
{
	int lo, hi;
	replica_range(st, ctx->sc, "replica", &lo, &hi);
	for (int i = lo; i < hi; i++)
		ctx->plan->restore.copy[i] |= variant;
	ctx->plan->restore.armed = 1;
	json_object_set_new(ctx->details, "replica", range_json(lo, hi, ctx->sc->replicas));
	json_object_set_new(ctx->details, "armedFor", json_string("restore"));
	return 0;
}

static int inject_no_follow(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	return arm_copy(ctx, st, DRILL_COPY_NO_FOLLOW);
}

static int inject_lock_left(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	return arm_copy(ctx, st, DRILL_COPY_KEEP_LOCK);
}

static int inject_no_rm(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	return arm_copy(ctx, st, DRILL_COPY_NO_RM);
}

static const char *const no_preserve_keys[] = {"replica", "umask", NULL};

static int parse_umask(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 8);
	if (!*s || *end || v < 0 || v > 0777)
		return -1;
	*out = (int)v;
	return 0;
}

static int check_no_preserve(const struct drill_step *st, const struct drill_scenario *sc)
{
	int rc = drill_fault_check_keys(st, sc, no_preserve_keys);
	if (!rc)
		rc = check_replica(st, sc, "replica", 0, 1);
	const struct drill_param *p = drill_step_param(st, "umask");
	int m;
	if (!rc && p && parse_umask(p->value, &m))
		rc = drill_err(DRILL_EINPUT, "%s:%d:%d: fault.umask: expected an octal mask 000..777 "
			       "(e.g. 077), got '%s'", sc->path, p->line, p->col, p->value);
	return rc;
}

static int inject_no_preserve(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	const struct drill_param *p = drill_step_param(st, "umask");
	int m = 077;
	if (p)
		parse_umask(p->value, &m);
	ctx->plan->restore.copy_umask = m;
	json_object_set_new(ctx->details, "umask", json_sprintf("%04o", (unsigned)m));
	return arm_copy(ctx, st, DRILL_COPY_NO_PRESERVE);
}

static const char *const interrupted_keys[] = {"replica", "afterFiles", NULL};

static int check_interrupted(const struct drill_step *st, const struct drill_scenario *sc)
{
	int rc = drill_fault_check_keys(st, sc, interrupted_keys);
	if (!rc)
		rc = check_replica(st, sc, "replica", 1, 0);
	const struct drill_param *p = drill_step_param(st, "afterFiles");
	uint64_t v;
	char got[96];
	if (!rc && p && (drill_fault_param_u64(&v, p, sc) || v > INT32_MAX))
		rc = drill_err(DRILL_EINPUT, "%s:%d:%d: fault.afterFiles: expected 0..%d, got %s",
			       sc->path, p->line, p->col, INT32_MAX,
			       drill_fault_param_got(p, got, sizeof(got)));
	return rc;
}

static int inject_interrupted(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	int lo, hi;
	replica_range(st, ctx->sc, "replica", &lo, &hi);
	const struct drill_param *p = drill_step_param(st, "afterFiles");
	int64_t k = p ? (int64_t)strtoull(p->value, NULL, 10) : 1;
	ctx->plan->restore.interrupt_after[lo] = k;
	ctx->plan->restore.armed = 1;
	json_object_set_new(ctx->details, "replica", json_integer(lo));
	json_object_set_new(ctx->details, "afterFiles", json_integer((json_int_t)k));
	json_object_set_new(ctx->details, "armedFor", json_string("restore"));
	return 0;
}

/* --- Restore while running -------------------------------------------------------------------- */

static const char *const running_keys[] = {"writes", NULL};

static int check_running(const struct drill_step *st, const struct drill_scenario *sc)
{
	int rc = drill_fault_check_keys(st, sc, running_keys);
	const struct drill_param *p = drill_step_param(st, "writes");
	uint64_t v;
	char got[96];
	if (!rc && p && (drill_fault_param_u64(&v, p, sc) || v > 100000))
		rc = drill_err(DRILL_EINPUT, "%s:%d:%d: fault.writes: expected 0..100000 blocks, got %s",
			       sc->path, p->line, p->col, drill_fault_param_got(p, got, sizeof(got)));
	return rc;
}

static int inject_running(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	const struct drill_param *p = drill_step_param(st, "writes");
	uint64_t w = p ? strtoull(p->value, NULL, 10) : 20;
	ctx->plan->restore.skip_scale_down = 1;
	ctx->plan->restore.race_writes = w;
	ctx->plan->restore.armed = 1;
	json_object_set_new(ctx->details, "writesAfterEachCopy", json_integer((json_int_t)w));
	json_object_set_new(ctx->details, "armedFor", json_string("restore"));
	return 0;
}

/* --- Mismatched checkpoints ------------------------------------------------------------------- */

static const char *const mismatch_keys[] = {"replica", "checkpoint", NULL};

static int check_mismatch(const struct drill_step *st, const struct drill_scenario *sc)
{
	int rc = drill_fault_check_keys(st, sc, mismatch_keys);
	if (!rc)
		rc = check_replica(st, sc, "replica", 1, 0);
	const struct drill_param *p = drill_step_param(st, "checkpoint");
	uint64_t v;
	char got[96];
	if (!rc && p && strcmp(p->value, "previous") &&
	    (drill_fault_param_u64(&v, p, sc) || v == 0 || v == DRILL_CKPT_PREVIOUS))
		rc = drill_err(DRILL_EINPUT, "%s:%d:%d: fault.checkpoint: expected a checkpoint id "
			       "or previous, got %s", sc->path, p->line, p->col,
			       drill_fault_param_got(p, got, sizeof(got)));
	return rc;
}

static int inject_mismatch(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	int lo, hi;
	replica_range(st, ctx->sc, "replica", &lo, &hi);
	const struct drill_param *p = drill_step_param(st, "checkpoint");
	uint64_t id = p && strcmp(p->value, "previous") ? strtoull(p->value, NULL, 10)
							: DRILL_CKPT_PREVIOUS;
	ctx->plan->restore.checkpoint[lo] = id;
	ctx->plan->restore.armed = 1;
	json_object_set_new(ctx->details, "replica", json_integer(lo));
	json_object_set_new(ctx->details, "checkpoint", id == DRILL_CKPT_PREVIOUS
				? json_string("previous") : json_integer((json_int_t)id));
	json_object_set_new(ctx->details, "armedFor", json_string("restore"));
	return 0;
}

/* --- Cross-replica restore -------------------------------------------------------------------- */

static const char *const cross_keys[] = {"replica", "from", "resetIdentity", NULL};

static int check_cross(const struct drill_step *st, const struct drill_scenario *sc)
{
	int rc = drill_fault_check_keys(st, sc, cross_keys);
	if (!rc)
		rc = check_replica(st, sc, "replica", 0, 1);
	if (!rc)
		rc = check_replica(st, sc, "from", 1, 0);
	if (!rc)
		rc = check_bool(st, sc, "resetIdentity");
	const struct drill_param *r = drill_step_param(st, "replica"), *f = drill_step_param(st, "from");
	if (!rc && r && !strcmp(r->value, f->value))
		rc = drill_err(DRILL_EINPUT, "%s:%d:%d: fault.from: the same replica as `replica`; "
			       "nothing would cross", sc->path, f->line, f->col);
	return rc;
}

static int inject_cross(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	int lo, hi, from = 0; /* validated already; = 0 quiets gcc -O3's maybe-uninitialized */
	replica_range(st, ctx->sc, "replica", &lo, &hi);
	replica_value(&from, drill_step_param(st, "from"), ctx->sc, 0);
	const struct drill_param *p = drill_step_param(st, "resetIdentity");
	int reset = p && !strcmp(p->value, "true");
	for (int i = lo; i < hi; i++) {
		if (i == from)
			continue;
		ctx->plan->restore.source[i] = from;
		ctx->plan->restore.reset_identity[i] = reset;
	}
	ctx->plan->restore.armed = 1;
	json_object_set_new(ctx->details, "replica", range_json(lo, hi, ctx->sc->replicas));
	json_object_set_new(ctx->details, "from", json_integer(from));
	json_object_set_new(ctx->details, "resetIdentity", json_boolean(reset));
	json_object_set_new(ctx->details, "armedFor", json_string("restore"));
	return 0;
}

/* --- The kinds -------------------------------------------------------------------------------- */

const struct drill_fault_kind drill_fault_restore_while_running = {
	"restore-while-running", "[writes=BLOCKS]",
	"restore without stopping the replicas; the clients keep writing during the copy",
	check_running, inject_running};
const struct drill_fault_kind drill_fault_copy_no_follow = {
	"copy-no-follow-links", "[replica=I|all]", "copy the checkpoint without -L",
	check_replica_only, inject_no_follow};
const struct drill_fault_kind drill_fault_copy_no_preserve = {
	"copy-no-preserve", "[replica=I|all] [umask=077]",
	"copy the checkpoint without -p (owner, mode, times lost)", check_no_preserve,
	inject_no_preserve};
const struct drill_fault_kind drill_fault_lock_left = {
	"lock-left", "[replica=I|all]", "leave rocksdbdata/LOCK after the copy", check_replica_only,
	inject_lock_left};
const struct drill_fault_kind drill_fault_restore_without_rm = {
	"restore-without-rm", "[replica=I|all]",
	"copy the checkpoint over rocksdbdata's old files", check_replica_only, inject_no_rm};
const struct drill_fault_kind drill_fault_copy_interrupted = {
	"copy-interrupted", "replica=I [afterFiles=1]",
	"the checkpoint copy dies after k files (name order)", check_interrupted,
	inject_interrupted};
const struct drill_fault_kind drill_fault_mismatched_checkpoint = {
	"mismatched-checkpoint", "replica=I [checkpoint=ID|previous]",
	"restore one replica from another checkpoint than the others", check_mismatch,
	inject_mismatch};
const struct drill_fault_kind drill_fault_cross_replica_restore = {
	"cross-replica-restore", "from=J [replica=I|all] [resetIdentity=false]",
	"take a replica's checkpoint from another replica's volume", check_cross, inject_cross};
