#!/usr/bin/env bash
# junit.xml that CI systems accept (docs/reports.md): the junit.xml of a matched run, a differed
# run, a run whose scenario could not run, a campaign and a vendor-check (with skipped testcases)
# each validate against tests/e2e/data/junit.xsd (the facts of Jenkins' jenkins-junit.xsd, with
# typed counts and times) under `xmllint --schema`; one testcase per scenario; a failure says what
# differed. The schema itself rejects what Jenkins' rejects (a `file` attribute, a skipped message
# attribute, a misplaced element), so a pass means something.
. "$SOURCE/tests/e2e/lib/testlib.sh"
command -v xmllint >/dev/null || { fail "xmllint is installed (libxml2-utils, scripts/packages.txt [test])"; finish; }
xsd="$SOURCE/tests/e2e/data/junit.xsd"
cd "$SCRATCH" || exit 1

# valid FILE NAME: FILE validates against the schema and its root is <testsuites>
valid() {
	if xmllint --noout --schema "$xsd" "$1" 2>"$SCRATCH/xml.err" &&
		[ "$(xmllint --xpath 'name(/*)' "$1")" = testsuites ]; then pass "$2"
	else fail "$2" "$(head -c 800 "$SCRATCH/xml.err")" "$(head -c 1200 "$1")"; fi
}
# xpath FILE EXPR WANT NAME: the XPath expression's string value is WANT
xpath() {
	local got
	got=$(xmllint --xpath "$2" "$1" 2>&1)
	if [ "$got" = "$3" ]; then pass "$4"; else fail "$4" "$2 is '$got', expected '$3'" "$(head -c 1200 "$1")"; fi
}

# --- the schema has teeth: what Jenkins' schema rejects is rejected -----------------------------
good='<testsuites><testsuite name="s" tests="1" failures="0" errors="0" time="0.5"><testcase name="c" time="0.5"><skipped>why</skipped></testcase></testsuite></testsuites>'
echo "$good" >good.xml
valid good.xml "the schema accepts a minimal report"
reject() { # reject NAME XML: the schema refuses XML
	echo "$2" >bad.xml
	if xmllint --noout --schema "$xsd" bad.xml 2>/dev/null; then fail "the schema rejects $1" "$2"; else pass "the schema rejects $1"; fi
}
reject "a file attribute on a testcase" "${good/<testcase name=\"c\"/<testcase name=\"c\" file=\"x\"}"
reject "a message attribute on skipped" "${good/<skipped>/<skipped message=\"m\">}"
reject "a skipped count on testsuites" "${good/<testsuites>/<testsuites skipped=\"1\">}"
reject "a testsuite without failures" "${good/ failures=\"0\"/}"
reject "a time that is not a number" "${good/time=\"0.5\">/time=\"1,5\">}"
reject "system-out before a failure" "${good/<skipped>why<\/skipped>/<system-out>o</system-out><failure/>}"

# --- a matched run, a differed run, a run that could not run -----------------------------------
expect_exit 0 "a matched run" -- "$CHAINDRILL" run "$SOURCE/scenarios/0001-quickstart.yaml" \
	--workspace ws-ok --report-dir r-ok
valid r-ok/junit.xml "matched run: junit.xml validates"
xpath r-ok/junit.xml 'count(//testcase)' 1 "matched run: one testcase"
xpath r-ok/junit.xml 'count(//testcase/*[name()!="system-out"])' 0 "matched run: no failure or error"
xpath r-ok/junit.xml 'contains(//system-out, "file: ")' true "matched run: system-out names the file"

expect_exit 1 "a differed run" -- "$CHAINDRILL" run "$SOURCE/tests/e2e/data/mismatch.yaml" \
	--workspace ws-diff --report-dir r-diff
valid r-diff/junit.xml "differed run: junit.xml validates"
xpath r-diff/junit.xml 'string(//failure/@message)' "no restore; verdict consistent on the replicas' volumes — agreedBlock: expected 31, observed 30" \
	"differed run: the failure message leads with the headline, then says what differed"
xpath r-diff/junit.xml '/testsuites/@failures' ' failures="1"' "differed run: failures=1"

# kind without a Docker engine: the scenario could not run (an <error>). Where an engine answers,
# reported skipped.
if test_when '!DOCKER' "a run that could not run (kind without Docker): its junit.xml"; then
	expect_exit 3 "a run that could not run" -- "$CHAINDRILL" run "$SOURCE/tests/e2e/data/mismatch.yaml" \
		--platform kind --workspace ws-err --report-dir r-err
	valid r-err/junit.xml "error run: junit.xml validates"
	xpath r-err/junit.xml 'string(//testcase/error/@type)' environment "error run: an environment error"
	xpath r-err/junit.xml '/testsuites/@errors' ' errors="1"' "error run: errors=1"
fi

# --- a campaign: one testcase per drill --------------------------------------------------------
expect_exit 0 "a campaign of 3" -- "$CHAINDRILL" run --campaign 3 --seed 1 --workspace ws-c --report-dir r-c
valid r-c/junit.xml "campaign: junit.xml validates"
xpath r-c/junit.xml 'count(//testcase)' 3 "campaign: one testcase per drill"

# --- vendor-check: a testsuite per capability, skipped testcases --------------------------------
expect_exit 0 "vendor-check of hostpath-copy, one scenario" -- "$CHAINDRILL" vendor-check \
	"$SOURCE/fixtures/vendors/hostpath-copy.yaml" --set "$SOURCE/scenarios/vendor-check" \
	--only vc-restore-latest-common --workspace ws-vc --report-dir r-vc
valid r-vc/junit.xml "vendor-check: junit.xml validates"
xpath r-vc/junit.xml 'count(//testcase[skipped]) > 0' true "vendor-check: it has skipped testcases"
xpath r-vc/junit.xml 'starts-with(//testsuite[@name="hostpath-copy.topology"]/testcase[1]/skipped, "not declared")' true \
	"vendor-check: a skipped testcase says why in its text"
finish
