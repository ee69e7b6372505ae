#!/usr/bin/env bash
# tests/pkg/tests-option.sh SOURCE SCRATCH CMOCKA_LIB ROCKSDB_LIB — CHAINDRILL_TESTS on a machine
# without cmocka: configuring with the default (AUTO) succeeds, says the suite is not built and
# which package it needs, and builds no test; -DCHAINDRILL_TESTS=ON fails naming libcmocka-dev.
# cmocka is hidden from CMake with CMAKE_IGNORE_PATH (its directory; RocksDB, in the same
# directory, is given by its path). The quickstart on a real bare root: tests/pkg/quickstart-root.sh.
set -uo pipefail
source=$1 scratch=$2 cmocka=$3 rocksdb=$4
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
rm -rf "$scratch" && mkdir -p "$scratch" || exit 1

# Its directory under both names of a merged /usr (CMake searches /lib and /usr/lib).
dir=$(dirname "$(realpath "$cmocka")")
dir=${dir#/usr}
hide=("-DCMAKE_IGNORE_PATH=$dir;/usr$dir" "-DROCKSDB_LIB=$rocksdb")
cmake -S "$source" -B "$scratch/auto" "${hide[@]}" >"$scratch/auto.log" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then pass "without cmocka, the default configure succeeds"; else
	fail "without cmocka, the default configure succeeds" "exit $rc" "$(tail -15 "$scratch/auto.log")"; fi
if grep -q 'Test suite not built: it needs cmocka (apt-get install libcmocka-dev' "$scratch/auto.log"; then
	pass "it says the test suite is not built, and which package it needs"
else fail "it says the test suite is not built, and which package it needs" "$(grep -i -m3 'test' "$scratch/auto.log")"; fi
if [ -f "$scratch/auto/CMakeCache.txt" ] && [ ! -e "$scratch/auto/harness/tests" ] && [ ! -e "$scratch/auto/CTestTestfile.cmake" ]; then
	pass "no test is configured"
else fail "no test is configured" "$(ls "$scratch/auto" 2>&1 | tr '\n' ' ')"; fi

cmake -S "$source" -B "$scratch/on" "${hide[@]}" -DCHAINDRILL_TESTS=ON >"$scratch/on.log" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then pass "-DCHAINDRILL_TESTS=ON without cmocka fails"; else
	fail "-DCHAINDRILL_TESTS=ON without cmocka fails"; fi
if tr -s ' \n' '  ' <"$scratch/on.log" | grep -q 'CHAINDRILL_TESTS=ON: the test suite needs cmocka: apt-get install libcmocka-dev'; then
	pass "naming the Debian package"
else fail "naming the Debian package" "$(tail -8 "$scratch/on.log")"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && rm -rf "$scratch"
[ "$failed" -eq 0 ]
