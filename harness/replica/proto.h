/* replica/proto.h — what the driver sends a replica: ordered requests, and the replica's status.
 *
 * The driver stands in for consensus: it assigns each request a BFT sequence number and a
 * consensus time and sends the same sequence to every running replica. A batch travels as one
 * binary POST /v1/order body (integers big-endian):
 *
 *   "CDRQ" | count u32 | count × ( sn u64 | ts_ms u64 | kind u8 | n u32 |
 *                                  n × (klen u32 | key | vlen u32 | value) )
 *
 * kind: 0 no-op (no block), 1 write (one block with the n updates), 2 db-checkpoint create (the
 * operator's command, ordered like any request; no block). sn and ts_ms are at most INT64_MAX
 * (the status JSON's integers are signed). Sequence numbers in a batch are
 * consecutive and start right after the replica's last applied one. */
#ifndef DRILL_REPLICA_PROTO_H
#define DRILL_REPLICA_PROTO_H

#include "chain/root.h"
#include "util/bytes.h"

#include <stddef.h>
#include <stdint.h>

#define DRILL_REQ_MAGIC "CDRQ"
#define DRILL_ORDER_MAX_BODY (256u << 20)

enum drill_req_kind { DRILL_REQ_NOOP = 0, DRILL_REQ_WRITE = 1, DRILL_REQ_CKPT_CREATE = 2 };

struct drill_req_update {
	const uint8_t *key;
	uint32_t klen;
	const uint8_t *val;
	uint32_t vlen;
};

struct drill_req {
	uint64_t sn;
	uint64_t ts_ms;
	enum drill_req_kind kind;
	uint32_t n;
	struct drill_req_update *u; /* n updates */
};

/* Encoding: start a batch in `b`, append requests, then finish (patches the count). */
void drill_req_batch_begin(struct drill_buf *b);
int drill_req_batch_add(struct drill_buf *b, const struct drill_req *r); /* DRILL_EFAIL if full */
void drill_req_batch_end(struct drill_buf *b);

/* Decoding: iterate requests of a batch body. *r's updates point into `body`; r->u is an array
 * grown as needed in *u_cap. Returns 1 for a request, 0 at the end, DRILL_EINPUT if malformed. */
struct drill_req_reader {
	const uint8_t *p, *end;
	uint32_t left;
	struct drill_req_update *u;
	size_t u_cap;
};
int drill_req_reader_init(struct drill_req_reader *rd, const uint8_t *body, size_t len);
int drill_req_reader_next(struct drill_req_reader *rd, struct drill_req *r);
void drill_req_reader_free(struct drill_req_reader *rd);

/* A checkpoint as the replica reports it (ckpt/<id> metadata). */
struct drill_ckpt_info {
	uint64_t id, seq_num, last_block, ts_ms;
	uint8_t digest[DRILL_HASH_LEN], state_root[DRILL_HASH_LEN];
};
char *drill_ckpt_info_to_json(const struct drill_ckpt_info *c); /* the §4 JSON, malloc'd */
int drill_ckpt_info_from_json(struct drill_ckpt_info *c, const char *json, size_t len);

/* GET /v1/status, parsed. */
struct drill_replica_status {
	uint32_t replica_id;
	int ready;
	uint64_t seq_num;
	uint64_t last_block;
	int has_digest;
	uint8_t last_digest[DRILL_HASH_LEN];
	uint8_t state_root[DRILL_HASH_LEN];
	uint64_t ckpt_last_seq, ckpt_last_ts_ms, ckpt_scheduled_seq;
	size_t n_checkpoints;
	struct drill_ckpt_info *checkpoints; /* ascending id */
};
int drill_replica_status_from_json(struct drill_replica_status *st, const char *json, size_t len);
char *drill_replica_status_to_json(const struct drill_replica_status *st);
void drill_replica_status_free(struct drill_replica_status *st);

#endif
