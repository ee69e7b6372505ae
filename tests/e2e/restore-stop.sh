#!/usr/bin/env bash
# How the restore's scale-down stops the replicas on the local platform, and where the volumes'
# old contents go. A plain restore from a checkpoint: the replicas close without flushing their
# memtables (what a flush would write is deleted by restore-volumes and copy-checkpoint; the
# replica's log says so), and hostpath-copy's trash is empty and gone by the end of the restore.
# With a restore fault armed (rm of rocksdbdata skipped) or a volume restored as is
# (checkpoint: none), part of what the replicas leave survives the restore: they flush.
. "$SOURCE/tests/e2e/lib/testlib.sh"

# step NAME FILE: the restore step's substep NAME of the report FILE
restore_sub() { printf '.scenarios[0].steps[] | select(.kind == "restore") | .details.steps[] | select(.name == "%s")' "$1"; }

expect_exit 0 "quickstart drill" -- "$CHAINDRILL" run "$SOURCE/scenarios/0001-quickstart.yaml" \
	--workspace "$SCRATCH/ws" --report-dir "$SCRATCH/r1" --keep -v -v
expect_jq "$SCRATCH/r1/report.json" "$(restore_sub scale-down) | .flush == false" \
	"a restore from a checkpoint stops the replicas without a flush"
# -v -v: the replicas log at info level too
expect_grep "stopping without a flush" "$SCRATCH/ws/quickstart/logs/replica-0.log" \
	"the replica's log says it stopped without a flush"
expect_jq "$SCRATCH/r1/report.json" "[$(restore_sub cleanup-restored-volumes)] | length == 1" \
	"hostpath-copy's restore has a cleanup substep (its trash)"
if [ -e "$SCRATCH/ws/quickstart/trash" ]; then
	fail "the trash is gone after the restore" "$(ls -la "$SCRATCH/ws/quickstart/trash")"
else
	pass "the trash is gone after the restore"
fi

expect_exit 0 "restore without rm (a restore fault)" -- "$CHAINDRILL" run \
	"$SOURCE/scenarios/4002-restore-without-rm-at-checkpoint.yaml" --workspace "$SCRATCH/ws2" \
	--report-dir "$SCRATCH/r2"
expect_jq "$SCRATCH/r2/report.json" "$(restore_sub scale-down) | .flush == true" \
	"with a restore fault armed the replicas flush as they stop"

expect_exit 0 "a live copy restored as is" -- "$CHAINDRILL" run \
	"$SOURCE/scenarios/7011-live-snapshot-quiesced-as-is.yaml" --workspace "$SCRATCH/ws3" \
	--report-dir "$SCRATCH/r3"
expect_jq "$SCRATCH/r3/report.json" "$(restore_sub scale-down) | .flush == true" \
	"restored as is (checkpoint: none), the replicas flush as they stop"
finish
