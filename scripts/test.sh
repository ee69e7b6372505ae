#!/usr/bin/env bash
# scripts/test.sh — install what is missing, build, and run the whole test suite:
#   1. every test (cmocka unit tests and end-to-end scenarios) on the normal build;
#   2. all of them again on the ASan+UBSan build (replicas run sanitized too, and one that does
#      not exit 0 on SIGTERM fails its scenario);
#   3. the unit tests under valgrind memcheck (no leaks, no errors).
# Scratch directories of failing tests are kept under build*/scratch/.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test || exit 1
jobs=$(nproc)
status=0

echo "== tests (build/)"
ctest --test-dir build -LE valgrind -j"$jobs" --output-on-failure || status=1

echo "== tests under ASan+UBSan (build-asan/): the unit tests and every replica and driver process"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-asan -LE valgrind -j"$jobs" --output-on-failure || status=1

echo "== unit tests under valgrind memcheck (build/)"
ctest --test-dir build -L valgrind -j"$jobs" --output-on-failure || status=1

if [ "$status" -eq 0 ]; then echo "all test tiers passed"; else echo "some tests FAILED"; fi
exit $status
