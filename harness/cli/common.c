/* cli/common.c — option parsing and the rerun commands' words, shared by the subcommands. */
#include "cli/common.h"

#include "util/bytes.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/progress.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Characters a shell word may hold unquoted (and that no shell expands). */
static int sh_plain(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_./:=@%+,-", *s))
			return 0;
	return 1;
}

char *drill_cli_sh_word(const char *s)
{
	if (sh_plain(s))
		return drill_xstrdup(s);
	struct drill_buf b;
	drill_buf_init(&b, (size_t)-1);
	drill_buf_append(&b, "'", 1);
	for (; *s; s++) {
		if (*s == '\'')
			drill_buf_append(&b, "'\\''", 4);
		else
			drill_buf_append(&b, s, 1);
	}
	drill_buf_append(&b, "'", 2); /* with the NUL */
	return (char *)b.data;
}

char *drill_cli_abs_word(const char *path)
{
	char *abs = realpath(path, NULL);
	if (!abs) {
		char cwd[PATH_MAX];
		abs = path[0] == '/' || !getcwd(cwd, sizeof(cwd)) ? drill_xstrdup(path)
								  : drill_xasprintf("%s/%s", cwd, path);
	}
	char *w = drill_cli_sh_word(abs);
	free(abs);
	return w;
}

/* The first executable `chaindrill` on $PATH, resolved (NULL: none, or it does not resolve). */
static char *path_chaindrill(void)
{
	const char *path = getenv("PATH");
	if (!path)
		return NULL;
	char *copy = drill_xstrdup(path), *save = NULL, *found = NULL;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *cand = drill_xasprintf("%s/chaindrill", d);
		int here = access(cand, X_OK) == 0;
		if (here)
			found = realpath(cand, NULL);
		free(cand);
		if (here)
			break;
	}
	free(copy);
	return found;
}

const char *drill_cli_self_word(void)
{
	static char *word;
	if (word)
		return word;
	const char *self = drill_proc_self_exe();
	char *on_path = path_chaindrill();
	if (!self || (on_path && !strcmp(on_path, self)))
		word = drill_xstrdup("chaindrill");
	else
		word = drill_cli_sh_word(self);
	free(on_path);
	return word;
}
