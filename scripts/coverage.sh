#!/usr/bin/env bash
# scripts/coverage.sh [BUILD_DIR] — line coverage of harness/ by the test suite, as an lcov HTML
# report. Configures BUILD_DIR (default build-cov) with -DCHAINDRILL_COVERAGE=ON, builds it, runs
# every test but the valgrind tier (unit tests and end-to-end tests: the chaindrill and replica
# processes they start write their .gcda files too), then writes BUILD_DIR/coverage/index.html
# over harness/ without harness/tests (fuzz/ and tools/ are outside harness/).
# Exits 1 if line coverage is below CHAINDRILL_COVERAGE_MIN percent (default 85) or a test failed;
# the report is written either way. With --no-build (the `coverage` target), BUILD_DIR is used as is.
set -uo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build_it=1
if [ "${1:-}" = --no-build ]; then build_it=0; shift; fi
build=${1:-build-cov}
min=${CHAINDRILL_COVERAGE_MIN:-85}
for tool in lcov genhtml; do  # scripts/packages.txt [test]
	command -v $tool >/dev/null || { echo "coverage: $tool is missing (apt-get install lcov)" >&2; exit 3; }
done
if [ "$build_it" = 1 ]; then
	cmake -S . -B "$build" -DCHAINDRILL_COVERAGE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null || exit 3
	cmake --build "$build" -j2 || exit 3
fi
grep -q '^CHAINDRILL_COVERAGE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null ||
	{ echo "coverage: $build is not configured with -DCHAINDRILL_COVERAGE=ON" >&2; exit 2; }
build=$(cd "$build" && pwd)

lcov --zerocounters --directory "$build" --quiet
# Scenarios that run a replica as the pod's user (4015, 4016) must be able to write the .gcda
# files root's processes create beside the objects; otherwise the replica's log ends in gcov's
# "Cannot open" lines and hides the message those scenarios check. A default ACL makes new files
# there writable by all whatever the umask (the tests' own files keep their modes).
command -v setfacl >/dev/null || { echo "coverage: setfacl is missing (apt-get install acl)" >&2; exit 3; }
find "$build" -name '*.gcno' -printf '%h\n' | sort -u | while read -r d; do
	chmod a+rwx "$d" && setfacl -d -m u::rw,g::rw,o::rw "$d"
done
tests_ok=1
ctest --test-dir "$build" -LE valgrind -j"$(nproc)" --output-on-failure >"$build/coverage-tests.log" 2>&1 ||
	tests_ok=0
tail -n 3 "$build/coverage-tests.log"

info="$build/coverage.info"
lcov --capture --directory "$build" --base-directory "$src" --output-file "$info.all" --quiet \
	--ignore-errors gcov,source 2>/dev/null || exit 3
lcov --extract "$info.all" "$src/harness/*" --output-file "$info.harness" --quiet || exit 3
lcov --remove "$info.harness" "$src/harness/tests/*" --output-file "$info" --quiet || exit 3
genhtml "$info" --output-directory "$build/coverage" --prefix "$src" --title "chaindrill harness/" \
	--quiet || exit 3
summary=$(lcov --summary "$info" 2>&1 | grep -E '^ +lines')
echo "coverage of harness/:${summary#*:}"
echo "report: $build/coverage/index.html"
pct=$(sed -E 's/.*: ([0-9.]+)%.*/\1/' <<<"$summary")
if ! awk -v p="$pct" -v m="$min" 'BEGIN { exit !(p >= m) }'; then
	echo "coverage: $pct% of harness/'s lines, below the required $min%" >&2
	exit 1
fi
if [ "$tests_ok" = 0 ]; then
	echo "coverage: some tests failed (see $build/coverage-tests.log)" >&2
	exit 1
fi
