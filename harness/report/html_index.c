/* report/html_index.c — index.html over a report root: every run's reports/<run-id>/report.json
 * read again, shown as a matrix of scenarios (rows) by runs (columns, newest first), each cell the
 * scenario's outcome in that run linking to the run's report.html. A report.json that does not
 * parse or is not chaindrill's is skipped with a note on the page: an index never fails for it. */
#include "report/html_internal.h"
#include "report/report.h"

#include "util/err.h"
#include "util/fs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_MAX_BYTES ((size_t)256 << 20)
/* Runs shown as matrix columns; older ones are still listed (and linked) below it. */
#define INDEX_MAX_COLUMNS 40

struct run_ent {
	char *dir;  /* entry name under the root */
	char *link; /* percent-encoded relative link to its report.html (or report.json) */
	json_t *run;
};

struct index {
	struct run_ent *runs;
	size_t n, cap;
	char **notes; /* one per skipped directory */
	size_t n_notes;
};

static void note(struct index *ix, const char *dir, const char *why)
{
	ix->notes = drill_xrealloc(ix->notes, (ix->n_notes + 1) * sizeof(*ix->notes));
	ix->notes[ix->n_notes++] = drill_xasprintf("%s/report.json: %s", dir, why);
}

/* A relative URL for a file name: everything but unreserved characters percent-encoded, so a
 * directory called "a b#c" still links to itself. */
static char *url_segment(const char *s)
{
	struct drill_buf b;
	drill_buf_init(&b, (size_t)-1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char enc[4];
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p)) {
			drill_buf_append(&b, p, 1);
		} else {
			snprintf(enc, sizeof(enc), "%%%02X", *p);
			drill_buf_append(&b, enc, 3);
		}
	}
	drill_buf_append(&b, "", 1);
	return (char *)b.data;
}

static void load_one(struct index *ix, const char *root, const char *name)
{
	char *path = drill_xasprintf("%s/%s/report.json", root, name);
	char *text = NULL;
	size_t len = 0;
	if (!drill_fs_exists(path)) /* not a run's directory */
		goto cleanup;
	if (drill_fs_read_file(&text, &len, path, REPORT_MAX_BYTES) != 0) {
		note(ix, name, drill_err_last());
		goto cleanup;
	}
	json_error_t jerr;
	json_t *run = json_loadb(text, len, 0, &jerr);
	if (!run) {
		char *why = drill_xasprintf("not JSON (line %d: %s)", jerr.line, jerr.text);
		note(ix, name, why);
		free(why);
		goto cleanup;
	}
	const char *schema = drill_html_jstr(run, "schema", "");
	if ((strcmp(schema, DRILL_REPORT_SCHEMA) && strcmp(schema, DRILL_REPORT_VC_SCHEMA)) ||
	    !json_is_array(json_object_get(run, "scenarios"))) {
		note(ix, name, "not a chaindrill report (schema chaindrill-report/1 with scenarios)");
		json_decref(run);
		goto cleanup;
	}
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? 2 * ix->cap : 16;
		ix->runs = drill_xrealloc(ix->runs, ix->cap * sizeof(*ix->runs));
	}
	char *html = drill_xasprintf("%s/%s/report.html", root, name);
	char *seg = url_segment(name);
	struct run_ent *e = &ix->runs[ix->n++];
	e->dir = drill_xstrdup(name);
	/* A run from before report.html existed links to its report.json instead. */
	e->link = drill_xasprintf("%s/%s", seg, drill_fs_exists(html) ? "report.html" : "report.json");
	e->run = run;
	free(seg);
	free(html);
cleanup:
	free(text);
	free(path);
}

/* Newest first: by startedAt (ISO 8601 sorts as text), then by directory name. */
static int newest_first(const void *a, const void *b)
{
	const struct run_ent *x = a, *y = b;
	int c = strcmp(drill_html_jstr(y->run, "startedAt", ""), drill_html_jstr(x->run, "startedAt", ""));
	return c ? c : strcmp(y->dir, x->dir);
}

static int load_all(struct index *ix, const char *root)
{
	DIR *dh = opendir(root);
	if (!dh)
		return drill_err(DRILL_ENOTFOUND, "%s: cannot open the report directory: %m", root);
	struct dirent *e;
	while ((e = readdir(dh)))
		if (e->d_name[0] != '.')
			load_one(ix, root, e->d_name);
	closedir(dh);
	if (ix->n)
		qsort(ix->runs, ix->n, sizeof(*ix->runs), newest_first);
	return 0;
}

static void index_free(struct index *ix)
{
	for (size_t i = 0; i < ix->n; i++) {
		free(ix->runs[i].dir);
		free(ix->runs[i].link);
		json_decref(ix->runs[i].run);
	}
	for (size_t i = 0; i < ix->n_notes; i++)
		free(ix->notes[i]);
	free(ix->runs);
	free(ix->notes);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every scenario name once, sorted. The strings are borrowed from the runs. */
static const char **scenario_names(struct index *ix, size_t *n_out)
{
	size_t n = 0, total = 0;
	for (size_t r = 0; r < ix->n; r++)
		total += json_array_size(json_object_get(ix->runs[r].run, "scenarios"));
	const char **names = drill_xcalloc(total + 1, sizeof(*names));
	for (size_t r = 0; r < ix->n; r++) {
		size_t i;
		json_t *sc;
		json_array_foreach(json_object_get(ix->runs[r].run, "scenarios"), i, sc)
			names[n++] = drill_html_jstr(json_object_get(sc, "scenario"), "name", "?");
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || strcmp(names[u - 1], names[i]))
			names[u++] = names[i];
	*n_out = u;
	return names;
}

static const char *run_kind(json_t *run)
{
	if (!strcmp(drill_html_jstr(run, "schema", ""), DRILL_REPORT_VC_SCHEMA))
		return "vendor-check";
	return json_object_get(run, "campaign") ? "campaign" : "run";
}

static void run_link(struct drill_buf *b, const struct run_ent *e, const char *text)
{
	drill_html_put(b, "<a href=\"");
	drill_html_text(b, e->link);
	drill_html_put(b, "\">");
	drill_html_text(b, text);
	drill_html_put(b, "</a>");
}

/* One row: the counts over every run, then the outcome in each shown run. */
static void matrix_row(struct drill_buf *b, struct index *ix, const char *name, size_t cols)
{
	size_t counts[3] = {0, 0, 0};
	struct drill_buf cells;
	drill_buf_init(&cells, (size_t)-1);
	for (size_t r = 0; r < ix->n; r++) {
		size_t i, found = 0;
		json_t *sc;
		if (r < cols)
			drill_html_put(&cells, "<td>");
		json_array_foreach(json_object_get(ix->runs[r].run, "scenarios"), i, sc) {
			if (strcmp(drill_html_jstr(json_object_get(sc, "scenario"), "name", "?"), name))
				continue;
			const char *o = drill_html_outcome(sc);
			counts[o[0] == 'm' ? 0 : o[0] == 'd' ? 1 : 2]++;
			if (r >= cols)
				continue;
			drill_html_put(&cells, found++ ? " " : "");
			/* the link goes to the scenario's own section of the run's page */
			struct run_ent e = ix->runs[r];
			char *link = drill_xasprintf("%s#s%zu", e.link, i + 1);
			e.link = link;
			drill_html_putf(&cells, "<span class=\"badge %s\">", o);
			run_link(&cells, &e, o);
			drill_html_put(&cells, "</span>");
			free(link);
		}
		if (r < cols)
			drill_html_put(&cells, "</td>");
	}
	drill_buf_append(&cells, "", 1);
	drill_html_put(b, "<tr><th>");
	drill_html_text(b, name);
	drill_html_putf(b, "</th><td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
			"<td class=\"num\">%zu</td>", counts[0], counts[1], counts[2]);
	drill_html_put(b, (const char *)cells.data);
	drill_html_put(b, "</tr>\n");
	drill_buf_free(&cells);
}

static void matrix(struct drill_buf *b, struct index *ix)
{
	size_t n_names, cols = ix->n < INDEX_MAX_COLUMNS ? ix->n : INDEX_MAX_COLUMNS;
	const char **names = scenario_names(ix, &n_names);
	drill_html_put(b, "<h3>Scenarios by run</h3><div class=\"scroll\"><table class=\"matrix\">"
			  "<tr><th>scenario</th><th class=\"num\">matched</th><th class=\"num\">differed"
			  "</th><th class=\"num\">error</th>");
	for (size_t r = 0; r < cols; r++) {
		/* the column is named by its start time, "2026-11-25 14:29"; the whole id on hover */
		char when[24];
		snprintf(when, sizeof(when), "%s", drill_html_jstr(ix->runs[r].run, "startedAt", "?"));
		when[strcspn(when, "Z")] = '\0';
		when[strlen(when) > 16 ? 16 : strlen(when)] = '\0'; /* to the minute */
		if (strlen(when) > 10)
			when[10] = ' '; /* where the narrow column wraps: the date above the time */
		drill_html_put(b, "<th class=\"run\" title=\"");
		drill_html_text(b, ix->runs[r].dir);
		drill_html_put(b, "\">");
		run_link(b, &ix->runs[r], when);
		drill_html_put(b, "<br><span class=\"muted\">");
		drill_html_text(b, run_kind(ix->runs[r].run));
		drill_html_put(b, "</span></th>");
	}
	drill_html_put(b, "</tr>\n");
	for (size_t i = 0; i < n_names; i++)
		matrix_row(b, ix, names[i], cols);
	drill_html_put(b, "</table></div>\n");
	if (cols < ix->n)
		drill_html_putf(b, "<p class=\"muted\">The %d newest runs are columns; every run is "
				"listed below.</p>", INDEX_MAX_COLUMNS);
	free(names);
}

static void run_list(struct drill_buf *b, struct index *ix)
{
	drill_html_put(b, "<h3>Runs</h3><table class=\"runs\"><tr><th>run</th><th>kind</th>"
			  "<th>started</th><th>outcome</th><th class=\"num\">scenarios</th></tr>\n");
	for (size_t r = 0; r < ix->n; r++) {
		json_t *run = ix->runs[r].run;
		const char *o = drill_html_jstr(run, "outcome", "error");
		drill_html_put(b, "<tr><td>");
		run_link(b, &ix->runs[r], ix->runs[r].dir);
		drill_html_put(b, "</td><td>");
		drill_html_text(b, run_kind(run));
		drill_html_put(b, "</td><td>");
		drill_html_text(b, drill_html_jstr(run, "startedAt", "?"));
		drill_html_put(b, "</td><td>");
		drill_html_badge(b, o, o);
		drill_html_putf(b, "</td><td class=\"num\">%zu</td></tr>\n",
				json_array_size(json_object_get(run, "scenarios")));
	}
	drill_html_put(b, "</table>\n");
}

static char *index_page(struct index *ix, const char *root)
{
	struct drill_buf b;
	drill_buf_init(&b, (size_t)-1);
	drill_html_begin(&b, "chaindrill — runs");
	drill_html_put(&b, "<header><h1>chaindrill runs</h1><p class=\"muted\">");
	drill_html_putf(&b, "%zu run%s in <code>", ix->n, ix->n == 1 ? "" : "s");
	drill_html_text(&b, root);
	drill_html_put(&b, "</code>, newest first. Written ");
	drill_html_text(&b, drill_report_now_iso());
	drill_html_put(&b, ".</p></header>\n");
	if (ix->n) {
		matrix(&b, ix);
		run_list(&b, ix);
	}
	if (ix->n_notes) {
		drill_html_put(&b, "<h3>Skipped</h3><ul class=\"skipped\">");
		for (size_t i = 0; i < ix->n_notes; i++) {
			drill_html_put(&b, "<li>");
			drill_html_text(&b, ix->notes[i]);
			drill_html_put(&b, "</li>");
		}
		drill_html_put(&b, "</ul>\n");
	}
	drill_html_end(&b);
	return (char *)b.data;
}

int drill_report_index_write(const char *root, size_t *n_runs, size_t *n_skipped)
{
	struct index ix;
	memset(&ix, 0, sizeof(ix));
	int rc = load_all(&ix, root);
	if (!rc) {
		char *page = index_page(&ix, root);
		char *path = drill_xasprintf("%s/index.html", root);
		rc = drill_fs_write_atomic(path, page, strlen(page));
		free(path);
		free(page);
	}
	if (n_runs)
		*n_runs = ix.n;
	if (n_skipped)
		*n_skipped = ix.n_notes;
	index_free(&ix);
	return rc;
}
