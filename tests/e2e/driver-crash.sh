#!/usr/bin/env bash
# driver-crash: the driver kills itself mid-backup; `run` reruns the drill in the same workspace.
# Checks what the report keeps of both attempts, that the rerun removed the partial backup, and
# that no replica process outlives the run (they die with the killed driver by their parent-death
# signal, and the rerun stops its own).
. "$SOURCE/tests/e2e/lib/testlib.sh"
ws=$SCRATCH/ws
expect_exit 0 "the drill passes after the driver's crash and rerun" -- \
	"$CHAINDRILL" run "$SOURCE/scenarios/7008-driver-crash-mid-backup.yaml" --workspace "$ws" \
	--report-dir "$SCRATCH/r" --keep
rep=$SCRATCH/r/report.json
check() { # NAME JQ-EXPRESSION
	if jq -e "$2" "$rep" >/dev/null; then pass "$1"; else fail "$1" "$(jq -c '.scenarios[0] | {attempts, driverCrash, recoveredInterruptedRun}' "$rep")"; fi
}
check "two attempts, the first killed by SIGKILL" \
	'.scenarios[0].attempts | length == 2 and (.[0].status | test("killed by signal 9")) and .[1].status == "finished"'
check "the dying driver recorded where it was" \
	'.scenarios[0].driverCrash.crash.step == "backup" and .scenarios[0].driverCrash.crash.afterFiles == 40'
check "the rerun found the interrupted run and removed the partial backup" \
	'.scenarios[0].recoveredInterruptedRun.pid == .scenarios[0].attempts[0].pid and (.scenarios[0].recoveredInterruptedRun.partialCopiesRemoved | map(test("^backups/nightly[.]partial-")) | any)'
check "the fault step of the rerun was not armed again" \
	'.scenarios[0].faults[0].details.skipped != null'
if ls "$ws"/driver-crash-mid-backup/backups | grep -q partial; then
	fail "no partial backup is left" "$(ls "$ws"/driver-crash-mid-backup/backups)"
else
	pass "no partial backup is left"
fi
if pgrep -f "$ws/" >/dev/null; then fail "no process is left behind" "$(pgrep -af "$ws/")"; else pass "no process is left behind"; fi
finish
