/* chain/verify.c — per-replica verification (streamed, read-only) and the quorum verdict (§5). */
#include "chain/verify.h"

#include "chain/block.h"
#include "chain/store.h"
#include "chain/verify_internal.h"
#include "concord/kvbc.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/forksrv.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ERR_LEN 1024

/* --- Names ------------------------------------------------------------------------------------- */

static const char *const verdict_names[] = {"consistent", "recoverable", "divergent",
					     "unrecoverable"};

const char *drill_verdict_name(enum drill_verdict v)
{
	if ((unsigned)v < sizeof(verdict_names) / sizeof(verdict_names[0]))
		return verdict_names[v];
	return "unknown";
}

int drill_verdict_parse(enum drill_verdict *v, const char *name)
{
	for (size_t i = 0; i < sizeof(verdict_names) / sizeof(verdict_names[0]); i++) {
		if (name && !strcmp(name, verdict_names[i])) {
			*v = (enum drill_verdict)i;
			return 0;
		}
	}
	return drill_err(DRILL_EINPUT, "unknown verdict '%s' (expected consistent, recoverable, "
			 "divergent or unrecoverable)", name ? name : "");
}

const char *drill_replica_status_name(enum drill_replica_health s)
{
	switch (s) {
	case DRILL_REPLICA_OK: return "ok";
	case DRILL_REPLICA_CORRUPT: return "corrupt";
	case DRILL_REPLICA_MISSING: return "missing";
	}
	return "unknown";
}

const char *drill_replica_format_name(enum drill_replica_format f)
{
	switch (f) {
	case DRILL_FORMAT_CHAINDRILL: return DRILL_CHAIN_FORMAT;
	case DRILL_FORMAT_CONCORD: return DRILL_KVBC_FORMAT;
	case DRILL_FORMAT_UNKNOWN: break;
	}
	return NULL;
}

/* --- Locating the database ----------------------------------------------------------------- */

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int has_current(const char *dir)
{
	char *p = drill_xasprintf("%s/CURRENT", dir);
	struct stat st;
	int yes = stat(p, &st) == 0 && S_ISREG(st.st_mode);
	free(p);
	return yes;
}

static const char *base_name(const char *path)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	const char *p = path + len;
	while (p > path && p[-1] != '/')
		p--;
	return p;
}

static int base_is(const char *path, const char *name)
{
	const char *b = base_name(path);
	size_t n = strlen(name);
	return !strncmp(b, name, n) && (b[n] == '\0' || b[n] == '/');
}

int drill_verify_resolve(char **db, const char *path)
{
	*db = NULL;
	if (!is_dir(path))
		return drill_err(DRILL_ENOTFOUND, "%s: no such directory", path);
	/* a database, or a rocksdbdata directory whose database may be damaged (CURRENT deleted) */
	if (has_current(path) || base_is(path, "rocksdbdata")) {
		*db = drill_xstrdup(path);
		return 0;
	}
	char *pattern = drill_xasprintf("%s/*/*/replica-*/rocksdbdata", path);
	glob_t g;
	memset(&g, 0, sizeof(g));
	int grc = glob(pattern, GLOB_ONLYDIR, NULL, &g);
	free(pattern);
	int rc = 0;
	if (grc == 0 && g.gl_pathc == 1) {
		*db = drill_xstrdup(g.gl_pathv[0]);
	} else if (grc == 0 && g.gl_pathc > 1) {
		rc = drill_err(DRILL_EINPUT, "%s: volume root holds %zu replica databases (%s, %s%s)",
			       path, g.gl_pathc, g.gl_pathv[0], g.gl_pathv[1],
			       g.gl_pathc > 2 ? ", ..." : "");
	} else {
		char *direct = drill_xasprintf("%s/rocksdbdata", path);
		if (is_dir(direct))
			*db = direct;
		else {
			free(direct);
			rc = drill_err(DRILL_ENOTFOUND, "%s: no database (no CURRENT file, no "
				       "<namespace>/<blockchainId>/replica-<i>/rocksdbdata below)",
				       path);
		}
	}
	globfree(&g);
	return rc;
}

/* i of "replica-<i>" (whole component) or of "concord-pvc-<bc>-replica-<i>"; -1 otherwise. */
static long component_id(const char *c, size_t len, int volume_form)
{
	static const char pfx[] = "replica-", vol[] = "concord-pvc-";
	size_t start;
	if (!volume_form) {
		if (len <= sizeof(pfx) - 1 || strncmp(c, pfx, sizeof(pfx) - 1))
			return -1;
		start = sizeof(pfx) - 1;
	} else {
		if (len <= sizeof(vol) - 1 || strncmp(c, vol, sizeof(vol) - 1))
			return -1;
		size_t k = len; /* the last "-replica-" */
		while (k > sizeof(vol) - 1 && strncmp(c + k - 9, "-replica-", 9))
			k--;
		if (k <= sizeof(vol) - 1 + 9 - 1 || strncmp(c + k - 9, "-replica-", 9))
			return -1;
		start = k;
	}
	if (start >= len || len - start > 9)
		return -1;
	long v = 0;
	for (size_t i = start; i < len; i++) {
		if (c[i] < '0' || c[i] > '9')
			return -1;
		v = v * 10 + (c[i] - '0');
	}
	return v;
}

/* The replica index a path names: the `replica-<i>` just above its last `rocksdbdata` component,
 * else a `concord-pvc-<bc>-replica-<i>` volume directory anywhere in it; -1 if neither. */
static long expected_replica_id(const char *db_path)
{
	char *abs = NULL;
	if (db_path[0] != '/') {
		char cwd[4096];
		if (getcwd(cwd, sizeof(cwd)))
			abs = drill_xasprintf("%s/%s", cwd, db_path);
	}
	const char *p = abs ? abs : db_path;
	const char *prev = NULL, *cur = NULL;
	size_t prev_len = 0, cur_len = 0;
	long above = -1, volume = -1;
	for (const char *s = p; *s;) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		prev = cur, prev_len = cur_len;
		cur = s, cur_len = (size_t)(e - s);
		if (cur_len == 11 && !strncmp(cur, "rocksdbdata", 11))
			above = prev ? component_id(prev, prev_len, 0) : -1;
		long v = component_id(cur, cur_len, 1);
		if (v >= 0)
			volume = v;
		s = e;
	}
	free(abs);
	return above >= 0 ? above : volume;
}

/* --- One replica --------------------------------------------------------------------------- */

/* Record the first failure; the message is the thread's drill_err text when fmt is NULL. */
static void fail(struct drill_replica_result *out, uint64_t block, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct drill_replica_result *out, uint64_t block, const char *fmt, ...)
{
	char msg[ERR_LEN];
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	} else {
		snprintf(msg, sizeof(msg), "%s", drill_err_last());
	}
	out->status = DRILL_REPLICA_CORRUPT;
	free(out->error);
	out->error = drill_xstrdup(msg);
	out->error_block = block;
}

/* "block 17: digest mismatch" → "digest mismatch" (the caller names the block by its key). */
static const char *strip_block_prefix(const char *msg)
{
	if (strncmp(msg, "block", 5))
		return msg;
	const char *colon = strstr(msg, ": ");
	return colon ? colon + 2 : msg;
}

static void short_hex(char out[17], const uint8_t h[DRILL_HASH_LEN])
{
	drill_hex(out, h, 8);
}

/* Metadata that does not depend on the blocks: format and identity. 0 or -1 (failure recorded). */
static int check_meta(struct drill_replica_result *out, struct drill_store *s)
{
	uint8_t *v = NULL;
	size_t vlen = 0;
	int rc = drill_store_get(s, DRILL_CF_DEFAULT, "chain.format", 12, &v, &vlen);
	if (rc == DRILL_ENOTFOUND) {
		fail(out, 0, "chain.format is missing");
		return -1;
	}
	if (rc) {
		fail(out, 0, "chain.format: %s", drill_err_last());
		return -1;
	}
	size_t flen = strlen(DRILL_CHAIN_FORMAT);
	if (vlen != flen || memcmp(v, DRILL_CHAIN_FORMAT, flen)) {
		fail(out, 0, "chain.format is '%.*s', expected '%s'", (int)(vlen > 64 ? 64 : vlen),
		     (const char *)v, DRILL_CHAIN_FORMAT);
		free(v);
		return -1;
	}
	free(v);

	uint32_t id;
	rc = drill_store_get_meta_u32(s, "replica.id", &id);
	if (rc == 0) {
		out->replica_id = (long)id;
	} else if (rc != DRILL_ENOTFOUND) {
		fail(out, 0, "replica.id: %s", drill_err_last());
		return -1;
	}
	if (out->expected_id >= 0 && out->replica_id < 0) {
		fail(out, 0, "replica.id is missing; the path names replica %ld", out->expected_id);
		return -1;
	}
	if (out->expected_id >= 0 && out->replica_id != out->expected_id) {
		fail(out, 0, "replica.id is %ld but the path names replica %ld (a volume restored "
		     "to the wrong replica?)", out->replica_id, out->expected_id);
		return -1;
	}
	return 0;
}

/* The progress of drill_verify_set's replicas, in blocks; set before its children start and
 * cleared after they end. The total grows by each replica's chain.last_block as it is opened.
 * In a child (isolation below) it is NULL and the counts go to the parent through report_fd. */
static struct drill_progress *verify_progress;
static int report_fd = -1;
#define PROGRESS_EVERY 4096 /* blocks between two additions: the hot loop stays cheap */

static void report_progress(char type, uint64_t n);
static void report_phase(char phase);

static void progress_total(uint64_t n)
{
	if (report_fd >= 0)
		report_progress('T', n);
	else
		drill_progress_add_total(verify_progress, n);
}

static void progress_done(uint64_t n)
{
	if (report_fd >= 0)
		report_progress('A', n);
	else
		drill_progress_add(verify_progress, n);
}

/* Stream blocks 1..N: ids without gaps, decode (magic, lengths, digest), parent links, roots.
 * One kv array serves every block; nothing else is allocated per block. */
static int check_blocks(struct drill_replica_result *out, struct drill_store *s)
{
	struct drill_kv *kv = NULL;
	size_t kv_cap = 0;
	uint8_t prev_digest[DRILL_HASH_LEN] = {0}, root[DRILL_HASH_LEN] = {0};
	uint64_t last = 0;
	int ret = 0;
	uint64_t expected = 0;
	if ((verify_progress || report_fd >= 0) &&
	    drill_store_get_meta_u64(s, "chain.last_block", &expected) == 0)
		progress_total(expected);
	struct drill_store_iter *it = drill_store_iter_new(s, DRILL_CF_BLOCKS, NULL, 0);

	for (; drill_store_iter_valid(it); drill_store_iter_next(it)) {
		size_t klen, vlen;
		const uint8_t *key = drill_store_iter_key(it, &klen);
		const uint8_t *val = drill_store_iter_value(it, &vlen);
		uint64_t want = last + 1;
		if (klen != 8) {
			fail(out, want, "block %" PRIu64 ": stored key of %zu bytes is not a block "
			     "id (after block %" PRIu64 ")", want, klen, last);
			ret = -1;
			goto cleanup;
		}
		uint64_t id = drill_get_be64(key);
		if (id != want) {
			if (id == 0)
				fail(out, 0, "block 0 is stored; block ids start at 1");
			else
				fail(out, want, "block %" PRIu64 ": missing (the next stored block is "
				     "%" PRIu64 ")", want, id);
			ret = -1;
			goto cleanup;
		}
		struct drill_block b = {0};
		if (drill_block_decode(&b, &kv, &kv_cap, val, vlen) != 0) {
			fail(out, id, "block %" PRIu64 ": %s", id, strip_block_prefix(drill_err_last()));
			ret = -1;
			goto cleanup;
		}
		if (b.id != id) {
			fail(out, id, "block %" PRIu64 ": stored under key %" PRIu64 " but its header "
			     "says block %" PRIu64, id, id, b.id);
			ret = -1;
			goto cleanup;
		}
		if (memcmp(b.parent, prev_digest, DRILL_HASH_LEN)) {
			if (id == 1)
				fail(out, id, "block 1: parent digest is not zero");
			else
				fail(out, id, "block %" PRIu64 ": parent digest does not match block "
				     "%" PRIu64, id, last);
			ret = -1;
			goto cleanup;
		}
		struct drill_u256 r, t;
		drill_u256_from_le(&r, root);
		for (uint32_t i = 0; i < b.n; i++) {
			uint8_t term[DRILL_HASH_LEN];
			drill_u256_from_le(&t, b.kv[i].prev_term);
			drill_u256_sub(&r, &t);
			drill_term(term, b.kv[i].key, b.kv[i].klen, b.kv[i].val, b.kv[i].vlen);
			drill_u256_from_le(&t, term);
			drill_u256_add(&r, &t);
		}
		drill_u256_to_le(root, &r);
		if (memcmp(root, b.root, DRILL_HASH_LEN)) {
			char got[17], want_hex[17];
			short_hex(got, b.root);
			short_hex(want_hex, root);
			fail(out, id, "block %" PRIu64 ": state root %s... does not follow from block "
			     "%" PRIu64 " and its updates (expected %s...)", id, got, last, want_hex);
			ret = -1;
			goto cleanup;
		}
		last = id;
		memcpy(prev_digest, b.digest, DRILL_HASH_LEN);
		out->last_block = last;
		out->has_digest = 1;
		memcpy(out->digest, b.digest, DRILL_HASH_LEN);
		memcpy(out->state_root, root, DRILL_HASH_LEN);
		out->blocks_checked++;
		out->bytes_checked += vlen;
		if (out->blocks_checked % PROGRESS_EVERY == 0)
			progress_done(PROGRESS_EVERY);
	}
	if (drill_store_iter_status(it) != 0) {
		fail(out, last + 1, "block %" PRIu64 ": reading the blocks column family: %s",
		     last + 1, drill_err_last());
		ret = -1;
	}
cleanup:
	progress_done(out->blocks_checked % PROGRESS_EVERY);
	drill_store_iter_free(it);
	free(kv);
	return ret;
}

static int check_last_block(struct drill_replica_result *out, struct drill_store *s)
{
	uint64_t meta;
	int rc = drill_store_get_meta_u64(s, "chain.last_block", &meta);
	if (rc == DRILL_ENOTFOUND) {
		if (out->last_block == 0)
			return 0;
		fail(out, 0, "chain.last_block is missing but the chain holds blocks 1..%" PRIu64,
		     out->last_block);
		return -1;
	}
	if (rc) {
		fail(out, 0, "chain.last_block: %s", drill_err_last());
		return -1;
	}
	if (meta != out->last_block) {
		fail(out, 0, "chain.last_block is %" PRIu64 " but the last stored block is %" PRIu64,
		     meta, out->last_block);
		return -1;
	}
	return 0;
}

/* Σ term(k, v) over the `state` column family against the last block's root. */
static int check_state(struct drill_replica_result *out, struct drill_store *s)
{
	struct drill_u256 sum = {{0, 0, 0, 0}}, t;
	int ret = 0;
	struct drill_store_iter *it = drill_store_iter_new(s, DRILL_CF_STATE, NULL, 0);
	for (; drill_store_iter_valid(it); drill_store_iter_next(it)) {
		size_t klen, vlen;
		const uint8_t *k = drill_store_iter_key(it, &klen);
		const uint8_t *v = drill_store_iter_value(it, &vlen);
		uint8_t term[DRILL_HASH_LEN];
		if (klen > UINT32_MAX || vlen > UINT32_MAX) {
			fail(out, 0, "state: an entry is too large (%zu-byte key, %zu-byte value)",
			     klen, vlen);
			ret = -1;
			goto cleanup;
		}
		drill_term(term, k, (uint32_t)klen, v, (uint32_t)vlen);
		drill_u256_from_le(&t, term);
		drill_u256_add(&sum, &t);
	}
	if (drill_store_iter_status(it) != 0) {
		fail(out, 0, "state: %s", drill_err_last());
		ret = -1;
		goto cleanup;
	}
	uint8_t root[DRILL_HASH_LEN];
	drill_u256_to_le(root, &sum);
	if (memcmp(root, out->state_root, DRILL_HASH_LEN)) {
		char got[17], want[17];
		short_hex(got, root);
		short_hex(want, out->state_root);
		fail(out, 0, "state: the state column family sums to root %s..., block %" PRIu64
		     " has %s...", got, out->last_block, want);
		ret = -1;
	}
cleanup:
	drill_store_iter_free(it);
	return ret;
}

/* A rocksdbdata directory without a database: empty (or only checkpoints) means missing; files
 * that look like a damaged database mean corrupt. */
static int holds_db_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int yes = 0;
	struct dirent *e;
	while (!yes && (e = readdir(d))) {
		const char *n = e->d_name;
		yes = !strncmp(n, "MANIFEST-", 9) || !strncmp(n, "OPTIONS-", 8) ||
		      strstr(n, ".sst") || strstr(n, ".log");
	}
	closedir(d);
	return yes;
}

void drill_verify_replica(struct drill_replica_result *out, const char *path)
{
	memset(out, 0, sizeof(*out));
	out->path = drill_xstrdup(path);
	out->expected_id = -1;
	out->replica_id = -1;
	out->status = DRILL_REPLICA_OK;

	struct drill_store *s = NULL;
	int rc = drill_verify_resolve(&out->db_path, path);
	if (rc == DRILL_ENOTFOUND) {
		out->status = DRILL_REPLICA_MISSING;
		out->error = drill_xstrdup(drill_err_last());
		goto cleanup;
	}
	if (rc) {
		fail(out, 0, NULL);
		goto cleanup;
	}
	out->expected_id = expected_replica_id(out->db_path);

	report_phase('o');
	/* The format is told by the column families; a database whose list cannot be read is left
	 * to the open below, which reports why. */
	char **cfs = NULL;
	size_t ncf = 0;
	int concord = drill_store_list_cfs(&cfs, &ncf, out->db_path) == 0 &&
		      drill_kvbc_detect(cfs, ncf);
	drill_store_cfs_free(cfs, ncf);
	if (concord) {
		drill_verify_concord_replica(out, NULL);
		progress_total(out->blocks_checked);
		progress_done(out->blocks_checked);
		goto cleanup;
	}

	rc = drill_store_open(&s, out->db_path, DRILL_STORE_READONLY);
	if (rc == DRILL_ENOTFOUND && !holds_db_files(out->db_path)) {
		out->status = DRILL_REPLICA_MISSING;
		out->error = drill_xasprintf("%s: no database", out->db_path);
		goto cleanup;
	}
	if (rc) {
		fail(out, 0, "%s", drill_err_last());
		goto cleanup;
	}
	report_phase('r');
	out->format = DRILL_FORMAT_CHAINDRILL;
	if (check_meta(out, s) || check_blocks(out, s) || check_last_block(out, s) ||
	    check_state(out, s))
		goto cleanup;
cleanup:
	drill_store_close(s);
}

/* --- Checkpoint checks (made in the child that verifies the checkpoint) ---------------------- */

static int parse_decimal(uint64_t *v, const char *s)
{
	if (!*s || strlen(s) > 19)
		return -1;
	uint64_t x = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

static int cmp_ckpt(const void *a, const void *b)
{
	const struct drill_checkpoint_result *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* ckpt.self of a checkpoint database against what verifying it found (r is ok); a difference
 * makes r corrupt. */
static void check_ckpt_self(struct drill_replica_result *r, uint64_t ckpt_id)
{
	struct drill_store *s = NULL;
	uint8_t *v = NULL;
	size_t vlen = 0;
	json_t *o = NULL;
	if (drill_store_open(&s, r->db_path, DRILL_STORE_READONLY) != 0) {
		fail(r, 0, "%s", drill_err_last());
		goto cleanup;
	}
	int rc = drill_store_get(s, DRILL_CF_DEFAULT, "ckpt.self", 9, &v, &vlen);
	if (rc) {
		fail(r, 0, "ckpt.self: %s", rc == DRILL_ENOTFOUND ? "missing" : drill_err_last());
		goto cleanup;
	}
	json_error_t jerr;
	o = json_loadb((const char *)v, vlen, 0, &jerr);
	json_t *id = json_object_get(o, "id");
	const char *dg = json_string_value(json_object_get(o, "digest"));
	const char *sr = json_string_value(json_object_get(o, "stateRoot"));
	if (!json_is_object(o) || !json_is_integer(id)) {
		fail(r, 0, "ckpt.self: not a checkpoint description (%s)",
		     o ? "no integer \"id\"" : jerr.text);
		goto cleanup;
	}
	if ((uint64_t)json_integer_value(id) != ckpt_id) {
		fail(r, 0, "ckpt.self names checkpoint %" JSON_INTEGER_FORMAT ", not %" PRIu64,
		     json_integer_value(id), ckpt_id);
		goto cleanup;
	}
	char hex[2 * DRILL_HASH_LEN + 1];
	drill_hex(hex, r->digest, DRILL_HASH_LEN);
	if (!r->has_digest || !dg || strcmp(dg, hex)) {
		fail(r, 0, "ckpt.self digest %.16s... differs from block %" PRIu64 "'s %.16s...",
		     dg ? dg : "(none)", ckpt_id, r->has_digest ? hex : "(none)");
		goto cleanup;
	}
	drill_hex(hex, r->state_root, DRILL_HASH_LEN);
	if (!sr || strcmp(sr, hex)) {
		fail(r, 0, "ckpt.self stateRoot %.16s... differs from block %" PRIu64 "'s %.16s...",
		     sr ? sr : "(none)", ckpt_id, hex);
		goto cleanup;
	}
cleanup:
	json_decref(o);
	free(v);
	drill_store_close(s);
}

/* A checkpoint is its database verified, holding blocks up to its id, with a matching ckpt.self. */
static void verify_checkpoint_db(struct drill_replica_result *r, const char *path, uint64_t id)
{
	drill_verify_replica(r, path);
	if (r->status != DRILL_REPLICA_OK)
		return;
	if (r->last_block != id)
		fail(r, 0, "holds blocks up to %" PRIu64 ", expected %" PRIu64, r->last_block, id);
	else if (r->format == DRILL_FORMAT_CONCORD) {
		if (drill_verify_concord_state_hash(r->db_path, id, NULL) != 0)
			fail(r, 0, "%s", drill_err_last());
	} else
		check_ckpt_self(r, id);
}

/* --- Isolation: every read of a database in a child process that may die -------------------------
 *
 * RocksDB is built with assertions on (Debian's librocksdb is), and some damage to an SST makes it
 * abort instead of returning Corruption. A database chaindrill did not just write is therefore only
 * ever opened in a child forked for it: the child verifies one database and sends its result to
 * the parent through a pipe, as records
 *
 *   'T' u64 | 'A' u64        progress: blocks expected, blocks checked (the parent shows them)
 *   'o' | 'r'                the child is opening the database, then reading it
 *   'R' u32 len | result     the verified result, serialized (encode_result)
 *
 * and its stdout and stderr go to a second pipe, of which the parent keeps the first
 * CAPTURE_MAX bytes. A child that dies by a signal, or exits without a whole 'R' record, makes its
 * database `corrupt` with the reason it printed (an assertion, a sanitizer's report) or, when it
 * printed nothing, the signal and what it was doing. Children are forked from the calling thread
 * (no threads of ours run meanwhile), at most `jobs` at once, and polled from it; nothing of the
 * parent's state is shared with them but what fork copies. */

#define CAPTURE_MAX 16384          /* bytes of a child's stderr kept for its reason */
#define RESULT_MAX (1u << 20)      /* a result is a few KiB: more is a broken child */

/* Start a reader: fn(arg) in a child (util/forksrv.h: forked from a process with one thread
 * when the fork server runs), with a channel to it (a pipe it writes, or with `sock` a socket
 * pair) as its fds[0] and a pipe for its stdout and stderr. Returns 0 with *chan and *err our read
 * ends, or an error (nothing started) with the message set. */
static int start_reader(struct drill_child *ch, drill_child_fn fn, const void *arg, size_t len,
			int *chan, int *err, int sock)
{
	int c[2], e[2];
	if (sock ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c) : pipe2(c, O_CLOEXEC))
		return drill_err(DRILL_EFAIL, "%s: %s", sock ? "socketpair" : "pipe", strerror(errno));
	if (pipe2(e, O_CLOEXEC) != 0) {
		int no = errno;
		close(c[0]);
		close(c[1]);
		return drill_err(DRILL_EFAIL, "pipe: %s", strerror(no));
	}
	int rc = drill_child_start(ch, fn, arg, len, &c[1], 1, e[1]);
	close(c[1]);
	close(e[1]);
	if (rc) {
		close(c[0]);
		close(e[0]);
		return rc;
	}
	*chan = c[0];
	*err = e[0];
	return 0;
}

/* start_reader for a child whose argument is a tag byte, a number and a path, sent as bytes (the
 * child may be forked by the fork server, which has none of our memory): unpack_job reads them. */
static int start_job(struct drill_child *ch, drill_child_fn fn, uint8_t tag, uint64_t n,
		     const char *path, int *chan, int *err, int sock)
{
	uint8_t arg[10 + PATH_MAX];
	size_t len = strlen(path);
	if (10 + len > sizeof(arg))
		return drill_err(DRILL_EINPUT, "%s: path too long", path);
	arg[0] = tag;
	drill_put_be64(arg + 1, n);
	memcpy(arg + 9, path, len + 1);
	return start_reader(ch, fn, arg, 10 + len, chan, err, sock);
}

/* The argument start_job sent; the path is the NUL-terminated rest. -1 when the bytes are not one. */
static int unpack_job(const void *arg, size_t len, uint8_t *tag, uint64_t *n, const char **path)
{
	const uint8_t *b = arg;
	if (len < 10 || memchr(b + 9, '\0', len - 9) != b + len - 1)
		return -1;
	*tag = b[0];
	*n = drill_get_be64(b + 1);
	*path = (const char *)b + 9;
	return 0;
}

static void report_progress(char type, uint64_t n)
{
	uint8_t rec[9];
	rec[0] = (uint8_t)type;
	drill_put_be64(rec + 1, n);
	(void)drill_fs_write_all(report_fd, rec, sizeof(rec));
}

static void report_phase(char phase)
{
	if (report_fd >= 0)
		(void)drill_fs_write_all(report_fd, &phase, 1);
}

static void put_u64(struct drill_buf *b, uint64_t v)
{
	uint8_t x[8];
	drill_put_be64(x, v);
	drill_buf_append(b, x, 8);
}

static void put_str(struct drill_buf *b, const char *s)
{
	uint8_t x[4];
	size_t len = s ? strlen(s) : 0;
	drill_put_be32(x, s ? (uint32_t)len : UINT32_MAX);
	drill_buf_append(b, x, 4);
	drill_buf_append(b, s, len);
}

/* status u8 | has_digest u8 | last_block, error_block, expected_id, replica_id, blocks_checked,
 * bytes_checked u64 | digest[32] | state_root[32] | db_path, error (u32 length, ~0 for NULL). */
static void encode_result(struct drill_buf *b, const struct drill_replica_result *r)
{
	uint8_t x[3] = {(uint8_t)r->status, (uint8_t)r->has_digest, (uint8_t)r->format};
	drill_buf_append(b, x, 3);
	put_u64(b, r->last_block);
	put_u64(b, r->error_block);
	put_u64(b, (uint64_t)(int64_t)r->expected_id);
	put_u64(b, (uint64_t)(int64_t)r->replica_id);
	put_u64(b, r->blocks_checked);
	put_u64(b, r->bytes_checked);
	put_u64(b, r->genesis_block);
	put_u64(b, r->st_chain_blocks);
	put_u64(b, r->quirk_blocks);
	put_u64(b, r->quirk_first);
	drill_buf_append(b, r->digest, DRILL_HASH_LEN);
	drill_buf_append(b, r->state_root, DRILL_HASH_LEN);
	put_str(b, r->db_path);
	put_str(b, r->error);
	put_str(b, r->quirk);
}

static int get_str(char **out, const uint8_t **p, const uint8_t *end)
{
	if (end - *p < 4)
		return -1;
	uint32_t len = drill_get_be32(*p);
	*p += 4;
	if (len == UINT32_MAX)
		return 0;
	if ((size_t)(end - *p) < len)
		return -1;
	*out = drill_xmalloc((size_t)len + 1);
	memcpy(*out, *p, len);
	(*out)[len] = '\0';
	*p += len;
	return 0;
}

/* The inverse of encode_result into *r (path untouched); -1 if the bytes are not one result. */
static int decode_result(struct drill_replica_result *r, const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	if (len < 3 + 10 * 8 + 2 * DRILL_HASH_LEN || p[0] > DRILL_REPLICA_MISSING ||
	    p[2] > DRILL_FORMAT_CONCORD)
		return -1;
	r->status = (enum drill_replica_health)p[0];
	r->has_digest = p[1] != 0;
	r->format = (enum drill_replica_format)p[2];
	p += 3;
	r->last_block = drill_get_be64(p);
	r->error_block = drill_get_be64(p + 8);
	r->expected_id = (long)(int64_t)drill_get_be64(p + 16);
	r->replica_id = (long)(int64_t)drill_get_be64(p + 24);
	r->blocks_checked = drill_get_be64(p + 32);
	r->bytes_checked = drill_get_be64(p + 40);
	r->genesis_block = drill_get_be64(p + 48);
	r->st_chain_blocks = drill_get_be64(p + 56);
	r->quirk_blocks = drill_get_be64(p + 64);
	r->quirk_first = drill_get_be64(p + 72);
	p += 80;
	memcpy(r->digest, p, DRILL_HASH_LEN);
	memcpy(r->state_root, p + DRILL_HASH_LEN, DRILL_HASH_LEN);
	p += 2 * DRILL_HASH_LEN;
	if (get_str(&r->db_path, &p, end) || get_str(&r->error, &p, end) ||
	    get_str(&r->quirk, &p, end) || p != end)
		return -1;
	return 0;
}

/* One database to verify in a child: a replica, or a checkpoint (ckpt: its id is checked too). */
struct iso_job {
	const char *path;
	int ckpt;
	uint64_t ckpt_id;
	struct drill_replica_result *out;
};

/* The child: verify, send the result through fds[0]. */
static int iso_main(const void *arg, size_t len, const int *fds, size_t nfds)
{
	uint8_t ckpt;
	uint64_t ckpt_id;
	const char *path;
	if (nfds != 1 || unpack_job(arg, len, &ckpt, &ckpt_id, &path) != 0)
		return 124;
	verify_progress = NULL;
	report_fd = fds[0];
	struct drill_replica_result r;
	if (ckpt)
		verify_checkpoint_db(&r, path, ckpt_id);
	else
		drill_verify_replica(&r, path);
	struct drill_buf b;
	drill_buf_init(&b, RESULT_MAX);
	uint8_t head[5] = {'R'};
	drill_buf_append(&b, head, sizeof(head));
	encode_result(&b, &r);
	drill_put_be32(b.data + 1, (uint32_t)(b.len - sizeof(head)));
	int rc = drill_fs_write_all(report_fd, b.data, b.len);
	drill_buf_free(&b);
	free(r.path);
	free(r.db_path);
	free(r.error);
	return rc ? 125 : 0;
}

/* A running child, as the parent sees it. */
struct iso_child {
	struct iso_job *job;
	struct drill_child proc;
	int active;
	int res_fd, err_fd;   /* -1 once at EOF */
	struct drill_buf res; /* the records received */
	size_t parsed;        /* bytes of res already handled */
	const uint8_t *result; /* the 'R' payload in res, once whole */
	uint32_t result_len;
	char phase;           /* 0, 'o' or 'r' */
	char err[CAPTURE_MAX];
	size_t err_len;
};

static int iso_start(struct iso_child *c, struct iso_job *job)
{
	memset(c, 0, sizeof(*c));
	c->job = job;
	c->res_fd = c->err_fd = -1;
	int rc = start_job(&c->proc, iso_main, (uint8_t)job->ckpt, job->ckpt_id, job->path,
			   &c->res_fd, &c->err_fd, 0);
	if (rc)
		return rc;
	c->active = 1;
	drill_buf_init(&c->res, RESULT_MAX);
	return 0;
}

/* Handle the whole records received so far. -1 when the stream is not records. */
static int iso_parse(struct iso_child *c)
{
	while (c->parsed < c->res.len && !c->result) {
		const uint8_t *p = c->res.data + c->parsed;
		size_t left = c->res.len - c->parsed;
		switch (p[0]) {
		case 'T':
		case 'A':
			if (left < 9)
				return 0;
			if (p[0] == 'T')
				drill_progress_add_total(verify_progress, drill_get_be64(p + 1));
			else
				drill_progress_add(verify_progress, drill_get_be64(p + 1));
			c->parsed += 9;
			break;
		case 'o':
		case 'r':
			c->phase = (char)p[0];
			c->parsed++;
			break;
		case 'R':
			if (left < 5 || left - 5 < drill_get_be32(p + 1))
				return 0;
			c->result = p + 5;
			c->result_len = drill_get_be32(p + 1);
			c->parsed += 5 + c->result_len;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* Read what is there on one of c's pipes; close it at EOF (or on a broken stream). */
static void iso_read(struct iso_child *c, int which_err)
{
	uint8_t buf[8192];
	int *fd = which_err ? &c->err_fd : &c->res_fd;
	ssize_t n = read(*fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0 && which_err) {
		size_t keep = sizeof(c->err) - 1 - c->err_len;
		if (keep > (size_t)n)
			keep = (size_t)n;
		memcpy(c->err + c->err_len, buf, keep);
		c->err_len += keep;
		return;
	}
	if (n > 0 && !c->result && drill_buf_append(&c->res, buf, (size_t)n) == 0 &&
	    iso_parse(c) == 0)
		return;
	if (n > 0 && c->result)
		return; /* nothing follows a result; drain it */
	close(*fd);
	*fd = -1;
}

/* The most telling line of what a dead child printed: an assertion or a sanitizer's report,
 * else the last line. Empty when it printed nothing. */
static void telling_line(char *out, size_t cap, const char *text)
{
	static const char *const marks[] = {"Assertion", "ERROR: AddressSanitizer", "runtime error:",
					    "Sanitizer", "terminate called", "what():"};
	const char *best = NULL, *last = NULL;
	for (const char *l = text; *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		int blank = 1;
		for (size_t k = 0; k < len && blank; k++)
			blank = l[k] == ' ' || l[k] == '\t' || l[k] == '\r';
		if (!blank)
			last = l;
		for (size_t m = 0; !best && !blank && m < sizeof(marks) / sizeof(marks[0]); m++) {
			const char *hit = strstr(l, marks[m]);
			if (hit && hit < l + len)
				best = l;
		}
		l += len + (e != NULL);
	}
	const char *l = best ? best : last;
	if (!l) {
		out[0] = '\0';
		return;
	}
	/* glibc's assertion message starts with the program's name: the reader's is ours */
	size_t pn = strlen(program_invocation_short_name);
	if (!strncmp(l, program_invocation_short_name, pn) && !strncmp(l + pn, ": ", 2))
		l += pn + 2;
	size_t len = strcspn(l, "\n");
	while (len > 0 && (l[len - 1] == '\r' || l[len - 1] == ' '))
		len--;
	if (len > cap - 1)
		len = cap - 1;
	memcpy(out, l, len);
	out[len] = '\0';
}

/* The child ended (status from waitpid): fill the job's result from its record, or make the
 * database corrupt with the reason the child gives. */
static void iso_finish(struct iso_child *c, int status)
{
	struct drill_replica_result *out = c->job->out;
	memset(out, 0, sizeof(*out));
	out->path = drill_xstrdup(c->job->path);
	out->expected_id = -1;
	out->replica_id = -1;
	int exited = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (exited && c->result && decode_result(out, c->result, c->result_len) == 0) {
		if (c->err_len) /* what a healthy child printed is not lost */
			drill_log_debug("verify %s: %.*s", c->job->path, (int)c->err_len, c->err);
		return;
	}
	free(out->path);
	free(out->db_path);
	free(out->error);
	memset(out, 0, sizeof(*out));
	out->path = drill_xstrdup(c->job->path);
	out->status = DRILL_REPLICA_CORRUPT;
	out->reader_died = 1;
	out->expected_id = -1;
	out->replica_id = -1;
	if (drill_verify_resolve(&out->db_path, c->job->path) == 0)
		out->expected_id = expected_replica_id(out->db_path);
	c->err[c->err_len] = '\0';
	char line[ERR_LEN - 200];
	telling_line(line, sizeof(line), c->err);
	const char *what = c->phase == 'o' ? "opening" : c->phase == 'r' ? "reading" : "verifying";
	const char *db = out->db_path ? out->db_path : c->job->path;
	const char *how = WIFSIGNALED(status) || !WIFEXITED(status) || WEXITSTATUS(status)
			  ? drill_proc_status_str(status) : "ended without a result";
	if (line[0])
		out->error = drill_xasprintf("%s (the reader %s while %s %s)", line, how, what, db);
	else
		out->error = drill_xasprintf("%s while %s %s", how, what, db);
	if (c->err_len)
		drill_log_debug("verify %s: the reader %s; it printed:\n%s", c->job->path, how, c->err);
}

/* Verify every job in a child of its own, at most `jobs` at once (≤ 0: one per core). Every
 * job's result is filled, whatever its child did. */
static void iso_run(struct iso_job *job, size_t n, int jobs)
{
	if (jobs <= 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = cores > 0 ? (int)cores : 1;
	}
	size_t slots = (size_t)jobs < n ? (size_t)jobs : n;
	struct iso_child *c = drill_xcalloc(slots ? slots : 1, sizeof(*c));
	struct pollfd *pfd = drill_xcalloc(2 * (slots ? slots : 1), sizeof(*pfd));
	size_t next = 0, active = 0;
	while (next < n || active > 0) {
		for (size_t k = 0; k < slots && next < n; k++) {
			if (c[k].active)
				continue;
			struct iso_job *j = &job[next++];
			if (iso_start(&c[k], j) != 0) {
				/* no child: the database is not read at all, and says why */
				struct drill_replica_result *out = j->out;
				memset(out, 0, sizeof(*out));
				out->path = drill_xstrdup(j->path);
				out->expected_id = out->replica_id = -1;
				out->status = DRILL_REPLICA_CORRUPT;
				out->error = drill_xasprintf("not verified: %s", drill_err_last());
				continue;
			}
			active++;
		}
		if (!active)
			continue;
		size_t np = 0;
		for (size_t k = 0; k < slots; k++) {
			if (!c[k].active)
				continue;
			if (c[k].res_fd >= 0)
				pfd[np++] = (struct pollfd){.fd = c[k].res_fd, .events = POLLIN};
			if (c[k].err_fd >= 0)
				pfd[np++] = (struct pollfd){.fd = c[k].err_fd, .events = POLLIN};
		}
		if (np && poll(pfd, (nfds_t)np, -1) < 0 && errno != EINTR)
			np = 0; /* cannot happen with valid fds; the reads below block instead */
		for (size_t k = 0; k < slots; k++) {
			if (!c[k].active)
				continue;
			for (size_t q = 0; q < np; q++) {
				if (!pfd[q].revents)
					continue;
				if (pfd[q].fd == c[k].res_fd)
					iso_read(&c[k], 0);
				else if (pfd[q].fd == c[k].err_fd)
					iso_read(&c[k], 1);
			}
			if (c[k].res_fd >= 0 || c[k].err_fd >= 0)
				continue;
			int status = 0;
			if (drill_child_wait(&c[k].proc, -1, &status) != 0 && !status)
				status = 0x7f00; /* not ours any more: neither exited nor signaled */
			iso_finish(&c[k], status);
			drill_buf_free(&c[k].res);
			c[k].active = 0;
			active--;
		}
	}
	free(pfd);
	free(c);
}

void drill_verify_replica_isolated(struct drill_replica_result *out, const char *path)
{
	struct iso_job job = {.path = path, .out = out};
	iso_run(&job, 1, 1);
}

/* The child of drill_isolated: the argument is fn's address and fn's argument; fn's code (i32)
 * and message go through fds[0]. */
static int isolated_main(const void *arg, size_t len, const int *fds, size_t nfds)
{
	drill_isolated_fn fn;
	if (nfds != 1 || len < sizeof(fn))
		return 124;
	memcpy(&fn, arg, sizeof(fn));
	int rc = fn((const uint8_t *)arg + sizeof(fn), len - sizeof(fn));
	const char *msg = rc ? drill_err_last() : "";
	uint8_t head[4];
	drill_put_be32(head, (uint32_t)rc);
	int bad = drill_fs_write_all(fds[0], head, 4) || drill_fs_write_all(fds[0], msg, strlen(msg));
	return bad ? 125 : 0;
}

int drill_isolated(drill_isolated_fn fn, const void *arg, size_t len, const char *what)
{
	if (len > DRILL_CHILD_MAX_ARG - sizeof(fn))
		return drill_err(DRILL_EFAIL, "%s: %zu bytes of argument is too many", what, len);
	uint8_t *req = drill_xmalloc(sizeof(fn) + len);
	memcpy(req, &fn, sizeof(fn));
	if (len)
		memcpy(req + sizeof(fn), arg, len);
	struct drill_child proc;
	int res, err;
	int started = start_reader(&proc, isolated_main, req, sizeof(fn) + len, &res, &err, 0);
	free(req);
	if (started)
		return started;
	/* A child that has not died has at most ERR_LEN bytes of message: read its stderr until EOF
	 * (bounded), then the result, which is small enough to sit in the pipe meanwhile. */
	struct iso_child c;
	memset(&c, 0, sizeof(c));
	c.err_fd = err;
	c.res_fd = -1;
	while (c.err_fd >= 0)
		iso_read(&c, 1);
	c.err[c.err_len] = '\0';
	struct drill_buf b;
	drill_buf_init(&b, 4 + ERR_LEN);
	for (;;) {
		uint8_t buf[1024];
		ssize_t n = read(res, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || drill_buf_append(&b, buf, (size_t)n) != 0)
			break;
	}
	close(res);
	int status = 0;
	if (drill_child_wait(&proc, -1, &status) != 0 && !status)
		status = 0x7f00;
	int rc;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && b.len >= 4) {
		rc = (int)(int32_t)drill_get_be32(b.data);
		if (rc)
			rc = drill_err(rc, "%.*s", (int)(b.len - 4), (const char *)b.data + 4);
	} else {
		char line[ERR_LEN - 200];
		telling_line(line, sizeof(line), c.err);
		const char *how = WIFEXITED(status) && WEXITSTATUS(status) == 0
				  ? "ended without a result" : drill_proc_status_str(status);
		if (line[0])
			rc = drill_err(DRILL_ECORRUPT, "%s (the process %s while %s)", line, how, what);
		else
			rc = drill_err(DRILL_ECORRUPT, "%s while %s", how, what);
	}
	drill_buf_free(&b);
	return rc;
}

/* --- Checkpoints --------------------------------------------------------------------------- */

int drill_verify_checkpoints(struct drill_checkpoint_result **out, size_t *n, const char *db_path)
{
	*out = NULL;
	*n = 0;
	char *parent = drill_xasprintf("%s/checkpoints", db_path);
	DIR *d = opendir(parent);
	if (!d) {
		int missing = errno == ENOENT;
		int rc = missing ? 0 : drill_err(DRILL_EFAIL, "%s: %s", parent, strerror(errno));
		free(parent);
		return rc;
	}
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		uint64_t id;
		if (parse_decimal(&id, e->d_name) != 0) /* ".", "..", leftover .tmp-<id> */
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			*out = drill_xrealloc(*out, cap * sizeof(**out));
		}
		struct drill_checkpoint_result *c = &(*out)[(*n)++];
		memset(c, 0, sizeof(*c));
		c->id = id;
		c->path = drill_xasprintf("%s/%s", parent, e->d_name);
	}
	closedir(d);
	free(parent);
	if (*n == 0)
		return 0;
	qsort(*out, *n, sizeof(**out), cmp_ckpt);

	/* each checkpoint in a child of its own, as many at once as there are cores */
	struct iso_job *jobs = drill_xcalloc(*n, sizeof(*jobs));
	struct drill_replica_result *r = drill_xcalloc(*n, sizeof(*r));
	for (size_t i = 0; i < *n; i++)
		jobs[i] = (struct iso_job){(*out)[i].path, 1, (*out)[i].id, &r[i]};
	iso_run(jobs, *n, 0);
	for (size_t i = 0; i < *n; i++) {
		struct drill_checkpoint_result *c = &(*out)[i];
		c->status = r[i].status == DRILL_REPLICA_OK ? DRILL_REPLICA_OK : DRILL_REPLICA_CORRUPT;
		if (c->status != DRILL_REPLICA_OK)
			c->error = drill_xstrdup(r[i].error ? r[i].error : "no database");
		free(r[i].path);
		free(r[i].db_path);
		free(r[i].error);
		free(r[i].quirk);
	}
	free(r);
	free(jobs);
	return 0;
}

void drill_verify_checkpoints_free(struct drill_checkpoint_result *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++) {
		free(c[i].path);
		free(c[i].error);
	}
	free(c);
}

/* --- The verdict --------------------------------------------------------------------------- */

/* Digest of block h on replica i: its own digest at its tip, else through digest_at. */
static int digest_of(struct drill_verify_result *r, drill_digest_at_fn fn, void *ctx, size_t i,
		     uint64_t h, uint8_t out[DRILL_HASH_LEN])
{
	struct drill_replica_result *x = &r->replicas[i];
	if (h == x->last_block) {
		memcpy(out, x->digest, DRILL_HASH_LEN);
		return 0;
	}
	int rc = fn ? fn(ctx, i, h, out) : -1;
	if (rc == DRILL_ECORRUPT) { /* the reader died: say how */
		fail(x, h, "block %" PRIu64 ": unreadable when compared with the other replicas: %s",
		     h, drill_err_last());
		return -1;
	}
	if (rc) {
		fail(x, h, "block %" PRIu64 ": unreadable when compared with the other replicas", h);
		return -1;
	}
	return 0;
}

/* Is there a group of ≥ q ok replicas holding the same digest at h? Fills *digest if so. */
static int quorum_at(struct drill_verify_result *r, drill_digest_at_fn fn, void *ctx, uint64_t h,
		     size_t q, uint8_t digest[DRILL_HASH_LEN], uint8_t (*tmp)[DRILL_HASH_LEN],
		     size_t *idx)
{
	size_t m = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (r->replicas[i].status != DRILL_REPLICA_OK || r->replicas[i].last_block < h)
			continue;
		if (digest_of(r, fn, ctx, i, h, tmp[m]) != 0)
			continue;
		idx[m++] = i;
	}
	for (size_t a = 0; a < m; a++) {
		size_t same = 0;
		for (size_t b = 0; b < m; b++)
			same += !memcmp(tmp[a], tmp[b], DRILL_HASH_LEN);
		if (same >= q) {
			memcpy(digest, tmp[a], DRILL_HASH_LEN);
			return 1;
		}
	}
	return 0;
}

/* Ok replicas, and the highest last block among them. */
static size_t count_ok(const struct drill_verify_result *r, uint64_t *max_last)
{
	size_t ok = 0;
	*max_last = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (r->replicas[i].status != DRILL_REPLICA_OK)
			continue;
		ok++;
		if (r->replicas[i].last_block > *max_last)
			*max_last = r->replicas[i].last_block;
	}
	return ok;
}

/* agreedBlock by bisection over [1, max_last]. 0 when no replica was demoted on the way. */
static int find_agreed(struct drill_verify_result *r, drill_digest_at_fn fn, void *ctx, size_t q)
{
	uint64_t max_last;
	size_t ok = count_ok(r, &max_last);
	r->has_agreed = 0;
	r->agreed_block = 0;
	memset(r->agreed_digest, 0, DRILL_HASH_LEN);
	if (ok < q || max_last == 0)
		return 0;
	uint8_t (*tmp)[DRILL_HASH_LEN] = drill_xcalloc(r->n, DRILL_HASH_LEN);
	size_t *idx = drill_xcalloc(r->n, sizeof(*idx));
	uint8_t d[DRILL_HASH_LEN];
	uint64_t lo = 1, hi = max_last; /* find the highest h in [lo, hi] with a quorum */
	while (lo <= hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (quorum_at(r, fn, ctx, mid, q, d, tmp, idx)) {
			r->has_agreed = 1;
			r->agreed_block = mid;
			memcpy(r->agreed_digest, d, DRILL_HASH_LEN);
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	free(idx);
	free(tmp);
	uint64_t unused;
	return count_ok(r, &unused) != ok;
}

/* The quorum verdict of docs/design.md §5. Ok replicas have verified parent links, so two of them
 * that agree at height h agree at every height below: a fork shows at the lower tip of any pair,
 * and "≥ q replicas agree at h" is monotone in h, so agreedBlock is found by bisection. A replica
 * whose block cannot be read back for a comparison is demoted to corrupt; the fork check and the
 * bisection can both demote, so the bisection is repeated until no replica is demoted (at most n
 * times) and the verdict is decided last, on the final statuses. */
void drill_verdict_compute(struct drill_verify_result *r, drill_digest_at_fn digest_at, void *ctx)
{
	size_t n = r->n;
	if (r->f < 0)
		r->f = n ? (int)((n - 1) / 3) : 0;
	size_t q = 2 * (size_t)r->f + 1;
	int fork = 0;
	uint8_t a[DRILL_HASH_LEN], b[DRILL_HASH_LEN];

	for (size_t i = 0; i < n && !fork; i++) {
		for (size_t j = i + 1; j < n && !fork; j++) {
			struct drill_replica_result *x = &r->replicas[i], *y = &r->replicas[j];
			if (x->status != DRILL_REPLICA_OK || y->status != DRILL_REPLICA_OK)
				continue;
			uint64_t h = x->last_block < y->last_block ? x->last_block : y->last_block;
			if (h == 0)
				continue;
			if (digest_of(r, digest_at, ctx, i, h, a) || digest_of(r, digest_at, ctx, j,
									   h, b))
				continue;
			fork = memcmp(a, b, DRILL_HASH_LEN) != 0;
		}
	}

	while (find_agreed(r, digest_at, ctx, q))
		;

	size_t ok = 0, same = 1;
	const struct drill_replica_result *first = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct drill_replica_result *x = &r->replicas[i];
		if (x->status != DRILL_REPLICA_OK)
			continue;
		ok++;
		if (!first)
			first = x;
		if (x->last_block != first->last_block || x->has_digest != first->has_digest ||
		    (x->has_digest && memcmp(x->digest, first->digest, DRILL_HASH_LEN)))
			same = 0;
	}
	if (fork)
		r->verdict = DRILL_VERDICT_DIVERGENT;
	else if (n > 0 && ok == n && same)
		r->verdict = DRILL_VERDICT_CONSISTENT;
	else if (ok >= q)
		r->verdict = DRILL_VERDICT_RECOVERABLE;
	else
		r->verdict = DRILL_VERDICT_UNRECOVERABLE;
}

/* --- A set of replicas --------------------------------------------------------------------- */

/* The digest of block h as stored, or non-zero if it cannot be read and decoded. */
static int stored_digest(struct drill_store *s, uint64_t h, struct drill_kv **kv, size_t *kv_cap,
			 uint8_t out[DRILL_HASH_LEN])
{
	uint8_t *val = NULL;
	size_t vlen = 0;
	struct drill_block b = {0};
	int rc = drill_store_get_block(s, h, &val, &vlen);
	if (!rc)
		rc = drill_block_decode(&b, kv, kv_cap, val, vlen);
	if (!rc && b.id != h)
		rc = -1;
	if (!rc)
		memcpy(out, b.digest, DRILL_HASH_LEN);
	free(val);
	return rc;
}

/* The verdict reads blocks back from replicas whose tips differ. Those reads are isolated too: a
 * child per replica, forked when its first block is asked for, serves "u64 h" with "u8 rc |
 * digest[32]" over a socket pair (send with MSG_NOSIGNAL: a dead server is a failed read, not
 * our SIGPIPE) until the socket closes. A server that dies makes that read, and the later ones,
 * fail; digest_of then demotes the replica with the reason the server printed. */
struct digest_server {
	struct drill_child proc;
	int running;
	int sock, err_fd;
	int dead;
	char *why; /* why it died (malloc'd), once dead */
};

static int serve_digests(const void *arg, size_t len, const int *fds, size_t nfds)
{
	uint8_t format;
	uint64_t unused;
	const char *db;
	if (nfds != 1 || unpack_job(arg, len, &format, &unused, &db) != 0)
		return 124;
	int sock = fds[0];
	struct drill_store *s = NULL;
	struct drill_kvbc *k = NULL; /* a Concord replica's reader (s opened with every CF) */
	struct drill_kv *kv = NULL;
	size_t kv_cap = 0;
	int concord = format == (uint8_t)DRILL_FORMAT_CONCORD;
	int opened = concord || drill_store_open(&s, db, DRILL_STORE_READONLY) == 0;
	uint8_t req[8], resp[1 + DRILL_HASH_LEN];
	for (;;) {
		size_t got = 0;
		while (got < sizeof(req)) {
			ssize_t r = read(sock, req + got, sizeof(req) - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (got < sizeof(req))
			break;
		memset(resp, 0, sizeof(resp));
		uint64_t h = drill_get_be64(req);
		if (concord)
			resp[0] = drill_verify_concord_digest(&s, &k, db, h, resp + 1) != 0;
		else
			resp[0] = !opened || stored_digest(s, h, &kv, &kv_cap, resp + 1);
		if (drill_fs_write_all(sock, resp, sizeof(resp)) != 0)
			break;
	}
	free(kv);
	if (concord)
		drill_verify_concord_close(s, k);
	else
		drill_store_close(s);
	return 0;
}

static int server_start(struct digest_server *sv, const char *db, enum drill_replica_format format)
{
	int rc = start_job(&sv->proc, serve_digests, (uint8_t)format, 0, db, &sv->sock, &sv->err_fd,
			   1);
	sv->running = rc == 0;
	return rc;
}

/* Close the server's socket (it exits), collect what it printed and reap it. Returns its wait
 * status; *printed gets the telling line of its output. */
static int server_stop(struct digest_server *sv, char *printed, size_t cap)
{
	char text[CAPTURE_MAX];
	size_t len = 0;
	close(sv->sock);
	sv->sock = -1;
	for (;;) {
		char buf[4096];
		ssize_t r = read(sv->err_fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		size_t keep = sizeof(text) - 1 - len < (size_t)r ? sizeof(text) - 1 - len : (size_t)r;
		memcpy(text + len, buf, keep);
		len += keep;
	}
	text[len] = '\0';
	close(sv->err_fd);
	sv->err_fd = -1;
	int status = 0;
	if (drill_child_wait(&sv->proc, -1, &status) != 0 && !status)
		status = 0x7f00;
	sv->running = 0;
	telling_line(printed, cap, text);
	return status;
}

/* Stores read on demand for the verdict's read-backs, one server per replica, stopped at the
 * end. */
struct reader {
	struct drill_verify_result *r;
	struct digest_server *sv;
};

static int read_digest(void *ctx, size_t i, uint64_t h, uint8_t out[DRILL_HASH_LEN])
{
	struct reader *rd = ctx;
	struct digest_server *sv = &rd->sv[i];
	const char *dir = rd->r->replicas[i].db_path;
	if (!dir)
		return -1;
	if (sv->dead)
		return drill_err(DRILL_ECORRUPT, "%s", sv->why);
	if (!sv->running && server_start(sv, dir, rd->r->replicas[i].format) != 0) {
		sv->dead = 1;
		sv->why = drill_xstrdup(drill_err_last());
		return DRILL_ECORRUPT;
	}
	uint8_t req[8], resp[1 + DRILL_HASH_LEN];
	drill_put_be64(req, h);
	size_t got = 0;
	if (send(sv->sock, req, sizeof(req), MSG_NOSIGNAL) == (ssize_t)sizeof(req)) {
		while (got < sizeof(resp)) {
			ssize_t r = recv(sv->sock, resp + got, sizeof(resp) - got, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
	}
	if (got == sizeof(resp)) {
		if (resp[0])
			return -1;
		memcpy(out, resp + 1, DRILL_HASH_LEN);
		return 0;
	}
	char line[ERR_LEN - 200];
	int status = server_stop(sv, line, sizeof(line));
	sv->dead = 1;
	sv->why = drill_xasprintf("%s%sthe reader %s while reading %s", line, *line ? " (" : "",
				  drill_proc_status_str(status), dir);
	if (*line) {
		char *w = drill_xasprintf("%s)", sv->why);
		free(sv->why);
		sv->why = w;
	}
	return drill_err(DRILL_ECORRUPT, "%s", sv->why);
}

int drill_verify_set(struct drill_verify_result *out, const char *const *paths, size_t n, int f,
		     int jobs)
{
	memset(out, 0, sizeof(*out));
	if (n == 0)
		return drill_err(DRILL_EINPUT, "verify: no replica path given");
	out->n = n;
	out->f = f;
	out->replicas = drill_xcalloc(n, sizeof(*out->replicas));

	char *label = drill_xasprintf("verify %zu replica%s", n, n == 1 ? "" : "s");
	verify_progress = drill_progress_start(label, 0, DRILL_PROGRESS_BLOCKS);
	free(label);
	/* One replica per child, as many children at once as cores (jobs <= 0) or as asked. */
	struct iso_job *job = drill_xcalloc(n, sizeof(*job));
	for (size_t i = 0; i < n; i++)
		job[i] = (struct iso_job){.path = paths[i], .out = &out->replicas[i]};
	iso_run(job, n, jobs);
	free(job);
	drill_progress_finish(verify_progress);
	verify_progress = NULL;

	struct reader rd = {.r = out, .sv = drill_xcalloc(n, sizeof(struct digest_server))};
	drill_verdict_compute(out, read_digest, &rd);
	for (size_t i = 0; i < n; i++) {
		char line[ERR_LEN];
		if (rd.sv[i].running)
			server_stop(&rd.sv[i], line, sizeof(line));
		free(rd.sv[i].why);
	}
	free(rd.sv);
	return 0;
}

void drill_verify_result_free(struct drill_verify_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->replicas && i < r->n; i++) {
		free(r->replicas[i].path);
		free(r->replicas[i].db_path);
		free(r->replicas[i].error);
		free(r->replicas[i].quirk);
	}
	free(r->replicas);
	r->replicas = NULL;
	r->n = 0;
}

/* --- JSON ---------------------------------------------------------------------------------- */

static json_t *hex_or_null(int present, const uint8_t h[DRILL_HASH_LEN])
{
	if (!present)
		return json_null();
	char hex[2 * DRILL_HASH_LEN + 1];
	drill_hex(hex, h, DRILL_HASH_LEN);
	return json_string(hex);
}

char *drill_verify_to_json(const struct drill_verify_result *r)
{
	json_t *reps = json_array();
	for (size_t i = 0; i < r->n; i++) {
		const struct drill_replica_result *x = &r->replicas[i];
		json_t *o = json_object();
		int have = x->status != DRILL_REPLICA_MISSING;
		json_object_set_new(o, "path", json_string(x->path ? x->path : ""));
		json_object_set_new(o, "status", json_string(drill_replica_status_name(x->status)));
		json_object_set_new(o, "lastBlock", json_integer((json_int_t)x->last_block));
		json_object_set_new(o, "digest", hex_or_null(have && x->has_digest, x->digest));
		int root = have && x->has_digest && x->format != DRILL_FORMAT_CONCORD;
		json_object_set_new(o, "stateRoot", hex_or_null(root, x->state_root));
		json_object_set_new(o, "error", x->error ? json_string(x->error) : json_null());
		json_object_set_new(o, "errorBlock", x->error_block ?
				    json_integer((json_int_t)x->error_block) : json_null());
		json_object_set_new(o, "replicaId", x->replica_id >= 0 ?
				    json_integer(x->replica_id) : json_null());
		const char *format = drill_replica_format_name(x->format);
		json_object_set_new(o, "format", format ? json_string(format) : json_null());
		if (x->format == DRILL_FORMAT_CONCORD) {
			json_object_set_new(o, "genesisBlock", json_integer((json_int_t)
									x->genesis_block));
			json_object_set_new(o, "stChainBlocks", json_integer((json_int_t)
									 x->st_chain_blocks));
			json_t *q = json_null();
			if (x->quirk_blocks) {
				q = json_object();
				json_object_set_new(q, "name", json_string("update-and-delete"));
				json_object_set_new(q, "firstBlock",
						    json_integer((json_int_t)x->quirk_first));
				json_object_set_new(q, "blocks",
						    json_integer((json_int_t)x->quirk_blocks));
				json_object_set_new(q, "detail", json_string(x->quirk));
			}
			json_object_set_new(o, "quirk", q);
		}
		json_array_append_new(reps, o);
	}
	json_t *root = json_object();
	json_object_set_new(root, "verdict", json_string(drill_verdict_name(r->verdict)));
	json_object_set_new(root, "f", json_integer(r->f));
	json_object_set_new(root, "agreedBlock", r->has_agreed ?
			    json_integer((json_int_t)r->agreed_block) : json_null());
	json_object_set_new(root, "agreedDigest", hex_or_null(r->has_agreed, r->agreed_digest));
	json_object_set_new(root, "replicas", reps);
	char *text = json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(2));
	json_decref(root);
	if (!text)
		abort(); /* jansson fails only without memory */
	return text;
}
