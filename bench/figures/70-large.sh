#!/usr/bin/env bash
# large: a large drill (bench/scenarios/large.yaml: 7 replicas, 1,000,000 blocks, backup, a fault,
# restore, validation and the drill's verification). No target: its wall time, peak memory and
# slowest step are reported.
#   wall time   the drill's own wallSeconds (report.json), and the whole command's
#   peak RSS    GNU time's %M for the chaindrill command: the largest single process of the tree
#               (the driver or one replica), not their sum; and, sampled every second from
#               /proc/<pid>/status, the largest sum of VmHWM over the replica processes alive at
#               once (VmHWM only grows, so this bounds their joint peak from above)
#   slowest     the step with the largest wallSeconds; "verification" is the time after the last
#               step (the drill's verification of every replica's chain, and teardown)
set -euo pipefail
source "$SOURCE/bench/lib.sh"

blocks=1000000 window=250000 after=2000
if [ "$BENCH_SMOKE" = 1 ]; then blocks=400 window=100 after=50; fi
scenario=$BENCH_WORK/large.yaml
bench_sized_scenario "$scenario" "$SOURCE/bench/scenarios/large.yaml" "$window" "$blocks" "$after"

# Replicas' VmHWM, summed per sample; the largest sum wins. Stops when told to (the stop file).
sample_replicas() {
	local best=0 sum pid kib
	while [ ! -e "$BENCH_WORK/stop-sampling" ]; do
		sum=0
		for pid in $(pgrep -f "replica .*$BENCH_WORK/ws" || true); do
			# a process that just ended has no status, a zombie no VmHWM
			kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
			sum=$((sum + ${kib:-0}))
		done
		[ "$sum" -le "$best" ] || best=$sum
		echo "$best" >"$BENCH_WORK/replicas-hwm"
		sleep 1
	done
}
sample_replicas &
sampler=$!
t0=$(bench_now)
bench_peak_rss rss "$CHAINDRILL" run "$scenario" --workspace "$BENCH_WORK/ws" \
	--report-dir "$BENCH_WORK/report" -q >/dev/null
wall=$(bench_elapsed "$t0")
touch "$BENCH_WORK/stop-sampling"
wait "$sampler" || true
replicas_kib=$(cat "$BENCH_WORK/replicas-hwm" 2>/dev/null || echo 0)

report=$BENCH_WORK/report/report.json
drill_wall=$(jq -r '.scenarios[0].wallSeconds * 10 | round / 10' "$report")
slowest=$(jq -r '.scenarios[0] | ([.steps[] | {label: .label, s: .wallSeconds}] +
	[{label: "verification", s: (.wallSeconds - ([.steps[].wallSeconds] | add))}])
	| max_by(.s) | "\(.label) \(.s * 10 | round / 10) s"' "$report")
steps=$(jq -r '[.scenarios[0].steps[] | "\(.label) \(.wallSeconds * 10 | round / 10)"] | join(", ")' "$report")
bench_info large "$blocks blocks, 7 replicas: wall ${drill_wall} s (command ${wall} s); peak RSS $((rss / 1024)) MiB largest process, $((replicas_kib / 1024)) MiB replicas' VmHWM summed; slowest: $slowest; steps: $steps"
