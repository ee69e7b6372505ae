/* drill/restore.c — the runbook's restore flow, step by step (reference/vmbc-backup-restore.md).
 *
 *   1. scale-down         helm upgrade --reuse-values --set global.replicaCount=0, then wait
 *                         until no replica runs (kubectl get pods shows none)
 *   2. restore-volumes    the storage vendor restores every volume from the named backup
 *   3. choose-checkpoint  `latest-common`: the highest checkpoint id present on every replica's
 *                         restored volume (the vendor's source_root); or the id the scenario
 *                         names, which must be on all
 *   4. copy-checkpoint    per replica: empty rocksdbdata (rm -rf rocksdbdata/<all>), copy the
 *                         restored copy's rocksdbdata/checkpoints/<id>/<all> into it with
 *                         cp -r -L -p, and rm rocksdbdata/LOCK
 *      cleanup-restored-volumes  the vendor's finish_restore, where it has one (ebs-sim: unmount,
 *                         detach and delete the restored volumes with their snapshots)
 *   5. scale-up           helm upgrade ... --set global.replicaCount=1, wait until every replica
 *                         is ready
 *   6. check-state        every replica reports block <id> with the digest the driver wrote then
 * Functional validation (the runbook's last step) is the scenario's next `validate` step, which
 * also stops the RTO clock started at scale-down. Each step is timed and recorded. */
#include "drill/engine_internal.h"

#include "replica/client.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Record a sub-step with its duration. */
static void substep(json_t *list, const char *name, double t0, json_t *info)
{
	json_t *s = json_pack("{s:s,s:f}", "name", name, "wallSeconds", drill_now_s() - t0);
	if (info)
		json_object_update_new(s, info);
	json_array_append_new(list, s);
	drill_log_info("restore: %s done (%.2f s)", name, drill_now_s() - t0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Checkpoint ids under <data>/checkpoints/ (directories named by a decimal id), ascending. */
static int list_checkpoints(uint64_t **ids, size_t *n, const char *data_dir)
{
	char *dir = drill_xasprintf("%s/checkpoints", data_dir);
	DIR *dh = opendir(dir);
	*ids = NULL;
	*n = 0;
	if (!dh) {
		free(dir);
		return 0; /* no checkpoints directory: no checkpoints */
	}
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(dh))) {
		char *end;
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		unsigned long long v = strtoull(e->d_name, &end, 10);
		if (*end)
			continue;
		char *p = drill_xasprintf("%s/%s", dir, e->d_name);
		int isdir = drill_fs_is_dir(p);
		free(p);
		if (!isdir)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*ids = drill_xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[(*n)++] = v;
	}
	closedir(dh);
	free(dir);
	qsort(*ids, *n, sizeof(**ids), cmp_u64);
	return 0;
}

static int has_id(const uint64_t *ids, size_t n, uint64_t id)
{
	return bsearch(&id, ids, n, sizeof(*ids), cmp_u64) != NULL;
}

static json_t *ids_json(const uint64_t *ids, size_t n)
{
	json_t *a = json_array();
	for (size_t k = 0; k < n; k++)
		json_array_append_new(a, json_integer((json_int_t)ids[k]));
	return a;
}

static char *ids_text(const uint64_t *ids, size_t n)
{
	if (n == 0)
		return drill_xstrdup("none");
	struct drill_buf b;
	drill_buf_init(&b, 1 << 20);
	for (size_t k = 0; k < n; k++) {
		char num[32];
		snprintf(num, sizeof(num), "%s%" PRIu64, k ? ", " : "", ids[k]);
		drill_buf_append(&b, num, strlen(num));
	}
	drill_buf_append(&b, "", 1);
	return (char *)b.data;
}

/* Step 3: the checkpoint every replica will be restored to. */
static int choose_checkpoint(struct drill *d, const struct drill_step *st, uint64_t *chosen,
			     json_t *info)
{
	uint64_t **ids = drill_xcalloc((size_t)d->n, sizeof(*ids));
	size_t *cnt = drill_xcalloc((size_t)d->n, sizeof(*cnt));
	json_t *per = json_array();
	int rc = 0;
	for (int i = 0; i < d->n && !rc; i++) {
		/* from the restored copy, as the runbook's EKS flow looks at /mnt/source */
		char *root = NULL, *data = NULL;
		rc = d->vendor->ops->source_root(d->vendor, st->name, i, &root);
		if (!rc) {
			char *sub = drill_platform_data_subpath(&d->spec, i);
			data = drill_xasprintf("%s/%s", root, sub);
			free(sub);
			rc = list_checkpoints(&ids[i], &cnt[i], data);
		}
		free(root);
		free(data);
		if (!rc)
			json_array_append_new(per, json_pack("{s:i,s:o}", "replica", i, "checkpoints",
							     ids_json(ids[i], cnt[i])));
	}
	json_object_set_new(info, "available", per);
	if (rc)
		goto cleanup;
	if (st->latest_common) {
		/* The highest id of replica 0's that every other replica has too. */
		int found = 0;
		for (size_t k = cnt[0]; k-- > 0 && !found;) {
			int everywhere = 1;
			for (int i = 1; i < d->n && everywhere; i++)
				everywhere = has_id(ids[i], cnt[i], ids[0][k]);
			if (everywhere) {
				*chosen = ids[0][k];
				found = 1;
			}
		}
		if (!found) {
			for (int i = 0; i < d->n; i++) {
				if (cnt[i])
					continue;
				rc = drill_err(DRILL_EFAIL, "no checkpoint common to every replica: "
					       "replica %d has none on the restored volume (is "
					       "replicaCheckpointBackup enabled?)", i);
				goto cleanup;
			}
			rc = drill_err(DRILL_EFAIL, "no checkpoint common to every replica");
			goto cleanup;
		}
	} else {
		for (int i = 0; i < d->n; i++) {
			if (has_id(ids[i], cnt[i], st->checkpoint))
				continue;
			char *have = ids_text(ids[i], cnt[i]);
			rc = drill_err(DRILL_EFAIL, "checkpoint %" PRIu64 " is not on replica %d's "
				       "restored volume (it has: %s)", st->checkpoint, i, have);
			free(have);
			goto cleanup;
		}
		*chosen = st->checkpoint;
	}
	json_object_set_new(info, "checkpoint", json_integer((json_int_t)*chosen));
cleanup:
	for (int i = 0; i < d->n; i++)
		free(ids[i]);
	free(ids);
	free(cnt);
	return rc;
}

/* Step 4 for one replica: the runbook's rm, cp -r -L -p and rm LOCK. */
static int copy_checkpoint(struct drill *d, const struct drill_step *st, int i, uint64_t id,
			   uint64_t *bytes, uint64_t *files)
{
	char *dest = drill_engine_data_dir(d, i);
	char *src_root = NULL, *src = NULL, *lock = NULL;
	int rc = d->vendor->ops->source_root(d->vendor, st->name, i, &src_root);
	if (rc)
		goto cleanup;
	char *sub = drill_platform_data_subpath(&d->spec, i);
	src = drill_xasprintf("%s/%s/checkpoints/%" PRIu64, src_root, sub, id);
	free(sub);
	if (!drill_fs_is_dir(src)) {
		rc = drill_err(DRILL_EFAIL, "replica %d: %s: no such checkpoint in the restored copy",
			       i, src);
		goto cleanup;
	}
	rc = drill_fs_mkdir_p(dest, 0755);
	if (!rc)
		rc = drill_fs_remove_contents(dest); /* the runbook's rm -rf of rocksdbdata's entries */
	if (rc)
		goto cleanup;
	struct drill_copy_opts co = DRILL_COPY_RUNBOOK; /* cp -r -L -p */
	co.bytes_copied = bytes;
	co.files_copied = files;
	rc = drill_fs_copy_contents(src, dest, &co);
	if (rc) {
		drill_err_wrap(rc, "replica %d: copying checkpoint %" PRIu64, i, id);
		goto cleanup;
	}
	lock = drill_xasprintf("%s/LOCK", dest);
	if (unlink(lock) != 0 && errno != ENOENT)
		rc = drill_err(DRILL_EFAIL, "%s: %s", lock, strerror(errno));
cleanup:
	free(dest);
	free(src_root);
	free(src);
	free(lock);
	return rc;
}

int drill_restore_run(struct drill *d, const struct drill_step *st, json_t *details)
{
	json_t *sub = json_array();
	json_object_set_new(details, "from", json_string(st->name));
	json_object_set_new(details, "steps", sub);
	uint64_t before = drill_truth_last(d->truth), id = 0;
	struct drill_truth_rec rec_before = {0};
	if (before)
		drill_truth_get(d->truth, before, &rec_before);
	json_object_set_new(details, "driverLastBlockBefore", json_integer((json_int_t)before));

	/* 1. helm upgrade --set global.replicaCount=0, wait until no pod runs. */
	d->rto_start = drill_now_s();
	double t = drill_now_s();
	int rc = d->plat->ops->scale(d->plat, 0);
	drill_engine_refresh_urls(d);
	if (rc)
		return drill_err_wrap(rc, "scale-down");
	substep(sub, "scale-down", t, NULL);

	/* 2. Restore every volume from the backup. */
	t = drill_now_s();
	rc = d->vendor->ops->restore(d->vendor, st->name);
	if (rc)
		return drill_err_wrap(rc, "restore-volumes");
	substep(sub, "restore-volumes", t,
		json_pack("{s:I}", "bytesCopied", (json_int_t)d->vendor->bytes_copied));

	/* 3. The checkpoint, the same on every replica. */
	t = drill_now_s();
	json_t *info = json_object();
	rc = choose_checkpoint(d, st, &id, info);
	if (rc) {
		json_decref(info);
		return drill_err_wrap(rc, "choose-checkpoint");
	}
	substep(sub, "choose-checkpoint", t, info);
	json_object_set_new(details, "checkpoint", json_integer((json_int_t)id));

	/* 4. Into each replica's rocksdbdata. */
	t = drill_now_s();
	uint64_t bytes = 0, files = 0;
	for (int i = 0; i < d->n && !rc; i++)
		rc = copy_checkpoint(d, st, i, id, &bytes, &files);
	if (rc)
		return drill_err_wrap(rc, "copy-checkpoint");
	substep(sub, "copy-checkpoint", t,
		json_pack("{s:I,s:I}", "bytesCopied", (json_int_t)bytes, "filesCopied",
			  (json_int_t)files));

	/* 4b. The vendor's cleanup (EKS: unmount, detach, delete the restored volumes). */
	if (d->vendor->ops->finish_restore) {
		t = drill_now_s();
		rc = d->vendor->ops->finish_restore(d->vendor, st->name);
		if (rc)
			return drill_err_wrap(rc, "cleanup-restored-volumes");
		substep(sub, "cleanup-restored-volumes", t, NULL);
	}

	/* 5. helm upgrade --set global.replicaCount=1, wait until every replica is ready. */
	t = drill_now_s();
	rc = d->plat->ops->scale(d->plat, 1);
	drill_engine_refresh_urls(d);
	if (rc)
		return drill_err_wrap(rc, "scale-up");
	substep(sub, "scale-up", t, NULL);

	/* 6. What the cluster holds now, against what the driver wrote at block <id>. */
	t = drill_now_s();
	struct drill_replica_status *sts = drill_xcalloc((size_t)d->n, sizeof(*sts));
	rc = drill_engine_statuses(d, sts);
	int matches = rc == 0;
	struct drill_truth_rec rec = {0};
	int have_rec = id <= before && drill_truth_get(d->truth, id, &rec) == 0;
	json_t *per = json_array();
	uint64_t seq = 0;
	for (int i = 0; i < d->n && rc == 0; i++) {
		int ok = d->urls[i] && sts[i].last_block == id && sts[i].has_digest && have_rec &&
			 !memcmp(sts[i].last_digest, rec.digest, DRILL_HASH_LEN);
		matches &= ok;
		if (sts[i].seq_num > seq)
			seq = sts[i].seq_num;
		json_array_append_new(per, json_pack("{s:i,s:I,s:I,s:b}", "replica", i, "lastBlock",
						     (json_int_t)sts[i].last_block, "seqNum",
						     (json_int_t)sts[i].seq_num, "matchesDriver", ok));
	}
	drill_engine_statuses_free(d, sts);
	free(sts);
	if (rc)
		return drill_err_wrap(rc, "check-state");
	substep(sub, "check-state", t, json_pack("{s:o}", "replicas", per));
	json_object_set_new(details, "stateMatchesDriver", json_boolean(matches));

	/* The driver carries on from the restored point: RPO is what the restore gave up. */
	d->restored = 1;
	d->restored_block = id;
	json_object_set_new(details, "restoredBlock", json_integer((json_int_t)id));
	if (have_rec) {
		json_object_set_new(details, "rpoBlocks", json_integer((json_int_t)(before - id)));
		json_object_set_new(details, "rpoVirtualSeconds",
				    json_real((double)(rec_before.ts_ms - rec.ts_ms) / 1000.0));
		rc = drill_truth_rollback(d->truth, id);
		if (rc)
			return rc;
	}
	d->seq = seq;
	json_object_set_new(details, "rtoWallSeconds", json_real(drill_now_s() - d->rto_start));
	json_object_set_new(details, "rtoEndsAt", json_string("scale-up"));
	if (!matches)
		drill_log_warn("restore: the restored replicas do not all hold block %" PRIu64
			       " as the driver wrote it", id);
	return 0;
}
