/* tests/test_report_html.c — report.html and index.html: escaping of what users wrote, an error
 * scenario, a scenario without steps, a restore with a corrupt replica, and an index over a
 * directory holding broken and foreign reports. */
#include "helpers.h"

#include "report/report.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>

static json_t *scenario(const char *name, const char *description)
{
	return json_pack("{s:{s:s,s:s,s:s},s:i,s:s,s:s,s:i,s:i,s:f,s:b,s:[],s:[],s:{s:s},"
			 "s:{s:s},s:s,s:s,s:b}",
			 "scenario", "name", name, "path", "scenarios/x.yaml", "description",
			 description, "seed", 7, "platform", "local", "vendor", "hostpath-copy",
			 "replicas", 4, "f", 1, "wallSeconds", 1.5, "matched", 1, "mismatches",
			 "steps", "expected", "verdict", "consistent", "observed", "verdict",
			 "consistent", "rerun", "chaindrill run scenarios/x.yaml --seed 7", "workspace",
			 "/w/x", "workspaceKept", 0);
}

static json_t *run_of(json_t *sc)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:[o]}", "schema", DRILL_REPORT_SCHEMA, "runId",
			 "20261125T000000Z-x", "startedAt", "2026-11-25T00:00:00Z",
			 "chaindrillVersion", "0.1.0", "outcome", "matched", "scenarios", sc);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void escapes_what_users_wrote(void **state)
{
	(void)state;
	json_t *sc = scenario("<b>bold</b>", "steals <script>alert('x')</script> & more");
	json_object_set_new(sc, "rerun", json_string("chaindrill run \"a b.yaml\""));
	json_t *run = run_of(sc);
	char *page = drill_report_html(run);
	assert_non_null(strstr(page, "steals &lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; more"));
	assert_non_null(strstr(page, "&lt;b&gt;bold&lt;/b&gt;"));
	assert_non_null(strstr(page, "chaindrill run &quot;a b.yaml&quot;"));
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, "<b>bold"));
	/* the page allows no script and no request */
	assert_non_null(strstr(page, "default-src 'none'; style-src 'unsafe-inline'; img-src data:"));
	assert_null(strstr(page, "src="));
	assert_null(strstr(page, "href=\"http"));
	assert_null(strstr(page, "url("));
	free(page);
	json_decref(run);
}

static void error_scenario(void **state)
{
	(void)state;
	json_t *sc = scenario("env", "needs a cluster");
	json_object_set_new(sc, "matched", json_false());
	json_object_set_new(sc, "error", json_string("platform kind needs a running Docker engine"));
	json_object_set_new(sc, "errorKind", json_string("environment"));
	json_t *run = run_of(sc);
	json_object_set_new(run, "outcome", json_string("error"));
	char *page = drill_report_html(run);
	assert_non_null(strstr(page, "<pre class=\"drill-error\">platform kind needs a running Docker "
				     "engine</pre>"));
	assert_non_null(strstr(page, "(environment)"));
	assert_non_null(strstr(page, "<span class=\"badge error\">error</span>"));
	assert_non_null(strstr(page, "<section class=\"scenario error\" id=\"s1\">"));
	free(page);
	json_decref(run);
}

static void no_steps(void **state)
{
	(void)state;
	json_t *run = run_of(scenario("empty", "nothing ran"));
	char *page = drill_report_html(run);
	assert_non_null(strstr(page, "No step ran."));
	assert_non_null(strstr(page, "No restore ran: no RPO or RTO."));
	assert_null(strstr(page, "<svg"));
	assert_non_null(strstr(page, "</code>: removed.</p>"));
	free(page);
	json_decref(run);
}

/* A restore, a fault and a corrupt replica: the pieces each have their place. */
static void restore_and_corrupt_replica(void **state)
{
	(void)state;
	json_t *sc = scenario("full", "restore then damage");
	json_error_t jerr;
	json_t *steps = json_loads(
		"[{\"index\":0,\"kind\":\"install\",\"label\":\"install\",\"startedAtSeconds\":0,"
		"\"wallSeconds\":0.1,\"status\":\"ok\",\"details\":{\"replicasAfter\":[{\"replica\":0,"
		"\"lastBlock\":0}]}},"
		"{\"index\":1,\"kind\":\"write\",\"label\":\"write 900 blocks\",\"startedAtSeconds\":0.1,"
		"\"wallSeconds\":0.5,\"status\":\"ok\"},"
		"{\"index\":2,\"kind\":\"backup\",\"label\":\"backup nightly\",\"startedAtSeconds\":0.6,"
		"\"wallSeconds\":0.05,\"status\":\"ok\",\"details\":{\"replicas\":[{\"replica\":0,"
		"\"lastBlock\":900,\"checkpoints\":[750,900]},{\"replica\":1,\"lastBlock\":900,"
		"\"checkpoints\":[750,900]}]}},"
		"{\"index\":3,\"kind\":\"restore\",\"label\":\"restore nightly\",\"startedAtSeconds\":0.7,"
		"\"wallSeconds\":0.4,\"status\":\"ok\",\"details\":{\"steps\":[{\"name\":\"scale-down\","
		"\"wallSeconds\":0.1},{\"name\":\"choose-checkpoint\",\"wallSeconds\":0.01,"
		"\"checkpoint\":900},{\"name\":\"copy-checkpoint\",\"wallSeconds\":0.1,\"checkpoints\":"
		"[900,900]},{\"name\":\"check-state\",\"wallSeconds\":0.01,\"replicas\":[{\"replica\":0,"
		"\"lastBlock\":900},{\"replica\":1,\"lastBlock\":900}]}]}},"
		"{\"index\":4,\"kind\":\"fault\",\"label\":\"fault bitflip-sst\",\"startedAtSeconds\":1.2,"
		"\"wallSeconds\":0.001,\"status\":\"failed\",\"error\":\"no <sst> left\"}]",
		0, &jerr);
	assert_non_null(steps);
	json_object_set_new(sc, "steps", steps);
	json_object_set_new(sc, "replicas", json_integer(2));
	json_object_set_new(sc, "verification", json_loads(
		"{\"replicas\":[{\"replicaId\":0,\"status\":\"ok\",\"lastBlock\":900,\"checkpoints\":"
		"[900],\"matchesDriver\":true},{\"replicaId\":1,\"status\":\"corrupt\",\"lastBlock\":"
		"845,\"errorBlock\":846,\"error\":\"block 846: Corruption: block checksum mismatch\","
		"\"checkpoints\":[],\"matchesDriver\":false}]}", 0, &jerr));
	json_object_set_new(sc, "observed", json_pack("{s:s,s:i,s:i,s:f,s:f}", "verdict",
						      "recoverable", "restoredBlock", 900, "rpoBlocks",
						      100, "rpoVirtualSeconds", 10.0, "rtoWallSeconds",
						      0.45));
	json_t *run = run_of(sc);
	char *page = drill_report_html(run);
	assert_non_null(strstr(page, "<svg class=\"timeline\""));
	/* install, write, backup, 4 restore substeps, the chosen checkpoint, the failed fault */
	assert_int_equal(count(page, "class=\"tl-item "), 9);
	assert_int_equal(count(page, "tl-marker"), 2);
	assert_non_null(strstr(page, "tl-marker tl-failed\" data-step=\"4\""));
	assert_non_null(strstr(page, "checkpoint 900 chosen for the restore"));
	assert_non_null(strstr(page, "<pre class=\"step-error\">no &lt;sst&gt; left</pre>"));
	assert_int_equal(count(page, "<tr class=\"replica\">"), 2);
	assert_non_null(strstr(page, "<th>before: backup nightly</th><th>after the restore</th>"));
	assert_non_null(strstr(page, "block 900<br><span class=\"muted\">checkpoints</span> 750, 900"));
	assert_int_equal(count(page, "<tr class=\"corrupt-replica\">"), 1);
	assert_non_null(strstr(page, "<pre class=\"first-error\">block 846: Corruption: block "
				     "checksum mismatch</pre>"));
	assert_non_null(strstr(page, "100 blocks / 10.0 s"));
	assert_non_null(strstr(page, "<b>0.45 s</b>"));
	assert_non_null(strstr(page, "<pre class=\"rerun\">chaindrill run scenarios/x.yaml --seed 7</pre>"));
	free(page);
	json_decref(run);
}

/* A restore that failed: the headline says so before the verdict and names the volumes the verdict
 * is about; RPO/RTO say it failed and where; the replica table says what each replica was
 * restored from even where check-state stopped before it; every checkpoint a write saw taken is a
 * marker in its replica's row; at/took never wrap. */
static json_t *failed_restore(const char *substep, const char *volumes, const char *copied)
{
	json_t *sc = scenario("failed", "a restore that failed");
	json_error_t jerr;
	char *text = drill_xasprintf(
		"[{\"index\":1,\"kind\":\"write\",\"label\":\"write 300 blocks\",\"startedAtSeconds\":0,"
		"\"wallSeconds\":0.5,\"status\":\"ok\",\"details\":{\"checkpointsTaken\":["
		"{\"replica\":0,\"id\":150,\"seqNum\":150,\"lastBlock\":150,\"atSeconds\":0.2},"
		"{\"replica\":1,\"id\":150,\"seqNum\":151,\"lastBlock\":150,\"atSeconds\":0.2},"
		"{\"replica\":0,\"id\":300,\"seqNum\":300,\"lastBlock\":300,\"atSeconds\":0.5},"
		"{\"replica\":1,\"id\":300,\"seqNum\":300,\"lastBlock\":300,\"atSeconds\":0.5}]}},"
		"{\"index\":2,\"kind\":\"restore\",\"label\":\"restore nightly\",\"startedAtSeconds\":0.6,"
		"\"wallSeconds\":0.3,\"status\":\"failed\",\"error\":\"%s: it broke\",\"details\":{"
		"\"replicaVolumes\":\"%s\",\"steps\":[{\"name\":\"scale-down\",\"wallSeconds\":0.1},"
		"%s{\"name\":\"%s\",\"wallSeconds\":0.1,\"status\":\"failed\"%s}]}},"
		"{\"index\":3,\"kind\":\"validate\",\"label\":\"validate 10 blocks\",\"status\":"
		"\"skipped\"}]",
		substep, volumes, copied ? "{\"name\":\"copy-checkpoint\",\"wallSeconds\":0.1,"
		"\"checkpoints\":[250,300]}," : "", substep,
		copied ? ",\"replicas\":[{\"replica\":0,\"lastBlock\":300}]" : "");
	json_t *steps = json_loads(text, 0, &jerr);
	free(text);
	assert_non_null(steps);
	json_object_set_new(sc, "steps", steps);
	json_object_set_new(sc, "replicas", json_integer(2));
	json_object_set_new(sc, "observed", json_pack("{s:s,s:s,s:i}", "verdict", "consistent",
						      "failedStep", "restore", "failedStepIndex", 2));
	return sc;
}

static void restore_failed(void **state)
{
	(void)state;
	json_t *sc = failed_restore("restore-volumes", "original", NULL);
	char *h = drill_report_headline(sc);
	assert_string_equal(h, "restore FAILED at restore-volumes (step 2); verdict consistent on "
			       "the original volumes (the restore did not change them)");
	free(h);
	json_t *run = run_of(sc);
	char *page = drill_report_html(run);
	assert_non_null(strstr(page, "<p class=\"headline\"><span class=\"restore failed\">restore "
				     "FAILED at restore-volumes (step 2)</span>; <span class=\"verdict\">"
				     "verdict <b>consistent</b> on the original volumes (the restore did "
				     "not change them)</span></p>"));
	assert_null(strstr(page, "No restore ran"));
	assert_non_null(strstr(page, "restore FAILED at restore-volumes (step 2): no RPO or RTO, the "
				     "restore did not complete."));
	assert_int_equal(count(page, "not restored: the restore failed before it changed the "
				     "volumes"), 2);
	/* the failed substep is drawn, red */
	assert_non_null(strstr(page, "tl-restore tl-failed\" data-step=\"-1\""));
	/* every checkpoint taken, per replica, with its sequence number */
	assert_int_equal(count(page, "tl-taken\""), 4);
	assert_non_null(strstr(page, "data-replica=\"1\" data-checkpoint=\"150\" data-seq=\"151\""));
	assert_non_null(strstr(page, "replica 1: checkpoint 150 (seqNum 151, block 150), taken during "
				     "step 1 (write 300 blocks)"));
	assert_non_null(strstr(page, "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;"
				     "white-space:nowrap}"));
	free(page);
	json_decref(run);

	sc = failed_restore("check-state", "restored", "copied");
	h = drill_report_headline(sc);
	assert_string_equal(h, "restore FAILED at check-state (step 2); verdict consistent on the "
			       "restored volumes (written before the restore failed)");
	free(h);
	run = run_of(sc);
	page = drill_report_html(run);
	/* replica 0 was checked, replica 1 was not: both say what they were restored from */
	assert_non_null(strstr(page, "block 300<br><span class=\"muted\">from checkpoint</span> 250"));
	assert_non_null(strstr(page, "<td class=\"restored-from\"><span class=\"muted\">from "
				     "checkpoint</span> 300<br>"));
	free(page);
	json_decref(run);
}

static void headline_without_restore(void **state)
{
	(void)state;
	json_t *sc = scenario("plain", "no restore");
	char *h = drill_report_headline(sc);
	assert_string_equal(h, "no restore; verdict consistent on the replicas' volumes");
	free(h);
	/* a restore never reached */
	json_object_set_new(sc, "steps", json_pack("[{s:i,s:s,s:s}]", "index", 4, "kind", "restore",
						   "status", "skipped"));
	json_object_set_new(json_object_get(sc, "observed"), "failedStepIndex", json_integer(2));
	h = drill_report_headline(sc);
	assert_string_equal(h, "restore did not run (step 2 failed before it); verdict consistent on "
			       "the original volumes (no restore ran)");
	free(h);
	json_decref(sc);
}

/* A vendor-check run: its verdict word and one row per capability. */
static void vendor_check_run(void **state)
{
	(void)state;
	json_t *run = run_of(scenario("vc-one", "d"));
	json_object_set_new(run, "schema", json_string(DRILL_REPORT_VC_SCHEMA));
	json_object_set_new(run, "outcome", json_string("passed"));
	json_object_set_new(run, "vendor", json_string("ebs-sim"));
	json_object_set_new(run, "capabilities",
			    json_pack("[{s:s,s:b,s:s,s:s}]", "name", "snapshot-restore", "declared", 1,
				      "status", "passed", "reason", "every scenario matched"));
	char *page = drill_report_html(run);
	assert_non_null(strstr(page, "<span class=\"badge matched\">passed</span>"));
	assert_non_null(strstr(page, "<td>snapshot-restore</td><td>true</td><td>passed</td>"));
	assert_non_null(strstr(page, "<dt>vendor</dt><dd>ebs-sim</dd>"));
	free(page);
	json_decref(run);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *d = drill_xasprintf("%s/%s", dir, name);
	assert_drill_ok(drill_fs_mkdir_p(d, 0755));
	char *p = drill_xasprintf("%s/report.json", d);
	assert_drill_ok(drill_fs_write_atomic(p, text, strlen(text)));
	free(p);
	free(d);
}

static void index_skips_broken_reports(void **state)
{
	(void)state;
	char *root = drill_test_scratch("index");
	json_t *older = run_of(scenario("alpha", "a"));
	json_t *newer = run_of(scenario("alpha", "a"));
	json_object_set_new(newer, "startedAt", json_string("2026-11-26T00:00:00Z"));
	json_object_set_new(json_array_get(json_object_get(newer, "scenarios"), 0), "matched",
			    json_false());
	json_array_append_new(json_object_get(newer, "scenarios"), scenario("<beta>", "b"));
	json_object_set_new(newer, "campaign", json_pack("{s:i,s:i,s:i}", "seed", 3, "drills", 2,
							 "matched", 1));
	char *d1 = drill_xasprintf("%s/run a#1", root), *d2 = drill_xasprintf("%s/run-2", root);
	assert_drill_ok(drill_report_write(d1, older));
	assert_drill_ok(drill_report_write(d2, newer));
	write_file(root, "broken", "{\"schema\": ");
	write_file(root, "foreign", "{\"schema\": \"other/1\", \"scenarios\": []}");
	write_file(root, "old", "{\"schema\": \"chaindrill-report/1\", \"startedAt\": \"2026-01-01\","
				"\"runId\": \"old\", \"outcome\": \"matched\", \"scenarios\": []}");
	char *nothing = drill_xasprintf("%s/not-a-run", root);
	assert_drill_ok(drill_fs_mkdir_p(nothing, 0755));

	size_t runs = 0, skipped = 0;
	assert_drill_ok(drill_report_index_write(root, &runs, &skipped));
	assert_int_equal(runs, 3);
	assert_int_equal(skipped, 2);
	char *path = drill_xasprintf("%s/index.html", root), *page = NULL;
	size_t len;
	assert_drill_ok(drill_fs_read_file(&page, &len, path, 1 << 20));
	assert_non_null(strstr(page, "broken/report.json: not JSON"));
	assert_non_null(strstr(page, "foreign/report.json: not a chaindrill report"));
	/* links are percent-encoded, point at each scenario's section, or at report.json for a run
	 * without report.html */
	assert_non_null(strstr(page, "<a href=\"run%20a%231/report.html#s1\">matched</a>"));
	assert_non_null(strstr(page, "<a href=\"run-2/report.html#s1\">differed</a>"));
	assert_non_null(strstr(page, "<a href=\"old/report.json\">old</a>"));
	assert_non_null(strstr(page, "<th>&lt;beta&gt;</th>"));
	assert_non_null(strstr(page, "run-2</a></td><td>campaign</td>"));
	/* newest first: run-2 is the first column */
	assert_true(strstr(page, "\">run-2</a>") < strstr(page, "\">run a#1</a>"));
	free(page);
	free(path);
	free(nothing);
	free(d1);
	free(d2);
	json_decref(older);
	json_decref(newer);
	free(root);
}

static void index_of_missing_root(void **state)
{
	(void)state;
	char *root = drill_test_scratch("index-missing");
	char *gone = drill_xasprintf("%s/absent", root);
	assert_int_equal(drill_report_index_write(gone, NULL, NULL), DRILL_ENOTFOUND);
	assert_non_null(strstr(drill_err_last(), "absent: cannot open the report directory"));
	free(gone);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes_what_users_wrote),
		cmocka_unit_test(error_scenario),
		cmocka_unit_test(no_steps),
		cmocka_unit_test(restore_and_corrupt_replica),
		cmocka_unit_test(restore_failed),
		cmocka_unit_test(headline_without_restore),
		cmocka_unit_test(vendor_check_run),
		cmocka_unit_test(index_skips_broken_reports),
		cmocka_unit_test(index_of_missing_root),
	};
	return drill_test_run(tests, NULL, NULL);
}
