/* tests/test_faults_sst.c — an SST's data region read from its footer and metaindex: it agrees
 * with the table's own rocksdb.data.size property, its column family is read, damage inside it leaves the table openable
 * (only reading a block finds it), and files that are no table are refused. */
#include "helpers.h"

#include "chainfix.h"
#include "chain/store.h"
#include "faults/sst.h"
#include "util/bytes.h"
#include "util/err.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A flushed database of 600 blocks with checkpoints (several SSTs of different sizes). */
static char *build_db(const char *name)
{
	char *root = drill_test_scratch(name);
	char *db = drill_xasprintf("%s/rocksdbdata", root);
	struct drill_fix_chain c = {.seed = 11, .blocks = 600, .replica_id = 0, .ckpt_every = 150,
				    .w = DRILL_FIX_WORKLOAD};
	assert_drill_ok(drill_fix_build(db, &c));
	free(root);
	return db;
}

/* The .sst files of db (not its checkpoints), malloc'd paths; *n gets the count. */
static char **list_ssts(const char *db, size_t *n)
{
	DIR *d = opendir(db);
	assert_non_null(d);
	char **out = NULL;
	*n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 4 || strcmp(e->d_name + l - 4, ".sst"))
			continue;
		out = drill_xrealloc(out, (*n + 1) * sizeof(*out));
		out[(*n)++] = drill_xasprintf("%s/%s", db, e->d_name);
	}
	closedir(d);
	assert_true(*n > 0);
	return out;
}

static void free_list(char **l, size_t n)
{
	for (size_t k = 0; k < n; k++)
		free(l[k]);
	free(l);
}

static void overwrite(const char *path, uint64_t off, uint64_t len, uint8_t byte)
{
	uint8_t *buf = drill_xmalloc(len);
	memset(buf, byte, len);
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
	free(buf);
}

static void test_layout_agrees_with_data_size_property(void **state)
{
	(void)state;
	char *db = build_db("agrees");
	size_t n;
	char **ssts = list_ssts(db, &n);
	size_t blocks = 0;
	for (size_t k = 0; k < n; k++) {
		struct drill_sst_layout l;
		assert_drill_ok(drill_sst_layout(&l, ssts[k]));
		assert_true(l.data_end > 0);
		assert_true(l.data_end < l.size - 53); /* meta blocks and footer follow */
		assert_int_equal(l.data_end, l.data_size);
		assert_in_range(l.format_version, 1, 5);
		int known = !strcmp(l.column_family, "blocks") || !strcmp(l.column_family, "state") ||
			    !strcmp(l.column_family, "default");
		if (!known)
			fail_msg("%s: column family '%s'", ssts[k], l.column_family);
		blocks += !strcmp(l.column_family, "blocks");
	}
	assert_true(blocks > 0);
	free_list(ssts, n);
	free(db);
}

/* Zeroing every data block of every SST leaves the database openable (the meta blocks are
 * intact), and reading a block finds the damage: the fault kinds that use the data region model
 * damage to data, not an unopenable table. */
static void test_damage_in_data_region_keeps_table_openable(void **state)
{
	(void)state;
	char *db = build_db("openable");
	size_t n;
	char **ssts = list_ssts(db, &n);
	for (size_t k = 0; k < n; k++) {
		struct drill_sst_layout l;
		assert_drill_ok(drill_sst_layout(&l, ssts[k]));
		overwrite(ssts[k], 0, l.data_end, 0);
	}
	struct drill_store *s = NULL;
	assert_drill_ok(drill_store_open(&s, db, DRILL_STORE_READONLY));
	uint8_t *val = NULL;
	size_t vlen = 0;
	int rc = drill_store_get_block(s, 1, &val, &vlen);
	assert_int_equal(rc, DRILL_ECORRUPT);
	free(val);
	drill_store_close(s);
	free_list(ssts, n);
	free(db);
}

static void test_not_a_table_is_refused(void **state)
{
	(void)state;
	char *db = build_db("refused");
	size_t n;
	char **ssts = list_ssts(db, &n);
	struct drill_sst_layout l;
	assert_drill_ok(drill_sst_layout(&l, ssts[0]));

	overwrite(ssts[0], l.size - 8, 8, 0); /* the magic number */
	assert_int_equal(drill_sst_layout(&l, ssts[0]), DRILL_ECORRUPT);
	assert_non_null(strstr(drill_err_last(), "not a block-based table"));

	assert_int_equal(truncate(ssts[0], 20), 0);
	assert_int_equal(drill_sst_layout(&l, ssts[0]), DRILL_ECORRUPT);
	assert_non_null(strstr(drill_err_last(), "too short"));

	char *missing = drill_xasprintf("%s/999999.sst", db);
	assert_int_equal(drill_sst_layout(&l, missing), DRILL_EFAIL);
	free(missing);
	free_list(ssts, n);
	free(db);
}

/* A footer whose metaindex handle points past the end of the file. */
static void test_damaged_handles_are_refused(void **state)
{
	(void)state;
	char *db = build_db("handles");
	size_t n;
	char **ssts = list_ssts(db, &n);
	struct drill_sst_layout l;
	assert_drill_ok(drill_sst_layout(&l, ssts[0]));
	overwrite(ssts[0], l.size - 53 + 1, 10, 0xff); /* varints that never end */
	assert_int_equal(drill_sst_layout(&l, ssts[0]), DRILL_ECORRUPT);
	assert_non_null(strstr(drill_err_last(), "handles"));
	free_list(ssts, n);
	free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_agrees_with_data_size_property),
		cmocka_unit_test(test_damage_in_data_region_keeps_table_openable),
		cmocka_unit_test(test_not_a_table_is_refused),
		cmocka_unit_test(test_damaged_handles_are_refused),
	};
	return drill_test_run(tests, NULL, NULL);
}
