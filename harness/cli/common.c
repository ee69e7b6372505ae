/* cli/common.c — option parsing and data paths shared by the subcommands. */
#include "cli/common.h"

#include "util/bytes.h"
#include "util/fs.h"
#include "util/proc.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>

/* From the installed binary's directory to its data (cmake/install.cmake sets it). */
#ifndef CHAINDRILL_DATADIR_REL
#define CHAINDRILL_DATADIR_REL "../share/chaindrill"
#endif

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

char *drill_cli_data_path(const char *rel)
{
	if (drill_fs_is_dir(rel))
		return drill_xstrdup(rel);
	const char *exe = drill_proc_self_exe();
	if (exe) {
		char *copy = drill_xstrdup(exe);
		char *installed = drill_xasprintf("%s/%s/%s", dirname(copy), CHAINDRILL_DATADIR_REL, rel);
		free(copy);
		if (drill_fs_is_dir(installed))
			return installed;
		free(installed);
	}
	return drill_xstrdup(rel);
}
