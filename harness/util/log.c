/* util/log.c — one line per message: "prefix: level: text". */
#include "util/log.h"

#include "util/progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int drill_log_threshold = DRILL_LOG_WARN;
static char log_prefix[64] = "chaindrill";

void drill_log_set_prefix(const char *prefix)
{
	snprintf(log_prefix, sizeof(log_prefix), "%s", prefix);
}

void drill_log_write(int level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	char line[2048];
	int off = snprintf(line, sizeof(line), "%s: %s: ", log_prefix, names[level]);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + off, sizeof(line) - (size_t)off, fmt, ap);
	va_end(ap);
	drill_progress_clear(); /* a progress line drawn in place would run into this one */
	fprintf(stderr, "%s\n", line); /* one write per line keeps concurrent writers readable */
}
