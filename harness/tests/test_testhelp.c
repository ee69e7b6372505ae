/* tests/test_testhelp.c — the unit tests' shared helpers (helpers.h) on themselves. Run as is, it
 * checks what drill_test_run gives main when nothing skipped. With --sample-all-skipped or
 * --sample-one-skipped it is instead a sample run whose every case, or one of two, skips with
 * drill_test_skip: tests/e2e/test-summary.sh runs both under ctest (exit 77 = skipped, and the
 * reasons in scripts/test.sh's summary). */
#include "helpers.h"

#include <string.h>

static void sample_pass(void **state)
{
	(void)state;
}

static void sample_skip_one(void **state)
{
	(void)state;
	drill_test_skip("sample: %s", "the first reason");
}

static void sample_skip_two(void **state)
{
	(void)state;
	drill_test_skip("sample: the second reason");
}

/* No case skipped: cmocka's count of failures is main's exit status, 0 when none failed. */
static void test_result_without_skips(void **state)
{
	(void)state;
	assert_int_equal(drill_test_result_(0, 3), 0);
	assert_int_equal(drill_test_result_(2, 3), 2);
	assert_int_equal(drill_test_result_(0, 0), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest all_skipped[] = {
		cmocka_unit_test(sample_skip_one),
		cmocka_unit_test(sample_skip_two),
	};
	const struct CMUnitTest one_skipped[] = {
		cmocka_unit_test(sample_pass),
		cmocka_unit_test(sample_skip_one),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_without_skips),
	};
	if (argc == 2 && strcmp(argv[1], "--sample-all-skipped") == 0)
		return drill_test_run(all_skipped, NULL, NULL);
	if (argc == 2 && strcmp(argv[1], "--sample-one-skipped") == 0)
		return drill_test_run(one_skipped, NULL, NULL);
	return drill_test_run(tests, NULL, NULL);
}
