#!/usr/bin/env bash
# checkpoint: time of the project's checkpoint call (drill_store_checkpoint, what a replica's
# checkpoint runs; bench/src/checkpoint.c) on a replica database of ~1 GB against one of ~100 MB:
# hard links make it independent of the data's size. One drill writes both: 16,000 blocks of
# 4 × 16 KiB with the operator's checkpoint at block 1,600 (smoke: 160 and 16). Milliseconds on
# a shared disk: three rounds of 5 checkpoints of each, alternating; the fastest of each counts.
set -euo pipefail
source "$SOURCE/bench/lib.sh"
small=1600 large=16000 repeats=5
[ "$BENCH_SMOKE" = 1 ] && small=16 large=160 repeats=2

bench_chain_scenario "$BENCH_WORK/ckpt.yaml" bench-checkpoint "$large" 4 16384 100 "$small"
db=$(bench_replica0_db "$(bench_chain_drill checkpoint "$BENCH_WORK/ckpt.yaml")")

# Rounds alternate between the two, so that a burst of load on the shared machine hurts neither
# side alone; the fastest of all rounds counts, the note has the last round's medians.
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 < b + 0 ? a : b) }'; }
best_small=1e9 best_large=1e9
for round in 1 2 3; do
	read -r bytes_small med_small min_small < <("$BENCH_BIN/bench-checkpoint" \
		"$db/checkpoints/$small" "$BENCH_WORK/out-small-$round" "$repeats") || bench_die "bench-checkpoint failed"
	read -r bytes_large med_large min_large < <("$BENCH_BIN/bench-checkpoint" "$db" \
		"$BENCH_WORK/out-large-$round" "$repeats") || bench_die "bench-checkpoint failed"
	best_small=$(min "$best_small" "$min_small") best_large=$(min "$best_large" "$min_large")
done
min_small=$best_small min_large=$best_large
ms() { awk -v s="$1" 'BEGIN { printf "%.1f ms", s * 1000 }'; }
bench_result checkpoint "$(ms "$min_large") at $((bytes_large / 1048576)) MiB" \
	"$(ms "$min_small") at $((bytes_small / 1048576)) MiB" \
	"$(bench_div "$min_large" "$min_small")" "<= 2.0" \
	"fastest of 3 × $repeats each, alternating (load only adds time); last medians $(ms "$med_large") and $(ms "$med_small")"
