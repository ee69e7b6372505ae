/* faults/escape.c — links out of a replica's volume. `symlink-escape`: the checkpoints of one replica, in a backup (`backup: NAME`)
 * or on its live volume (carried into the next backup by the vendor's copy, which keeps links as
 * links), are planted with a symbolic link that points outside the volume (by default at
 * /etc/passwd). The runbook's
 * `cp -r -L -p` would follow it and copy that file into the replica's rocksdbdata; chaindrill's
 * copy-checkpoint refuses the link by name and target (util/fs.h: drill_copy_opts.confine), so the
 * restore fails before anything outside the volume is read. `hardlink-escape`: a file outside the
 * volumes (in the workspace, on the same filesystem) is hard-linked into the replica's live
 * checkpoints; a hard link is the file itself, so the backup copies it, and reports it by its link
 * count (util/fs.h: drill_fs_links_shared). See docs/containment.md. */
#include "faults/kinds.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ESCAPE_NAME "999999.sst" /* a name RocksDB's own files could have */
#define ESCAPE_DEFAULT_TARGET "/etc/passwd"
#define HARD_NAME "999998.sst"

static const char *const keys[] = {"replica", "backup", "target", NULL};

static int check_escape(const struct drill_step *st, const struct drill_scenario *sc)
{
	int rc = drill_fault_check_keys(st, sc, keys);
	if (rc)
		return rc;
	const struct drill_param *p = drill_step_param(st, "replica");
	rc = drill_fault_param_replica(p, st, sc);
	if (rc)
		return rc;
	p = drill_step_param(st, "target");
	if (p && drill_fault_param_str(p, sc, "the path the link points to"))
		return DRILL_EINPUT;
	if (p && !p->value[0])
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.target: expected the path the link "
				 "points to", sc->path, p->line, p->col);
	return 0;
}

/* Plant a link to `target` in every checkpoint directory under dir: a symbolic link named
 * ESCAPE_NAME, or with `hard` a hard link named HARD_NAME. Records each link in `links`. */
static int plant(const char *dir, const char *target, int hard, json_t *links)
{
	const char *kind = hard ? "hardlink-escape" : "symlink-escape";
	DIR *d = opendir(dir);
	if (!d)
		return drill_err(DRILL_EFAIL, "%s: %s: %s", kind, dir, strerror(errno));
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue; /* checkpoints are named by their id */
		char *path = drill_xasprintf("%s/%s/%s", dir, e->d_name,
					     hard ? HARD_NAME : ESCAPE_NAME);
		if ((hard ? link(target, path) : symlink(target, path)) != 0)
			rc = drill_err(DRILL_EFAIL, "%s: %s: %s", kind, path, strerror(errno));
		else
			json_array_append_new(links, json_string(path));
		free(path);
	}
	closedir(d);
	if (!rc && json_array_size(links) == 0)
		rc = drill_err(DRILL_EFAIL, "%s: %s holds no checkpoint", kind, dir);
	return rc;
}

static int inject_escape(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	int i = atoi(drill_step_param(st, "replica")->value);
	const struct drill_param *b = drill_step_param(st, "backup");
	const struct drill_param *t = drill_step_param(st, "target");
	const char *target = t ? t->value : ESCAPE_DEFAULT_TARGET;
	char *db = NULL; /* rocksdbdata, of the backup's copy or of the live volume */
	int rc = drill_fault_target_dir(&db, ctx, st);
	if (rc)
		return rc;
	char *dir = drill_xasprintf("%s/checkpoints", db);
	json_t *links = json_array();
	rc = plant(dir, target, 0, links);
	json_object_set_new(ctx->details, "replica", json_integer(i));
	json_object_set_new(ctx->details, "backup", b ? json_string(b->value) : json_null());
	json_object_set_new(ctx->details, "target", json_string(target));
	json_object_set_new(ctx->details, "links", links);
	free(db);
	free(dir);
	return rc;
}

const struct drill_fault_kind drill_fault_symlink_escape = {
	"symlink-escape", "replica=I [backup=NAME] [target=PATH]",
	"plant a symbolic link pointing outside the volume in a replica's checkpoints", check_escape,
	inject_escape};

static const char *const hard_keys[] = {"replica", NULL};

static int check_hard(const struct drill_step *st, const struct drill_scenario *sc)
{
	int rc = drill_fault_check_keys(st, sc, hard_keys);
	if (!rc)
		rc = drill_fault_param_replica(drill_step_param(st, "replica"), st, sc);
	return rc;
}

static int inject_hard(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	int i = atoi(drill_step_param(st, "replica")->value);
	char *db = NULL;
	int rc = drill_fault_target_dir(&db, ctx, st);
	if (rc)
		return rc;
	char *outside = drill_xasprintf("%s/hardlink-escape-%d.dat", ctx->workspace, i);
	char *dir = drill_xasprintf("%s/checkpoints", db);
	json_t *links = json_array();
	static const char text[] = "outside the replica's volume\n";
	int fd = open(outside, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || drill_fs_write_all(fd, text, sizeof(text) - 1) != 0)
		rc = drill_err(DRILL_EFAIL, "hardlink-escape: %s: %s", outside, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (!rc)
		rc = plant(dir, outside, 1, links);
	json_object_set_new(ctx->details, "replica", json_integer(i));
	json_object_set_new(ctx->details, "outside", json_string(outside));
	json_object_set_new(ctx->details, "links", links);
	free(outside);
	free(dir);
	free(db);
	return rc;
}

const struct drill_fault_kind drill_fault_hardlink_escape = {
	"hardlink-escape", "replica=I",
	"hard-link a file from outside the volumes into a replica's live checkpoints", check_hard,
	inject_hard};
