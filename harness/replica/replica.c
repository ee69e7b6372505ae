/* replica/replica.c — the replica daemon: applies ordered requests, takes DB checkpoints, catches
 * up by state transfer and serves the operator API (libmicrohttpd lives in this file only). */
#include "replica/replica.h"

#include "replica/api.h"

#include "chain/block.h"
#include "chain/root.h"
#include "chain/store.h"
#include "replica/ckpt.h"
#include "replica/client.h"
#include "replica/proto.h"
#include "replica/terms.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/http.h"
#include "util/log.h"
#include "util/num.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define BLOCKS_MAX_RESPONSE (64u << 20) /* GET /v1/blocks answers at most this much */
#define BLOCKS_MAX_COUNT 100000u
#define TRANSFER_CHUNK 2000u            /* blocks asked for per GET during state transfer */
#define TRANSFER_ROUNDS 8               /* the peer may advance while we catch up */
#define PEER_TIMEOUT_MS 3000L
#define FETCH_TIMEOUT_MS 120000L
#define PENDING_MAX 1024                /* requests per RocksDB WriteBatch */
#define CKPT_TMP_PREFIX ".tmp-"
#define CKPT_KEY_PREFIX "ckpt/"
#define PEERS_MAX 64                    /* --peer options */
#define TERMS_CACHE_BITS 17             /* 128 Ki keys' terms, at most ~10 MiB (replica/terms.h) */
#define TERMS_CACHE_BITS_MAX 24
#define HTTP_MAX_CONNECTIONS 256        /* open at once, in all (--max-connections) */
#define HTTP_MAX_PER_CLIENT 32          /* from one IP address (--max-connections-per-client) */
#define HTTP_TIMEOUT_S 15               /* idle seconds before a connection is closed */
#define UPLOAD_TOTAL_MAX (512u << 20)   /* request bodies buffered at once, in all */

/* ---- the in-batch overlay ----------------------------------------------------------------
 * Requests are applied into one WriteBatch that is committed every PENDING_MAX requests, before a
 * checkpoint and at the end of each HTTP request. A key written earlier in the uncommitted batch
 * must be read back with its newer value (its term is the next update's prev_term), so the batch
 * keeps a small hash table of the values it holds. */
struct ov_ent {
	uint8_t *kv; /* key bytes then value bytes, one allocation; NULL: empty slot */
	uint32_t klen, vlen;
	uint64_t hash;
	uint64_t block; /* the block being built that wrote it, whose terms the term cache does not
			 * know yet; 0: the cache knows this value's term */
};

struct overlay {
	struct ov_ent *e;
	size_t cap, n; /* cap a power of two */
};

static uint64_t ov_hash(const uint8_t *k, uint32_t klen)
{
	uint64_t h = 1469598103934665603ull;
	for (uint32_t i = 0; i < klen; i++)
		h = (h ^ k[i]) * 1099511628211ull;
	return h;
}

static struct ov_ent *ov_slot(struct overlay *ov, const uint8_t *k, uint32_t klen, uint64_t h)
{
	for (size_t i = h & (ov->cap - 1);; i = (i + 1) & (ov->cap - 1)) {
		struct ov_ent *e = &ov->e[i];
		if (!e->kv || (e->hash == h && e->klen == klen && !memcmp(e->kv, k, klen)))
			return e;
	}
}

static const struct ov_ent *ov_get(struct overlay *ov, const uint8_t *k, uint32_t klen)
{
	if (ov->n == 0)
		return NULL;
	struct ov_ent *e = ov_slot(ov, k, klen, ov_hash(k, klen));
	return e->kv ? e : NULL;
}

static void ov_put(struct overlay *ov, const uint8_t *k, uint32_t klen, const uint8_t *v,
		   uint32_t vlen, uint64_t block)
{
	if (2 * (ov->n + 1) > ov->cap) {
		size_t cap = ov->cap ? 2 * ov->cap : 256;
		struct overlay big = {drill_xcalloc(cap, sizeof(struct ov_ent)), cap, ov->n};
		for (size_t i = 0; i < ov->cap; i++)
			if (ov->e[i].kv) {
				const struct ov_ent *e = &ov->e[i];
				*ov_slot(&big, e->kv, e->klen, e->hash) = *e;
			}
		free(ov->e);
		*ov = big;
	}
	uint64_t h = ov_hash(k, klen);
	struct ov_ent *e = ov_slot(ov, k, klen, h);
	if (!e->kv)
		ov->n++;
	free(e->kv);
	e->kv = drill_xmalloc((size_t)klen + vlen);
	memcpy(e->kv, k, klen);
	if (vlen)
		memcpy(e->kv + klen, v, vlen);
	e->klen = klen;
	e->vlen = vlen;
	e->hash = h;
	e->block = block;
}

static void ov_clear(struct overlay *ov)
{
	if (ov->n == 0)
		return;
	for (size_t i = 0; i < ov->cap; i++) {
		free(ov->e[i].kv);
		ov->e[i].kv = NULL;
	}
	ov->n = 0;
}

static void ov_free(struct overlay *ov)
{
	ov_clear(ov);
	free(ov->e);
	memset(ov, 0, sizeof(*ov));
}

/* ---- the replica -------------------------------------------------------------------------- */

struct replica {
	/* options */
	const char *data_dir, *port_file, *peers_dir;
	int cold_start;
	unsigned terms_bits; /* --terms-cache-bits */
	uint32_t id;
	struct sockaddr_in listen_addr; /* --listen; 127.0.0.1, port 0 (any) by default */
	struct {
		uint32_t id;
		const char *url;
	} peers[PEERS_MAX]; /* --peer ID=URL: peers at fixed addresses (pods behind Services) */
	size_t n_peers;
	struct drill_ckpt_config cfg;
	unsigned max_conns, max_per_client, conn_timeout_s; /* the HTTP server's bounds */
	size_t upload_bytes; /* request bodies buffered now (atomic: MHD's threads add to it) */

	pthread_mutex_t mu; /* guards everything below; MHD threads and main take it */
	struct drill_store *db;
	struct MHD_Daemon *mhd;
	int ready;
	uint64_t seq, last_block;
	uint8_t last_digest[DRILL_HASH_LEN], root[DRILL_HASH_LEN];
	struct drill_ckpt_state ck;
	struct drill_ckpt_info *ckpts; /* retained, ascending id */
	size_t n_ckpts;
	/* disk pressure (POST /v1/disk): the volume's size as told, 0 when unknown */
	uint64_t disk_size, disk_monitor_ms, disk_last_check_ms;
	uint32_t disk_threshold_pct;
	unsigned disk_shared_by; /* --disk-shared-by: replicas writing to this filesystem */

	/* the uncommitted batch */
	struct drill_store_batch *wb;
	size_t pending;
	struct overlay ov;
	struct drill_terms *terms; /* every key's current term, as far as it holds them */
	struct drill_kv *kv;
	size_t kv_cap;
};

static void term_of_value(uint8_t out[DRILL_HASH_LEN], const uint8_t *k, uint32_t klen,
			  const uint8_t *v, size_t vlen)
{
	drill_term(out, k, klen, v, (uint32_t)vlen);
}

/* term(k, current value) with every applied request counted, the uncommitted batch too; zeros
 * when k is absent. A key written earlier in `block`, the block being built (0: none), has its
 * value in the batch's overlay and a term the term cache (replica/terms.h) learns only once the
 * block is built; any other comes from the cache, else the overlay, else the database; what was
 * read is cached. */
static int current_term(struct replica *r, uint8_t out[DRILL_HASH_LEN], const uint8_t *k,
			uint32_t klen, uint64_t block)
{
	const struct ov_ent *e = ov_get(&r->ov, k, klen);
	if (e && block && e->block == block) {
		term_of_value(out, k, klen, e->kv + klen, e->vlen);
		return 0;
	}
	if (drill_terms_get(r->terms, k, klen, out))
		return 0;
	if (e) {
		term_of_value(out, k, klen, e->kv + klen, e->vlen);
		drill_terms_put(r->terms, k, klen, out);
		return 0;
	}
	uint8_t *v = NULL;
	size_t vlen = 0;
	int rc = drill_store_get(r->db, DRILL_CF_STATE, k, klen, &v, &vlen);
	if (rc == DRILL_ENOTFOUND) {
		memset(out, 0, DRILL_HASH_LEN);
		rc = 0;
	} else if (rc == 0) {
		term_of_value(out, k, klen, v, vlen);
	}
	if (rc == 0)
		drill_terms_put(r->terms, k, klen, out);
	free(v);
	return rc;
}

static void put_ckpt_last(struct drill_store_batch *b, const struct drill_ckpt_state *ck)
{
	char js[96];
	snprintf(js, sizeof(js), "{\"seqNum\":%" PRIu64 ",\"timestampMs\":%" PRIu64 "}",
		 ck->last_seq, ck->last_ts_ms);
	drill_store_batch_put_meta_str(b, "replica.ckpt_last", js);
}

/* Write the uncommitted batch with the chain/sequence metadata of this moment. */
static int commit(struct replica *r)
{
	if (r->pending == 0)
		return 0;
	drill_store_batch_put_meta_u64(r->wb, "chain.last_block", r->last_block);
	drill_store_batch_put_meta_u64(r->wb, "replica.seq", r->seq);
	drill_store_batch_put_meta_u64(r->wb, "replica.ckpt_scheduled", r->ck.scheduled_seq);
	int rc = drill_store_write(r->db, r->wb);
	drill_store_batch_clear(r->wb);
	ov_clear(&r->ov);
	r->pending = 0;
	return rc;
}

static int ckpt_index(const struct replica *r, uint64_t id)
{
	for (size_t i = 0; i < r->n_ckpts; i++)
		if (r->ckpts[i].id == id)
			return (int)i;
	return -1;
}

static void ckpt_list_insert(struct replica *r, const struct drill_ckpt_info *c)
{
	size_t i = r->n_ckpts;
	r->ckpts = drill_xrealloc(r->ckpts, (r->n_ckpts + 1) * sizeof(*r->ckpts));
	while (i > 0 && r->ckpts[i - 1].id > c->id) {
		r->ckpts[i] = r->ckpts[i - 1];
		i--;
	}
	r->ckpts[i] = *c;
	r->n_ckpts++;
}

static char *ckpt_key(uint64_t id)
{
	return drill_xasprintf(CKPT_KEY_PREFIX "%" PRIu64, id);
}

static char *ckpt_dir(const struct replica *r, uint64_t id)
{
	return drill_xasprintf("%s/checkpoints/%" PRIu64, r->data_dir, id);
}

/* Read the chain head, sequence number, checkpoint bookkeeping and retained checkpoints from the
 * database into memory (at start, and after a failed write to forget what did not land). */
static int load_state(struct replica *r)
{
	uint8_t *buf = NULL, *v = NULL;
	size_t len = 0, vlen = 0;
	struct drill_store_iter *it = NULL;
	int rc;

	drill_store_batch_clear(r->wb);
	ov_clear(&r->ov);
	drill_terms_clear(r->terms);
	r->pending = 0;
	r->last_block = 0;
	memset(r->last_digest, 0, DRILL_HASH_LEN);
	memset(r->root, 0, DRILL_HASH_LEN);
	memset(&r->ck, 0, sizeof(r->ck));
	free(r->ckpts);
	r->ckpts = NULL;
	r->n_ckpts = 0;

	rc = drill_store_get_meta_u64(r->db, "chain.last_block", &r->last_block);
	if (rc == DRILL_ENOTFOUND)
		rc = 0, r->last_block = 0;
	if (rc)
		goto cleanup;
	if (r->last_block > 0) {
		struct drill_block b;
		rc = drill_store_get_block(r->db, r->last_block, &buf, &len);
		if (rc == 0)
			rc = drill_block_decode(&b, &r->kv, &r->kv_cap, buf, len);
		if (rc) {
			drill_err_wrap(rc, "last block %" PRIu64, r->last_block);
			goto cleanup;
		}
		memcpy(r->last_digest, b.digest, DRILL_HASH_LEN);
		memcpy(r->root, b.root, DRILL_HASH_LEN);
	}
	rc = drill_store_get_meta_u64(r->db, "replica.seq", &r->seq);
	if (rc == DRILL_ENOTFOUND)
		rc = 0, r->seq = r->last_block;
	if (rc)
		goto cleanup;
	rc = drill_store_get_meta_u64(r->db, "replica.ckpt_scheduled", &r->ck.scheduled_seq);
	if (rc == DRILL_ENOTFOUND)
		rc = 0;
	if (rc)
		goto cleanup;
	rc = drill_store_get(r->db, DRILL_CF_DEFAULT, "replica.ckpt_last", 17, &v, &vlen);
	if (rc == 0) {
		json_t *o = json_loadb((const char *)v, vlen, 0, NULL);
		json_t *s = json_object_get(o, "seqNum"), *t = json_object_get(o, "timestampMs");
		if (json_is_integer(s) && json_is_integer(t)) {
			r->ck.last_seq = (uint64_t)json_integer_value(s);
			r->ck.last_ts_ms = (uint64_t)json_integer_value(t);
		} else {
			rc = drill_err(DRILL_ECORRUPT,
				       "replica.ckpt_last is not {seqNum, timestampMs}");
		}
		json_decref(o);
	} else if (rc == DRILL_ENOTFOUND) {
		rc = 0;
	}
	if (rc)
		goto cleanup;

	const size_t plen = strlen(CKPT_KEY_PREFIX);
	it = drill_store_iter_new(r->db, DRILL_CF_DEFAULT, CKPT_KEY_PREFIX, plen);
	for (; drill_store_iter_valid(it); drill_store_iter_next(it)) {
		size_t kl, vl;
		const uint8_t *k = drill_store_iter_key(it, &kl);
		const uint8_t *val = drill_store_iter_value(it, &vl);
		if (kl < plen || memcmp(k, CKPT_KEY_PREFIX, plen) != 0)
			break;
		struct drill_ckpt_info c;
		if (drill_ckpt_info_from_json(&c, (const char *)val, vl) != 0) {
			drill_log_warn("ignoring malformed %.*s: %s", (int)kl, (const char *)k,
				       drill_err_last());
			continue;
		}
		ckpt_list_insert(r, &c);
	}
	rc = drill_store_iter_status(it);
cleanup:
	drill_store_iter_free(it);
	free(buf);
	free(v);
	return rc;
}

/* Apply one write request: the next block, with each key's prev_term from the current state. */
static int apply_write(struct replica *r, const struct drill_req *q)
{
	uint8_t *enc = NULL;
	size_t enc_len = 0;
	int rc = 0;
	if (q->n > r->kv_cap) {
		r->kv = drill_xrealloc(r->kv, q->n * sizeof(*r->kv));
		r->kv_cap = q->n;
	}
	struct drill_block b = {.id = r->last_block + 1, .ts_ms = q->ts_ms, .n = q->n, .kv = r->kv};
	/* In order, so that a key updated twice in one block sees its first new value. */
	for (uint32_t i = 0; i < q->n && !rc; i++) {
		struct drill_kv *kv = &r->kv[i];
		kv->key = q->u[i].key;
		kv->klen = q->u[i].klen;
		kv->val = q->u[i].val;
		kv->vlen = q->u[i].vlen;
		rc = current_term(r, kv->prev_term, kv->key, kv->klen, b.id);
		if (!rc)
			ov_put(&r->ov, kv->key, kv->klen, kv->val, kv->vlen, b.id);
	}
	if (!rc)
		rc = drill_block_build(&enc, &enc_len, &b, r->last_digest, r->root);
	if (rc)
		return drill_err_wrap(rc, "block %" PRIu64, b.id);
	for (uint32_t i = 0; i < q->n; i++) /* in order: a key updated twice keeps its last */
		drill_terms_put(r->terms, r->kv[i].key, r->kv[i].klen, r->kv[i].term);
	drill_store_batch_put_block(r->wb, b.id, enc, enc_len);
	for (uint32_t i = 0; i < q->n; i++)
		drill_store_batch_put(r->wb, DRILL_CF_STATE, q->u[i].key, q->u[i].klen, q->u[i].val,
				      q->u[i].vlen);
	free(enc);
	r->last_block = b.id;
	memcpy(r->last_digest, b.digest, DRILL_HASH_LEN);
	memcpy(r->root, b.root, DRILL_HASH_LEN);
	return 0;
}

/* Remove the oldest retained checkpoint: its directory first, then its ckpt/<id> key. The
 * uncommitted batch must be empty (commit first). */
static int prune_oldest(struct replica *r, const char *why)
{
	if (r->n_ckpts == 0)
		return 0;
	uint64_t old = r->ckpts[0].id;
	char *odir = ckpt_dir(r, old), *okey = ckpt_key(old);
	int rc = drill_fs_remove_tree(odir);
	if (!rc) {
		drill_store_batch_delete(r->wb, DRILL_CF_DEFAULT, okey, strlen(okey));
		rc = drill_store_write(r->db, r->wb);
		drill_store_batch_clear(r->wb);
	}
	if (!rc) {
		memmove(r->ckpts, r->ckpts + 1, (r->n_ckpts - 1) * sizeof(*r->ckpts));
		r->n_ckpts--;
		drill_log_info("checkpoint %" PRIu64 " pruned (%s)", old, why);
	} else {
		drill_err_wrap(rc, "pruning checkpoint %" PRIu64, old);
	}
	free(odir);
	free(okey);
	return rc;
}

/* Checkpoint flow (docs/design.md §3, §4). At sn % 150 == 0, after the request at sn is applied:
 *   1. decide by ckpt.h; a schedule that is due but cannot be honoured (disabled, id exists,
 *      empty chain) is dropped so it never fires late;
 *   2. commit everything up to sn, then in one batch: ckpt/<id>, replica.ckpt_last,
 *      replica.ckpt_scheduled and ckpt.self — so the checkpoint's own database carries them all;
 *   3. RocksDB checkpoint into checkpoints/.tmp-<id>, renamed to checkpoints/<id>: a checkpoint
 *      only ever has its final name when complete;
 *   4. delete ckpt.self from the live database (it lives only inside checkpoints);
 *   5. prune the oldest beyond numberOfCheckpoints: directory first, then its ckpt/<id> key.
 * A crash between these steps leaves keys without directories or a .tmp- directory; start-up
 * reconciliation (reconcile()) removes both, and removes a stray live ckpt.self. */
static int disk_room(struct replica *r, uint64_t extra, const char *what);

static int take_checkpoint(struct replica *r, uint64_t sn, uint64_t ts_ms,
			   enum drill_ckpt_reason why)
{
	struct drill_ckpt_info c = {.id = r->last_block, .seq_num = sn, .last_block = r->last_block,
				    .ts_ms = ts_ms};
	memcpy(c.digest, r->last_digest, DRILL_HASH_LEN);
	memcpy(c.state_root, r->root, DRILL_HASH_LEN);
	char *js = NULL, *key = ckpt_key(c.id), *dir = ckpt_dir(r, c.id);
	char *parent = drill_xasprintf("%s/checkpoints", r->data_dir);
	char *tmp = drill_xasprintf("%s/" CKPT_TMP_PREFIX "%" PRIu64, parent, c.id);
	int rc = commit(r);
	if (!rc)
		rc = disk_room(r, 0, "a checkpoint");
	if (rc)
		goto cleanup;

	struct drill_ckpt_state ck = r->ck;
	drill_ckpt_taken(&ck, sn, ts_ms);
	js = drill_ckpt_info_to_json(&c);
	drill_store_batch_put_meta_str(r->wb, key, js);
	drill_store_batch_put_meta_str(r->wb, "ckpt.self", js);
	put_ckpt_last(r->wb, &ck);
	drill_store_batch_put_meta_u64(r->wb, "replica.ckpt_scheduled", ck.scheduled_seq);
	rc = drill_store_write(r->db, r->wb);
	drill_store_batch_clear(r->wb);
	if (rc)
		goto cleanup;
	r->ck = ck;

	rc = drill_fs_mkdir_p(parent, 0755);
	if (!rc && drill_fs_exists(tmp))
		rc = drill_fs_remove_tree(tmp);
	if (!rc && drill_fs_exists(dir)) /* a stale directory without its key */
		rc = drill_fs_remove_tree(dir);
	if (!rc)
		rc = drill_store_checkpoint(r->db, tmp);
	if (!rc && rename(tmp, dir) != 0)
		rc = drill_err(DRILL_EFAIL, "rename %s to %s: %s", tmp, dir, strerror(errno));
	drill_store_batch_delete(r->wb, DRILL_CF_DEFAULT, "ckpt.self", 9);
	if (rc) /* the checkpoint is not there: neither is its key */
		drill_store_batch_delete(r->wb, DRILL_CF_DEFAULT, key, strlen(key));
	int wrc = drill_store_write(r->db, r->wb);
	drill_store_batch_clear(r->wb);
	if (rc || wrc) {
		rc = rc ? drill_err_wrap(rc, "checkpoint %" PRIu64, c.id) : wrc;
		goto cleanup;
	}
	ckpt_list_insert(r, &c);
	drill_log_info("checkpoint %" PRIu64 " taken at sn %" PRIu64 " (%s)", c.id, sn,
		       why == DRILL_CKPT_OPERATOR ? "operator" : "periodic");

	size_t prune = drill_ckpt_prune_count(&r->cfg, r->n_ckpts);
	for (size_t i = 0; i < prune && !rc; i++)
		rc = prune_oldest(r, "retention");
cleanup:
	free(js);
	free(key);
	free(dir);
	free(parent);
	free(tmp);
	return rc;
}

static int at_bft_checkpoint(struct replica *r, uint64_t sn, uint64_t ts_ms)
{
	enum drill_ckpt_reason why = drill_ckpt_decide(&r->cfg, &r->ck, sn, ts_ms, r->last_block,
						       ckpt_index(r, r->last_block) >= 0);
	if (why != DRILL_CKPT_NONE)
		return take_checkpoint(r, sn, ts_ms, why);
	if (r->ck.scheduled_seq != 0 && r->ck.scheduled_seq <= sn) {
		drill_log_info("operator checkpoint due at sn %" PRIu64 " not taken (%s)", sn,
			       !r->cfg.enabled ? "checkpoints disabled"
			       : r->last_block == 0 ? "empty chain" : "checkpoint exists already");
		r->ck.scheduled_seq = 0; /* persisted by the next commit */
	}
	return 0;
}

/* Bytes of the live database's own files (rocksdbdata's top level, not its checkpoints), as
 * Concord measures dbCurrentSize. */
static int db_top_size(struct replica *r, uint64_t *bytes)
{
	DIR *d = opendir(r->data_dir);
	*bytes = 0;
	if (!d)
		return drill_err(DRILL_EFAIL, "%s: %s", r->data_dir, strerror(errno));
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat sb;
		char *p = drill_xasprintf("%s/%s", r->data_dir, e->d_name);
		if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode))
			*bytes += (uint64_t)sb.st_size;
		free(p);
	}
	closedir(d);
	return 0;
}

/* ---- free space ----------------------------------------------------------------------------
 * RocksDB does not survive a full disk gracefully (Debian's build asserts after ENOSPC), so the
 * replica watches the free space of its volume itself (statvfs, as Concord's disk monitor does)
 * and refuses an order or a checkpoint while what it would write — the order's bytes twice (WAL
 * and memtable, later an SST), the memtables a flush or checkpoint writes out, and a fixed
 * reserve — would not fit. The refusal is DRILL_EENV, answered 507, naming the path; nothing is
 * written. Every replica on the filesystem may write as much at once (--disk-shared-by: the local
 * platform puts every volume on one disk), so the need is counted that many times. */
#define DISK_RESERVE_BYTES (4u << 20)

static int disk_room(struct replica *r, uint64_t extra, const char *what)
{
	struct statvfs vfs;
	if (statvfs(r->data_dir, &vfs) != 0)
		return 0; /* cannot tell: RocksDB's own error will say */
	uint64_t avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	/* every replica sharing the filesystem may be writing as much at the same moment */
	uint64_t need = (2 * extra + drill_store_memtable_bytes(r->db)) * r->disk_shared_by +
			DISK_RESERVE_BYTES;
	if (avail >= need)
		return 0;
	return drill_err(DRILL_EENV, "no space left on device: %s has %" PRIu64 " bytes free, "
			 "below the %" PRIu64 " %s needs (with the memtables to flush and a reserve "
			 "of %u MiB); refused before the disk is full", r->data_dir, avail, need, what,
			 DISK_RESERVE_BYTES >> 20);
}

/* The disk monitor's check (Concord's DbCheckpointManager::checkAndRemove): with the volume's size
 * known, if the free space (size − bytes under rocksdbdata, hard links once) is below
 * threshold % of the live database's size, remove the oldest checkpoint — one per check, down to
 * none. `info` (may be NULL) gets what was measured and done. Called with r->mu held. */
static int disk_check(struct replica *r, json_t *info)
{
	if (r->disk_size == 0)
		return 0;
	int rc = commit(r);
	uint64_t used = 0, db = 0;
	if (!rc)
		rc = drill_fs_tree_size(&used, r->data_dir);
	if (!rc)
		rc = db_top_size(r, &db);
	if (rc)
		return drill_err_wrap(rc, "disk monitor");
	int low = drill_ckpt_low_disk(r->disk_size, used, db, r->disk_threshold_pct);
	uint64_t pruned = 0;
	if (low && r->n_ckpts > 0) {
		pruned = r->ckpts[0].id;
		drill_log_warn("low disk space: %" PRIu64 " of %" PRIu64 " bytes free, below %" PRIu32
			       "%% of the database's %" PRIu64 "; removing the oldest checkpoint",
			       r->disk_size > used ? r->disk_size - used : 0, r->disk_size,
			       r->disk_threshold_pct, db);
		rc = prune_oldest(r, "low disk space");
	}
	if (info) {
		json_object_set_new(info, "usedBytes", json_integer((json_int_t)used));
		json_object_set_new(info, "dbBytes", json_integer((json_int_t)db));
		json_object_set_new(info, "availableBytes",
				    json_integer((json_int_t)(r->disk_size > used ? r->disk_size - used
										  : 0)));
		json_object_set_new(info, "lowDiskSpace", json_boolean(low));
		json_object_set_new(info, "pruned", pruned && !rc ? json_integer((json_int_t)pruned)
								  : json_null());
	}
	return rc;
}

/* The monitor runs every monitor interval of consensus time, checked at BFT checkpoints so that
 * every replica decides at the same sequence numbers. */
static int disk_monitor_tick(struct replica *r, uint64_t ts_ms)
{
	if (r->disk_size == 0 || ts_ms < r->disk_last_check_ms + r->disk_monitor_ms)
		return 0;
	r->disk_last_check_ms = ts_ms;
	return disk_check(r, NULL);
}

static int apply_request(struct replica *r, const struct drill_req *q)
{
	int rc = 0;
	switch (q->kind) {
	case DRILL_REQ_WRITE:
		rc = apply_write(r, q);
		break;
	case DRILL_REQ_CKPT_CREATE:
		r->ck.scheduled_seq = drill_ckpt_schedule(q->sn);
		drill_log_info("db-checkpoint create ordered at sn %" PRIu64 ", due at sn %" PRIu64,
			       q->sn, r->ck.scheduled_seq);
		break;
	case DRILL_REQ_NOOP:
		break;
	}
	if (rc)
		return rc;
	r->seq = q->sn;
	r->pending++;
	if (q->sn % DRILL_BFT_CHECKPOINT_WINDOW == 0)
		rc = at_bft_checkpoint(r, q->sn, q->ts_ms);
	if (!rc && q->sn % DRILL_BFT_CHECKPOINT_WINDOW == 0)
		rc = disk_monitor_tick(r, q->ts_ms);
	if (!rc && r->pending >= PENDING_MAX)
		rc = commit(r);
	return rc;
}

/* ---- status ------------------------------------------------------------------------------- */

static char *status_json_locked(struct replica *r)
{
	struct drill_replica_status st = {
		.replica_id = r->id, .ready = r->ready, .seq_num = r->seq,
		.last_block = r->last_block, .has_digest = r->last_block > 0,
		.ckpt_last_seq = r->ck.last_seq, .ckpt_last_ts_ms = r->ck.last_ts_ms,
		.ckpt_scheduled_seq = r->ck.scheduled_seq, .n_checkpoints = r->n_ckpts,
		.checkpoints = r->ckpts,
	};
	memcpy(st.last_digest, r->last_digest, DRILL_HASH_LEN);
	memcpy(st.state_root, r->root, DRILL_HASH_LEN);
	return drill_replica_status_to_json(&st);
}

/* ---- HTTP --------------------------------------------------------------------------------- */

/* One request as the handlers see it, whoever carried it (the HTTP server, or the in-process
 * API of replica/api.h that the fuzz target drives), and the answer they leave in it. */
struct api_call {
	/* A query argument, decoded, and its length (a %00 in it makes it longer than its C
	 * string); NULL if absent or given without a value. */
	const char *(*arg)(void *ctx, const char *name, size_t *len);
	void *arg_ctx;
	unsigned code;
	char *body; /* malloc'd; NULL when nothing could be allocated */
	size_t len;
	const char *type;
};

#define DISK_MAX_BODY (64u << 10) /* POST /v1/disk: a small JSON object */

/* How much a POST to `url` may carry: bodies are buffered whole, so every endpoint has a cap. */
static size_t upload_limit(const char *url)
{
	if (!strcmp(url, "/v1/order"))
		return DRILL_ORDER_MAX_BODY;
	if (!strcmp(url, "/v1/disk"))
		return DISK_MAX_BODY;
	return 0;
}

static int respond(struct api_call *c, unsigned code, char *body, size_t len, const char *type)
{
	c->code = code;
	c->body = body;
	c->len = len;
	c->type = type;
	return body ? 0 : -1;
}

static int respond_text(struct api_call *c, unsigned code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int respond_text(struct api_call *c, unsigned code, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return respond(c, code, s, s ? strlen(s) : 0, "text/plain");
}

static int respond_json(struct api_call *c, unsigned code, char *js)
{
	return respond(c, code, js, js ? strlen(js) : 0, "application/json");
}

static int state_transfer(struct replica *r);

/* The sequence number of a batch's first request (0 for an empty batch). */
static int batch_first_sn(const struct drill_buf *body, uint64_t *first)
{
	struct drill_req_reader rd;
	struct drill_req q;
	*first = 0;
	int rc = drill_req_reader_init(&rd, body->data, body->len);
	if (rc == 0 && (rc = drill_req_reader_next(&rd, &q)) == 1) {
		*first = q.sn;
		rc = 0;
	}
	drill_req_reader_free(&rd);
	return rc < 0 ? rc : 0;
}

/* Called with r->mu held by a ready replica that was ordered sn `first` beyond its last + 1: it
 * stops answering orders, fetches what it missed from the most advanced peer, and is ready again.
 * DRILL_ECORRUPT when the peers hold another chain. */
static int catch_up_locked(struct replica *r, uint64_t first)
{
	drill_log_info("ordered seqNum %" PRIu64 " at seqNum %" PRIu64 ": catching up by state "
		       "transfer", first, r->seq);
	r->ready = 0;
	pthread_mutex_unlock(&r->mu);
	int rc = state_transfer(r);
	pthread_mutex_lock(&r->mu);
	r->ready = 1;
	if (rc)
		drill_log_warn("catch-up: %s", drill_err_last());
	return rc;
}

/* POST /v1/order: check the whole batch first (well-formed, consecutive sn from last+1), so a
 * refused batch applies nothing; then apply it and commit before answering. */
static int handle_order(struct replica *r, struct api_call *c, const struct drill_buf *body)
{
	struct drill_req_reader rd;
	struct drill_req q;
	unsigned code = MHD_HTTP_OK;
	char *text = NULL, *js = NULL;
	int rc;

	pthread_mutex_lock(&r->mu);
	if (!r->ready) {
		code = MHD_HTTP_SERVICE_UNAVAILABLE;
		text = drill_xstrdup("not ready: state transfer in progress\n");
		goto cleanup;
	}
	/* Pass 1: the whole body must decode (400 first), and its sn run from last+1 (409). */
	uint64_t first = 0;
	int caught = 0;
	rc = batch_first_sn(body, &first);
	if (rc == 0 && first > r->seq + 1) {
		/* Behind the cluster (restored to an older checkpoint, or down while it ordered):
		 * catch up from the peers first, as a replica that sees the others ahead does. */
		rc = catch_up_locked(r, first);
		if (rc == DRILL_ECORRUPT) {
			code = MHD_HTTP_CONFLICT;
			text = drill_xasprintf("cannot catch up: %s\n", drill_err_last());
			goto cleanup;
		}
		caught = rc == 0;
		rc = 0;
	}
	/* After a catch-up the peer may already have applied part of this very batch. */
	uint64_t skip_to = caught && first <= r->seq ? r->seq : 0;
	uint64_t expect = skip_to ? first : r->seq + 1, bad_sn = 0, bad_expect = 0;
	int wrong_sn = 0;
	if (rc == 0) { /* a reader is freed only after its init (which leaves it freeable) */
		rc = drill_req_reader_init(&rd, body->data, body->len);
		while (rc == 0 && (rc = drill_req_reader_next(&rd, &q)) == 1) {
			if (q.sn != expect && !wrong_sn) {
				wrong_sn = 1;
				bad_sn = q.sn;
				bad_expect = expect;
			}
			expect++;
			rc = 0;
		}
		drill_req_reader_free(&rd);
	}
	if (rc < 0) {
		code = MHD_HTTP_BAD_REQUEST;
		text = drill_xasprintf("%s\n", drill_err_last());
		goto cleanup;
	}
	if (skip_to && expect <= skip_to + 1)
		goto cleanup; /* the catch-up brought every request of the batch */
	if (wrong_sn) {
		code = MHD_HTTP_CONFLICT;
		drill_log_warn("order refused: sn %" PRIu64 " where %" PRIu64 " was expected "
			       "(last applied: %" PRIu64 ")", bad_sn, bad_expect, r->seq);
		goto cleanup;
	}

	rc = disk_room(r, body->len, "this order");
	if (rc) {
		code = MHD_HTTP_INSUFFICIENT_STORAGE;
		text = drill_xasprintf("%s\n", drill_err_last());
		drill_log_error("%s", drill_err_last());
		goto cleanup;
	}
	rc = drill_req_reader_init(&rd, body->data, body->len);
	while (rc == 0 && (rc = drill_req_reader_next(&rd, &q)) == 1)
		rc = q.sn <= skip_to ? 0 : apply_request(r, &q);
	drill_req_reader_free(&rd);
	if (rc == 0)
		rc = commit(r);
	if (rc == DRILL_EENV) { /* a checkpoint refused for room: nothing of it was written */
		code = MHD_HTTP_INSUFFICIENT_STORAGE;
		text = drill_xasprintf("%s\n", drill_err_last());
		drill_log_error("%s", drill_err_last());
		if (load_state(r) != 0) /* forget what did not land */
			drill_log_error("reloading state: %s", drill_err_last());
	} else if (rc) {
		code = MHD_HTTP_INTERNAL_SERVER_ERROR;
		text = drill_xasprintf("apply failed: %s\n", drill_err_last());
		drill_log_error("%s", text);
		if (load_state(r) != 0) /* forget what did not land */
			drill_log_error("reloading state: %s", drill_err_last());
	}
cleanup:
	if (!text)
		js = status_json_locked(r);
	pthread_mutex_unlock(&r->mu);
	if (text)
		return respond(c, code, text, strlen(text), "text/plain");
	return respond_json(c, code, js);
}

/* POST /v1/disk {"volumeSize": N, "thresholdPercent": P, "monitorIntervalSeconds": S}: the size
 * of the volume the replica runs on (a simulated disk; 0 forgets it). The monitor checks at once
 * and then every S seconds of consensus time; the answer is what the check measured and did, with
 * the checkpoints left. */
static int handle_disk(struct replica *r, struct api_call *c, const struct drill_buf *body)
{
	json_error_t jerr;
	json_t *in = json_loadb((const char *)body->data, body->len, 0, &jerr);
	json_t *size = json_object_get(in, "volumeSize"), *pct = json_object_get(in, "thresholdPercent");
	json_t *mon = json_object_get(in, "monitorIntervalSeconds");
	if (!json_is_integer(size) || json_integer_value(size) < 0 ||
	    (pct && (!json_is_integer(pct) || json_integer_value(pct) < 0 ||
		     json_integer_value(pct) > 100000)) ||
	    (mon && (!json_is_integer(mon) || json_integer_value(mon) < 0 ||
		     json_integer_value(mon) > 31536000))) {
		json_decref(in);
		return respond_text(c, MHD_HTTP_BAD_REQUEST, "want {\"volumeSize\": N, "
				    "\"thresholdPercent\": P, \"monitorIntervalSeconds\": S}\n");
	}
	pthread_mutex_lock(&r->mu);
	r->disk_size = (uint64_t)json_integer_value(size);
	r->disk_threshold_pct = pct ? (uint32_t)json_integer_value(pct) : DRILL_DISK_THRESHOLD_PCT;
	r->disk_monitor_ms = (mon ? (uint64_t)json_integer_value(mon) : DRILL_DISK_MONITOR_S) * 1000;
	r->disk_last_check_ms = 0; /* the next BFT checkpoint checks again */
	json_t *out = json_pack("{s:I,s:i,s:I}", "volumeSize", (json_int_t)r->disk_size,
				"thresholdPercent", (int)r->disk_threshold_pct,
				"monitorIntervalSeconds", (json_int_t)(r->disk_monitor_ms / 1000));
	int rc = disk_check(r, out);
	json_t *left = json_array();
	for (size_t i = 0; i < r->n_ckpts; i++)
		json_array_append_new(left, json_integer((json_int_t)r->ckpts[i].id));
	json_object_set_new(out, "checkpoints", left);
	pthread_mutex_unlock(&r->mu);
	json_decref(in);
	if (rc) {
		json_decref(out);
		return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s\n", drill_err_last());
	}
	char *js = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	return respond_json(c, MHD_HTTP_OK, js);
}

static int parse_u64_arg(struct api_call *c, const char *name, uint64_t *v)
{
	size_t len = 0;
	const char *s = c->arg(c->arg_ctx, name, &len);
	char *end;
	/* digits only: strtoull would take spaces, a sign, "-1", and stop at a decoded NUL */
	if (!s || *s < '0' || *s > '9' || strlen(s) != len)
		return -1;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

/* GET /v1/blocks?from=A&count=N: u32 BE length + encoded block, for A.. while they exist. */
static int handle_blocks(struct replica *r, struct api_call *c)
{
	uint64_t from, count;
	if (parse_u64_arg(c, "from", &from) || parse_u64_arg(c, "count", &count) || from == 0)
		return respond_text(c, MHD_HTTP_BAD_REQUEST, "want ?from=A&count=N with A >= 1\n");
	if (count > BLOCKS_MAX_COUNT)
		count = BLOCKS_MAX_COUNT;
	struct drill_buf out;
	drill_buf_init(&out, BLOCKS_MAX_RESPONSE);
	int rc = 0;
	pthread_mutex_lock(&r->mu);
	for (uint64_t id = from; id - from < count && id <= r->last_block && !rc; id++) {
		uint8_t *b = NULL, len4[4];
		size_t len = 0;
		rc = drill_store_get_block(r->db, id, &b, &len);
		if (rc)
			break;
		if (len + 4 > out.limit - out.len && out.len > 0) { /* full: asked again */
			free(b);
			break;
		}
		drill_put_be32(len4, (uint32_t)len);
		rc = drill_buf_append(&out, len4, 4);
		if (!rc)
			rc = drill_buf_append(&out, b, len);
		free(b);
	}
	pthread_mutex_unlock(&r->mu);
	if (rc) {
		drill_buf_free(&out);
		return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s\n", drill_err_last());
	}
	if (!out.data) /* MHD wants a buffer to free even when empty */
		out.data = drill_xmalloc(1);
	return respond(c, MHD_HTTP_OK, (char *)out.data, out.len, "application/octet-stream");
}

static int handle_db_checkpoint(struct replica *r, struct api_call *c)
{
	pthread_mutex_lock(&r->mu);
	json_t *a = json_array();
	for (size_t i = 0; i < r->n_ckpts; i++) {
		char *s = drill_ckpt_info_to_json(&r->ckpts[i]);
		json_array_append_new(a, json_loads(s, 0, NULL));
		free(s);
	}
	json_t *o = json_pack("{s:o,s:I,s:b,s:I,s:I}", "checkpoints", a, "scheduledSeqNum",
			      (json_int_t)r->ck.scheduled_seq, "enabled", r->cfg.enabled,
			      "lastCheckpointSeq", (json_int_t)r->ck.last_seq,
			      "lastCheckpointTimeMs", (json_int_t)r->ck.last_ts_ms);
	pthread_mutex_unlock(&r->mu);
	char *js = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return respond_json(c, MHD_HTTP_OK, js);
}

/* Route one request; `body` is NULL for a method that carries none; `too_big` is 1 when the body
 * went over its endpoint's limit, 2 over the limit of all bodies buffered at once. -1 when the
 * answer could not be allocated (the connection is then dropped). */
static int dispatch(struct replica *r, struct api_call *c, const char *method, const char *url,
		    const struct drill_buf *body, int too_big)
{
	if (!strcmp(method, "POST")) {
		if (upload_limit(url) == 0)
			return respond_text(c, MHD_HTTP_NOT_FOUND, "no such endpoint: POST %s\n",
					    url);
		if (too_big == 2)
			return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "busy: %u bytes of "
					    "request bodies buffered already; retry\n",
					    UPLOAD_TOTAL_MAX);
		if (too_big)
			return respond_text(c, 413,
					    "body larger than %zu bytes\n", upload_limit(url));
		if (!strcmp(url, "/v1/disk"))
			return handle_disk(r, c, body);
		return handle_order(r, c, body);
	}
	if (strcmp(method, "GET") != 0)
		return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method %s not allowed\n",
				    method);
	if (!strcmp(url, "/v1/ready")) {
		pthread_mutex_lock(&r->mu);
		int ready = r->ready;
		pthread_mutex_unlock(&r->mu);
		return ready ? respond_text(c, MHD_HTTP_OK, "ready\n")
			     : respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "not ready\n");
	}
	if (!strcmp(url, "/v1/status")) {
		pthread_mutex_lock(&r->mu);
		char *js = status_json_locked(r);
		pthread_mutex_unlock(&r->mu);
		return respond_json(c, MHD_HTTP_OK, js);
	}
	if (!strcmp(url, "/v1/db-checkpoint"))
		return handle_db_checkpoint(r, c);
	if (!strcmp(url, "/v1/blocks"))
		return handle_blocks(r, c);
	return respond_text(c, MHD_HTTP_NOT_FOUND, "no such endpoint: GET %s\n", url);
}

/* ---- the HTTP server ------------------------------------------------------------------------ */

struct upload {
	struct drill_buf body;
	int too_big; /* 1: over the endpoint's limit; 2: over UPLOAD_TOTAL_MAX with the others */
	size_t counted; /* bytes of body counted in r->upload_bytes */
};

/* Drop a body (too big, or done with) and its share of the replica's total. */
static void upload_drop(struct replica *r, struct upload *up)
{
	__atomic_sub_fetch(&r->upload_bytes, up->counted, __ATOMIC_RELAXED);
	up->counted = 0;
	drill_buf_free(&up->body);
}

static const char *mhd_arg(void *ctx, const char *name, size_t *len)
{
	const char *v = NULL;
	if (MHD_lookup_connection_value_n(ctx, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v,
					  len) != MHD_YES)
		return NULL;
	return v;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct replica *r = cls;
	struct upload *up = *con_cls;
	(void)version;
	if (!strcmp(method, "POST")) {
		if (!up) {
			up = drill_xcalloc(1, sizeof(*up));
			drill_buf_init(&up->body, upload_limit(url));
			*con_cls = up;
			return MHD_YES;
		}
		if (*upload_data_size) {
			size_t n = *upload_data_size;
			*upload_data_size = 0;
			if (up->too_big)
				return MHD_YES; /* read to the end, then answer 413 */
			/* Every body is buffered whole: a cap for each, and one for all at once, so
			 * that many clients sending large bodies cannot exhaust the memory. */
			up->counted += n;
			if (__atomic_add_fetch(&r->upload_bytes, n, __ATOMIC_RELAXED) >
			    UPLOAD_TOTAL_MAX)
				up->too_big = 2;
			else if (drill_buf_append(&up->body, upload_data, n) != 0)
				up->too_big = 1;
			if (up->too_big)
				upload_drop(r, up);
			return MHD_YES;
		}
	}
	struct api_call c = {.arg = mhd_arg, .arg_ctx = conn};
	if (dispatch(r, &c, method, url, up ? &up->body : NULL, up && up->too_big) != 0)
		return MHD_NO;
	struct MHD_Response *resp = MHD_create_response_from_buffer(c.len, c.body,
								     MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(c.body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, c.type);
	enum MHD_Result ret = MHD_queue_response(conn, c.code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct replica *r = cls;
	(void)c;
	(void)toe;
	struct upload *up = *con_cls;
	if (up) {
		upload_drop(r, up);
		free(up);
		*con_cls = NULL;
	}
}

/* ---- start-up ---------------------------------------------------------------------------- */

/* Open or create the database and check that it is this replica's. */
static int open_database(struct replica *r)
{
	uint8_t *fmt = NULL;
	size_t flen = 0;
	uint32_t id = 0;
	int rc = drill_fs_mkdir_p(r->data_dir, 0755);
	if (rc)
		return rc;
	rc = drill_store_open(&r->db, r->data_dir, DRILL_STORE_CREATE);
	if (rc)
		return drill_err_wrap(rc, "opening %s", r->data_dir);
	rc = drill_store_get(r->db, DRILL_CF_DEFAULT, "chain.format", 12, &fmt, &flen);
	if (rc == DRILL_ENOTFOUND) {
		uint64_t last = 0;
		if (drill_store_get_meta_u64(r->db, "chain.last_block", &last) == 0) {
			rc = drill_err(DRILL_ECORRUPT, "%s holds a chain without chain.format",
				       r->data_dir);
			goto cleanup;
		}
		drill_store_batch_put_meta_str(r->wb, "chain.format", DRILL_CHAIN_FORMAT);
		drill_store_batch_put_meta_u32(r->wb, "replica.id", r->id);
		drill_store_batch_put_meta_u64(r->wb, "chain.last_block", 0);
		drill_store_batch_put_meta_u64(r->wb, "replica.seq", 0);
		rc = drill_store_write(r->db, r->wb);
		drill_store_batch_clear(r->wb);
		if (!rc)
			drill_log_info("created a new database in %s", r->data_dir);
		goto cleanup;
	}
	if (rc)
		goto cleanup;
	if (flen != strlen(DRILL_CHAIN_FORMAT) || memcmp(fmt, DRILL_CHAIN_FORMAT, flen) != 0) {
		rc = drill_err(DRILL_EINPUT, "%s: unknown chain.format '%.*s' (expected %s)",
			       r->data_dir, (int)(flen > 64 ? 64 : flen), (const char *)fmt,
			       DRILL_CHAIN_FORMAT);
		goto cleanup;
	}
	rc = drill_store_get_meta_u32(r->db, "replica.id", &id);
	if (rc == DRILL_ENOTFOUND)
		rc = drill_err(DRILL_EINPUT, "%s has no replica.id", r->data_dir);
	else if (rc == 0 && id != r->id)
		rc = drill_err(DRILL_EINPUT, "%s belongs to replica %u, not to replica %u",
			       r->data_dir, id, r->id);
cleanup:
	free(fmt);
	return rc;
}

/* After a restore (rocksdbdata = one checkpoint's contents) or a crash mid-checkpoint: drop
 * ckpt/<id> keys whose directory is gone, leftover .tmp- directories, and a live ckpt.self. */
static int reconcile(struct replica *r)
{
	char *parent = drill_xasprintf("%s/checkpoints", r->data_dir);
	DIR *d = opendir(parent);
	int rc = 0;
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL && !rc) {
			if (strncmp(de->d_name, CKPT_TMP_PREFIX, strlen(CKPT_TMP_PREFIX)) != 0)
				continue;
			char *p = drill_xasprintf("%s/%s", parent, de->d_name);
			drill_log_info("removing unfinished checkpoint %s", p);
			rc = drill_fs_remove_tree(p);
			free(p);
		}
		closedir(d);
	}
	free(parent);
	if (rc)
		return rc;

	uint8_t *self = NULL;
	size_t slen = 0;
	if (drill_store_get(r->db, DRILL_CF_DEFAULT, "ckpt.self", 9, &self, &slen) == 0) {
		drill_log_info("started from checkpoint %.*s", (int)slen, (const char *)self);
		drill_store_batch_delete(r->wb, DRILL_CF_DEFAULT, "ckpt.self", 9);
	}
	free(self);
	for (size_t i = 0; i < r->n_ckpts;) {
		char *dir = ckpt_dir(r, r->ckpts[i].id);
		int present = drill_fs_is_dir(dir) == 1;
		free(dir);
		if (present) {
			i++;
			continue;
		}
		drill_log_info("forgetting checkpoint %" PRIu64 ": its directory is gone",
			       r->ckpts[i].id);
		char *key = ckpt_key(r->ckpts[i].id);
		drill_store_batch_delete(r->wb, DRILL_CF_DEFAULT, key, strlen(key));
		free(key);
		memmove(&r->ckpts[i], &r->ckpts[i + 1], (r->n_ckpts - i - 1) * sizeof(*r->ckpts));
		r->n_ckpts--;
	}
	if (drill_store_batch_count(r->wb) > 0)
		rc = drill_store_write(r->db, r->wb);
	drill_store_batch_clear(r->wb);
	return rc;
}

static int start_http(struct replica *r, uint16_t *port)
{
	struct sockaddr_in sa = r->listen_addr;
	r->mhd = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, on_request, r,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				  MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)4,
				  /* Bounds, so that no client can starve the others (issue 15: 1100
				   * half-sent requests made /v1/status time out). Over a limit MHD
				   * closes a new connection at once; an idle one is closed after the
				   * timeout, so a client's quota frees itself. */
				  MHD_OPTION_CONNECTION_LIMIT, r->max_conns,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, r->max_per_client,
				  MHD_OPTION_CONNECTION_TIMEOUT, r->conn_timeout_s,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, r,
				  MHD_OPTION_END);
	if (!r->mhd) {
		char host[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &sa.sin_addr, host, sizeof(host));
		return drill_err(DRILL_EFAIL, "cannot start the HTTP server on %s:%u (is the port "
				 "taken?)", host, ntohs(sa.sin_port));
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(r->mhd, MHD_DAEMON_INFO_BIND_PORT);
	if (!info || info->port == 0)
		return drill_err(DRILL_EFAIL, "cannot read the HTTP server's port");
	*port = info->port;
	return 0;
}

/* ---- state transfer -----------------------------------------------------------------------
 * Before it is ready a replica asks every peer in --peers-dir for its status and takes the one
 * with the highest seqNum (ready peers only: one still catching up is no source). If that peer is
 * ahead, the blocks after the local last block are fetched in chunks and each is checked before it
 * is applied: it decodes (digest), its id is last+1, its parent digest is the local last digest
 * (else the peer is on another fork and the replica refuses to start), each prev_term equals
 * term(key, local value), and its root follows from the local root. Then the peer's seqNum and
 * checkpoint bookkeeping are adopted, so the next ordered request fits. Checkpoint directories
 * are not transferred: they are each replica's own. */
struct peer {
	int id;
	char *url;
	struct drill_replica_status st;
};

static int signal_pending(void)
{
	sigset_t p;
	sigpending(&p);
	return sigismember(&p, SIGTERM) || sigismember(&p, SIGINT) || sigismember(&p, SIGUSR1);
}

/* Ask peer j at `url` (taken) for its status; it becomes *best when it is ready and ahead of it. */
static void consider_peer(struct peer *best, int j, char *url)
{
	struct peer p = {.id = j, .url = url};
	const char *why = NULL;
	if (drill_client_status(&p.st, p.url) != 0)
		why = drill_err_last();
	else if (!p.st.ready)
		why = "not ready";
	else if (p.st.replica_id != (uint32_t)j)
		why = "answers as another replica";
	if (why || (best->url && p.st.seq_num <= best->st.seq_num)) {
		if (why)
			drill_log_debug("ignoring peer replica-%d at %s: %s", j, p.url, why);
		free(p.url);
		drill_replica_status_free(&p.st);
		return;
	}
	free(best->url);
	drill_replica_status_free(&best->st);
	*best = p;
}

/* The most advanced ready peer among --peer and --peers-dir; 0 with best->url NULL when none
 * answers. */
static int best_peer(struct replica *r, struct peer *best)
{
	memset(best, 0, sizeof(*best));
	for (size_t k = 0; k < r->n_peers; k++)
		consider_peer(best, (int)r->peers[k].id, drill_xstrdup(r->peers[k].url));
	if (!r->peers_dir)
		return 0;
	DIR *d = opendir(r->peers_dir);
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		int j, n = 0;
		if (sscanf(de->d_name, "replica-%d.port%n", &j, &n) != 1 || de->d_name[n] != '\0' ||
		    j < 0 || (uint32_t)j == r->id)
			continue;
		char *path = drill_xasprintf("%s/%s", r->peers_dir, de->d_name), *txt = NULL;
		size_t len;
		int port = 0;
		if (drill_fs_read_file(&txt, &len, path, 64) == 0)
			port = atoi(txt);
		free(txt);
		free(path);
		if (port > 0 && port <= 65535)
			consider_peer(best, j, drill_xasprintf("http://127.0.0.1:%d", port));
	}
	closedir(d);
	return 0;
}

/* Check one transferred block against the local chain and stage it (see the comment above). */
static int transfer_block(struct replica *r, const uint8_t *buf, size_t len)
{
	struct drill_block b;
	uint64_t want = r->last_block + 1;
	int rc = drill_block_decode(&b, &r->kv, &r->kv_cap, buf, len);
	if (rc)
		return drill_err_wrap(rc, "state transfer: block %" PRIu64, want);
	if (b.id != want)
		return drill_err(DRILL_ECORRUPT, "state transfer: the peer sent block %" PRIu64
				 " where %" PRIu64 " was expected", b.id, want);
	if (memcmp(b.parent, r->last_digest, DRILL_HASH_LEN) != 0)
		return drill_err(DRILL_ECORRUPT, "state transfer: block %" PRIu64
				 " does not extend local block %" PRIu64 " (fork)", b.id,
				 r->last_block);
	uint8_t root[DRILL_HASH_LEN], t[DRILL_HASH_LEN];
	memcpy(root, r->root, DRILL_HASH_LEN);
	for (uint32_t i = 0; i < b.n; i++) {
		const struct drill_kv *kv = &b.kv[i];
		rc = current_term(r, t, kv->key, kv->klen, 0); /* the cache learns each term at once */
		if (rc)
			return rc;
		if (memcmp(t, kv->prev_term, DRILL_HASH_LEN) != 0)
			return drill_err(DRILL_ECORRUPT, "state transfer: block %" PRIu64
					 ": update %u does not start from the local value of "
					 "its key", b.id, i);
		drill_root_sub(root, t);
		drill_term(t, kv->key, kv->klen, kv->val, kv->vlen);
		drill_root_add(root, t);
		drill_terms_put(r->terms, kv->key, kv->klen, t);
		ov_put(&r->ov, kv->key, kv->klen, kv->val, kv->vlen, 0);
		drill_store_batch_put(r->wb, DRILL_CF_STATE, kv->key, kv->klen, kv->val, kv->vlen);
	}
	if (memcmp(root, b.root, DRILL_HASH_LEN) != 0)
		return drill_err(DRILL_ECORRUPT, "state transfer: block %" PRIu64
				 ": state root does not follow from block %" PRIu64, b.id,
				 r->last_block);
	drill_store_batch_put_block(r->wb, b.id, buf, len);
	r->last_block = b.id;
	memcpy(r->last_digest, b.digest, DRILL_HASH_LEN);
	memcpy(r->root, root, DRILL_HASH_LEN);
	r->pending++;
	return 0;
}

/* Fetch and apply blocks last+1..p->st.last_block from the peer. */
static int transfer_blocks(struct replica *r, const struct peer *p)
{
	int rc = 0;
	while (r->last_block < p->st.last_block && !rc) {
		if (signal_pending())
			return drill_err(DRILL_EFAIL, "interrupted");
		uint64_t from = r->last_block + 1, count = p->st.last_block - r->last_block;
		if (count > TRANSFER_CHUNK)
			count = TRANSFER_CHUNK;
		char *url = drill_xasprintf("%s/v1/blocks?from=%" PRIu64 "&count=%" PRIu64, p->url,
					    from, count);
		struct drill_http_resp resp = {0};
		rc = drill_http_get(&resp, url, FETCH_TIMEOUT_MS);
		if (!rc && resp.status != 200)
			rc = drill_err(DRILL_EFAIL, "%s: HTTP %ld", url, resp.status);
		if (!rc && resp.len == 0)
			rc = drill_err(DRILL_EFAIL, "%s: no blocks", url);
		const uint8_t *q = (const uint8_t *)resp.body, *end = q + resp.len;
		pthread_mutex_lock(&r->mu);
		while (!rc && q < end) {
			uint32_t len = (size_t)(end - q) >= 4 ? drill_get_be32(q) : UINT32_MAX;
			if (len > (size_t)(end - q) - 4 || len > DRILL_BLOCK_MAX_LEN) {
				rc = drill_err(DRILL_ECORRUPT, "%s: truncated answer", url);
				break;
			}
			rc = transfer_block(r, q + 4, len);
			q += 4 + (size_t)len;
		}
		if (!rc)
			rc = commit(r);
		pthread_mutex_unlock(&r->mu);
		drill_http_resp_free(&resp);
		free(url);
	}
	return rc;
}

/* Returns 0 (caught up, or nobody to catch up from), DRILL_ECORRUPT for a fork or a bad block
 * (the replica must not start), other codes when a peer failed midway (start anyway). */
static int state_transfer(struct replica *r)
{
	int rc = 0;
	for (int round = 0; round < TRANSFER_ROUNDS && !rc; round++) {
		struct peer p;
		best_peer(r, &p);
		if (!p.url || p.st.seq_num <= r->seq) {
			free(p.url);
			drill_replica_status_free(&p.st);
			break;
		}
		drill_log_info("state transfer from replica-%d: seqNum %" PRIu64 " → %" PRIu64
			       ", block %" PRIu64 " → %" PRIu64, p.id, r->seq, p.st.seq_num,
			       r->last_block, p.st.last_block);
		/* Not ready yet, so nothing else changes the chain; the lock is taken around
		 * changes only, so that status queries are answered meanwhile. */
		if (p.st.last_block < r->last_block) {
			rc = drill_err(DRILL_EFAIL, "state transfer: replica-%d is at seqNum "
				       "%" PRIu64
				       " but holds only block %" PRIu64 " < local block %" PRIu64,
				       p.id, p.st.seq_num, p.st.last_block, r->last_block);
		} else if (p.st.last_block == r->last_block && r->last_block > 0 &&
			   memcmp(p.st.last_digest, r->last_digest, DRILL_HASH_LEN) != 0) {
			rc = drill_err(DRILL_ECORRUPT, "state transfer: replica-%d's block %" PRIu64
				       " differs from local block %" PRIu64 " (fork)", p.id,
				       p.st.last_block, r->last_block);
		} else {
			rc = transfer_blocks(r, &p);
		}
		pthread_mutex_lock(&r->mu);
		if (!rc) {
			r->seq = p.st.seq_num;
			r->ck.last_seq = p.st.ckpt_last_seq;
			r->ck.last_ts_ms = p.st.ckpt_last_ts_ms;
			r->ck.scheduled_seq = p.st.ckpt_scheduled_seq;
			put_ckpt_last(r->wb, &r->ck);
			r->pending++;
			rc = commit(r);
			if (!rc)
				drill_log_info("state transfer done: seqNum %" PRIu64 ", block %"
					       PRIu64, r->seq, r->last_block);
		}
		if (rc && rc != DRILL_ECORRUPT && load_state(r) != 0)
			rc = DRILL_ECORRUPT; /* cannot even reload: do not start */
		pthread_mutex_unlock(&r->mu);
		free(p.url);
		drill_replica_status_free(&p.st);
	}
	return rc;
}

/* Open the database named by the options (parse_args) and load the replica's state from it. */
static int replica_open(struct replica *r)
{
	r->terms = drill_terms_new(r->terms_bits);
	int rc = drill_fs_mkdir_p(r->data_dir, 0755);
	if (!rc)
		rc = drill_fs_guard_add(r->data_dir);
	if (!rc)
		rc = open_database(r);
	if (!rc)
		rc = load_state(r);
	if (!rc)
		rc = reconcile(r);
	return rc;
}

/* Commit what is pending, flush the memtables when `flush`, close, and free everything. */
static int replica_close(struct replica *r, int flush)
{
	int rc = 0;
	if (r->db) {
		rc = commit(r);
		if (!rc && flush)
			rc = drill_store_flush(r->db);
		if (rc)
			drill_log_error("closing the database: %s", drill_err_last());
		drill_store_close(r->db);
		r->db = NULL;
	}
	drill_store_batch_free(r->wb);
	drill_terms_free(r->terms);
	ov_free(&r->ov);
	free(r->kv);
	free(r->ckpts);
	pthread_mutex_destroy(&r->mu);
	return rc;
}

/* ---- main --------------------------------------------------------------------------------- */

static const char usage_text[] =
	"usage: chaindrill replica --data DIR --id I [--port-file FILE] [--peers-dir DIR]\n"
	"         [--listen ADDR:PORT] [--peer ID=URL]... [--checkpoints-enabled 0|1]\n"
	"         [--number-of-checkpoints N] [--checkpoint-interval S] [--checkpoint-window W]\n"
	"         [--cold-start] [--terms-cache-bits N] [--disk-shared-by N]\n"
	"         [--max-connections N] [--max-connections-per-client N] [--connection-timeout S]\n"
	"         [-v]\n\n"
	"The replica daemon: a RocksDB chain behind an HTTP API. Platforms start it; people rarely\n"
	"do. It runs until SIGTERM or SIGINT: then it commits, flushes its memtables into SST files\n"
	"and closes the database. SIGUSR1 stops it the same way without the flush (the memtables\n"
	"stay in the write-ahead log, as RocksDB's own close leaves them): a restore sends it when\n"
	"it is about to replace the database.\n\n"
	"Options:\n"
	"  --data DIR         the replica's RocksDB database (rocksdbdata), created if missing\n"
	"                     (required)\n"
	"  --id I             this replica's id (required)\n"
	"  --port-file FILE   write the port it listens on to FILE once it listens\n"
	"  --peers-dir DIR    the directory of the other replicas' port files\n"
	"  --listen ADDR:PORT the HTTP API's IPv4 address and port (default 127.0.0.1:0, any free\n"
	"                     port; then --port-file is required); in a pod 0.0.0.0:8080\n"
	"  --peer ID=URL      replica ID's API at URL (repeatable), e.g. http://replica-1:8080; with\n"
	"                     --peers-dir, the peers a returning replica catches up from\n"
	"  --checkpoints-enabled 0|1  take periodic RocksDB checkpoints (default 1)\n"
	"  --number-of-checkpoints N  checkpoints retained (1..100, default 5)\n"
	"  --checkpoint-interval S    seconds between periodic checkpoints (default 3600)\n"
	"  --checkpoint-window W      sequence numbers between checkpoints (default 30000)\n"
	"  --cold-start       the whole cluster starts at once: do not wait for a peer to catch up\n"
	"                     from before being ready; catch up when ordered past the local\n"
	"                     sequence number instead\n"
	"  --terms-cache-bits N       keep the terms of up to 2^N keys' values in memory (0..24,\n"
	"                     default 17: ~10 MiB at most), so that an update need not read the\n"
	"                     key's old value back; a key not kept is read from the database\n"
	"  --disk-shared-by N how many replicas write to the filesystem of --data (1..1000,\n"
	"                     default 1; the local platform puts every volume on one): an order\n"
	"                     or checkpoint is refused (HTTP 507) while its writes, N times over,\n"
	"                     and a 4 MiB reserve would not fit in the free space\n"
	"  --max-connections N        HTTP connections open at once (4..4096, default 256)\n"
	"  --max-connections-per-client N  from one IP address (1..4096, default 32); a client\n"
	"                     over it, or any over --max-connections, is disconnected at once\n"
	"  --connection-timeout S     close a connection idle for S seconds (1..3600, default 15)\n"
	"  -v, --verbose      more output (twice: debug)\n"
	"  -h, --help         this help\n\n"
	"Exit codes: 0 stopped by a signal, 1 failed while running, 2 usage or input error.\n\n"
	"Example:\n"
	"  chaindrill replica --data vol0/rocksdbdata --id 0 --port-file vol0/port\n";

/* An option's number: the strict reader every command uses (util/num.h). */
static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	return drill_num_parse(v, s, 0, max, NULL) ? -1 : 0;
}

/* "ADDR:PORT", IPv4 only: what a pod or the loopback needs. */
static int parse_listen(struct sockaddr_in *sa, const char *arg)
{
	const char *colon = strrchr(arg, ':');
	uint64_t port;
	char host[INET_ADDRSTRLEN];
	size_t hl = colon ? (size_t)(colon - arg) : 0;
	if (!colon || hl == 0 || hl >= sizeof(host) || parse_u64(colon + 1, 65535, &port))
		return drill_err(DRILL_EINPUT, "--listen: '%s' is not ADDR:PORT (e.g. 0.0.0.0:8080)",
				 arg);
	memcpy(host, arg, hl);
	host[hl] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return drill_err(DRILL_EINPUT, "--listen: '%s' is no IPv4 address", host);
	return 0;
}

/* "ID=URL" */
static int parse_peer(struct replica *r, const char *arg)
{
	const char *eq = strchr(arg, '=');
	uint64_t id;
	char idtxt[16];
	size_t il = eq ? (size_t)(eq - arg) : 0;
	if (r->n_peers == PEERS_MAX)
		return drill_err(DRILL_EINPUT, "--peer: at most %d", PEERS_MAX);
	if (!eq || il == 0 || il >= sizeof(idtxt))
		return drill_err(DRILL_EINPUT, "--peer: '%s' is not ID=URL", arg);
	memcpy(idtxt, arg, il);
	idtxt[il] = '\0';
	if (parse_u64(idtxt, INT32_MAX, &id) ||
	    (strncmp(eq + 1, "http://", 7) != 0 && strncmp(eq + 1, "https://", 8) != 0))
		return drill_err(DRILL_EINPUT, "--peer: '%s' is not ID=URL with an http(s) URL",
				 arg);
	r->peers[r->n_peers].id = (uint32_t)id;
	r->peers[r->n_peers].url = eq + 1;
	r->n_peers++;
	return 0;
}

static int parse_args(struct replica *r, int argc, char **argv, int need_address)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"id", required_argument, NULL, 'i'},
		{"port-file", required_argument, NULL, 'p'},
		{"peers-dir", required_argument, NULL, 'P'},
		{"checkpoints-enabled", required_argument, NULL, 'e'},
		{"number-of-checkpoints", required_argument, NULL, 'n'},
		{"checkpoint-interval", required_argument, NULL, 's'},
		{"checkpoint-window", required_argument, NULL, 'w'},
		{"cold-start", no_argument, NULL, 'c'},
		{"terms-cache-bits", required_argument, NULL, 't'},
		{"disk-shared-by", required_argument, NULL, 'D'},
		{"listen", required_argument, NULL, 'l'},
		{"peer", required_argument, NULL, 'r'},
		{"max-connections", required_argument, NULL, 'M'},
		{"max-connections-per-client", required_argument, NULL, 'C'},
		{"connection-timeout", required_argument, NULL, 'T'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	int have_id = 0, c;
	r->cfg = (struct drill_ckpt_config){.enabled = 1, .keep = 5, .interval_s = 3600,
					    .window = 30000};
	r->terms_bits = TERMS_CACHE_BITS;
	r->disk_shared_by = 1;
	r->max_conns = HTTP_MAX_CONNECTIONS;
	r->max_per_client = HTTP_MAX_PER_CLIENT;
	r->conn_timeout_s = HTTP_TIMEOUT_S;
	r->listen_addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = 0};
	r->listen_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': r->data_dir = optarg; break;
		case 'p': r->port_file = optarg; break;
		case 'P': r->peers_dir = optarg; break;
		case 'c': r->cold_start = 1; break;
		case 'l':
			if (parse_listen(&r->listen_addr, optarg))
				return DRILL_EINPUT;
			break;
		case 'r':
			if (parse_peer(r, optarg))
				return DRILL_EINPUT;
			break;
		case 'v':
			drill_log_threshold = drill_log_threshold < DRILL_LOG_INFO
						      ? DRILL_LOG_INFO : DRILL_LOG_DEBUG;
			break;
		case 'h': fputs(usage_text, stdout); exit(0);
		case 'i':
			if (parse_u64(optarg, UINT32_MAX, &v))
				return drill_err(DRILL_EINPUT, "--id: '%s' is no replica id",
						 optarg);
			r->id = (uint32_t)v;
			have_id = 1;
			break;
		case 'e':
			if (parse_u64(optarg, 1, &v))
				return drill_err(DRILL_EINPUT, "--checkpoints-enabled: 0 or 1");
			r->cfg.enabled = (int)v;
			break;
		case 'n':
			if (parse_u64(optarg, 100, &v) || v < 1)
				return drill_err(DRILL_EINPUT, "--number-of-checkpoints: 1..100");
			r->cfg.keep = (uint32_t)v;
			break;
		case 's':
			if (parse_u64(optarg, UINT64_MAX / 1000, &v))
				return drill_err(DRILL_EINPUT, "--checkpoint-interval: seconds");
			r->cfg.interval_s = v;
			break;
		case 'w':
			if (parse_u64(optarg, UINT64_MAX, &v))
				return drill_err(DRILL_EINPUT, "--checkpoint-window: want a count");
			r->cfg.window = v;
			break;
		case 't':
			if (parse_u64(optarg, TERMS_CACHE_BITS_MAX, &v))
				return drill_err(DRILL_EINPUT, "--terms-cache-bits: want 0..%d",
						 TERMS_CACHE_BITS_MAX);
			r->terms_bits = (unsigned)v;
			break;
		case 'D':
			if (parse_u64(optarg, 1000, &v) || v == 0)
				return drill_err(DRILL_EINPUT, "--disk-shared-by: want 1..1000");
			r->disk_shared_by = (unsigned)v;
			break;
		case 'M':
			if (parse_u64(optarg, 4096, &v) || v < 4)
				return drill_err(DRILL_EINPUT, "--max-connections: want 4..4096");
			r->max_conns = (unsigned)v;
			break;
		case 'C':
			if (parse_u64(optarg, 4096, &v) || v < 1)
				return drill_err(DRILL_EINPUT, "--max-connections-per-client: want "
						 "1..4096");
			r->max_per_client = (unsigned)v;
			break;
		case 'T':
			if (parse_u64(optarg, 3600, &v) || v < 1)
				return drill_err(DRILL_EINPUT, "--connection-timeout: want 1..3600 "
						 "seconds");
			r->conn_timeout_s = (unsigned)v;
			break;
		default:
			return drill_err(DRILL_EINPUT, "unknown or incomplete option '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind < argc)
		return drill_err(DRILL_EINPUT, "unexpected argument '%s'", argv[optind]);
	if (!r->data_dir || !have_id)
		return drill_err(DRILL_EINPUT, "--data and --id are required");
	/* Without a fixed port nobody could find the replica. */
	if (need_address && !r->port_file && r->listen_addr.sin_port == 0)
		return drill_err(DRILL_EINPUT, "--port-file is required unless --listen names a port");
	return 0;
}

int drill_replica_main(int argc, char **argv)
{
	struct replica r = {0};
	sigset_t sigs;
	int rc, exit_code = 1, sig = 0, flush_at_stop = 1;
	uint16_t port = 0;

	pthread_mutex_init(&r.mu, NULL);
	r.wb = drill_store_batch_new();
	rc = parse_args(&r, argc, argv, 1);
	if (rc) {
		fprintf(stderr, "chaindrill: replica: %s\n%s", drill_err_last(), usage_text);
		exit_code = 2;
		goto cleanup;
	}
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "replica-%u", r.id);
	drill_log_set_prefix(prefix);

	/* Signals are taken by sigwait in this thread; every thread started later inherits the
	 * mask, so none of them is interrupted. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = replica_open(&r);
	if (rc) {
		drill_log_error("refusing to start: %s", drill_err_last());
		goto cleanup;
	}
	drill_log_info("opened %s: seqNum %" PRIu64 ", block %" PRIu64 ", %zu checkpoints",
		       r.data_dir, r.seq, r.last_block, r.n_ckpts);
	rc = start_http(&r, &port);
	if (!rc && r.port_file) {
		char txt[16];
		int n = snprintf(txt, sizeof(txt), "%u\n", port);
		rc = drill_fs_write_atomic(r.port_file, txt, (size_t)n);
	}
	if (rc) {
		drill_log_error("%s", drill_err_last());
		goto cleanup;
	}
	char host[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &r.listen_addr.sin_addr, host, sizeof(host));
	drill_log_info("listening on %s:%u", host, port);

	rc = r.cold_start ? 0 : state_transfer(&r);
	if (rc == DRILL_ECORRUPT) {
		drill_log_error("%s", drill_err_last());
		goto cleanup;
	}
	if (rc)
		drill_log_warn("state transfer incomplete: %s", drill_err_last());
	pthread_mutex_lock(&r.mu);
	r.ready = 1;
	pthread_mutex_unlock(&r.mu);
	drill_log_info("ready at seqNum %" PRIu64 ", block %" PRIu64, r.seq, r.last_block);

	sigwait(&sigs, &sig);
	/* SIGUSR1: the database is about to be replaced (a restore's scale-down): what a flush
	 * would write is deleted right after, so the memtables stay in the WAL, as RocksDB's own
	 * close leaves them. */
	flush_at_stop = sig != SIGUSR1;
	drill_log_info("signal %d: stopping%s", sig, flush_at_stop ? "" : " without a flush");
	exit_code = 0;
cleanup:
	if (r.mhd)
		MHD_stop_daemon(r.mhd); /* joins the request threads: nobody holds the lock now */
	if (replica_close(&r, flush_at_stop) != 0)
		exit_code = exit_code ? exit_code : 1;
	return exit_code;
}

/* ---- the in-process API (replica/api.h) ---------------------------------------------------- */

struct drill_replica_api {
	struct replica r;
};

int drill_replica_api_open(struct drill_replica_api **out, int argc, char **argv)
{
	struct drill_replica_api *a = drill_xcalloc(1, sizeof(*a));
	struct replica *r = &a->r;
	*out = NULL;
	pthread_mutex_init(&r->mu, NULL);
	r->wb = drill_store_batch_new();
	int rc = parse_args(r, argc, argv, 0);
	if (!rc)
		rc = replica_open(r);
	if (rc) {
		replica_close(r, 0);
		free(a);
		return rc;
	}
	r->ready = 1;
	*out = a;
	return 0;
}

struct query {
	size_t n;
	char *name[16], *value[16]; /* value NULL: the name came alone */
	size_t len[16];
};

/* Decode %XX and '+' in place, as the HTTP server does for query arguments; the decoded length. */
static size_t unescape(char *s)
{
	char *w = s;
	for (char *p = s; *p; p++) {
		if (*p == '+') {
			*w++ = ' ';
		} else if (p[0] == '%' && isxdigit((unsigned char)p[1]) &&
			   isxdigit((unsigned char)p[2])) {
			char hex[3] = {p[1], p[2], 0};
			*w++ = (char)strtol(hex, NULL, 16);
			p += 2;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static const char *query_arg(void *ctx, const char *name, size_t *len)
{
	const struct query *q = ctx;
	for (size_t i = 0; i < q->n; i++)
		if (!strcmp(q->name[i], name)) {
			*len = q->len[i];
			return q->value[i];
		}
	return NULL;
}

int drill_replica_api_call(struct drill_replica_api_answer *ans, struct drill_replica_api *a,
			   const char *method, const char *target, const void *body, size_t len)
{
	memset(ans, 0, sizeof(*ans));
	char *path = drill_xstrdup(target), *qs = strchr(path, '?');
	struct query q = {0};
	if (qs) {
		*qs++ = '\0';
		for (char *save = NULL, *kv = strtok_r(qs, "&", &save); kv && q.n < 16;
		     kv = strtok_r(NULL, "&", &save)) {
			char *eq = strchr(kv, '=');
			if (eq)
				*eq++ = '\0';
			q.len[q.n] = eq ? unescape(eq) : 0;
			unescape(kv);
			q.name[q.n] = kv;
			q.value[q.n++] = eq;
		}
	}
	unescape(path);
	struct api_call c = {.arg = query_arg, .arg_ctx = &q};
	struct drill_buf b = {0};
	int is_post = !strcmp(method, "POST"), too_big = 0;
	if (is_post) {
		drill_buf_init(&b, upload_limit(path));
		too_big = len && drill_buf_append(&b, body, len) != 0;
	}
	int rc = dispatch(&a->r, &c, method, path, is_post ? &b : NULL, too_big);
	drill_buf_free(&b);
	free(path);
	if (rc)
		return drill_err(DRILL_EFAIL, "replica API: out of memory");
	ans->code = c.code;
	ans->body = c.body;
	ans->len = c.len;
	ans->type = c.type;
	return 0;
}

void drill_replica_api_answer_free(struct drill_replica_api_answer *ans)
{
	if (!ans)
		return;
	free(ans->body);
	ans->body = NULL;
}

int drill_replica_api_close(struct drill_replica_api *a)
{
	if (!a)
		return 0;
	int rc = replica_close(&a->r, 1);
	free(a);
	return rc;
}
