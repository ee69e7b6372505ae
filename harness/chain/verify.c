/* chain/verify.c — per-replica verification (streamed, read-only) and the quorum verdict (§5). */
#include "chain/verify.h"

#include "chain/block.h"
#include "chain/store.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/par.h"
#include "util/progress.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* The progress of drill_verify_set's replicas, in blocks; set before its threads start and
 * cleared after they end. The total grows by each replica's chain.last_block as it is opened. */
static struct drill_progress *verify_progress;
#define PROGRESS_EVERY 4096 /* blocks between two additions: the hot loop stays cheap */

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
	if (verify_progress && drill_store_get_meta_u64(s, "chain.last_block", &expected) == 0)
		drill_progress_add_total(verify_progress, expected);
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
			drill_progress_add(verify_progress, PROGRESS_EVERY);
	}
	if (drill_store_iter_status(it) != 0) {
		fail(out, last + 1, "block %" PRIu64 ": reading the blocks column family: %s",
		     last + 1, drill_err_last());
		ret = -1;
	}
cleanup:
	drill_progress_add(verify_progress, out->blocks_checked % PROGRESS_EVERY);
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
	if (check_meta(out, s) || check_blocks(out, s) || check_last_block(out, s) ||
	    check_state(out, s))
		goto cleanup;
cleanup:
	drill_store_close(s);
}

/* --- Checkpoints --------------------------------------------------------------------------- */

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

static void ckpt_fail(struct drill_checkpoint_result *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void ckpt_fail(struct drill_checkpoint_result *c, const char *fmt, ...)
{
	char msg[ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->status = DRILL_REPLICA_CORRUPT;
	free(c->error);
	c->error = drill_xstrdup(msg);
}

/* ckpt.self of a checkpoint database against what verifying it found. */
static void check_ckpt_self(struct drill_checkpoint_result *c, const struct drill_replica_result *r)
{
	struct drill_store *s = NULL;
	uint8_t *v = NULL;
	size_t vlen = 0;
	json_t *o = NULL;
	if (drill_store_open(&s, r->db_path, DRILL_STORE_READONLY) != 0) {
		ckpt_fail(c, "%s", drill_err_last());
		goto cleanup;
	}
	int rc = drill_store_get(s, DRILL_CF_DEFAULT, "ckpt.self", 9, &v, &vlen);
	if (rc) {
		ckpt_fail(c, "ckpt.self: %s", rc == DRILL_ENOTFOUND ? "missing" : drill_err_last());
		goto cleanup;
	}
	json_error_t jerr;
	o = json_loadb((const char *)v, vlen, 0, &jerr);
	json_t *id = json_object_get(o, "id");
	const char *dg = json_string_value(json_object_get(o, "digest"));
	const char *sr = json_string_value(json_object_get(o, "stateRoot"));
	if (!json_is_object(o) || !json_is_integer(id)) {
		ckpt_fail(c, "ckpt.self: not a checkpoint description (%s)",
			  o ? "no integer \"id\"" : jerr.text);
		goto cleanup;
	}
	if ((uint64_t)json_integer_value(id) != c->id) {
		ckpt_fail(c, "ckpt.self names checkpoint %" JSON_INTEGER_FORMAT ", not %" PRIu64,
			  json_integer_value(id), c->id);
		goto cleanup;
	}
	char hex[2 * DRILL_HASH_LEN + 1];
	drill_hex(hex, r->digest, DRILL_HASH_LEN);
	if (!r->has_digest || !dg || strcmp(dg, hex)) {
		ckpt_fail(c, "ckpt.self digest %.16s... differs from block %" PRIu64 "'s %.16s...",
			  dg ? dg : "(none)", c->id, r->has_digest ? hex : "(none)");
		goto cleanup;
	}
	drill_hex(hex, r->state_root, DRILL_HASH_LEN);
	if (!sr || strcmp(sr, hex)) {
		ckpt_fail(c, "ckpt.self stateRoot %.16s... differs from block %" PRIu64 "'s "
			  "%.16s...", sr ? sr : "(none)", c->id, hex);
		goto cleanup;
	}
cleanup:
	json_decref(o);
	free(v);
	drill_store_close(s);
}

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
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_ckpt);

	for (size_t i = 0; i < *n; i++) {
		struct drill_checkpoint_result *c = &(*out)[i];
		struct drill_replica_result r;
		drill_verify_replica(&r, c->path);
		c->status = DRILL_REPLICA_OK;
		if (r.status != DRILL_REPLICA_OK)
			ckpt_fail(c, "%s", r.error ? r.error : "no database");
		else if (r.last_block != c->id)
			ckpt_fail(c, "holds blocks up to %" PRIu64 ", expected %" PRIu64, r.last_block,
				  c->id);
		else
			check_ckpt_self(c, &r);
		free(r.path);
		free(r.db_path);
		free(r.error);
	}
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
	if (!fn || fn(ctx, i, h, out) != 0) {
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

struct set_job {
	const char *const *paths;
	struct drill_verify_result *r;
};

static int verify_one(size_t i, void *arg)
{
	struct set_job *job = arg;
	drill_verify_replica(&job->r->replicas[i], job->paths[i]); /* its outcome is in its result */
	return 0;
}

/* Stores opened on demand for the verdict's read-backs, one per replica, closed at the end. */
struct reader {
	struct drill_verify_result *r;
	struct drill_store **stores;
	struct drill_kv *kv;
	size_t kv_cap;
};

static int read_digest(void *ctx, size_t i, uint64_t h, uint8_t out[DRILL_HASH_LEN])
{
	struct reader *rd = ctx;
	const char *dir = rd->r->replicas[i].db_path;
	if (!dir)
		return -1;
	if (!rd->stores[i] && drill_store_open(&rd->stores[i], dir, DRILL_STORE_READONLY) != 0)
		return -1;
	uint8_t *val = NULL;
	size_t vlen = 0;
	struct drill_block b = {0};
	int rc = drill_store_get_block(rd->stores[i], h, &val, &vlen);
	if (!rc)
		rc = drill_block_decode(&b, &rd->kv, &rd->kv_cap, val, vlen);
	if (!rc && b.id != h)
		rc = -1;
	if (!rc)
		memcpy(out, b.digest, DRILL_HASH_LEN);
	free(val);
	return rc;
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
	/* One replica per thread, as many threads as cores (jobs <= 0) or as asked. */
	struct set_job job = {paths, out};
	drill_par_for(n, jobs, verify_one, &job);
	drill_progress_finish(verify_progress);
	verify_progress = NULL;

	struct reader rd = {.r = out, .stores = drill_xcalloc(n, sizeof(struct drill_store *))};
	drill_verdict_compute(out, read_digest, &rd);
	for (size_t i = 0; i < n; i++)
		drill_store_close(rd.stores[i]);
	free(rd.stores);
	free(rd.kv);
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
		json_object_set_new(o, "stateRoot", hex_or_null(have && x->has_digest,
								x->state_root));
		json_object_set_new(o, "error", x->error ? json_string(x->error) : json_null());
		json_object_set_new(o, "errorBlock", x->error_block ?
				    json_integer((json_int_t)x->error_block) : json_null());
		json_object_set_new(o, "replicaId", x->replica_id >= 0 ?
				    json_integer(x->replica_id) : json_null());
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
