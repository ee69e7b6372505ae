#!/usr/bin/env bash
# scripts/test.sh — install what is missing, build, and run the whole test suite:
#   1. every test (cmocka unit tests and end-to-end scenarios) on the normal build;
#   2. all of them again on the ASan+UBSan build (replicas run sanitized too, and one that does
#      not exit 0 on SIGTERM fails its scenario);
#   3. the unit tests under valgrind memcheck (no leaks, no errors).
# Scratch directories of failing tests are kept under build*/scratch/. The closing lines count, per
# tier, the tests that passed, failed and were skipped (with why); the last is the total.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test || exit 1
jobs=$(nproc)
status=0

# Each tier's JUnit (every test's whole output) feeds the closing lines: per tier how many tests
# passed, failed and were skipped (exit 77), and why each skip happened (scripts/test-summary.py).
junit=build/test-junit
rm -rf "$junit" && mkdir -p "$junit"
tier() { # tier LABEL HEADING CTEST_ARGS...: run ctest, its JUnit into $junit/LABEL.xml
	local label=$1 file=$junit/${1//\//}.xml; shift
	echo "== $1"; shift
	ctest "$@" -j"$jobs" --output-on-failure --output-junit "$PWD/$file" \
		--test-output-size-passed 1048576 || status=1
	summary_args+=("$label=$file")
}
summary_args=()

tier build/ "tests (build/)" --test-dir build -LE valgrind

ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	tier build-asan/ "tests under ASan+UBSan (build-asan/): the unit tests and every replica and driver process" \
	--test-dir build-asan -LE valgrind

tier valgrind/ "unit tests under valgrind memcheck (build/)" --test-dir build -L valgrind

echo "== summary"
if [ "$status" -eq 0 ]; then echo "all test tiers passed"; else echo "some tests FAILED"; fi
# The last line is the total: "total: N passed, M failed, K skipped".
python3 scripts/test-summary.py "${summary_args[@]}"
exit $status
