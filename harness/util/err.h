/* util/err.h — return codes and the one-line message that explains the last failure.
 *
 * Every function that can fail returns 0 or a negative DRILL_E* code and, on failure, leaves a
 * one-line message for the user in a thread-local slot (drill_err_last() never returns NULL).
 * The message names the file:line:column, block id or path that explains it. */
#ifndef DRILL_UTIL_ERR_H
#define DRILL_UTIL_ERR_H

enum {
	DRILL_OK = 0,
	DRILL_EFAIL = -1,     /* an operation failed (I/O, a replica answered badly, ...) */
	DRILL_EINPUT = -2,    /* bad input: YAML, arguments, paths (exit code 2) */
	DRILL_EENV = -3,      /* environment: missing tool, cluster not reachable (exit code 3) */
	DRILL_ECORRUPT = -4,  /* data does not decode or does not verify */
	DRILL_ENOTFOUND = -5, /* a key, file or block that was asked for is absent */
	DRILL_ETIMEOUT = -6,  /* a wait ran out */
};

/* Set the message and return `code`, so callers can write `return drill_err(DRILL_EINPUT, ...)`. */
int drill_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the current message with more context: "context: old message". Returns `code`. */
int drill_err_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *drill_err_last(void);
void drill_err_clear(void);

/* Map a DRILL_E* code to the process exit code of docs/design.md §2 (2 input, 3 environment,
 * 1 other). */
int drill_err_exit_code(int code);

#endif
