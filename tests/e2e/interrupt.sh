#!/usr/bin/env bash
# Ctrl-C (SIGINT) or SIGTERM during a drill (docs/reports.md, "An interrupted run"): `run` (one
# drill, two with --jobs 2, a campaign) and `vendor-check` stop at the next step boundary, stop
# their replicas and exit 128 + the signal (130, 143), not 1; report.json says "interrupted"
# (the run's outcome, each scenario that was stopped or never started), junit.xml has an
# <error type="interrupted"> or a <skipped> saying so and still validates against
# tests/e2e/data/junit.xsd, the human summary says INTERRUPTED, and no process is left behind.
. "$SOURCE/tests/e2e/lib/testlib.sh"
command -v xmllint >/dev/null || { fail "xmllint is installed (libxml2-utils, scripts/packages.txt [test])"; finish; }
xsd="$SOURCE/tests/e2e/data/junit.xsd"
cd "$SCRATCH" || exit 1
long="$SOURCE/tests/e2e/data/long-writes.yaml"
sed 's/^name: long-writes$/name: long-writes-2/' "$long" >"$SCRATCH/long2.yaml"

# interrupt SIG WANT N NAME -- CMD...: run CMD (with -v) in the background, wait until N drills
# have started a step after install (polling its stderr), send SIG to CMD alone, expect exit WANT.
interrupt() {
	local sig=$1 want=$2 n=$3 name=$4 i; shift 5
	: >"$SCRATCH/err" # not the last command's lines
	"$@" >"$SCRATCH/out" 2>"$SCRATCH/err" &
	local pid=$!
	for i in $(seq 600); do
		[ "$(grep -c 'info: step 1: ' "$SCRATCH/err")" -ge "$n" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -"$sig" "$pid"
	wait "$pid"
	local got=$?
	if [ "$got" -eq "$want" ]; then pass "$name"; else
		fail "$name" "exit $got, expected $want: $*" "stderr: $(tail -n 5 "$SCRATCH/err")"
	fi
}
valid() {
	if xmllint --noout --schema "$xsd" "$1" 2>"$SCRATCH/xml.err"; then pass "$2"
	else fail "$2" "$(head -c 800 "$SCRATCH/xml.err")" "$(head -c 1200 "$1")"; fi
}
# no_process_left NAME: nothing of ours still runs from the scratch directory (the replicas'
# command lines name their volumes there)
no_process_left() {
	if pgrep -f -- "$SCRATCH/" >/dev/null; then fail "$1" "$(pgrep -af -- "$SCRATCH/")"; else pass "$1"; fi
}

# --- run, Ctrl-C during the first of two drills --------------------------------------------------
interrupt INT 130 1 "run: SIGINT during a drill exits 130" -- \
	"$CHAINDRILL" run "$long" "$SCRATCH/long2.yaml" --workspace "$SCRATCH/ws" --report-dir "$SCRATCH/r1" -v
expect_grep "^long-writes: INTERRUPTED \([0-9.]+ s\): interrupted by SIGINT$" "$SCRATCH/out" "run: the summary says INTERRUPTED"
expect_grep "^long-writes-2: NOT RUN: the run was interrupted by SIGINT before it started$" "$SCRATCH/out" "run: the drill never started is said so"
expect_grep "^chaindrill: run: interrupted by SIGINT; replicas stopped, exit 130$" "$SCRATCH/err" "run: stderr says why it exits 130"
expect_jq "$SCRATCH/r1/report.json" '.outcome == "interrupted" and .interrupted == "SIGINT"
	and .scenarios[0].interrupted == true and .scenarios[0].errorKind == "interrupted"
	and .scenarios[0].matched == false and (.scenarios[0].steps[1].error | test("interrupted by SIGINT"))
	and .scenarios[1].interrupted == true and .scenarios[1].skipped == true' "run: report.json says interrupted"
valid "$SCRATCH/r1/junit.xml" "run: junit.xml validates"
if python3 - "$SCRATCH/r1/junit.xml" <<'PY'; then pass "run: junit.xml has an interrupted error and a skipped testcase"; else fail "run: junit.xml has an interrupted error and a skipped testcase" "$(cat "$SCRATCH/r1/junit.xml")"; fi
import sys, xml.etree.ElementTree as E
s = E.parse(sys.argv[1]).getroot().find("testsuite")
c = s.findall("testcase")
e, k = c[0].find("error"), c[1].find("skipped")
sys.exit(0 if e is not None and e.get("type") == "interrupted" and "SIGINT" in e.get("message")
         and k is not None and "interrupted" in k.text and s.get("skipped") == "1" and s.get("errors") == "1" else 1)
PY
no_process_left "run: no process left after SIGINT"

# --- run --jobs 2, SIGTERM to the parent alone: it passes the signal on to both drills ----------
interrupt TERM 143 2 "run --jobs 2: SIGTERM exits 143" -- \
	"$CHAINDRILL" run "$long" "$SCRATCH/long2.yaml" --jobs 2 --workspace "$SCRATCH/ws" --report-dir "$SCRATCH/r2" -v
expect_jq "$SCRATCH/r2/report.json" '.outcome == "interrupted" and .interrupted == "SIGTERM" and
	([.scenarios[] | .interrupted and .errorKind == "interrupted"] | all) and (.scenarios | length) == 2' \
	"run --jobs 2: both drills report interrupted"
valid "$SCRATCH/r2/junit.xml" "run --jobs 2: junit.xml validates"
no_process_left "run --jobs 2: no process left after SIGTERM"

# --- a campaign --------------------------------------------------------------------------------
interrupt INT 130 1 "campaign: SIGINT exits 130" -- \
	"$CHAINDRILL" run --campaign 5 --seed 2 --workspace "$SCRATCH/ws" --report-dir "$SCRATCH/r3" -v
expect_jq "$SCRATCH/r3/report.json" '.outcome == "interrupted" and (.scenarios | length) == 5 and
	([.scenarios[] | select(.interrupted)] | length) >= 4' "campaign: report.json says interrupted"
valid "$SCRATCH/r3/junit.xml" "campaign: junit.xml validates"
no_process_left "campaign: no process left"

# --- vendor-check ------------------------------------------------------------------------------
mkdir -p "$SCRATCH/set" && cp "$long" "$SCRATCH/long2.yaml" "$SCRATCH/set/"
printf 'capabilities:\n  snapshot: [long-writes.yaml, long2.yaml]\n' >"$SCRATCH/set/manifest.yaml"
interrupt INT 130 1 "vendor-check: SIGINT exits 130" -- \
	"$CHAINDRILL" vendor-check "$SOURCE/fixtures/vendors/hostpath-copy.yaml" --set "$SCRATCH/set" \
	--workspace "$SCRATCH/ws" --report-dir "$SCRATCH/r4" -v
expect_grep "INTERRUPTED" "$SCRATCH/out" "vendor-check: the summary says INTERRUPTED"
expect_jq "$SCRATCH/r4/report.json" '.outcome == "interrupted" and .interrupted == "SIGINT" and
	.capabilities[0].status == "interrupted" and ([.scenarios[] | select(.capability == "snapshot") | .interrupted] | all)' \
	"vendor-check: report.json says interrupted"
valid "$SCRATCH/r4/junit.xml" "vendor-check: junit.xml validates"
no_process_left "vendor-check: no process left"
finish
