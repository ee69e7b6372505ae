/* cli/common.c — option parsing shared by the subcommands. */
#include "cli/common.h"

#include "util/log.h"
#include "util/progress.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int drill_cli_parse_u64(uint64_t *out, const char *text, const char *option)
{
	char *end;
	errno = 0;
	if (!text || !*text || *text == '-') {
		fprintf(stderr, "chaindrill: %s: expected a non-negative integer\n", option);
		return 2;
	}
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || *end) {
		fprintf(stderr, "chaindrill: %s: '%s' is not a non-negative integer\n", option, text);
		return 2;
	}
	*out = v;
	return 0;
}

void drill_cli_verbose(void)
{
	if (drill_log_threshold < DRILL_LOG_DEBUG)
		drill_log_threshold++;
}

void drill_cli_quiet(void)
{
	drill_log_threshold = DRILL_LOG_ERROR;
	drill_progress_off();
}
