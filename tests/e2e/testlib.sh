#!/usr/bin/env bash
# tests/e2e/lib/testlib.sh tested on itself (git's t0000-basic): small sample scripts are run as
# ctest runs an e2e script, and their whole output and exit code compared with what they must be —
# numbering, "ok N # skip what (missing PREREQ: ...)", "1..N", the closing line, exit 0 / 1 / 77,
# prerequisites (lazy, evaluated once, negated, listed, guarding a group, TESTLIB_MISSING), a body's variables kept,
# a failing body shown, the scratch directory kept only on failure. Last, ctest itself: every e2e,
# pkg and unit test counts exit 77 as skipped.
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SCRATCH" || exit 1

# sample NAME [ENV=VALUE...] < BODY: run a script whose lines after sourcing testlib are BODY, as
# ctest would; its stdout in NAME/out, its exit code in NAME/rc, its scratch directory NAME/scratch
sample() {
	local name=$1; shift
	mkdir -p "$name"
	{ echo '. "$SOURCE/tests/e2e/lib/testlib.sh"'; cat; } >"$name/sample.sh"
	(cd "$name" && env "$@" SCRATCH="$SCRATCH/$name/scratch" bash sample.sh >out 2>err
		echo $? >rc)
}
# expect NAME RC < OUTPUT: the sample exited RC and printed exactly OUTPUT
expect() {
	cat >"$1/expected" && echo "$2" >"$1/expected-rc" &&
		test_cmp "$1/expected" "$1/out" && test_cmp "$1/expected-rc" "$1/rc"
}

sample passing <<'EOF'
pass "one"
test_expect_success 'two' 'true && [ 1 -eq 1 ]'
expect_exit 3 "three" -- sh -c 'exit 3'
finish
EOF
test_expect_success 'every case passes: numbered, the plan, the closing line, exit 0' '
	expect passing 0 <<-EOF
	ok 1 - one
	ok 2 - two
	ok 3 - three
	1..3
	3 passed, 0 failed, 0 skipped
	EOF
'
test_expect_success '... and its scratch directory is removed' '[ ! -e passing/scratch ]'

sample some-skipped <<'EOF'
test_lazy_prereq NEVER 'false' "a thing this machine never has"
test_lazy_prereq ALWAYS 'true' "a thing every machine has"
test_expect_success NEVER 'needs NEVER' 'false'
test_expect_success ALWAYS 'needs ALWAYS' 'true'
test_expect_success '!NEVER' 'needs !NEVER' 'true'
test_expect_success '!ALWAYS' 'needs !ALWAYS' 'false'
test_expect_success ALWAYS,NEVER 'needs ALWAYS,NEVER' 'false'
if test_have_prereq NEVER; then pass "checked by hand"; else test_skip "checked by hand" "$test_missing_prereq"; fi
if test_when ALWAYS "a group that runs"; then pass "in the group that runs"; fi
if test_when '!ALWAYS' "a group that does not run"; then pass "never"; fi
test_expect_success 'test_expect_code' '
	test_expect_code 3 sh -c "echo out; exit 3" >/dev/null && ! test_expect_code 3 true
'
finish
EOF
test_expect_success 'a case whose prerequisite is missing is "ok N # skip", with the reason; exit 0' '
	expect some-skipped 0 <<-EOF
	ok 1 # skip needs NEVER (missing NEVER: a thing this machine never has)
	ok 2 - needs ALWAYS
	ok 3 - needs !NEVER
	ok 4 # skip needs !ALWAYS (missing !ALWAYS: here a thing every machine has)
	ok 5 # skip needs ALWAYS,NEVER (missing NEVER: a thing this machine never has)
	ok 6 # skip checked by hand (missing NEVER: a thing this machine never has)
	ok 7 - in the group that runs
	ok 8 # skip a group that does not run (missing !ALWAYS: here a thing every machine has)
	ok 9 - test_expect_code
	1..9
	4 passed, 0 failed, 5 skipped
	EOF
'

sample all-skipped <<'EOF'
test_lazy_prereq NEVER 'false' "a thing this machine never has"
test_expect_success NEVER 'one' 'false'
test_skip "two" "a reason of its own"
finish
EOF
test_expect_success 'every case skipped: exit 77' '
	expect all-skipped 77 <<-EOF
	ok 1 # skip one (missing NEVER: a thing this machine never has)
	ok 2 # skip two (a reason of its own)
	1..2
	0 passed, 0 failed, 2 skipped
	EOF
'

sample skip-all <<'EOF'
skip_all "nothing here can run"
pass "never reached"
EOF
test_expect_success 'skip_all: "1..0 # SKIP why", exit 77' '
	expect skip-all 77 <<-EOF
	1..0 # SKIP nothing here can run
	0 passed, 0 failed, 0 skipped
	EOF
'

sample failing <<'EOF'
test_lazy_prereq NEVER 'false' "never"
pass "one"
test_expect_success 'two' '
	echo some output &&
	[ 1 -eq 2 ]
'
test_expect_success NEVER 'three' 'false'
fail "four" "a reason" "on two lines"
test_expect_success 'five' 'test_expect_code 2 sh -c "echo hidden; exit 1" >/dev/null'
finish
EOF
test_expect_success 'a failing case: "not ok N", the body and its output shown, exit 1' '
	expect failing 1 <<-EOF
	ok 1 - one
	not ok 2 - two
	#   the body exited 1:
	#   	echo some output &&
	#   	[ 1 -eq 2 ]
	#   its output (last 20 lines):
	#   some output
	ok 3 # skip three (missing NEVER: never)
	not ok 4 - four
	#   a reason
	#   on two lines
	not ok 5 - five
	#   the body exited 1:
	#   test_expect_code 2 sh -c "echo hidden; exit 1" >/dev/null
	#   its output (last 20 lines):
	#   exit 1, expected 2: sh -c echo hidden; exit 1
	1..5
	1 passed, 3 failed, 1 skipped
	scratch kept in $SCRATCH/failing/scratch
	EOF
'
test_expect_success '... and its scratch directory is kept' '[ -d failing/scratch ]'

sample nothing <<'EOF'
finish
EOF
test_expect_success 'a script that ran no case fails' '
	expect nothing 1 <<-EOF
	1..0
	0 passed, 0 failed, 0 skipped
	# no case ran: a script that checks nothing passes nothing
	scratch kept in $SCRATCH/nothing/scratch
	EOF
'

sample prereqs <<'EOF'
test_lazy_prereq COUNTED 'echo x >>"$SCRATCH/evaluated" && [ -z "$(ls -A)" ]' "counted"
test_have_prereq COUNTED && test_have_prereq COUNTED && test_have_prereq '!COUNTED'
test_expect_success COUNTED 'its script ran once, in an empty directory' '
	[ "$(wc -l <"$SCRATCH/evaluated")" -eq 1 ]
'
test_expect_success 'a body sets variables and changes directory' 'x=42 && cd "$SCRATCH"'
test_expect_success 'the next case sees them' '[ "$x" = 42 ] && [ "$PWD" = "$SCRATCH" ]'
test_set_prereq MADE "made by the script"
test_expect_success MADE 'test_set_prereq holds' 'true'
test_lazy_prereq HELD 'true' "a thing this machine has"
test_expect_success HELD 'TESTLIB_MISSING takes it away' 'true'
finish
EOF
test_expect_success 'prerequisites: lazy ones evaluated once in their own directory; set ones' '
	expect prereqs 0 <<-EOF
	ok 1 - its script ran once, in an empty directory
	ok 2 - a body sets variables and changes directory
	ok 3 - the next case sees them
	ok 4 - test_set_prereq holds
	ok 5 - TESTLIB_MISSING takes it away
	1..5
	5 passed, 0 failed, 0 skipped
	EOF
'
sed 1d prereqs/sample.sh | sample prereqs-missing TESTLIB_MISSING=HELD,MADE
test_expect_success 'TESTLIB_MISSING=A,B: A and B do not hold, and the reason says so' '
	expect prereqs-missing 0 <<-EOF
	ok 1 - its script ran once, in an empty directory
	ok 2 - a body sets variables and changes directory
	ok 3 - the next case sees them
	ok 4 # skip test_set_prereq holds (missing MADE: made by the script; TESTLIB_MISSING says so)
	ok 5 # skip TESTLIB_MISSING takes it away (missing HELD: a thing this machine has; TESTLIB_MISSING says so)
	1..5
	3 passed, 0 failed, 2 skipped
	EOF
'

sample pass-in-body <<'EOF'
test_expect_success 'one' 'pass "inner"'
finish
EOF
test_expect_success 'pass inside a body is a bug of the script: exit 1, said on stderr' '
	[ "$(cat pass-in-body/rc)" = 1 ] &&
	grep -q "^testlib: BUG: pass inside the body of .one.$" pass-in-body/err
'

test_expect_success 'an unknown prerequisite is a bug of the script' '
	sample unknown <<-\EOF &&
	test_expect_success NOSUCH "one" "true"
	finish
	EOF
	[ "$(cat unknown/rc)" = 1 ] && grep -q "^testlib: BUG: unknown prerequisite NOSUCH$" unknown/err
'

# --- ctest: exit 77 is "skipped" for every e2e and pkg test ----------------------------------------
test_lazy_prereq JQ 'command -v jq' "jq is on PATH"
test_expect_success JQ 'every e2e., pkg., unit. and valgrind.test_ test has SKIP_RETURN_CODE 77' '
	ctest --test-dir "$(dirname "$CHAINDRILL")" --show-only=json-v1 >tests.json &&
	jq -r ".tests[] | select(.name | test(\"^(e2e|pkg|unit)[.]|^valgrind[.]test_\")) |
		select([.properties[]? | select(.name == \"SKIP_RETURN_CODE\") | .value] != [77]) | .name" \
		tests.json >without-skip &&
	[ "$(jq "[.tests[] | select(.name | test(\"^e2e[.]\"))] | length" tests.json)" -gt 20 ] &&
	test_cmp /dev/null without-skip
'
finish
