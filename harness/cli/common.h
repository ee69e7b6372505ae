/* cli/common.h — small helpers shared by the subcommands. */
#ifndef DRILL_CLI_COMMON_H
#define DRILL_CLI_COMMON_H

#include <stdint.h>

#ifdef CHAINDRILL_VERSION
#define CHAINDRILL_VERSION_STR CHAINDRILL_VERSION
#else
#define CHAINDRILL_VERSION_STR "dev"
#endif

/* Every number of every command's options: drill_num_parse (util/num.h: the whole text, a decimal
 * integer in min..max). On error prints "chaindrill: OPTION: expected ..., got 'TEXT'" (OPTION
 * such as "run: --jobs") and returns 2, the usage error's exit code. */
int drill_cli_parse_num(uint64_t *out, const char *text, const char *option, uint64_t min,
			uint64_t max, const char *unit);

/* A usage error: "chaindrill: COMMAND: WHY" (why formatted as printf), then the usage text, on
 * stderr; returns 2. */
int drill_cli_usage_error(const char *usage, const char *command, const char *why, ...)
	__attribute__((format(printf, 3, 4)));

/* Why getopt_long (called with opterr = 0 and an optstring that starts with ':') returned c,
 * '?' or ':': "unknown option '--force'", "unknown option '-x'", "option '--jobs' needs a value".
 * A static buffer, for drill_cli_usage_error. */
const char *drill_cli_bad_option(int c, int argc, char **argv);

/* Before a run starts: the report directory (--report-dir, or the default root) must be a
 * directory or be creatable as one: the path, or its nearest existing ancestor, is a directory.
 * Else prints "chaindrill: COMMAND: OPTION PATH: ANCESTOR is not a directory" and returns 2 (a
 * drill that ran for minutes must not end unable to say what it found). */
int drill_cli_check_report_dir(const char *command, const char *option, const char *path);

/* -v and -q, meaning the same on every command that takes them: -v shows one level more of the
 * log (warnings are shown by default; -v adds info: each step, what was found; -vv debug); -q
 * shows errors only and no progress (util/progress.h). What a command prints as its result is
 * its own to keep or drop. */
void drill_cli_verbose(void);
void drill_cli_quiet(void);

/* The words of a rerun command, which must work pasted into any shell in any directory
 * (malloc'd unless said otherwise): `s` as one shell word (quoted only when it must be);
 * `path` made absolute (realpath when it exists, else against the working directory) and quoted;
 * this program: "chaindrill" when that is the first chaindrill on $PATH, else its absolute path
 * (static, not freed). */
char *drill_cli_sh_word(const char *s);
char *drill_cli_abs_word(const char *path);
const char *drill_cli_self_word(void);


#endif
