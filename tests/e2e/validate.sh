#!/usr/bin/env bash
# `chaindrill validate` (docs/design.md §2, docs/scenario.md): every file of fixtures/bad-scenarios
# is rejected with exit 2 and the FILE:LINE:COL message its first line announces ("# expect:
# LINE:COL: substring"); every scenario of the catalogue is accepted.
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SOURCE" || exit 1

# expect_error_line FILE POS SUBSTRING NAME: stderr has "chaindrill: FILE:POS: ...SUBSTRING..."
expect_error_line() {
	local prefix="chaindrill: $1:$2: "
	if grep -F -- "$prefix" "$SCRATCH/err" | grep -qF -- "$3"; then pass "$4"; else
		fail "$4" "no line starting '$prefix' containing '$3' in stderr:" "$(head -c 600 "$SCRATCH/err")"
	fi
}

bad=(fixtures/bad-scenarios/*.yaml)
if [ "${#bad[@]}" -ge 25 ] && [ -f "${bad[0]}" ]; then pass "at least 25 bad scenarios"; else
	fail "at least 25 bad scenarios" "found ${#bad[@]}"
fi
for f in "${bad[@]}"; do
	first=$(head -n 1 "$f")
	if ! [[ "$first" =~ ^#\ expect:\ ([0-9]+:[0-9]+):\ (.+)$ ]]; then
		fail "$f: first line is '# expect: LINE:COL: substring'" "got: $first"
		continue
	fi
	pos=${BASH_REMATCH[1]} sub=${BASH_REMATCH[2]}
	expect_exit 2 "$f is rejected" -- "$CHAINDRILL" validate "$f"
	expect_error_line "$f" "$pos" "$sub" "$f: $pos: $sub"
	if [ -s "$SCRATCH/out" ]; then fail "$f: nothing on stdout" "$(head -c 300 "$SCRATCH/out")"; fi
done

# All of them at once: one error line each, exit 2.
expect_exit 2 "all bad scenarios at once" -- "$CHAINDRILL" validate "${bad[@]}"
n=$(grep -c '^chaindrill: fixtures/bad-scenarios/' "$SCRATCH/err")
if [ "$n" -eq "${#bad[@]}" ]; then pass "one error line per bad file"; else
	fail "one error line per bad file" "$n lines for ${#bad[@]} files" "$(head -c 600 "$SCRATCH/err")"
fi

# The catalogue and the e2e data files are valid.
good=()
for f in scenarios/*.yaml tests/e2e/data/*.yaml; do [ -f "$f" ] && good+=("$f"); done
for f in "${good[@]}"; do
	expect_exit 0 "$f is valid" -- "$CHAINDRILL" validate "$f"
	expect_grep "^$f: ok \([0-9]+ steps\)$" "$SCRATCH/out" "$f: ok line"
done
if [ "${#good[@]}" -gt 0 ]; then
	expect_exit 0 "every valid file at once, quietly" -- "$CHAINDRILL" validate -q "${good[@]}"
	if [ -s "$SCRATCH/out" ] || [ -s "$SCRATCH/err" ]; then
		fail "-q prints nothing for valid files" "$(head -c 300 "$SCRATCH/out" "$SCRATCH/err")"
	else
		pass "-q prints nothing for valid files"
	fi
	# A valid and an invalid file: the valid one is still reported ok, the exit code is 2.
	expect_exit 2 "a valid and an invalid file" -- "$CHAINDRILL" validate "${good[0]}" "${bad[0]}"
	expect_grep "^${good[0]}: ok " "$SCRATCH/out" "the valid one is reported ok"
fi

# Exact steps count, and a missing file or bad usage.
printf 'name: counted\nsteps:\n  - write: {blocks: 5}\n  - checkpoint:\n  - validate: {}\nexpect: {verdict: consistent}\n' >"$SCRATCH/three.yaml"
expect_exit 0 "a three-step scenario" -- "$CHAINDRILL" validate "$SCRATCH/three.yaml"
expect_grep "^$SCRATCH/three.yaml: ok \(3 steps\)$" "$SCRATCH/out" "it has 3 steps"
expect_exit 2 "a missing file" -- "$CHAINDRILL" validate "$SCRATCH/nope.yaml"
expect_grep "^chaindrill: $SCRATCH/nope.yaml: cannot open: " "$SCRATCH/err" "the missing file is named"
expect_exit 2 "no file" -- "$CHAINDRILL" validate
expect_exit 2 "an unknown option" -- "$CHAINDRILL" validate --frobnicate "$SCRATCH/three.yaml"
expect_exit 0 "--help" -- "$CHAINDRILL" validate --help
expect_grep "usage: chaindrill validate" "$SCRATCH/out" "--help shows the usage"
finish
