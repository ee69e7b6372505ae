/* drill/campaign.c — the campaign templates: one fault each, and the outcome it must cause.
 *
 * Every drill shares one shape: n replicas (4, sometimes 7) take a checkpoint every 150 sequence
 * numbers and keep 4; the clients write W1 blocks, the volumes are backed up, W2 more blocks are
 * written (the "disaster" loses them), then the template adds its fault and the steps around it.
 * With no no-ops, checkpoint ids are multiples of 150, so the latest common checkpoint in the
 * backup is R = 150 * floor(W1 / 150), and the three before it are retained too.
 *
 * The expected outcomes are the ones the scenarios in scenarios/3xxx and 4xxx establish, one
 * case at a time; a campaign checks that they hold across sizes, targets and seeds. */
#include "drill/campaign.h"

#include "chain/workload.h"
#include "util/bytes.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VALIDATE_BLOCKS 20

struct draw {
	int n;            /* replicas */
	int r, j;         /* a replica, and another one */
	uint64_t w1, w2;  /* blocks before and after the backup */
	uint64_t rb;      /* the latest checkpoint in the backup: 150 * floor(w1 / 150) */
	uint64_t pick;    /* a small random number for the template's own use */
};

struct out {
	char cluster[128]; /* more keys of `cluster` (", zones: [...]") */
	char storage[128]; /* a `storage:` line, or empty for hostpath-copy */
	char steps[1024]; /* steps after the common prefix, each "  - ...\n" */
	char expect[512];
	char why[256];
};

typedef void (*template_fn)(const struct draw *d, struct out *o);

#define STEPS(...) snprintf(o->steps, sizeof(o->steps), __VA_ARGS__)
#define EXPECT(...) snprintf(o->expect, sizeof(o->expect), __VA_ARGS__)
#define WHY(...) snprintf(o->why, sizeof(o->why), __VA_ARGS__)
#define RESTORE "  - restore: {from: nightly}\n  - validate: {blocks: %d}\n"

/* The restore passes and the cluster agrees on the checkpoint plus the validation blocks. */
static void expect_restored(const struct draw *d, struct out *o)
{
	EXPECT("{verdict: consistent, restoredBlock: %" PRIu64 ", agreedBlock: %" PRIu64 "}", d->rb,
	       d->rb + VALIDATE_BLOCKS);
}

static void t_none(const struct draw *d, struct out *o)
{
	STEPS(RESTORE, VALIDATE_BLOCKS);
	expect_restored(d, o);
	WHY("no fault: the runbook restores the latest common checkpoint");
}

static void t_lock_left(const struct draw *d, struct out *o)
{
	if (d->pick % 2)
		STEPS("  - fault: {kind: lock-left}\n" RESTORE, VALIDATE_BLOCKS);
	else
		STEPS("  - fault: {kind: lock-left, replica: %d}\n" RESTORE, d->r, VALIDATE_BLOCKS);
	expect_restored(d, o);
	WHY("a LOCK file is harmless: RocksDB's lock is held by a process, not by the file");
}

/* The restored volume is the backup: its write-ahead log holds the blocks after the checkpoint
 * (R+1..W1), and RocksDB replays it onto the checkpoint when the old files were not removed. */
static void t_without_rm(const struct draw *d, struct out *o)
{
	STEPS("  - fault: {kind: restore-without-rm, replica: %d}\n" RESTORE, d->r, VALIDATE_BLOCKS);
	if (d->w1 == d->rb) {
		expect_restored(d, o);
		WHY("the backup was taken at the checkpoint: its old WAL holds nothing newer");
	} else {
		EXPECT("{failedStep: restore, error: \"replica %d is at block %" PRIu64 ", ahead of "
		       "the restored checkpoint %" PRIu64 "\"}", d->r, d->w1, d->rb);
		WHY("the old WAL left beside the checkpoint is replayed: the replica comes up at the "
		    "backup's last block");
	}
}

static void t_no_follow(const struct draw *d, struct out *o)
{
	STEPS("  - fault: {kind: copy-no-follow-links}\n" RESTORE, VALIDATE_BLOCKS);
	expect_restored(d, o);
	WHY("checkpoints are hard links: without -L the copy is the same");
}

static void t_no_preserve(const struct draw *d, struct out *o)
{
	STEPS("  - fault: {kind: copy-no-preserve, replica: %d, umask: 077}\n" RESTORE, d->r,
	      VALIDATE_BLOCKS);
	expect_restored(d, o);
	WHY("local replicas run as the copier's user, so root-owned 0600 files still open");
}

static void t_interrupted_early(const struct draw *d, struct out *o)
{
	STEPS("  - fault: {kind: copy-interrupted, replica: %d, afterFiles: %" PRIu64 "}\n" RESTORE,
	      d->r, d->pick % 2, VALIDATE_BLOCKS);
	expect_restored(d, o);
	WHY("a copy that dies before CURRENT leaves no database: the replica starts empty and "
	    "catches up by state transfer");
}

static void t_mismatch_behind(const struct draw *d, struct out *o)
{
	STEPS("  - fault: {kind: mismatched-checkpoint, replica: %d, checkpoint: previous}\n" RESTORE,
	      d->r, VALIDATE_BLOCKS);
	expect_restored(d, o);
	WHY("one replica on an older checkpoint is behind and catches up by state transfer");
}

static void t_mismatch_ahead(const struct draw *d, struct out *o)
{
	uint64_t older = d->rb - 150;
	STEPS("  - fault: {kind: mismatched-checkpoint, replica: %d, checkpoint: %" PRIu64 "}\n"
	      "  - restore: {from: nightly, checkpoint: %" PRIu64 "}\n  - validate: {blocks: %d}\n",
	      d->r, d->rb, older, VALIDATE_BLOCKS);
	EXPECT("{failedStep: restore, error: \"replica %d is at block %" PRIu64 ", ahead of the "
	       "restored checkpoint %" PRIu64 "\"}", d->r, d->rb, older);
	WHY("a replica on a newer checkpoint than the one restored would fork: check-state stops it");
}

static void t_cross_identity(const struct draw *d, struct out *o)
{
	STEPS("  - fault: {kind: cross-replica-restore, replica: %d, from: %d}\n" RESTORE, d->r, d->j,
	      VALIDATE_BLOCKS);
	EXPECT("{failedStep: restore, error: \"belongs to replica %d, not to replica %d\"}", d->j,
	       d->r);
	WHY("another replica's database keeps that replica's identity: the replica refuses it");
}

static void t_seed_from_one(const struct draw *d, struct out *o)
{
	STEPS("  - fault: {kind: cross-replica-restore, from: %d, resetIdentity: true}\n" RESTORE,
	      d->j, VALIDATE_BLOCKS);
	expect_restored(d, o);
	WHY("seeding every replica from one checkpoint with identities reset is correct");
}

static void t_while_running(const struct draw *d, struct out *o)
{
	STEPS("  - fault: {kind: restore-while-running, writes: %" PRIu64 "}\n" RESTORE,
	      5 + d->pick % 30, VALIDATE_BLOCKS);
	EXPECT("{failedStep: restore}");
	WHY("replicas that were never stopped never reopen the restored data: check-state finds "
	    "them ahead, or a checkpoint they take mid-copy fails");
}

static void t_backup_file(const struct draw *d, struct out *o, const char *kind,
			  const char *extra)
{
	STEPS("  - fault: {kind: %s, replica: %d, target: backup, backup: nightly, checkpoint: %"
	      PRIu64 "%s}\n" RESTORE, kind, d->r, d->rb, extra, VALIDATE_BLOCKS);
}

static void t_truncate_backup(const struct draw *d, struct out *o)
{
	t_backup_file(d, o, "truncate-sst", "");
	EXPECT("{failedStep: restore, error: \"scale-up: replica-%d exited\"}", d->r);
	WHY("RocksDB refuses an SST shorter than its MANIFEST says");
}

static void t_manifest_backup(const struct draw *d, struct out *o)
{
	t_backup_file(d, o, "delete-file", ", file: manifest");
	EXPECT("{failedStep: restore, error: \"MANIFEST\"}");
	WHY("CURRENT names a MANIFEST that is gone: the database cannot open");
}

static void t_current_backup(const struct draw *d, struct out *o)
{
	t_backup_file(d, o, "delete-file", ", file: current");
	expect_restored(d, o);
	WHY("without CURRENT there is no database: the replica starts empty and catches up");
}

static void t_options_backup(const struct draw *d, struct out *o)
{
	t_backup_file(d, o, "delete-file", ", file: options");
	expect_restored(d, o);
	WHY("RocksDB opens without its OPTIONS file");
}

static void t_foreign(const struct draw *d, struct out *o)
{
	const char *from = d->pick % 2 ? "other-blockchain" : "other-run";
	STEPS("  - fault: {kind: foreign-checkpoint, replica: %d, backup: nightly, from: %s}\n"
	      RESTORE, d->r, from, VALIDATE_BLOCKS);
	EXPECT("{failedStep: restore, error: \"replica %d holds block %" PRIu64 " with digest\", "
	       "verdict: divergent, agreedBlock: %" PRIu64 "}", d->r, d->rb, d->rb);
	WHY("a checkpoint of the same id from another run is another chain at the same height");
}

static void t_kill_then_start(const struct draw *d, struct out *o)
{
	STEPS("  - fault: {kind: kill-replica, replica: %d}\n  - start: {replica: %d}\n" RESTORE,
	      d->r, d->r, VALIDATE_BLOCKS);
	expect_restored(d, o);
	WHY("a SIGKILLed replica replays its WAL, catches up when started, and the restore passes");
}

static void t_kill_scale_up(const struct draw *d, struct out *o)
{
	STEPS("  - fault: {kind: kill-replica, replica: %d, during: restore, at: scale-up}\n" RESTORE,
	      d->r, VALIDATE_BLOCKS);
	EXPECT("{failedStep: restore, error: \"scale-up: replica-%d killed by signal 9\"}", d->r);
	WHY("a replica killed as the restored cluster starts never becomes ready");
}

static void t_kill_scale_down(const struct draw *d, struct out *o)
{
	STEPS("  - fault: {kind: kill-replica, replica: %d, during: restore, at: scale-down}\n"
	      RESTORE, d->r, VALIDATE_BLOCKS);
	expect_restored(d, o);
	WHY("a replica killed while the cluster scales down is down anyway; the restore replaces "
	    "its data");
}

/* The simulated EBS vendor, three zones: replica i's instance is in zone i % 3. */
static const char *const zones[] = {"us-east-1a", "us-east-1b", "us-east-1c"};

static void ebs(struct out *o)
{
	snprintf(o->cluster, sizeof(o->cluster), ", zones: [%s, %s, %s]", zones[0], zones[1],
		 zones[2]);
	snprintf(o->storage, sizeof(o->storage), "storage: {vendor: ebs-sim}\n");
}

static void t_ebs_restore(const struct draw *d, struct out *o)
{
	ebs(o);
	STEPS(RESTORE, VALIDATE_BLOCKS);
	expect_restored(d, o);
	WHY("the runbook's EKS flow: snapshots, volumes in the instances' zones, copy, cleanup");
}

static void t_ebs_wrong_az(const struct draw *d, struct out *o)
{
	ebs(o);
	STEPS("  - fault: {kind: wrong-az, replica: %d}\n" RESTORE, d->r, VALIDATE_BLOCKS);
	EXPECT("{failedStep: restore, error: \"replica %d: attach-volume: "
	       "InvalidVolume.ZoneMismatch\"}", d->r);
	WHY("EC2 attaches a volume only to an instance in its availability zone");
}

static void t_ebs_right_az(const struct draw *d, struct out *o)
{
	ebs(o);
	STEPS("  - fault: {kind: wrong-az, replica: %d, zone: %s}\n" RESTORE, d->r,
	      zones[d->r % 3], VALIDATE_BLOCKS);
	expect_restored(d, o);
	WHY("a restored volume created in the instance's own zone attaches");
}

/* Damage to a stopped replica's live database, left for the final verification to find. */
static void t_down_damage(const struct draw *d, struct out *o, const char *fault)
{
	STEPS("  - stop: {replica: %d}\n  - fault: {%s, replica: %d}\n", d->r, fault, d->r);
	EXPECT("{verdict: recoverable, agreedBlock: %" PRIu64 "}", d->w1 + d->w2);
	WHY("one corrupt replica of n leaves 2f+1 that agree");
}

static void t_bitflip_down(const struct draw *d, struct out *o)
{
	t_down_damage(d, o, "kind: bitflip-sst");
}

static void t_zero_down(const struct draw *d, struct out *o)
{
	t_down_damage(d, o, "kind: zero-range");
}

static void t_delete_sst_down(const struct draw *d, struct out *o)
{
	t_down_damage(d, o, "kind: delete-file, file: sst");
}

static void t_wal_garbage(const struct draw *d, struct out *o)
{
	STEPS("  - stop: {replica: %d}\n  - fault: {kind: wal-garbage, replica: %d}\n"
	      "  - start: {replica: %d}\n  - write: {blocks: %d}\n", d->r, d->r, d->r,
	      VALIDATE_BLOCKS);
	EXPECT("{verdict: consistent, agreedBlock: %" PRIu64 "}", d->w1 + d->w2 + VALIDATE_BLOCKS);
	WHY("point-in-time recovery stops at a garbage WAL tail that holds nothing committed");
}

static const struct {
	const char *name;
	template_fn fn;
} templates[] = {
	{"none", t_none},
	{"lock-left", t_lock_left},
	{"restore-without-rm", t_without_rm},
	{"copy-no-follow-links", t_no_follow},
	{"copy-no-preserve", t_no_preserve},
	{"copy-interrupted-early", t_interrupted_early},
	{"mismatched-checkpoint-behind", t_mismatch_behind},
	{"mismatched-checkpoint-ahead", t_mismatch_ahead},
	{"cross-replica-keeps-identity", t_cross_identity},
	{"seed-all-from-one-replica", t_seed_from_one},
	{"restore-while-running", t_while_running},
	{"truncate-sst-in-backup", t_truncate_backup},
	{"delete-manifest-in-backup", t_manifest_backup},
	{"delete-current-in-backup", t_current_backup},
	{"delete-options-in-backup", t_options_backup},
	{"foreign-checkpoint", t_foreign},
	{"kill-replica-then-start", t_kill_then_start},
	{"kill-replica-at-scale-up", t_kill_scale_up},
	{"kill-replica-at-scale-down", t_kill_scale_down},
	{"ebs-sim-restore", t_ebs_restore},
	{"ebs-sim-wrong-az", t_ebs_wrong_az},
	{"ebs-sim-right-az", t_ebs_right_az},
	{"bitflip-sst-replica-down", t_bitflip_down},
	{"zero-range-replica-down", t_zero_down},
	{"delete-sst-replica-down", t_delete_sst_down},
	{"wal-garbage", t_wal_garbage},
};
#define N_TEMPLATES (sizeof(templates) / sizeof(templates[0]))

size_t drill_campaign_template_count(void)
{
	return N_TEMPLATES;
}

const char *drill_campaign_template_name(size_t i)
{
	return i < N_TEMPLATES ? templates[i].name : NULL;
}

int drill_campaign_only_parse(const char *s)
{
	static const char *const names[] = {"all", "clean", "faults"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

const char *drill_campaign_only_name(enum drill_campaign_only only)
{
	return only == DRILL_CAMPAIGN_CLEAN ? "clean" : only == DRILL_CAMPAIGN_FAULTS ? "faults" : "all";
}

/* templates[0] is "none"; the draw is made even for a clean campaign so the drill's seed that
 * follows it stays the same. */
static size_t draw_template(struct drill_rng *rng, enum drill_campaign_only only)
{
	if (only == DRILL_CAMPAIGN_FAULTS)
		return 1 + (size_t)drill_rng_below(rng, N_TEMPLATES - 1);
	size_t t = (size_t)drill_rng_below(rng, N_TEMPLATES);
	return only == DRILL_CAMPAIGN_CLEAN ? 0 : t;
}

void drill_campaign_make(struct drill_campaign_drill *out, uint64_t campaign_seed, size_t k,
			 enum drill_campaign_only only)
{
	struct drill_rng rng;
	drill_rng_seed(&rng, campaign_seed ^ (0x9e3779b97f4a7c15u * (uint64_t)(k + 1)));
	struct draw d;
	d.n = drill_rng_below(&rng, 5) == 0 ? 7 : 4;
	d.r = (int)drill_rng_below(&rng, (uint64_t)d.n);
	d.j = (d.r + 1 + (int)drill_rng_below(&rng, (uint64_t)d.n - 1)) % d.n;
	d.w1 = 150 * (2 + drill_rng_below(&rng, 5));
	if (drill_rng_below(&rng, 4)) /* a quarter of the backups are taken right at a checkpoint */
		d.w1 += drill_rng_below(&rng, 150);
	d.w2 = 50 + drill_rng_below(&rng, 250);
	d.rb = 150 * (d.w1 / 150);
	d.pick = drill_rng_next(&rng);
	size_t t = draw_template(&rng, only);
	uint64_t drill_seed = drill_rng_next(&rng) >> 1;

	struct out o;
	memset(&o, 0, sizeof(o));
	templates[t].fn(&d, &o);
	out->name = drill_xasprintf("campaign-%" PRIu64 "-%zu", campaign_seed, k);
	out->fault = drill_xstrdup(templates[t].name);
	out->why = drill_xstrdup(o.why);
	out->yaml = drill_xasprintf(
		"# Drill %zu of campaign %" PRIu64 ": %s.\n"
		"name: %s\n"
		"description: >-\n  campaign %" PRIu64 " drill %zu, fault %s: %s\n"
		"seed: %" PRIu64 "\n"
		"cluster: {replicas: %d%s}\n"
		"replicaCheckpointBackup: {enabled: true, numberOfCheckpoints: 4, "
		"checkpointIntervalInSeconds: 0, checkpointWindow: 150}\n"
		"workload: {keysPerBlock: 4, valueSize: 128, keySpace: 2000, blockIntervalMs: 100}\n"
		"%s"
		"steps:\n"
		"  - write: {blocks: %" PRIu64 "}\n"
		"  - backup: {name: nightly}\n"
		"  - write: {blocks: %" PRIu64 "}\n"
		"%s"
		"expect: %s\n",
		k, campaign_seed, templates[t].name, out->name, campaign_seed, k, templates[t].name,
		o.why, drill_seed, d.n, o.cluster, o.storage, d.w1, d.w2, o.steps, o.expect);
}

void drill_campaign_drill_free(struct drill_campaign_drill *d)
{
	free(d->name);
	free(d->fault);
	free(d->why);
	free(d->yaml);
	memset(d, 0, sizeof(*d));
}
