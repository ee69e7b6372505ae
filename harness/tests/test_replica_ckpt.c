/* tests/test_replica_ckpt.c — the checkpoint rules of docs/design.md §3 (replica/ckpt.h). */
#include "helpers.h"

#include "replica/ckpt.h"

static const struct drill_ckpt_config cfg = {.enabled = 1, .keep = 3, .interval_s = 60,
					     .window = 300};

static void test_schedule(void **state)
{
	(void)state;
	assert_int_equal(drill_ckpt_schedule(1), 150);
	assert_int_equal(drill_ckpt_schedule(149), 150);
	assert_int_equal(drill_ckpt_schedule(150), 300); /* exactly at a multiple: the next one */
	assert_int_equal(drill_ckpt_schedule(151), 300);
	assert_int_equal(drill_ckpt_schedule(0), 150);
}

static void test_window_and_interval_both_required(void **state)
{
	(void)state;
	struct drill_ckpt_state st = {0};
	/* sn 300, time 300 × 100 ms = 30 s: window met, interval not */
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 300, 30000, 300, 0), DRILL_CKPT_NONE);
	/* sn 150, time 70 s: interval met, window not */
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 150, 70000, 150, 0), DRILL_CKPT_NONE);
	/* both */
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 300, 60000, 300, 0), DRILL_CKPT_PERIODIC);
	/* not at a BFT checkpoint */
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 301, 90000, 301, 0), DRILL_CKPT_NONE);
}

static void test_operator(void **state)
{
	(void)state;
	struct drill_ckpt_state st = {.last_seq = 150, .last_ts_ms = 15000,
				      .scheduled_seq = drill_ckpt_schedule(170)};
	assert_int_equal(st.scheduled_seq, 300);
	/* periodic conditions fail at 300 (window 300 not reached), the operator's still holds */
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 300, 30000, 290, 0), DRILL_CKPT_OPERATOR);
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 450, 45000, 290, 0), DRILL_CKPT_NONE);
	drill_ckpt_taken(&st, 300, 30000);
	assert_int_equal(st.scheduled_seq, 0);
	assert_int_equal(st.last_seq, 300);
	assert_int_equal(st.last_ts_ms, 30000);
}

static void test_disabled_never(void **state)
{
	(void)state;
	struct drill_ckpt_config off = cfg;
	off.enabled = 0;
	struct drill_ckpt_state st = {.scheduled_seq = 300};
	assert_int_equal(drill_ckpt_decide(&off, &st, 300, 1000000, 300, 0), DRILL_CKPT_NONE);
	assert_int_equal(drill_ckpt_decide(&off, &st, 600, 1000000, 600, 0), DRILL_CKPT_NONE);
}

static void test_exists_or_empty(void **state)
{
	(void)state;
	struct drill_ckpt_state st = {.scheduled_seq = 300};
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 300, 60000, 250, 1), DRILL_CKPT_NONE);
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 300, 60000, 0, 0), DRILL_CKPT_NONE);
	st.scheduled_seq = 0;
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 300, 60000, 250, 1), DRILL_CKPT_NONE);
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 300, 60000, 0, 0), DRILL_CKPT_NONE);
}

static void test_reset_after_any(void **state)
{
	(void)state;
	struct drill_ckpt_state st = {0};
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 300, 60000, 300, 0), DRILL_CKPT_PERIODIC);
	drill_ckpt_taken(&st, 300, 60000);
	/* the window counts again from 300 */
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 450, 200000, 450, 0), DRILL_CKPT_NONE);
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 600, 100000, 600, 0), DRILL_CKPT_NONE);
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 600, 120000, 600, 0), DRILL_CKPT_PERIODIC);
	/* an operator checkpoint resets the periodic clock too */
	st.scheduled_seq = 750;
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 750, 130000, 700, 0), DRILL_CKPT_OPERATOR);
	drill_ckpt_taken(&st, 750, 130000);
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 900, 500000, 800, 0), DRILL_CKPT_NONE);
	assert_int_equal(drill_ckpt_decide(&cfg, &st, 1050, 500000, 900, 0), DRILL_CKPT_PERIODIC);
	/* a periodic checkpoint taken at or after the scheduled sn clears the schedule */
	st.scheduled_seq = 1200;
	drill_ckpt_taken(&st, 1200, 600000);
	assert_int_equal(st.scheduled_seq, 0);
}

static void test_prune(void **state)
{
	(void)state;
	assert_int_equal(drill_ckpt_prune_count(&cfg, 0), 0);
	assert_int_equal(drill_ckpt_prune_count(&cfg, 3), 0);
	assert_int_equal(drill_ckpt_prune_count(&cfg, 4), 1);
	assert_int_equal(drill_ckpt_prune_count(&cfg, 10), 7);
	struct drill_ckpt_config one = cfg;
	one.keep = 1;
	assert_int_equal(drill_ckpt_prune_count(&one, 2), 1);
	one.keep = 100;
	assert_int_equal(drill_ckpt_prune_count(&one, 100), 0);
	assert_int_equal(drill_ckpt_prune_count(&one, 101), 1);
}

/* Concord's checkAndRemove: free space below threshold % of the live database's size. */
static void test_low_disk(void **state)
{
	(void)state;
	assert_false(drill_ckpt_low_disk(0, 1000, 1000, 50));       /* no size told: never */
	assert_true(drill_ckpt_low_disk(1, 1000, 1000, 50));        /* nothing free */
	assert_true(drill_ckpt_low_disk(1000, 1000, 10, 50));       /* exactly full */
	assert_false(drill_ckpt_low_disk(1500, 1000, 1000, 50));    /* 500 free = 50 %: enough */
	assert_true(drill_ckpt_low_disk(1499, 1000, 1000, 50));     /* 499 free < 500 */
	assert_false(drill_ckpt_low_disk(1000, 0, 0, 50));          /* an empty database */
	assert_false(drill_ckpt_low_disk(1, 1000, 1000, 0));        /* threshold 0: never */
	assert_true(drill_ckpt_low_disk(3000, 1000, 1000, 250));    /* 2000 < 2500 */
	/* no overflow at the extremes */
	assert_false(drill_ckpt_low_disk(UINT64_MAX, 0, UINT64_MAX, 100));
	assert_true(drill_ckpt_low_disk(UINT64_MAX, 1, UINT64_MAX, 100));
	assert_false(drill_ckpt_low_disk(UINT64_MAX, 0, UINT64_MAX / 2, 200));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_window_and_interval_both_required),
		cmocka_unit_test(test_operator),
		cmocka_unit_test(test_disabled_never),
		cmocka_unit_test(test_exists_or_empty),
		cmocka_unit_test(test_reset_after_any),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_low_disk),
	};
	return drill_test_run(tests, NULL, NULL);
}
