/* chain/store.c — the replica's RocksDB database: the only file that speaks the RocksDB C API.
 *
 * Three column families (default, blocks, state) opened together. READONLY opens with
 * rocksdb_open_for_read_only_column_families and sends RocksDB's info LOG to a private temporary
 * directory, so verifying a replica never changes a byte of it. A batch records its operations
 * itself (a RocksDB WriteBatch needs column-family handles, which only an open database has) and
 * replays them into one reused WriteBatch on drill_store_write. */
#include "chain/store.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <rocksdb/c.h>

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NUM_CF 3
#define WRITE_BUFFER_SIZE (64u << 20)
#define BLOCK_CACHE_SIZE (32u << 20)
#define SCAN_READAHEAD (2u << 20)
/* The blocks column family is appended in id order and read by scans (verify, state transfer):
 * 64 KiB data blocks cut a scan's per-data-block work (fetch, checksum call, cache lookup) 16-fold
 * (verify's profile; bench/RESULTS.md). The state column family keeps RocksDB's 4 KiB: the
 * replica reads it a key at a time, and a larger block would be read whole for each key. */
#define BLOCKS_CF_BLOCK_SIZE (64u << 10)

static const char *const cf_names[NUM_CF] = {"default", "blocks", "state"};

struct drill_store {
	rocksdb_t *db;
	rocksdb_column_family_handle_t **cf; /* ncf handles, in the order of cf_names */
	char **cf_names;                     /* the store's own copies */
	size_t ncf;
	rocksdb_options_t *opts, *blocks_opts; /* blocks_opts: the blocks column family's */
	rocksdb_block_based_table_options_t *table, *blocks_table; /* each owns its filter */
	rocksdb_cache_t *cache; /* shared by both tables */
	rocksdb_readoptions_t *ropts;
	rocksdb_writeoptions_t *wopts;
	rocksdb_writebatch_t *wb; /* reused by every drill_store_write */
	enum drill_store_mode mode;
	char *dir;
	char *log_dir; /* READONLY: the private directory of RocksDB's info log */
};

enum { OP_PUT = 1, OP_DELETE = 2 };

/* Records: op u8 | cf u8 | klen u32 | vlen u32 | key | value, in host byte order. */
struct drill_store_batch {
	uint8_t *data;
	size_t len, cap;
	size_t count;
};

struct drill_store_iter {
	struct drill_store *s;
	rocksdb_iterator_t *it;
	rocksdb_readoptions_t *ropts;
};

/* RocksDB's message says what kind of failure it is ("Corruption: ...", "IO error: ..."). */
static int rocks_err(char *err, const char *what, const char *dir)
{
	int code = strncmp(err, "Corruption:", 11) == 0 ? DRILL_ECORRUPT : DRILL_EFAIL;
	drill_err(code, "%s %s: %s", what, dir, err);
	rocksdb_free(err);
	return code;
}

/* Remove the private log directory: RocksDB puts only plain files (LOG, LOG.old.*) there. */
static void remove_log_dir(char *dir)
{
	if (!dir)
		return;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char *f = drill_xasprintf("%s/%s", dir, e->d_name);
			unlink(f);
			free(f);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

static rocksdb_block_based_table_options_t *table_options(rocksdb_cache_t *cache,
							   size_t block_size)
{
	rocksdb_block_based_table_options_t *t = rocksdb_block_based_options_create();
	rocksdb_block_based_options_set_block_cache(t, cache);
	rocksdb_block_based_options_set_filter_policy(t, rocksdb_filterpolicy_create_bloom(10));
	rocksdb_block_based_options_set_cache_index_and_filter_blocks(t, 1);
	if (block_size)
		rocksdb_block_based_options_set_block_size(t, block_size);
	return t;
}

static void set_options(struct drill_store *s)
{
	s->opts = rocksdb_options_create();
	s->cache = rocksdb_cache_create_lru(BLOCK_CACHE_SIZE);
	s->table = table_options(s->cache, 0);
	rocksdb_options_set_block_based_table_factory(s->opts, s->table);

	rocksdb_options_set_create_if_missing(s->opts, s->mode == DRILL_STORE_CREATE);
	rocksdb_options_set_create_missing_column_families(s->opts, s->mode == DRILL_STORE_CREATE);
	rocksdb_options_set_paranoid_checks(s->opts, 1);
	rocksdb_options_set_write_buffer_size(s->opts, WRITE_BUFFER_SIZE);
	rocksdb_options_set_max_background_jobs(s->opts, 2);
	rocksdb_options_set_keep_log_file_num(s->opts, 5);
	/* No preallocation (a WAL file reserves 1.1 x the write buffer, 70 MiB, as it opens): the
	 * free space the replica watches (replica.c, disk_room) is then what the data takes, and
	 * RocksDB, which Debian builds with assertions, never meets ENOSPC on a reserve. Not in the
	 * C API's setters, so through the options string. */
	rocksdb_options_t *nofalloc = rocksdb_options_create();
	char *err = NULL;
	rocksdb_get_options_from_string(s->opts, "allow_fallocate=false", nofalloc, &err);
	if (err) { /* an older RocksDB: keep its default */
		free(err);
		rocksdb_options_destroy(nofalloc);
	} else {
		rocksdb_options_destroy(s->opts);
		s->opts = nofalloc;
	}
	if (s->mode == DRILL_STORE_READONLY) {
		rocksdb_options_set_db_log_dir(s->opts, s->log_dir);
		rocksdb_options_set_info_log_level(s->opts, 2 /* WARN */);
	}
	s->blocks_table = table_options(s->cache, BLOCKS_CF_BLOCK_SIZE);
	s->blocks_opts = rocksdb_options_create_copy(s->opts);
	rocksdb_options_set_block_based_table_factory(s->blocks_opts, s->blocks_table);
	s->ropts = rocksdb_readoptions_create();
	rocksdb_readoptions_set_verify_checksums(s->ropts, 1);
	s->wopts = rocksdb_writeoptions_create();
	rocksdb_writeoptions_disable_WAL(s->wopts, 0);
	rocksdb_writeoptions_set_sync(s->wopts, 0);
}

static int make_log_dir(char **out)
{
	const char *tmp = getenv("TMPDIR");
	char *templ = drill_xasprintf("%s/chaindrill-rocksdb-log-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(templ)) {
		int rc = drill_err(DRILL_EFAIL, "mkdtemp %s: %s", templ, strerror(errno));
		free(templ);
		return rc;
	}
	*out = templ;
	return 0;
}

/* "no database" is decided before RocksDB runs: it would create the directory otherwise. */
static int require_current(const char *dir)
{
	char *current = drill_xasprintf("%s/CURRENT", dir);
	struct stat st;
	int found = stat(current, &st) == 0 && S_ISREG(st.st_mode);
	free(current);
	if (!found)
		return drill_err(DRILL_ENOTFOUND, "%s: no RocksDB database (no CURRENT file)", dir);
	return 0;
}

int drill_store_list_cfs(char ***names, size_t *n, const char *dir)
{
	*names = NULL;
	*n = 0;
	int rc = require_current(dir);
	if (rc)
		return rc;
	rocksdb_options_t *o = rocksdb_options_create();
	char *err = NULL;
	size_t len = 0;
	char **list = rocksdb_list_column_families(o, dir, &len, &err);
	rocksdb_options_destroy(o);
	if (err) { /* the (empty) list is allocated even then */
		rocksdb_list_column_families_destroy(list, len);
		return rocks_err(err, "list column families of", dir);
	}
	*names = drill_xcalloc(len ? len : 1, sizeof(**names));
	for (size_t i = 0; i < len; i++)
		(*names)[i] = drill_xstrdup(list[i]);
	*n = len;
	rocksdb_list_column_families_destroy(list, len);
	return 0;
}

void drill_store_cfs_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

int drill_store_open_all(struct drill_store **out, const char *dir)
{
	struct drill_store *s = drill_xcalloc(1, sizeof(*s));
	const rocksdb_options_t **cf_opts = NULL;
	char *err = NULL;
	*out = NULL;
	s->mode = DRILL_STORE_READONLY;
	s->dir = drill_xstrdup(dir);
	int rc = drill_store_list_cfs(&s->cf_names, &s->ncf, dir);
	if (rc)
		goto cleanup;
	if ((rc = make_log_dir(&s->log_dir)) != 0)
		goto cleanup;
	set_options(s);
	/* A foreign database is read by point lookups across many families: index and filter blocks
	 * held by each table reader, not looked up in the block cache for every get (the
	 * concord-verify profile). */
	rocksdb_block_based_options_set_cache_index_and_filter_blocks(s->table, 0);
	rocksdb_options_set_block_based_table_factory(s->opts, s->table);
	s->cf = drill_xcalloc(s->ncf, sizeof(*s->cf));
	cf_opts = drill_xcalloc(s->ncf, sizeof(*cf_opts));
	for (size_t i = 0; i < s->ncf; i++)
		cf_opts[i] = s->opts;
	s->db = rocksdb_open_for_read_only_column_families(s->opts, dir, (int)s->ncf,
							   (const char *const *)s->cf_names,
							   cf_opts, s->cf, 0, &err);
	if (err) {
		s->db = NULL;
		rc = rocks_err(err, "open", dir);
		goto cleanup;
	}
	*out = s;
	s = NULL;
cleanup:
	free(cf_opts);
	drill_store_close(s);
	return rc;
}

int drill_store_cf_index(const struct drill_store *s, const char *name)
{
	for (size_t i = 0; i < s->ncf; i++)
		if (!strcmp(s->cf_names[i], name))
			return (int)i;
	return -1;
}

int drill_store_open(struct drill_store **out, const char *dir, enum drill_store_mode mode)
{
	struct drill_store *s = drill_xcalloc(1, sizeof(*s));
	const rocksdb_options_t *cf_opts[NUM_CF];
	char *err = NULL;
	int rc = 0;

	*out = NULL;
	s->mode = mode;
	s->dir = drill_xstrdup(dir);

	if (mode != DRILL_STORE_CREATE) {
		if ((rc = require_current(dir)) != 0)
			goto cleanup;
	} else if ((rc = drill_fs_mkdir_p(dir, 0755)) != 0) { /* no link followed (util/beneath.h) */
		goto cleanup;
	}
	if (mode == DRILL_STORE_READONLY && (rc = make_log_dir(&s->log_dir)) != 0)
		goto cleanup;

	set_options(s);
	s->ncf = NUM_CF;
	s->cf = drill_xcalloc(NUM_CF, sizeof(*s->cf));
	s->cf_names = drill_xcalloc(NUM_CF, sizeof(*s->cf_names));
	for (int i = 0; i < NUM_CF; i++) {
		cf_opts[i] = i == DRILL_CF_BLOCKS ? s->blocks_opts : s->opts;
		s->cf_names[i] = drill_xstrdup(cf_names[i]);
	}
	if (mode == DRILL_STORE_READONLY)
		s->db = rocksdb_open_for_read_only_column_families(s->opts, dir, NUM_CF, cf_names,
								   cf_opts, s->cf, 0, &err);
	else
		s->db = rocksdb_open_column_families(s->opts, dir, NUM_CF, cf_names, cf_opts, s->cf,
						     &err);
	if (err) {
		s->db = NULL;
		rc = rocks_err(err, "open", dir);
		goto cleanup;
	}
	if (mode != DRILL_STORE_READONLY)
		s->wb = rocksdb_writebatch_create();
	*out = s;
	s = NULL;
cleanup:
	drill_store_close(s);
	return rc;
}

void drill_store_close(struct drill_store *s)
{
	if (!s)
		return;
	if (s->db) {
		for (size_t i = 0; i < s->ncf; i++)
			if (s->cf[i])
				rocksdb_column_family_handle_destroy(s->cf[i]);
		rocksdb_close(s->db);
	}
	for (size_t i = 0; s->cf_names && i < s->ncf; i++)
		free(s->cf_names[i]);
	free(s->cf_names);
	free(s->cf);
	if (s->wb)
		rocksdb_writebatch_destroy(s->wb);
	if (s->wopts)
		rocksdb_writeoptions_destroy(s->wopts);
	if (s->ropts)
		rocksdb_readoptions_destroy(s->ropts);
	if (s->opts)
		rocksdb_options_destroy(s->opts);
	if (s->blocks_opts)
		rocksdb_options_destroy(s->blocks_opts);
	if (s->table)
		rocksdb_block_based_options_destroy(s->table); /* also releases the filter */
	if (s->blocks_table)
		rocksdb_block_based_options_destroy(s->blocks_table);
	if (s->cache)
		rocksdb_cache_destroy(s->cache);
	remove_log_dir(s->log_dir);
	free(s->dir);
	free(s);
}

int drill_store_get(struct drill_store *s, enum drill_store_cf cf, const void *key, size_t klen,
		    uint8_t **val, size_t *vlen)
{
	char *err = NULL;
	*val = NULL;
	*vlen = 0;
	rocksdb_pinnableslice_t *ps =
		rocksdb_get_pinned_cf(s->db, s->ropts, s->cf[cf], key, klen, &err);
	if (err)
		return rocks_err(err, "read from", s->dir);
	if (!ps)
		return drill_err(DRILL_ENOTFOUND, "%s: key '%.*s' not found in %s", s->dir,
				 (int)(klen > 64 ? 64 : klen), (const char *)key, s->cf_names[cf]);
	size_t n = 0;
	const char *v = rocksdb_pinnableslice_value(ps, &n);
	/* one spare byte, always NUL, so text values can be used as strings */
	*val = drill_xmalloc(n + 1);
	if (n)
		memcpy(*val, v, n);
	(*val)[n] = '\0';
	*vlen = n;
	rocksdb_pinnableslice_destroy(ps);
	return 0;
}

int drill_store_get_buf(struct drill_store *s, int cf, const void *key, size_t klen,
			uint8_t **buf, size_t *cap, size_t *vlen)
{
	char *err = NULL;
	*vlen = 0;
	assert(cf >= 0 && (size_t)cf < s->ncf);
	rocksdb_pinnableslice_t *ps =
		rocksdb_get_pinned_cf(s->db, s->ropts, s->cf[cf], key, klen, &err);
	if (err)
		return rocks_err(err, "read from", s->dir);
	if (!ps)
		return drill_err(DRILL_ENOTFOUND, "%s: key not found in %s", s->dir,
				 s->cf_names[cf]);
	size_t n = 0;
	const char *v = rocksdb_pinnableslice_value(ps, &n);
	if (*cap < n + 1) {
		*cap = n + 1 > 2 * *cap ? n + 1 : 2 * *cap;
		*buf = drill_xrealloc(*buf, *cap);
	}
	if (n)
		memcpy(*buf, v, n);
	(*buf)[n] = '\0';
	*vlen = n;
	rocksdb_pinnableslice_destroy(ps);
	return 0;
}

int drill_store_get_block(struct drill_store *s, uint64_t id, uint8_t **val, size_t *vlen)
{
	uint8_t key[8];
	drill_put_be64(key, id);
	int rc = drill_store_get(s, DRILL_CF_BLOCKS, key, sizeof(key), val, vlen);
	if (rc == DRILL_ENOTFOUND)
		drill_err(rc, "%s: block %" PRIu64 " not found", s->dir, id);
	return rc;
}

static int get_meta(struct drill_store *s, const char *key, uint8_t *out, size_t want)
{
	uint8_t *v = NULL;
	size_t n = 0;
	int rc = drill_store_get(s, DRILL_CF_DEFAULT, key, strlen(key), &v, &n);
	if (rc)
		goto cleanup;
	if (n != want) {
		rc = drill_err(DRILL_ECORRUPT, "%s: meta %s holds %zu bytes, expected %zu", s->dir,
			       key, n, want);
		goto cleanup;
	}
	memcpy(out, v, want);
cleanup:
	free(v);
	return rc;
}

int drill_store_get_meta_u64(struct drill_store *s, const char *key, uint64_t *v)
{
	uint8_t b[8];
	int rc = get_meta(s, key, b, sizeof(b));
	if (rc == 0)
		*v = drill_get_be64(b);
	return rc;
}

int drill_store_get_meta_u32(struct drill_store *s, const char *key, uint32_t *v)
{
	uint8_t b[4];
	int rc = get_meta(s, key, b, sizeof(b));
	if (rc == 0)
		*v = drill_get_be32(b);
	return rc;
}

/* --- Batches ------------------------------------------------------------------------------ */

struct drill_store_batch *drill_store_batch_new(void)
{
	return drill_xcalloc(1, sizeof(struct drill_store_batch));
}

#define REC_HEAD 10

static void batch_add(struct drill_store_batch *b, uint8_t op, enum drill_store_cf cf,
		      const void *key, size_t klen, const void *val, size_t vlen)
{
	if (klen > UINT32_MAX || vlen > UINT32_MAX) {
		fputs("chaindrill: store batch record larger than 4 GiB\n", stderr);
		abort();
	}
	size_t need = REC_HEAD + klen + vlen;
	if (b->cap - b->len < need) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap - b->len < need)
			cap *= 2;
		b->data = drill_xrealloc(b->data, cap);
		b->cap = cap;
	}
	uint8_t *p = b->data + b->len;
	uint32_t k32 = (uint32_t)klen, v32 = (uint32_t)vlen;
	p[0] = op;
	p[1] = (uint8_t)cf;
	memcpy(p + 2, &k32, 4);
	memcpy(p + 6, &v32, 4);
	if (klen)
		memcpy(p + REC_HEAD, key, klen);
	if (vlen)
		memcpy(p + REC_HEAD + klen, val, vlen);
	b->len += need;
	b->count++;
}

void drill_store_batch_put(struct drill_store_batch *b, enum drill_store_cf cf, const void *key,
			   size_t klen, const void *val, size_t vlen)
{
	batch_add(b, OP_PUT, cf, key, klen, val, vlen);
}

void drill_store_batch_delete(struct drill_store_batch *b, enum drill_store_cf cf, const void *key,
			      size_t klen)
{
	batch_add(b, OP_DELETE, cf, key, klen, NULL, 0);
}

void drill_store_batch_put_block(struct drill_store_batch *b, uint64_t id, const void *val,
				 size_t vlen)
{
	uint8_t key[8];
	drill_put_be64(key, id);
	batch_add(b, OP_PUT, DRILL_CF_BLOCKS, key, sizeof(key), val, vlen);
}

void drill_store_batch_put_meta_u64(struct drill_store_batch *b, const char *key, uint64_t v)
{
	uint8_t val[8];
	drill_put_be64(val, v);
	batch_add(b, OP_PUT, DRILL_CF_DEFAULT, key, strlen(key), val, sizeof(val));
}

void drill_store_batch_put_meta_u32(struct drill_store_batch *b, const char *key, uint32_t v)
{
	uint8_t val[4];
	drill_put_be32(val, v);
	batch_add(b, OP_PUT, DRILL_CF_DEFAULT, key, strlen(key), val, sizeof(val));
}

void drill_store_batch_put_meta_str(struct drill_store_batch *b, const char *key, const char *v)
{
	batch_add(b, OP_PUT, DRILL_CF_DEFAULT, key, strlen(key), v, strlen(v));
}

size_t drill_store_batch_count(const struct drill_store_batch *b)
{
	return b->count;
}

int drill_store_write(struct drill_store *s, struct drill_store_batch *b)
{
	char *err = NULL;
	if (!s->wb)
		return drill_err(DRILL_EFAIL, "%s: opened read-only", s->dir);
	if (b->count == 0)
		return 0;
	rocksdb_writebatch_clear(s->wb);
	for (size_t pos = 0; pos < b->len;) {
		const uint8_t *p = b->data + pos;
		uint32_t klen, vlen;
		memcpy(&klen, p + 2, 4);
		memcpy(&vlen, p + 6, 4);
		const char *key = (const char *)p + REC_HEAD, *val = key + klen;
		rocksdb_column_family_handle_t *cf = s->cf[p[1]];
		if (p[0] == OP_PUT)
			rocksdb_writebatch_put_cf(s->wb, cf, key, klen, val, vlen);
		else
			rocksdb_writebatch_delete_cf(s->wb, cf, key, klen);
		pos += REC_HEAD + (size_t)klen + vlen;
	}
	rocksdb_write(s->db, s->wopts, s->wb, &err);
	rocksdb_writebatch_clear(s->wb);
	if (err)
		return rocks_err(err, "write to", s->dir);
	return 0;
}

void drill_store_batch_clear(struct drill_store_batch *b)
{
	b->len = 0;
	b->count = 0;
}

void drill_store_batch_free(struct drill_store_batch *b)
{
	if (!b)
		return;
	free(b->data);
	free(b);
}

/* --- Iterators ---------------------------------------------------------------------------- */

struct drill_store_iter *drill_store_iter_new(struct drill_store *s, enum drill_store_cf cf,
					      const void *start, size_t start_len)
{
	return drill_store_iter_open(s, (int)cf, start, start_len);
}

/* An iterator over cf with read options own (it->ropts, freed with it) or the store's (NULL). */
static struct drill_store_iter *iter_create(struct drill_store *s, int cf,
					    rocksdb_readoptions_t *own, const void *start,
					    size_t start_len)
{
	assert(cf >= 0 && (size_t)cf < s->ncf);
	struct drill_store_iter *it = drill_xcalloc(1, sizeof(*it));
	it->s = s;
	it->ropts = own;
	it->it = rocksdb_create_iterator_cf(s->db, own ? own : s->ropts, s->cf[cf]);
	if (start)
		rocksdb_iter_seek(it->it, start, start_len);
	else
		rocksdb_iter_seek_to_first(it->it);
	return it;
}

struct drill_store_iter *drill_store_iter_open(struct drill_store *s, int cf, const void *start,
					       size_t start_len)
{
	rocksdb_readoptions_t *ropts = rocksdb_readoptions_create();
	rocksdb_readoptions_set_verify_checksums(ropts, 1);
	rocksdb_readoptions_set_readahead_size(ropts, SCAN_READAHEAD);
	rocksdb_readoptions_set_fill_cache(ropts, 0); /* a scan reads each block once */
	return iter_create(s, cf, ropts, start, start_len);
}

struct drill_store_iter *drill_store_iter_open_point(struct drill_store *s, int cf,
						     const void *start, size_t start_len)
{
	return iter_create(s, cf, NULL, start, start_len);
}

int drill_store_iter_valid(struct drill_store_iter *it)
{
	return rocksdb_iter_valid(it->it);
}

void drill_store_iter_next(struct drill_store_iter *it)
{
	rocksdb_iter_next(it->it);
}

const uint8_t *drill_store_iter_key(struct drill_store_iter *it, size_t *len)
{
	return (const uint8_t *)rocksdb_iter_key(it->it, len);
}

const uint8_t *drill_store_iter_value(struct drill_store_iter *it, size_t *len)
{
	return (const uint8_t *)rocksdb_iter_value(it->it, len);
}

int drill_store_iter_status(struct drill_store_iter *it)
{
	char *err = NULL;
	rocksdb_iter_get_error(it->it, &err);
	if (err)
		return rocks_err(err, "read from", it->s->dir);
	return 0;
}

void drill_store_iter_free(struct drill_store_iter *it)
{
	if (!it)
		return;
	if (it->it)
		rocksdb_iter_destroy(it->it);
	if (it->ropts)
		rocksdb_readoptions_destroy(it->ropts);
	free(it);
}

/* --- Checkpoints and flushes -------------------------------------------------------------- */

int drill_store_checkpoint(struct drill_store *s, const char *dir)
{
	char *err = NULL;
	int rc = 0;
	rocksdb_checkpoint_t *cp = rocksdb_checkpoint_object_create(s->db, &err);
	if (err) {
		rc = rocks_err(err, "checkpoint of", s->dir);
		goto cleanup;
	}
	/* log_size_for_flush = 0: always flush first, so the checkpoint has no WAL to replay */
	rocksdb_checkpoint_create(cp, dir, 0, &err);
	if (err)
		rc = rocks_err(err, "checkpoint into", dir);
cleanup:
	if (cp)
		rocksdb_checkpoint_object_destroy(cp);
	return rc;
}

int drill_store_flush(struct drill_store *s)
{
	char *err = NULL;
	int rc = 0;
	if (s->mode == DRILL_STORE_READONLY)
		return 0;
	rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
	rocksdb_flushoptions_set_wait(fo, 1);
	for (size_t i = 0; i < s->ncf && rc == 0; i++) {
		rocksdb_flush_cf(s->db, fo, s->cf[i], &err);
		if (err)
			rc = rocks_err(err, "flush of", s->dir);
	}
	rocksdb_flushoptions_destroy(fo);
	return rc;
}

uint64_t drill_store_memtable_bytes(struct drill_store *s)
{
	uint64_t total = 0;
	for (size_t i = 0; i < s->ncf; i++) {
		uint64_t v = 0;
		if (rocksdb_property_int_cf(s->db, s->cf[i], "rocksdb.cur-size-all-mem-tables", &v) == 0)
			total += v;
	}
	return total;
}
