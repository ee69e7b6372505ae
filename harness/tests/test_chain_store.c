/* tests/test_chain_store.c — the RocksDB store: batches, read-only opens that change nothing,
 * ordered iteration, checkpoints and corruption reported as errors. */
#include "helpers.h"

#include "chain/store.h"
#include "chain/workload.h"
#include "util/bytes.h"
#include "util/err.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- helpers -------------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct listing {
	char **line;
	size_t n, cap;
};

static void list_add(struct listing *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		l->line = drill_xrealloc(l->line, l->cap * sizeof(char *));
	}
	l->line[l->n++] = s;
}

/* Every entry under dir (recursively, the directories themselves included) as
 * "relpath mode size mtime-ns". */
static void list_tree(struct listing *l, const char *dir, const char *rel)
{
	char *path = rel[0] ? drill_xasprintf("%s/%s", dir, rel) : drill_xstrdup(dir);
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	list_add(l, drill_xasprintf("%s %o %lld %lld.%09ld", rel[0] ? rel : ".", st.st_mode,
				    (long long)st.st_size, (long long)st.st_mtim.tv_sec,
				    st.st_mtim.tv_nsec));
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		assert_non_null(d);
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char *r = rel[0] ? drill_xasprintf("%s/%s", rel, e->d_name)
					 : drill_xstrdup(e->d_name);
			list_tree(l, dir, r);
			free(r);
		}
		closedir(d);
	}
	free(path);
}

static char *snapshot(const char *dir)
{
	struct listing l = {0};
	list_tree(&l, dir, "");
	qsort(l.line, l.n, sizeof(char *), cmp_str);
	size_t total = 1;
	for (size_t i = 0; i < l.n; i++)
		total += strlen(l.line[i]) + 1;
	char *out = drill_xmalloc(total), *p = out;
	for (size_t i = 0; i < l.n; i++) {
		p += sprintf(p, "%s\n", l.line[i]);
		free(l.line[i]);
	}
	*p = '\0';
	free(l.line);
	return out;
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* A value for block `id`: its id repeated, so reads can be checked. */
static void block_value(uint8_t *v, size_t len, uint64_t id)
{
	for (size_t i = 0; i < len; i++)
		v[i] = (uint8_t)(id * 31 + i);
}

static const uint64_t ids[] = {1, 2, 255, 256, 257, 65536, 3, 1000};
#define NIDS (sizeof(ids) / sizeof(ids[0]))

static void write_sample(struct drill_store *s)
{
	struct drill_store_batch *b = drill_store_batch_new();
	uint8_t v[100];
	drill_store_batch_put_meta_str(b, "chain.format", DRILL_CHAIN_FORMAT);
	drill_store_batch_put_meta_u64(b, "chain.last_block", 65536);
	drill_store_batch_put_meta_u32(b, "replica.id", 3);
	for (size_t i = 0; i < NIDS; i++) {
		block_value(v, sizeof(v), ids[i]);
		drill_store_batch_put_block(b, ids[i], v, sizeof(v));
	}
	drill_store_batch_put(b, DRILL_CF_STATE, "key-00000001", 12, "one", 3);
	drill_store_batch_put(b, DRILL_CF_STATE, "key-00000002", 12, "two", 3);
	drill_store_batch_put(b, DRILL_CF_STATE, "key-00000003", 12, "", 0);
	drill_store_batch_put(b, DRILL_CF_STATE, "gone", 4, "x", 1);
	drill_store_batch_delete(b, DRILL_CF_STATE, "gone", 4);
	assert_int_equal(drill_store_batch_count(b), 3 + NIDS + 5);
	assert_drill_ok(drill_store_write(s, b));
	drill_store_batch_clear(b);
	assert_int_equal(drill_store_batch_count(b), 0);
	assert_drill_ok(drill_store_write(s, b)); /* an empty batch is fine */
	drill_store_batch_free(b);
}

static void check_sample(struct drill_store *s)
{
	uint64_t last = 0;
	uint32_t rid = 0;
	uint8_t *v = NULL;
	size_t vlen = 0;
	assert_drill_ok(drill_store_get_meta_u64(s, "chain.last_block", &last));
	assert_true(last == 65536);
	assert_drill_ok(drill_store_get_meta_u32(s, "replica.id", &rid));
	assert_int_equal(rid, 3);
	/* a u64 key read as u32 is the wrong size */
	assert_int_equal(drill_store_get_meta_u32(s, "chain.last_block", &rid), DRILL_ECORRUPT);
	assert_int_equal(drill_store_get_meta_u64(s, "no.such", &last), DRILL_ENOTFOUND);

	assert_drill_ok(drill_store_get(s, DRILL_CF_DEFAULT, "chain.format", 12, &v, &vlen));
	assert_int_equal(vlen, strlen(DRILL_CHAIN_FORMAT));
	assert_string_equal((char *)v, DRILL_CHAIN_FORMAT); /* NUL-terminated */
	free(v);

	uint8_t want[100];
	for (size_t i = 0; i < NIDS; i++) {
		assert_drill_ok(drill_store_get_block(s, ids[i], &v, &vlen));
		block_value(want, sizeof(want), ids[i]);
		assert_int_equal(vlen, sizeof(want));
		assert_memory_equal(v, want, sizeof(want));
		free(v);
	}
	assert_int_equal(drill_store_get_block(s, 4, &v, &vlen), DRILL_ENOTFOUND);
	assert_null(v);

	assert_drill_ok(drill_store_get(s, DRILL_CF_STATE, "key-00000002", 12, &v, &vlen));
	assert_int_equal(vlen, 3);
	assert_memory_equal(v, "two", 3);
	free(v);
	assert_drill_ok(drill_store_get(s, DRILL_CF_STATE, "key-00000003", 12, &v, &vlen));
	assert_int_equal(vlen, 0);
	free(v);
	assert_int_equal(drill_store_get(s, DRILL_CF_STATE, "gone", 4, &v, &vlen), DRILL_ENOTFOUND);
	/* column families are separate */
	assert_int_equal(drill_store_get(s, DRILL_CF_DEFAULT, "key-00000001", 12, &v, &vlen),
			 DRILL_ENOTFOUND);

	/* blocks iterate in id order: big-endian keys sort numerically */
	uint64_t prev = 0;
	size_t n = 0;
	struct drill_store_iter *it = drill_store_iter_new(s, DRILL_CF_BLOCKS, NULL, 0);
	for (; drill_store_iter_valid(it); drill_store_iter_next(it)) {
		size_t kl, vl;
		const uint8_t *k = drill_store_iter_key(it, &kl);
		const uint8_t *val = drill_store_iter_value(it, &vl);
		assert_int_equal(kl, 8);
		uint64_t id = drill_get_be64(k);
		assert_true(id > prev);
		block_value(want, sizeof(want), id);
		assert_int_equal(vl, sizeof(want));
		assert_memory_equal(val, want, vl);
		prev = id;
		n++;
	}
	assert_drill_ok(drill_store_iter_status(it));
	drill_store_iter_free(it);
	assert_int_equal(n, NIDS);
	assert_true(prev == 65536);

	/* from a start key */
	uint8_t start[8];
	drill_put_be64(start, 256);
	it = drill_store_iter_new(s, DRILL_CF_BLOCKS, start, sizeof(start));
	const uint64_t rest[] = {256, 257, 1000, 65536};
	for (n = 0; drill_store_iter_valid(it); drill_store_iter_next(it), n++) {
		size_t kl;
		assert_true(n < 4);
		assert_true(drill_get_be64(drill_store_iter_key(it, &kl)) == rest[n]);
	}
	assert_int_equal(n, 4);
	assert_drill_ok(drill_store_iter_status(it));
	drill_store_iter_free(it);

	it = drill_store_iter_new(s, DRILL_CF_STATE, NULL, 0);
	for (n = 0; drill_store_iter_valid(it); drill_store_iter_next(it))
		n++;
	assert_int_equal(n, 3);
	drill_store_iter_free(it);
}

/* --- tests ---------------------------------------------------------------------------------- */

static void test_create_write_reopen(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("create");
	char *db = drill_xasprintf("%s/a/b/rocksdbdata", dir); /* parents are created */
	struct drill_store *s = NULL;
	assert_drill_ok(drill_store_open(&s, db, DRILL_STORE_CREATE));
	write_sample(s);
	check_sample(s);
	drill_store_close(s);

	/* WRITE reopens; CREATE on an existing database is fine too */
	assert_drill_ok(drill_store_open(&s, db, DRILL_STORE_WRITE));
	check_sample(s);
	drill_store_close(s);
	assert_drill_ok(drill_store_open(&s, db, DRILL_STORE_CREATE));
	drill_store_close(s);

	assert_drill_ok(drill_store_open(&s, db, DRILL_STORE_READONLY));
	check_sample(s);
	/* a read-only store refuses writes */
	struct drill_store_batch *b = drill_store_batch_new();
	drill_store_batch_put_meta_u64(b, "x", 1);
	assert_int_not_equal(drill_store_write(s, b), 0);
	drill_store_batch_free(b);
	drill_store_close(s);

	drill_store_close(NULL);
	drill_store_batch_free(NULL);
	drill_store_iter_free(NULL);
	free(db);
	free(dir);
}

static void check_readonly_unchanged(const char *db)
{
	char *before = snapshot(db);
	struct drill_store *s = NULL;
	assert_drill_ok(drill_store_open(&s, db, DRILL_STORE_READONLY));
	check_sample(s);
	assert_drill_ok(drill_store_flush(s)); /* a no-op when read-only */
	drill_store_close(s);
	char *after = snapshot(db);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_readonly_changes_nothing(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("readonly");
	struct drill_store *s = NULL;
	/* with the data only in the WAL (the read-only open replays it in memory) */
	assert_drill_ok(drill_store_open(&s, dir, DRILL_STORE_CREATE));
	write_sample(s);
	drill_store_close(s);
	check_readonly_unchanged(dir);

	/* and with the data in SST files */
	assert_drill_ok(drill_store_open(&s, dir, DRILL_STORE_WRITE));
	assert_drill_ok(drill_store_flush(s));
	drill_store_close(s);
	check_readonly_unchanged(dir);

	/* two read-only opens at once (parallel verification) */
	struct drill_store *a = NULL, *b = NULL;
	assert_drill_ok(drill_store_open(&a, dir, DRILL_STORE_READONLY));
	assert_drill_ok(drill_store_open(&b, dir, DRILL_STORE_READONLY));
	check_sample(b);
	drill_store_close(a);
	drill_store_close(b);
	free(dir);
}

static void test_no_database(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("empty");
	struct drill_store *s = NULL;
	assert_int_equal(drill_store_open(&s, dir, DRILL_STORE_READONLY), DRILL_ENOTFOUND);
	assert_null(s);
	assert_non_null(strstr(drill_err_last(), "no RocksDB database"));
	assert_int_equal(count_entries(dir), 0);
	assert_int_equal(drill_store_open(&s, dir, DRILL_STORE_WRITE), DRILL_ENOTFOUND);
	assert_int_equal(count_entries(dir), 0);

	/* a path that does not exist is not created */
	char *missing = drill_xasprintf("%s/nothere", dir);
	assert_int_equal(drill_store_open(&s, missing, DRILL_STORE_READONLY), DRILL_ENOTFOUND);
	struct stat st;
	assert_int_not_equal(stat(missing, &st), 0);
	assert_int_equal(count_entries(dir), 0);
	free(missing);
	free(dir);
}

static void test_checkpoint(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("checkpoint");
	char *db = drill_xasprintf("%s/rocksdbdata", dir);
	char *ck = drill_xasprintf("%s/rocksdbdata/checkpoints", dir);
	char *ck1 = drill_xasprintf("%s/1000", ck);
	struct drill_store *s = NULL;
	assert_drill_ok(drill_store_open(&s, db, DRILL_STORE_CREATE));
	write_sample(s);
	assert_int_equal(mkdir(ck, 0755), 0);
	assert_drill_ok(drill_store_checkpoint(s, ck1));
	/* a later write is not in the checkpoint */
	struct drill_store_batch *b = drill_store_batch_new();
	drill_store_batch_put_block(b, 70000, "later", 5);
	drill_store_batch_put_meta_u64(b, "chain.last_block", 70000);
	assert_drill_ok(drill_store_write(s, b));
	drill_store_batch_free(b);
	/* the target must not exist */
	assert_int_not_equal(drill_store_checkpoint(s, ck1), 0);

	/* the checkpoint holds no WAL to replay: every *.log is empty */
	DIR *d = opendir(ck1);
	assert_non_null(d);
	struct dirent *e;
	int has_current = 0;
	while ((e = readdir(d)) != NULL) {
		size_t nl = strlen(e->d_name);
		has_current |= strcmp(e->d_name, "CURRENT") == 0;
		if (nl > 4 && strcmp(e->d_name + nl - 4, ".log") == 0) {
			char *p = drill_xasprintf("%s/%s", ck1, e->d_name);
			struct stat st;
			assert_int_equal(stat(p, &st), 0);
			assert_int_equal(st.st_size, 0);
			free(p);
		}
	}
	closedir(d);
	assert_true(has_current);

	/* the checkpoint opens read-only, with the data as it was, while the source is open */
	struct drill_store *c = NULL;
	char *before = snapshot(ck1);
	assert_drill_ok(drill_store_open(&c, ck1, DRILL_STORE_READONLY));
	check_sample(c);
	uint8_t *v = NULL;
	size_t vlen;
	assert_int_equal(drill_store_get_block(c, 70000, &v, &vlen), DRILL_ENOTFOUND);
	drill_store_close(c);
	char *after = snapshot(ck1);
	assert_string_equal(before, after);
	drill_store_close(s);

	/* and the source has the later write */
	assert_drill_ok(drill_store_open(&s, db, DRILL_STORE_READONLY));
	assert_drill_ok(drill_store_get_block(s, 70000, &v, &vlen));
	assert_memory_equal(v, "later", 5);
	free(v);
	drill_store_close(s);

	/* a checkpoint can be opened for writing once copied out (the restore path) */
	assert_drill_ok(drill_store_open(&c, ck1, DRILL_STORE_WRITE));
	check_sample(c);
	drill_store_close(c);
	free(before);
	free(after);
	free(ck1);
	free(ck);
	free(db);
	free(dir);
}

/* The largest *.sst file of a directory, malloc'd. */
static char *largest_sst(const char *dir, off_t *size)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	char *best = NULL;
	*size = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t nl = strlen(e->d_name);
		if (nl < 5 || strcmp(e->d_name + nl - 4, ".sst") != 0)
			continue;
		char *p = drill_xasprintf("%s/%s", dir, e->d_name);
		struct stat st;
		assert_int_equal(stat(p, &st), 0);
		if (st.st_size > *size) {
			free(best);
			best = p;
			*size = st.st_size;
		} else {
			free(p);
		}
	}
	closedir(d);
	assert_non_null(best);
	return best;
}

static void test_corruption_is_an_error(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("corrupt");
	struct drill_store *s = NULL;
	assert_drill_ok(drill_store_open(&s, dir, DRILL_STORE_CREATE));
	struct drill_store_batch *b = drill_store_batch_new();
	struct drill_rng r;
	drill_rng_seed(&r, 7);
	uint8_t v[1024];
	for (uint64_t id = 1; id <= 512; id++) {
		for (size_t i = 0; i < sizeof(v); i += 8) {
			uint64_t x = drill_rng_next(&r);
			memcpy(v + i, &x, 8); /* incompressible */
		}
		drill_store_batch_put_block(b, id, v, sizeof(v));
	}
	assert_drill_ok(drill_store_write(s, b));
	drill_store_batch_free(b);
	assert_drill_ok(drill_store_flush(s));
	drill_store_close(s);

	/* overwrite bytes in the data blocks at the start of the table */
	off_t size;
	char *sst = largest_sst(dir, &size);
	assert_true(size > 256 * 1024);
	int fd = open(sst, O_WRONLY);
	assert_true(fd >= 0);
	uint8_t junk[64];
	memset(junk, 0x5a, sizeof(junk));
	assert_int_equal(pwrite(fd, junk, sizeof(junk), size / 4), (ssize_t)sizeof(junk));
	close(fd);

	int rc = drill_store_open(&s, dir, DRILL_STORE_READONLY);
	if (rc == 0) {
		size_t n = 0;
		struct drill_store_iter *it = drill_store_iter_new(s, DRILL_CF_BLOCKS, NULL, 0);
		for (; drill_store_iter_valid(it); drill_store_iter_next(it))
			n++;
		rc = drill_store_iter_status(it);
		drill_store_iter_free(it);
		drill_store_close(s);
		assert_true(n < 512);
	}
	print_message("reported as: %s\n", drill_err_last());
	assert_int_equal(rc, DRILL_ECORRUPT);
	assert_non_null(strstr(drill_err_last(), "Corruption"));
	assert_non_null(strstr(drill_err_last(), dir));
	free(sst);
	free(dir);
}

static void test_batch_reuse(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("batch");
	struct drill_store *s = NULL;
	assert_drill_ok(drill_store_open(&s, dir, DRILL_STORE_CREATE));
	struct drill_store_batch *b = drill_store_batch_new();
	/* many small batches through one batch object, values growing past its first buffer */
	static uint8_t big[20000];
	for (uint64_t i = 1; i <= 50; i++) {
		memset(big, (int)i, sizeof(big));
		drill_store_batch_put_block(b, i, big, (size_t)i * 400);
		drill_store_batch_put_meta_u64(b, "chain.last_block", i);
		assert_drill_ok(drill_store_write(s, b));
		drill_store_batch_clear(b);
	}
	drill_store_batch_free(b);
	uint64_t last;
	assert_drill_ok(drill_store_get_meta_u64(s, "chain.last_block", &last));
	assert_true(last == 50);
	uint8_t *v;
	size_t vlen;
	assert_drill_ok(drill_store_get_block(s, 37, &v, &vlen));
	assert_int_equal(vlen, 37 * 400);
	assert_int_equal(v[0], 37);
	assert_int_equal(v[vlen - 1], 37);
	free(v);
	drill_store_close(s);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_write_reopen),
		cmocka_unit_test(test_readonly_changes_nothing),
		cmocka_unit_test(test_no_database),
		cmocka_unit_test(test_checkpoint),
		cmocka_unit_test(test_corruption_is_an_error),
		cmocka_unit_test(test_batch_reuse),
	};
	return drill_test_run(tests, NULL, NULL);
}
