/* tests/helpers.c — scratch directories for unit tests. */
#include "helpers.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

char *drill_test_scratch(const char *name)
{
	const char *base = getenv("CHAINDRILL_SCRATCH");
	char *root = base ? drill_xstrdup(base) : drill_xasprintf("/tmp/chaindrill-test-%d", (int)getpid());
	if (drill_fs_mkdir_p(root, 0755) != 0)
		fail_msg("cannot create scratch root %s: %s", root, drill_err_last());
	if (drill_fs_guard_add(root) != 0)
		fail_msg("guard: %s", drill_err_last());
	char *dir = drill_xasprintf("%s/%s", root, name);
	if (drill_fs_remove_tree(dir) != 0 || drill_fs_mkdir_p(dir, 0755) != 0)
		fail_msg("cannot prepare %s: %s", dir, drill_err_last());
	free(root);
	return dir;
}

/* Cases of this process that called drill_test_skip (cmocka runs them all in one process). */
static size_t skipped_cases;

void drill_test_skip_(const char *test_case, const char *fmt, ...)
{
	skipped_cases++;
	va_list ap;
	va_start(ap, fmt);
	printf("# skip %s: ", test_case);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	skip();
}

int drill_test_result_(int failed, size_t cases)
{
	if (failed == 0 && cases > 0 && skipped_cases >= cases) {
		printf("# every case skipped: exit 77\n");
		return 77;
	}
	return failed;
}

const char *drill_test_bin(void)
{
	const char *bin = getenv("CHAINDRILL_BIN");
	if (!bin)
		fail_msg("CHAINDRILL_BIN is not set (run the test through ctest)");
	return bin;
}
