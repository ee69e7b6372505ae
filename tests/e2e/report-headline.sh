#!/usr/bin/env bash
# Reports that cannot be misread (docs/reports.md): the headline of every report — the summary line
# `run` prints, report.html, the JUnit failure — leads with whether the restore itself succeeded,
# then the verdict and which volumes it is about. 6102 (wrong-az on ebs-sim) fails its restore at
# restore-volumes while the old volumes stay untouched and `consistent`; 4013 fails it at
# check-state after the volumes were written; 4006 restores one replica from another checkpoint;
# 5001 keeps 2 of the 6 checkpoints it takes.
# observed.dataLoss and the dataLoss events agree in every report (one source of truth), and a
# write step lists every checkpoint the replicas took during it, with its sequence number.
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SCRATCH" || exit 1
s="$SOURCE/scenarios"

expect_exit 0 "four drills, each as expected" -- "$CHAINDRILL" run "$s/6102-ebs-sim-wrong-az.yaml" \
	"$s/4013-foreign-checkpoint-other-run.yaml" "$s/4006-mismatched-checkpoint-behind.yaml" \
	"$s/5001-retention-pruning.yaml" --workspace ws --report-dir r1 -q
cp "$SCRATCH/out" run1.out
expect_grep "^ebs-sim-wrong-az: restore FAILED at restore-volumes \(step 5\); verdict consistent on the original volumes \(the restore did not change them\) — as expected \([0-9.]+ s\)$" \
	run1.out "wrong-az: the summary leads with the failed restore, then the verdict on the untouched volumes"
expect_grep "^foreign-checkpoint-other-run: restore FAILED at check-state \(step 5\); verdict divergent on the restored volumes \(written before the restore failed\) — as expected" \
	run1.out "foreign checkpoint: failed at check-state, the verdict is on the volumes it wrote"
expect_grep "^mismatched-checkpoint-behind: restore ok \(block 900\); verdict consistent on the restored volumes — as expected" \
	run1.out "mismatched checkpoint: the restore succeeded"
expect_grep "^retention-pruning: restore ok \(block 3600\); verdict consistent on the restored volumes — as expected" \
	run1.out "retention: the restore succeeded"

r1=r1/report.json
expect_jq "$r1" '.scenarios[0].summary | startswith("ebs-sim-wrong-az: restore FAILED at restore-volumes")' \
	"report.json keeps the summary as printed"
expect_jq "$r1" '.scenarios[0].steps[] | select(.kind == "restore") | .details.steps[-1] == {name: "restore-volumes", wallSeconds: .details.steps[-1].wallSeconds, status: "failed"} and .details.replicaVolumes == "original"' \
	"the failed substep is recorded, and that the volumes were left alone"
expect_grep '<span class="restore failed">restore FAILED at restore-volumes \(step 5\)</span>; <span class="verdict">verdict <b>consistent</b> on the original volumes' \
	r1/report.html "report.html: the same headline"
expect_grep 'restore FAILED at restore-volumes \(step 5\): no RPO or RTO, the restore did not complete' \
	r1/report.html "report.html: RPO/RTO say the restore failed, and where"
if grep -q "No restore ran" r1/report.html; then
	fail "report.html never says no restore ran when one failed" "$(grep -o 'No restore ran[^<]*' r1/report.html)"
else pass "report.html never says no restore ran when one failed"; fi

# one source of truth for data loss
expect_jq "$r1" 'all(.scenarios[]; .observed.dataLoss == (.dataLoss | length > 0))' \
	"observed.dataLoss is true exactly when a data-loss event is listed"
expect_jq "$r1" '.scenarios[1].dataLoss == [{step: "verify", committedBlock: 1100, agreedBlock: 900, lostBlocks: 200}]' \
	"foreign checkpoint: the 200 blocks the verified cluster lacks are an event"

# every checkpoint the replicas took while writing, per replica, with its sequence number
expect_jq "$r1" '[.scenarios[2].steps[1].details.checkpointsTaken[] | select(.replica == 1) | .id] == [150, 300, 450, 600, 750, 900]' \
	"mismatched checkpoint: the 900-block write saw replica 1 take each of its 6 checkpoints"
expect_jq "$r1" 'all(.scenarios[2].steps[1].details.checkpointsTaken[]; .seqNum == .id and .lastBlock == .id and .atSeconds >= 0)' \
	"each with its sequence number, block and time"
expect_jq "$r1" '[.scenarios[3].steps[1].details.checkpointsTaken[] | select(.replica == 0) | .id] == [600, 1200, 1800, 2400, 3000, 3600]' \
	"retention: all 6 of replica 0's checkpoints, also the 4 pruned since (2 are kept)"

# one checkpoint kept, one due every 150 blocks: each is still seen before the next replaces it
cat >keep-one.yaml <<'EOF2'
name: keep-one
seed: 3
replicaCheckpointBackup: {enabled: true, numberOfCheckpoints: 1, checkpointIntervalInSeconds: 0, checkpointWindow: 150}
steps:
  - write: {blocks: 1000}
expect: {verdict: consistent}
EOF2
expect_exit 0 "a drill keeping one checkpoint" -- "$CHAINDRILL" run keep-one.yaml --workspace ws --report-dir r3 -q
expect_jq r3/report.json '[.scenarios[0].steps[1].details.checkpointsTaken[] | select(.replica == 3) | .id] == [range(150; 1001; 150)]' \
	"keep 1: all 6 checkpoints replica 3 took, though it holds one"

# a drill that differs: the JUnit failure leads with the headline too
sed -e 's/^  failedStep: restore$/  verdict: divergent/' -e '/^  error: /d' "$s/6102-ebs-sim-wrong-az.yaml" >differs.yaml
expect_exit 1 "a wrong-az drill expecting another verdict differs" -- "$CHAINDRILL" run differs.yaml --workspace ws --report-dir r2 -q
expect_grep "^ebs-sim-wrong-az: restore FAILED at restore-volumes \(step 5\); verdict consistent on the original volumes \(the restore did not change them\) — DIFFERS from expected" \
	"$SCRATCH/out" "the summary of a differing drill"
expect_grep '<failure type="outcome-differed" message="restore FAILED at restore-volumes \(step 5\); verdict consistent on the original volumes \(the restore did not change them\) — verdict: expected divergent, observed consistent">' \
	r2/junit.xml "junit.xml: the failure message leads with the headline"
expect_grep '">restore FAILED at restore-volumes \(step 5\); verdict consistent on the original volumes \(the restore did not change them\)$' \
	r2/junit.xml "junit.xml: so does the failure text"
finish
