/* util/log.h — leveled logging to stderr; the level is checked before anything is formatted. */
#ifndef DRILL_UTIL_LOG_H
#define DRILL_UTIL_LOG_H

enum drill_log_level { DRILL_LOG_ERROR = 0, DRILL_LOG_WARN, DRILL_LOG_INFO, DRILL_LOG_DEBUG };

extern int drill_log_threshold; /* default DRILL_LOG_WARN: quiet unless -v */

void drill_log_set_prefix(const char *prefix); /* e.g. "replica-2"; default "chaindrill" */
void drill_log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define DRILL_LOG(level, ...)                                   \
	do {                                                    \
		if ((level) <= drill_log_threshold)             \
			drill_log_write((level), __VA_ARGS__);  \
	} while (0)
#define drill_log_error(...) DRILL_LOG(DRILL_LOG_ERROR, __VA_ARGS__)
#define drill_log_warn(...)  DRILL_LOG(DRILL_LOG_WARN, __VA_ARGS__)
#define drill_log_info(...)  DRILL_LOG(DRILL_LOG_INFO, __VA_ARGS__)
#define drill_log_debug(...) DRILL_LOG(DRILL_LOG_DEBUG, __VA_ARGS__)

#endif
