/* storage/hostpath.c — `hostpath-copy`: the runbook's minikube flow. A backup copies every
 * replica's volume directory, as an operator would copy /tmp/hostpath-provisioner/<ns>/<claim>;
 * a restore copies them back over the originals.
 *
 *   <ws>/backups/<name>/<claim>/...      one whole copy per volume
 *   <ws>/backups/<name>/backup.json      what was copied, when, how many bytes
 *
 * A backup is written as <name>.partial-<pid> and renamed when complete: a backup that exists is
 * whole, and a crash leaves only a partial directory that the next backup of that name removes.
 * Volumes are copied while the replicas run (a storage copy knows nothing of the database), so
 * files that compaction deletes mid-copy are skipped, as `cp -a` of a live directory would
 * report and go on.
 *
 *   <ws>/trash/                          a restore's old volume contents, moved aside and removed
 *                                        by a thread while the backup is copied in (util/trash.h);
 *                                        gone at finish_restore */
#include "storage/storage_internal.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/par.h"
#include "util/progress.h"
#include "util/trash.h"

#include <jansson.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int valid_name(const char *name)
{
	if (!name || !*name || !strcmp(name, ".") || !strcmp(name, "..") || strchr(name, '/') ||
	    strstr(name, ".partial-"))
		return drill_err(DRILL_EINPUT, "invalid backup name \"%s\"", name ? name : "");
	return 0;
}

static int hp_source_root(struct drill_vendor *v, const char *name, int i, char **path);

static char *backup_dir(struct drill_vendor *v, const char *name)
{
	return drill_xasprintf("%s/backups/%s", v->workspace, name);
}

/* The progress of a backup's (or a restore's) copy of every volume. */
static struct drill_progress *copy_progress(struct drill_vendor *v, const char *name, int restore)
{
	if (!drill_progress_on())
		return NULL; /* the paths are not even worked out */
	struct drill_platform *p = v->platform;
	int n = p->spec.replicas;
	char **roots = drill_xcalloc((size_t)n, sizeof(*roots));
	for (int i = 0; i < n; i++) {
		if (restore)
			hp_source_root(v, name, i, &roots[i]);
		else
			p->ops->volume_root(p, i, &roots[i]);
	}
	char *label = drill_xasprintf("%s %s (hostpath copy)", restore ? "restore" : "backup", name);
	struct drill_progress *pr = drill_progress_start_copy(label, (const char *const *)roots,
							      (size_t)n);
	free(label);
	for (int i = 0; i < n; i++)
		free(roots[i]);
	free(roots);
	return pr;
}

/* One replica's volume in a backup or a restore: the paths are made on the calling thread, the
 * copies run side by side (util/par.h), one volume per task; each task writes only its own. */
struct vol_copy {
	char *root;  /* the replica's volume root */
	char *claim;
	char *other; /* backup: where the volume's copy goes; restore: the backup's copy of it */
	uint64_t bytes, files;
};

struct vol_set {
	struct vol_copy *v;
	int n;
	const char *name;                /* the backup's */
	struct drill_progress *progress; /* of all the copies (thread-safe), or NULL */
	struct drill_trash *trash;       /* restore: where the volumes' old contents go */
	struct drill_fs_links *links;    /* backup: hard links met by all the copies */
};

static void vol_set_init(struct vol_set *s, struct drill_vendor *v, const char *name,
			 const char *dir)
{
	struct drill_platform *p = v->platform;
	s->n = p->spec.replicas;
	s->name = name;
	s->progress = NULL;
	s->trash = v->impl;
	s->links = NULL;
	s->v = drill_xcalloc((size_t)s->n, sizeof(*s->v));
	for (int i = 0; i < s->n; i++) {
		struct vol_copy *c = &s->v[i];
		p->ops->volume_root(p, i, &c->root);
		c->claim = drill_platform_claim_name(&p->spec, i);
		c->other = drill_xasprintf("%s/%s", dir, c->claim);
	}
}

static void vol_set_free(struct vol_set *s)
{
	for (int i = 0; i < s->n; i++) {
		free(s->v[i].root);
		free(s->v[i].claim);
		free(s->v[i].other);
	}
	free(s->v);
	drill_fs_links_free(s->links);
}

/* Side by side on every core, unless a copy hook watches the copies (a process fault acting at
 * the K-th entry, or between two volumes): then one after another, in replica order. */
static int copy_jobs(void)
{
	return drill_fs_copy_hook_set() ? 1 : 0;
}

/* A backup copies a running replica's volume alone, one after another: a copy of a live database
 * is torn by whatever compaction does while it runs (files gone, a MANIFEST naming files the
 * copy missed), so each volume's copy must take as little time as it can, and two copies sharing
 * the cores take longer each. The volumes of stopped replicas are copied side by side. */
static int backup_jobs(struct drill_vendor *v)
{
	struct drill_platform *p = v->platform;
	for (int i = 0; i < p->spec.replicas; i++)
		if (p->ops->replica_up && p->ops->replica_up(p, i))
			return 1;
	return copy_jobs();
}

static int backup_one(size_t i, void *arg)
{
	struct vol_set *s = arg;
	struct vol_copy *c = &s->v[i];
	if (!drill_fs_is_dir(c->root))
		return drill_err(DRILL_EFAIL, "backup %s: replica %zu has no volume at %s", s->name,
				 i, c->root);
	struct drill_copy_opts o = DRILL_COPY_LIVE;
	o.bytes_copied = &c->bytes;
	o.files_copied = &c->files;
	o.progress = s->progress;
	o.links = s->links;
	int rc = drill_fs_copy_tree(c->root, c->other, &o);
	if (rc)
		drill_err_wrap(rc, "backup %s of replica %zu", s->name, i);
	return rc;
}

static int hp_backup(struct drill_vendor *v, const char *name)
{
	int rc = valid_name(name);
	if (rc)
		return rc;
	char *base = drill_xasprintf("%s/backups", v->workspace);
	char *final = backup_dir(v, name);
	char *partial = drill_xasprintf("%s.partial-%d", final, (int)getpid());
	struct vol_set set;
	vol_set_init(&set, v, name, partial);
	v->bytes_copied = 0;
	json_decref(drill_vendor_take_shared(v, NULL));
	if (drill_fs_exists(final)) {
		rc = drill_err(DRILL_EINPUT, "backup %s already exists", name);
		goto out;
	}
	rc = drill_fs_mkdir_p(base, 0755);
	if (!rc)
		rc = drill_fs_remove_tree(partial);
	if (!rc)
		rc = drill_fs_mkdir_p(partial, 0755);
	if (!rc) {
		set.progress = copy_progress(v, name, 0);
		set.links = drill_fs_links_new();
		rc = drill_par_for((size_t)set.n, backup_jobs(v), backup_one, &set);
		drill_progress_finish(set.progress);
	}
	uint64_t total = 0, files = 0;
	json_t *claims = json_array();
	for (int i = 0; i < set.n && !rc; i++) {
		const struct vol_copy *c = &set.v[i];
		total += c->bytes;
		files += c->files;
		json_array_append_new(claims, json_pack("{s:s,s:s,s:I,s:I}", "claim", c->claim,
							"volume", c->root, "bytes", (json_int_t)c->bytes,
							"files", (json_int_t)c->files));
	}
	if (!rc) {
		json_t *m = json_pack("{s:s,s:s,s:o,s:I,s:I,s:o}", "name", name, "vendor",
				      "hostpath-copy", "claims", claims, "bytes", (json_int_t)total,
				      "files", (json_int_t)files, "sharedHardLinks",
				      drill_vendor_take_shared(v, set.links));
		char *text = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		char *mpath = drill_xasprintf("%s/backup.json", partial);
		rc = drill_fs_write_atomic(mpath, text, strlen(text));
		free(mpath);
		free(text);
		json_decref(m);
	} else {
		json_decref(claims);
	}
	if (!rc && rename(partial, final) != 0)
		rc = drill_err(DRILL_EFAIL, "%s: %s", final, strerror(errno));
	if (rc)
		drill_fs_remove_tree(partial);
	else
		v->bytes_copied = total;
out:
	vol_set_free(&set);
	free(base);
	free(final);
	free(partial);
	return rc;
}

/* rm -rf of the volume's contents, then cp -a of the backup's copy into it. The contents go to
 * the trash (util/trash.h): they are removed while the copies run, until finish_restore. */
static int restore_one(size_t i, void *arg)
{
	struct vol_set *s = arg;
	struct vol_copy *c = &s->v[i];
	int rc = drill_fs_mkdir_p(c->root, 0755);
	if (!rc)
		rc = drill_trash_contents(s->trash, c->root);
	if (!rc) {
		struct drill_copy_opts o = DRILL_COPY_ARCHIVE;
		o.bytes_copied = &c->bytes;
		o.progress = s->progress;
		rc = drill_fs_copy_contents(c->other, c->root, &o);
		if (rc)
			drill_err_wrap(rc, "restore %s of replica %zu", s->name, i);
	}
	return rc;
}

static int hp_restore(struct drill_vendor *v, const char *name)
{
	int rc = valid_name(name);
	if (rc)
		return rc;
	char *dir = backup_dir(v, name);
	v->bytes_copied = 0;
	if (!drill_fs_is_dir(dir)) {
		rc = drill_err(DRILL_ENOTFOUND, "no backup named %s", name);
		free(dir);
		return rc;
	}
	/* backup.json is written last, inside the partial directory: without it the copy is not a
	 * backup this vendor made whole, whatever its name says. */
	char *manifest = drill_xasprintf("%s/backup.json", dir);
	if (!drill_fs_exists(manifest))
		rc = drill_err(DRILL_EFAIL, "backup %s is incomplete: it has no backup.json", name);
	free(manifest);
	if (rc) {
		free(dir);
		return rc;
	}
	/* The previous restore's trash, if nobody finished it, is emptied first. */
	rc = drill_trash_close(v->impl);
	v->impl = NULL;
	if (!rc) {
		char *trash = drill_xasprintf("%s/trash", v->workspace);
		struct drill_trash *t = NULL;
		rc = drill_trash_open(&t, trash);
		v->impl = t;
		free(trash);
	}
	if (rc) {
		free(dir);
		return rc;
	}
	struct vol_set set;
	vol_set_init(&set, v, name, dir);
	/* Every copy is there before any volume is emptied. */
	for (int i = 0; i < set.n && !rc; i++)
		if (!drill_fs_is_dir(set.v[i].other))
			rc = drill_err(DRILL_ENOTFOUND, "backup %s holds no copy of %s", name,
				       set.v[i].claim);
	if (!rc) {
		set.progress = copy_progress(v, name, 1);
		rc = drill_par_for((size_t)set.n, copy_jobs(), restore_one, &set);
		drill_progress_finish(set.progress);
	}
	for (int i = 0; i < set.n; i++)
		v->bytes_copied += set.v[i].bytes;
	vol_set_free(&set);
	free(dir);
	return rc;
}

/* The restored copy the checkpoint is taken from: the backup itself, which the restore copied
 * back bit for bit (the volume's own copy is about to be emptied by the runbook's rm -rf). */
static int hp_source_root(struct drill_vendor *v, const char *name, int i, char **path)
{
	int rc = valid_name(name);
	if (rc)
		return rc;
	char *claim = drill_platform_claim_name(&v->platform->spec, i);
	*path = drill_xasprintf("%s/backups/%s/%s", v->workspace, name, claim);
	free(claim);
	return 0;
}

static int hp_remove(struct drill_vendor *v, const char *name)
{
	int rc = valid_name(name);
	if (rc)
		return rc;
	char *dir = backup_dir(v, name);
	rc = drill_fs_remove_tree(dir);
	free(dir);
	return rc;
}

/* The restore's old volume contents are removed: wait for the trash to be empty. */
static int hp_finish_restore(struct drill_vendor *v, const char *name)
{
	(void)name;
	int rc = drill_trash_close(v->impl);
	v->impl = NULL;
	return rc;
}

static void hp_destroy(struct drill_vendor *v)
{
	/* a restore that failed before finish_restore: its trash is still being emptied */
	if (drill_trash_close(v->impl))
		drill_log_warn("%s", drill_err_last());
	v->impl = NULL;
}

static const struct drill_vendor_ops hostpath_ops = {
	.name = "hostpath-copy",
	.backup = hp_backup,
	.restore = hp_restore,
	.source_root = hp_source_root,
	.remove = hp_remove,
	.finish_restore = hp_finish_restore,
	.restores_in_place = 1,
	.destroy = hp_destroy,
};

int drill_vendor_hostpath_open(struct drill_vendor *v)
{
	v->ops = &hostpath_ops;
	return 0;
}
