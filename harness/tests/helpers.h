/* tests/helpers.h — shared by the unit tests: scratch directories and small assertions. */
#ifndef DRILL_TESTS_HELPERS_H
#define DRILL_TESTS_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* A fresh empty directory for this test case: $CHAINDRILL_SCRATCH/<name> (or under /tmp when
 * unset), emptied first, registered with the deletion guard. Returns a malloc'd path. */
char *drill_test_scratch(const char *name);

/* Skip the running test case, saying why: prints "# skip CASE: why" (CASE: the calling function,
 * the name cmocka_unit_test gives the case; scripts/test.sh lists these lines) and calls cmocka's
 * skip(), which does not return. Use it instead of a bare skip(). */
#define drill_test_skip(...) drill_test_skip_(__func__, __VA_ARGS__)
void drill_test_skip_(const char *test_case, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Run a group of cases as cmocka_run_group_tests does, and give main its exit status: cmocka's
 * count of failed cases, or 77 (ctest: skipped, SKIP_RETURN_CODE) when every case skipped with
 * drill_test_skip, so that a unit test which tested nothing does not pass. */
#define drill_test_run(tests, setup, teardown)                                                 \
	drill_test_result_(cmocka_run_group_tests(tests, setup, teardown),                     \
			   sizeof(tests) / sizeof((tests)[0]))
int drill_test_result_(int failed, size_t cases);

/* Path of the chaindrill binary under test ($CHAINDRILL_BIN). */
const char *drill_test_bin(void);

/* Assert that a call returned 0, printing drill_err_last() otherwise. */
#define assert_drill_ok(expr)                                                                  \
	do {                                                                                   \
		int rc_ = (expr);                                                              \
		if (rc_ != 0)                                                                  \
			fail_msg("%s returned %d: %s", #expr, rc_, drill_err_last());          \
	} while (0)

#endif
