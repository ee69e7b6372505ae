/* tests/test_scenario_load.c — the scenario loader (scenario/scenario.h): a full file into every
 * field, the defaults, and one test per kind of error with its exact FILE:LINE:COL message,
 * including the types scenarios/schema.json gives: a quoted number is a string, a plain one not. */
#include "helpers.h"

#include "scenario/scenario.h"
#include "util/bytes.h"
#include "util/err.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dir;

static int group_setup(void **state)
{
	(void)state;
	dir = drill_test_scratch("scenario_load");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(dir);
	return 0;
}

/* Write `text` to <scratch>/<name>.yaml; returns the malloc'd path. */
static char *write_yaml(const char *name, const char *text)
{
	char *path = drill_xasprintf("%s/%s.yaml", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	return path;
}

static struct drill_scenario *load_ok(const char *name, const char *text)
{
	char *path = write_yaml(name, text);
	struct drill_scenario *s = NULL;
	assert_drill_ok(drill_scenario_load(&s, path));
	assert_non_null(s);
	assert_string_equal(s->path, path);
	free(path);
	return s;
}

/* Loading `text` fails with DRILL_EINPUT and the message "<path>:<want>". */
static void check_error(const char *name, const char *text, const char *want)
{
	char *path = write_yaml(name, text);
	struct drill_scenario *s = (struct drill_scenario *)&s; /* must be reset to NULL */
	int rc = drill_scenario_load(&s, path);
	char *full = drill_xasprintf("%s:%s", path, want);
	if (rc != DRILL_EINPUT || strcmp(drill_err_last(), full))
		fail_msg("rc %d, message\n  got:  %s\n  want: %s", rc, drill_err_last(), full);
	assert_null(s);
	free(full);
	free(path);
}

#define STEPS "steps:\n  - write: {blocks: 10}\n"
#define EXPECT "expect: {verdict: consistent}\n"
#define MINIMAL "name: t\n" STEPS EXPECT

/* --- Valid files ----------------------------------------------------------------------------- */

static const char full_yaml[] =
	"# every key of the schema\n"
	"name: full-scenario\n"
	"description: >-\n"
	"  Folded\n"
	"  text.\n"
	"seed: 18446744073709551615\n"
	"platform: kind\n"
	"cluster:\n"
	"  namespace: drills\n"
	"  blockchainId: bc-x\n"
	"  replicas: 7\n"
	"  zones: [us-east-1a, \"us-east-1b\"]\n"
	"  storageClass: {name: fast.ssd, reclaimPolicy: Delete}\n"
	"replicaCheckpointBackup:\n"
	"  enabled: true\n"
	"  numberOfCheckpoints: 100\n"
	"  checkpointIntervalInSeconds: 0\n"
	"  checkpointWindow: 1000000000\n"
	"workload: {keysPerBlock: 1000, valueSize: 65536, keySpace: 10000000, blockIntervalMs: 1}\n"
	"storage: {vendor: ebs-sim}\n"
	"steps:\n"
	"  - write: {blocks: 100000000}\n"          /* line 22 */
	"  - checkpoint: {}\n"
	"  - checkpoint:\n"
	"  - backup: {name: nightly}\n"
	"  - stop: {replica: 6}\n"
	"  - start: {replica: 6}\n"
	"  - uninstall: {}\n"
	"  - install:\n"
	"  - fault: {replica: 2, kind: bitflip-sst, target: 'backup', backup: nightly}\n"
	"  - restore: {from: nightly}\n"
	"  - restore: {from: nightly, checkpoint: 3000}\n"
	"  - restore: {checkpoint: latest-common, from: nightly}\n"
	"  - validate: {blocks: 1000000}\n"
	"  - validate: {}\n"
	"expect:\n"
	"  verdict: recoverable\n"
	"  restoredBlock: 0\n"
	"  agreedBlock: 18446744073709551615\n"
	"  dataLoss: false\n"
	"  failedStep: restore\n"
	"  error: \"is not on replica 0's\"\n";

static void test_full_round_trip(void **state)
{
	(void)state;
	struct drill_scenario *s = load_ok("full", full_yaml);
	assert_string_equal(s->name, "full-scenario");
	assert_string_equal(s->description, "Folded text.");
	assert_true(s->seed == UINT64_MAX);
	assert_string_equal(s->platform, "kind");
	assert_string_equal(s->namespace_, "drills");
	assert_string_equal(s->blockchain_id, "bc-x");
	assert_int_equal(s->replicas, 7);
	assert_int_equal(s->n_zones, 2);
	assert_string_equal(s->zones[0], "us-east-1a");
	assert_string_equal(s->zones[1], "us-east-1b");
	assert_string_equal(s->storage_class, "fast.ssd");
	assert_int_equal(s->reclaim, DRILL_RECLAIM_DELETE);
	assert_int_equal(s->ckpt_enabled, 1);
	assert_int_equal(s->ckpt_keep, 100);
	assert_int_equal(s->ckpt_interval_s, 0);
	assert_int_equal(s->ckpt_window, 1000000000);
	assert_int_equal(s->keys_per_block, 1000);
	assert_int_equal(s->value_size, 65536);
	assert_int_equal(s->key_space, 10000000);
	assert_int_equal(s->block_interval_ms, 1);
	assert_string_equal(s->vendor, "ebs-sim");

	assert_int_equal(s->n_steps, 14);
	const struct drill_step *st = s->steps;
	assert_int_equal(st[0].kind, DRILL_STEP_WRITE);
	assert_int_equal(st[0].blocks, 100000000);
	assert_int_equal(st[0].line, 22);
	assert_int_equal(st[0].col, 5);
	assert_int_equal(st[1].kind, DRILL_STEP_CHECKPOINT);
	assert_int_equal(st[2].kind, DRILL_STEP_CHECKPOINT);
	assert_int_equal(st[3].kind, DRILL_STEP_BACKUP);
	assert_string_equal(st[3].name, "nightly");
	assert_int_equal(st[4].kind, DRILL_STEP_STOP);
	assert_int_equal(st[4].replica, 6);
	assert_int_equal(st[5].kind, DRILL_STEP_START);
	assert_int_equal(st[5].replica, 6);
	assert_int_equal(st[6].kind, DRILL_STEP_UNINSTALL);
	assert_int_equal(st[7].kind, DRILL_STEP_INSTALL);

	assert_int_equal(st[8].kind, DRILL_STEP_FAULT);
	assert_string_equal(st[8].fault_kind, "bitflip-sst");
	assert_int_equal(st[8].line, 30);
	assert_int_equal(st[8].n_params, 3);
	assert_string_equal(st[8].params[0].key, "replica");
	assert_string_equal(st[8].params[0].value, "2");
	assert_int_equal(st[8].params[0].line, 30);
	assert_int_equal(st[8].params[0].col, 22);
	assert_string_equal(st[8].params[1].key, "target");
	assert_string_equal(st[8].params[1].value, "backup");
	assert_int_equal(st[8].params[1].col, 52);
	assert_string_equal(st[8].params[2].key, "backup");
	assert_string_equal(st[8].params[2].value, "nightly");
	const struct drill_param *p = drill_step_param(&st[8], "backup");
	assert_ptr_equal(p, &st[8].params[2]);
	assert_null(drill_step_param(&st[8], "kind"));
	assert_null(drill_step_param(&st[8], "nope"));

	assert_int_equal(st[9].kind, DRILL_STEP_RESTORE);
	assert_string_equal(st[9].name, "nightly");
	assert_int_equal(st[9].latest_common, 1);
	assert_int_equal(st[10].latest_common, 0);
	assert_int_equal(st[10].checkpoint, 3000);
	assert_int_equal(st[11].latest_common, 1);
	assert_int_equal(st[12].kind, DRILL_STEP_VALIDATE);
	assert_int_equal(st[12].blocks, 1000000);
	assert_int_equal(st[13].blocks, 10);

	const struct drill_expect *e = &s->expect;
	assert_true(e->has_verdict);
	assert_string_equal(e->verdict, "recoverable");
	assert_true(e->has_restored_block);
	assert_int_equal(e->restored_block, 0);
	assert_true(e->has_agreed_block);
	assert_true(e->agreed_block == UINT64_MAX);
	assert_true(e->has_data_loss);
	assert_int_equal(e->data_loss, 0);
	assert_true(e->has_failed_step);
	assert_string_equal(e->failed_step, "restore");
	assert_string_equal(e->error, "is not on replica 0's");
	drill_scenario_free(s);
}

static void test_defaults(void **state)
{
	(void)state;
	struct drill_scenario *s = load_ok("defaults", MINIMAL);
	assert_string_equal(s->name, "t");
	assert_null(s->description);
	assert_int_equal(s->seed, 1);
	assert_string_equal(s->platform, "local");
	assert_string_equal(s->namespace_, "default");
	assert_string_equal(s->blockchain_id, "bc-t");
	assert_int_equal(s->replicas, 4);
	assert_int_equal(s->n_zones, 1);
	assert_string_equal(s->zones[0], "zone-a");
	assert_string_equal(s->storage_class, "standard");
	assert_int_equal(s->reclaim, DRILL_RECLAIM_RETAIN);
	assert_int_equal(s->ckpt_enabled, 0);
	assert_int_equal(s->ckpt_keep, 2);
	assert_int_equal(s->ckpt_interval_s, 21600);
	assert_int_equal(s->ckpt_window, 30000);
	assert_int_equal(s->keys_per_block, 4);
	assert_int_equal(s->value_size, 256);
	assert_int_equal(s->key_space, 10000);
	assert_int_equal(s->block_interval_ms, 100);
	assert_string_equal(s->vendor, "hostpath-copy");
	assert_int_equal(s->n_steps, 1);
	assert_int_equal(s->steps[0].line, 3);
	assert_int_equal(s->steps[0].col, 5);
	assert_true(s->expect.has_verdict);
	assert_false(s->expect.has_restored_block || s->expect.has_agreed_block ||
		     s->expect.has_data_loss || s->expect.has_failed_step);
	assert_null(s->expect.error);
	drill_scenario_free(s);

	/* Sections given but empty keep every default; blockchainId follows a long name, cut. */
	s = load_ok("defaults-long",
		    "%YAML 1.1\n---\n" /* an explicit start of the one document is fine */
		    "name: a23456789-123456789-123456789-123456789-123456789-123456789-123\n"
		    "cluster: {}\nworkload: {}\nstorage: {}\nreplicaCheckpointBackup: {}\n"
		    STEPS EXPECT "...\n");
	assert_int_equal(strlen(s->name), 63);
	assert_int_equal(strlen(s->blockchain_id), 63);
	assert_memory_equal(s->blockchain_id, "bc-a23456789", 12);
	assert_int_equal(s->replicas, 4);
	drill_scenario_free(s);
}

/* The sketch of docs/design.md §3, flow style and comments included. */
static void test_design_sketch(void **state)
{
	(void)state;
	struct drill_scenario *s = load_ok("sketch",
		"name: hostpath-basic\nseed: 42\nplatform: local                 # local | kind\n"
		"cluster:\n  namespace: default\n  blockchainId: bc-demo\n  replicas: 4\n"
		"  zones: [us-east-1a]\n  storageClass: {name: standard, reclaimPolicy: Retain}\n"
		"replicaCheckpointBackup:\n  enabled: true\n  numberOfCheckpoints: 5\n"
		"  checkpointIntervalInSeconds: 3600\n  checkpointWindow: 30000\n"
		"workload: {keysPerBlock: 4, valueSize: 256, keySpace: 10000,\n"
		"           blockIntervalMs: 100}\n"
		"storage: {vendor: hostpath-copy}\nsteps:\n  - write: {blocks: 60000}\n"
		"  - backup: {name: nightly}\n  - write: {blocks: 5000}\n"
		"  - fault: {kind: bitflip-sst, replica: 2}\n"
		"  - restore: {from: nightly, checkpoint: latest-common}\n"
		"  - validate: {blocks: 100}\n"
		"expect: {verdict: consistent, restoredBlock: 60000}\n");
	assert_int_equal(s->n_steps, 6);
	assert_int_equal(s->seed, 42);
	assert_int_equal(s->ckpt_keep, 5);
	assert_string_equal(s->steps[3].fault_kind, "bitflip-sst");
	assert_int_equal(s->expect.restored_block, 60000);
	assert_false(s->has_run_as_user);
	assert_null(s->vendor_program);
	assert_int_equal(s->vendor_timeout_s, 60);
	drill_scenario_free(s);
}

/* The additions to the sketch: the pods' user, an exec vendor's program, the snapshot class. */
static void test_additions(void **state)
{
	(void)state;
	struct drill_scenario *s = load_ok("additions",
		"name: t\ncluster: {runAsUser: 1000}\n"
		"storage: {vendor: exec, program: plugins/v.sh, timeoutSeconds: 5}\n"
		"steps:\n  - write: {blocks: 1}\nexpect: {verdict: consistent}\n");
	assert_true(s->has_run_as_user);
	assert_int_equal(s->run_as_user, 1000);
	assert_string_equal(s->vendor, "exec");
	assert_string_equal(s->vendor_program, "plugins/v.sh");
	assert_int_equal(s->vendor_timeout_s, 5);
	assert_null(s->vendor_snapshot_class);
	drill_scenario_free(s);
	s = load_ok("snapshot-class",
		    "name: t\nstorage: {vendor: csi-snapshot, snapshotClass: ebs-csi-snapclass}\n"
		    "steps:\n  - write: {blocks: 1}\nexpect: {verdict: consistent}\n");
	assert_string_equal(s->vendor_snapshot_class, "ebs-csi-snapclass");
	drill_scenario_free(s);
}

/* Every scenario of the catalogue loads. */
static void test_catalogue(void **state)
{
	(void)state;
	const char *src = getenv("CHAINDRILL_SOURCE");
	if (!src)
		drill_test_skip("CHAINDRILL_SOURCE is unset: run it through ctest");
	char *sdir = drill_xasprintf("%s/scenarios", src);
	DIR *d = opendir(sdir);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".yaml"))
			continue;
		char *path = drill_xasprintf("%s/%s", sdir, de->d_name);
		struct drill_scenario *s = NULL;
		assert_drill_ok(drill_scenario_load(&s, path));
		drill_scenario_free(s);
		free(path);
	}
	closedir(d);
	free(sdir);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(drill_step_kind_name(DRILL_STEP_WRITE), "write");
	assert_string_equal(drill_step_kind_name(DRILL_STEP_CHECKPOINT), "checkpoint");
	assert_string_equal(drill_step_kind_name(DRILL_STEP_INSTALL), "install");
	assert_string_equal(drill_step_kind_name(DRILL_STEP_VALIDATE), "validate");
	assert_string_equal(drill_step_kind_name((enum drill_step_kind)99), "unknown");
	drill_scenario_free(NULL);
	assert_null(drill_step_param(NULL, "x"));
}

static void test_missing_file(void **state)
{
	(void)state;
	struct drill_scenario *s = NULL;
	char *path = drill_xasprintf("%s/absent.yaml", dir);
	assert_int_equal(drill_scenario_load(&s, path), DRILL_EINPUT);
	assert_null(s);
	char *want = drill_xasprintf("%s: cannot open: No such file or directory", path);
	assert_string_equal(drill_err_last(), want);
	free(want);
	free(path);
	assert_int_equal(drill_scenario_load(&s, dir), DRILL_EINPUT); /* a directory */
	assert_non_null(strstr(drill_err_last(), "a directory, not a regular file"));
	/* a FIFO nobody writes to: refused before reading, which would wait forever */
	path = drill_xasprintf("%s/fifo.yaml", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(drill_scenario_load(&s, path), DRILL_EINPUT);
	assert_null(s);
	want = drill_xasprintf("%s: a FIFO, not a regular file; refusing to read it", path);
	assert_string_equal(drill_err_last(), want);
	free(want);
	unlink(path);
	free(path);
}

/* --- Errors, one per class ------------------------------------------------------------------- */

#define ERROR_TEST(fn, yaml, want)                                                             \
	static void fn(void **state)                                                           \
	{                                                                                      \
		(void)state;                                                                   \
		check_error(#fn, yaml, want);                                                  \
	}

/* Syntax and document structure */
ERROR_TEST(err_syntax, "name: t\nsteps: [\n  - write\n",
	   "3:3: syntax error: did not find expected node content (while parsing a flow node at "
	   "3:3)")
ERROR_TEST(err_syntax_indent, "name: t\n  seed: 1\n",
	   "2:7: syntax error: mapping values are not allowed in this context")
ERROR_TEST(err_tab_indent, "name: t\ncluster:\n\treplicas: 4\n",
	   "3:1: syntax error: found character that cannot start any token (while scanning for "
	   "the next token at 3:1)")
ERROR_TEST(err_bad_utf8, "name: t\ndescription: \xff\n",
	   "2:14: syntax error: invalid leading UTF-8 octet (byte 0xff)")
ERROR_TEST(err_empty_file, "",
	   "1:1: empty file, expected a mapping with name, steps and expect")
ERROR_TEST(err_comments_only, "# nothing here\n\n",
	   "1:1: empty file, expected a mapping with name, steps and expect")
ERROR_TEST(err_two_documents, MINIMAL "---\nname: u\n",
	   "5:1: a second YAML document; a scenario file holds exactly one")
ERROR_TEST(err_root_sequence, "- name: t\n",
	   "1:1: expected a mapping with name, steps and expect, got a sequence")
ERROR_TEST(err_root_scalar, "---\njust text\n",
	   "2:1: expected a mapping with name, steps and expect, got just text")
ERROR_TEST(err_alias, "name: &n t\n" STEPS EXPECT,
	   "1:7: anchors (&n) are not supported; write the value out")
ERROR_TEST(err_alias_use, "name: t\nsteps:\n  - write: {blocks: 10}\n  - *x\n" EXPECT,
	   "4:5: aliases (*x) are not supported; write the value out")
ERROR_TEST(err_tag, "name: t\nseed: !!int 5\n" STEPS EXPECT,
	   "2:7: tags (tag:yaml.org,2002:int) are not supported")
ERROR_TEST(err_too_deep,
	   "name: t\ndescription: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	   "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	   "2:46: nested deeper than 32 levels")

/* Keys */
ERROR_TEST(err_unknown_key, MINIMAL "bogus: 1\n",
	   "5:1: bogus: unknown key, expected one of name, description, seed, platform, cluster, "
	   "replicaCheckpointBackup, workload, storage, steps, expect")
ERROR_TEST(err_unknown_nested_key, "name: t\ncluster:\n  replica: 4\n" STEPS EXPECT,
	   "3:3: cluster.replica: unknown key, expected one of namespace, blockchainId, replicas, "
	   "zones, storageClass, runAsUser")
ERROR_TEST(err_run_as_user_range, "name: t\ncluster: {runAsUser: 2147483647}\n" STEPS EXPECT,
	   "2:22: cluster.runAsUser: expected an integer in 0..2147483646, got 2147483647")
ERROR_TEST(err_storage_timeout, "name: t\nstorage: {vendor: exec, timeoutSeconds: 0}\n" STEPS EXPECT,
	   "2:41: storage.timeoutSeconds: expected an integer in 1..3600, got 0")
ERROR_TEST(err_storage_program, "name: t\nstorage: {vendor: exec, program: [a]}\n" STEPS EXPECT,
	   "2:34: storage.program: expected a program path, got a sequence")
ERROR_TEST(err_storage_snapshot_class,
	   "name: t\nstorage: {vendor: csi-snapshot, snapshotClass: Fast_Snap}\n" STEPS EXPECT,
	   "2:48: storage.snapshotClass: expected a VolumeSnapshotClass name ([a-z0-9-]+), got "
	   "Fast_Snap")
ERROR_TEST(err_unknown_step_key, "name: t\nsteps:\n  - write: {blocks: 1, block: 2}\n" EXPECT,
	   "3:24: steps[0].write.block: unknown key, expected one of blocks")
ERROR_TEST(err_key_on_keyless_step, "name: t\nsteps:\n  - uninstall: {force: true}\n" EXPECT,
	   "3:17: steps[0].uninstall.force: unknown key, this mapping takes no keys")
ERROR_TEST(err_duplicate_key, "name: t\nworkload:\n  keySpace: 10\n  keySpace: 20\n" STEPS EXPECT,
	   "4:3: workload.keySpace: duplicate key (first at 3:3)")
ERROR_TEST(err_duplicate_param, "name: t\nsteps:\n  - fault: {kind: x, a: 1, a: 2}\n" EXPECT,
	   "3:28: steps[0].fault.a: duplicate key (first at 3:22)")
ERROR_TEST(err_complex_key, "name: t\n? [a]\n: 1\n" STEPS EXPECT,
	   "2:3: expected a scalar key, got a sequence")
ERROR_TEST(err_missing_name, STEPS EXPECT, "1:1: name: required key is missing")
ERROR_TEST(err_missing_steps, "\nname: t\n" EXPECT, "2:1: steps: required key is missing")
ERROR_TEST(err_missing_expect, "name: t\n" STEPS, "1:1: expect: required key is missing")
ERROR_TEST(err_missing_step_key, "name: t\nsteps:\n  - write: {}\n" EXPECT,
	   "3:12: steps[0].write.blocks: required key is missing")
ERROR_TEST(err_missing_null_body, "name: t\nsteps:\n  - write:\n  - restore:\n" EXPECT,
	   "3:5: steps[0].write.blocks: required key is missing")

/* Types */
ERROR_TEST(err_quoted_number, "name: t\nseed: \"12\"\n" STEPS EXPECT,
	   "2:7: seed: expected an integer in 0..18446744073709551615, got string \"12\"")
ERROR_TEST(err_sequence_for_mapping, "name: t\ncluster: [replicas, 4]\n" STEPS EXPECT,
	   "2:10: cluster: expected a mapping, got a sequence")
ERROR_TEST(err_mapping_for_scalar, "name: {x: 1}\n" STEPS EXPECT,
	   "1:7: name: expected [a-z0-9][a-z0-9-]* of at most 63 characters, got a mapping")
ERROR_TEST(err_null_string, "name:\n" STEPS EXPECT,
	   "1:6: name: expected [a-z0-9][a-z0-9-]* of at most 63 characters, got null")
ERROR_TEST(err_bool_yes, "name: t\nreplicaCheckpointBackup: {enabled: yes}\n" STEPS EXPECT,
	   "2:36: replicaCheckpointBackup.enabled: expected true or false, got yes")
ERROR_TEST(err_bool_quoted, "name: t\nexpect: {dataLoss: 'false'}\n" STEPS,
	   "2:20: expect.dataLoss: expected true or false, got string \"false\"")
ERROR_TEST(err_float, "name: t\nworkload: {valueSize: 1.5}\n" STEPS EXPECT,
	   "2:23: workload.valueSize: expected an integer in 1..65536, got 1.5")
ERROR_TEST(err_hex, "name: t\nseed: 0x10\n" STEPS EXPECT,
	   "2:7: seed: expected an integer in 0..18446744073709551615, got 0x10")
ERROR_TEST(err_negative, "name: t\nsteps:\n  - stop: {replica: -1}\n" EXPECT,
	   "3:21: steps[0].stop.replica: expected a replica index in 0..3 (cluster.replicas is 4), "
	   "got -1")
ERROR_TEST(err_plus_sign, "name: t\nworkload: {keySpace: +5}\n" STEPS EXPECT,
	   "2:22: workload.keySpace: expected an integer in 1..10000000, got +5")
ERROR_TEST(err_leading_zero, "name: t\nseed: 010\n" STEPS EXPECT,
	   "2:7: seed: expected a decimal integer without leading zeros, got 010")
ERROR_TEST(err_overflow, "name: t\nseed: 18446744073709551616\n" STEPS EXPECT,
	   "2:7: seed: expected an integer in 0..18446744073709551615, got 18446744073709551616")
/* Strings as scenarios/schema.json has them: a plain scalar YAML reads as a number or a boolean is
 * refused where a string is expected, with the advice to quote it; quoted, it is a string. Fault
 * parameters keep whether they were quoted, for the fault checks (harness/tests/test_faults_params.c). */
#define NAME_RULE "[a-z0-9][a-z0-9-]* of at most 63 characters"
/* Plain numbers where a string is expected: the schema's YAML 1.2 reads them as numbers too. */
ERROR_TEST(err_str_name_number, "name: 123\n" STEPS EXPECT,
	   "1:7: name: expected " NAME_RULE ", got 123, which YAML reads as a number (quote it: "
	   "\"123\")")
ERROR_TEST(err_str_name_float, "name: 1e5\n" STEPS EXPECT,
	   "1:7: name: expected " NAME_RULE ", got 1e5, which YAML reads as a number (quote it: "
	   "\"1e5\")")
ERROR_TEST(err_str_description_number, "name: t\ndescription: 42\n" STEPS EXPECT,
	   "2:14: description: expected a string, got 42, which YAML reads as a number (quote it: "
	   "\"42\")")
ERROR_TEST(err_str_zone_number, "name: t\ncluster: {zones: [a, 2]}\n" STEPS EXPECT,
	   "2:22: cluster.zones[1]: expected a non-empty zone name, got 2, which YAML reads as a "
	   "number (quote it: \"2\")")
ERROR_TEST(err_str_blockchain_id_hex, "name: t\ncluster: {blockchainId: 0x1f}\n" STEPS EXPECT,
	   "2:25: cluster.blockchainId: expected [a-z0-9-]+ of at most 63 characters, got 0x1f, "
	   "which YAML reads as a number (quote it: \"0x1f\")")
ERROR_TEST(err_str_backup_name_number, "name: t\nsteps:\n  - backup: {name: 7}\n" EXPECT,
	   "3:20: steps[0].backup.name: expected " NAME_RULE ", got 7, which YAML reads as a "
	   "number (quote it: \"7\")")
ERROR_TEST(err_str_fault_backup_number,
	   "name: t\nsteps:\n  - backup: {name: \"7\"}\n  - fault: {kind: lock-left, backup: 7}\n"
	   EXPECT,
	   "4:38: steps[1].fault.backup: expected a backup name (" NAME_RULE "), got 7, which YAML "
	   "reads as a number (quote it: \"7\")")
ERROR_TEST(err_str_expect_error_number, "name: t\n" STEPS "expect: {failedStep: write, error: 404}\n",
	   "4:36: expect.error: expected a non-empty string, got 404, which YAML reads as a number "
	   "(quote it: \"404\")")
/* YAML 1.1's booleans (PyYAML, kubectl's go-yaml): `on` is a string only to YAML 1.2. */
ERROR_TEST(err_str_zone_on, "name: t\ncluster: {zones: [on, off]}\n" STEPS EXPECT,
	   "2:19: cluster.zones[0]: expected a non-empty zone name, got on, which YAML reads as a "
	   "boolean (quote it: \"on\")")
ERROR_TEST(err_str_name_yes, "name: yes\n" STEPS EXPECT,
	   "1:7: name: expected " NAME_RULE ", got yes, which YAML reads as a boolean (quote it: "
	   "\"yes\")")

/* Quoted, the same values are strings; a quoted enum value is still that value. */
static void test_quoted_strings(void **state)
{
	(void)state;
	struct drill_scenario *s = load_ok(
		"quoted-strings", "name: \"123\"\ndescription: '42'\n"
		"cluster: {zones: [\"on\", \"2\"], blockchainId: \"0x1f\", namespace: \"7\"}\n"
		"platform: \"local\"\n"
		"steps:\n  - backup: {name: \"7\"}\n  - restore: {from: \"7\"}\n"
		"expect: {failedStep: restore, error: \"404\"}\n");
	assert_string_equal(s->name, "123");
	assert_string_equal(s->description, "42");
	assert_int_equal(s->n_zones, 2);
	assert_string_equal(s->zones[0], "on");
	assert_string_equal(s->zones[1], "2");
	assert_string_equal(s->blockchain_id, "0x1f");
	assert_string_equal(s->namespace_, "7");
	assert_string_equal(s->platform, "local");
	assert_string_equal(s->steps[0].name, "7");
	assert_string_equal(s->steps[1].name, "7");
	assert_string_equal(s->expect.error, "404");
	drill_scenario_free(s);
}

/* Words that only look like numbers or booleans stay plain strings. */
static void test_plain_strings(void **state)
{
	(void)state;
	struct drill_scenario *s = load_ok(
		"plain-strings", "name: 1a\ndescription: 2 replicas, yes really\n"
		"cluster: {zones: [us-east-1a, onion, no-op]}\n" STEPS EXPECT);
	assert_string_equal(s->name, "1a");
	assert_string_equal(s->zones[1], "onion");
	assert_string_equal(s->zones[2], "no-op");
	drill_scenario_free(s);
}

/* A fault parameter records whether it was quoted: the fault's check decides what it means. */
static void test_fault_params_plain(void **state)
{
	(void)state;
	struct drill_scenario *s = load_ok(
		"fault-params-plain", "name: t\nsteps:\n"
		"  - fault: {kind: bitflip-sst, replica: 1, offset: \"2\", target: 'live', pick: last}\n"
		EXPECT);
	const struct drill_step *st = &s->steps[0];
	assert_int_equal(st->n_params, 4);
	assert_true(drill_step_param(st, "replica")->plain);
	assert_false(drill_step_param(st, "offset")->plain);
	assert_string_equal(drill_step_param(st, "offset")->value, "2");
	assert_false(drill_step_param(st, "target")->plain);
	assert_true(drill_step_param(st, "pick")->plain);
	drill_scenario_free(s);
}

ERROR_TEST(err_steps_mapping, "name: t\nsteps: {write: {blocks: 1}}\n" EXPECT,
	   "2:8: steps: expected a non-empty sequence of steps, got a mapping")
ERROR_TEST(err_zones_scalar, "name: t\ncluster: {zones: us-east-1a}\n" STEPS EXPECT,
	   "2:18: cluster.zones: expected a non-empty sequence of zone names, got us-east-1a")
ERROR_TEST(err_zone_empty, "name: t\ncluster:\n  zones: [a, '']\n" STEPS EXPECT,
	   "3:14: cluster.zones[1]: expected a non-empty zone name, got string \"\"")
ERROR_TEST(err_fault_param_mapping,
	   "name: t\nsteps:\n  - fault: {kind: x, at: {replica: 1}}\n" EXPECT,
	   "3:26: steps[0].fault.at: expected a scalar parameter value, got a mapping")

/* Values and ranges */
ERROR_TEST(err_out_of_range, "name: t\nreplicaCheckpointBackup:\n  numberOfCheckpoints: 101\n"
	   STEPS EXPECT,
	   "3:24: replicaCheckpointBackup.numberOfCheckpoints: expected an integer in 1..100, "
	   "got 101")
ERROR_TEST(err_zero_blocks, "name: t\nsteps:\n  - write: {blocks: 0}\n" EXPECT,
	   "3:21: steps[0].write.blocks: expected an integer in 1..100000000, got 0")
ERROR_TEST(err_replicas_3f1, "name: t\ncluster: {replicas: 5}\n" STEPS EXPECT,
	   "2:21: cluster.replicas: expected 3f+1 with f >= 1 (4, 7, 10, ..., 31), got 5")
ERROR_TEST(err_replicas_large, "name: t\ncluster: {replicas: 34}\n" STEPS EXPECT,
	   "2:21: cluster.replicas: expected an integer in 4..31, got 34")
ERROR_TEST(err_name_dotdot, "name: ../etc\n" STEPS EXPECT,
	   "1:7: name: expected [a-z0-9][a-z0-9-]* of at most 63 characters, got ../etc")
ERROR_TEST(err_name_slash, "name: \"/tmp/x\"\n" STEPS EXPECT,
	   "1:7: name: expected [a-z0-9][a-z0-9-]* of at most 63 characters, got string "
	   "\"/tmp/x\"")
ERROR_TEST(err_name_long,
	   "name: a234567890123456789012345678901234567890123456789012345678901234\n" STEPS EXPECT,
	   "1:7: name: expected [a-z0-9][a-z0-9-]* of at most 63 characters, got "
	   "a234567890123456789012345678901234567890...")
ERROR_TEST(err_namespace, "name: t\ncluster: {namespace: Prod}\n" STEPS EXPECT,
	   "2:22: cluster.namespace: expected a DNS label ([a-z0-9-], at most 63 characters, "
	   "starting and ending alphanumeric), got Prod")
ERROR_TEST(err_platform, "name: t\nplatform: vmware\n" STEPS EXPECT,
	   "2:11: platform: expected local | kind | minikube, got vmware")
ERROR_TEST(err_reclaim, "name: t\ncluster:\n  storageClass: {reclaimPolicy: retain}\n"
	   STEPS EXPECT,
	   "3:33: cluster.storageClass.reclaimPolicy: expected Retain | Delete, got retain")
ERROR_TEST(err_vendor, "name: t\nstorage: {vendor: EBS}\n" STEPS EXPECT,
	   "2:19: storage.vendor: expected a vendor name ([a-z0-9-]+), got EBS")
ERROR_TEST(err_keys_per_block, "name: t\nworkload: {keySpace: 100, keysPerBlock: 2000}\n"
	   STEPS EXPECT,
	   "2:41: workload.keysPerBlock: expected an integer in 1..1000, got 2000")
ERROR_TEST(err_key_space_small, "name: t\nworkload: {keySpace: 2}\n" STEPS EXPECT,
	   "2:22: workload.keySpace: expected at least workload.keysPerBlock (4), got 2")
ERROR_TEST(err_keys_over_space, "name: t\nworkload: {keySpace: 10, keysPerBlock: 11}\n"
	   STEPS EXPECT,
	   "2:40: workload.keysPerBlock: expected at most workload.keySpace (10), got 11")
ERROR_TEST(err_verdict, "name: t\n" STEPS "expect: {verdict: ok}\n",
	   "4:19: expect.verdict: expected consistent | recoverable | divergent | unrecoverable, "
	   "got ok")
ERROR_TEST(err_restore_checkpoint, "name: t\nsteps:\n  - backup: {name: b}\n"
	   "  - restore: {from: b, checkpoint: 0}\n" EXPECT,
	   "4:36: steps[1].restore.checkpoint: expected latest-common, none or a checkpoint id "
	   "(an integer >= 1), got 0")
ERROR_TEST(err_fault_kind, "name: t\nsteps:\n  - fault: {kind: Bit_Flip}\n" EXPECT,
	   "3:19: steps[0].fault.kind: expected a fault kind ([a-z0-9-]+), got Bit_Flip")

/* Steps */
ERROR_TEST(err_steps_empty, "name: t\nsteps: []\n" EXPECT,
	   "2:8: steps: expected a non-empty sequence of steps, got an empty sequence")
ERROR_TEST(err_step_scalar, "name: t\nsteps:\n  - write\n" EXPECT,
	   "3:5: steps[0]: expected a mapping with one key, the step kind (write, checkpoint, "
	   "backup, stop, start, uninstall, install, fault, restore, validate), got write")
ERROR_TEST(err_step_two_keys, "name: t\nsteps:\n  - write: {blocks: 1}\n    backup: {name: b}\n"
	   EXPECT,
	   "4:5: steps[0]: expected one key per step (the step kind), got a second key backup")
ERROR_TEST(err_step_indent, "name: t\nsteps:\n  - write:\n    blocks: 1\n" EXPECT,
	   "4:5: steps[0]: expected one key per step (the step kind), got a second key blocks")
ERROR_TEST(err_step_unknown, "name: t\nsteps:\n  - write: {blocks: 1}\n  - snapshot: {}\n" EXPECT,
	   "4:5: steps[1].snapshot: unknown step kind, expected one of write, checkpoint, backup, "
	   "stop, start, uninstall, install, fault, restore, validate")
ERROR_TEST(err_restore_unknown_backup, "name: t\nsteps:\n  - backup: {name: a}\n"
	   "  - backup: {name: b}\n  - restore: {from: c}\n" EXPECT,
	   "5:21: steps[2].restore.from: expected the name of a backup taken by an earlier step "
	   "(a, b), got c")
ERROR_TEST(err_restore_before_backup, "name: t\nsteps:\n  - restore: {from: b}\n"
	   "  - backup: {name: b}\n" EXPECT,
	   "3:21: steps[0].restore.from: expected the name of a backup taken by an earlier step "
	   "(none), got b")
ERROR_TEST(err_backup_duplicate, "name: t\nsteps:\n  - backup: {name: b}\n"
	   "  - write: {blocks: 1}\n  - backup: {name: b}\n" EXPECT,
	   "5:20: steps[2].backup.name: expected a new backup name, got b (already taken by the "
	   "backup step at 3:5)")
ERROR_TEST(err_backup_name, "name: t\nsteps:\n  - backup: {name: -b}\n" EXPECT,
	   "3:20: steps[0].backup.name: expected [a-z0-9][a-z0-9-]* of at most 63 characters, "
	   "got -b")
ERROR_TEST(err_stop_range, "name: t\ncluster: {replicas: 7}\nsteps:\n  - stop: {replica: 7}\n"
	   EXPECT,
	   "4:21: steps[0].stop.replica: expected a replica index in 0..6 (cluster.replicas is 7), "
	   "got 7")
ERROR_TEST(err_start_without_stop, "name: t\nsteps:\n  - stop: {replica: 1}\n"
	   "  - start: {replica: 1}\n  - start: {replica: 1}\n" EXPECT,
	   "5:22: steps[2].start.replica: expected a replica stopped by an earlier stop step, "
	   "got 1 (not stopped)")

/* Expectation */
ERROR_TEST(err_expect_empty, "name: t\n" STEPS "expect: {}\n",
	   "4:9: expect: expected at least one of verdict, restoredBlock, agreedBlock, dataLoss, "
	   "failedStep, error, got an empty mapping")
ERROR_TEST(err_expect_error_alone, "name: t\n" STEPS "expect:\n  error: boom\n",
	   "5:3: expect.error: expected only together with expect.failedStep, got error without it")
ERROR_TEST(err_failed_step_kind, "name: t\n" STEPS "expect: {failedStep: restor}\n",
	   "4:22: expect.failedStep: expected write | checkpoint | backup | stop | start | "
	   "uninstall | install | fault | restore | validate, got restor")
ERROR_TEST(err_failed_step_absent, "name: t\n" STEPS "expect: {failedStep: restore}\n",
	   "4:22: expect.failedStep: expected the kind of a step in steps, got restore "
	   "(no such step)")

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_round_trip),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_design_sketch),
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(err_syntax),
		cmocka_unit_test(err_syntax_indent),
		cmocka_unit_test(err_tab_indent),
		cmocka_unit_test(err_bad_utf8),
		cmocka_unit_test(err_empty_file),
		cmocka_unit_test(err_comments_only),
		cmocka_unit_test(err_two_documents),
		cmocka_unit_test(err_root_sequence),
		cmocka_unit_test(err_root_scalar),
		cmocka_unit_test(err_alias),
		cmocka_unit_test(err_alias_use),
		cmocka_unit_test(err_tag),
		cmocka_unit_test(err_too_deep),
		cmocka_unit_test(err_unknown_key),
		cmocka_unit_test(err_unknown_nested_key),
		cmocka_unit_test(err_run_as_user_range),
		cmocka_unit_test(err_storage_timeout),
		cmocka_unit_test(err_storage_snapshot_class),
		cmocka_unit_test(err_storage_program),
		cmocka_unit_test(test_additions),
		cmocka_unit_test(err_unknown_step_key),
		cmocka_unit_test(err_key_on_keyless_step),
		cmocka_unit_test(err_duplicate_key),
		cmocka_unit_test(err_duplicate_param),
		cmocka_unit_test(err_complex_key),
		cmocka_unit_test(err_missing_name),
		cmocka_unit_test(err_missing_steps),
		cmocka_unit_test(err_missing_expect),
		cmocka_unit_test(err_missing_step_key),
		cmocka_unit_test(err_missing_null_body),
		cmocka_unit_test(err_quoted_number),
		cmocka_unit_test(err_sequence_for_mapping),
		cmocka_unit_test(err_mapping_for_scalar),
		cmocka_unit_test(err_null_string),
		cmocka_unit_test(err_bool_yes),
		cmocka_unit_test(err_bool_quoted),
		cmocka_unit_test(err_float),
		cmocka_unit_test(err_hex),
		cmocka_unit_test(err_negative),
		cmocka_unit_test(err_plus_sign),
		cmocka_unit_test(err_leading_zero),
		cmocka_unit_test(err_overflow),
		cmocka_unit_test(err_str_name_number),
		cmocka_unit_test(err_str_name_float),
		cmocka_unit_test(err_str_description_number),
		cmocka_unit_test(err_str_zone_number),
		cmocka_unit_test(err_str_blockchain_id_hex),
		cmocka_unit_test(err_str_backup_name_number),
		cmocka_unit_test(err_str_fault_backup_number),
		cmocka_unit_test(err_str_expect_error_number),
		cmocka_unit_test(err_str_zone_on),
		cmocka_unit_test(err_str_name_yes),
		cmocka_unit_test(test_quoted_strings),
		cmocka_unit_test(test_plain_strings),
		cmocka_unit_test(test_fault_params_plain),
		cmocka_unit_test(err_steps_mapping),
		cmocka_unit_test(err_zones_scalar),
		cmocka_unit_test(err_zone_empty),
		cmocka_unit_test(err_fault_param_mapping),
		cmocka_unit_test(err_out_of_range),
		cmocka_unit_test(err_zero_blocks),
		cmocka_unit_test(err_replicas_3f1),
		cmocka_unit_test(err_replicas_large),
		cmocka_unit_test(err_name_dotdot),
		cmocka_unit_test(err_name_slash),
		cmocka_unit_test(err_name_long),
		cmocka_unit_test(err_namespace),
		cmocka_unit_test(err_platform),
		cmocka_unit_test(err_reclaim),
		cmocka_unit_test(err_vendor),
		cmocka_unit_test(err_keys_per_block),
		cmocka_unit_test(err_key_space_small),
		cmocka_unit_test(err_keys_over_space),
		cmocka_unit_test(err_verdict),
		cmocka_unit_test(err_restore_checkpoint),
		cmocka_unit_test(err_fault_kind),
		cmocka_unit_test(err_steps_empty),
		cmocka_unit_test(err_step_scalar),
		cmocka_unit_test(err_step_two_keys),
		cmocka_unit_test(err_step_indent),
		cmocka_unit_test(err_step_unknown),
		cmocka_unit_test(err_restore_unknown_backup),
		cmocka_unit_test(err_restore_before_backup),
		cmocka_unit_test(err_backup_duplicate),
		cmocka_unit_test(err_backup_name),
		cmocka_unit_test(err_stop_range),
		cmocka_unit_test(err_start_without_stop),
		cmocka_unit_test(err_expect_empty),
		cmocka_unit_test(err_expect_error_alone),
		cmocka_unit_test(err_failed_step_kind),
		cmocka_unit_test(err_failed_step_absent),
	};
	return drill_test_run(tests, group_setup, group_teardown);
}
