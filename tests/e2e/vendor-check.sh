#!/usr/bin/env bash
# `chaindrill vendor-check` (docs/vendor-check.md): the shipped vendors pass the standard set with
# per-capability results in report.json and junit.xml (hostpath-copy, ebs-sim, and exec with its
# reference plugin); an exec plugin that refuses restores fails snapshot; a vendor that declares
# what it cannot do fails that capability, naming the scenario and what differed; every bad
# definition of fixtures/bad-vendors is rejected with exit 2 and the FILE:LINE:COL message its
# first line announces; a missing exec program and an unbuilt driver are environment errors (3).
. "$SOURCE/tests/e2e/lib/testlib.sh"
command -v jq >/dev/null || { fail "jq is installed (scripts/packages.txt [test])"; finish; }
cd "$SOURCE" || exit 1
set_dir="$SOURCE/scenarios/vendor-check"

# expect_junit FILE PYTHON-EXPR NAME: the expression is true of the parsed <testsuites> root `t`
expect_junit() {
	if python3 - "$1" "$2" <<'EOF' 2>"$SCRATCH/py.err"; then pass "$3"; else
import sys, xml.etree.ElementTree as E
t = E.parse(sys.argv[1]).getroot()
suite = {s.get("name").split(".", 1)[1]: s for s in t.findall("testsuite")}
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)
EOF
		fail "$3" "not true of $1: $2" "$(head -c 300 "$SCRATCH/py.err")" "$(head -c 1200 "$1")"
	fi
}
# no_replicas_left NAME: no process of ours still runs from the scratch directory
no_replicas_left() {
	if pgrep -f -- "$SCRATCH/" >/dev/null; then fail "$1" "$(pgrep -af -- "$SCRATCH/")"; else pass "$1"; fi
}

# --- the standard set is valid, and it is not part of the plain scenario glob -------------------
mapfile -t set_files < <(ls "$set_dir"/[0-9]*.yaml)
expect_exit 0 "every scenario of the set validates" -- "$CHAINDRILL" validate -q "${set_files[@]}"
for f in "${set_files[@]}"; do
	if grep -qF "$(basename "$f")" "$set_dir/manifest.yaml"; then pass "$(basename "$f") is in the manifest"
	else fail "$(basename "$f") is in the manifest"; fi
done

# --- hostpath-copy: snapshot passes, the rest is skipped ----------------------------------------
start=$(date +%s%N)
expect_exit 0 "hostpath-copy passes" -- "$CHAINDRILL" vendor-check fixtures/vendors/hostpath-copy.yaml \
	--workspace "$SCRATCH/ws-hp" --report-dir "$SCRATCH/r-hp"
echo "# hostpath-copy: $((($(date +%s%N) - start) / 1000000)) ms"
r="$SCRATCH/r-hp/report.json"
expect_grep "^  snapshot +passed +5 of 5 scenarios as expected$" "$SCRATCH/out" "hostpath-copy: snapshot passed (summary)"
expect_grep "^  topology +skipped +not declared" "$SCRATCH/out" "hostpath-copy: topology skipped (summary)"
expect_grep "^vendor-check: hostpath-copy PASSED" "$SCRATCH/out" "hostpath-copy: the verdict line"
expect_jq "$r" '.schema == "chaindrill-vendor-check/1" and .outcome == "passed"
	and .vendor.name == "hostpath-copy" and .vendor.driver == "hostpath-copy"' "hostpath-copy: report header"
expect_jq "$r" '[.capabilities[] | {(.name): .status}] | add ==
	{"snapshot": "passed", "topology": "skipped", "consistencyAcrossVolumes": "skipped"}' \
	"hostpath-copy: a verdict per capability"
expect_jq "$r" '[.scenarios[] | select(.capability == "snapshot") | .matched] | length == 5 and all' \
	"hostpath-copy: every snapshot scenario matched"
expect_jq "$r" '[.scenarios[] | select(.capability == "topology") | .skipped] | length == 3 and all' \
	"hostpath-copy: the topology scenarios are skipped"
expect_jq "$r" '[.scenarios[] | select(.skipped | not) | .vendor == "hostpath-copy" and
	(.steps | length) > 0 and .verification.verdict == "consistent"] | all' \
	"hostpath-copy: each scenario carries its drill report"
if xmllint --noout "$SCRATCH/r-hp/junit.xml" 2>"$SCRATCH/xml.err"; then pass "hostpath-copy: junit.xml is well-formed"
else fail "hostpath-copy: junit.xml is well-formed" "$(cat "$SCRATCH/xml.err")"; fi
expect_junit "$SCRATCH/r-hp/junit.xml" 'sorted(suite) == ["consistencyAcrossVolumes", "snapshot", "topology"]
	and suite["snapshot"].get("tests") == "5" and suite["snapshot"].get("failures") == "0"
	and suite["topology"].get("skipped") == "3" and t.get("failures") == "0"
	and all(c.get("classname") == "chaindrill.vendor-check.snapshot" for c in suite["snapshot"].findall("testcase"))' \
	"hostpath-copy: one testsuite per capability, one testcase per scenario"
if [ -z "$(find "$SCRATCH/ws-hp" -mindepth 1 -not -type d)" ]; then pass "hostpath-copy: workspaces removed"
else fail "hostpath-copy: workspaces removed" "$(find "$SCRATCH/ws-hp" | head)"; fi

# --- ebs-sim: snapshot and topology pass (two at a time) ----------------------------------------
expect_exit 0 "ebs-sim passes with --jobs 2" -- "$CHAINDRILL" vendor-check fixtures/vendors/ebs-sim.yaml \
	--jobs 2 --workspace "$SCRATCH/ws-ebs" --report-dir "$SCRATCH/r-ebs" -q
r="$SCRATCH/r-ebs/report.json"
expect_jq "$r" '[.capabilities[] | {(.name): .status}] | add ==
	{"snapshot": "passed", "topology": "passed", "consistencyAcrossVolumes": "skipped"}' \
	"ebs-sim: snapshot and topology passed"
expect_jq "$r" '.vendor.zones == ["us-east-1a", "us-east-1b", "us-east-1c"] and
	([.scenarios[] | select(.skipped | not) | .vendor] | unique) == ["ebs-sim"]' \
	"ebs-sim: the drills ran on the vendor's driver"
expect_jq "$r" '.scenarios[] | select(.scenario.name == "vc-wrong-az-refused") |
	.matched and (.observed.error | test("InvalidVolume.ZoneMismatch")) and
	(.faults[0].details.volumeZone != .faults[0].details.instanceZone)' \
	"ebs-sim: wrong-az is refused with InvalidVolume.ZoneMismatch across the vendor's zones"
expect_jq "$r" '.scenarios[] | select(.scenario.name == "vc-restore-in-instance-zone") |
	.matched and .faults[0].details.volumeZone == "us-east-1b"' \
	"ebs-sim: the scenario's zone-b became the vendor's second zone"

# --- exec: the reference plugin passes; a plugin that refuses restores fails snapshot ------------
expect_exit 0 "hostpath-exec (the exec reference plugin) passes" -- "$CHAINDRILL" vendor-check \
	fixtures/vendors/hostpath-exec.yaml --jobs 2 --workspace "$SCRATCH/ws-exec" --report-dir "$SCRATCH/r-exec" -q
expect_jq "$SCRATCH/r-exec/report.json" '.vendor.driver == "exec" and .vendor.timeoutSeconds == 60 and
	(.vendor.program | endswith("/plugins/hostpath-exec.sh")) and .capabilities[0].status == "passed"
	and ([.scenarios[] | select(.skipped | not) | .vendor] | unique) == ["exec"]' \
	"hostpath-exec: the drills ran the plugin"
printf 'name: refuses\ndriver: exec\nexec: {program: %s/fixtures/vendor-plugins/restore-fails.sh}\ncapabilities: {snapshot: true}\n' \
	"$SOURCE" >"$SCRATCH/refuses.yaml"
expect_exit 1 "an exec plugin that refuses restores fails" -- "$CHAINDRILL" vendor-check "$SCRATCH/refuses.yaml" \
	--jobs 2 --workspace "$SCRATCH/ws-refuses" --report-dir "$SCRATCH/r-refuses"
expect_grep "^  snapshot +failed +5 of 5 scenarios differed" "$SCRATCH/out" "refuses: snapshot failed (summary)"
expect_grep "quota exceeded" "$SCRATCH/out" "refuses: the plugin's error is shown"
expect_jq "$SCRATCH/r-refuses/report.json" '.outcome == "failed" and .capabilities[0].status == "failed"
	and (.capabilities[0].failed | length) == 5' "refuses: report.json verdict"

# --- a vendor that declares a capability it lacks fails it, saying where and what differed -----
cat >"$SCRATCH/liar.yaml" <<'EOF'
name: liar
driver: hostpath-copy
capabilities:
  snapshot: true
  topology: {zones: [north-1a, north-1b]}
  consistencyAcrossVolumes: true
EOF
expect_exit 1 "a vendor claiming topology it lacks fails" -- "$CHAINDRILL" vendor-check "$SCRATCH/liar.yaml" \
	--jobs 2 --workspace "$SCRATCH/ws-liar" --report-dir "$SCRATCH/r-liar"
expect_grep "^  topology +failed +2 of 3 scenarios differed" "$SCRATCH/out" "liar: topology failed (summary)"
expect_grep "^      vc-wrong-az-refused \(4003-wrong-az-refused.yaml\):$" "$SCRATCH/out" "liar: the failing scenario is named"
expect_grep "differs: failedStep: expected 'restore' to fail, but 'fault' failed: vendor hostpath-copy has no availability zones" \
	"$SCRATCH/out" "liar: what differed is said"
expect_grep "^  consistencyAcrossVolumes +not-exercised " "$SCRATCH/out" "liar: a capability with no scenario is not-exercised"
expect_grep "rerun: (chaindrill|/[^ ]*/chaindrill) vendor-check $SCRATCH/liar.yaml --set $set_dir --only vc-wrong-az-refused --workspace $SCRATCH/ws-liar$" \
	"$SCRATCH/out" "liar: the rerun command (absolute paths: it works from any directory)"
r="$SCRATCH/r-liar/report.json"
expect_jq "$r" '.outcome == "failed" and ([.capabilities[] | {(.name): .status}] | add ==
	{"snapshot": "passed", "topology": "failed", "consistencyAcrossVolumes": "not-exercised"})
	and (.capabilities[1].failed | sort) == ["vc-restore-in-instance-zone", "vc-wrong-az-refused"]' \
	"liar: report.json verdicts"
expect_junit "$SCRATCH/r-liar/junit.xml" 'suite["topology"].get("failures") == "2" and
	suite["snapshot"].get("failures") == "0" and suite["consistencyAcrossVolumes"].get("skipped") == "1"
	and any("ZoneMismatch" in (c.find("failure").text or "") or "no availability zones" in
	c.find("failure").get("message") for c in suite["topology"].findall("testcase") if c.find("failure") is not None)' \
	"liar: junit.xml has the topology failures"
if [ -d "$SCRATCH/ws-liar/vc-wrong-az-refused" ]; then pass "liar: the failing workspace is kept"
else fail "liar: the failing workspace is kept"; fi
expect_exit 1 "liar: --only reruns one scenario" -- "$CHAINDRILL" vendor-check "$SCRATCH/liar.yaml" \
	--only vc-wrong-az-refused --workspace "$SCRATCH/ws-liar" --report-dir "$SCRATCH/r-only"
expect_jq "$SCRATCH/r-only/report.json" '[.scenarios[] | select(.skipped | not) | .scenario.name] ==
	["vc-wrong-az-refused"]' "liar: --only ran just that scenario"
expect_exit 2 "--only with an unknown scenario" -- "$CHAINDRILL" vendor-check "$SCRATCH/liar.yaml" \
	--only nope --workspace "$SCRATCH/ws-liar" --report-dir "$SCRATCH/r-nope"

# --- bad definitions: exit 2 and the announced FILE:LINE:COL message ----------------------------
bad=(fixtures/bad-vendors/*.yaml)
if [ "${#bad[@]}" -ge 20 ]; then pass "at least 20 bad definitions"; else fail "at least 20 bad definitions" "${#bad[@]}"; fi
for f in "${bad[@]}"; do
	first=$(head -n 1 "$f")
	if ! [[ "$first" =~ ^#\ expect:\ ([0-9]+:[0-9]+):\ (.+)$ ]]; then
		fail "$f: first line is '# expect: LINE:COL: substring'" "got: $first"
		continue
	fi
	pos=${BASH_REMATCH[1]} sub=${BASH_REMATCH[2]}
	expect_exit 2 "$f is rejected" -- "$CHAINDRILL" vendor-check "$f" --workspace "$SCRATCH/ws-bad" --report-dir "$SCRATCH/r-bad"
	if grep -F -- "chaindrill: $f:$pos: " "$SCRATCH/err" | grep -qF -- "$sub"; then pass "$f: $pos: $sub"
	else fail "$f: $pos: $sub" "stderr: $(head -c 600 "$SCRATCH/err")"; fi
done
if [ -e "$SCRATCH/ws-bad" ] || [ -e "$SCRATCH/r-bad" ]; then fail "bad definitions write nothing"
else pass "bad definitions write nothing"; fi
expect_exit 2 "a missing definition file" -- "$CHAINDRILL" vendor-check "$SCRATCH/nope.yaml"
expect_grep "^chaindrill: $SCRATCH/nope.yaml: cannot open: No such file or directory$" "$SCRATCH/err" "the missing file is named"

# --- a bad manifest (--set) ---------------------------------------------------------------------
mkdir -p "$SCRATCH/set"
cp "$set_dir/1001-restore-latest-common.yaml" "$SCRATCH/set/"
printf 'capabilities:\n  snapshot: [1001-restore-latest-common.yaml]\n  restoreInPlace: []\n' >"$SCRATCH/set/manifest.yaml"
expect_exit 2 "a manifest with an unknown capability" -- "$CHAINDRILL" vendor-check fixtures/vendors/hostpath-copy.yaml --set "$SCRATCH/set"
expect_grep "^chaindrill: $SCRATCH/set/manifest.yaml:3:3: capabilities.restoreInPlace: unknown key" "$SCRATCH/err" "the manifest error has FILE:LINE:COL"
printf 'capabilities:\n  snapshot: [1001-restore-latest-common.yaml, 1009-gone.yaml]\n' >"$SCRATCH/set/manifest.yaml"
expect_exit 2 "a manifest naming a missing scenario" -- "$CHAINDRILL" vendor-check fixtures/vendors/hostpath-copy.yaml --set "$SCRATCH/set"
expect_grep "^chaindrill: $SCRATCH/set/manifest.yaml:2:47: capabilities.snapshot\[1\]: expected an existing scenario file" "$SCRATCH/err" "the missing scenario is pointed at"

# --- environment errors: exit 3 ------------------------------------------------------------------
# Outside a checkout, with no set installed beside the binary: exit 3, naming --set.
mkdir -p "$SCRATCH/elsewhere"
expect_exit 3 "no standard set found (outside the checkout, not installed)" -- \
	sh -c 'cd "$1" && shift && exec "$@"' sh "$SCRATCH/elsewhere" "$CHAINDRILL" vendor-check "$SOURCE/fixtures/vendors/hostpath-copy.yaml"
expect_grep "^chaindrill: vendor-check: no standard scenario set: neither \./scenarios/vendor-check .* give --set DIR" "$SCRATCH/err" "it says where it looked and names --set"
printf 'name: acme-block\ndriver: exec\nexec: {program: ./acme-plugin.sh, timeoutSeconds: 30}\ncapabilities: {snapshot: true}\n' >"$SCRATCH/acme.yaml"
expect_exit 3 "a missing exec program" -- "$CHAINDRILL" vendor-check "$SCRATCH/acme.yaml" --workspace "$SCRATCH/ws-acme" --report-dir "$SCRATCH/r-acme"
expect_grep "^chaindrill: $SCRATCH/acme.yaml:3:17: exec.program: $SCRATCH/./acme-plugin.sh: No such file or directory$" "$SCRATCH/err" "the missing program is named"
printf '#!/bin/sh\nexit 1\n' >"$SCRATCH/acme-plugin.sh"
expect_exit 3 "an exec program that is not executable" -- "$CHAINDRILL" vendor-check "$SCRATCH/acme.yaml" --workspace "$SCRATCH/ws-acme" --report-dir "$SCRATCH/r-acme"
expect_grep "exec.program: .*: not an executable file$" "$SCRATCH/err" "it says so"
printf 'name: csi\ndriver: csi-snapshot\ncapabilities: {snapshot: true}\n' >"$SCRATCH/csi.yaml"
expect_exit 3 "a driver that needs a cluster, on the local platform" -- "$CHAINDRILL" vendor-check "$SCRATCH/csi.yaml" --workspace "$SCRATCH/ws-csi" --report-dir "$SCRATCH/r-csi"
expect_grep "environment error: storage vendor csi-snapshot needs a Kubernetes cluster" "$SCRATCH/err" "what is missing is named"
expect_jq "$SCRATCH/r-csi/report.json" '.outcome == "error" and .capabilities[0].status == "error"' "the report says error"

# --- usage ----------------------------------------------------------------------------------------
expect_exit 2 "no definition" -- "$CHAINDRILL" vendor-check
expect_exit 2 "two definitions" -- "$CHAINDRILL" vendor-check fixtures/vendors/hostpath-copy.yaml fixtures/vendors/ebs-sim.yaml
expect_exit 2 "a bad --jobs" -- "$CHAINDRILL" vendor-check fixtures/vendors/hostpath-copy.yaml --jobs 0
expect_exit 0 "--help" -- "$CHAINDRILL" vendor-check --help
expect_grep "usage: chaindrill vendor-check" "$SCRATCH/out" "--help shows the usage"
no_replicas_left "no process left behind"
finish
