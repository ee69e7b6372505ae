#!/usr/bin/env bash
# bad-input: the corpus of tests/e2e/bad-input.manifest — malformed scenarios, vendor definitions,
# kubeconfigs and exec-plugin replies — each with the exit code and message it must give. No input
# may crash chaindrill (no death by a signal, no sanitizer report), and none may leave a result
# behind: a command that refuses its input (exit 2 or 3) writes no workspace and no report that
# claims an outcome.
. "$SOURCE/tests/e2e/lib/testlib.sh"
: "${KUBECONFIG_LOAD:?run through ctest (KUBECONFIG_LOAD unset)}"
export CHAINDRILL KUBECONFIG_LOAD
manifest=$SOURCE/tests/e2e/bad-input.manifest
cd "$SOURCE" || exit 1

n=0
while IFS=$'\t' read -r want regex cmd check; do
	case $want in '' | '#'*) continue ;; esac
	n=$((n + 1))
	W=$SCRATCH/ws.$n R=$SCRATCH/rep.$n
	export W R
	name="#$n: $cmd"
	bash -c "$cmd" >"$SCRATCH/out" 2>&1
	got=$?
	if [ "$got" -ge 128 ] || grep -qE '^(==[0-9]+==|.*runtime error:|.*AddressSanitizer)' "$SCRATCH/out"; then
		fail "$name: no crash" "exit $got" "$(head -c 600 "$SCRATCH/out")"
		continue
	fi
	if [ "$got" != "$want" ]; then
		fail "$name: exit $want" "exit $got" "$(head -c 600 "$SCRATCH/out")"
		continue
	fi
	if ! grep -qE -- "$regex" "$SCRATCH/out"; then
		fail "$name: says /$regex/" "$(head -c 600 "$SCRATCH/out")"
		continue
	fi
	if [ "$want" -ge 2 ]; then
		if [ -e "$W" ]; then fail "$name: no workspace is written" "$(ls -A "$W" | head)"; continue; fi
		if [ -e "$R/report.json" ] && jq -e '.outcome == "matched" or ([.scenarios[]?.observed.verdict // empty] | length > 0)' "$R/report.json" >/dev/null; then
			fail "$name: no report claims an outcome" "$(head -c 400 "$R/report.json")"
			continue
		fi
	fi
	if [ -n "$check" ] && ! jq -e "$check" "$R/report.json" >/dev/null 2>&1; then
		fail "$name: the report shows $check" "$(jq -c '.scenarios[0].observed' "$R/report.json" 2>&1 | head -c 400)"
		continue
	fi
	pass "$name"
done <"$manifest"

if [ "$n" -ge 60 ]; then pass "the corpus has at least 60 inputs ($n)"; else fail "the corpus has at least 60 inputs" "$n"; fi
for what in bad-scenarios bad-vendors k8s/kubeconfig CHAINDRILL_BAD_REPLY; do
	c=$(grep -c -- "$what" "$manifest")
	if [ "$c" -ge 10 ]; then pass "$c inputs of $what"; else fail "at least 10 inputs of $what" "$c"; fi
done
# Every file of the bad corpora is in the manifest.
for f in fixtures/bad-scenarios/*.yaml fixtures/bad-vendors/*.yaml fixtures/k8s/kubeconfig/bad-*.yaml; do
	cut -f3 "$manifest" | tr ' ' '\n' | grep -qxF -- "$f" || fail "$f is in the manifest"
done
finish
