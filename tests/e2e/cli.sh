#!/usr/bin/env bash
# The command-line contract (docs/design.md §2): exit codes, error format, reports, workspace
# safety.
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SCRATCH"
expect_exit 2 "no command is a usage error" -- "$CHAINDRILL"
expect_exit 2 "an unknown command is a usage error" -- "$CHAINDRILL" frobnicate
expect_exit 0 "--help" -- "$CHAINDRILL" --help
expect_grep "db-checkpoint" "$SCRATCH/out" "--help lists the commands"
expect_exit 0 "faults lists the kinds" -- "$CHAINDRILL" faults
expect_exit 2 "run without a file" -- "$CHAINDRILL" run
expect_exit 2 "run of a missing file" -- "$CHAINDRILL" run "$SCRATCH/nope.yaml"
expect_grep "nope.yaml" "$SCRATCH/err" "the missing file is named"
printf 'name: x\nsteps: [{write: {blocks: 10}}]\nexpect: {verdict: consistent}\nbogus: 1\n' >bad.yaml
expect_exit 2 "run of a scenario with an unknown key" -- "$CHAINDRILL" run bad.yaml
expect_grep "^chaindrill: bad.yaml:4:1: " "$SCRATCH/err" "errors say FILE:LINE:COL"
expect_exit 2 "a bad --platform" -- "$CHAINDRILL" run "$SOURCE/scenarios/0001-quickstart.yaml" --platform vmware

# kind and minikube need a container engine: without one, exit 3, saying what is missing. Where a
# Docker engine answers these cases are reported skipped (platforms.sh checks the rest with
# stand-in programs).
# shellcheck disable=SC2034 # used in the bodies
mismatch=$SOURCE/tests/e2e/data/mismatch.yaml
test_expect_success '!DOCKER' '--platform kind without Docker exits 3' '
	test_expect_code 3 "$CHAINDRILL" run "$mismatch" --platform kind --workspace "$SCRATCH/wsk" \
		--report-dir "$SCRATCH/rk" >"$SCRATCH/kind.out"
'
test_expect_success '!DOCKER' 'the kind error names Docker' 'grep "[Dd]ocker" "$SCRATCH/kind.out"'
test_expect_success '!DOCKER' '--platform minikube without Docker exits 3' '
	test_expect_code 3 "$CHAINDRILL" run "$mismatch" --platform minikube --workspace "$SCRATCH/wsm" \
		--report-dir "$SCRATCH/rm"
'

# A differing outcome: exit 1, the workspace kept, the mismatch in the report and in JUnit.
expect_exit 1 "a differing outcome exits 1" -- "$CHAINDRILL" run "$SOURCE/tests/e2e/data/mismatch.yaml" --workspace "$SCRATCH/ws" --report-dir "$SCRATCH/r"
expect_grep "differs: agreedBlock: expected 31, observed 30" "$SCRATCH/out" "the summary says what differed"
expect_grep "rerun: (chaindrill|/.*/chaindrill) run $SOURCE/tests/e2e/data/mismatch.yaml --seed 14 --workspace $SCRATCH/ws$" "$SCRATCH/out" "the summary gives the rerun command"
if [ -d "$SCRATCH/ws/wrong-expectation/hostpath-provisioner" ]; then pass "the workspace is kept"; else fail "the workspace is kept"; fi
if jq -e '.scenarios[0].matched == false and .scenarios[0].observed.agreedBlock == 30 and .outcome == "differed"' "$SCRATCH/r/report.json" >/dev/null; then
	pass "report.json records the mismatch"
else
	fail "report.json records the mismatch" "$(head -c 600 "$SCRATCH/r/report.json")"
fi
if python3 -c 'import sys, xml.etree.ElementTree as E; t = E.parse(sys.argv[1]).getroot(); c = t.find("testsuite/testcase"); f = c.find("failure"); sys.exit(0 if t.get("failures") == "1" and c.get("name") == "wrong-expectation" and "agreedBlock" in f.get("message") else 1)' "$SCRATCH/r/junit.xml"; then
	pass "junit.xml has the failing testcase"
else
	fail "junit.xml has the failing testcase" "$(cat "$SCRATCH/r/junit.xml")"
fi

# The rerun command works pasted into a shell in another directory: the scenario's path made
# absolute and shell-quoted, the same workspace (not nested in the kept one), the same outcome.
mkdir -p "$SCRATCH/a dir" "$SCRATCH/elsewhere" && cp "$SOURCE/tests/e2e/data/mismatch.yaml" "$SCRATCH/a dir/it's.yaml"
(cd "$SCRATCH/a dir" && "$CHAINDRILL" run "it's.yaml" --workspace ws --report-dir r -q >/dev/null 2>&1)
rerun=$(jq -r '.scenarios[0].rerun' "$SCRATCH/a dir/r/report.json")
expect_exit 1 "the rerun command, pasted into sh elsewhere, differs again" -- sh -c 'cd "$1" && eval "$2"' sh "$SCRATCH/elsewhere" "$rerun"
expect_grep "differs: agreedBlock: expected 31, observed 30" "$SCRATCH/out" "the rerun reproduces the outcome"
expect_grep "workspace kept: $SCRATCH/a dir/ws/wrong-expectation$" "$SCRATCH/out" "the rerun uses the same workspace"
if [ ! -e "$SCRATCH/a dir/ws/wrong-expectation/wrong-expectation" ]; then pass "the rerun's workspace is not nested"; else fail "the rerun's workspace is not nested" "$(ls "$SCRATCH/a dir/ws/wrong-expectation")"; fi
expect_jq "$(ls "$SCRATCH"/elsewhere/reports/*/report.json | head -n 1)" '.scenarios[0].seed == 14' "the rerun has the same seed"

# --report-dir: the index beside a report directory this run created is rebuilt; one beside a
# directory that existed, or an index.html that is not chaindrill's, is left alone, and the
# `report index` command is printed instead.
mk="$SOURCE/tests/e2e/data/mismatch.yaml"
expect_exit 1 "a run into a new --report-dir" -- "$CHAINDRILL" run "$mk" --workspace "$SCRATCH/wsi" --report-dir "$SCRATCH/idx/r1"
expect_grep "^index:  $SCRATCH/idx/index.html \(1 run\)$" "$SCRATCH/out" "it rebuilds the index beside it"
expect_grep "r1/report.html" "$SCRATCH/idx/index.html" "the index links the run"
mkdir -p "$SCRATCH/idx/mine"
expect_exit 1 "a run into an existing --report-dir" -- "$CHAINDRILL" run "$mk" --workspace "$SCRATCH/wsi" --report-dir "$SCRATCH/idx/mine"
expect_grep "^index:  not updated: $SCRATCH/idx/mine existed before this run; \`chaindrill report index $SCRATCH/idx\`" "$SCRATCH/out" "it prints the report index command instead"
if ! grep -q "mine/report.html" "$SCRATCH/idx/index.html"; then pass "the index beside it is untouched"; else fail "the index beside it is untouched"; fi
expect_exit 1 "another run into a new --report-dir beside chaindrill's index" -- "$CHAINDRILL" run "$mk" --workspace "$SCRATCH/wsi" --report-dir "$SCRATCH/idx/r2"
expect_grep "^index:  $SCRATCH/idx/index.html \(3 runs\)$" "$SCRATCH/out" "it rebuilds chaindrill's index, whatever its size"
mkdir -p "$SCRATCH/site" && echo '<html>my page</html>' >"$SCRATCH/site/index.html"
expect_exit 1 "a run into a new --report-dir beside someone's index.html" -- "$CHAINDRILL" run "$mk" --workspace "$SCRATCH/wsi" --report-dir "$SCRATCH/site/r"
expect_grep "^index:  not updated: $SCRATCH/site/index.html is not chaindrill's" "$SCRATCH/out" "it says why"
if [ "$(cat "$SCRATCH/site/index.html")" = '<html>my page</html>' ]; then pass "someone's index.html is untouched"; else fail "someone's index.html is untouched"; fi

# A directory that is not a chaindrill workspace is never touched.
mkdir -p "$SCRATCH/precious/wrong-expectation" && echo keep >"$SCRATCH/precious/wrong-expectation/data.txt"
expect_exit 2 "a foreign workspace is refused" -- "$CHAINDRILL" run "$SOURCE/tests/e2e/data/mismatch.yaml" --workspace "$SCRATCH/precious" --report-dir "$SCRATCH/r3"
expect_grep "^chaindrill: run: wrong-expectation: .*precious/wrong-expectation: not empty and not a chaindrill workspace" "$SCRATCH/err" "the refusal says why, on stderr"
if [ "$(cat "$SCRATCH/precious/wrong-expectation/data.txt")" = keep ] && [ "$(ls "$SCRATCH/precious/wrong-expectation")" = data.txt ]; then
	pass "its files are untouched"
else
	fail "its files are untouched" "$(ls -la "$SCRATCH/precious/wrong-expectation")"
fi
finish
