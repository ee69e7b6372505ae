/* tests/test_replica_proto.c — order batches and status JSON (replica/proto.h). */
#include "helpers.h"

#include "replica/proto.h"
#include "util/bytes.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static void make_batch(struct drill_buf *b)
{
	struct drill_req_update u[2] = {
		{(const uint8_t *)"alpha", 5, (const uint8_t *)"one", 3},
		{(const uint8_t *)"b", 1, (const uint8_t *)"", 0},
	};
	struct drill_req r1 = {.sn = 7, .ts_ms = 700, .kind = DRILL_REQ_WRITE, .n = 2, .u = u};
	struct drill_req r2 = {.sn = 8, .ts_ms = 800, .kind = DRILL_REQ_NOOP};
	struct drill_req r3 = {.sn = 9, .ts_ms = 900, .kind = DRILL_REQ_CKPT_CREATE};
	drill_buf_init(b, 1 << 20);
	drill_req_batch_begin(b);
	assert_drill_ok(drill_req_batch_add(b, &r1));
	assert_drill_ok(drill_req_batch_add(b, &r2));
	assert_drill_ok(drill_req_batch_add(b, &r3));
	drill_req_batch_end(b);
}

static int decode_all(const uint8_t *p, size_t len, int *count)
{
	struct drill_req_reader rd;
	struct drill_req r;
	int rc = drill_req_reader_init(&rd, p, len);
	*count = 0;
	while (rc == 0) {
		rc = drill_req_reader_next(&rd, &r);
		if (rc != 1)
			break;
		(*count)++;
		rc = 0;
	}
	drill_req_reader_free(&rd);
	return rc;
}

static void test_round_trip(void **state)
{
	(void)state;
	struct drill_buf b;
	make_batch(&b);
	struct drill_req_reader rd;
	struct drill_req r;
	assert_drill_ok(drill_req_reader_init(&rd, b.data, b.len));
	assert_int_equal(drill_req_reader_next(&rd, &r), 1);
	assert_int_equal(r.sn, 7);
	assert_int_equal(r.ts_ms, 700);
	assert_int_equal(r.kind, DRILL_REQ_WRITE);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.u[0].klen, 5);
	assert_memory_equal(r.u[0].key, "alpha", 5);
	assert_memory_equal(r.u[0].val, "one", 3);
	assert_int_equal(r.u[1].klen, 1);
	assert_int_equal(r.u[1].vlen, 0);
	assert_int_equal(drill_req_reader_next(&rd, &r), 1);
	assert_int_equal(r.kind, DRILL_REQ_NOOP);
	assert_int_equal(r.sn, 8);
	assert_int_equal(drill_req_reader_next(&rd, &r), 1);
	assert_int_equal(r.kind, DRILL_REQ_CKPT_CREATE);
	assert_int_equal(drill_req_reader_next(&rd, &r), 0);
	drill_req_reader_free(&rd);
	drill_buf_free(&b);
}

static void test_batch_full(void **state)
{
	(void)state;
	struct drill_buf b;
	uint8_t val[100] = {0};
	struct drill_req_update u = {(const uint8_t *)"k", 1, val, sizeof(val)};
	struct drill_req r = {.sn = 1, .kind = DRILL_REQ_WRITE, .n = 1, .u = &u};
	drill_buf_init(&b, 200);
	drill_req_batch_begin(&b);
	assert_drill_ok(drill_req_batch_add(&b, &r));
	size_t len = b.len;
	assert_int_equal(drill_req_batch_add(&b, &r), DRILL_EFAIL);
	assert_int_equal(b.len, len); /* nothing half-appended */
	int n;
	assert_int_equal(decode_all(b.data, b.len, &n), 0);
	assert_int_equal(n, 1);
	drill_buf_free(&b);
}

static void test_malformed(void **state)
{
	(void)state;
	struct drill_buf b;
	make_batch(&b);
	int n;
	/* every truncation fails */
	for (size_t len = 0; len < b.len; len++) {
		uint8_t *copy = malloc(len ? len : 1); /* exact size, so valgrind sees overreads */
		memcpy(copy, b.data, len);
		assert_int_equal(decode_all(copy, len, &n), DRILL_EINPUT);
		free(copy);
	}
	/* bad magic */
	b.data[0] = 'X';
	assert_int_equal(decode_all(b.data, b.len, &n), DRILL_EINPUT);
	b.data[0] = 'C';
	/* count larger than the data */
	drill_put_be32(b.data + 4, 1000);
	assert_int_equal(decode_all(b.data, b.len, &n), DRILL_EINPUT);
	drill_put_be32(b.data + 4, UINT32_MAX);
	assert_int_equal(decode_all(b.data, b.len, &n), DRILL_EINPUT);
	drill_put_be32(b.data + 4, 3);
	assert_int_equal(decode_all(b.data, b.len, &n), 0);
	/* huge update count, huge key length, huge value length */
	const size_t req1 = 8;
	drill_put_be32(b.data + req1 + 17, UINT32_MAX);
	assert_int_equal(decode_all(b.data, b.len, &n), DRILL_EINPUT);
	drill_put_be32(b.data + req1 + 17, 2);
	drill_put_be32(b.data + req1 + 21, UINT32_MAX);
	assert_int_equal(decode_all(b.data, b.len, &n), DRILL_EINPUT);
	drill_put_be32(b.data + req1 + 21, 0xFFFFFFF0u);
	assert_int_equal(decode_all(b.data, b.len, &n), DRILL_EINPUT);
	drill_put_be32(b.data + req1 + 21, 5);
	drill_put_be32(b.data + req1 + 21 + 4 + 5, UINT32_MAX);
	assert_int_equal(decode_all(b.data, b.len, &n), DRILL_EINPUT);
	drill_put_be32(b.data + req1 + 21 + 4 + 5, 3);
	/* unknown kind */
	b.data[req1 + 16] = 9;
	assert_int_equal(decode_all(b.data, b.len, &n), DRILL_EINPUT);
	b.data[req1 + 16] = DRILL_REQ_WRITE;
	assert_int_equal(decode_all(b.data, b.len, &n), 0);
	/* a sequence number or a time past INT64_MAX: the status JSON (signed integers) could not
	 * say it, and the replica's own status would no longer parse (found by fuzz_replica_api) */
	uint64_t sn = drill_get_be64(b.data + req1), ts = drill_get_be64(b.data + req1 + 8);
	drill_put_be64(b.data + req1 + 8, (uint64_t)INT64_MAX + 1);
	assert_int_equal(decode_all(b.data, b.len, &n), DRILL_EINPUT);
	drill_put_be64(b.data + req1 + 8, (uint64_t)INT64_MAX);
	assert_int_equal(decode_all(b.data, b.len, &n), 0);
	drill_put_be64(b.data + req1 + 8, ts);
	drill_put_be64(b.data + req1, UINT64_MAX);
	assert_int_equal(decode_all(b.data, b.len, &n), DRILL_EINPUT);
	drill_put_be64(b.data + req1, sn);
	assert_int_equal(decode_all(b.data, b.len, &n), 0);
	/* trailing garbage */
	uint8_t *longer = malloc(b.len + 3);
	memcpy(longer, b.data, b.len);
	memset(longer + b.len, 0, 3);
	assert_int_equal(decode_all(longer, b.len + 3, &n), DRILL_EINPUT);
	free(longer);
	assert_int_equal(decode_all(NULL, 0, &n), DRILL_EINPUT);
	drill_buf_free(&b);
}

static void test_status_round_trip(void **state)
{
	(void)state;
	struct drill_ckpt_info ck[2] = {
		{.id = 150, .seq_num = 150, .last_block = 150, .ts_ms = 15000},
		{.id = 290, .seq_num = 300, .last_block = 290, .ts_ms = 30000},
	};
	memset(ck[0].digest, 0xab, DRILL_HASH_LEN);
	memset(ck[1].state_root, 0x01, DRILL_HASH_LEN);
	struct drill_replica_status st = {
		.replica_id = 3, .ready = 1, .seq_num = 301, .last_block = 291, .has_digest = 1,
		.ckpt_last_seq = 300, .ckpt_last_ts_ms = 30000, .ckpt_scheduled_seq = 450,
		.n_checkpoints = 2, .checkpoints = ck,
	};
	for (int i = 0; i < DRILL_HASH_LEN; i++) {
		st.last_digest[i] = (uint8_t)i;
		st.state_root[i] = (uint8_t)(255 - i);
	}
	char *js = drill_replica_status_to_json(&st);
	assert_non_null(js);
	struct drill_replica_status got;
	assert_drill_ok(drill_replica_status_from_json(&got, js, strlen(js)));
	assert_int_equal(got.replica_id, 3);
	assert_true(got.ready);
	assert_int_equal(got.seq_num, 301);
	assert_int_equal(got.last_block, 291);
	assert_true(got.has_digest);
	assert_memory_equal(got.last_digest, st.last_digest, DRILL_HASH_LEN);
	assert_memory_equal(got.state_root, st.state_root, DRILL_HASH_LEN);
	assert_int_equal(got.ckpt_last_seq, 300);
	assert_int_equal(got.ckpt_last_ts_ms, 30000);
	assert_int_equal(got.ckpt_scheduled_seq, 450);
	assert_int_equal(got.n_checkpoints, 2);
	assert_memory_equal(got.checkpoints, ck, sizeof(ck));
	drill_replica_status_free(&got);
	free(js);

	/* an empty chain has no digest */
	struct drill_replica_status empty = {.replica_id = 0};
	js = drill_replica_status_to_json(&empty);
	assert_non_null(strstr(js, "\"lastDigest\":null"));
	assert_drill_ok(drill_replica_status_from_json(&got, js, strlen(js)));
	assert_false(got.has_digest);
	assert_int_equal(got.n_checkpoints, 0);
	drill_replica_status_free(&got);
	free(js);

	/* malformed */
	const char *bad[] = {"", "[]", "{\"ready\":true}", "{\"replicaId\":1}",
			     "{\"replicaId\":-1,\"ready\":true,\"checkpoints\":[]}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(drill_replica_status_from_json(&got, bad[i], strlen(bad[i])),
				 DRILL_EINPUT);
}

static void test_ckpt_json(void **state)
{
	(void)state;
	struct drill_ckpt_info c = {.id = 42, .seq_num = 150, .last_block = 42, .ts_ms = 15000};
	memset(c.digest, 0x5a, DRILL_HASH_LEN);
	char *js = drill_ckpt_info_to_json(&c);
	assert_non_null(strstr(js, "\"digest\":\"5a5a"));
	struct drill_ckpt_info d;
	assert_drill_ok(drill_ckpt_info_from_json(&d, js, strlen(js)));
	assert_memory_equal(&c, &d, sizeof(c));
	free(js);
	assert_int_equal(drill_ckpt_info_from_json(&d, "{\"id\":1}", 8), DRILL_EINPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_batch_full),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_status_round_trip),
		cmocka_unit_test(test_ckpt_json),
	};
	return drill_test_run(tests, NULL, NULL);
}
