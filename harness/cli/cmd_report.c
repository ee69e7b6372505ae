/* cli/cmd_report.c — `chaindrill report index [REPORT_ROOT]`: rebuild REPORT_ROOT/index.html
 * (default reports/) from every run's report.json under it, as `run` does after each run. */
#include "cli/cmd.h"
#include "cli/common.h"

#include "report/report.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

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

int drill_cmd_report(int argc, char **argv)
{
	/* `report --help` and `report index --help`; no option is a REPORT_ROOT. */
	for (int i = 1; i < argc && i < 3; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
	if (argc < 2 || strcmp(argv[1], "index") || argc > 3 || (argc == 3 && argv[2][0] == '-')) {
		fputs(usage_text, stderr);
		return 2;
	}
	return drill_cli_report_index(argc == 3 ? argv[2] : "reports");
}
