/* drill/foreign.c — a checkpoint from another run, for the foreign-checkpoint fault.
 *
 * It is made the way the real one was: a one-replica cluster on the local platform, in a
 * workspace of its own inside the drill's (<ws>/faults/foreign-<replica>-<id>/), is ordered `id`
 * writes of another workload seed (and, for another blockchain, another workload shape) and then
 * the operator's db-checkpoint create, which takes checkpoint <id>. Its replica.id is set to the
 * replica whose checkpoint it replaces, so only the contents differ. */
#include "drill/engine_internal.h"

#include "replica/client.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FOREIGN_BATCH 512

static int write_chain(struct drill_platform *p, struct drill_truth *t, uint64_t blocks,
		       uint64_t interval_ms, const char *ws)
{
	char *url = NULL;
	int rc = p->ops->replica_url(p, 0, &url);
	struct drill_buf batch;
	drill_buf_init(&batch, DRILL_ORDER_MAX_BODY);
	for (uint64_t sn = 1; sn <= blocks && !rc;) {
		drill_req_batch_begin(&batch);
		for (int k = 0; k < FOREIGN_BATCH && sn <= blocks && !rc; k++, sn++)
			rc = drill_truth_write(t, sn, sn * interval_ms, &batch);
		drill_req_batch_end(&batch);
		struct drill_replica_status st;
		if (!rc)
			rc = drill_client_order(&st, (const char *const *)&url, 1, batch.data, batch.len);
		if (!rc)
			drill_replica_status_free(&st);
	}
	if (!rc) {
		uint64_t ordered = 0, taken = 0;
		struct drill_replica_status st;
		memset(&st, 0, sizeof(st));
		struct drill_cluster_info ci = {1, &url, interval_ms};
		rc = drill_order_checkpoint(&ordered, &taken, &st, &ci, ws);
		drill_replica_status_free(&st);
	}
	drill_buf_free(&batch);
	free(url);
	return rc;
}

int drill_engine_foreign_checkpoint(struct drill_fault_ctx *ctx, int replica, uint64_t id,
				    uint64_t seed, int other_chain, const char *dest)
{
	struct drill *d = ctx->engine;
	const struct drill_scenario *sc = d->sc;
	char *ws = drill_xasprintf("%s/faults/foreign-%d-%" PRIu64, d->ws, replica, id);
	struct drill_platform *p = NULL;
	struct drill_truth *t = NULL;
	struct drill_cluster_spec spec = d->spec;
	spec.replicas = 1;
	spec.reclaim = DRILL_RECLAIM_RETAIN;
	spec.ckpt = (struct drill_ckpt_config){1, 100, 0, 1000000000}; /* operator checkpoints only */
	struct drill_workload w = {sc->keys_per_block, sc->value_size, sc->key_space,
				   sc->block_interval_ms};
	if (other_chain) /* another blockchain's workload: other keys per block and value size */
		w = (struct drill_workload){w.keys_per_block < 1000 ? w.keys_per_block + 1 : 1,
					    w.value_size > 1 ? w.value_size - 1 : 2, w.key_space + 1,
					    w.block_interval_ms};
	int rc = drill_fs_remove_tree(ws);
	if (!rc)
		rc = drill_fs_mkdir_p(ws, 0755);
	char *truth_path = drill_xasprintf("%s/truth.bin", ws);
	if (!rc)
		rc = drill_truth_open(&t, truth_path, &w, seed);
	free(truth_path);
	if (!rc)
		rc = drill_platform_open(&p, "local", ws, &spec);
	if (!rc)
		rc = p->ops->install(p);
	if (!rc)
		rc = write_chain(p, t, id, w.block_interval_ms, ws);
	if (p && p->ops->scale(p, 0) != 0 && !rc)
		rc = DRILL_EFAIL;
	char *root = NULL, *src = NULL;
	if (!rc)
		rc = p->ops->volume_root(p, 0, &root);
	if (!rc) {
		char *sub = drill_platform_data_subpath(&spec, 0);
		src = drill_xasprintf("%s/%s/checkpoints/%" PRIu64, root, sub, id);
		free(sub);
		if (!drill_fs_is_dir(src))
			rc = drill_err(DRILL_EFAIL, "the foreign run took no checkpoint %" PRIu64, id);
	}
	struct drill_copy_opts co = DRILL_COPY_ARCHIVE;
	if (!rc)
		rc = drill_fs_copy_tree(src, dest, &co);
	if (!rc)
		rc = drill_engine_set_identity(dest, replica);
	if (!rc) {
		char *lock = drill_xasprintf("%s/LOCK", dest); /* left by opening it */
		drill_fs_remove_tree(lock);
		free(lock);
	}
	if (!rc && drill_truth_last_digest(t)) {
		char hex[2 * DRILL_HASH_LEN + 1];
		drill_hex(hex, drill_truth_last_digest(t), DRILL_HASH_LEN);
		json_object_set_new(ctx->details, "foreignDigest", json_string(hex));
	}
	if (rc)
		drill_err_wrap(rc, "foreign-checkpoint: writing another run's checkpoint %" PRIu64, id);
	drill_platform_destroy(p);
	drill_truth_free(t);
	free(root);
	free(src);
	free(ws);
	return rc;
}
