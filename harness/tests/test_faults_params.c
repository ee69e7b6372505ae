/* tests/test_faults_params.c — fault parameters have the types scenarios/schema.json gives them:
 * a quoted number where an integer is expected (`replica: "2"`) and a quoted `true` where a
 * boolean is expected are refused, and so is a plain number where a string is expected
 * (`zone: 2`); each message has FILE:LINE:COL and what was expected. Quoted strings and the
 * parameters that take any scalar (some kinds' `seed`) stay accepted. */
#include "helpers.h"

#include "faults/faults.h"
#include "scenario/scenario.h"
#include "util/bytes.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

static int group_setup(void **state)
{
	(void)state;
	dir = drill_test_scratch("faults_params");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(dir);
	return 0;
}

#define HEAD "name: t\ncluster: {zones: [\"1\", \"2\"]}\nsteps:\n  - backup: {name: b1}\n"
#define EXPECT "expect: {verdict: consistent}\n"

/* The scenario HEAD + `step` + EXPECT loads; its fault check returns rc with message `want`
 * (after "<path>:"), or passes when want is NULL. The fault step is on line 5. */
static void check(const char *name, const char *step, const char *want)
{
	char *path = drill_xasprintf("%s/%s.yaml", dir, name);
	char *text = drill_xasprintf(HEAD "%s\n" EXPECT, step);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	struct drill_scenario *s = NULL;
	assert_drill_ok(drill_scenario_load(&s, path));
	int rc = drill_faults_check_scenario(s);
	if (!want) {
		if (rc)
			fail_msg("%s: %s", step, drill_err_last());
	} else {
		char *full = drill_xasprintf("%s:%s", path, want);
		if (rc != DRILL_EINPUT || strcmp(drill_err_last(), full))
			fail_msg("rc %d, message\n  got:  %s\n  want: %s", rc, drill_err_last(),
				 full);
		free(full);
	}
	drill_scenario_free(s);
	free(text);
	free(path);
}

#define PARAM_TEST(fn, step, want)                                                             \
	static void fn(void **state)                                                           \
	{                                                                                      \
		(void)state;                                                                   \
		check(#fn, step, want);                                                        \
	}

/* Quoted numbers where an integer is expected. */
PARAM_TEST(storage_replica_quoted, "  - fault: {kind: bitflip-sst, replica: \"2\"}",
	   "5:41: fault.replica: must be 0..3, got string \"2\"")
PARAM_TEST(storage_offset_quoted, "  - fault: {kind: zero-range, replica: 2, offset: \"9\"}",
	   "5:51: fault.offset: expected a non-negative integer, got string \"9\"")
PARAM_TEST(storage_seed_quoted, "  - fault: {kind: wal-garbage, replica: 2, seed: '7'}",
	   "5:50: fault.seed: expected a non-negative integer, got string \"7\"")
PARAM_TEST(copy_replica_quoted, "  - fault: {kind: lock-left, replica: \"1\"}",
	   "5:39: fault.replica: expected a replica 0..3 or all, got string \"1\"")
PARAM_TEST(cross_from_quoted, "  - fault: {kind: cross-replica-restore, from: \"1\"}",
	   "5:48: fault.from: expected a replica 0..3, got string \"1\"")
PARAM_TEST(mismatch_quoted,
	   "  - fault: {kind: mismatched-checkpoint, replica: 1, checkpoint: \"3\"}",
	   "5:66: fault.checkpoint: expected a checkpoint id or previous, got string \"3\"")
PARAM_TEST(interrupted_quoted,
	   "  - fault: {kind: copy-interrupted, replica: 1, afterFiles: \"3\"}",
	   "5:61: fault.afterFiles: expected 0..2147483647, got string \"3\"")
PARAM_TEST(running_quoted, "  - fault: {kind: restore-while-running, writes: \"3\"}",
	   "5:50: fault.writes: expected 0..100000 blocks, got string \"3\"")
PARAM_TEST(kill_replica_quoted, "  - fault: {kind: kill-replica, replica: \"1\"}",
	   "5:42: fault.replica: expected a replica index in 0..3, got string \"1\"")
PARAM_TEST(kill_after_quoted,
	   "  - fault: {kind: kill-replica, replica: 1, during: write, afterBlocks: \"5\"}",
	   "5:73: fault.afterBlocks: expected an integer in 1..100000000, got string \"5\"")
PARAM_TEST(disk_size_quoted, "  - fault: {kind: disk-pressure, volumeSize: \"100\"}",
	   "5:46: fault.volumeSize: expected an integer in 1..1152921504606846976, got string "
	   "\"100\"")
PARAM_TEST(foreign_replica_quoted,
	   "  - fault: {kind: foreign-checkpoint, replica: \"1\", backup: b1}",
	   "5:48: fault.replica: expected a replica index in 0..3, got string \"1\"")
PARAM_TEST(foreign_checkpoint_quoted,
	   "  - fault: {kind: foreign-checkpoint, replica: 1, backup: b1, checkpoint: \"3\"}",
	   "5:75: fault.checkpoint: expected a checkpoint id, got string \"3\"")
PARAM_TEST(escape_replica_missing, "  - fault: {kind: symlink-escape}",
	   "5:5: fault: symlink-escape needs `replica` 0..3")
PARAM_TEST(hardlink_escape_live_only, "  - fault: {kind: hardlink-escape, replica: 0, backup: b1}",
	   "5:56: fault.backup: unknown parameter for hardlink-escape (expected replica)")
PARAM_TEST(wrong_az_replica_quoted, "  - fault: {kind: wrong-az, replica: \"1\"}",
	   "5:38: fault.replica: must be 0..3, got string \"1\"")
/* A quoted boolean. */
PARAM_TEST(reset_identity_quoted,
	   "  - fault: {kind: cross-replica-restore, from: 1, resetIdentity: \"false\"}",
	   "5:66: fault.resetIdentity: expected true or false, got string \"false\"")
/* Plain numbers and booleans where a string is expected. */
PARAM_TEST(zone_number, "  - fault: {kind: wrong-az, replica: 1, zone: 2}",
	   "5:47: fault.zone: expected a zone of cluster.zones, got 2, which YAML reads as a number "
	   "(quote it: \"2\")")
PARAM_TEST(escape_target_number, "  - fault: {kind: symlink-escape, replica: 0, target: 42}",
	   "5:55: fault.target: expected the path the link points to, got 42, which YAML reads as "
	   "a number (quote it: \"42\")")
PARAM_TEST(escape_target_on, "  - fault: {kind: symlink-escape, replica: 0, target: on}",
	   "5:55: fault.target: expected the path the link points to, got on, which YAML reads as "
	   "a boolean (quote it: \"on\")")

/* What stays accepted: quoted strings and enum values, plain integers, any-scalar seeds. */
PARAM_TEST(ok_zone_quoted, "  - fault: {kind: wrong-az, replica: 1, zone: \"2\"}", NULL)
PARAM_TEST(ok_target_quoted, "  - fault: {kind: symlink-escape, replica: 0, target: \"42\"}",
	   NULL)
PARAM_TEST(ok_enums_quoted,
	   "  - fault: {kind: bitflip-sst, replica: 1, target: \"backup\", backup: \"b1\", "
	   "pick: 'last', cf: \"state\"}",
	   NULL)
PARAM_TEST(ok_all_quoted, "  - fault: {kind: lock-left, replica: \"all\"}", NULL)
PARAM_TEST(ok_previous_quoted,
	   "  - fault: {kind: mismatched-checkpoint, replica: 1, checkpoint: \"previous\"}", NULL)
PARAM_TEST(ok_umask, "  - fault: {kind: copy-no-preserve, umask: \"077\"}", NULL)
PARAM_TEST(ok_umask_plain, "  - fault: {kind: copy-no-preserve, umask: 077}", NULL)
PARAM_TEST(ok_seed_any_scalar, "  - fault: {kind: restore-while-running, seed: \"x\"}", NULL)
PARAM_TEST(ok_plain_integers,
	   "  - fault: {kind: kill-replica, replica: 1, during: write, afterBlocks: 5, seed: 3}",
	   NULL)
PARAM_TEST(ok_reset_identity, "  - fault: {kind: cross-replica-restore, from: 1, resetIdentity: false}",
	   NULL)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(storage_replica_quoted),
		cmocka_unit_test(storage_offset_quoted),
		cmocka_unit_test(storage_seed_quoted),
		cmocka_unit_test(copy_replica_quoted),
		cmocka_unit_test(cross_from_quoted),
		cmocka_unit_test(mismatch_quoted),
		cmocka_unit_test(interrupted_quoted),
		cmocka_unit_test(running_quoted),
		cmocka_unit_test(kill_replica_quoted),
		cmocka_unit_test(kill_after_quoted),
		cmocka_unit_test(disk_size_quoted),
		cmocka_unit_test(foreign_replica_quoted),
		cmocka_unit_test(foreign_checkpoint_quoted),
		cmocka_unit_test(escape_replica_missing),
		cmocka_unit_test(hardlink_escape_live_only),
		cmocka_unit_test(wrong_az_replica_quoted),
		cmocka_unit_test(reset_identity_quoted),
		cmocka_unit_test(zone_number),
		cmocka_unit_test(escape_target_number),
		cmocka_unit_test(escape_target_on),
		cmocka_unit_test(ok_zone_quoted),
		cmocka_unit_test(ok_target_quoted),
		cmocka_unit_test(ok_enums_quoted),
		cmocka_unit_test(ok_all_quoted),
		cmocka_unit_test(ok_previous_quoted),
		cmocka_unit_test(ok_umask),
		cmocka_unit_test(ok_umask_plain),
		cmocka_unit_test(ok_seed_any_scalar),
		cmocka_unit_test(ok_plain_integers),
		cmocka_unit_test(ok_reset_identity),
	};
	return drill_test_run(tests, group_setup, group_teardown);
}
