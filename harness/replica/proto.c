/* replica/proto.c — the order batch codec and the status/checkpoint JSON (see proto.h). */
#include "replica/proto.h"

#include "util/err.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define REQ_HEADER_LEN (8 + 8 + 1 + 4) /* sn | ts_ms | kind | n */
#define UPDATE_MIN_LEN (4 + 4)        /* klen | vlen */
#define BATCH_HEADER_LEN 8            /* magic | count */

/* ---- batch encoding ---------------------------------------------------------------------- */

void drill_req_batch_begin(struct drill_buf *b)
{
	static const uint8_t head[BATCH_HEADER_LEN] = {'C', 'D', 'R', 'Q', 0, 0, 0, 0};
	b->len = 0;
	drill_buf_append(b, head, sizeof(head)); /* any sane limit holds 8 bytes */
}

int drill_req_batch_add(struct drill_buf *b, const struct drill_req *r)
{
	if (b->len < BATCH_HEADER_LEN)
		return drill_err(DRILL_EFAIL, "request batch not begun");
	uint32_t count = drill_get_be32(b->data + 4);
	if (count == UINT32_MAX)
		return drill_err(DRILL_EFAIL, "request batch full (%u requests)", count);
	size_t need = REQ_HEADER_LEN;
	for (uint32_t i = 0; i < r->n; i++) {
		size_t one = UPDATE_MIN_LEN + (size_t)r->u[i].klen + r->u[i].vlen;
		if (one > b->limit || need > b->limit - one)
			return drill_err(DRILL_EFAIL, "request batch full (limit %zu bytes)",
					 b->limit);
		need += one;
	}
	if (need > b->limit - b->len)
		return drill_err(DRILL_EFAIL, "request batch full (limit %zu bytes)", b->limit);

	uint8_t h[REQ_HEADER_LEN], l[4];
	drill_put_be64(h, r->sn);
	drill_put_be64(h + 8, r->ts_ms);
	h[16] = (uint8_t)r->kind;
	drill_put_be32(h + 17, r->n);
	drill_buf_append(b, h, sizeof(h));
	for (uint32_t i = 0; i < r->n; i++) {
		drill_put_be32(l, r->u[i].klen);
		drill_buf_append(b, l, 4);
		drill_buf_append(b, r->u[i].key, r->u[i].klen);
		drill_put_be32(l, r->u[i].vlen);
		drill_buf_append(b, l, 4);
		drill_buf_append(b, r->u[i].val, r->u[i].vlen);
	}
	drill_put_be32(b->data + 4, count + 1);
	return 0;
}

void drill_req_batch_end(struct drill_buf *b)
{
	(void)b; /* the count is kept current by every add */
}

/* ---- batch decoding ---------------------------------------------------------------------- */

int drill_req_reader_init(struct drill_req_reader *rd, const uint8_t *body, size_t len)
{
	memset(rd, 0, sizeof(*rd));
	if (!body || len < BATCH_HEADER_LEN)
		return drill_err(DRILL_EINPUT, "request batch: %zu bytes is too short", len);
	if (memcmp(body, DRILL_REQ_MAGIC, 4) != 0)
		return drill_err(DRILL_EINPUT, "request batch: bad magic");
	uint32_t count = drill_get_be32(body + 4);
	if ((uint64_t)count * REQ_HEADER_LEN > len - BATCH_HEADER_LEN)
		return drill_err(DRILL_EINPUT, "request batch: count %u larger than the %zu bytes "
				 "of data", count, len - BATCH_HEADER_LEN);
	rd->p = body + BATCH_HEADER_LEN;
	rd->end = body + len;
	rd->left = count;
	return 0;
}

/* Take a u32 length and that many bytes; NULL if the data ends first. */
static const uint8_t *take_field(struct drill_req_reader *rd, uint32_t *len)
{
	if ((size_t)(rd->end - rd->p) < 4)
		return NULL;
	*len = drill_get_be32(rd->p);
	rd->p += 4;
	if (*len > (size_t)(rd->end - rd->p))
		return NULL;
	const uint8_t *f = rd->p;
	rd->p += *len;
	return f;
}

int drill_req_reader_next(struct drill_req_reader *rd, struct drill_req *r)
{
	memset(r, 0, sizeof(*r));
	if (rd->left == 0) {
		if (rd->p != rd->end)
			return drill_err(DRILL_EINPUT, "request batch: %zu bytes after the last "
					 "request",
					 (size_t)(rd->end - rd->p));
		return 0;
	}
	if ((size_t)(rd->end - rd->p) < REQ_HEADER_LEN)
		return drill_err(DRILL_EINPUT, "request batch: truncated request header");
	r->sn = drill_get_be64(rd->p);
	r->ts_ms = drill_get_be64(rd->p + 8);
	uint8_t kind = rd->p[16];
	r->n = drill_get_be32(rd->p + 17);
	rd->p += REQ_HEADER_LEN;
	/* Both end up in the status JSON, whose integers are signed 64-bit. */
	if (r->sn > INT64_MAX || r->ts_ms > INT64_MAX)
		return drill_err(DRILL_EINPUT, "request batch: sn %llu: sequence number or time "
				 "%llu past %lld", (unsigned long long)r->sn,
				 (unsigned long long)(r->sn > INT64_MAX ? r->sn : r->ts_ms),
				 (long long)INT64_MAX);
	if (kind > DRILL_REQ_CKPT_CREATE)
		return drill_err(DRILL_EINPUT, "request batch: sn %llu: unknown kind %u",
				 (unsigned long long)r->sn, kind);
	r->kind = (enum drill_req_kind)kind;
	if (r->kind != DRILL_REQ_WRITE && r->n != 0)
		return drill_err(DRILL_EINPUT, "request batch: sn %llu: %u updates in a request "
				 "that is no write", (unsigned long long)r->sn, r->n);
	if ((uint64_t)r->n * UPDATE_MIN_LEN > (size_t)(rd->end - rd->p))
		return drill_err(DRILL_EINPUT, "request batch: sn %llu: %u updates larger than "
				 "the data",
				 (unsigned long long)r->sn, r->n);
	if (r->n > rd->u_cap) {
		size_t cap = rd->u_cap ? rd->u_cap : 16;
		while (cap < r->n)
			cap *= 2;
		rd->u = drill_xrealloc(rd->u, cap * sizeof(*rd->u));
		rd->u_cap = cap;
	}
	for (uint32_t i = 0; i < r->n; i++) {
		struct drill_req_update *u = &rd->u[i];
		u->key = take_field(rd, &u->klen);
		u->val = u->key ? take_field(rd, &u->vlen) : NULL;
		if (!u->key || !u->val)
			return drill_err(DRILL_EINPUT, "request batch: sn %llu: update %u "
					 "truncated",
					 (unsigned long long)r->sn, i);
	}
	r->u = rd->u;
	rd->left--;
	return 1;
}

void drill_req_reader_free(struct drill_req_reader *rd)
{
	if (!rd)
		return;
	free(rd->u);
	rd->u = NULL;
	rd->u_cap = 0;
}

/* ---- JSON -------------------------------------------------------------------------------- */

static json_t *hex_json(const uint8_t *h)
{
	char s[2 * DRILL_HASH_LEN + 1];
	drill_hex(s, h, DRILL_HASH_LEN);
	return json_string(s);
}

static int get_u64(uint64_t *v, json_t *o, const char *name, const char *what)
{
	json_t *x = json_object_get(o, name);
	if (!json_is_integer(x) || json_integer_value(x) < 0)
		return drill_err(DRILL_EINPUT, "%s: \"%s\" is not a non-negative integer", what,
				 name);
	*v = (uint64_t)json_integer_value(x);
	return 0;
}

static int get_hex(uint8_t *out, json_t *o, const char *name, const char *what)
{
	json_t *x = json_object_get(o, name);
	if (!json_is_string(x) || drill_unhex(out, DRILL_HASH_LEN, json_string_value(x)) != 0)
		return drill_err(DRILL_EINPUT, "%s: \"%s\" is not %d hex digits", what, name,
				 2 * DRILL_HASH_LEN);
	return 0;
}

static json_t *ckpt_json(const struct drill_ckpt_info *c)
{
	return json_pack("{s:I,s:I,s:I,s:o,s:o,s:I}", "id", (json_int_t)c->id, "seqNum",
			 (json_int_t)c->seq_num, "lastBlock", (json_int_t)c->last_block, "digest",
			 hex_json(c->digest), "stateRoot", hex_json(c->state_root), "timestampMs",
			 (json_int_t)c->ts_ms);
}

static int ckpt_parse(struct drill_ckpt_info *c, json_t *o)
{
	const char *w = "checkpoint JSON";
	if (!json_is_object(o))
		return drill_err(DRILL_EINPUT, "%s: not an object", w);
	int rc = get_u64(&c->id, o, "id", w);
	if (!rc) rc = get_u64(&c->seq_num, o, "seqNum", w);
	if (!rc) rc = get_u64(&c->last_block, o, "lastBlock", w);
	if (!rc) rc = get_u64(&c->ts_ms, o, "timestampMs", w);
	if (!rc) rc = get_hex(c->digest, o, "digest", w);
	if (!rc) rc = get_hex(c->state_root, o, "stateRoot", w);
	return rc;
}

char *drill_ckpt_info_to_json(const struct drill_ckpt_info *c)
{
	json_t *o = ckpt_json(c);
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

int drill_ckpt_info_from_json(struct drill_ckpt_info *c, const char *json, size_t len)
{
	json_error_t e;
	json_t *o = json_loadb(json, len, 0, &e);
	if (!o)
		return drill_err(DRILL_EINPUT, "checkpoint JSON: %s", e.text);
	int rc = ckpt_parse(c, o);
	json_decref(o);
	return rc;
}

char *drill_replica_status_to_json(const struct drill_replica_status *st)
{
	json_t *cks = json_array();
	for (size_t i = 0; i < st->n_checkpoints; i++)
		json_array_append_new(cks, ckpt_json(&st->checkpoints[i]));
	json_t *o = json_pack("{s:I,s:b,s:I,s:I,s:o,s:o,s:I,s:I,s:I,s:o}",
			      "replicaId", (json_int_t)st->replica_id, "ready", st->ready,
			      "seqNum", (json_int_t)st->seq_num,
			      "lastBlock", (json_int_t)st->last_block,
			      "lastDigest",
			      st->has_digest ? hex_json(st->last_digest) : json_null(),
			      "stateRoot", hex_json(st->state_root),
			      "lastCheckpointSeq", (json_int_t)st->ckpt_last_seq,
			      "lastCheckpointTimeMs", (json_int_t)st->ckpt_last_ts_ms,
			      "scheduledCheckpointSeq", (json_int_t)st->ckpt_scheduled_seq,
			      "checkpoints", cks);
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

int drill_replica_status_from_json(struct drill_replica_status *st, const char *json, size_t len)
{
	const char *w = "replica status";
	memset(st, 0, sizeof(*st));
	json_error_t e;
	json_t *o = json_loadb(json, len, 0, &e);
	if (!o)
		return drill_err(DRILL_EINPUT, "%s: %s", w, e.text);
	int rc = 0;
	uint64_t id = 0;
	json_t *ready = json_object_get(o, "ready"), *dg = json_object_get(o, "lastDigest");
	json_t *cks = json_object_get(o, "checkpoints");
	if (!json_is_object(o) || !json_is_boolean(ready) || !json_is_array(cks)) {
		rc = drill_err(DRILL_EINPUT, "%s: not an object with \"ready\" and "
			       "\"checkpoints\"", w);
		goto cleanup;
	}
	rc = get_u64(&id, o, "replicaId", w);
	if (!rc && id > UINT32_MAX)
		rc = drill_err(DRILL_EINPUT, "%s: replicaId %llu out of range", w,
			       (unsigned long long)id);
	if (!rc) rc = get_u64(&st->seq_num, o, "seqNum", w);
	if (!rc) rc = get_u64(&st->last_block, o, "lastBlock", w);
	if (!rc) rc = get_hex(st->state_root, o, "stateRoot", w);
	if (!rc) rc = get_u64(&st->ckpt_last_seq, o, "lastCheckpointSeq", w);
	if (!rc) rc = get_u64(&st->ckpt_last_ts_ms, o, "lastCheckpointTimeMs", w);
	if (!rc) rc = get_u64(&st->ckpt_scheduled_seq, o, "scheduledCheckpointSeq", w);
	if (!rc && !json_is_null(dg)) {
		rc = get_hex(st->last_digest, o, "lastDigest", w);
		st->has_digest = rc == 0;
	}
	if (rc)
		goto cleanup;
	st->replica_id = (uint32_t)id;
	st->ready = json_is_true(ready);
	st->n_checkpoints = json_array_size(cks);
	st->checkpoints = drill_xcalloc(st->n_checkpoints, sizeof(*st->checkpoints));
	for (size_t i = 0; i < st->n_checkpoints && !rc; i++)
		rc = ckpt_parse(&st->checkpoints[i], json_array_get(cks, i));
cleanup:
	json_decref(o);
	if (rc)
		drill_replica_status_free(st);
	return rc;
}

void drill_replica_status_free(struct drill_replica_status *st)
{
	if (!st)
		return;
	free(st->checkpoints);
	memset(st, 0, sizeof(*st));
}
