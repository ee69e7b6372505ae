/* cli/common.h — small helpers shared by the subcommands. */
#ifndef DRILL_CLI_COMMON_H
#define DRILL_CLI_COMMON_H

#include <stdint.h>

#ifdef CHAINDRILL_VERSION
#define CHAINDRILL_VERSION_STR CHAINDRILL_VERSION
#else
#define CHAINDRILL_VERSION_STR "dev"
#endif

/* Parse a decimal u64 option value; prints "chaindrill: OPTION: ..." and returns 2 on error. */
int drill_cli_parse_u64(uint64_t *out, const char *text, const char *option);

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
