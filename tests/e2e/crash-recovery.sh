#!/usr/bin/env bash
# A driver killed with SIGKILL mid-drill: its replicas die with it (parent-death signal), the
# workspace records the interrupted run, and the next run in that workspace cleans up and passes.
. "$SOURCE/tests/e2e/lib/testlib.sh"
base=$SCRATCH/ws
"$CHAINDRILL" run "$SOURCE/tests/e2e/data/crash-long.yaml" --workspace "$base" --report-dir "$SCRATCH/r1" >/dev/null 2>&1 &
driver=$!
port="$base/crash-me/run/replica-3.port"
for _ in $(seq 1 600); do [ -s "$port" ] && break; sleep 0.1; done
# wait until blocks are being written (the truth file grows), then kill the driver
for _ in $(seq 1 600); do [ "$(stat -c %s "$base/crash-me/truth.bin" 2>/dev/null || echo 0)" -gt 100000 ] && break; sleep 0.1; done
kill -9 $driver
wait $driver 2>/dev/null
gone=0
for _ in $(seq 1 100); do pgrep -f "$base/crash-me" >/dev/null || { gone=1; break; }; sleep 0.1; done
if [ $gone = 1 ]; then pass "replicas die with the killed driver"; else fail "replicas die with the killed driver" "$(pgrep -af "$base/crash-me")"; fi
expect_grep '"state": "running"' "$base/crash-me/run.json" "the workspace records an interrupted run"

expect_exit 0 "the next run in the same workspace passes" -- "$CHAINDRILL" run "$SOURCE/tests/e2e/data/crash-short.yaml" --workspace "$base" --report-dir "$SCRATCH/r2"
if jq -e '.scenarios[0].recoveredInterruptedRun.pid > 0' "$SCRATCH/r2/report.json" >/dev/null; then
	pass "the report records the recovered run"
else
	fail "the report records the recovered run" "$(jq -c '.scenarios[0] | {recoveredInterruptedRun, error}' "$SCRATCH/r2/report.json")"
fi
finish
