#!/usr/bin/env bash
# write: blocks per second one replica commits through chaindrill's real path — the driver
# generating the workload, computing its own record of the chain and ordering batches over HTTP to
# a replica process, which computes each block and commits it to RocksDB — against
# bench-write-loop: the same blocks, hashing, layout and DB options through the RocksDB C API in
# one loop (bench/src/write-loop.c). Both must end at the same digest.
set -euo pipefail
source "$SOURCE/bench/lib.sh"
blocks=100000 kpb=4 vsize=256 space=10000
[ "$BENCH_SMOKE" = 1 ] && blocks=2000

bench_chain_scenario "$BENCH_WORK/write.yaml" bench-write "$blocks" "$kpb" "$vsize" "$space"
report=$(bench_chain_drill write "$BENCH_WORK/write.yaml")
bps=$(jq -r '[.scenarios[0].steps[] | select(.kind == "write")][0].details.blocksPerSecond' "$report")
digest=$(jq -r '.scenarios[0].driver.lastDigest' "$report")

read -r _ ref_secs ref_digest < <("$BENCH_BIN/bench-write-loop" "$BENCH_WORK/ref" "$blocks" "$kpb" \
	"$vsize" "$space" 1 100) || bench_die "bench-write-loop failed"
[ "$ref_digest" = "$digest" ] ||
	bench_die "write: the reference wrote another chain (digest $ref_digest, drill $digest)"
ref_bps=$(bench_div "$blocks" "$ref_secs")

bench_result write "$(printf '%.0f' "$bps") blocks/s" "$(printf '%.0f' "$ref_bps") blocks/s" \
	"$(bench_div "$bps" "$ref_bps")" ">= 0.5" \
	"$blocks blocks of $kpb×${vsize} B, same last digest"
