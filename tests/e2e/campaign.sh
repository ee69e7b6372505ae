#!/usr/bin/env bash
# `chaindrill run --campaign N --seed S` (docs/campaigns.md): 20 random clean drills
# (--only clean) and 20 random drills with one fault each and the outcome it must cause
# (--only faults), all matching; the report says which fault each drew and why its
# outcome follows; `--drill K` reproduces one drill exactly; a wrong expectation is caught and
# printed with its one-line reproduction; bad arguments are input errors.
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SCRATCH" || exit 1

# The short version of the long campaigns of docs/campaigns.md: 20 clean drills (no false alarm)
# and 20 fault drills (every fault caught as expected).
expect_exit 0 "a clean campaign of 20 drills matches" -- \
	"$CHAINDRILL" run --campaign 20 --seed 20261201 --only clean --jobs 2 -q --workspace wsc --report-dir repc
expect_grep "^campaign 20261201: 20 drills, 20 matched, 0 differed$" "$SCRATCH/out" "the clean summary line"
expect_jq repc/report.json '[.scenarios[] | .campaign.fault == "none" and .observed.verdict == "consistent" and (.faults | length == 0)] | all' \
	"--only clean: every drill is fault-free and consistent"
expect_exit 0 "a fault campaign of 20 drills matches" -- \
	"$CHAINDRILL" run --campaign 20 --seed 20261125 --only faults --jobs 2 -q --workspace ws --report-dir rep
expect_grep "^campaign 20261125: 20 drills, 20 matched, 0 differed$" "$SCRATCH/out" "the fault summary line"
expect_jq rep/report.json '.campaign == {"seed": 20261125, "drills": 20, "matched": 20}' \
	"the run report holds the campaign's totals"
expect_jq rep/report.json '[.scenarios[] | .campaign.fault] | (index("none") == null) and (unique | length >= 10)' \
	"--only faults: no fault-free drill, at least 10 different fault templates"
expect_jq rep/report.json '[.scenarios[] | select(.campaign.scenarioYaml | test("\n  - fault: ")) | .faults | length > 0] | all' \
	"every drill with a fault records the fault injected"
expect_jq rep/report.json '[.scenarios[].faults[].details.file // empty | startswith("/") | not] | all' \
	"a fault's file is relative to the workspace, also when --workspace is relative"
expect_jq rep/report.json '[.scenarios[] | .observed.failedStep // empty] | length >= 3' \
	"some drills must fail a step, and did"
expect_jq rep/report.json '[.scenarios[] | .observed.verdict] | index("recoverable") != null' \
	"some drills end recoverable"
expect_jq rep/report.json '[.scenarios[] | .rerun | test("^(chaindrill|/[^ ]*/chaindrill) run --campaign 20 --seed 20261125 --only faults --drill [0-9]+ --workspace /[^ ]*/ws$")] | all' \
	"every drill carries its one-line reproduction"
if [ "$(find ws wsc -mindepth 1 -maxdepth 1 -name 'campaign-2026112[05]-*' | wc -l)" -eq 0 ]; then
	pass "matched drills leave no workspace"; else fail "matched drills leave no workspace" "$(ls ws wsc)"; fi

# --drill K runs exactly drill K again: same scenario text, same outcome.
k=$(jq -r '[.scenarios[] | select(.campaign.scenarioYaml | test("\n  - fault: "))][0].scenario.name | sub(".*-"; "")' rep/report.json)
expect_exit 0 "--drill $k reproduces one drill" -- \
	"$CHAINDRILL" run --campaign 20 --seed 20261125 --only faults --drill "$k" -q --workspace ws1 --report-dir rep1
expect_jq rep1/report.json '.scenarios | length == 1' "--drill runs one drill"
a=$(jq -c --arg n "campaign-20261125-$k" '.scenarios[] | select(.scenario.name == $n) | [.campaign.scenarioYaml, .observed.verdict, .observed.failedStep, .observed.agreedBlock]' rep/report.json)
b=$(jq -c '.scenarios[0] | [.campaign.scenarioYaml, .observed.verdict, .observed.failedStep, .observed.agreedBlock]' rep1/report.json)
if [ -n "$a" ] && [ "$a" = "$b" ]; then pass "the reproduction has the same scenario and outcome"; else
	fail "the reproduction has the same scenario and outcome" "first: $a" "again: $b"; fi

# A drill whose expectation is wrong is reported with its reproduction: the generated scenario is
# an ordinary file; break its expectation and run it as one.
f=$(ls ws/campaign-20261125/drill-*.yaml | head -n 1)
sed 's/^expect: .*/expect: {verdict: divergent}/' "$f" > wrong.yaml
expect_exit 1 "a wrong expectation differs" -- "$CHAINDRILL" run wrong.yaml -q --workspace ws2 --report-dir rep2
expect_grep "differs: verdict: expected divergent" "$SCRATCH/out" "what differed is printed"
expect_grep "rerun: (chaindrill|/[^ ]*/chaindrill) run $SCRATCH/wrong.yaml --seed [0-9]+ --workspace $SCRATCH/ws2$" "$SCRATCH/out" "with the command that reruns it"

expect_exit 2 "--campaign with files" -- "$CHAINDRILL" run --campaign 3 "$f"
expect_exit 2 "--campaign 0" -- "$CHAINDRILL" run --campaign 0
expect_exit 2 "--drill without --campaign" -- "$CHAINDRILL" run --drill 1 "$f"
expect_exit 2 "--drill past the campaign" -- "$CHAINDRILL" run --campaign 3 --drill 3
expect_exit 2 "--only without --campaign" -- "$CHAINDRILL" run --only clean "$f"
expect_exit 2 "--only of an unknown kind" -- "$CHAINDRILL" run --campaign 3 --only broken
finish
