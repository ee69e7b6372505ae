#!/usr/bin/env bash
# verify: bytes of chain `chaindrill verify` checks per CPU second on one replica's rocksdbdata
# (one replica is one thread; the whole process is counted: start, open, scans, verdict), against
# bench-sha-loop: only the SHA-256 calls verification needs, over the same blocks and state read
# into memory first, per CPU second of its hashing loop (bench/src/sha-loop.c). CPU seconds, not
# wall: the figure is per core, and other work on the machine does not change it.
# Then verify-n: n = nproc copies of the replica verified by one command against one copy, in
# wall time: the parallel efficiency (1.0 = n replicas take as long as one, n cores used). It
# needs idle cores to show; the load average is in the note.
set -euo pipefail
source "$SOURCE/bench/lib.sh"
blocks=200000 kpb=4 vsize=256 space=10000
[ "$BENCH_SMOKE" = 1 ] && blocks=2000

bench_chain_scenario "$BENCH_WORK/verify.yaml" bench-verify "$blocks" "$kpb" "$vsize" "$space"
db=$(bench_replica0_db "$(bench_chain_drill verify "$BENCH_WORK/verify.yaml")")

read -r bytes _ ref_cpu < <("$BENCH_BIN/bench-sha-loop" "$db" 2>/dev/null) ||
	bench_die "bench-sha-loop failed"
"$CHAINDRILL" verify "$db" >/dev/null || bench_die "verify: the replica is not ok"
bench_cpu_time cpu "$CHAINDRILL" verify "$db" >/dev/null
mib() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / s / 1048576 }'; }
bench_result verify "$(mib "$bytes" "$cpu") MiB/CPU-s" "$(mib "$bytes" "$ref_cpu") MiB/CPU-s" \
	"$(bench_div "$ref_cpu" "$cpu")" ">= 0.6" \
	"$blocks blocks, $((bytes / 1048576)) MiB; verify $cpu CPU-s incl. start and open"

# n copies (not named replica-<i>, so no identity is expected of them)
n=$(nproc)
paths=()
for i in $(seq 1 "$n"); do
	mkdir -p "$BENCH_WORK/copy-$i"
	cp -a "$db" "$BENCH_WORK/copy-$i/rocksdbdata"
	paths+=("$BENCH_WORK/copy-$i/rocksdbdata")
done
bench_time one "$CHAINDRILL" verify "${paths[0]}" >/dev/null
/usr/bin/time -f '%e %U %S' -o "$BENCH_WORK/time-n" "$CHAINDRILL" verify "${paths[@]}" >/dev/null ||
	bench_die "verify of $n copies failed"
read -r all user sys <"$BENCH_WORK/time-n"
# calc EXPR [DECIMALS]: over a (n replicas' wall), o (one's), n, c (n replicas' CPU seconds)
calc() {
	awk -v a="$all" -v o="$one" -v n="$n" -v c="$user" -v s="$sys" \
		"BEGIN { c += s; printf \"%.${2:-3}f\", $1 }"
}
note="speedup $(calc 'n * o / a' 2) on $n cores ($(calc 'c / a' 2) busy on average)"
note="$note, load average $(cut -d' ' -f1 /proc/loadavg)"
bench_result verify-n "$n replicas in $all s" "1 replica in $one s" "$(calc 'o / a')" ">= 0.75" \
	"$note"
