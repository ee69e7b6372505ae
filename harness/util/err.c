/* util/err.c — the thread-local "what went wrong" line. */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_msg[1024];

int drill_err(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	return code;
}

int drill_err_wrap(int code, const char *fmt, ...)
{
	char prefix[512], old[sizeof(last_msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, last_msg, sizeof(old));
	snprintf(last_msg, sizeof(last_msg), "%s: %s", prefix, old[0] ? old : "unknown error");
	return code;
}

const char *drill_err_last(void)
{
	return last_msg[0] ? last_msg : "no error";
}

void drill_err_clear(void)
{
	last_msg[0] = '\0';
}

int drill_err_exit_code(int code)
{
	switch (code) {
	case DRILL_OK: return 0;
	case DRILL_EINPUT: return 2;
	case DRILL_EENV: return 3;
	default: return 1;
	}
}
