/* tests/test_scenario_vendor_def.c — the vendor definition and vendor-check manifest loaders
 * (scenario/vendor_def.h): every field of a full definition, the defaults, the manifest's order and
 * paths, and the errors whose logic is not a plain schema lookup (exec only with driver exec, at
 * least two distinct zones, snapshot must be true, a listed file must exist and appear once).
 * Every other kind of bad definition is a fixture checked by tests/e2e/vendor-check.sh. */
#include "helpers.h"

#include "scenario/vendor_def.h"
#include "util/bytes.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

static int group_setup(void **state)
{
	(void)state;
	dir = drill_test_scratch("scenario_vendor_def");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(dir);
	return 0;
}

static char *write_file(const char *name, const char *text)
{
	char *path = drill_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Loading `text` as a definition fails with DRILL_EINPUT and "<path>:<want>". */
static void def_error(const char *text, const char *want)
{
	char *path = write_file("bad.yaml", text);
	struct drill_vendor_def *d = (struct drill_vendor_def *)&d; /* must be reset to NULL */
	int rc = drill_vendor_def_load(&d, path);
	char *full = drill_xasprintf("%s:%s", path, want);
	if (rc != DRILL_EINPUT || strcmp(drill_err_last(), full))
		fail_msg("rc %d, message\n  got:  %s\n  want: %s", rc, drill_err_last(), full);
	assert_null(d);
	free(full);
	free(path);
}

static void full_definition(void **state)
{
	(void)state;
	char *path = write_file("acme.yaml",
		"name: acme-block\n"
		"description: Acme block storage\n"
		"driver: exec\n"
		"exec: {program: plugins/acme.sh, timeoutSeconds: 90}\n"
		"capabilities:\n"
		"  snapshot: true\n"
		"  topology:\n"
		"    zones: [eu-1a, eu-1b, eu-1c]\n"
		"  consistencyAcrossVolumes: true\n");
	struct drill_vendor_def *d = NULL;
	assert_drill_ok(drill_vendor_def_load(&d, path));
	assert_string_equal(d->path, path);
	assert_string_equal(d->name, "acme-block");
	assert_string_equal(d->description, "Acme block storage");
	assert_string_equal(d->driver, "exec");
	assert_string_equal(d->program, "plugins/acme.sh");
	char *want = drill_xasprintf("%s/plugins/acme.sh", dir);
	assert_string_equal(d->program_path, want);
	assert_int_equal(d->program_line, 4);
	assert_int_equal(d->program_col, 17);
	assert_int_equal(d->timeout_s, 90);
	assert_true(d->declared[DRILL_CAP_SNAPSHOT]);
	assert_true(d->declared[DRILL_CAP_TOPOLOGY]);
	assert_true(d->declared[DRILL_CAP_CONSISTENCY]);
	assert_int_equal(d->n_zones, 3);
	assert_string_equal(d->zones[0], "eu-1a");
	assert_string_equal(d->zones[2], "eu-1c");
	free(want);
	free(path);
	drill_vendor_def_free(d);
}

static void defaults(void **state)
{
	(void)state;
	char *path = write_file("min.yaml",
		"name: plain\ndriver: exec\nexec: {program: /bin/true}\ncapabilities: {snapshot: true}\n");
	struct drill_vendor_def *d = NULL;
	assert_drill_ok(drill_vendor_def_load(&d, path));
	assert_null(d->description);
	assert_string_equal(d->program_path, "/bin/true"); /* absolute stays as written */
	assert_int_equal(d->timeout_s, 60);
	assert_true(d->declared[DRILL_CAP_SNAPSHOT]);
	assert_false(d->declared[DRILL_CAP_TOPOLOGY]);
	assert_false(d->declared[DRILL_CAP_CONSISTENCY]);
	assert_int_equal(d->n_zones, 0);
	drill_vendor_def_free(d);
	free(path);
	drill_vendor_def_free(NULL);
}

static void capability_names(void **state)
{
	(void)state;
	assert_string_equal(drill_capability_name(DRILL_CAP_SNAPSHOT), "snapshot");
	assert_string_equal(drill_capability_name(DRILL_CAP_TOPOLOGY), "topology");
	assert_string_equal(drill_capability_name(DRILL_CAP_CONSISTENCY), "consistencyAcrossVolumes");
	assert_null(drill_capability_name(DRILL_CAP_COUNT));
}

static void errors(void **state)
{
	(void)state;
	def_error("name: x\ndriver: ebs-sim\nexec: {program: p}\ncapabilities: {snapshot: true}\n",
		  "3:1: exec: only with driver: exec, got driver ebs-sim");
	def_error("name: x\ndriver: exec\ncapabilities: {snapshot: true}\n",
		  "1:1: exec: required key is missing (driver exec needs exec.program)");
	def_error("name: x\ndriver: exec\nexec: {program: \"\"}\ncapabilities: {snapshot: true}\n",
		  "3:17: exec.program: expected a program path, got string \"\"");
	def_error("name: x\ndriver: hostpath-copy\ncapabilities: {snapshot: false}\n",
		  "3:26: capabilities.snapshot: expected true (every vendor backs up and restores "
		  "the replicas' volumes; that is what vendor-check checks), got false");
	def_error("name: x\ndriver: ebs-sim\ncapabilities: {snapshot: true, topology: {zones: [a, b, a]}}\n",
		  "3:57: capabilities.topology.zones[2]: expected a zone not listed before, got a "
		  "again (first at 3:51)");
	def_error("name: x\ndriver: ebs-sim\ncapabilities: {snapshot: true, topology: {zones: []}}\n",
		  "3:50: capabilities.topology.zones: expected a sequence of 2..32 zone names (the "
		  "zone checks put a volume in a zone other than its instance's), got an empty "
		  "sequence");
	def_error("name: x\ndriver: exec\nexec: {program: p, timeoutSeconds: 0100}\n"
		  "capabilities: {snapshot: true}\n",
		  "3:36: exec.timeoutSeconds: expected a decimal integer without leading zeros, got 0100");
	def_error("name: x\ndriver: exec\nexec: {program: p, timeoutSeconds: 99999999999999999999}\n"
		  "capabilities: {snapshot: true}\n",
		  "3:36: exec.timeoutSeconds: expected an integer in 1..3600, got "
		  "99999999999999999999");
	def_error("name: x\ndriver: *d\n", "2:9: aliases (*d) are not supported; write the value out");
}

static void manifest(void **state)
{
	(void)state;
	char *a = write_file("a.yaml", "x"), *b = write_file("b.yaml", "x"),
	     *c = write_file("c.yaml", "x");
	char *path = write_file("manifest.yaml",
		"capabilities:\n"
		"  topology: [c.yaml]\n"
		"  snapshot:\n"
		"    - a.yaml\n"
		"    - b.yaml\n"
		"  consistencyAcrossVolumes: []\n");
	struct drill_vc_manifest *m = NULL;
	assert_drill_ok(drill_vc_manifest_load(&m, path));
	assert_int_equal(m->n, 3);
	/* grouped in capability order, files in manifest order */
	assert_int_equal(m->entries[0].capability, DRILL_CAP_SNAPSHOT);
	assert_string_equal(m->entries[0].file, "a.yaml");
	assert_string_equal(m->entries[0].path, a);
	assert_string_equal(m->entries[1].path, b);
	assert_int_equal(m->entries[2].capability, DRILL_CAP_TOPOLOGY);
	assert_string_equal(m->entries[2].path, c);
	drill_vc_manifest_free(m);
	drill_vc_manifest_free(NULL);
	free(path);

	struct {
		const char *text, *want;
	} bad[] = {
		{"capabilities:\n  snapshot: [a.yaml, a.yaml]\n",
		 "2:22: capabilities.snapshot[1]: expected each file once, got a.yaml again"},
		{"capabilities:\n  snapshot: [a.yaml]\n  topology: [a.yaml]\n",
		 "3:14: capabilities.topology[0]: expected each file once, got a.yaml again"},
		{"capabilities:\n  snapshot: [../a.yaml]\n",
		 "2:14: capabilities.snapshot[0]: expected a scenario file name beside the manifest "
		 "(NAME.yaml), got ../a.yaml"},
		{"capabilities:\n  snapshot: a.yaml\n",
		 "2:13: capabilities.snapshot: expected a sequence of scenario files, got a.yaml"},
		{"scenarios: []\n", "1:1: scenarios: unknown key, expected one of capabilities"},
		{"capabilities: {}\n---\n", "2:1: a second YAML document; a vendor-check manifest holds exactly one"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *p = write_file("bad-manifest.yaml", bad[i].text);
		char *full = drill_xasprintf("%s:%s", p, bad[i].want);
		m = (struct drill_vc_manifest *)&m;
		int rc = drill_vc_manifest_load(&m, p);
		if (rc != DRILL_EINPUT || strcmp(drill_err_last(), full))
			fail_msg("case %zu: rc %d\n  got:  %s\n  want: %s", i, rc, drill_err_last(),
				 full);
		assert_null(m);
		free(full);
		free(p);
	}
	free(a);
	free(b);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_definition),
		cmocka_unit_test(defaults),
		cmocka_unit_test(capability_names),
		cmocka_unit_test(errors),
		cmocka_unit_test(manifest),
	};
	return drill_test_run(tests, group_setup, group_teardown);
}
