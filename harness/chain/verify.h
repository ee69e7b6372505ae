/* chain/verify.h — per-replica checks and the cross-replica verdict (docs/design.md §5, contract).
 *
 * Per replica: ok | corrupt | missing. A replica is ok when its database opens read-only, every
 * block decodes, digests and parent links hold, ids run 1..last without gaps, each root follows
 * from its parent's (root − Σ prev_term + Σ term), the final root equals Σ term over the `state`
 * column family, chain.last_block equals the last block id, chain.format is known, and replica.id
 * equals the i of a `replica-<i>` directory in its path where there is one. Verification streams:
 * memory does not grow with the chain. The first failure is reported with block id and reason. */
#ifndef DRILL_CHAIN_VERIFY_H
#define DRILL_CHAIN_VERIFY_H

#include "chain/root.h"

#include <stddef.h>
#include <stdint.h>

enum drill_replica_health { DRILL_REPLICA_OK, DRILL_REPLICA_CORRUPT, DRILL_REPLICA_MISSING };
/* What kind of database a replica holds, told by its column families: chaindrill's own
 * (default, blocks, state) or a categorized Concord one (blocks, cat_id_type, the categories';
 * concord/kvbc.h). Unknown when there is no database to look at. */
enum drill_replica_format {
	DRILL_FORMAT_UNKNOWN,
	DRILL_FORMAT_CHAINDRILL, /* "chaindrill-chain/1" */
	DRILL_FORMAT_CONCORD,    /* "concord-categorized" */
};
enum drill_verdict {
	DRILL_VERDICT_CONSISTENT,
	DRILL_VERDICT_RECOVERABLE,
	DRILL_VERDICT_DIVERGENT,
	DRILL_VERDICT_UNRECOVERABLE,
};

struct drill_store;

struct drill_replica_result {
	char *path;         /* as given */
	char *db_path;      /* the rocksdbdata directory that was checked (NULL if none found) */
	enum drill_replica_health status;
	uint64_t last_block; /* highest block id present (0 for an empty chain) */
	int has_digest;      /* 0 for an empty chain */
	uint8_t digest[DRILL_HASH_LEN];     /* digest of last_block */
	uint8_t state_root[DRILL_HASH_LEN]; /* root of last_block (zeros for empty) */
	char *error;        /* first failure, NULL when ok */
	uint64_t error_block; /* block id of the first failure, 0 when not about a block */
	long expected_id;    /* replica-<i> from the path, -1 if none */
	long replica_id;     /* replica.id from the database, -1 if absent */
	uint64_t blocks_checked;
	uint64_t bytes_checked;
	int reader_died;     /* the child process reading it died (corrupt; error says how) */
	enum drill_replica_format format;
	/* Concord only (zero otherwise): the first block id (above 1 after pruning); blocks of a
	 * state transfer in progress (st_chain), reported and not checked; and the writer's
	 * update-and-delete quirk, a finding of its own (quirk_first: the first block whose parent
	 * digest shows it; quirk: what it is, NULL when none). A replica with the quirk is corrupt:
	 * its chain does not verify by Concord's own rule (docs/verify.md). */
	uint64_t genesis_block;
	uint64_t st_chain_blocks;
	uint64_t quirk_blocks;
	uint64_t quirk_first;
	char *quirk;
};

struct drill_verify_result {
	enum drill_verdict verdict;
	int f;
	int has_agreed;
	uint64_t agreed_block;
	uint8_t agreed_digest[DRILL_HASH_LEN];
	size_t n;
	struct drill_replica_result *replicas; /* n results, in the order of the paths given */
};

/* Resolve a path the user gave to the rocksdbdata directory to open: the path itself when it holds
 * a database (a CURRENT file), else the single `<ns>/<bc>/replica-<i>/rocksdbdata` below a volume
 * root, else `rocksdbdata` directly below. *db is malloc'd; DRILL_ENOTFOUND when there is none,
 * DRILL_EINPUT when a volume root holds several. */
int drill_verify_resolve(char **db, const char *path);

/* Verify one replica; never writes to it. Always fills *out (status tells the result). Runs in
 * the calling process: a storage engine that aborts on damaged data takes the caller with it, so
 * only the child of drill_verify_replica_isolated calls it on data chaindrill did not just write. */
void drill_verify_replica(struct drill_replica_result *out, const char *path);

/* drill_verify_replica in a child process forked for it, its result sent back through a pipe.
 * A child that dies (a signal, an assertion inside RocksDB) or exits without its result makes the
 * replica corrupt, the reason being the line it printed (an assertion's text, bounded) and how it
 * ended, e.g. "... Assertion `...' failed. (the reader killed by signal 6 (Aborted) while opening
 * DB)", or "killed by signal 9 (Killed) while reading DB" when it printed nothing. Every reader of
 * a database's format, dispatched inside drill_verify_replica, is isolated with it.
 * drill_verify_set, drill_verify_checkpoints and the verdict's read-backs isolate the same way. */
void drill_verify_replica_isolated(struct drill_replica_result *out, const char *path);

/* fn(arg, len) in a child process forked for it, for any other use of a database chaindrill did
 * not just write (the identity reset of a volume restored from another replica's): returns fn's
 * code with its message, or DRILL_ECORRUPT when the child died, with the line it printed and how
 * it ended "while <what>". The child gets a copy of the len bytes at arg, not our memory (it may
 * be forked by the fork server, util/forksrv.h): no pointers in them. fn must keep its effects to
 * files: the child's memory is lost. */
typedef int (*drill_isolated_fn)(const void *arg, size_t len);
int drill_isolated(drill_isolated_fn fn, const void *arg, size_t len, const char *what);

/* Verify every path (each in a child process as drill_verify_replica_isolated does, at most
 * `jobs` at once, 0 = number of cores) and compute the verdict (its read-backs isolated too). f < 0 derives f = ⌊(n−1)/3⌋. Returns 0 (the verdict is in *out) or an error for
 * problems that prevent any verdict (none given). */
int drill_verify_set(struct drill_verify_result *out, const char *const *paths, size_t n, int f,
		     int jobs);
void drill_verify_result_free(struct drill_verify_result *r);

/* The pure verdict arithmetic, separated for tests. digest_at(ctx, i, h, out) returns 0 and the
 * digest of block h on replica i (h ≤ that replica's last_block), or non-zero if unreadable. */
typedef int (*drill_digest_at_fn)(void *ctx, size_t i, uint64_t h, uint8_t out[DRILL_HASH_LEN]);
void drill_verdict_compute(struct drill_verify_result *r, drill_digest_at_fn digest_at, void *ctx);

const char *drill_verdict_name(enum drill_verdict v);       /* "consistent", ... */
int drill_verdict_parse(enum drill_verdict *v, const char *name);
const char *drill_replica_status_name(enum drill_replica_health s); /* "ok", "corrupt", "missing" */
const char *drill_replica_format_name(enum drill_replica_format f); /* NULL for unknown */

/* Checkpoints of one replica (`verify --checkpoints`): every rocksdbdata/checkpoints/<id>/ with a
 * decimal name, verified as a database of its own. A checkpoint is ok when it verifies, its last
 * block is <id>, and (chaindrill's format) its default CF's `ckpt.self` JSON names <id> with the
 * same digest and stateRoot, or (Concord's) its public state hash (key 0x0106 of default) names
 * block <id> and equals the one recomputed by Concord's rule. Results are sorted by id; no
 * checkpoints directory gives none. */
struct drill_checkpoint_result {
	uint64_t id;
	char *path;
	enum drill_replica_health status; /* ok or corrupt */
	char *error; /* NULL when ok */
};
int drill_verify_checkpoints(struct drill_checkpoint_result **out, size_t *n, const char *db_path);
void drill_verify_checkpoints_free(struct drill_checkpoint_result *c, size_t n); /* NULL-safe */

/* The JSON of docs/design.md §5: {"verdict","f","agreedBlock","agreedDigest","replicas":[{"path",
 * "status","lastBlock","digest","stateRoot","error"}]} (plus "errorBlock", "replicaId", "format",
 * and for Concord "genesisBlock", "stChainBlocks", "quirk"). Returned string is malloc'd. */
char *drill_verify_to_json(const struct drill_verify_result *r);

#endif
