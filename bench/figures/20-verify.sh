#!/usr/bin/env bash
# verify: bytes of chain `chaindrill verify` checks per second on one replica's rocksdbdata (one
# core), against bench-sha-loop: only the SHA-256 calls verification needs, over the same blocks
# and state read into memory first (bench/src/sha-loop.c). Then verify-n: n = nproc copies of
# the replica verified at once against n times one, the parallel efficiency (1.0 = n cores used).
set -euo pipefail
source "$SOURCE/bench/lib.sh"
blocks=200000 kpb=4 vsize=256 space=10000
[ "$BENCH_SMOKE" = 1 ] && blocks=2000

bench_chain_scenario "$BENCH_WORK/verify.yaml" bench-verify "$blocks" "$kpb" "$vsize" "$space"
db=$(bench_replica0_db "$(bench_chain_drill verify "$BENCH_WORK/verify.yaml")")

read -r bytes ref_secs < <("$BENCH_BIN/bench-sha-loop" "$db" 2>/dev/null) ||
	bench_die "bench-sha-loop failed"
"$CHAINDRILL" verify "$db" >/dev/null || bench_die "verify: the replica is not ok"
bench_time secs "$CHAINDRILL" verify "$db" >/dev/null
mib() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / s / 1048576 }'; }
bench_result verify "$(mib "$bytes" "$secs") MiB/s" "$(mib "$bytes" "$ref_secs") MiB/s" \
	"$(bench_div "$ref_secs" "$secs")" ">= 0.6" \
	"$blocks blocks, $((bytes / 1048576)) MiB; verify $secs s incl. open"

# n copies (not named replica-<i>, so no identity is expected of them)
n=$(nproc)
paths=()
for i in $(seq 1 "$n"); do
	mkdir -p "$BENCH_WORK/copy-$i"
	cp -a "$db" "$BENCH_WORK/copy-$i/rocksdbdata"
	paths+=("$BENCH_WORK/copy-$i/rocksdbdata")
done
bench_time one "$CHAINDRILL" verify "${paths[0]}" >/dev/null
bench_time all "$CHAINDRILL" verify "${paths[@]}" >/dev/null
bench_result verify-n "$n replicas in $all s" "1 replica in $one s" \
	"$(awk -v a="$all" -v o="$one" -v n="$n" 'BEGIN { printf "%.3f", n * o / a / n }')" \
	">= 0.75" "speedup $(awk -v a="$all" -v o="$one" -v n="$n" 'BEGIN { printf "%.2f", n * o / a }') on $n cores"
