/* drill/restore_live.c — `restore: {checkpoint: none}`: the storage copy put back as is.
 *
 * What an operator does who follows the storage half of the runbook and skips the checkpoint half
 * ("restore the directories ... restart all blockchain components"): each replica's live
 * rocksdbdata comes back exactly as the backup copied it, its checkpoints beside it unused.
 * After restore-volumes (restore.c):
 *
 *   copy-live-data            per replica: empty rocksdbdata, copy the restored copy's whole
 *                             rocksdbdata into it as `cp -a` does (for hostpath-copy this rewrites
 *                             what restore-volumes put there; for ebs-sim it is the only copy)
 *   cleanup-restored-volumes  the vendor's finish_restore, where it has one
 *   check-volumes             every restored rocksdbdata verified read-only (docs/design.md §5)
 *                             before anything starts: a live copy is only usable if every replica
 *                             holds the same chain to the same height. Snapshots taken at different
 *                             moments (torn-live-snapshot) leave replicas at different heights, or
 *                             a database that does not open; the restore then fails here, naming
 *                             each replica's height, and the cluster stays down
 *   scale-up, check-state     as for a checkpoint: every replica reports that height with the
 *                             driver's digest; the driver carries on from there
 * restoredBlock is the height the volumes agree on. */
#include "drill/engine_internal.h"

#include "chain/verify.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/progress.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void substep(json_t *list, const char *name, double t0, json_t *info)
{
	json_t *s = json_pack("{s:s,s:f}", "name", name, "wallSeconds", drill_now_s() - t0);
	if (info)
		json_object_update_new(s, info);
	json_array_append_new(list, s);
	drill_log_info("restore: %s done (%.2f s)", name, drill_now_s() - t0);
}

static int copy_live(struct drill *d, const struct drill_step *st, int i, uint64_t *bytes,
		     uint64_t *files)
{
	char *dest = drill_engine_data_dir(d, i), *root = NULL, *src = NULL, *tmp = NULL;
	int rc = d->vendor->ops->source_root(d->vendor, st->name, i, &root);
	if (rc)
		goto cleanup;
	char *sub = drill_platform_data_subpath(&d->spec, i);
	src = drill_xasprintf("%s/%s", root, sub);
	free(sub);
	if (!drill_fs_is_dir(src)) {
		rc = drill_err(DRILL_EFAIL, "replica %d: %s: no rocksdbdata in the restored copy", i,
			       src);
		goto cleanup;
	}
	char *rs = realpath(src, NULL), *rd = realpath(dest, NULL);
	int same = rs && rd && !strcmp(rs, rd);
	free(rs);
	free(rd);
	if (same) /* the vendor restored in place: it is there already */
		goto cleanup;
	rc = drill_fs_mkdir_p(dest, 0755);
	if (!rc)
		rc = drill_fs_remove_contents(dest);
	if (rc)
		goto cleanup;
	struct drill_copy_opts co = DRILL_COPY_ARCHIVE;
	co.bytes_copied = bytes;
	co.files_copied = files;
	char *label = drill_xasprintf("restore: copy rocksdbdata to replica %d", i);
	co.progress = drill_progress_start_copy(label, (const char *const *)&src, 1);
	free(label);
	rc = drill_fs_copy_contents(src, dest, &co);
	drill_progress_finish(co.progress);
	if (rc)
		drill_err_wrap(rc, "replica %d: copying rocksdbdata", i);
cleanup:
	free(dest);
	free(root);
	free(src);
	free(tmp);
	return rc;
}

/* check-volumes: the verdict over the restored volumes, before any replica starts. */
static int check_volumes(struct drill *d, uint64_t *height, json_t *info)
{
	char **paths = drill_xcalloc((size_t)d->n, sizeof(*paths));
	for (int i = 0; i < d->n; i++)
		paths[i] = drill_engine_data_dir(d, i);
	struct drill_verify_result vr;
	memset(&vr, 0, sizeof(vr));
	int rc = drill_verify_set(&vr, (const char *const *)paths, (size_t)d->n, -1, 0);
	if (rc)
		goto cleanup;
	json_t *per = json_array();
	char heights[1024] = "";
	int same = 1;
	for (size_t i = 0; i < vr.n; i++) {
		const struct drill_replica_result *r = &vr.replicas[i];
		json_array_append_new(per, json_pack("{s:i,s:s,s:I,s:s?}", "replica", (int)i,
						     "status", drill_replica_status_name(r->status),
						     "lastBlock", (json_int_t)r->last_block, "error",
						     r->error));
		size_t len = strlen(heights);
		if (r->status == DRILL_REPLICA_OK)
			snprintf(heights + len, sizeof(heights) - len, "%sreplica %zu at %" PRIu64,
				 i ? ", " : "", i, r->last_block);
		else
			snprintf(heights + len, sizeof(heights) - len, "%sreplica %zu %s", i ? ", " : "",
				 i, drill_replica_status_name(r->status));
		same &= r->status == DRILL_REPLICA_OK && r->last_block == vr.replicas[0].last_block;
	}
	json_object_set_new(info, "replicas", per);
	json_object_set_new(info, "verdict", json_string(drill_verdict_name(vr.verdict)));
	json_object_set_new(info, "agreedBlock", vr.has_agreed
				 ? json_integer((json_int_t)vr.agreed_block) : json_null());
	if (vr.verdict != DRILL_VERDICT_CONSISTENT || !same) {
		rc = drill_err(DRILL_EFAIL, "the restored volumes are not one chain at one height "
			       "(%s; verdict %s) and no checkpoint was restored (checkpoint: none)",
			       heights, drill_verdict_name(vr.verdict));
		goto cleanup;
	}
	*height = vr.replicas[0].last_block;
cleanup:
	drill_verify_result_free(&vr);
	for (int i = 0; i < d->n; i++)
		free(paths[i]);
	free(paths);
	return rc;
}

int drill_restore_live(struct drill *d, const struct drill_step *st, json_t *details, json_t *sub,
		       uint64_t before)
{
	json_object_set_new(details, "checkpoint", json_string("none"));
	double t = drill_now_s();
	json_object_set_new(details, "replicaVolumes", json_string("partly-restored"));
	uint64_t bytes = 0, files = 0, height = 0;
	int rc = 0;
	for (int i = 0; i < d->n && !rc; i++)
		rc = copy_live(d, st, i, &bytes, &files);
	if (rc)
		return drill_restore_failed(sub, "copy-live-data", t, rc);
	substep(sub, "copy-live-data", t,
		json_pack("{s:I,s:I}", "bytesCopied", (json_int_t)bytes, "filesCopied",
			  (json_int_t)files));
	json_object_set_new(details, "replicaVolumes", json_string("restored"));

	if (d->vendor->ops->finish_restore) {
		t = drill_now_s();
		rc = d->vendor->ops->finish_restore(d->vendor, st->name);
		if (rc)
			return drill_restore_failed(sub, "cleanup-restored-volumes", t, rc);
		substep(sub, "cleanup-restored-volumes", t, NULL);
	}

	t = drill_now_s();
	json_t *info = json_object();
	rc = check_volumes(d, &height, info);
	json_object_set(details, "restoredVolumes", info);
	if (rc) {
		json_decref(info);
		return drill_restore_failed(sub, "check-volumes", t, rc);
	}
	substep(sub, "check-volumes", t, info);

	t = drill_now_s();
	drill_process_restore_point(d, "scale-up"); /* kill-replica at: scale-up, as it starts */
	rc = d->plat->ops->scale(d->plat, 1);
	drill_engine_refresh_urls(d);
	if (rc)
		return drill_restore_failed(sub, "scale-up", t, rc);
	substep(sub, "scale-up", t, NULL);

	t = drill_now_s();
	struct drill_replica_status *sts = drill_xcalloc((size_t)d->n, sizeof(*sts));
	rc = drill_engine_statuses(d, sts);
	struct drill_truth_rec rec = {0}, rec_before = {0};
	int have = height <= before && (height == 0 || drill_truth_get(d->truth, height, &rec) == 0);
	if (before)
		drill_truth_get(d->truth, before, &rec_before);
	uint64_t seq = 0;
	int matches = rc == 0 && have;
	json_t *per = json_array();
	for (int i = 0; i < d->n && !rc; i++) {
		int ok = d->urls[i] && sts[i].last_block == height &&
			 (height == 0 || (sts[i].has_digest &&
					  !memcmp(sts[i].last_digest, rec.digest, DRILL_HASH_LEN)));
		matches &= ok;
		if (sts[i].seq_num > seq)
			seq = sts[i].seq_num;
		json_array_append_new(per, json_pack("{s:i,s:I,s:I,s:b}", "replica", i, "lastBlock",
						     (json_int_t)sts[i].last_block, "seqNum",
						     (json_int_t)sts[i].seq_num, "matchesDriver", ok));
	}
	drill_engine_statuses_free(d, sts);
	free(sts);
	if (rc) {
		json_decref(per);
		return drill_restore_failed(sub, "check-state", t, rc);
	}
	substep(sub, "check-state", t, json_pack("{s:o}", "replicas", per));
	json_object_set_new(details, "stateMatchesDriver", json_boolean(matches));
	if (!matches)
		return drill_restore_failed(sub, "check-state", t,
					    drill_err(DRILL_EFAIL, "the restored replicas do not all "
						      "hold block %" PRIu64 " as the driver wrote it",
						      height));

	d->restored = 1;
	d->restored_block = height;
	json_object_set_new(details, "restoredBlock", json_integer((json_int_t)height));
	json_object_set_new(details, "rpoBlocks", json_integer((json_int_t)(before - height)));
	json_object_set_new(details, "rpoVirtualSeconds",
			    json_real((double)(rec_before.ts_ms - rec.ts_ms) / 1000.0));
	rc = drill_truth_rollback(d->truth, height);
	if (rc)
		return rc;
	d->seq = seq;
	json_object_set_new(details, "rtoWallSeconds", json_real(drill_now_s() - d->rto_start));
	json_object_set_new(details, "rtoEndsAt", json_string("scale-up"));
	return 0;
}
