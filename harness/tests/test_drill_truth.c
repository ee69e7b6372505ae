/* tests/test_drill_truth.c — the driver's own chain: deterministic from the seed, and a rollback
 * rebuilds exactly the state the chain had at the restored block. */
#include "helpers.h"

#include "drill/truth.h"
#include "replica/proto.h"
#include "util/bytes.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static const struct drill_workload wl = {4, 64, 50, 100}; /* a small key space: many updates */

static struct drill_truth *open_truth(const char *dir, const char *name, uint64_t seed)
{
	char *path = drill_xasprintf("%s/%s", dir, name);
	struct drill_truth *t = NULL;
	assert_drill_ok(drill_truth_open(&t, path, &wl, seed));
	free(path);
	return t;
}

/* Write blocks first..last at sequence numbers equal to their ids (after `skip` no-ops). */
static void write_blocks(struct drill_truth *t, uint64_t first_sn, uint64_t count)
{
	struct drill_buf b;
	drill_buf_init(&b, DRILL_ORDER_MAX_BODY);
	drill_req_batch_begin(&b);
	for (uint64_t sn = first_sn; sn < first_sn + count; sn++)
		assert_drill_ok(drill_truth_write(t, sn, sn * wl.block_interval_ms, &b));
	drill_req_batch_end(&b);
	/* the batch carries exactly the requests written */
	struct drill_req_reader rd;
	struct drill_req r;
	assert_drill_ok(drill_req_reader_init(&rd, b.data, b.len));
	uint64_t n = 0;
	while (drill_req_reader_next(&rd, &r) == 1) {
		assert_int_equal(r.sn, first_sn + n);
		assert_int_equal(r.kind, DRILL_REQ_WRITE);
		assert_int_equal(r.n, wl.keys_per_block);
		n++;
	}
	assert_int_equal(n, count);
	drill_req_reader_free(&rd);
	drill_buf_free(&b);
}

static void deterministic_from_seed(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("truth-det");
	struct drill_truth *a = open_truth(dir, "a", 42), *b = open_truth(dir, "b", 42),
			   *c = open_truth(dir, "c", 43);
	write_blocks(a, 1, 100);
	write_blocks(b, 1, 100);
	write_blocks(c, 1, 100);
	assert_int_equal(drill_truth_last(a), 100);
	assert_memory_equal(drill_truth_last_digest(a), drill_truth_last_digest(b), DRILL_HASH_LEN);
	assert_memory_not_equal(drill_truth_last_digest(a), drill_truth_last_digest(c),
				DRILL_HASH_LEN);
	struct drill_truth_rec r1, r2;
	assert_drill_ok(drill_truth_get(a, 1, &r1));
	assert_int_equal(r1.sn, 1);
	assert_int_equal(r1.ts_ms, 100);
	assert_drill_ok(drill_truth_get(a, 100, &r2));
	assert_memory_equal(r2.digest, drill_truth_last_digest(a), DRILL_HASH_LEN);
	assert_int_equal(drill_truth_get(a, 101, &r2), DRILL_ENOTFOUND);
	assert_int_equal(drill_truth_get(a, 0, &r2), DRILL_ENOTFOUND);
	drill_truth_free(a);
	drill_truth_free(b);
	drill_truth_free(c);
	free(dir);
}

/* A went to block 100 and back to 60; B stopped at 60. Both must now build the same block 61. */
static void rollback_rebuilds_state(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("truth-rollback");
	struct drill_truth *a = open_truth(dir, "a", 7), *b = open_truth(dir, "b", 7);
	write_blocks(a, 1, 100);
	write_blocks(b, 1, 60);
	struct drill_truth_rec at60;
	assert_drill_ok(drill_truth_get(a, 60, &at60));
	assert_drill_ok(drill_truth_rollback(a, 60));
	assert_drill_ok(drill_truth_rollback(b, 60));
	assert_int_equal(drill_truth_last(a), 60);
	assert_int_equal(drill_truth_epoch(a), 1);
	assert_memory_equal(drill_truth_last_digest(a), at60.digest, DRILL_HASH_LEN);
	write_blocks(a, 61, 10);
	write_blocks(b, 61, 10);
	assert_memory_equal(drill_truth_last_digest(a), drill_truth_last_digest(b), DRILL_HASH_LEN);
	/* the new epoch writes differ from the forgotten ones */
	struct drill_truth_rec now61;
	assert_drill_ok(drill_truth_get(a, 61, &now61));
	assert_int_equal(now61.epoch, 1);
	/* back to nothing: an empty chain */
	assert_drill_ok(drill_truth_rollback(a, 0));
	assert_int_equal(drill_truth_last(a), 0);
	assert_null(drill_truth_last_digest(a));
	assert_int_equal(drill_truth_rollback(a, 5), DRILL_EINPUT);
	drill_truth_free(a);
	drill_truth_free(b);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deterministic_from_seed),
		cmocka_unit_test(rollback_rebuilds_state),
	};
	return drill_test_run(tests, NULL, NULL);
}
