/* cli/common.c — option parsing and the rerun commands' words, shared by the subcommands. */
#include "cli/common.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/num.h"
#include "util/proc.h"
#include "util/progress.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int drill_cli_parse_num(uint64_t *out, const char *text, const char *option, uint64_t min,
			uint64_t max, const char *unit)
{
	if (drill_num_parse(out, text, min, max, unit) == 0)
		return 0;
	fprintf(stderr, "chaindrill: %s: %s\n", option, drill_err_last());
	return 2;
}

int drill_cli_usage_error(const char *usage, const char *command, const char *why, ...)
{
	va_list ap;
	fprintf(stderr, "chaindrill: %s: ", command);
	va_start(ap, why);
	vfprintf(stderr, why, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fputs(usage, stderr);
	return 2;
}

const char *drill_cli_bad_option(int c, int argc, char **argv)
{
	static char buf[160];
	const char *arg = optind >= 1 && optind <= argc ? argv[optind - 1] : "";
	if (c == ':')
		snprintf(buf, sizeof(buf), "option '%s' needs a value", arg);
	else if (strncmp(arg, "--", 2) && optopt > 0 && optopt < 128)
		snprintf(buf, sizeof(buf), "unknown option '-%c'", optopt);
	else
		snprintf(buf, sizeof(buf), "unknown option '%s'", arg);
	return buf;
}

int drill_cli_check_report_dir(const char *command, const char *option, const char *path)
{
	char *p = drill_xstrdup(path);
	while (!drill_fs_exists(p) && strcmp(p, ".") && strcmp(p, "/")) {
		char *up = drill_xstrdup(dirname(p));
		free(p);
		p = up;
	}
	int code = 0;
	if (!drill_fs_is_dir(p)) {
		if (!strcmp(p, path))
			fprintf(stderr, "chaindrill: %s: %s %s: not a directory\n", command, option,
				path);
		else
			fprintf(stderr, "chaindrill: %s: %s %s: %s is not a directory\n", command,
				option, path, p);
		code = 2;
	}
	free(p);
	return code;
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
