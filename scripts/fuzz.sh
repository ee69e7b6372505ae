#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] [TARGET...] — build the libFuzzer targets of fuzz/ with clang in
# build-fuzz/ (CHAINDRILL_FUZZ=ON, ASan+UBSan) and run each for SECONDS (default 60) from its
# corpus fixtures/fuzz/<target>/ (regressions included). New inputs go to build-fuzz/corpus/<target>/
# (the checked-in corpus is not touched); crashes, leaks and timeouts go to build-fuzz/crashes/<target>/.
# Not part of scripts/test.sh: it takes minutes and needs clang. The test suite replays the
# corpus instead (ctest label fuzz-replay). docs/fuzzing.md says more.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario vendor block verify exec_reply kubeconfig kvbc_block replica_api)
cc=$(command -v clang-14 || command -v clang || true)
[ -n "$cc" ] || { echo "fuzz.sh: clang is needed (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }

# -Werror off: clang does not know some of the gcc warning options the project turns off.
CC=$cc cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHAINDRILL_FUZZ=ON \
	-DCHAINDRILL_TESTS=OFF -DCHAINDRILL_WERROR=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null

status=0
export CHAINDRILL_SCRATCH=$PWD/build-fuzz/scratch
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/fuzz/lsan.supp
for t in "${targets[@]}"; do
	corpus=build-fuzz/corpus/$t crashes=build-fuzz/crashes/$t
	mkdir -p "$corpus" "$crashes" "$CHAINDRILL_SCRATCH"
	echo "== fuzz_$t for ${seconds}s"
	if ! build-fuzz/fuzz/fuzz_"$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
		-artifact_prefix="$crashes/" -print_final_stats=1 \
		"$corpus" "fixtures/fuzz/$t" >"build-fuzz/fuzz_$t.log" 2>&1; then
		echo "fuzz_$t: FOUND A PROBLEM (build-fuzz/fuzz_$t.log; input in $crashes/)"
		status=1
	fi
	grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "build-fuzz/fuzz_$t.log" | tail -2 || true
done
exit $status
