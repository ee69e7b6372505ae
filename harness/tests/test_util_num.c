/* tests/test_util_num.c — the strict reader of numbers on command lines (util/num.h): the whole
 * text, in range, or a message that says what was expected. */
#include "helpers.h"

#include "util/err.h"
#include "util/num.h"

#include <stdint.h>
#include <string.h>

static void accepts(void **state)
{
	(void)state;
	static const struct { const char *text; uint64_t min, max, want; } ok[] = {
		{"0", 0, 10, 0}, {"1", 1, 64, 1}, {"64", 1, 64, 64}, {"42", 0, UINT64_MAX, 42},
		{"18446744073709551615", 0, UINT64_MAX, UINT64_MAX},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t v = 7;
		assert_int_equal(drill_num_parse(&v, ok[i].text, ok[i].min, ok[i].max, NULL), 0);
		assert_true(v == ok[i].want);
	}
}

static void refuses(void **state)
{
	(void)state;
	/* What strtol, atoi or strtod would have read as a number, and what is out of range. */
	static const char *const bad[] = {"", "1e9", "2x", "1.5", " 2", "2 ", "+2", "-1", "-0",
					  "0x10", "010", "00", "1_000", "٣", "abc", "65",
					  "18446744073709551616", "99999999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 7;
		if (drill_num_parse(&v, bad[i], 1, 64, NULL) != DRILL_EINPUT)
			fail_msg("'%s' was accepted as %llu", bad[i], (unsigned long long)v);
		assert_true(v == 7); /* untouched */
	}
	uint64_t v;
	assert_int_equal(drill_num_parse(&v, NULL, 0, 1, NULL), DRILL_EINPUT);
	assert_int_equal(drill_num_parse(&v, "0", 1, 64, NULL), DRILL_EINPUT);
}

static void says_what_it_wanted(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(drill_num_parse(&v, "1e9", 1, 64, NULL), DRILL_EINPUT);
	assert_string_equal(drill_err_last(), "expected an integer in 1..64, got '1e9'");
	assert_int_equal(drill_num_parse(&v, "2x", 0, 3600, "a number of seconds"), DRILL_EINPUT);
	assert_string_equal(drill_err_last(), "expected a number of seconds in 0..3600, got '2x'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts),
		cmocka_unit_test(refuses),
		cmocka_unit_test(says_what_it_wanted),
	};
	return drill_test_run(tests, NULL, NULL);
}
