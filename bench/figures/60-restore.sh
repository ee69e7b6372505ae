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
# compares nothing with what was written. Both run from a warm page cache and both follow a GiB
# of fresh writes whose writeback is still going on (the drill's restore follows its backup; the
# reference runs as soon as the drill has ended, after its restore): no `sync` on either side.
set -euo pipefail
source "$SOURCE/bench/lib.sh"
command -v ldb >/dev/null || bench_die "restore: ldb not found (Debian package rocksdb-tools)"

blocks=16000 window=4000
if [ "$BENCH_SMOKE" = 1 ]; then blocks=300 window=100; fi
scenario=$BENCH_WORK/restore.yaml
sed -e "s/write: {blocks: 16000}/write: {blocks: $blocks}/" \
	-e "s/checkpointWindow: [0-9]*/checkpointWindow: $window/" \
	"$SOURCE/bench/scenarios/restore.yaml" >"$scenario"
"$CHAINDRILL" run "$scenario" --workspace "$BENCH_WORK/ws" --report-dir "$BENCH_WORK/report" \
	--keep -q >/dev/null || bench_die "restore: the drill failed"
step=$(jq -c '.scenarios[0].steps[] | select(.kind == "restore")' "$BENCH_WORK/report/report.json")
ours=$(jq -r '.wallSeconds | . * 1000 | round / 1000' <<<"$step")
id=$(jq -r '.details.checkpoint' <<<"$step")
substeps=$(jq -r '[.details.steps[] | "\(.name) \(.wallSeconds * 100 | round / 100)"] | join(", ")' <<<"$step")

bench_time ref bash "$SOURCE/bench/runbook-restore.sh" "$BENCH_WORK/ws/bench-restore" b1 "$id" 4 \
	>"$BENCH_WORK/runbook.log" 2>&1

mib=$(jq -r '.details.steps[] | select(.name == "restore-volumes") | .bytesCopied / 1048576 | round' <<<"$step")
bench_result restore "${ours} s" "${ref} s (runbook + ldb checkconsistency)" \
	"$(bench_div "$ref" "$ours")" "> 1.0" \
	"4 replicas, $mib MiB of volumes, checkpoint $id; chaindrill's substeps: $substeps; it also stops and starts the replicas and checks each one's block $id against the driver's digest"
