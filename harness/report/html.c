/* report/html.c — report.html: a run's report.json as one self-contained page people read.
 *
 * Everything the page shows comes from the run object (docs/reports.md); every string in it is
 * escaped, since scenario names, descriptions, errors and paths come from user input. The page
 * carries its CSS and its SVG timeline inline and has no script: its Content-Security-Policy
 * forbids every request, so a browser opening it from a file never goes to the network. */
#include "report/html_internal.h"
#include "report/report.h"

#include "util/fs.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared with html_index.c ---- */

void drill_html_put(struct drill_buf *b, const char *s)
{
	drill_buf_append(b, s, strlen(s));
}

void drill_html_putf(struct drill_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort(); /* out of memory, as drill_xasprintf */
	drill_buf_append(b, s, (size_t)n);
	free(s);
}

void drill_html_text(struct drill_buf *b, const char *s)
{
	if (!s)
		return;
	/* XML's five entities are HTML's too (&apos; included), and the characters it drops are
	 * control characters a page cannot show either. */
	char *e = drill_report_xml_escape(s);
	drill_html_put(b, e);
	free(e);
}

const char *drill_html_jstr(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

const char *drill_html_outcome(json_t *sc)
{
	if (json_string_value(json_object_get(sc, "error")))
		return "error";
	return json_is_true(json_object_get(sc, "matched")) ? "matched" : "differed";
}

static const char page_css[] =
	":root{--fg:#1d232a;--muted:#5b6570;--line:#d5dae0;--bg:#fff;--soft:#f4f6f8;"
	"--ok:#176c36;--ok-bg:#e3f3e8;--bad:#a3231b;--bad-bg:#fbe5e3;--err:#8a5300;--err-bg:#fdf0d5}"
	"*{box-sizing:border-box}"
	"body{margin:0 auto;max-width:1120px;padding:24px 28px 48px;color:var(--fg);background:var(--bg);"
	"font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans','Liberation Sans',sans-serif}"
	"h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.3em;margin:0}"
	"h3{font-size:1.02em;margin:22px 0 8px;color:#2d3640;text-transform:uppercase;letter-spacing:.04em}"
	"code,pre,.mono{font-family:'DejaVu Sans Mono','Liberation Mono',Menlo,Consolas,monospace;font-size:.88em}"
	"pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:10px 12px;"
	"white-space:pre-wrap;word-break:break-all;margin:6px 0}"
	"a{color:#0b5cad}"
	"table{border-collapse:collapse;margin:6px 0;font-size:.94em}"
	"th,td{border-bottom:1px solid var(--line);padding:5px 10px;text-align:left;vertical-align:top}"
	"th{background:var(--soft);font-weight:600;white-space:nowrap}"
	"td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
	".muted{color:var(--muted)}"
	".meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:10px 0}"
	".meta dt{color:var(--muted)}.meta dd{margin:0}"
	".badge{display:inline-block;padding:1px 9px;border-radius:10px;border:1px solid;font-weight:700;"
	"font-size:.85em;letter-spacing:.03em;text-transform:uppercase;vertical-align:middle}"
	".badge.matched{color:var(--ok);background:var(--ok-bg);border-color:var(--ok)}"
	".badge.differed{color:var(--bad);background:var(--bad-bg);border-color:var(--bad)}"
	".badge.error{color:var(--err);background:var(--err-bg);border-color:var(--err)}"
	".scenario{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:8px;"
	"padding:16px 20px;margin:22px 0}"
	".scenario.matched{border-left-color:var(--ok)}"
	".scenario.differed{border-left-color:var(--bad)}"
	".scenario.error{border-left-color:var(--err)}"
	".head{display:flex;gap:12px;align-items:center;flex-wrap:wrap}"
	".headline{font-size:1.05em;margin:8px 0 4px}.restore.failed,.restore.skipped{color:var(--bad);"
	"font-weight:700}.restore.ok{color:var(--ok);font-weight:600}"
	".mismatch{color:var(--bad);font-weight:600}"
	".figures{display:flex;gap:14px;flex-wrap:wrap;margin:6px 0}"
	".figure{border:1px solid var(--line);border-radius:6px;padding:6px 14px;min-width:150px}"
	".figure b{display:block;font-size:1.25em}.figure span{color:var(--muted);font-size:.85em}"
	"svg.timeline{width:100%;height:auto;border:1px solid var(--line);border-radius:6px;background:#fff}"
	"svg text{font-family:system-ui,'DejaVu Sans',sans-serif;font-size:11px;fill:#2d3640}"
	".tl-write{fill:#4f86c6}.tl-validate{fill:#7fb1e3}.tl-checkpoint{fill:#7b4fb8}"
	".tl-backup{fill:#1f8a82}.tl-fault{fill:#d2401e}.tl-restore{fill:#e0a030}.tl-sub1{fill:#c98512}"
	".tl-cluster{fill:#8a96a3}.tl-failed{fill:#a3231b;stroke:#5e0f0a;stroke-width:1.5}"
	".tl-skipped{fill:#d5dae0}.tl-grid{stroke:#e6e9ed}.tl-lane{fill:#f7f8fa}"
	"svg text.tl-replica{font-size:8px;fill:#5b6570}"
	"tr.replica th,tr.corrupt-replica th,table.expect th,table.matrix td+th{background:none}"
	".badge a{color:inherit;text-decoration:none}"
	"table.matrix th,table.matrix td{padding:4px 6px}"
	"table.matrix tr>:first-child{position:sticky;left:0;z-index:1;background:var(--bg)}"
	"table.matrix tr:first-child>*{background:var(--soft)}"
	"table.matrix th.run,table.matrix th.num{font-size:.8em;text-align:center;white-space:normal}"
	"table.matrix .badge{padding:0 5px;font-size:.75em}"
	".scroll{overflow-x:auto}.legend{font-size:.85em;color:var(--muted);margin:4px 0 10px}"
	".record{display:grid;grid-template-columns:max-content 1fr;gap:0 12px;margin:0}"
	".record dt{color:var(--muted)}.record dd{margin:0;word-break:break-all}"
	"@media print{body{max-width:none;padding:0;font-size:11pt}.scenario{break-inside:avoid-page}"
	"a{color:inherit;text-decoration:none}"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

void drill_html_begin(struct drill_buf *b, const char *title)
{
	drill_html_put(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
			  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
			  "style-src 'unsafe-inline'; img-src data:\">\n"
			  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			  "<title>");
	drill_html_text(b, title);
	drill_html_put(b, "</title>\n<style>");
	drill_html_put(b, page_css);
	drill_html_put(b, "</style></head>\n<body>\n");
}

void drill_html_end(struct drill_buf *b)
{
	drill_html_put(b, "</body></html>\n");
	drill_buf_append(b, "", 1);
}

/* ---- a value as text ---- */

static void value_text(struct drill_buf *b, json_t *v)
{
	if (!v || json_is_null(v)) {
		drill_html_put(b, "<span class=\"muted\">—</span>");
	} else if (json_is_string(v)) {
		drill_html_text(b, json_string_value(v));
	} else if (json_is_integer(v)) {
		drill_html_putf(b, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		drill_html_putf(b, "%.3g", json_real_value(v));
	} else if (json_is_boolean(v)) {
		drill_html_put(b, json_is_true(v) ? "true" : "false");
	} else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
		drill_html_put(b, "<code>");
		drill_html_text(b, s);
		drill_html_put(b, "</code>");
		free(s);
	}
}

static void id_list(struct drill_buf *b, json_t *ids)
{
	if (!json_is_array(ids)) {
		drill_html_put(b, "<span class=\"muted\">—</span>");
		return;
	}
	if (json_array_size(ids) == 0) {
		drill_html_put(b, "none");
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v) {
		drill_html_put(b, i ? ", " : "");
		value_text(b, v);
	}
}

const char *drill_html_outcome_class(const char *word)
{
	if (!strcmp(word, "matched") || !strcmp(word, "passed"))
		return "matched";
	if (!strcmp(word, "differed") || !strcmp(word, "failed"))
		return "differed";
	return "error";
}

void drill_html_badge(struct drill_buf *b, const char *cls, const char *word)
{
	drill_html_putf(b, "<span class=\"badge %s\">", drill_html_outcome_class(cls));
	drill_html_text(b, word);
	drill_html_put(b, "</span>");
}

static void badge(struct drill_buf *b, const char *outcome)
{
	drill_html_badge(b, outcome, outcome);
}

/* ---- run header ---- */

static void meta_row(struct drill_buf *b, const char *name, const char *value)
{
	drill_html_putf(b, "<dt>%s</dt><dd>", name);
	drill_html_text(b, value);
	drill_html_put(b, "</dd>");
}

static void run_header(struct drill_buf *b, json_t *run)
{
	json_t *scs = json_object_get(run, "scenarios");
	const char *outcome = drill_html_jstr(run, "outcome", "error");
	drill_html_put(b, "<header><h1>chaindrill drill report</h1><dl class=\"meta\" id=\"run\">");
	meta_row(b, "run", drill_html_jstr(run, "runId", "?"));
	meta_row(b, "started", drill_html_jstr(run, "startedAt", "?"));
	meta_row(b, "version", drill_html_jstr(run, "chaindrillVersion", "?"));
	if (json_object_get(run, "vendor"))
		meta_row(b, "vendor", drill_html_jstr(run, "vendor", "?"));
	json_t *camp = json_object_get(run, "campaign");
	if (camp)
		drill_html_putf(b, "<dt>campaign</dt><dd>seed %lld, %lld drills, %lld matched</dd>",
				(long long)json_integer_value(json_object_get(camp, "seed")),
				(long long)json_integer_value(json_object_get(camp, "drills")),
				(long long)json_integer_value(json_object_get(camp, "matched")));
	size_t counts[3] = {0, 0, 0}, i;
	json_t *sc;
	json_array_foreach(scs, i, sc) {
		const char *o = drill_html_outcome(sc);
		counts[o[0] == 'm' ? 0 : o[0] == 'd' ? 1 : 2]++;
	}
	drill_html_put(b, "<dt>outcome</dt><dd id=\"run-outcome\">");
	badge(b, outcome);
	drill_html_putf(b, " %zu scenario%s: %zu matched, %zu differed, %zu error</dd></dl></header>\n",
			json_array_size(scs), json_array_size(scs) == 1 ? "" : "s", counts[0],
			counts[1], counts[2]);
}

/* vendor-check runs: the verdict per capability. */
static void capabilities(struct drill_buf *b, json_t *caps)
{
	if (!json_array_size(caps))
		return;
	drill_html_put(b, "<h3>Capabilities</h3><table><tr><th>capability</th><th>declared</th>"
			  "<th>status</th><th>reason</th></tr>");
	size_t i;
	json_t *c;
	json_array_foreach(caps, i, c) {
		drill_html_put(b, "<tr>");
		static const char *const keys[] = {"name", "declared", "status", "reason"};
		for (size_t k = 0; k < 4; k++) {
			drill_html_put(b, "<td>");
			value_text(b, json_object_get(c, keys[k]));
			drill_html_put(b, "</td>");
		}
		drill_html_put(b, "</tr>");
	}
	drill_html_put(b, "</table>\n");
}

static void scenario_index(struct drill_buf *b, json_t *scs)
{
	if (json_array_size(scs) < 2)
		return;
	drill_html_put(b, "<nav><table><tr><th>scenario</th><th>outcome</th><th>restore</th>"
			  "<th>verdict</th><th class=\"num\">wall</th></tr>");
	size_t i;
	json_t *sc;
	json_array_foreach(scs, i, sc) {
		drill_html_putf(b, "<tr><td><a href=\"#s%zu\">", i + 1);
		drill_html_text(b, drill_html_jstr(json_object_get(sc, "scenario"), "name", "?"));
		drill_html_put(b, "</a></td><td>");
		badge(b, drill_html_outcome(sc));
		struct drill_report_headline h;
		drill_report_headline_parts(&h, sc);
		drill_html_putf(b, "</td><td class=\"restore%s\">",
				h.restore == DRILL_RESTORE_FAILED ? " failed" : "");
		drill_html_text(b, h.restore_text);
		drill_html_put(b, "</td><td>");
		drill_html_text(b, drill_html_jstr(json_object_get(sc, "observed"), "verdict", "—"));
		drill_html_putf(b, "</td><td class=\"num\">%.1f s</td></tr>",
				json_number_value(json_object_get(sc, "wallSeconds")));
	}
	drill_html_put(b, "</table></nav>\n");
}

/* ---- one scenario ---- */

static void verdict_section(struct drill_buf *b, json_t *sc)
{
	json_t *exp = json_object_get(sc, "expected"), *obs = json_object_get(sc, "observed");
	drill_html_put(b, "<h3>Expected and observed</h3>");
	const char *err = json_string_value(json_object_get(sc, "error"));
	if (err) {
		drill_html_put(b, "<p class=\"mismatch\">The drill could not run (");
		drill_html_text(b, drill_html_jstr(sc, "errorKind", "error"));
		drill_html_put(b, "):</p><pre class=\"drill-error\">");
		drill_html_text(b, err);
		drill_html_put(b, "</pre>");
	}
	json_t *mm = json_object_get(sc, "mismatches");
	if (json_array_size(mm)) {
		drill_html_put(b, "<ul class=\"mismatches\">");
		size_t i;
		json_t *m;
		json_array_foreach(mm, i, m) {
			drill_html_put(b, "<li class=\"mismatch\">");
			drill_html_text(b, json_string_value(m));
			drill_html_put(b, "</li>");
		}
		drill_html_put(b, "</ul>");
	} else if (!err) {
		drill_html_put(b, "<p>The outcome is as the scenario expects.</p>");
	}
	if (!json_object_size(exp) && !json_object_size(obs))
		return;
	drill_html_put(b, "<table class=\"expect\"><tr><th></th><th>expected</th><th>observed</th></tr>");
	const char *key;
	json_t *v;
	json_object_foreach(exp, key, v) {
		drill_html_put(b, "<tr><th>");
		drill_html_text(b, key);
		drill_html_put(b, "</th><td>");
		value_text(b, v);
		drill_html_put(b, "</td><td>");
		value_text(b, json_object_get(obs, key));
		drill_html_put(b, "</td></tr>");
	}
	json_object_foreach(obs, key, v) {
		if (json_object_get(exp, key))
			continue;
		drill_html_put(b, "<tr><th>");
		drill_html_text(b, key);
		drill_html_put(b, "</th><td><span class=\"muted\">—</span></td><td>");
		value_text(b, v);
		drill_html_put(b, "</td></tr>");
	}
	drill_html_put(b, "</table>\n");
}

static void figure(struct drill_buf *b, const char *id, const char *value, const char *what)
{
	drill_html_putf(b, "<div class=\"figure\" id=\"%s\"><b>", id);
	drill_html_text(b, value);
	drill_html_putf(b, "</b><span>%s</span></div>", what);
}

static void rpo_rto(struct drill_buf *b, json_t *sc, size_t k)
{
	json_t *obs = json_object_get(sc, "observed");
	drill_html_put(b, "<h3>Recovery point and time</h3>");
	if (!json_object_get(obs, "rtoWallSeconds") && !json_object_get(obs, "rpoBlocks")) {
		struct drill_report_headline h;
		drill_report_headline_parts(&h, sc);
		drill_html_putf(b, "<p class=\"%s rpo-rto\">", h.restore == DRILL_RESTORE_FAILED ?
				"mismatch" : "muted");
		if (h.restore == DRILL_RESTORE_NONE) {
			drill_html_put(b, "No restore ran: no RPO or RTO.</p>");
			return;
		}
		if (h.restore == DRILL_RESTORE_OK) /* e.g. the RTO's validate never came */
			drill_html_put(b, "The restore ran");
		else
			drill_html_text(b, h.restore_text);
		drill_html_put(b, h.restore == DRILL_RESTORE_FAILED ? ": no RPO or RTO, the restore did "
			       "not complete.</p>" : ": no RPO or RTO.</p>");
		return;
	}
	char id[32], rpo[96], rto[64], rb[48];
	snprintf(rpo, sizeof(rpo), "%lld blocks / %.1f s",
		 (long long)json_integer_value(json_object_get(obs, "rpoBlocks")),
		 json_number_value(json_object_get(obs, "rpoVirtualSeconds")));
	snprintf(rto, sizeof(rto), "%.2f s", json_number_value(json_object_get(obs, "rtoWallSeconds")));
	snprintf(rb, sizeof(rb), "%lld",
		 (long long)json_integer_value(json_object_get(obs, "restoredBlock")));
	drill_html_put(b, "<div class=\"figures rpo-rto\">");
	snprintf(id, sizeof(id), "s%zu-rpo", k);
	figure(b, id, rpo, "RPO: blocks and consensus seconds given up");
	snprintf(id, sizeof(id), "s%zu-rto", k);
	figure(b, id, rto, "RTO: wall time, scale-down to validated");
	snprintf(id, sizeof(id), "s%zu-restored", k);
	figure(b, id, rb, "restored block");
	drill_html_put(b, "</div>\n");
}

/* The timeline: one lane per kind of step; x is seconds since the drill began. A restore is
 * drawn as its runbook substeps, one after another (the report has each one's duration). */
enum { LANE_WRITE, LANE_CKPT, LANE_BACKUP, LANE_FAULT, LANE_RESTORE, LANE_CLUSTER, N_LANES };
static const char *const lane_names[N_LANES] = {"writes", "checkpoints", "backups",
						"faults", "restore", "cluster"};
#define TL_X0 96.0
#define TL_W 800.0
#define TL_LANE 30.0
#define TL_TOP 8.0

static int lane_of(const char *kind)
{
	if (!strcmp(kind, "write") || !strcmp(kind, "validate"))
		return LANE_WRITE;
	if (!strcmp(kind, "checkpoint"))
		return LANE_CKPT;
	if (!strcmp(kind, "backup"))
		return LANE_BACKUP;
	if (!strcmp(kind, "fault"))
		return LANE_FAULT;
	if (!strcmp(kind, "restore"))
		return LANE_RESTORE;
	return LANE_CLUSTER;
}

static double tick_step(double span)
{
	static const double nice[] = {1, 2, 5};
	for (double mag = 0.01;; mag *= 10)
		for (size_t i = 0; i < 3; i++)
			if (span / (nice[i] * mag) <= 10)
				return nice[i] * mag;
}

/* The checkpoints lane has a row per replica for the checkpoints each took (CKPT_ROW apart). */
#define CKPT_ROW 9.0

struct tl {
	struct drill_buf *b;
	double scale;
	double y[N_LANES + 1]; /* top of each lane; y[N_LANES] is the bottom of the last */
};

static void tl_title(struct tl *t, const char *label, double start, double wall, const char *extra)
{
	drill_html_put(t->b, "<title>");
	drill_html_text(t->b, label);
	drill_html_putf(t->b, " — at %.2f s, %.2f s", start, wall);
	if (extra && *extra) {
		drill_html_put(t->b, " — ");
		drill_html_text(t->b, extra);
	}
	drill_html_put(t->b, "</title>");
}

/* A bar for something that lasted, a diamond for something that happened at a moment. */
static void tl_item(struct tl *t, int lane, const char *cls, long idx, const char *label,
		    double start, double wall, const char *extra, const char *mark)
{
	double x = TL_X0 + start * t->scale, y = t->y[lane];
	double w = wall * t->scale;
	if (lane == LANE_FAULT || (lane == LANE_CKPT && w < 6)) {
		drill_html_putf(t->b, "<path class=\"tl-item tl-marker %s\" data-step=\"%ld\" "
				"d=\"M%.1f %.1f l7 8 l-7 8 l-7 -8 z\">", cls, idx, x, y + 7);
	} else {
		if (w < 3)
			w = 3;
		drill_html_putf(t->b, "<rect class=\"tl-item tl-bar %s\" data-step=\"%ld\" x=\"%.1f\" "
				"y=\"%.1f\" width=\"%.1f\" height=\"16\" rx=\"2\">", cls, idx, x, y + 7, w);
	}
	tl_title(t, label, start, wall, extra);
	int marker = lane == LANE_FAULT || (lane == LANE_CKPT && w < 6);
	drill_html_put(t->b, marker ? "</path>" : "</rect>");
	if (marker && idx >= 0 && mark) {
		/* the marker's name beside it, on the side where there is room */
		int left = x + 10 + 6.5 * (double)strlen(mark) > TL_X0 + TL_W;
		drill_html_putf(t->b, "<text x=\"%.1f\" y=\"%.1f\"%s>", left ? x - 10 : x + 10, y + 19,
				left ? " text-anchor=\"end\"" : "");
		drill_html_text(t->b, mark);
		drill_html_put(t->b, "</text>");
	} else if (!marker && idx >= 0 && w >= 22)
		drill_html_putf(t->b, "<text x=\"%.1f\" y=\"%.1f\" style=\"fill:#fff\">%ld</text>",
				x + 4, y + 19, idx);
}

static void tl_restore(struct tl *t, json_t *st, long idx, double start, const char *cls)
{
	json_t *subs = json_object_get(json_object_get(st, "details"), "steps");
	if (!json_array_size(subs) || !strcmp(cls, "tl-skipped")) {
		tl_item(t, LANE_RESTORE, cls, idx, drill_html_jstr(st, "label", "restore"), start,
			json_number_value(json_object_get(st, "wallSeconds")),
			drill_html_jstr(st, "error", ""), NULL);
		return;
	}
	double at = start;
	size_t i;
	json_t *sub;
	json_array_foreach(subs, i, sub) {
		double w = json_number_value(json_object_get(sub, "wallSeconds"));
		const char *name = drill_html_jstr(sub, "name", "?");
		int failed = !strcmp(drill_html_jstr(sub, "status", "ok"), "failed");
		char *label = drill_xasprintf("step %ld: restore: %s%s", idx, name,
					      failed ? " (failed)" : "");
		tl_item(t, LANE_RESTORE, failed ? "tl-restore tl-failed" : i % 2 ? "tl-restore tl-sub1" :
			"tl-restore", -1, label, at, w, failed ? drill_html_jstr(st, "error", "") : NULL,
			NULL);
		free(label);
		json_t *ck = json_object_get(sub, "checkpoint");
		if (!strcmp(name, "choose-checkpoint") && json_is_integer(ck)) {
			char *l2 = drill_xasprintf("step %ld: checkpoint %lld chosen for the restore", idx,
						   (long long)json_integer_value(ck));
			tl_item(t, LANE_CKPT, "tl-checkpoint", -1, l2, at, w, NULL, NULL);
			free(l2);
		}
		at += w;
	}
}

/* The checkpoints the replicas took while a step wrote (details.checkpointsTaken): a small
 * diamond in the replica's row of the checkpoints lane, when it was first seen. */
static void tl_taken(struct tl *t, json_t *st, long idx, double start)
{
	json_t *taken = json_object_get(json_object_get(st, "details"), "checkpointsTaken"), *c;
	size_t i;
	json_array_foreach(taken, i, c) {
		json_int_t r = json_integer_value(json_object_get(c, "replica"));
		double x = TL_X0 + (start + json_number_value(json_object_get(c, "atSeconds"))) * t->scale;
		double y = t->y[LANE_CKPT] + 6 + (double)r * CKPT_ROW;
		drill_html_putf(t->b, "<path class=\"tl-item tl-marker tl-checkpoint tl-taken\" "
				"data-step=\"%ld\" data-replica=\"%lld\" data-checkpoint=\"%lld\" "
				"data-seq=\"%lld\" d=\"M%.1f %.1f l3.5 4 l-3.5 4 l-3.5 -4 z\"><title>", idx,
				(long long)r, (long long)json_integer_value(json_object_get(c, "id")),
				(long long)json_integer_value(json_object_get(c, "seqNum")), x, y);
		drill_html_putf(t->b, "replica %lld: checkpoint %lld (seqNum %lld, block %lld), taken "
				"during step %ld (", (long long)r,
				(long long)json_integer_value(json_object_get(c, "id")),
				(long long)json_integer_value(json_object_get(c, "seqNum")),
				(long long)json_integer_value(json_object_get(c, "lastBlock")), idx);
		drill_html_text(t->b, drill_html_jstr(st, "label", "?"));
		drill_html_put(t->b, ")</title></path>");
	}
}

/* The restore's substeps in words, for print and for anyone not hovering over the bars. */
static void restore_legend(struct drill_buf *b, json_t *st)
{
	json_t *subs = json_object_get(json_object_get(st, "details"), "steps"), *sub;
	if (!json_array_size(subs))
		return;
	drill_html_putf(b, "<p class=\"legend\">restore (step %lld):",
			(long long)json_integer_value(json_object_get(st, "index")));
	size_t i;
	json_array_foreach(subs, i, sub) {
		drill_html_put(b, i ? " → " : " ");
		drill_html_text(b, drill_html_jstr(sub, "name", "?"));
		drill_html_putf(b, " %.2f s", json_number_value(json_object_get(sub, "wallSeconds")));
		if (!strcmp(drill_html_jstr(sub, "status", "ok"), "failed"))
			drill_html_put(b, " <span class=\"mismatch\">(failed)</span>");
	}
	drill_html_put(b, "</p>\n");
}

static void timeline(struct drill_buf *b, json_t *sc)
{
	json_t *steps = json_object_get(sc, "steps");
	drill_html_put(b, "<h3>Timeline</h3>");
	if (!json_array_size(steps)) {
		drill_html_put(b, "<p class=\"muted\">No step ran.</p>");
		return;
	}
	double end = 0;
	size_t i;
	json_t *st;
	json_array_foreach(steps, i, st) {
		double e = json_number_value(json_object_get(st, "startedAtSeconds")) +
			   json_number_value(json_object_get(st, "wallSeconds"));
		end = e > end ? e : end;
	}
	if (end <= 0)
		end = 1;
	double tick = tick_step(end), span = ceil(end / tick) * tick;
	struct tl t = {b, TL_W / span, {TL_TOP}};
	json_int_t n_rep = json_integer_value(json_object_get(sc, "replicas"));
	for (int l = 0; l < N_LANES; l++) {
		double h = TL_LANE;
		if (l == LANE_CKPT && 12 + (double)n_rep * CKPT_ROW > h)
			h = 12 + (double)n_rep * CKPT_ROW;
		t.y[l + 1] = t.y[l] + h;
	}
	double height = t.y[N_LANES] + 26;
	drill_html_putf(b, "<div class=\"scroll\"><svg class=\"timeline\" role=\"img\" "
			"viewBox=\"0 0 %.0f %.0f\" xmlns=\"http://www.w3.org/2000/svg\">"
			"<title>Steps over time, in seconds since the drill began</title>",
			TL_X0 + TL_W + 24, height);
	for (int l = 0; l < N_LANES; l++) {
		double y = t.y[l];
		drill_html_putf(b, "<rect class=\"tl-lane\" x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" "
				"height=\"%.0f\"/><text x=\"8\" y=\"%.1f\">%s</text>", TL_X0, y + 3, TL_W,
				t.y[l + 1] - y - 6, y + 19, lane_names[l]);
	}
	for (json_int_t r = 0; r < n_rep && r < 64; r++) /* the replica of each checkpoint row */
		drill_html_putf(b, "<text class=\"tl-replica\" x=\"%.0f\" y=\"%.1f\" "
				"text-anchor=\"end\">r%lld</text>", TL_X0 - 4,
				t.y[LANE_CKPT] + 13 + (double)r * CKPT_ROW, (long long)r);
	for (double x = 0; x <= span + tick / 2; x += tick) {
		double px = TL_X0 + x * t.scale, yb = t.y[N_LANES];
		drill_html_putf(b, "<line class=\"tl-grid\" x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" "
				"y2=\"%.0f\"/><text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%g s</text>",
				px, TL_TOP, px, yb, px, yb + 16, x);
	}
	json_array_foreach(steps, i, st) {
		const char *kind = drill_html_jstr(st, "kind", "?"), *status = drill_html_jstr(st, "status", "ok");
		long idx = (long)json_integer_value(json_object_get(st, "index"));
		double start = json_number_value(json_object_get(st, "startedAtSeconds"));
		char cls[48];
		snprintf(cls, sizeof(cls), "tl-%s", !strcmp(status, "failed") ? "failed" :
			 !strcmp(status, "skipped") ? "skipped" : lane_of(kind) == LANE_CLUSTER ? "cluster" :
			 kind);
		tl_taken(&t, st, idx, start);
		if (lane_of(kind) == LANE_RESTORE) {
			tl_restore(&t, st, idx, start, cls);
			continue;
		}
		char *label = drill_xasprintf("step %ld: %s (%s)", idx, drill_html_jstr(st, "label", kind),
					      status);
		const char *mark = lane_of(kind) == LANE_FAULT ?
			drill_html_jstr(json_object_get(st, "details"), "kind", kind) : NULL;
		tl_item(&t, lane_of(kind), cls, idx, label, start,
			json_number_value(json_object_get(st, "wallSeconds")), drill_html_jstr(st, "error", ""),
			mark);
		free(label);
	}
	drill_html_put(b, "</svg></div>\n");
	json_array_foreach(steps, i, st)
		if (lane_of(drill_html_jstr(st, "kind", "?")) == LANE_RESTORE)
			restore_legend(b, st);
}

static void steps_table(struct drill_buf *b, json_t *sc)
{
	json_t *steps = json_object_get(sc, "steps");
	if (!json_array_size(steps))
		return;
	drill_html_put(b, "<table class=\"steps\"><tr><th class=\"num\">#</th><th>step</th><th>line</th>"
			  "<th>status</th><th class=\"num\">at</th><th class=\"num\">took</th></tr>");
	size_t i;
	json_t *st;
	json_array_foreach(steps, i, st) {
		const char *status = drill_html_jstr(st, "status", "?");
		drill_html_putf(b, "<tr><td class=\"num\">%lld</td><td>",
				(long long)json_integer_value(json_object_get(st, "index")));
		drill_html_text(b, drill_html_jstr(st, "label", "?"));
		const char *err = json_string_value(json_object_get(st, "error"));
		if (err) {
			drill_html_put(b, "<pre class=\"step-error\">");
			drill_html_text(b, err);
			drill_html_put(b, "</pre>");
		}
		drill_html_put(b, "</td><td>");
		value_text(b, json_object_get(st, "line"));
		drill_html_putf(b, "</td><td%s>", strcmp(status, "failed") ? "" : " class=\"mismatch\"");
		drill_html_text(b, status);
		drill_html_putf(b, "</td><td class=\"num\">%.2f s</td><td class=\"num\">%.2f s</td></tr>",
				json_number_value(json_object_get(st, "startedAtSeconds")),
				json_number_value(json_object_get(st, "wallSeconds")));
	}
	drill_html_put(b, "</table>\n");
}

/* Per-replica state recorded by a step: a backup's (height and checkpoints), a checkpoint step's
 * (checkpoints) or an install's (height). NULL if the step recorded none. */
static json_t *step_replicas(json_t *st)
{
	json_t *det = json_object_get(st, "details");
	const char *kind = drill_html_jstr(st, "kind", "");
	if (!strcmp(kind, "backup") || !strcmp(kind, "checkpoint"))
		return json_object_get(det, "replicas");
	if (!strcmp(kind, "install"))
		return json_object_get(det, "replicasAfter");
	return NULL;
}

static json_t *find_replica(json_t *arr, const char *key, json_int_t id)
{
	size_t i;
	json_t *r;
	json_array_foreach(arr, i, r)
		if (json_integer_value(json_object_get(r, key)) == id)
			return r;
	return NULL;
}

static void height_cell(struct drill_buf *b, json_t *r, json_t *ckpts, const char *ckpt_word)
{
	drill_html_put(b, "<td>");
	if (!r) {
		drill_html_put(b, "<span class=\"muted\">—</span></td>");
		return;
	}
	json_t *lb = json_object_get(r, "lastBlock");
	if (lb) {
		drill_html_put(b, "block ");
		value_text(b, lb);
	}
	if (ckpts) {
		drill_html_putf(b, "%s<span class=\"muted\">%s</span> ", lb ? "<br>" : "", ckpt_word);
		id_list(b, ckpts);
	}
	drill_html_put(b, "</td>");
}

/* After the restore: the height check-state saw and the checkpoint the replica was restored from
 * (copy-checkpoint); what was copied is shown even where check-state stopped before the replica,
 * and a replica the restore never reached says so. */
static void restored_cell(struct drill_buf *b, json_t *restore, json_t *cs, json_t *ck)
{
	if (cs) {
		json_t *one = ck ? json_pack("[O]", ck) : NULL;
		height_cell(b, cs, one, "from checkpoint");
		json_decref(one);
		return;
	}
	drill_html_put(b, "<td class=\"restored-from\">");
	if (ck) {
		drill_html_put(b, "<span class=\"muted\">from checkpoint</span> ");
		value_text(b, ck);
		drill_html_put(b, "<br><span class=\"muted\">not checked (the restore stopped before"
			       " it)</span>");
	} else if (!strcmp(drill_html_jstr(restore, "status", ""), "skipped")) {
		drill_html_put(b, "<span class=\"muted\">no restore ran</span>");
	} else {
		const char *vols = drill_html_jstr(json_object_get(restore, "details"), "replicaVolumes",
						   "original");
		drill_html_put(b, !strcmp(vols, "original") ?
			       "<span class=\"muted\">not restored: the restore failed before it "
			       "changed the volumes</span>" :
			       "<span class=\"mismatch\">partly restored: the restore failed while "
			       "writing the volumes</span>");
	}
	drill_html_put(b, "</td>");
}

/* Before: the last step before the first restore (else before the end) that recorded each
 * replica's state. After the restore: its check-state and the checkpoint each replica was given.
 * At the end: the final verification. */
static void replicas_table(struct drill_buf *b, json_t *sc)
{
	json_t *steps = json_object_get(sc, "steps"), *before = NULL, *restore = NULL, *st;
	size_t i;
	json_array_foreach(steps, i, st) {
		if (!strcmp(drill_html_jstr(st, "kind", ""), "restore")) {
			restore = st;
			break;
		}
		if (step_replicas(st))
			before = st;
	}
	json_t *subs = json_object_get(json_object_get(restore, "details"), "steps"), *check = NULL,
	       *copy = NULL, *sub;
	json_array_foreach(subs, i, sub) {
		if (!strcmp(drill_html_jstr(sub, "name", ""), "check-state"))
			check = json_object_get(sub, "replicas");
		if (!strcmp(drill_html_jstr(sub, "name", ""), "copy-checkpoint"))
			copy = json_object_get(sub, "checkpoints");
	}
	json_t *ver = json_object_get(json_object_get(sc, "verification"), "replicas");
	json_int_t n = json_integer_value(json_object_get(sc, "replicas"));
	if (n <= 0)
		n = (json_int_t)json_array_size(ver);
	drill_html_put(b, "<h3>Replicas</h3>");
	if (n <= 0) {
		drill_html_put(b, "<p class=\"muted\">No replica state was recorded.</p>");
		return;
	}
	drill_html_put(b, "<table class=\"replicas\"><tr><th>replica</th><th>before: ");
	drill_html_text(b, before ? drill_html_jstr(before, "label", "?") : "nothing recorded");
	drill_html_put(b, "</th>");
	if (restore)
		drill_html_put(b, "<th>after the restore</th>");
	drill_html_put(b, "<th>at the end (verification)</th><th>status</th></tr>");
	for (json_int_t r = 0; r < n; r++) {
		json_t *bf = find_replica(step_replicas(before), "replica", r);
		drill_html_putf(b, "<tr class=\"replica\"><th>%lld</th>", (long long)r);
		height_cell(b, bf, json_object_get(bf, "checkpoints"), "checkpoints");
		if (restore)
			restored_cell(b, restore, find_replica(check, "replica", r),
				      json_array_get(copy, (size_t)r));
		json_t *v = find_replica(ver, "replicaId", r);
		if (!v)
			v = json_array_get(ver, (size_t)r);
		height_cell(b, v, json_object_get(v, "checkpoints"), "checkpoints");
		const char *status = drill_html_jstr(v, "status", "—");
		drill_html_putf(b, "<td%s>", strcmp(status, "ok") ? " class=\"mismatch\"" : "");
		drill_html_text(b, status);
		if (json_is_false(json_object_get(v, "matchesDriver")))
			drill_html_put(b, ", <span class=\"mismatch\">not the chain the driver wrote</span>");
		drill_html_put(b, "</td></tr>");
	}
	drill_html_put(b, "</table>\n");
}

static void corrupt_replicas(struct drill_buf *b, json_t *sc)
{
	json_t *ver = json_object_get(json_object_get(sc, "verification"), "replicas");
	size_t i, bad = 0;
	json_t *v;
	json_array_foreach(ver, i, v)
		bad += strcmp(drill_html_jstr(v, "status", "ok"), "ok") != 0;
	if (!json_array_size(ver))
		return;
	drill_html_put(b, "<h3>Damaged replicas</h3>");
	if (!bad) {
		drill_html_put(b, "<p>Every replica verified ok.</p>");
		return;
	}
	drill_html_put(b, "<table class=\"corrupt\"><tr><th>replica</th><th>status</th>"
			  "<th>first bad block</th><th>first error</th></tr>");
	json_array_foreach(ver, i, v) {
		if (!strcmp(drill_html_jstr(v, "status", "ok"), "ok"))
			continue;
		json_t *id = json_object_get(v, "replicaId");
		drill_html_putf(b, "<tr class=\"corrupt-replica\"><th>%lld</th><td class=\"mismatch\">",
				id ? (long long)json_integer_value(id) : (long long)i);
		drill_html_text(b, drill_html_jstr(v, "status", "?"));
		drill_html_put(b, "</td><td>");
		value_text(b, json_object_get(v, "errorBlock"));
		drill_html_put(b, "</td><td><pre class=\"first-error\">");
		drill_html_text(b, drill_html_jstr(v, "error", "(no message)"));
		drill_html_put(b, "</pre></td></tr>");
	}
	drill_html_put(b, "</table>\n");
}

/* A list of records (faults, data-loss events): one table row each, its keys as "key value"
 * lines, a nested object's keys (a fault's details) flattened into the same lines. */
static void record_fields(struct drill_buf *b, json_t *o, json_t *outer)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		if (json_is_object(v) && strcmp(key, "params")) {
			record_fields(b, v, o);
			continue;
		}
		if (outer && json_equal(v, json_object_get(outer, key)))
			continue; /* a fault's details repeat its kind */
		drill_html_put(b, "<dt>");
		drill_html_text(b, key);
		drill_html_put(b, "</dt><dd>");
		value_text(b, v);
		drill_html_put(b, "</dd>");
	}
}

static void record_list(struct drill_buf *b, json_t *arr, const char *title, const char *cls)
{
	if (!json_array_size(arr))
		return;
	drill_html_putf(b, "<h3>%s</h3><table class=\"%s\">", title, cls);
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		drill_html_put(b, "<tr><td><dl class=\"record mono\">");
		record_fields(b, v, NULL);
		drill_html_put(b, "</dl></td></tr>");
	}
	drill_html_put(b, "</table>\n");
}

/* The same headline as the summary and JUnit (drill_report_headline): the restore's fate first,
 * then the verdict and the volumes it is about. */
static void headline(struct drill_buf *b, json_t *sc)
{
	if (json_string_value(json_object_get(sc, "error")))
		return; /* the drill could not run: the error says why, below */
	struct drill_report_headline h;
	drill_report_headline_parts(&h, sc);
	static const char *const cls[] = {"none", "ok", "failed", "skipped"};
	drill_html_putf(b, "<p class=\"headline\"><span class=\"restore %s\">", cls[h.restore]);
	drill_html_text(b, h.restore_text);
	drill_html_put(b, "</span>; <span class=\"verdict\">");
	if (h.verdict) {
		drill_html_put(b, "verdict <b>");
		drill_html_text(b, h.verdict);
		drill_html_put(b, "</b> ");
		drill_html_text(b, h.volumes);
	} else {
		drill_html_put(b, "no verdict (the drill stopped before verifying)");
	}
	drill_html_put(b, "</span></p>");
}

static void scenario_section(struct drill_buf *b, json_t *sc, size_t k)
{
	json_t *meta = json_object_get(sc, "scenario");
	const char *outcome = drill_html_outcome(sc);
	drill_html_putf(b, "<section class=\"scenario %s\" id=\"s%zu\"><div class=\"head\"><h2>", outcome,
			k);
	drill_html_text(b, drill_html_jstr(meta, "name", "?"));
	drill_html_put(b, "</h2>");
	badge(b, outcome);
	drill_html_putf(b, "<span class=\"muted\">%.1f s</span></div>",
			json_number_value(json_object_get(sc, "wallSeconds")));
	headline(b, sc);
	drill_html_put(b, "<p class=\"description\">");
	drill_html_text(b, drill_html_jstr(meta, "description", ""));
	drill_html_put(b, "</p><p class=\"muted\">");
	drill_html_text(b, drill_html_jstr(meta, "path", ""));
	drill_html_putf(b, " · seed %lld · platform ",
			(long long)json_integer_value(json_object_get(sc, "seed")));
	drill_html_text(b, drill_html_jstr(sc, "platform", "?"));
	drill_html_put(b, " · vendor ");
	drill_html_text(b, drill_html_jstr(sc, "vendor", "?"));
	drill_html_putf(b, " · %lld replicas, f=%lld</p>",
			(long long)json_integer_value(json_object_get(sc, "replicas")),
			(long long)json_integer_value(json_object_get(sc, "f")));
	verdict_section(b, sc);
	rpo_rto(b, sc, k);
	timeline(b, sc);
	steps_table(b, sc);
	replicas_table(b, sc);
	corrupt_replicas(b, sc);
	record_list(b, json_object_get(sc, "faults"), "Faults injected", "faults");
	record_list(b, json_object_get(sc, "dataLoss"), "Data loss", "data-loss");
	drill_html_put(b, "<h3>Rerun</h3><pre class=\"rerun\">");
	drill_html_text(b, drill_html_jstr(sc, "rerun", ""));
	drill_html_put(b, "</pre><p class=\"workspace\">Workspace <code>");
	drill_html_text(b, drill_html_jstr(sc, "workspace", "?"));
	drill_html_put(b, json_is_true(json_object_get(sc, "workspaceKept")) ? "</code>: kept.</p>" :
									   "</code>: removed.</p>");
	drill_html_put(b, "</section>\n");
}

char *drill_report_html(json_t *run)
{
	struct drill_buf b;
	drill_buf_init(&b, (size_t)-1);
	char *title = drill_xasprintf("chaindrill — %s", drill_html_jstr(run, "runId", "report"));
	drill_html_begin(&b, title);
	free(title);
	run_header(&b, run);
	capabilities(&b, json_object_get(run, "capabilities"));
	json_t *scs = json_object_get(run, "scenarios");
	scenario_index(&b, scs);
	size_t i;
	json_t *sc;
	json_array_foreach(scs, i, sc)
		scenario_section(&b, sc, i + 1);
	if (!json_array_size(scs))
		drill_html_put(&b, "<p class=\"muted\">This run holds no scenario.</p>");
	drill_html_end(&b);
	return (char *)b.data;
}

int drill_report_html_write(const char *dir, json_t *run)
{
	char *page = drill_report_html(run);
	char *path = drill_xasprintf("%s/report.html", dir);
	int rc = drill_fs_write_atomic(path, page, strlen(page));
	free(path);
	free(page);
	return rc;
}
