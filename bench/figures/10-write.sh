#!/usr/bin/env bash
# write: blocks per second one replica commits through chaindrill's real path — the driver
# generating the workload, computing its own record of the chain and ordering batches over HTTP to
# a replica process, which computes each block and commits it to RocksDB (the write step's
# blocksPerSecond in report.json) — against bench-write-loop: the same blocks, hashing, layout and
# DB options through the RocksDB C API in one loop (bench/src/write-loop.c). Both must end at the
# same digest. Wall time (a throughput): each is run twice, alternately, and the best run of each
# counts, so that a burst of load on the shared machine hurts neither side alone.
set -euo pipefail
source "$SOURCE/bench/lib.sh"
blocks=100000 kpb=4 vsize=256 space=10000
[ "$BENCH_SMOKE" = 1 ] && blocks=2000

bench_chain_scenario "$BENCH_WORK/write.yaml" bench-write "$blocks" "$kpb" "$vsize" "$space"
best=0 best_ref=0
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
for run in 1 2; do
	rm -rf "$BENCH_WORK/ws" "$BENCH_WORK/ref"
	read -r _ ref_secs ref_digest < <("$BENCH_BIN/bench-write-loop" "$BENCH_WORK/ref" "$blocks" \
		"$kpb" "$vsize" "$space" 1 100) || bench_die "bench-write-loop failed"
	best_ref=$(max "$best_ref" "$(bench_div "$blocks" "$ref_secs")")

	report=$(bench_chain_drill "write-$run" "$BENCH_WORK/write.yaml")
	best=$(max "$best" "$(jq -r '[.scenarios[0].steps[] | select(.kind == "write")][0]
		.details.blocksPerSecond' "$report")")
	digest=$(jq -r '.scenarios[0].driver.lastDigest' "$report")
	[ "$ref_digest" = "$digest" ] ||
		bench_die "write: the reference wrote another chain (digest $ref_digest, drill $digest)"
done

bench_result write "$(printf '%.0f' "$best") blocks/s" "$(printf '%.0f' "$best_ref") blocks/s" \
	"$(bench_div "$best" "$best_ref")" ">= 0.5" \
	"$blocks blocks of $kpb×${vsize} B, same last digest; best of 2 each"
