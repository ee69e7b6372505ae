#!/usr/bin/env bash
# report.html and reports/index.html in a real browser: Debian's chromium, headless, driven over
# WebDriver (chromedriver on 127.0.0.1, tests/e2e/lib/webdriver.py). Two runs (a clean drill with a
# restore whose description holds markup, and bitflip-replica-down whose replica 2 ends corrupt)
# and a broken report.json beside them; the pages must show the verdicts, the SVG timeline and its
# markers, the replica rows, the first error, RPO/RTO and the rerun command, log no console error,
# fetch nothing but their own file:// URL, and the index's links must lead to files that exist.
# A screenshot of each page is kept in build/test-artifacts/ (also when the test passes).
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SCRATCH" || exit 1
artifacts=$(dirname "$(dirname "$SCRATCH")")/test-artifacts
mkdir -p "$artifacts"

chromium=$(command -v chromium) chromedriver=$(command -v chromedriver)
if [ -z "$chromium" ] || [ -z "$chromedriver" ]; then
	fail "chromium and chromedriver are installed" \
		"this test needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver (scripts/setup.sh installs them)"
	finish
fi

# Whatever happens, no browser is left running: the driver's whole process group goes.
cleanup() {
	if [ -s "$SCRATCH/wd.pgid" ]; then kill -KILL -- "-$(cat "$SCRATCH/wd.pgid")" 2>/dev/null; fi
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

expect_exit 0 "a clean drill with a restore" -- "$CHAINDRILL" run "$SOURCE/tests/e2e/data/report-html.yaml" \
	"$SOURCE/scenarios/3001-bitflip-replica-down.yaml" --workspace ws --keep -q
expect_grep "^index:  reports/index.html \(1 run\)$" "$SCRATCH/out" "run rebuilds reports/index.html"
run1=$(ls -d reports/*-report-html-clean)
expect_exit 0 "a second run" -- "$CHAINDRILL" run "$SOURCE/scenarios/3001-bitflip-replica-down.yaml" --workspace ws -q
run2=$(ls -d reports/*-bitflip-replica-down)
for f in report.json junit.xml report.html; do
	if [ -s "$run1/$f" ]; then pass "$f beside the others"; else fail "$f beside the others" "$(ls "$run1")"; fi
done
mkdir -p reports/broken && printf '{"schema": ' >reports/broken/report.json
expect_exit 0 "chaindrill report index rebuilds the index" -- "$CHAINDRILL" report index reports
expect_grep "^index:  reports/index.html \(2 runs, 1 skipped: see the page\)$" "$SCRATCH/out" "counting the broken report as skipped"
expect_exit 2 "report without a subcommand is a usage error" -- "$CHAINDRILL" report

# The browser: one request per line to the driver, one JSON answer per line back.
coproc WD { exec /usr/bin/python3 "$SOURCE/tests/e2e/lib/webdriver.py" "$chromium" "$chromedriver" \
	"$SCRATCH/profile" "$SCRATCH/wd.pgid" "$SCRATCH/chromedriver.log" 2>"$SCRATCH/webdriver.err"; }
wd_pid=$WD_PID wd_in=${WD[1]}
ask() {
	echo "$1" >&"${WD[1]}"
	if ! IFS= read -r answer <&"${WD[0]}"; then answer='{"error": "the driver died"}'; fi
	if jq -e 'has("error")' <<<"$answer" >/dev/null; then echo "# $1: $answer" >&2; fi
	jq -c '.value' <<<"$answer"
}
# check_answer REQUEST JQ-FILTER NAME
check_answer() {
	local got
	got=$(ask "$1")
	if jq -e "$2" <<<"$got" >/dev/null 2>&1; then pass "$3"; else
		fail "$3" "$1 gave $(head -c 700 <<<"$got")" "wanted: $2" "driver: $(tail -n 5 "$SCRATCH/webdriver.err")"
	fi
}
# no_errors_no_network NAME: the console is empty and every request was for a file:// URL
no_errors_no_network() {
	local logs
	logs=$(ask logs)
	if jq -e '.console == []' <<<"$logs" >/dev/null 2>&1; then pass "$1: no console message"; else
		fail "$1: no console message" "$(head -c 800 <<<"$logs")"
	fi
	if jq -e '(.urls | length) > 0 and all(.urls[]; startswith("file://"))' <<<"$logs" >/dev/null 2>&1; then
		pass "$1: no request beyond file://"
	else
		fail "$1: no request beyond file://" "$(head -c 800 <<<"$logs")"
	fi
}

base="file://$SCRATCH"
check_answer "open $base/$run1/report.html" '.ok' "chromium opens report.html"
check_answer "texts #run-outcome" '.[0] | test("MATCHED 2 scenarios: 2 matched")' "the run's outcome, as a word"
check_answer "texts section.scenario .head .badge" '. == ["MATCHED", "MATCHED"]' "each scenario's verdict badge says its outcome"
check_answer "texts section.scenario .verdict b" '. == ["consistent", "recoverable"]' "the observed verdicts"
check_answer "texts #s1 .description" '.[0] | contains("<script>alert(\"x\")</script> & <b>markup</b>")' "markup in a description shows as text"
check_answer "count script" '. == 0' "and is no element"
check_answer "count svg.timeline" '. == 2' "a timeline per scenario"
check_answer "count #s1 svg .tl-item" '. >= 13' "bars for steps and restore substeps"
check_answer "count #s1 svg .tl-restore" '. >= 6' "the restore's runbook substeps"
check_answer "count #s1 svg .tl-marker.tl-checkpoint" '. >= 1' "checkpoint markers"
check_answer "count #s2 svg .tl-marker.tl-fault" '. == 1' "the fault's marker"
check_answer "count #s1 tr.replica" '. == 4' "a row per replica"
check_answer "texts #s1 tr.replica" 'all(.[]; gsub("\n"; " ") | test("block 300 checkpoints .*300 block 300 from checkpoint 300 block 350"))' "heights and checkpoints before, after the restore and at the end"
check_answer "texts #s2 tr.corrupt-replica" '.[0] | test("^2 corrupt [0-9]+")' "the corrupt replica"
check_answer "texts #s2 .first-error" '.[0] | test("Corruption: block checksum mismatch")' "with its first error"
check_answer "texts #s1-rpo" '.[0] | test("^200 blocks / 35.0 s")' "RPO"
check_answer "texts #s1-rto" '.[0] | test("^[0-9.]+ s")' "RTO"
check_answer "texts #s2 .rpo-rto" '.[0] | test("No restore ran")' "no RPO/RTO without a restore"
check_answer "texts #s2 pre.rerun" '.[0] | startswith("chaindrill run ") and contains("3001-bitflip-replica-down.yaml --seed 7")' "the rerun command"
check_answer "texts #s1 .workspace" '.[0] | test("kept")' "whether the workspace was kept"
no_errors_no_network "report.html"
check_answer "screenshot $artifacts/report-html.png" '.ok and .height > 1000' "a screenshot of report.html"

check_answer "open $base/reports/index.html" '.ok' "chromium opens index.html"
check_answer "texts table.matrix tr" '.[0] | test("scenario matched differed error")' "the matrix's header"
check_answer "texts table.matrix tr" 'any(.[]; test("^bitflip-replica-down 2 0 0 MATCHED MATCHED$"))' "a scenario's row: counts and an outcome per run"
check_answer "count table.runs tr" '. == 3' "both runs listed"
check_answer "texts ul.skipped li" '.[0] | startswith("broken/report.json: not JSON")' "the broken report noted"
no_errors_no_network "index.html"
hrefs=$(ask "attrs a href")
n_links=0 bad_links=""
for h in $(jq -r '.[]' <<<"$hrefs"); do
	n_links=$((n_links + 1))
	[ -f "reports/${h%%#*}" ] || bad_links="$bad_links $h"
done
if [ "$n_links" -ge 5 ] && [ -z "$bad_links" ]; then pass "every index link ($n_links) leads to a file"; else
	fail "every index link leads to a file" "links: $hrefs" "missing:$bad_links"
fi
check_answer "screenshot $artifacts/report-html-index.png" '.ok' "a screenshot of index.html"

echo quit >&"$wd_in"
wait "$wd_pid" 2>/dev/null
pgid=$(cat "$SCRATCH/wd.pgid")
left=$(ps -o pid=,stat=,comm= -g "$pgid" | awk '$2 !~ /^Z/')
if [ -z "$left" ]; then pass "no chromium or chromedriver left running"; else fail "no chromium or chromedriver left running" "$left"; fi
echo "# screenshots: $artifacts/report-html.png $artifacts/report-html-index.png"
finish
