/* drill/restore.c — the runbook's restore flow, step by step (docs/runbook.md).
 *
 *   1. scale-down         helm upgrade --reuse-values --set global.replicaCount=0, then wait
 *                         until no replica runs (kubectl get pods shows none). On the local
 *                         platform the replicas close without flushing their memtables (SIGUSR1):
 *                         steps 2 and 4 delete what a flush would write. Not when a restore
 *                         fault is armed or the volumes are restored as is (checkpoint: none)
 *                         nor on a cluster, whose pods get SIGTERM.
 *   2. restore-volumes    the storage vendor restores every volume from the named backup
 *   3. choose-checkpoint  `latest-common`: the highest checkpoint id present on every replica's
 *                         restored volume (the vendor's source_root); or the id the scenario
 *                         names, which must be on all
 *   4. copy-checkpoint    per replica: empty rocksdbdata (rm -rf rocksdbdata/<all>), copy the
 *                         restored copy's rocksdbdata/checkpoints/<id>/<all> into it with
 *                         cp -r -L -p, and rm rocksdbdata/LOCK
 *      cleanup-restored-volumes  the vendor's finish_restore, where it has one (ebs-sim: unmount,
 *                         detach and delete the restored volumes with their snapshots;
 *                         hostpath-copy: wait until the volumes' old contents are removed)
 *   5. scale-up           helm upgrade ... --set global.replicaCount=1, wait until every replica
 *                         is ready
 *   6. check-state        every replica reports block <id> with the digest the driver wrote then;
 *                         one behind is noted (it catches up by state transfer), one ahead or on
 *                         another chain fails the restore (the cluster would fork)
 * Faults armed by earlier `fault:` steps (faults/restore_faults.c: the stop skipped, the copy
 * without -L or -p, LOCK left, no rm, an interrupted copy, another checkpoint or another replica's
 * volume) change these steps; each deviation is recorded under "deviations".
 * Functional validation (the runbook's last step) is the scenario's next `validate` step, which
 * also stops the RTO clock started at scale-down. Each step is timed and recorded. */
#include "drill/engine_internal.h"

#include "chain/store.h"
#include "chain/verify.h"
#include "replica/client.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/par.h"
#include "util/progress.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int drill_restore_failed(json_t *sub, const char *name, double t0, int rc)
{
	json_t *last = json_array_get(sub, json_array_size(sub) ? json_array_size(sub) - 1 : 0);
	const char *lname = json_string_value(json_object_get(last, "name"));
	if (!lname || strcmp(lname, name)) {
		last = json_pack("{s:s,s:f}", "name", name, "wallSeconds", drill_now_s() - t0);
		json_array_append_new(sub, last);
	}
	json_object_set_new(last, "status", json_string("failed"));
	return drill_err_wrap(rc, "%s", name);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Checkpoint ids under <data>/checkpoints/ (directories named by a decimal id), ascending. */
int drill_engine_list_checkpoints(uint64_t **ids, size_t *n, const char *data_dir)
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
			rc = drill_engine_list_checkpoints(&ids[i], &cnt[i], data);
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

/* Copy at most `limit` entries of src into dst, in name order (an operator's copy that died
 * part-way). */
static int copy_first_entries(const char *src, const char *dst, const struct drill_copy_opts *co,
			      int64_t limit, json_t *dev)
{
	struct dirent **names = NULL;
	int n = scandir(src, &names, NULL, alphasort), rc = 0;
	if (n < 0)
		return drill_err(DRILL_EFAIL, "%s: %s", src, strerror(errno));
	int64_t done = 0;
	json_t *copied = json_array();
	for (int k = 0; k < n; k++) {
		const char *e = names[k]->d_name;
		if (!rc && strcmp(e, ".") && strcmp(e, "..") && done < limit) {
			char *a = drill_xasprintf("%s/%s", src, e), *b = drill_xasprintf("%s/%s", dst, e);
			rc = drill_fs_copy_tree(a, b, co);
			free(a);
			free(b);
			json_array_append_new(copied, json_string(e));
			done++;
		}
		free(names[k]);
	}
	free(names);
	json_object_set_new(dev, "copiedBeforeInterruption", copied);
	return rc;
}

/* The child of drill_engine_set_identity: arg is the replica's number (i32, ours) and the
 * database's path. */
static int set_identity(const void *arg, size_t len)
{
	int32_t i;
	const char *db_dir = (const char *)arg + sizeof(i);
	if (len <= sizeof(i) || db_dir[len - sizeof(i) - 1] != '\0')
		return drill_err(DRILL_EFAIL, "set_identity: a malformed argument");
	memcpy(&i, arg, sizeof(i));
	struct drill_store *st = NULL;
	int rc = drill_store_open(&st, db_dir, DRILL_STORE_WRITE);
	if (rc)
		return drill_err_wrap(rc, "resetting the identity of %s", db_dir);
	struct drill_store_batch *b = drill_store_batch_new();
	drill_store_batch_put_meta_u32(b, "replica.id", (uint32_t)i);
	rc = drill_store_write(st, b);
	if (!rc)
		rc = drill_store_flush(st);
	drill_store_batch_free(b);
	drill_store_close(st);
	return rc;
}

/* Give a database copied from another replica's volume the identity of replica i. The copy is
 * restored data, possibly damaged: RocksDB opens it in a child process that may die
 * (drill_isolated), so that an abort inside RocksDB fails this restore step, not the drill. */
int drill_engine_set_identity(const char *db_dir, int i)
{
	int32_t n = i;
	size_t len = sizeof(n) + strlen(db_dir) + 1;
	uint8_t *arg = drill_xmalloc(len);
	memcpy(arg, &n, sizeof(n));
	memcpy(arg + sizeof(n), db_dir, len - sizeof(n));
	char *what = drill_xasprintf("resetting the identity of %s", db_dir);
	int rc = drill_isolated(set_identity, arg, len, what);
	free(what);
	free(arg);
	return rc;
}

/* Step 4 for one replica: the runbook's rm, cp -r -L -p and rm LOCK, or what an armed fault makes
 * of them (each deviation is recorded in `dev`). Its paths are found first, on the calling thread
 * (a vendor's source_root and a platform's volume_root are not made to be called from several
 * threads); the copy itself may run beside the other replicas' (util/par.h). */
struct ckpt_copy {
	int i, from;      /* the replica restored, and the one whose restored copy it gets */
	uint64_t id;
	char *src_root;   /* that restored copy: every followed link must stay inside it */
	char *src, *dest; /* its checkpoint, and rocksdbdata */
	uint64_t bytes, files;
	json_t *dev;      /* {replica, ...deviations} */
};

static int ckpt_copy_prepare(struct drill *d, const struct drill_step *st, int i, uint64_t id,
			     struct ckpt_copy *c)
{
	const struct drill_restore_faults *rf = &d->plan.restore;
	c->i = i;
	c->id = id;
	c->from = rf->source[i] >= 0 ? rf->source[i] : i;
	c->dest = drill_engine_data_dir(d, i);
	c->dev = json_pack("{s:i}", "replica", i);
	int rc = d->vendor->ops->source_root(d->vendor, st->name, c->from, &c->src_root);
	if (rc)
		return rc;
	char *sub = drill_platform_data_subpath(&d->spec, c->from);
	c->src = drill_xasprintf("%s/%s/checkpoints/%" PRIu64, c->src_root, sub, id);
	free(sub);
	if (c->from != i) {
		json_object_set_new(c->dev, "copiedFromReplica", json_integer(c->from));
		json_object_set_new(c->dev, "identityReset", json_boolean(rf->reset_identity[i]));
	}
	if (!drill_fs_is_dir(c->src))
		return drill_err(DRILL_EFAIL, "replica %d: %s: no such checkpoint in the restored "
				 "copy", i, c->src);
	return 0;
}

/* `progress`: the copy-checkpoint substep's, shared by the copies running side by side; NULL: this
 * copy shows its own (one replica after another). */
static int ckpt_copy_run(struct drill *d, struct ckpt_copy *c, struct drill_progress *progress)
{
	const struct drill_restore_faults *rf = &d->plan.restore;
	unsigned variant = rf->copy[c->i];
	json_t *dev = c->dev;
	int i = c->i, rc = drill_fs_mkdir_p(c->dest, 0755);
	if (rc)
		return rc;
	if (variant & DRILL_COPY_NO_RM)
		json_object_set_new(dev, "oldFilesKept", json_true());
	else if ((rc = drill_fs_remove_contents(c->dest))) /* rm -rf rocksdbdata/<all> */
		return rc;
	struct drill_copy_opts co = DRILL_COPY_RUNBOOK; /* cp -r -L -p */
	co.bytes_copied = &c->bytes;
	co.files_copied = &c->files;
	/* -L follows links: only to what lies inside the restored volume (docs/containment.md) */
	co.confine = c->src_root;
	if (variant & DRILL_COPY_NO_FOLLOW) {
		co.follow_links = 0;
		json_object_set_new(dev, "followLinks", json_false());
	}
	mode_t old_mask = 0;
	if (variant & DRILL_COPY_NO_PRESERVE) {
		co.keep_owner = co.keep_mode = co.keep_times = 0;
		old_mask = umask((mode_t)rf->copy_umask);
		json_object_set_new(dev, "preserve", json_false());
		json_object_set_new(dev, "umask", json_sprintf("%04o", (unsigned)rf->copy_umask));
	}
	co.progress = progress;
	if (!progress) {
		char *label = drill_xasprintf("restore: copy checkpoint %" PRIu64 " to replica %d",
					      c->id, i);
		co.progress = drill_progress_start_copy(label, (const char *const *)&c->src, 1);
		free(label);
	}
	if (rf->interrupt_after[i] >= 0)
		rc = copy_first_entries(c->src, c->dest, &co, rf->interrupt_after[i], dev);
	else
		rc = drill_fs_copy_contents(c->src, c->dest, &co);
	if (!progress)
		drill_progress_finish(co.progress);
	if (variant & DRILL_COPY_NO_PRESERVE)
		umask(old_mask);
	if (rc)
		return drill_err_wrap(rc, "replica %d: copying checkpoint %" PRIu64, i, c->id);
	if (c->from != i && rf->reset_identity[i] && (rc = drill_engine_set_identity(c->dest, i)))
		return rc;
	char *lock = drill_xasprintf("%s/LOCK", c->dest);
	if (variant & DRILL_COPY_KEEP_LOCK)
		json_object_set_new(dev, "lockLeft", json_boolean(drill_fs_exists(lock)));
	else
		rc = drill_fs_remove_tree(lock); /* rm rocksdbdata/LOCK (absent is fine) */
	free(lock);
	return rc;
}

/* Its deviations into the restore's list (in replica order), and its counts into the totals. */
static void ckpt_copy_finish(struct ckpt_copy *c, json_t *devs, uint64_t *bytes, uint64_t *files)
{
	if (c->dev && json_object_size(c->dev) > 1)
		json_array_append(devs, c->dev);
	json_decref(c->dev);
	*bytes += c->bytes;
	*files += c->files;
	free(c->src_root);
	free(c->src);
	free(c->dest);
	memset(c, 0, sizeof(*c));
}

struct ckpt_copies {
	struct drill *d;
	struct ckpt_copy *c;
	struct drill_progress *progress; /* of every replica's copy */
};

static int ckpt_copy_task(size_t i, void *arg)
{
	struct ckpt_copies *cs = arg;
	return ckpt_copy_run(cs->d, &cs->c[i], cs->progress);
}

/* The side-by-side copies, under one progress line over every replica's checkpoint. */
static int ckpt_copy_all(struct ckpt_copies *cs, int n)
{
	cs->progress = NULL;
	if (drill_progress_on()) {
		const char **srcs = drill_xcalloc((size_t)n, sizeof(*srcs));
		for (int i = 0; i < n; i++)
			srcs[i] = cs->c[i].src;
		char *label = drill_xasprintf("restore: copy checkpoint %" PRIu64 " to %d replicas",
					      cs->c[0].id, n);
		cs->progress = drill_progress_start_copy(label, srcs, (size_t)n);
		free(label);
		free(srcs);
	}
	int rc = drill_par_for((size_t)n, 0, ckpt_copy_task, cs);
	drill_progress_finish(cs->progress);
	return rc;
}

/* A checkpoint id armed for replica i (DRILL_CKPT_PREVIOUS resolved against its restored volume:
 * its newest checkpoint older than `chosen`). */
static int replica_checkpoint(struct drill *d, const struct drill_step *st, int i,
			      uint64_t chosen, uint64_t *out)
{
	uint64_t want = d->plan.restore.checkpoint[i];
	*out = want ? want : chosen;
	if (want != DRILL_CKPT_PREVIOUS)
		return 0;
	uint64_t *ids = NULL;
	size_t n = 0;
	char *root = NULL;
	int rc = d->vendor->ops->source_root(d->vendor, st->name, i, &root);
	if (!rc) {
		char *sub = drill_platform_data_subpath(&d->spec, i);
		char *data = drill_xasprintf("%s/%s", root, sub);
		rc = drill_engine_list_checkpoints(&ids, &n, data);
		free(sub);
		free(data);
	}
	free(root);
	int found = 0;
	for (size_t k = n; k-- > 0 && !found;)
		if (ids[k] < chosen) {
			*out = ids[k];
			found = 1;
		}
	free(ids);
	if (!rc && !found)
		rc = drill_err(DRILL_EFAIL, "replica %d has no checkpoint older than %" PRIu64
			       " to restore instead", i, chosen);
	return rc;
}

/* Step 6: every replica must come up at the restored checkpoint with the driver's block there.
 * A replica behind it is noted (it catches up by state transfer when the cluster orders again); one
 * ahead of it, or holding other content, fails the restore: the cluster would fork. */
static int check_state(struct drill *d, uint64_t id, int have_rec,
		       const struct drill_truth_rec *rec, uint64_t *seq, int *matches, json_t *per)
{
	struct drill_replica_status *sts = drill_xcalloc((size_t)d->n, sizeof(*sts));
	int rc = drill_engine_statuses(d, sts);
	*matches = rc == 0;
	*seq = 0;
	for (int i = 0; i < d->n && rc == 0; i++) {
		const struct drill_replica_status *s = &sts[i];
		struct drill_truth_rec at;
		int known = s->last_block <= drill_truth_last(d->truth) &&
			    (s->last_block == 0 || drill_truth_get(d->truth, s->last_block, &at) == 0);
		int same = s->last_block == 0 ||
			   (known && s->has_digest && !memcmp(s->last_digest, at.digest,
							      DRILL_HASH_LEN));
		const char *where = !d->urls[i] ? "down" : !same ? "other-chain" :
				    s->last_block < id ? "behind" : s->last_block > id ? "ahead" :
				    "at-checkpoint";
		int ok = d->urls[i] && s->last_block == id && s->has_digest && have_rec &&
			 !memcmp(s->last_digest, rec->digest, DRILL_HASH_LEN);
		*matches &= ok;
		if (s->seq_num > *seq)
			*seq = s->seq_num;
		json_array_append_new(per, json_pack("{s:i,s:I,s:I,s:s,s:b}", "replica", i,
						     "lastBlock", (json_int_t)s->last_block, "seqNum",
						     (json_int_t)s->seq_num, "position", where,
						     "matchesDriver", ok));
		if (!strcmp(where, "other-chain")) {
			char a[17] = "none", b[17] = "unknown";
			if (s->has_digest)
				drill_hex(a, s->last_digest, 8);
			if (known)
				drill_hex(b, at.digest, 8);
			rc = drill_err(DRILL_EFAIL, "replica %d holds block %" PRIu64 " with digest "
				       "%s…, the driver wrote %s…: the restored data is another chain's",
				       i, s->last_block, a, b);
		} else if (!strcmp(where, "ahead")) {
			rc = drill_err(DRILL_EFAIL, "replica %d is at block %" PRIu64 ", ahead of the "
				       "restored checkpoint %" PRIu64 ": the cluster would write blocks "
				       "%" PRIu64 "..%" PRIu64 " again and fork from it", i,
				       s->last_block, id, id + 1, s->last_block);
		} else if (!strcmp(where, "behind")) {
			drill_log_warn("restore: replica %d came up at block %" PRIu64 ", behind the "
				       "restored checkpoint %" PRIu64 "; it catches up by state "
				       "transfer", i, s->last_block, id);
		}
	}
	drill_engine_statuses_free(d, sts);
	free(sts);
	return rc;
}

static int restore_steps(struct drill *d, const struct drill_step *st, json_t *details,
			 json_t *sub, json_t *devs, uint64_t before,
			 const struct drill_truth_rec *rec_before, uint64_t *idp)
{
	const struct drill_restore_faults *rf = &d->plan.restore;
	uint64_t id = 0;
	int rc = 0;

	/* 1. helm upgrade --set global.replicaCount=0, wait until no pod runs. */
	d->rto_start = drill_now_s();
	double t = drill_now_s();
	rc = drill_process_restore_point(d, "scale-down"); /* kill-replica at: scale-down */
	if (rc)
		return drill_restore_failed(sub, "scale-down", t, rc);
	if (rf->skip_scale_down) {
		json_array_append_new(devs, json_pack("{s:s}", "skipped", "scale-down"));
		substep(sub, "scale-down", t, json_pack("{s:b}", "skipped", 1));
	} else {
		/* What the replicas would flush at their stop is deleted a moment later (restore-volumes
		 * replaces the volumes, copy-checkpoint empties rocksdbdata), unless a fault
		 * keeps part of it or the volume is restored as is: then they stop as always. */
		int no_flush = d->plat->ops->stop_for_restore && !rf->armed && !st->restore_live;
		rc = no_flush ? d->plat->ops->stop_for_restore(d->plat) : d->plat->ops->scale(d->plat, 0);
		drill_engine_refresh_urls(d);
		if (rc)
			return drill_restore_failed(sub, "scale-down", t, rc);
		substep(sub, "scale-down", t, json_pack("{s:b}", "flush", !no_flush));
	}

	/* 2. Restore every volume from the backup (a vendor that restores in place writes the
	 * replicas' own volumes from here on). */
	t = drill_now_s();
	if (d->vendor->ops->restores_in_place)
		json_object_set_new(details, "replicaVolumes", json_string("partly-restored"));
	rc = d->vendor->ops->restore(d->vendor, st->name);
	if (rc)
		return drill_restore_failed(sub, "restore-volumes", t, rc);
	substep(sub, "restore-volumes", t,
		json_pack("{s:I}", "bytesCopied", (json_int_t)d->vendor->bytes_copied));
	if (st->restore_live) /* checkpoint: none — the storage copy as is (restore_live.c) */
		return drill_restore_live(d, st, details, sub, before);

	/* 3. The checkpoint, the same on every replica. */
	t = drill_now_s();
	json_t *info = json_object();
	rc = choose_checkpoint(d, st, &id, info);
	if (rc) {
		json_decref(info);
		return drill_restore_failed(sub, "choose-checkpoint", t, rc);
	}
	substep(sub, "choose-checkpoint", t, info);
	json_object_set_new(details, "checkpoint", json_integer((json_int_t)id));

	/* 4. Into each replica's rocksdbdata: side by side, unless an armed fault acts between the
	 * replicas' copies (writes raced in, a copy cut short, a process-wide umask, a copy hook). */
	t = drill_now_s();
	json_object_set_new(details, "replicaVolumes", json_string("partly-restored"));
	uint64_t bytes = 0, files = 0;
	json_t *ids = json_array();
	struct ckpt_copies cs = {d, drill_xcalloc((size_t)d->n, sizeof(*cs.c)), NULL};
	int in_order = rf->armed || drill_fs_copy_hook_set();
	int prepared = 0;
	for (int i = 0; i < d->n && !rc; i++) {
		uint64_t id_i = id;
		rc = replica_checkpoint(d, st, i, id, &id_i);
		if (!rc && id_i != id)
			json_array_append_new(devs, json_pack("{s:i,s:I}", "replica", i,
							      "restoredCheckpoint", (json_int_t)id_i));
		json_array_append_new(ids, json_integer((json_int_t)id_i));
		if (!rc) {
			rc = ckpt_copy_prepare(d, st, i, id_i, &cs.c[i]);
			prepared = i + 1;
		}
		if (in_order && prepared == i + 1) {
			if (!rc)
				rc = ckpt_copy_run(d, &cs.c[i], NULL);
			ckpt_copy_finish(&cs.c[i], devs, &bytes, &files);
		}
		if (!rc && in_order && rf->race_writes && d->urls[i]) {
			/* the clients keep writing to the cluster that was never stopped */
			json_t *w = json_object();
			rc = drill_engine_order_writes(d, rf->race_writes, w);
			json_array_append_new(devs, json_pack("{s:i,s:o}", "writesAfterCopyOfReplica",
							      i, "write", w));
		}
	}
	if (!rc && !in_order)
		rc = ckpt_copy_all(&cs, d->n);
	for (int i = 0; i < prepared; i++) /* in_order: done already, the slots are empty */
		ckpt_copy_finish(&cs.c[i], devs, &bytes, &files);
	free(cs.c);
	if (rc) {
		json_decref(ids);
		return drill_restore_failed(sub, "copy-checkpoint", t, rc);
	}
	substep(sub, "copy-checkpoint", t,
		json_pack("{s:I,s:I,s:o}", "bytesCopied", (json_int_t)bytes, "filesCopied",
			  (json_int_t)files, "checkpoints", ids));
	json_object_set_new(details, "replicaVolumes", json_string("restored"));

	/* 4b. The vendor's cleanup (EKS: unmount, detach, delete the restored volumes). */
	if (d->vendor->ops->finish_restore) {
		t = drill_now_s();
		rc = d->vendor->ops->finish_restore(d->vendor, st->name);
		if (rc)
			return drill_restore_failed(sub, "cleanup-restored-volumes", t, rc);
		substep(sub, "cleanup-restored-volumes", t, NULL);
	}

	/* 5. helm upgrade --set global.replicaCount=1, wait until every replica is ready. */
	t = drill_now_s();
	drill_process_restore_point(d, "scale-up"); /* kill-replica at: scale-up, as it starts */
	rc = d->plat->ops->scale(d->plat, 1);
	drill_engine_refresh_urls(d);
	if (rc)
		return drill_restore_failed(sub, "scale-up", t, rc);
	substep(sub, "scale-up", t, NULL);

	/* 6. What the cluster holds now, against what the driver wrote at block <id>. When the
	 * driver's record no longer holds block <id> as it was at the backup (the volumes were lost
	 * and the chain started again), the record saved with the backup is taken back. */
	t = drill_now_s();
	struct drill_truth_rec rec = {0}, saved_rec;
	char *saved = drill_engine_truth_at_backup(d, st->name);
	if (drill_truth_saved_get(saved, id, &saved_rec) == 0 &&
	    (id > before || drill_truth_get(d->truth, id, &rec) != 0 ||
	     memcmp(rec.digest, saved_rec.digest, DRILL_HASH_LEN))) {
		uint64_t known = 0;
		for (size_t b = 0; b < d->n_backups; b++)
			if (!strcmp(d->backups[b].name, st->name))
				known = d->backups[b].truth_last;
		rc = drill_truth_load(d->truth, saved, known);
		if (rc) {
			free(saved);
			return drill_restore_failed(sub, "check-state", t, rc);
		}
		json_object_set_new(details, "driverRecordFromBackup", json_true());
		before = before > id ? before : id; /* nothing after <id> to give up */
	}
	free(saved);
	int have_rec = id <= drill_truth_last(d->truth) && drill_truth_get(d->truth, id, &rec) == 0,
	    matches = 0;
	uint64_t seq = 0;
	json_t *per = json_array();
	rc = check_state(d, id, have_rec, &rec, &seq, &matches, per);
	substep(sub, "check-state", t, json_pack("{s:o}", "replicas", per));
	json_object_set_new(details, "stateMatchesDriver", json_boolean(matches));
	if (rc)
		return drill_restore_failed(sub, "check-state", t, rc);

	/* The driver carries on from the restored point: RPO is what the restore gave up. */
	d->restored = 1;
	d->restored_block = id;
	json_object_set_new(details, "restoredBlock", json_integer((json_int_t)id));
	if (have_rec) {
		json_object_set_new(details, "rpoBlocks", json_integer((json_int_t)(before - id)));
		json_object_set_new(details, "rpoVirtualSeconds",
				    json_real(rec_before->ts_ms > rec.ts_ms
						      ? (double)(rec_before->ts_ms - rec.ts_ms) / 1000.0
						      : 0.0));
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
	*idp = id;
	return 0;
}

int drill_restore_run(struct drill *d, const struct drill_step *st, json_t *details)
{
	json_t *sub = json_array(), *devs = json_array();
	json_object_set_new(details, "from", json_string(st->name));
	json_object_set_new(details, "steps", sub);
	uint64_t before = drill_truth_last(d->truth), id = 0;
	struct drill_truth_rec rec_before = {0};
	if (before)
		drill_truth_get(d->truth, before, &rec_before);
	json_object_set_new(details, "driverLastBlockBefore", json_integer((json_int_t)before));
	json_object_set_new(details, "replicaVolumes", json_string("original"));
	int rc = restore_steps(d, st, details, sub, devs, before, &rec_before, &id);
	if (json_array_size(devs))
		json_object_set_new(details, "deviations", devs);
	else
		json_decref(devs);
	drill_fault_plan_disarm_restore(&d->plan, d->n);
	return rc;
}
