#!/usr/bin/env bash
# scripts/test.sh's closing lines (scripts/test-summary.py) on what ctest really writes: a small
# CMake project whose tests pass, fail, skip some cases (testlib, cmocka unit tests) or skip
# everything (testlib's skip_all, a unit test's drill_test_run, a bare exit 77), run by ctest with the flags scripts/test.sh
# gives it; the summary must count each tier's tests, list every skip with its reason, and end
# with the total. A tier whose JUnit is missing counts as a failure.
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SCRATCH" || exit 1
unit=$(dirname "$CHAINDRILL")/harness/tests/test_scenario_load
testhelp=$(dirname "$CHAINDRILL")/harness/tests/test_testhelp
test_lazy_prereq UNIT "[ -x '$unit' ] && [ -x '$testhelp' ]" \
	"the unit tests are built (harness/tests/test_scenario_load, test_testhelp)"
test_lazy_prereq PYTHON3 'command -v python3' "python3 is on PATH"

mkdir -p mini
printf '%s\n' 'pass "one"' "test_expect_success NEVER 'two' 'false'" 'finish' >mini/some-skipped.sh
printf '%s\n' 'skip_all "nothing here can run"' >mini/all-skipped.sh
printf '%s\n' 'fail "one" "a reason"' 'finish' >mini/failing.sh
for f in mini/*.sh; do
	sed -i '1i . "$SOURCE/tests/e2e/lib/testlib.sh"\ntest_lazy_prereq NEVER false "a thing this machine never has"' "$f"
done
cat >mini/CMakeLists.txt <<EOF
cmake_minimum_required(VERSION 3.16)
project(mini NONE)
enable_testing()
foreach(name some-skipped all-skipped failing)
  add_test(NAME e2e.\${name} COMMAND bash $SCRATCH/mini/\${name}.sh)
  set_tests_properties(e2e.\${name} PROPERTIES SKIP_RETURN_CODE 77 ENVIRONMENT
    "CHAINDRILL=$CHAINDRILL;SOURCE=$SOURCE;SCRATCH=$SCRATCH/mini/scratch-\${name}")
endforeach()
add_test(NAME e2e.bare-77 COMMAND sh -c "echo skipped: needs a thing; exit 77")
set_tests_properties(e2e.bare-77 PROPERTIES SKIP_RETURN_CODE 77)
if(EXISTS $unit AND EXISTS $testhelp)
  add_test(NAME unit.test_scenario_load COMMAND env -u CHAINDRILL_SOURCE $unit)
  add_test(NAME unit.all-skipped COMMAND $testhelp --sample-all-skipped)
  add_test(NAME unit.one-skipped COMMAND $testhelp --sample-one-skipped)
  set_tests_properties(unit.test_scenario_load unit.all-skipped unit.one-skipped PROPERTIES
    SKIP_RETURN_CODE 77 ENVIRONMENT "CHAINDRILL_SCRATCH=$SCRATCH/mini/scratch-unit")
endif()
EOF

test_expect_success 'a small project with passing, failing and skipping tests runs under ctest' '
	cmake -S mini -B mini/build &&
	test_expect_code 8 ctest --test-dir mini/build --output-junit "$SCRATCH/mini.xml" \
		--test-output-size-passed 1048576
'
test_expect_success PYTHON3,UNIT 'the summary: each tier counted, every skip with its reason, the total last' '
	python3 "$SOURCE/scripts/test-summary.py" mini/=mini.xml gone/=gone.xml >summary &&
	cat >expected <<-EOF &&
	mini/: 3 passed, 1 failed, 3 skipped (and 3 case(s) skipped in tests that passed)
	gone/: 0 passed, 1 failed, 0 skipped
	skipped in mini/:
	  e2e.some-skipped: passed, 1 case(s) skipped
	    two (missing NEVER: a thing this machine never has)
	  e2e.all-skipped: skipped
	    nothing here can run
	  e2e.bare-77: skipped
	    skipped: needs a thing
	  unit.test_scenario_load: passed, 1 case(s) skipped
	    test_catalogue: CHAINDRILL_SOURCE is unset: run it through ctest
	  unit.all-skipped: skipped
	    sample_skip_one: sample: the first reason
	    sample_skip_two: sample: the second reason
	  unit.one-skipped: passed, 1 case(s) skipped
	    sample_skip_one: sample: the first reason
	gone/: no JUnit from ctest ([Errno 2] No such file or directory: '"'gone.xml'"')
	total: 3 passed, 2 failed, 3 skipped
	EOF
	test_cmp expected summary
'
test_expect_success PYTHON3 'the last line has the form CI reads: "[word: ]N passed, N failed[, N skipped]"' '
	tail -n 1 summary | grep -Ex "([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?"
'
test_expect_success 'scripts/test.sh runs every tier with the JUnit flags and ends with the summary' '
	grep -q -- "--output-junit \"\$PWD/\$file\"" "$SOURCE/scripts/test.sh" &&
	[ "$(grep -c "^tier " "$SOURCE/scripts/test.sh")" -eq 2 ] &&
	[ "$(grep -c "^[[:space:]]*tier build-asan/" "$SOURCE/scripts/test.sh")" -eq 1 ] &&
	tail -n 2 "$SOURCE/scripts/test.sh" | head -n 1 | grep -q "^python3 scripts/test-summary.py"
'
finish
