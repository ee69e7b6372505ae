/* cli/common.h — small helpers shared by the subcommands. */
#ifndef DRILL_CLI_COMMON_H
#define DRILL_CLI_COMMON_H

#include <stdint.h>

#ifdef CHAINDRILL_VERSION
#define CHAINDRILL_VERSION_STR CHAINDRILL_VERSION
#else
#define CHAINDRILL_VERSION_STR "dev"
/* A data directory of the source tree (such as "scenarios/vendor-check"), relative to the current
 * directory when it is there (a source checkout), else the installed copy beside the binary
 * (<prefix>/share/chaindrill/REL), so an installed chaindrill works from any directory. If
 * neither exists, REL itself, for the error to name. Free the result. */
char *drill_cli_data_path(const char *rel);

#endif

/* Parse a decimal u64 option value; prints "chaindrill: OPTION: ..." and returns 2 on error. */
int drill_cli_parse_u64(uint64_t *out, const char *text, const char *option);

/* A data directory of the source tree (such as "scenarios/vendor-check"), relative to the current
 * directory when it is there (a source checkout), else the installed copy beside the binary
 * (<prefix>/share/chaindrill/REL), so an installed chaindrill works from any directory. If
 * neither exists, REL itself, for the error to name. Free the result. */
char *drill_cli_data_path(const char *rel);

#endif
