#!/usr/bin/env bash
# report.html and reports/index.html in a real browser: Debian's chromium, headless, driven over
# WebDriver (chromedriver on 127.0.0.1, tests/e2e/lib/webdriver.py, which starts chromium as a
# test harness should: a fresh profile, no first run, no background networking). Four runs (a
# clean drill with a restore whose description holds markup, and bitflip-replica-down whose
# replica 2 ends corrupt; bitflip again; wrong-az on ebs-sim whose restore fails, a foreign and a
# mismatched checkpoint; the mismatched one again) and a broken report.json beside them. The pages
# must show the headline (the restore's fate, then the verdict and its volumes), the SVG timeline
# with every checkpoint each replica took, the replica rows with what each was restored from, the
# first error, RPO/RTO or why there are none, the rerun command; log no console error; request
# nothing but file: and data: URLs (only what the page's own documents ask for counts, not what
# the browser fetches for itself); and the index must fit 1280 px with its scenario column
# pinned, its links leading to files that exist. A screenshot of each page is kept in
# build/test-artifacts/ (also when the test passes): report-html*.png.
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

# the judge of requests, on recorded DevTools events: a first-run browser's own new-tab page
# (chrome-untrusted://new-tab-page/one-google-bar) is not the page's doing; the page's http is
if out=$(/usr/bin/python3 "$SOURCE/tests/e2e/lib/webdriver.py" --self-test 2>&1); then
	pass "requests are judged by the document that made them"
else fail "requests are judged by the document that made them" "$out"; fi

expect_exit 0 "a clean drill with a restore" -- "$CHAINDRILL" run "$SOURCE/tests/e2e/data/report-html.yaml" \
	"$SOURCE/scenarios/3001-bitflip-replica-down.yaml" --workspace ws --keep -q
expect_grep "^index:  reports/index.html \(1 run\)$" "$SCRATCH/out" "run rebuilds reports/index.html"
run1=$(ls -d reports/*-report-html-clean)
expect_exit 0 "a second run" -- "$CHAINDRILL" run "$SOURCE/scenarios/3001-bitflip-replica-down.yaml" --workspace ws -q
run2=$(ls -d reports/*-bitflip-replica-down)
for f in report.json junit.xml report.html; do
	if [ -s "$run1/$f" ]; then pass "$f beside the others"; else fail "$f beside the others" "$(ls "$run1")"; fi
done
expect_exit 0 "a restore that fails, a foreign and a mismatched checkpoint" -- "$CHAINDRILL" run \
	"$SOURCE/scenarios/6102-ebs-sim-wrong-az.yaml" "$SOURCE/scenarios/4014-foreign-checkpoint-other-blockchain.yaml" \
	"$SOURCE/scenarios/4006-mismatched-checkpoint-behind.yaml" --workspace ws -q
run3=$(ls -d reports/*-ebs-sim-wrong-az)
expect_exit 0 "a fourth run" -- "$CHAINDRILL" run "$SOURCE/scenarios/4006-mismatched-checkpoint-behind.yaml" --workspace ws -q
mkdir -p reports/broken && printf '{"schema": ' >reports/broken/report.json
expect_exit 0 "chaindrill report index rebuilds the index" -- "$CHAINDRILL" report index reports
expect_grep "^index:  reports/index.html \(4 runs, 1 skipped: see the page\)$" "$SCRATCH/out" "counting the broken report as skipped"
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
# no_errors_no_network NAME: the console is empty, and the page's documents requested their own
# file:// URL and nothing but file: and data: URLs (.foreign: http, https, ws, chrome:, ...)
no_errors_no_network() {
	local logs
	logs=$(ask logs)
	if jq -e '.console == []' <<<"$logs" >/dev/null 2>&1; then pass "$1: no console message"; else
		fail "$1: no console message" "$(head -c 800 <<<"$logs")"
	fi
	if jq -e '(.urls | map(select(startswith("file://"))) | length) > 0 and .foreign == []' <<<"$logs" >/dev/null 2>&1; then
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
check_answer "texts #s2 pre.rerun" '.[0] | test("^(chaindrill|/[^ ]*/chaindrill) run ") and contains("3001-bitflip-replica-down.yaml --seed 7")' "the rerun command"
check_answer "texts #s1 .workspace" '.[0] | test("kept")' "whether the workspace was kept"
no_errors_no_network "report.html"
check_answer "screenshot $artifacts/report-html.png" '.ok and .height > 1000' "a screenshot of report.html"
check_answer "texts #s1 .headline" '.[0] == "restore ok (block 300); verdict consistent on the restored volumes"' "the headline: the restore, then the verdict and its volumes"
check_answer "texts #s2 .headline" '.[0] == "no restore; verdict recoverable on the replicas'"'"' volumes"' "without a restore, it says so"
check_answer "attrs #s1 svg .tl-taken data-replica" '(map(tonumber) | unique) == [0, 1, 2, 3]' "the checkpoints lane: every replica's periodic checkpoints"
check_answer "css #s1 table.steps td.num white-space" 'length >= 14 and all(.[]; . == "nowrap")' "at and took never wrap"

# a run whose restore failed, one restored from a foreign checkpoint, one from mismatched ones
check_answer "open $base/$run3/report.html" '.ok' "chromium opens the failed restore's report.html"
check_answer "texts #s1 .headline" '.[0] == "restore FAILED at restore-volumes (step 5); verdict consistent on the original volumes (the restore did not change them)"' \
	"wrong-az: the headline says the restore failed before the verdict on the untouched volumes"
check_answer "texts #s1 .rpo-rto" '.[0] == "restore FAILED at restore-volumes (step 5): no RPO or RTO, the restore did not complete."' \
	"wrong-az: no RPO or RTO because the restore failed, and where"
check_answer "texts body" '.[0] | test("No restore ran") | not' "no page section says no restore ran"
check_answer "count #s1 svg .tl-restore.tl-failed" '. == 1' "wrong-az: the failed substep, red on the timeline"
check_answer "texts #s1 tr.replica" 'length == 4 and all(.[]; test("not restored: the restore failed before it changed the volumes"))' \
	"wrong-az: each replica was not restored"
check_answer "texts #s2 tr.replica" 'length == 4 and all(.[]; test("from checkpoint 750")) and ([.[] | select(test("not checked"))] | length) == 3' \
	"foreign checkpoint: what each replica was restored from, also where check-state stopped before it"
check_answer "texts #s3 tr.replica" '.[1] | gsub("\n"; " ") | test("block 750 from checkpoint 750")' "mismatched checkpoint: replica 1 from its own checkpoint 750"
check_answer "attrs #s3 svg .tl-taken[data-replica=\"1\"] data-seq" '. == ["150", "300", "450", "600", "750", "900", "1050"]' \
	"mismatched checkpoint: each checkpoint replica 1 took, by sequence number"
no_errors_no_network "the failed restore's report.html"
check_answer "screenshot $artifacts/report-html-failed-restore.png" '.ok' "a screenshot of the failed restore's report.html"

check_answer "open $base/reports/index.html" '.ok' "chromium opens index.html"
check_answer "texts table.matrix tr" '.[0] | test("scenario matched differed error")' "the matrix's header"
check_answer "texts table.matrix tr" 'any(.[]; test("^bitflip-replica-down 2 0 0 +MATCHED +MATCHED$"))' "a scenario's row: counts and an outcome per run"
check_answer "count table.runs tr" '. == 5' "all four runs listed"
check_answer "count table.matrix th.run" '. == 4' "four run columns"
widths=$(ask "rects table.matrix")$(ask "rects div.scroll")
if jq -se '.[0][0].width <= .[1][0].width and .[1][0].x + .[1][0].width <= 1280' <<<"$widths" >/dev/null 2>&1; then
	pass "the matrix of four runs fits 1280 px: no sideways scrolling"
else fail "the matrix of four runs fits 1280 px: no sideways scrolling" "table, then its box: $widths"; fi
check_answer "css table.matrix tr > :first-child position" 'length == 6 and all(.[]; . == "sticky")' "the scenario column is pinned"
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

# the judge has teeth: a page that asks for http is caught, even on loopback
printf '<!DOCTYPE html><title>fetches</title><img src="http://127.0.0.1:9/x.png" alt="">\n' >fetches.html
check_answer "open $base/fetches.html" '.ok' "chromium opens a page that fetches"
check_answer "logs" '.foreign == ["http://127.0.0.1:9/x.png"]' "its http request is the one foreign request"

echo quit >&"$wd_in"
wait "$wd_pid" 2>/dev/null
pgid=$(cat "$SCRATCH/wd.pgid")
left=$(ps -o pid=,stat=,comm= -g "$pgid" | awk '$2 !~ /^Z/')
if [ -z "$left" ]; then pass "no chromium or chromedriver left running"; else fail "no chromium or chromedriver left running" "$left"; fi
echo "# screenshots: $artifacts/report-html.png $artifacts/report-html-failed-restore.png $artifacts/report-html-index.png"
finish
