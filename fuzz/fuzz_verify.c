/* fuzz/fuzz_verify.c — `chaindrill verify` on damaged databases. A seed replica database (a chain
 * of SEED_BLOCKS blocks with checkpoints, built once with tests/chainfix.h) is copied for every
 * input, and the input is read as a list of damages done to the copy's files:
 *
 *   file u8 (index into the seed's files, sorted) | op u8 | offset u16 BE | n u8 | n bytes
 *
 * op % 4: 0 overwrite n bytes at offset (mod size+1; may extend the file), 1 truncate to offset
 * (mod size+1), 2 delete the file, 3 overwrite n bytes at offset counted from the end.
 * The verifier then runs on the copy (replica and checkpoints), each database read in a child
 * process as chaindrill does (drill_verify_replica_isolated): a child that dies on damaged data
 * (RocksDB's assertions) is a corrupt replica, not a failure here. It must not crash, must classify
 * (status ok/corrupt/missing with a reason, a verdict), must not report a sanitizer's finding in
 * a child as a reason (that is a bug of ours, found in the child), and must not write: the tree is
 * hashed before and after, and any difference aborts. When the child lived, the replica is
 * verified again in this process, where libFuzzer sees the coverage, and both results must be
 * the same (the child's result survives its trip through the pipe). */
#define _XOPEN_SOURCE 700
#include "fuzz_util.h"

#include "chainfix.h"
#include "chain/verify.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/forksrv.h"
#include "util/fs.h"

#include <fcntl.h>
#include <stdint.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEED_BLOCKS 12

static char *seed_dir, *work_dir, *work_db;
static char **files; /* relative to the database directory, sorted */
static size_t n_files;

/* --- listing and hashing a tree --------------------------------------------------------------- */

static const char *walk_root;
static char **walk_out;
static size_t walk_n;
static int walk_hash; /* entries carry their type, size and content hash */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void file_hex(char hex[2 * DRILL_HASH_LEN + 1], const char *path)
{
	char *data = NULL;
	size_t len = 0;
	uint8_t h[DRILL_HASH_LEN];
	memset(h, 0, sizeof h);
	if (drill_fs_read_file(&data, &len, path, (size_t)256 << 20) == 0)
		drill_sha256(h, data, len);
	free(data);
	for (size_t i = 0; i < DRILL_HASH_LEN; i++)
		sprintf(hex + 2 * i, "%02x", h[i]);
}

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *rel = path + strlen(walk_root);
	if (!walk_hash && type != FTW_F)
		return 0;
	char hex[2 * DRILL_HASH_LEN + 1] = "";
	if (walk_hash && type == FTW_F)
		file_hex(hex, path);
	walk_out = drill_xrealloc(walk_out, (walk_n + 1) * sizeof *walk_out);
	walk_out[walk_n++] = walk_hash ? drill_xasprintf("%s %o %lld %s", rel, st->st_mode,
							 (long long)st->st_size, hex)
				       : drill_xstrdup(*rel == '/' ? rel + 1 : rel);
	return 0;
}

/* The entries under root, sorted: names of regular files, or one line per entry with its hash. */
static char **walk(const char *root, int hash, size_t *n)
{
	walk_root = root;
	walk_out = NULL;
	walk_n = 0;
	walk_hash = hash;
	if (nftw(root, walk_one, 16, FTW_PHYS) != 0) {
		perror(root);
		abort();
	}
	qsort(walk_out, walk_n, sizeof *walk_out, cmp_str);
	*n = walk_n;
	return walk_out;
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static void tree_hash(uint8_t out[DRILL_HASH_LEN], const char *root)
{
	size_t n;
	char **l = walk(root, 1, &n);
	struct drill_buf b;
	drill_buf_init(&b, SIZE_MAX);
	for (size_t i = 0; i < n; i++)
		drill_buf_append(&b, l[i], strlen(l[i]) + 1);
	drill_sha256(out, b.data, b.len);
	drill_buf_free(&b);
	free_list(l, n);
}

/* --- setup ------------------------------------------------------------------------------------ */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* before the seed database starts RocksDB's threads: readers are forked from the fork
	 * server, as chaindrill forks them (util/forksrv.h) */
	if (drill_forksrv_start() != 0) {
		fprintf(stderr, "fuzz_verify: %s\n", drill_err_last());
		abort();
	}
	const char *dir = fuzz_dir();
	seed_dir = drill_xasprintf("%s/seed/rocksdbdata", dir);
	work_dir = drill_xasprintf("%s/work", dir);
	work_db = drill_xasprintf("%s/work/rocksdbdata", dir);
	struct drill_fix_chain c = {.seed = 7, .blocks = SEED_BLOCKS, .replica_id = 0,
				    .ckpt_every = 5, .w = DRILL_FIX_WORKLOAD};
	if (drill_fs_mkdir_p(seed_dir, 0755) != 0 || rmdir(seed_dir) != 0 ||
	    drill_fix_build(seed_dir, &c) != 0) {
		fprintf(stderr, "fuzz_verify: building the seed database: %s\n", drill_err_last());
		abort();
	}
	files = walk(seed_dir, 0, &n_files);
	return 0;
}

/* --- one input -------------------------------------------------------------------------------- */

static void damage(const uint8_t *data, size_t size)
{
	size_t pos = 0;
	while (size - pos >= 5) {
		const char *rel = files[data[pos] % n_files];
		int op = data[pos + 1] % 4;
		size_t off = (size_t)data[pos + 2] << 8 | data[pos + 3];
		size_t n = data[pos + 4];
		pos += 5;
		if (n > size - pos)
			n = size - pos;
		char *path = drill_xasprintf("%s/%s", work_db, rel);
		struct stat st;
		if (stat(path, &st) == 0) {
			size_t fsize = (size_t)st.st_size;
			if (op == 2) {
				unlink(path);
			} else {
				int fd = open(path, O_WRONLY);
				if (fd >= 0) {
					if (op == 1)
						(void)!ftruncate(fd, (off_t)(off % (fsize + 1)));
					else if (op == 0)
						(void)!pwrite(fd, data + pos, n, (off_t)(off % (fsize + 1)));
					else
						(void)!pwrite(fd, data + pos, n,
							      (off_t)(fsize - off % (fsize + 1)));
					close(fd);
				}
			}
		}
		free(path);
		pos += op == 0 || op == 3 ? n : 0;
	}
}

/* A sanitizer's report in a child ends up in the reason: that is our bug, not damage. */
static void check_reason(const char *error)
{
	if (error && (strstr(error, "Sanitizer") || strstr(error, "runtime error:"))) {
		fprintf(stderr, "fuzz_verify: a reader found a bug of ours: %s\n", error);
		abort();
	}
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The isolated result x against the in-process one. */
static void check_same(const struct drill_replica_result *x, const struct drill_replica_result *y)
{
	if (x->status != y->status || x->last_block != y->last_block ||
	    x->has_digest != y->has_digest || memcmp(x->digest, y->digest, DRILL_HASH_LEN) ||
	    memcmp(x->state_root, y->state_root, DRILL_HASH_LEN) || x->error_block != y->error_block ||
	    x->expected_id != y->expected_id || x->replica_id != y->replica_id ||
	    x->blocks_checked != y->blocks_checked || x->bytes_checked != y->bytes_checked ||
	    !same_str(x->path, y->path) || !same_str(x->db_path, y->db_path) ||
	    !same_str(x->error, y->error)) {
		fprintf(stderr, "fuzz_verify: the child's result differs from this process's: %s "
			"(%s) vs %s (%s)\n", drill_replica_status_name(x->status),
			x->error ? x->error : "", drill_replica_status_name(y->status),
			y->error ? y->error : "");
		abort();
	}
}

static void check_classified(const struct drill_verify_result *r)
{
	const struct drill_replica_result *x = &r->replicas[0];
	check_reason(x->error);
	if (x->status != DRILL_REPLICA_OK && x->status != DRILL_REPLICA_CORRUPT &&
	    x->status != DRILL_REPLICA_MISSING) {
		fprintf(stderr, "fuzz_verify: replica status %d\n", (int)x->status);
		abort();
	}
	if (x->status != DRILL_REPLICA_OK && !x->error) {
		fprintf(stderr, "fuzz_verify: %s without a reason\n",
			drill_replica_status_name(x->status));
		abort();
	}
	if (r->verdict > DRILL_VERDICT_UNRECOVERABLE) {
		fprintf(stderr, "fuzz_verify: verdict %d\n", (int)r->verdict);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (drill_fs_remove_tree(work_dir) != 0 || drill_fs_mkdir_p(work_dir, 0755) != 0 ||
	    drill_fs_copy_tree(seed_dir, work_db, &DRILL_COPY_ARCHIVE) != 0) {
		fprintf(stderr, "fuzz_verify: copying the seed: %s\n", drill_err_last());
		abort();
	}
	damage(data, size);

	uint8_t before[DRILL_HASH_LEN], after[DRILL_HASH_LEN];
	tree_hash(before, work_dir);
	struct drill_verify_result r;
	const char *path = work_db;
	if (drill_verify_set(&r, &path, 1, -1, 1) != 0) {
		fprintf(stderr, "fuzz_verify: no verdict: %s\n", drill_err_last());
		abort();
	}
	check_classified(&r);
	if (!r.replicas[0].reader_died) {
		struct drill_replica_result y;
		drill_verify_replica(&y, work_db);
		check_same(&r.replicas[0], &y);
		free(y.path);
		free(y.db_path);
		free(y.error);
	}
	if (r.replicas[0].status == DRILL_REPLICA_OK) {
		struct drill_checkpoint_result *c = NULL;
		size_t nc = 0;
		if (drill_verify_checkpoints(&c, &nc, work_db) == 0) {
			for (size_t i = 0; i < nc; i++) {
				check_reason(c[i].error);
				if (c[i].status != DRILL_REPLICA_OK && !c[i].error) {
					fprintf(stderr, "fuzz_verify: checkpoint %s without a reason\n",
						c[i].path);
					abort();
				}
			}
			drill_verify_checkpoints_free(c, nc);
		}
	}
	drill_verify_result_free(&r);
	tree_hash(after, work_dir);
	if (memcmp(before, after, sizeof before) != 0) {
		fprintf(stderr, "fuzz_verify: verify changed the tree it verified\n");
		abort();
	}
	return 0;
}
