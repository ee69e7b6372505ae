/* faults/corrupt.c — storage corruption: what bit rot, torn writes and lost files do to a
 * replica's RocksDB directory, on a live volume, in a backup, or in one checkpoint.
 *
 * Parameters (all kinds): replica=I (required); target=live|backup (default live); backup=NAME
 * (with target=backup); checkpoint=ID narrows the target to rocksdbdata/checkpoints/ID;
 * pick=first|last|random chooses among candidate files (default random); seed=N overrides the
 * drill's. The SST kinds also take cf=blocks|state|default|any, the column family whose table is
 * hit (bitflip-sst and zero-range: blocks, the chain data verification reads; truncate-sst: any);
 * the family is read from the table's properties (faults/sst.h). A checkpoint's files are hard links to the live database's; corrupting "one
 * checkpoint" first gives the chosen file an inode of its own, so only that checkpoint is hit. On
 * a live volume the shared inode is corrupted in place, as a failing disk would do it. */
#include "faults/kinds.h"

#include "faults/sst.h"

#include "chain/workload.h"
#include "util/beneath.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/yscalar.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const common_keys[] = {"replica", "target", "backup", "checkpoint", "pick",
					  "seed", NULL};

/* --- Parameters ------------------------------------------------------------------------------ */

static int check_common(const struct drill_step *st, const struct drill_scenario *sc,
			const char *const *extra)
{
	for (size_t i = 0; i < st->n_params; i++) {
		const struct drill_param *p = &st->params[i];
		int known = 0;
		for (const char *const *k = common_keys; *k && !known; k++)
			known = !strcmp(*k, p->key);
		for (const char *const *k = extra; k && *k && !known; k++)
			known = !strcmp(*k, p->key);
		if (!known)
			return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.%s: unknown parameter for %s",
					 sc->path, p->line, p->col, p->key, st->fault_kind);
	}
	uint64_t v;
	char got[96];
	const struct drill_param *p = drill_step_param(st, "replica");
	if (!p)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault: %s needs `replica`", sc->path,
				 st->line, st->col, st->fault_kind);
	if (drill_fault_param_u64(&v, p, sc) || v >= (uint64_t)sc->replicas)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.replica: must be 0..%d, got %s",
				 sc->path, p->line, p->col, sc->replicas - 1,
				 drill_fault_param_got(p, got, sizeof(got)));
	p = drill_step_param(st, "target");
	if (p && strcmp(p->value, "live") && strcmp(p->value, "backup"))
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.target: must be live or backup, got "
				 "'%s'", sc->path, p->line, p->col, p->value);
	int want_backup = p && !strcmp(p->value, "backup");
	const struct drill_param *b = drill_step_param(st, "backup");
	if (want_backup != (b != NULL))
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault: `backup: NAME` goes with (and only "
				 "with) `target: backup`", sc->path, st->line, st->col);
	p = drill_step_param(st, "pick");
	if (p && strcmp(p->value, "first") && strcmp(p->value, "last") && strcmp(p->value, "random"))
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.pick: must be first, last or random",
				 sc->path, p->line, p->col);
	p = drill_step_param(st, "cf");
	if (p && strcmp(p->value, "blocks") && strcmp(p->value, "state") &&
	    strcmp(p->value, "default") && strcmp(p->value, "any"))
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.cf: must be blocks, state, default or "
				 "any, got '%s'", sc->path, p->line, p->col, p->value);
	static const char *const numeric[] = {"checkpoint", "seed", "offset", "length", NULL};
	for (const char *const *k = numeric; *k; k++) {
		p = drill_step_param(st, *k);
		if (p && drill_fault_param_u64(&v, p, sc))
			return DRILL_EINPUT;
	}
	return 0;
}

const char *drill_fault_param_got(const struct drill_param *p, char *buf, size_t size)
{
	snprintf(buf, size, p->plain ? "'%.60s'" : "string \"%.60s\"", p->value);
	return buf;
}

int drill_fault_param_u64(uint64_t *out, const struct drill_param *p,
			  const struct drill_scenario *sc)
{
	char *end, got[96];
	errno = 0;
	if (!p->plain || !p->value[0] || p->value[0] == '-')
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.%s: expected a non-negative integer, "
				 "got %s", sc->path, p->line, p->col, p->key,
				 drill_fault_param_got(p, got, sizeof(got)));
	unsigned long long v = strtoull(p->value, &end, 10);
	if (errno || *end)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.%s: expected a non-negative integer, "
				 "got '%s'", sc->path, p->line, p->col, p->key, p->value);
	*out = v;
	return 0;
}

int drill_fault_param_replica(const struct drill_param *p, const struct drill_step *st,
			      const struct drill_scenario *sc)
{
	uint64_t v = 0; /* gcc -O3 cannot see that a failed parse never reads it */
	char got[96];
	if (!p)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault: %s needs `replica` 0..%d", sc->path,
				 st->line, st->col, st->fault_kind, sc->replicas - 1);
	if (drill_fault_param_u64(&v, p, sc) || v >= (uint64_t)sc->replicas)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.replica: expected a replica index in "
				 "0..%d, got %s", sc->path, p->line, p->col, sc->replicas - 1,
				 drill_fault_param_got(p, got, sizeof(got)));
	return 0;
}

int drill_fault_param_str(const struct drill_param *p, const struct drill_scenario *sc,
			  const char *what)
{
	const char *other = p->plain ? drill_yaml_plain_type(p->value) : NULL;
	if (other)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.%s: expected %s, got %.60s, which YAML "
				 "reads as %s (quote it: \"%.60s\")", sc->path, p->line, p->col,
				 p->key, what, p->value, other, p->value);
	return 0;
}

static uint64_t param_u64(const struct drill_step *st, const char *key, uint64_t dflt)
{
	const struct drill_param *p = drill_step_param(st, key);
	return p ? strtoull(p->value, NULL, 10) : dflt;
}

/* The directory the fault acts on (malloc'd). */
int drill_fault_target_dir(char **out, struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	int i = (int)param_u64(st, "replica", 0);
	const struct drill_param *b = drill_step_param(st, "backup");
	char *root = NULL;
	int rc = b ? ctx->vendor->ops->source_root(ctx->vendor, b->value, i, &root)
		   : ctx->platform->ops->volume_root(ctx->platform, i, &root);
	if (rc)
		return rc;
	char *sub = drill_platform_data_subpath(&ctx->platform->spec, i);
	const struct drill_param *c = drill_step_param(st, "checkpoint");
	*out = c ? drill_xasprintf("%s/%s/checkpoints/%s", root, sub, c->value)
		 : drill_xasprintf("%s/%s", root, sub);
	free(root);
	free(sub);
	if (!drill_fs_is_dir(*out)) {
		rc = drill_err(DRILL_EFAIL, "%s: no such directory to corrupt", *out);
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* --- Choosing a file ------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file the caller accepts as a candidate (1) or not (0). */
typedef int (*accept_fn)(const char *path, void *arg);

/* Pick one regular file of `dir` (not descending into checkpoints/) whose name matches `glob`
 * and that `accept` (may be NULL) accepts. Names are sorted so that first/last/random are
 * reproducible. */
static int pick_file_where(char **out, struct drill_fault_ctx *ctx, const struct drill_step *st,
			   const char *dir, const char *glob, accept_fn accept, void *arg)
{
	DIR *dh = opendir(dir);
	if (!dh)
		return drill_err(DRILL_EFAIL, "%s: %s", dir, strerror(errno));
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(dh))) {
		if (fnmatch(glob, e->d_name, 0) != 0)
			continue;
		char *p = drill_xasprintf("%s/%s", dir, e->d_name);
		struct stat sb;
		int ok = lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) && (!accept || accept(p, arg));
		free(p);
		if (!ok)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			names = drill_xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = drill_xstrdup(e->d_name);
	}
	closedir(dh);
	int rc = 0;
	if (n == 0) {
		rc = drill_err(DRILL_EFAIL, "%s: no file matching %s%s%s to corrupt", dir, glob,
			       accept ? " in column family " : "", accept ? (const char *)arg : "");
	} else {
		qsort(names, n, sizeof(*names), cmp_str);
		const struct drill_param *pick = drill_step_param(st, "pick");
		size_t k;
		if (pick && !strcmp(pick->value, "first"))
			k = 0;
		else if (pick && !strcmp(pick->value, "last"))
			k = n - 1;
		else {
			struct drill_rng rng;
			drill_rng_seed(&rng, ctx->seed ^ 0x9e3779b97f4a7c15u);
			k = (size_t)drill_rng_below(&rng, n);
		}
		*out = drill_xasprintf("%s/%s", dir, names[k]);
	}
	for (size_t k = 0; k < n; k++)
		free(names[k]);
	free(names);
	return rc;
}

int drill_fault_pick_file(char **out, struct drill_fault_ctx *ctx, const struct drill_step *st,
			  const char *dir, const char *glob)
{
	return pick_file_where(out, ctx, st, dir, glob, NULL, NULL);
}

/* An SST holding the column family `arg` names. A table whose properties cannot be read is not
 * a candidate: the fault is meant for a healthy table of that family. */
static int sst_of_cf(const char *path, void *arg)
{
	struct drill_sst_layout l;
	if (drill_sst_layout(&l, path) != 0) {
		drill_err_clear();
		return 0;
	}
	return !strcmp(l.column_family, (const char *)arg);
}

/* Give `path` an inode of its own (copy, then rename over), so that changing it does not change
 * the files hard-linked to it. */
static int unshare(const char *path, int *did)
{
	struct stat sb;
	*did = 0;
	if (stat(path, &sb) != 0)
		return drill_err(DRILL_EFAIL, "%s: %s", path, strerror(errno));
	if (sb.st_nlink <= 1)
		return 0;
	char *tmp = drill_xasprintf("%s.unshare", path);
	char *data = NULL;
	size_t len = 0;
	int rc = drill_fs_read_file(&data, &len, path, (size_t)sb.st_size + 1);
	int fd = rc ? -1 : drill_beneath_open_path(tmp, O_WRONLY | O_CREAT | O_TRUNC, sb.st_mode & 07777);
	if (!rc && fd < 0)
		rc = fd;
	else if (!rc && (write(fd, data, len) != (ssize_t)len || fsync(fd) != 0 ||
			 rename(tmp, path) != 0))
		rc = drill_err(DRILL_EFAIL, "%s: cannot unshare: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (rc)
		drill_fs_remove_tree(tmp);
	else
		*did = 1;
	free(data);
	free(tmp);
	return rc;
}

/* `path` under `dir` (spelt alike), the rest of it; else NULL. */
static const char *under(const char *path, const char *dir)
{
	size_t n = dir ? strlen(dir) : 0;
	return n && strncmp(path, dir, n) == 0 && path[n] == '/' ? path + n + 1 : NULL;
}

/* The file a fault hit, relative to the workspace (docs/reports.md). The volumes' paths are
 * absolute even when the workspace was given relative (`--workspace ws`), so the workspace's own
 * absolute path is tried as well. */
static void record_file(struct drill_fault_ctx *ctx, const char *path)
{
	const char *rel = under(path, ctx->workspace);
	char *abs = rel ? NULL : realpath(ctx->workspace, NULL);
	if (!rel)
		rel = under(path, abs);
	json_object_set_new(ctx->details, "file", json_string(rel ? rel : path));
	free(abs);
}

/* --- The kinds -------------------------------------------------------------------------------- */

/* Open the chosen file for modification: resolve target, pick, unshare when inside a
 * checkpoint. */
static int choose(char **file, struct stat *sb, struct drill_fault_ctx *ctx,
		  const struct drill_step *st, const char *glob, const char *default_cf)
{
	char *dir = NULL;
	const struct drill_param *cfp = drill_step_param(st, "cf");
	const char *cf = cfp ? cfp->value : default_cf;
	int any = !strcmp(cf, "any");
	int rc = drill_fault_target_dir(&dir, ctx, st);
	if (!rc)
		rc = pick_file_where(file, ctx, st, dir, glob, any ? NULL : sst_of_cf, (void *)cf);
	free(dir);
	if (rc)
		return rc;
	int did = 0;
	if (drill_step_param(st, "checkpoint"))
		rc = unshare(*file, &did);
	if (!rc && stat(*file, sb) != 0)
		rc = drill_err(DRILL_EFAIL, "%s: %s", *file, strerror(errno));
	json_object_set_new(ctx->details, "unshared", json_boolean(did));
	record_file(ctx, *file);
	if (rc) {
		free(*file);
		*file = NULL;
	}
	return rc;
}

static int write_at(const char *file, const void *buf, size_t len, uint64_t off)
{
	int fd = drill_beneath_open_path(file, O_WRONLY, 0);
	int rc = fd < 0 ? fd : 0;
	if (fd >= 0 && (pwrite(fd, buf, len, (off_t)off) != (ssize_t)len || fsync(fd) != 0))
		rc = drill_err(DRILL_EFAIL, "%s: %s", file, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

static int check_bitflip(const struct drill_step *st, const struct drill_scenario *sc)
{
	static const char *const extra[] = {"cf", "offset", NULL};
	return check_common(st, sc, extra);
}

/* Where the SST's data blocks end, read from its footer and metaindex. A table whose layout
 * cannot be read (already damaged, another format) falls back to its first half, where the data
 * blocks of any table of a useful size are. */
static uint64_t data_end(struct drill_fault_ctx *ctx, const char *file, uint64_t size)
{
	struct drill_sst_layout l;
	if (drill_sst_layout(&l, file) != 0) {
		json_object_set_new(ctx->details, "layout", json_string(drill_err_last()));
		drill_err_clear();
		return size / 2;
	}
	json_object_set_new(ctx->details, "dataEnd", json_integer((json_int_t)l.data_end));
	return l.data_end;
}

/* One bit flipped inside the data blocks of an SST, unless `offset` says where. */
static int inject_bitflip(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	char *file = NULL;
	struct stat sb;
	int rc = choose(&file, &sb, ctx, st, "*.sst", "blocks");
	if (rc)
		return rc;
	struct drill_rng rng;
	drill_rng_seed(&rng, ctx->seed);
	uint64_t region = drill_step_param(st, "offset") ? 0 : data_end(ctx, file, (uint64_t)sb.st_size);
	uint64_t off = param_u64(st, "offset", region ? drill_rng_below(&rng, region) : 0);
	unsigned bit = (unsigned)drill_rng_below(&rng, 8);
	if (off >= (uint64_t)sb.st_size) {
		rc = drill_err(DRILL_EINPUT, "fault bitflip-sst: offset %" PRIu64 " is beyond the "
			       "%jd bytes of %s", off, (intmax_t)sb.st_size, file);
		goto cleanup;
	}
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	uint8_t byte = 0;
	if (fd < 0 || pread(fd, &byte, 1, (off_t)off) != 1) {
		rc = drill_err(DRILL_EFAIL, "%s: %s", file, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto cleanup;
	}
	close(fd);
	byte ^= (uint8_t)(1u << bit);
	rc = write_at(file, &byte, 1, off);
	json_object_set_new(ctx->details, "offset", json_integer((json_int_t)off));
	json_object_set_new(ctx->details, "bit", json_integer(bit));
cleanup:
	free(file);
	return rc;
}

static int check_truncate(const struct drill_step *st, const struct drill_scenario *sc)
{
	static const char *const extra[] = {"cf", "length", NULL};
	return check_common(st, sc, extra);
}

/* An SST cut short (to `length` bytes, default half). */
static int inject_truncate(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	char *file = NULL;
	struct stat sb;
	int rc = choose(&file, &sb, ctx, st, "*.sst", "any");
	if (rc)
		return rc;
	uint64_t len = param_u64(st, "length", (uint64_t)sb.st_size / 2);
	if (len >= (uint64_t)sb.st_size)
		rc = drill_err(DRILL_EINPUT, "fault truncate-sst: length %" PRIu64 " does not cut "
			       "the %jd bytes of %s", len, (intmax_t)sb.st_size, file);
	else {
		int fd = drill_beneath_open_path(file, O_WRONLY, 0);
		if (fd < 0)
			rc = fd;
		else if (ftruncate(fd, (off_t)len) != 0)
			rc = drill_err(DRILL_EFAIL, "%s: %s", file, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	json_object_set_new(ctx->details, "sizeBefore", json_integer((json_int_t)sb.st_size));
	json_object_set_new(ctx->details, "sizeAfter", json_integer((json_int_t)len));
	free(file);
	return rc;
}

static int check_delete(const struct drill_step *st, const struct drill_scenario *sc)
{
	static const char *const extra[] = {"file", NULL};
	int rc = check_common(st, sc, extra);
	if (rc)
		return rc;
	const struct drill_param *p = drill_step_param(st, "file");
	static const char *const kinds[] = {"sst", "manifest", "current", "options", NULL};
	for (const char *const *k = kinds; p && *k; k++)
		if (!strcmp(*k, p->value))
			return 0;
	if (!p)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: fault: delete-file needs `file: sst | "
				 "manifest | current | options`", sc->path, st->line, st->col);
	return drill_err(DRILL_EINPUT, "%s:%d:%d: fault.file: must be sst, manifest, current or "
			 "options, got '%s'", sc->path, p->line, p->col, p->value);
}

/* A file RocksDB needs, gone: an SST, the MANIFEST, CURRENT or the OPTIONS file. */
static int inject_delete(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	const char *kind = drill_step_param(st, "file")->value;
	const char *glob = !strcmp(kind, "sst") ? "*.sst" : !strcmp(kind, "manifest") ? "MANIFEST-*"
			   : !strcmp(kind, "current") ? "CURRENT" : "OPTIONS-*";
	char *dir = NULL, *file = NULL;
	int rc = drill_fault_target_dir(&dir, ctx, st);
	if (!rc)
		rc = drill_fault_pick_file(&file, ctx, st, dir, glob);
	if (!rc)
		rc = drill_fs_remove_tree(file);
	if (file)
		record_file(ctx, file);
	free(dir);
	free(file);
	return rc;
}

static int check_zero(const struct drill_step *st, const struct drill_scenario *sc)
{
	static const char *const extra[] = {"cf", "offset", "length", NULL};
	return check_common(st, sc, extra);
}

/* A torn write: `length` bytes (default 4096) of an SST replaced by zeros, at a 4 KiB-aligned
 * offset inside its data blocks unless `offset` says where. Without `offset` the range stays
 * inside the data blocks (shortened if they are smaller than it): a torn page of the index or
 * footer makes the table unopenable, which is what truncate-sst and delete-file model. */
static int inject_zero(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	char *file = NULL;
	struct stat sb;
	int rc = choose(&file, &sb, ctx, st, "*.sst", "blocks");
	if (rc)
		return rc;
	struct drill_rng rng;
	drill_rng_seed(&rng, ctx->seed);
	uint64_t size = (uint64_t)sb.st_size;
	int placed = drill_step_param(st, "offset") != NULL;
	uint64_t end = placed ? size : data_end(ctx, file, size);
	uint64_t pages = end / 4096;
	uint64_t off = param_u64(st, "offset", pages > 0 ? drill_rng_below(&rng, pages) * 4096 : 0);
	uint64_t len = param_u64(st, "length", 4096);
	if (!placed && len > end - off)
		len = end - off;
	if (!placed && len == 0) {
		rc = drill_err(DRILL_EFAIL, "fault zero-range: %s has no data blocks to tear", file);
		goto cleanup;
	}
	if (off >= size) {
		rc = drill_err(DRILL_EINPUT, "fault zero-range: offset %" PRIu64 " is beyond the %"
			       PRIu64 " bytes of %s", off, size, file);
		goto cleanup;
	}
	if (len > size - off)
		len = size - off;
	uint8_t *zeros = drill_xcalloc(1, len);
	rc = write_at(file, zeros, len, off);
	free(zeros);
	json_object_set_new(ctx->details, "offset", json_integer((json_int_t)off));
	json_object_set_new(ctx->details, "length", json_integer((json_int_t)len));
cleanup:
	free(file);
	return rc;
}

static int check_wal(const struct drill_step *st, const struct drill_scenario *sc)
{
	static const char *const extra[] = {"length", NULL};
	return check_common(st, sc, extra);
}

/* Garbage appended to the write-ahead log (the newest *.log): what a crash in the middle of an
 * append can leave. */
static int inject_wal(struct drill_fault_ctx *ctx, const struct drill_step *st)
{
	char *dir = NULL, *file = NULL;
	int rc = drill_fault_target_dir(&dir, ctx, st);
	if (rc)
		return rc;
	struct drill_step last = *st;
	struct drill_param pick = {"pick", "last", 0, 0, 1};
	/* the newest WAL, whatever `pick` says: a crash tears the log being written */
	last.params = &pick;
	last.n_params = 1;
	rc = drill_fault_pick_file(&file, ctx, &last, dir, "*.log");
	free(dir);
	if (rc)
		return rc;
	uint64_t len = param_u64(st, "length", 64);
	if (len == 0 || len > (1u << 20))
		len = 64;
	uint8_t *junk = drill_xmalloc(len);
	struct drill_rng rng;
	drill_rng_seed(&rng, ctx->seed);
	for (uint64_t k = 0; k < len; k++)
		junk[k] = (uint8_t)drill_rng_next(&rng);
	int fd = drill_beneath_open_path(file, O_WRONLY | O_APPEND, 0);
	if (fd < 0)
		rc = fd;
	else if (write(fd, junk, len) != (ssize_t)len || fsync(fd) != 0)
		rc = drill_err(DRILL_EFAIL, "%s: %s", file, strerror(errno));
	if (fd >= 0)
		close(fd);
	record_file(ctx, file);
	json_object_set_new(ctx->details, "length", json_integer((json_int_t)len));
	free(junk);
	free(file);
	return rc;
}

#define COMMON "replica=I [target=live|backup backup=NAME] [checkpoint=ID] [pick=first|last|random]"

const struct drill_fault_kind drill_fault_bitflip_sst = {
	"bitflip-sst", COMMON " [cf=blocks] [offset=N]", "flip one bit inside an SST's data blocks",
	check_bitflip, inject_bitflip};
const struct drill_fault_kind drill_fault_truncate_sst = {
	"truncate-sst", COMMON " [cf=any] [length=N]", "cut an SST short (default: to half its size)",
	check_truncate, inject_truncate};
const struct drill_fault_kind drill_fault_delete_file = {
	"delete-file", COMMON " file=sst|manifest|current|options",
	"delete a file RocksDB needs", check_delete, inject_delete};
const struct drill_fault_kind drill_fault_zero_range = {
	"zero-range", COMMON " [cf=blocks] [offset=N] [length=N]",
	"torn write: zero a 4 KiB range of an SST's data blocks", check_zero, inject_zero};
const struct drill_fault_kind drill_fault_wal_garbage = {
	"wal-garbage", COMMON " [length=N]", "append garbage to the newest write-ahead log",
	check_wal, inject_wal};
