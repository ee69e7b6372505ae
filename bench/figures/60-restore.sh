#!/usr/bin/env bash
# restore: chaindrill's full restore flow for 4 replicas against the runbook's commands.
#
# Subject: the restore step of a real drill (bench/scenarios/restore.yaml), its wallSeconds from
# report.json: scale-down (every replica stopped and waited for), restore-volumes (every volume
# replaced by its backup), choose-checkpoint (the latest id on every restored volume),
# copy-checkpoint (per replica: rm -rf rocksdbdata/*, cp -r -L -p of the checkpoint with every
# followed link confined to the volume, rm LOCK), scale-up (every replica started and ready) and
# check-state (each replica at the checkpoint's block with the digest the driver wrote there).
# Reference: bench/runbook-restore.sh, the runbook's commands for the same backup and checkpoint,
# one replica after another: the volume's contents replaced by the backup's (cp -a), rm -rf
# rocksdbdata/*, cp -r -L -p of the checkpoint, rm LOCK, then `ldb checkconsistency` (RocksDB's
# own check: the files the MANIFEST names exist with their sizes). It starts no replica and
# compares nothing with what was written. It runs on volumes in the state chaindrill's restore
# finds after its scale-down: those of a second drill with the same seed and the same steps up to
# the restore (bench/scenarios/restore.yaml without its restore and validate), kept with its
# replicas stopped. (The kept workspace of the drill itself would not do: its volumes hold the
# restored checkpoint, half the size of what the restore deleted.) Both run from a warm page cache with no dirty pages
# left by what came before: a drill writes 1 GiB of volumes and 1 GiB of backup just before its
# restore, and a copy that starts while those are being written back runs several times slower
# (the kernel throttles writers), whatever copies. So the figure runs `sync` as soon as the
# drill's backup exists, while the drill writes its next blocks (and checks that the sync ended
# before the restore began), and again before the reference.
set -euo pipefail
source "$SOURCE/bench/lib.sh"
command -v ldb >/dev/null || bench_die "restore: ldb not found (Debian package rocksdb-tools)"

blocks=16000 window=4000 after=3000
if [ "$BENCH_SMOKE" = 1 ]; then blocks=300 window=100 after=100; fi
scenario=$BENCH_WORK/restore.yaml
bench_sized_scenario "$scenario" "$SOURCE/bench/scenarios/restore.yaml" "$window" "$blocks" "$after"
# The reference's volumes: the same drill up to its restore, replicas stopped (as after scale-down).
sed -e '/^  - restore:/d' -e '/^  - validate:/d' "$scenario" >"$BENCH_WORK/before-restore.yaml"
"$CHAINDRILL" run "$BENCH_WORK/before-restore.yaml" --workspace "$BENCH_WORK/ws-ref" \
	--report-dir "$BENCH_WORK/report-ref" --keep -q >/dev/null || bench_die "restore: the reference's drill failed"
sync # what it wrote is on disk before the drill that is timed begins

"$CHAINDRILL" run "$scenario" --workspace "$BENCH_WORK/ws" --report-dir "$BENCH_WORK/report" \
	--keep -q >/dev/null &
drill=$!
# The backup is renamed into place when whole: then flush, while the drill writes on.
while [ ! -e "$BENCH_WORK/ws/bench-restore/backups/b1/backup.json" ] && kill -0 "$drill" 2>/dev/null; do
	sleep 0.05
done
t0=$(bench_now)
sync
synced=$(bench_elapsed "$t0")
wait "$drill" || bench_die "restore: the drill failed"
step=$(jq -c '.scenarios[0].steps[] | select(.kind == "restore")' "$BENCH_WORK/report/report.json")
ours=$(jq -r '.wallSeconds | . * 1000 | round / 1000' <<<"$step")
id=$(jq -r '.details.checkpoint' <<<"$step")
# When the sync ended, against when the restore step began (both from the backup's end).
restore_after=$(jq -r '.scenarios[0].steps | (map(select(.kind == "restore"))[0].startedAtSeconds) -
	(map(select(.kind == "backup"))[0] | .startedAtSeconds + .wallSeconds)' "$BENCH_WORK/report/report.json")
sync_note=$(awk -v s="$synced" -v r="$restore_after" 'BEGIN {
	printf "sync %.1f s after the backup, restore began at %.1f s%s", s, r, (s + 0 > r + 0) ? " (NOT synced)" : "" }')
substeps=$(jq -r '[.details.steps[] | "\(.name) \(.wallSeconds * 100 | round / 100)"] | join(", ")' <<<"$step")

ref_ws=$BENCH_WORK/ws-ref/bench-restore
ref_mib=$(du -smc "$ref_ws"/hostpath-provisioner/default/* | tail -n 1 | cut -f1)
for i in 0 1 2 3; do
	[ -d "$ref_ws/backups/b1/concord-pvc-bc-bench-replica-$i/default/bc-bench/replica-$i/rocksdbdata/checkpoints/$id" ] ||
		bench_die "restore: the reference's backup has no checkpoint $id for replica $i"
done
sync
bench_time ref bash "$SOURCE/bench/runbook-restore.sh" "$ref_ws" b1 "$id" 4 \
	>"$BENCH_WORK/runbook.log" 2>&1

mib=$(jq -r '.details.steps[] | select(.name == "restore-volumes") | .bytesCopied / 1048576 | round' <<<"$step")
bench_result restore "${ours} s" "${ref} s (runbook + ldb checkconsistency)" \
	"$(bench_div "$ref" "$ours")" "> 1.0" \
	"4 replicas, $mib MiB restored over $ref_mib MiB of volumes, checkpoint $id; chaindrill's substeps: $substeps; it also stops and starts the replicas and checks each one's block $id against the driver's digest; $sync_note"
