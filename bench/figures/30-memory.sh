#!/usr/bin/env bash
# memory: peak RSS of `chaindrill verify` on a chain ten times longer (1,000,000 against 100,000
# blocks; smoke: 10,000 against 1,000). One drill writes both: the operator's checkpoint at the
# smaller height is a complete database of that chain (checkpoints/<id>/).
set -euo pipefail
source "$SOURCE/bench/lib.sh"
small=100000 large=1000000
[ "$BENCH_SMOKE" = 1 ] && small=1000 large=10000

bench_chain_scenario "$BENCH_WORK/memory.yaml" bench-memory "$large" 1 32 10000 "$small"
db=$(bench_replica0_db "$(bench_chain_drill memory "$BENCH_WORK/memory.yaml")")
[ -e "$db/checkpoints/$small/CURRENT" ] || bench_die "memory: no checkpoint $small in $db"

bench_peak_rss rss_small "$CHAINDRILL" verify "$db/checkpoints/$small" >/dev/null
bench_peak_rss rss_large "$CHAINDRILL" verify "$db" >/dev/null
bench_result memory "$rss_large KiB at $large blocks" "$rss_small KiB at $small blocks" \
	"$(bench_div "$rss_large" "$rss_small")" "<= 1.2" "peak RSS of chaindrill verify"
