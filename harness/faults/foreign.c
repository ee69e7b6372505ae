/* faults/foreign.c — `foreign-checkpoint`: a backup's checkpoint <id> of one replica is replaced by
 * a checkpoint with the same id from another run (another workload seed) or another blockchain
 * (another workload shape too). Same name, same height, other contents: only the digests tell. The
 * foreign checkpoint is written by a real replica (the engine's foreign_checkpoint). */
#include "faults/kinds.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const keys[] = {"replica", "backup", "checkpoint", "from", "seed", NULL};

static int check_foreign(const struct drill_step *st, const struct drill_scenario *sc)
{
	for (size_t i = 0; i < st->n_params; i++) {
		int known = 0;
		for (const char *const *k = keys; *k && !known; k++)
			known = !strcmp(*k, st->params[i].key);
		if (!known)
			return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.%s: unknown parameter for %s "
					 "(expected replica, backup, checkpoint, from, seed)", sc->path,
					 st->params[i].line, st->params[i].col, st->params[i].key,
					 st->fault_kind);
	}
	uint64_t v;
	char got[96];
	const struct drill_param *p = drill_step_param(st, "replica");
	int rc = drill_fault_param_replica(p, st, sc);
	if (rc)
		return rc;
	if (!drill_step_param(st, "backup"))
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault: %s needs `backup: NAME` (the backup "
				 "whose checkpoint is replaced)", sc->path, st->line, st->col,
				 st->fault_kind);
	p = drill_step_param(st, "checkpoint");
	if (p && (drill_fault_param_u64(&v, p, sc) || v == 0))
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.checkpoint: expected a checkpoint id, "
				 "got %s", sc->path, p->line, p->col,
				 drill_fault_param_got(p, got, sizeof(got)));
	p = drill_step_param(st, "from");
	if (p && strcmp(p->value, "other-run") && strcmp(p->value, "other-blockchain"))
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.from: expected other-run or "
				 "other-blockchain, got '%s'", sc->path, p->line, p->col, p->value);
	p = drill_step_param(st, "seed");
	if (p && drill_fault_param_u64(&v, p, sc))
		return DRILL_EINPUT;
	return 0;
}

/* The highest checkpoint id under dir (0 when none). */
static uint64_t newest_checkpoint(const char *dir)
{
	DIR *d = opendir(dir);
	uint64_t best = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char *end;
		uint64_t v = strtoull(e->d_name, &end, 10);
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && !*end && v > best)
			best = v;
	}
	if (d)
		closedir(d);
	return best;
}

static int inject_foreign(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	int i = atoi(drill_step_param(st, "replica")->value);
	const char *backup = drill_step_param(st, "backup")->value;
	const struct drill_param *c = drill_step_param(st, "checkpoint");
	const struct drill_param *f = drill_step_param(st, "from");
	int other_chain = f && !strcmp(f->value, "other-blockchain");
	if (!ctx->foreign_checkpoint)
		return drill_err(DRILL_EFAIL, "foreign-checkpoint: this engine cannot write one");
	char *root = NULL;
	int rc = ctx->vendor->ops->source_root(ctx->vendor, backup, i, &root);
	if (rc)
		return rc;
	char *sub = drill_platform_data_subpath(&ctx->platform->spec, i);
	char *dir = drill_xasprintf("%s/%s/checkpoints", root, sub);
	uint64_t id = c ? strtoull(c->value, NULL, 10) : newest_checkpoint(dir);
	char *target = drill_xasprintf("%s/%" PRIu64, dir, id);
	char *tmp = drill_xasprintf("%s/.foreign-%" PRIu64, dir, id);
	if (id == 0 || !drill_fs_is_dir(target)) {
		rc = drill_err(DRILL_EFAIL, "foreign-checkpoint: backup %s has no checkpoint %s for "
			       "replica %d", backup, id ? c->value : "at all", i);
		goto cleanup;
	}
	uint64_t seed = (ctx->seed ^ 0xf0f0f0f0f0f0f0f0u) >> 1; /* fits a JSON integer */
	rc = drill_fs_remove_tree(tmp);
	if (!rc)
		rc = ctx->foreign_checkpoint(ctx, i, id, seed, other_chain, tmp);
	if (!rc)
		rc = drill_fs_remove_tree(target);
	if (!rc && rename(tmp, target) != 0)
		rc = drill_err(DRILL_EFAIL, "%s: cannot replace it", target);
	json_object_set_new(ctx->details, "replica", json_integer(i));
	json_object_set_new(ctx->details, "backup", json_string(backup));
	json_object_set_new(ctx->details, "checkpoint", json_integer((json_int_t)id));
	json_object_set_new(ctx->details, "from", json_string(other_chain ? "other-blockchain"
									 : "other-run"));
	json_object_set_new(ctx->details, "foreignSeed", json_integer((json_int_t)seed));
cleanup:
	if (rc)
		drill_fs_remove_tree(tmp);
	free(root);
	free(sub);
	free(dir);
	free(target);
	free(tmp);
	return rc;
}

const struct drill_fault_kind drill_fault_foreign_checkpoint = {
	"foreign-checkpoint", "replica=I backup=NAME [checkpoint=ID] [from=other-run|other-blockchain]",
	"replace a backup's checkpoint by another run's with the same id", check_foreign,
	inject_foreign};
