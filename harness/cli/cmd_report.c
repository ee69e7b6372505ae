/* cli/cmd_report.c — `chaindrill report index [REPORT_ROOT]`: rebuild REPORT_ROOT/index.html
 * (default reports/) from every run's report.json under it, as `run` does after each run. */
#include "cli/cmd.h"
#include "cli/common.h"

#include "report/report.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: chaindrill report index [REPORT_ROOT]\n\n"
	"Rebuilds REPORT_ROOT/index.html (default reports/index.html): every run's outcome per\n"
	"scenario, linking to the run's report.html. A report.json that cannot be read is skipped\n"
	"with a note on the page.\n\n"
	"Options:\n"
	"  -h, --help         this help\n\n"
	"Exit codes: 0 written, 2 usage error, 3 the directory cannot be read or written.\n\n"
	"Example:\n"
	"  chaindrill report index reports\n";

int drill_cli_report_index(const char *root)
{
	size_t runs = 0, skipped = 0;
	if (drill_report_index_write(root, &runs, &skipped) != 0) {
		fprintf(stderr, "chaindrill: index: %s\n", drill_err_last());
		return 3;
	}
	printf("index:  %s/index.html (%zu run%s", root, runs, runs == 1 ? "" : "s");
	if (skipped)
		printf(", %zu skipped: see the page", skipped);
	printf(")\n");
	return 0;
}

/* Whether root/index.html is absent or chaindrill's own index (which may be rewritten). */
static int index_is_ours(const char *root)
{
	char *path = drill_xasprintf("%s/index.html", root), head[4096];
	int ours = !drill_fs_exists(path);
	int fd = ours ? -1 : open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	FILE *f = fd >= 0 && drill_fs_input_fd(fd, path) == 0 ? fdopen(fd, "r") : NULL;
	if (fd >= 0 && !f)
		close(fd); /* not a page (a FIFO would block): not ours */
	if (f) { /* the page's head names it */
		size_t n = fread(head, 1, sizeof(head) - 1, f);
		head[n] = '\0';
		ours = strstr(head, "<title>chaindrill") != NULL;
		fclose(f);
	}
	free(path);
	return ours;
}

void drill_cli_report_index_beside(const char *report_dir, int created)
{
	char *copy = drill_xstrdup(report_dir);
	char *parent = drill_xstrdup(dirname(copy));
	free(copy);
	if (!created)
		printf("index:  not updated: %s existed before this run; `chaindrill report index "
		       "%s` indexes it with the runs beside it\n", report_dir, parent);
	else if (!index_is_ours(parent))
		printf("index:  not updated: %s/index.html is not chaindrill's; `chaindrill report "
		       "index %s` would replace it\n", parent, parent);
	else
		drill_cli_report_index(parent);
	free(parent);
}

int drill_cmd_report(int argc, char **argv)
{
	/* `report --help` and `report index --help`; no option is a REPORT_ROOT. */
	for (int i = 1; i < argc && i < 3; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
	if (argc < 2)
		return drill_cli_usage_error(usage_text, "report", "no action given (index)");
	if (strcmp(argv[1], "index"))
		return drill_cli_usage_error(usage_text, "report", "unknown action '%s' (index)",
					     argv[1]);
	if (argc == 3 && argv[2][0] == '-')
		return drill_cli_usage_error(usage_text, "report", "unknown option '%s'", argv[2]);
	if (argc > 3)
		return drill_cli_usage_error(usage_text, "report", "unexpected argument '%s'",
					     argv[3]);
	return drill_cli_report_index(argc == 3 ? argv[2] : "reports");
}
